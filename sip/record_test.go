package sip_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
)

// sendTone sends ms of a PCMU sine at hz from the caller, paced as a phone.
func (p *rtpPeer) sendTone(hz float64, ms int, phase *int) {
	_, _, to := p.count()
	if to == nil {
		return
	}
	for range ms / 20 {
		pkt := p.nextVoicePacket()
		for i := range 160 {
			v := int16(8000 * math.Sin(2*math.Pi*hz*float64(*phase)/8000))
			pkt[12+i] = g711.EncodeUlawFrame(v)
			*phase++
		}
		p.conn.WriteToUDP(pkt, to)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCallIsRecorded: a call answered and bridged to a sipp counselor
// phone that echoes; the caller sends a tone. After hang-up the stored
// recording opens with the key, its SHA-256 matches the event, the tone is
// on the left (the citizen), the echo and the recording notice on the
// right (what the citizen heard), and the greeting before the notice is
// not in it.
func TestCallIsRecorded(t *testing.T) {
	const callerHz = 1700
	noticeHz := 0.0
	for i, p := range ivr.AllPrompts() {
		if p == ivr.Notice {
			noticeHz = 300 + float64(i)*10
		}
	}
	dir := t.TempDir()
	keys, err := recording.ParseKeyring("t1:" + hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	agentPort := freePort(t)
	f := newFixture(t, 10, func(c *sip.Config) {
		c.RecordingDir, c.RecordingKeys = dir, keys
		c.Endpoint = func(agent string) (string, bool) {
			return "sip:kim@127.0.0.1:" + strconv.Itoa(agentPort), agent == "kim"
		}
	})
	f.available(t, "kim")
	agentDone := f.echoPhone(t, agentPort)
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	phase := 0
	peer.sendTone(callerHz, 2000, &phase)
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor": agentDone})

	var rec minwon.Recording
	eventually(t, "the recording is stored", 5*time.Second, func() bool {
		evs, err := f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventRecordingStored}})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs) == 1 && evs[0].Decode(&rec) == nil
	})
	started, err := f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventRecordingStarted}})
	if err != nil || len(started) != 2 || started[0].ContactID != "" || started[1].ContactID != ct.ID {
		t.Fatalf("recording.started events: %d, %v; want one at the notice and one with the contact", len(started), err)
	}
	if rec.TenantID != "city" || rec.KeyID != "t1" || rec.ContactID != ct.ID || rec.DurationMS < 2000 || !rec.Ended.After(rec.Started) {
		t.Fatalf("stored recording %+v", rec)
	}
	wav := readRecording(t, dir, keys, rec)
	sum := sha256.Sum256(wav)
	if hex.EncodeToString(sum[:]) != rec.SHA256 || int64(len(wav)) != rec.Size {
		t.Fatalf("decrypted recording: sha256 %x size %d; event says %s size %d", sum, len(wav), rec.SHA256, rec.Size)
	}
	if bytes.Contains(wav, bytes.Repeat([]byte{7}, 32)) {
		t.Fatal("the key is in the file")
	}
	rep, err := recording.Analyze(bytes.NewReader(wav), callerHz, noticeHz, 440)
	if err != nil {
		t.Fatal(err)
	}
	left, right := rep.Channels[0], rep.Channels[1]
	t.Logf("left %+v right %+v frames %d", left, right, rep.Frames)
	if left.Tones[callerHz] < 0.02 {
		t.Errorf("the caller's tone is not on the left: %+v", left)
	}
	if right.Tones[callerHz] < 0.01 {
		t.Errorf("the counselor phone's echo is not on the right: %+v", right)
	}
	if right.Tones[noticeHz] < 0.005 || left.Tones[noticeHz] > right.Tones[noticeHz]/10 {
		t.Errorf("the recording notice should be on the right only: left %+v right %+v", left, right)
	}
	if right.Tones[440] > right.Tones[noticeHz]/10 {
		t.Errorf("the greeting before the notice was recorded: %+v", right)
	}
	if !slices.Contains(keys.IDs(), rec.KeyID) {
		t.Fatal("unknown key id")
	}
}

// readRecording decrypts a stored recording to its WAV.
func readRecording(t *testing.T, dir string, keys *recording.Keyring, rec minwon.Recording) []byte {
	t.Helper()
	file, err := os.Open(filepath.Join(dir, filepath.FromSlash(rec.File)))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	st, _ := file.Stat()
	rd, err := recording.NewReader(file, st.Size(), keys)
	if err != nil {
		t.Fatal(err)
	}
	wav, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return wav
}
