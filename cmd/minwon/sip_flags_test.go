package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/inmem"
)

func TestSIPFlags(t *testing.T) {
	for _, tt := range []struct {
		name     string
		env      string // MINWON_SIP; "-" unset
		args     []string
		want     string
		explicit bool
	}{
		{"OffWithoutDemo", "-", nil, "", false},
		{"DemoListensOnLoopback", "-", []string{"--demo"}, "127.0.0.1:5060", false},
		{"FlagWins", "-", []string{"--demo", "--sip", "0.0.0.0:5080"}, "0.0.0.0:5080", true},
		{"EmptyFlagTurnsDemoOff", "-", []string{"--demo", "--sip", ""}, "", true},
		{"Environment", "127.0.0.1:5070", nil, "127.0.0.1:5070", true},
		{"EmptyEnvironmentTurnsDemoOff", "", []string{"--demo"}, "", true},
		{"FlagOverEnvironment", "127.0.0.1:5070", []string{"--sip", "127.0.0.1:5090"}, "127.0.0.1:5090", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "-" {
				t.Setenv("MINWON_SIP", tt.env)
			}
			cfg, err := configFrom("serve", tt.args, io.Discard, true)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SIP != tt.want || cfg.SIPExplicit != tt.explicit {
				t.Fatalf("sip %q explicit %v, want %q %v", cfg.SIP, cfg.SIPExplicit, tt.want, tt.explicit)
			}
		})
	}
}

// TestSIPPortTaken: the demo's default address only warns when taken; an
// address the operator chose must work.
func TestSIPPortTaken(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.SIP = busy.LocalAddr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := openStore(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := center.New(center.Config{Secret: []byte("0123456789abcdef0123456789abcdef")}, store, inmem.NewBus(), log)
	if err := c.Start(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if srv, _, err := startSIP(context.Background(), cfg, c, inmem.NewBus(), log); err != nil || srv != nil {
		t.Fatalf("default address taken: %v %v, want voice off and no error", srv, err)
	}
	cfg.SIPExplicit = true
	if srv, _, err := startSIP(context.Background(), cfg, c, inmem.NewBus(), log); err == nil {
		srv.Close()
		t.Fatal("an explicit address that is taken was accepted")
	}
}

func TestASRFlags(t *testing.T) {
	for _, tt := range []struct {
		name      string
		env       string // MINWON_ASR; "-" unset
		args      []string
		want      string
		agitation string
		bad       bool
	}{
		{"OffByDefault", "-", nil, "", "on", false},
		{"Flag", "-", []string{"--asr", "ws://127.0.0.1:2700"}, "ws://127.0.0.1:2700", "on", false},
		{"Environment", "ws://127.0.0.1:2701", nil, "ws://127.0.0.1:2701", "on", false},
		{"FlagOverEnvironment", "ws://127.0.0.1:2701", []string{"--asr", "ws://127.0.0.1:2702"}, "ws://127.0.0.1:2702", "on", false},
		{"NotAWebSocket", "-", []string{"--asr", "http://127.0.0.1:2700"}, "", "", true},
		{"AgitationOff", "-", []string{"--agitation", "off"}, "", "off", false},
		{"AgitationBad", "-", []string{"--agitation", "loud"}, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "-" {
				t.Setenv("MINWON_ASR", tt.env)
			}
			cfg, err := configFrom("serve", tt.args, io.Discard, true)
			if tt.bad {
				if err == nil {
					t.Fatalf("%v accepted", tt.args)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ASR != tt.want || cfg.Agitation != tt.agitation {
				t.Fatalf("asr %q agitation %q, want %q %q", cfg.ASR, cfg.Agitation, tt.want, tt.agitation)
			}
		})
	}
}

func TestWebRTCFlags(t *testing.T) {
	t.Setenv("MINWON_WEBRTC_ICE_USER", "desk")
	t.Setenv("MINWON_WEBRTC_ICE_CREDENTIAL", "secret")
	cfg, err := configFrom("serve", []string{"--webrtc-ice", "stun:stun.lan:3478, turn:turn.lan:3478", "--webrtc-ports", "40000-40999", "--webrtc-public-ip", "203.0.113.7"}, io.Discard, true)
	if err != nil {
		t.Fatal(err)
	}
	sp := cfg.Softphone
	if len(sp.ICEServers) != 2 || sp.ICEServers[1] != "turn:turn.lan:3478" || sp.ICEUsername != "desk" || sp.ICECredential != "secret" ||
		sp.PortMin != 40000 || sp.PortMax != 40999 || len(sp.PublicIPs) != 1 || sp.RingTimeout == 0 {
		t.Fatalf("softphone config %+v", sp)
	}
	for _, bad := range []string{"40000", "5-1", "0-10", "1-70000", "a-b"} {
		if _, err := configFrom("serve", []string{"--webrtc-ports", bad}, io.Discard, true); err == nil {
			t.Errorf("--webrtc-ports %s accepted", bad)
		}
	}
}
