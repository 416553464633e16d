package sip_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/sip"
	"github.com/minwon/minwon/softphone"
)

// browser is a pion peer standing in for the counselor's desktop: it
// offers the given codecs, sends one repeated byte per payload as its
// microphone, and counts what it hears the same way rtpPeer does.
type browser struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticSample
	mu    sync.Mutex
	heard map[byte]int
}

func newBrowser(t *testing.T, codecs ...string) *browser {
	t.Helper()
	m := &webrtc.MediaEngine{}
	pt := map[string]webrtc.PayloadType{webrtc.MimeTypePCMU: 0, webrtc.MimeTypePCMA: 8}
	for _, c := range codecs {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: c, ClockRate: 8000, Channels: 1}, PayloadType: pt[c]}, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: codecs[0], ClockRate: 8000, Channels: 1}, "mic", "desk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	b := &browser{pc: pc, track: track, heard: map[byte]int{}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if n := len(p.Payload); n > 0 && bytes.Count(p.Payload, p.Payload[:1]) == n {
				b.mu.Lock()
				b.heard[p.Payload[0]]++
				b.mu.Unlock()
			}
		}
	})
	return b
}

// offer is the desktop's offer with every candidate, as the desk sends it.
func (b *browser) offer(t *testing.T) string {
	t.Helper()
	o, err := b.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	<-done
	return b.pc.LocalDescription().SDP
}

func (b *browser) answer(t *testing.T, sdp string) {
	t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		t.Fatal(err)
	}
}

// say sends 20 ms of the microphone, every sample v.
func (b *browser) say(v byte) {
	b.track.WriteSample(media.Sample{Data: bytes.Repeat([]byte{v}, 160), Duration: 20 * time.Millisecond})
}

func (b *browser) heardOf(v byte) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.heard[v]
}

// holdPCM is a constant level, so the hold audio is one repeated µ-law byte.
const holdPCM = 1000

// TestSoftphoneCall puts a pion peer in the counselor's browser: a call
// kim accepts rings the desktop's softphone (kim has no SIP phone), audio
// flows both ways as it came, mute and hold cut what they should, and the
// softphone's hang-up ends the contact as kim's.
func TestSoftphoneCall(t *testing.T) {
	hub, err := softphone.New(softphone.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	level := make([]byte, 2*prompts.SampleRate)
	for i := 0; i < len(level); i += 2 {
		binary.LittleEndian.PutUint16(level[i:], holdPCM)
	}
	holdByte := g711.EncodeUlaw(level[:2])[0]
	f := newFixture(t, 10, func(c *sip.Config) {
		c.Softphones = hub
		ko := map[ivr.Prompt]prompts.Audio{}
		for i, p := range ivr.AllPrompts() {
			ko[p] = tone(300+float64(i)*10, 200)
		}
		ko[ivr.Hold] = level
		c.Prompts = prompts.FromAudio(map[string]map[ivr.Prompt]prompts.Audio{"ko": ko})
	})
	f.available(t, "kim")
	defer hub.Register("kim")()
	if !hub.Ready("kim") {
		t.Fatal("kim's softphone is on but not ready")
	}
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()

	t.Run("RefusesABrowserWithoutTheCallersCodec", func(t *testing.T) {
		_, err := hub.Answer(ctx, "kim", ct.ID, newBrowser(t, webrtc.MimeTypePCMA).offer(t))
		if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), "no transcoding") {
			t.Fatalf("answer to a PCMA-only offer for a PCMU call: %v, want invalid, no transcoding", err)
		}
	})
	t.Run("RefusesAnotherCounselor", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if _, err := hub.Answer(short, "lee", ct.ID, newBrowser(t, webrtc.MimeTypePCMU).offer(t)); err == nil {
			t.Fatal("another counselor's desktop took kim's call")
		}
	})
	br := newBrowser(t, webrtc.MimeTypePCMU)
	answer, err := hub.Answer(ctx, "kim", ct.ID, br.offer(t))
	if err != nil {
		t.Fatal(err)
	}
	br.answer(t, answer)
	control := func(t *testing.T, action string) softphone.State {
		t.Helper()
		st, err := hub.Control("kim", ct.ID, softphone.Control{Action: action})
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return st
	}
	// talk sends 20 ms each way: the caller's byte and the counselor's.
	talk := func(caller, counselor byte) {
		peer.sendVoice(caller)
		br.say(counselor)
		time.Sleep(20 * time.Millisecond) // real-time pacing of both ends
	}

	t.Run("AudioFlowsBothWays", func(t *testing.T) {
		eventually(t, "each side hears the other", 10*time.Second, func() bool {
			talk(0x3c, 0x5a)
			return br.heardOf(0x3c) > 5 && peer.heard(0x5a) > 5
		})
	})
	t.Run("MuteSilencesTheCounselor", func(t *testing.T) {
		if st := control(t, "mute"); !st.Muted {
			t.Fatalf("state %+v after mute", st)
		}
		silence := byte(0xff) // µ-law zero
		before := peer.heard(silence)
		eventually(t, "the caller hears silence for the counselor", 5*time.Second, func() bool {
			talk(0x3c, 0x5b)
			return peer.heard(silence) > before+10
		})
		control(t, "unmute")
		eventually(t, "the counselor is heard again", 5*time.Second, func() bool {
			talk(0x3c, 0x5a)
			return peer.heard(0x5a) > 10
		})
		if n := peer.heard(0x5b); n != 0 {
			t.Fatalf("the caller heard the muted counselor %d times", n)
		}
		if br.heardOf(0x3c) == 0 {
			t.Fatal("muting the counselor cut the caller")
		}
	})
	t.Run("HoldPlaysHoldAudioAndCutsBothWays", func(t *testing.T) {
		before := peer.heard(holdByte)
		if st := control(t, "hold"); !st.Held {
			t.Fatalf("state %+v after hold", st)
		}
		eventually(t, "the caller hears the hold audio", 5*time.Second, func() bool {
			talk(0x3d, 0x5c)
			return peer.heard(holdByte) > before+20
		})
		control(t, "resume")
		eventually(t, "both sides hear each other again", 5*time.Second, func() bool {
			talk(0x3e, 0x5d)
			return br.heardOf(0x3e) > 5 && peer.heard(0x5d) > 5
		})
		if a, b := br.heardOf(0x3d), peer.heard(0x5c); a != 0 || b != 0 {
			t.Fatalf("on hold the counselor heard the caller %d times and the caller the counselor %d times", a, b)
		}
	})
	t.Run("KeysAreRefusedUnlessValid", func(t *testing.T) {
		if _, err := hub.Control("kim", ct.ID, softphone.Control{Action: "dtmf", Digits: "12x"}); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("keys 12x: %v, want invalid", err)
		}
		if _, err := hub.Control("kim", ct.ID, softphone.Control{Action: "dtmf", Digits: "120#"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("HangUpEndsTheContactAsTheCounselors", func(t *testing.T) {
		control(t, "hangup")
		awaitHangups(t, map[string]<-chan error{"caller": callerDone})
		stored, err := f.store.Contact(f.ctx, ct.ID)
		if err != nil || stored.State != minwon.ContactWrapUp || stored.AgentID != "kim" {
			t.Fatalf("stored %+v %v, want kim's, in wrap-up", stored, err)
		}
		if _, err := hub.Control("kim", ct.ID, softphone.Control{Action: "hold"}); minwon.ErrorCode(err) != minwon.ENOTFOUND {
			t.Fatalf("hold after hang-up: %v, want not found", err)
		}
	})
}
