package sip_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/sip"
)

// level is ms of one constant sample: its PCMU packets are one repeated
// byte, so the RTP peer can count how much of it the caller heard.
func level(v int16, ms int) (prompts.Audio, byte) {
	n := prompts.SampleRate * ms / 1000
	b := make([]byte, 2*n)
	for i := range n {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b, g711.EncodeUlawFrame(v)
}

// wavOf wraps samples in a RIFF WAVE header, 8 kHz mono 16-bit.
func wavOf(a prompts.Audio) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(a)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(a)))
	b.Write(a)
	return b.Bytes()
}

func TestClosedDistrictHearsWhyAndIsNotQueued(t *testing.T) {
	// 2025-10-06 10:00 in Seoul: a Monday, and 추석.
	at := time.Date(2025, 10, 6, 10, 0, 0, 0, time.FixedZone("KST", 9*3600))
	chuseok, chuseokByte := level(6000, 600)
	closed, closedByte := level(-6000, 800)
	greeting, greetingByte := level(2000, 500)
	voice := &prompts.Voice{Dir: t.TempDir()}
	f := newFixtureWith(t, 10, center.Config{Now: func() time.Time { return at }}, func(cfg *sip.Config) {
		cfg.Voice = voice
		set := testPrompts()
		ko := map[ivr.Prompt]prompts.Audio{}
		for _, p := range ivr.AllPrompts() {
			ko[p], _ = set.Get("ko", p)
		}
		ko["holiday_chuseok"], ko[ivr.Holiday] = chuseok, closed
		cfg.Prompts = prompts.FromAudio(map[string]map[ivr.Prompt]prompts.Audio{"ko": ko})
	})
	f.c.SetNoticeVoice(voice)
	if chuseokByte == closedByte || greetingByte == chuseokByte || greetingByte == closedByte || bytes.IndexByte([]byte{0xff, 0x7f}, chuseokByte) >= 0 {
		t.Fatalf("marker bytes %x %x are not distinct from each other and silence", chuseokByte, closedByte)
	}
	ctx := f.ctx
	if _, err := f.c.SaveUser(ctx, "", minwon.User{ID: "admin", TenantID: "city", Login: "admin", Name: "관리자", Roles: []minwon.Role{minwon.RoleAdmin}}, "password123"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SaveTenant(ctx, "", minwon.Tenant{ID: "jung", ParentID: "city", Name: "중구", Kind: minwon.TenantDistrict, EntryPoints: []string{"02-120-3000"}, DefaultQueue: "general"}); err != nil {
		t.Fatal(err)
	}
	hours := &center.HoursConfig{Hours: calendar.Hours{Weekly: calendar.Weekdays(calendar.Span{From: 9 * 60, To: 18 * 60})}}
	if _, err := f.c.SetHours(ctx, "admin", "city", hours); err != nil {
		t.Fatal(err)
	}
	// The city's own greeting replaces the default on its districts' lines.
	if _, err := f.c.SetIVRPrompt(ctx, "admin", "city", "ko", string(ivr.Greeting), wavOf(greeting)); err != nil {
		t.Fatal(err)
	}
	peer := newRTPPeer(t)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := f.runSipp(cctx, "caller_until_bye.xml", "021203000", "u1", "-set", "rtpport", peer.port())
	if err != nil {
		t.Fatalf("sipp (the center should hang up): %v\n%s", err, out)
	}
	t.Run("HearsTheCitysRecordedGreeting", func(t *testing.T) {
		if n := peer.heard(greetingByte); n < 20 {
			t.Fatalf("heard %d packets of the recorded greeting, want about 25", n)
		}
	})
	t.Run("HearsTheHolidayAndTheClosedPrompt", func(t *testing.T) {
		// 600 ms and 800 ms are 30 and 40 packets; allow for the edges.
		if n := peer.heard(chuseokByte); n < 25 {
			t.Fatalf("heard %d packets of the 추석 prompt, want about 30", n)
		}
		if n := peer.heard(closedByte); n < 35 {
			t.Fatalf("heard %d packets of the holiday-closed prompt, want about 40", n)
		}
	})
	t.Run("IsNotQueued", func(t *testing.T) {
		if cs := f.voiceContacts(); len(cs) != 0 {
			t.Fatalf("voice contacts %+v for a closed line", cs)
		}
		evs, err := f.store.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventContactCreated, minwon.EventContactQueued}})
		if err != nil || len(evs) != 0 {
			t.Fatalf("contact events %d (%v), want none", len(evs), err)
		}
		eventually(t, "the call is gone", 2*time.Second, func() bool { return f.srv.Active() == 0 })
	})
}

func TestDisasterNoticeReplacesTheMenuThenQueues(t *testing.T) {
	voice := &prompts.Voice{Dir: t.TempDir()}
	f := newFixture(t, 10, func(cfg *sip.Config) { cfg.Voice = voice })
	f.c.SetNoticeVoice(voice)
	ctx := f.ctx
	if _, err := f.c.SaveUser(ctx, "", minwon.User{ID: "sup", TenantID: "city", Login: "sup", Name: "감독자", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123"); err != nil {
		t.Fatal(err)
	}
	quake, quakeByte := level(5000, 700)
	now := f.c.Now()
	n := center.NoticeRequest{Notice: calendar.Notice{Kind: calendar.NoticeDisaster, Text: "지진 안내", Start: now.Add(-time.Minute), End: now.Add(time.Hour), ReplaceMenu: true, Then: calendar.ThenQueue}, WAV: wavOf(quake)}
	if _, err := f.c.SetIVRNotice(ctx, "sup", "city", n); err != nil {
		t.Fatal(err)
	}
	peer := newRTPPeer(t)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		out, err := f.runSipp(cctx, "caller.xml", "120", "u1", "-set", "rtpport", peer.port(), "-d", "3000")
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		done <- err
	}()
	// 120 is open around the clock: after the notice and the recording
	// notice the caller is queued in Korean without pressing a key.
	eventually(t, "the call is queued", 10*time.Second, func() bool { return len(f.voiceContacts()) == 1 })
	if n := peer.heard(quakeByte); n < 30 {
		t.Fatalf("heard %d packets of the disaster notice before being queued, want about 35", n)
	}
	if cs := f.voiceContacts(); cs[0].Language != "ko" || cs[0].QueueID != "general" {
		t.Fatalf("queued %+v, want Korean on general", cs[0])
	}
	if err := <-done; err != nil {
		t.Fatalf("sipp: %v", err)
	}
}
