package sip_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/asr"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
)

// trunkCitizen runs sipp as the trunk on port, answering as a citizen
// whose media is peer's; the channel gets sipp's result once the center
// hangs up.
func (f *fixture) trunkCitizen(t testing.TB, port int, peer *rtpPeer) <-chan error {
	done := make(chan error, 1)
	cmd := exec.Command(f.sipp, "-sf", filepath.Join("testdata", "trunk_citizen.xml"), "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-mp", strconv.Itoa(freePort(t)), "-set", "rtpport", peer.port(), "-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin")
	go func() {
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // sipp binds its port
	return done
}

// TestOutboundCallIsProtected: a call the center places through the
// trunk, kim calling a citizen out or a callback kim accepted, is
// protected as an inbound one is. The citizen's audio reaches the
// recognizer, whose abusive transcript opens an incident; the citizen
// hears kim's first and second warnings in place of kim; the third ends
// the call with the closing notice, not the goodbye; every step is stored
// with its stretch of the recording.
func TestOutboundCallIsProtected(t *testing.T) {
	t.Run("CallingOut", func(t *testing.T) { outboundIsProtected(t, false) })
	t.Run("Callback", func(t *testing.T) { outboundIsProtected(t, true) })
}

func outboundIsProtected(t *testing.T, callback bool) {
	set, mark := markedPrompts(t, map[ivr.Prompt]int16{
		ivr.Notice: 1000, ivr.ProtectWarning1: 3000, ivr.ProtectWarning2: -3000,
		ivr.ProtectClosing: 7000, ivr.Goodbye: -7000,
	})
	url, audio := fakeRecognizer(t, "야 이 씨발 뭐하는 거야")
	client, err := asr.New(asr.Config{URL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := recording.ParseKeyring("t1:" + hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	trunk, dir := freePort(t), t.TempDir()
	phones := &memPhones{hz: map[string]float64{"kim": coachCounselorHz}, dialled: make(chan *memLeg, 2)}
	f := newFixture(t, 10, func(c *sip.Config) {
		c.Prompts, c.ASR, c.Softphones = set, client, phones
		c.Trunk = "sip:127.0.0.1:" + strconv.Itoa(trunk)
		c.RecordingDir, c.RecordingKeys = dir, keys
	})
	peer := newRTPPeer(t)
	citizen := f.trunkCitizen(t, trunk, peer)
	var ct *minwon.Contact
	if callback {
		f.c.SetCallbackDialer(f.srv)
		if ct, err = f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "010-2345-6789"}); err != nil {
			t.Fatal(err)
		}
		if err := f.c.RequestCallback(f.ctx, ct.ID, "01023456789"); err != nil {
			t.Fatal(err)
		}
		f.available(t, "kim")
		eventually(t, "the callback is offered to kim", 5*time.Second, func() bool { return f.c.OfferedTo(ct.ID) == "kim" })
		if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil { // the center dials it
			t.Fatal(err)
		}
	} else {
		f.available(t, "kim")
		var call minwon.OutboundCall
		if ct, call, err = f.c.StartOutbound(f.ctx, "kim", "010-2345-6789"); err != nil {
			t.Fatal(err)
		}
		if err := f.srv.Dial(ct, call); err != nil {
			t.Fatal(err)
		}
	}
	heard := func(p ivr.Prompt) func() bool { return func() bool { return peer.heard(mark[p]) >= 25 } }
	eventually(t, "the citizen hears the recording notice", 15*time.Second, heard(ivr.Notice))
	eventually(t, "the citizen hears kim", 15*time.Second, func() bool { return hears(peer.recentAudio(), coachCounselorHz) })
	evs, err := f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventCallConnected}})
	if err != nil || len(evs) != 1 || evs[0].AgentID != "kim" {
		t.Fatalf("call.connected events %+v %v, want one of kim's", evs, err)
	}

	eventually(t, "the citizen's transcript opens an incident", 10*time.Second, func() bool {
		peer.sendVoice(0x3c)
		p, err := f.c.DeskProtection("kim", ct.ID)
		return err == nil && p.IncidentID != ""
	})
	if audio.Load() == 0 {
		t.Fatal("the recognizer got none of the citizen's audio")
	}

	p, err := f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "")
	if err != nil || p.Warnings != 1 {
		t.Fatalf("first warning: %+v %v", p, err)
	}
	eventually(t, "the citizen hears the first warning", 10*time.Second, heard(ivr.ProtectWarning1))
	if p, err = f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "계속 욕설"); err != nil || p.Warnings != 2 {
		t.Fatalf("second warning: %+v %v", p, err)
	}
	eventually(t, "the citizen hears the second warning", 10*time.Second, heard(ivr.ProtectWarning2))
	if p, err = f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, ""); err != nil || !p.Ended {
		t.Fatalf("third warning: %+v %v", p, err)
	}
	sippDone(t, citizen, 15*time.Second, "the citizen was not hung up after the third warning")
	if !heard(ivr.ProtectClosing)() || peer.heard(mark[ivr.Goodbye]) != 0 {
		t.Fatalf("citizen heard %d packets of the closing notice and %d of the goodbye, want the notice only",
			peer.heard(mark[ivr.ProtectClosing]), peer.heard(mark[ivr.Goodbye]))
	}

	inc, err := f.c.Incident(f.ctx, "kim", p.IncidentID)
	if err != nil || inc.Channel != minwon.ChannelVoice || len(inc.Warnings) != 2 || inc.Ended == nil || inc.Ended.Reason != "counselor" {
		t.Fatalf("incident %+v %v", inc, err)
	}
	segments := 0
	for _, it := range inc.Items {
		if it.Kind == minwon.ItemSegment {
			segments++
			if it.Recording == nil || it.Recording.Name == "" {
				t.Errorf("the transcript item has no recording segment: %+v", it)
			}
		}
	}
	if segments == 0 {
		t.Errorf("no transcript item on the incident: %+v", inc.Items)
	}
	for i, w := range inc.Warnings {
		if w.Recording == nil || w.Recording.Name == "" || w.Recording.End <= w.Recording.Start {
			t.Errorf("warning %d has no recording segment: %+v", i+1, w.Recording)
		}
	}
	if inc.Ended.Recording == nil {
		t.Errorf("the end has no recording segment")
	}
	eventually(t, "the contact waits for kim's wrap-up", 5*time.Second, func() bool {
		live, err := f.c.Contact(f.ctx, ct.ID)
		return err == nil && live.State == minwon.ContactWrapUp
	})
	if evs, err := f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventIncidentWarned}}); err != nil || len(evs) != 2 || evs[0].ActorID != "kim" {
		t.Fatalf("stored incident.warned %+v %v, want kim's two", evs, err)
	}
}
