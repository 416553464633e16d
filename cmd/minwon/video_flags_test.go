package main

import (
	"io"
	"slices"
	"testing"
)

func TestVideoFlags(t *testing.T) {
	parse := func(t *testing.T, args ...string) Config {
		t.Helper()
		cfg, err := configFrom("serve", args, io.Discard, true)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Run("OnByDefaultWithLoopbackOnALoopbackServer", func(t *testing.T) {
		cfg := parse(t)
		vc, err := cfg.relayConfig()
		if !cfg.Video.On || err != nil || !vc.Loopback || vc.MaxSessions != 20 || len(vc.ICEServers) != 0 {
			t.Fatalf("%+v %+v %v", cfg.Video, vc, err)
		}
	})
	t.Run("ICEPortsAndCeiling", func(t *testing.T) {
		cfg := parse(t, "--http", "10.0.0.5:8120", "--video-max", "3", "--video-ice", "stun:a:3478, turn:b:3478", "--video-ports", "40000-40100")
		vc, err := cfg.relayConfig()
		if err != nil || vc.Loopback || vc.MaxSessions != 3 || !slices.Equal(vc.ICEServers, []string{"stun:a:3478", "turn:b:3478"}) || vc.PortMin != 40000 || vc.PortMax != 40100 {
			t.Fatalf("%+v %v", vc, err)
		}
	})
	t.Run("BadPortsRefused", func(t *testing.T) {
		for _, p := range []string{"40000", "9-1", "0-10", "1-2x", "a-b"} {
			if _, err := parse(t, "--video-ports", p).relayConfig(); err == nil {
				t.Errorf("--video-ports=%s accepted", p)
			}
		}
	})
	t.Run("Off", func(t *testing.T) {
		if parse(t, "--video=false").Video.On {
			t.Fatal("--video=false left video on")
		}
	})
}
