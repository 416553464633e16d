package center_test

import (
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// call starts a call from caller, offered to and answered by kim.
func (f *fixture) call(caller string) *minwon.Contact {
	f.t.Helper()
	ct := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: caller}))
	if got := f.c.OfferedTo(ct.ID); got != "kim" {
		f.t.Fatalf("call offered to %q, want kim", got)
	}
	return must(f.c.Accept(f.ctx, "kim", ct.ID))
}

func mustVoiceCenter(t *testing.T) *fixture {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit", "120"}, DefaultQueue: "general"})))
	f.ready("kim")
	return f
}

// twentyMinutes is how long into a call the counselor presses end with
// notice, and whether the 20-minute rule allows it then; the clock starts
// at the answer of an inbound call and at the bridge of an outbound one.
var twentyMinutes = []struct {
	name  string
	after time.Duration
	ok    bool
}{
	{"AtStart", 0, false},
	{"TenMinutes", 10 * time.Minute, false},
	{"ASecondShort", 20*time.Minute - time.Second, false},
	{"AtTwentyMinutes", 20 * time.Minute, true},
	{"LongAfter", 75 * time.Minute, true},
}

// The 20-minute rule on calls, on the center's clock: before it the
// counselor's end-with-notice is refused (with no offence to end for), from
// it on the call ends with the time-rule notice.
func TestCallEndWithNoticeTwentyMinuteRule(t *testing.T) {
	for _, tt := range twentyMinutes {
		t.Run(tt.name, func(t *testing.T) {
			f := mustVoiceCenter(t)
			ct := f.call("01055556666")
			answered := *ct.AnsweredAt
			f.clock.Add(tt.after)
			p := must(f.c.DeskProtection("kim", ct.ID))
			if !p.EndFrom.Equal(answered.Add(20*time.Minute)) || p.End != tt.ok || !p.Warn {
				t.Fatalf("desk protection %+v, want end %v from %v", p, tt.ok, answered.Add(20*time.Minute))
			}
			got, err := f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentDrunkLong, "")
			if !tt.ok {
				wantCode(t, err, minwon.EFORBIDDEN)
				if n := countEvents(t, f, minwon.EventIncidentEnded); n != 0 {
					t.Fatalf("%d incident.ended events after a refused press", n)
				}
				if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactActive {
					t.Fatalf("call is %s after a refused press, want active", s)
				}
				return
			}
			ok(t, err)
			if !got.Ended {
				t.Fatalf("after end with notice: %+v", got)
			}
			inc := must(f.c.Incident(f.ctx, "kim", got.IncidentID))
			if inc.Ended == nil || inc.Ended.Reason != "after_minutes" || inc.Channel != minwon.ChannelVoice {
				t.Fatalf("incident %+v", inc.Incident)
			}
			if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
				t.Fatalf("call is %s, want wrap_up", s)
			}
		})
	}
}

// A transcript segment goes through the protection engine like a chat
// line; on a call the engine only arms the counselor's buttons.
func TestCitizenSaidFeedsTheEngine(t *testing.T) {
	f := mustVoiceCenter(t)
	ct := f.call("01077778888")
	ok(t, f.c.CitizenSaid(f.ctx, ct.ID, "수도 요금 때문에 전화드렸어요"))
	if p := must(f.c.DeskProtection("kim", ct.ID)); p.IncidentID != "" {
		t.Fatalf("a civil line opened incident %s", p.IncidentID)
	}
	ok(t, f.c.CitizenSaid(f.ctx, ct.ID, "야 이 씨발 뭐하는 거야"))
	p := must(f.c.DeskProtection("kim", ct.ID))
	if p.IncidentID == "" || p.Type != minwon.IncidentAbuse || p.Warnings != 0 || p.Ended {
		t.Fatalf("after abuse in the transcript: %+v, want an abuse incident and no warning yet", p)
	}
	inc := must(f.c.Incident(f.ctx, "kim", p.IncidentID))
	if len(inc.Items) != 1 || inc.Items[0].Kind != minwon.ItemSegment || inc.Items[0].Masked == "" || inc.Source != minwon.SourceGuard {
		t.Fatalf("incident items %+v source %s, want one masked transcript segment", inc.Items, inc.Source)
	}
	if lines := systemLines(t, f, ct.ID); len(lines) != 0 {
		t.Fatalf("the engine spoke on a call by itself: %q", lines)
	}
	msgs := must(f.c.Messages(f.ctx, ct.ID, 0, true))
	if last := msgs[len(msgs)-1]; !last.Masked || last.Text == "야 이 씨발 뭐하는 거야" {
		t.Fatalf("staff see %+v, want the segment masked", last)
	}
	// The counselor acts on it: the warnings count from the armed incident.
	w := must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, ""))
	if w.IncidentID != p.IncidentID || w.Warnings != 1 {
		t.Fatalf("after the counselor's warning: %+v", w)
	}

	t.Run("RefusedOnAChat", func(t *testing.T) {
		chat := f.chat()
		wantCode(t, f.c.CitizenSaid(f.ctx, chat.ID, "안녕하세요"), minwon.EINVALID)
	})
	t.Run("RefusedOnAQueuedCall", func(t *testing.T) {
		q := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01099990000"}))
		wantCode(t, f.c.CitizenSaid(f.ctx, q.ID, "여보세요"), minwon.ECONFLICT)
		wantCode(t, f.c.CitizenSaid(f.ctx, "nope", "여보세요"), minwon.ENOTFOUND)
	})
}

func TestCallAgitation(t *testing.T) {
	f := mustVoiceCenter(t)
	ct := f.call("01012121212")
	// Below the policy's threshold: stored and shown, no incident.
	ok(t, f.c.CallAgitation(f.ctx, ct.ID, minwon.CallAgitation{Score: 0.5, LevelDB: -10, LoudMS: 2500, WindowMS: 5000, OffsetMS: 30000}))
	if n := countEvents(t, f, minwon.EventCallAgitation); n != 1 {
		t.Fatalf("%d call.agitation events, want 1", n)
	}
	if p := must(f.c.DeskProtection("kim", ct.ID)); p.IncidentID != "" {
		t.Fatalf("a mild agitation opened incident %s", p.IncidentID)
	}
	ok(t, f.c.CallAgitation(f.ctx, ct.ID, minwon.CallAgitation{Score: 0.9, LevelDB: -7, LoudMS: 4500, WindowMS: 5000, OffsetMS: 60000}))
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventCallAgitation}}))
	var a minwon.CallAgitation
	if len(evs) != 2 || evs[1].ContactID != ct.ID || evs[1].AgentID != "kim" || evs[1].Decode(&a) != nil || a.Score != 0.9 || a.OffsetMS != 60000 {
		t.Fatalf("stored %+v %+v", evs, a)
	}
	p := must(f.c.DeskProtection("kim", ct.ID))
	if p.IncidentID == "" || p.Type != minwon.IncidentAggressive {
		t.Fatalf("after sustained shouting: %+v, want an aggressive incident", p)
	}
	inc := must(f.c.Incident(f.ctx, "kim", p.IncidentID))
	if inc.Source != minwon.SourceAcoustic || len(inc.Items) != 1 || inc.Items[0].Kind != minwon.ItemAcoustic {
		t.Fatalf("incident %+v", inc.Incident)
	}
	for _, bad := range []minwon.CallAgitation{{Score: 1.5}, {Score: -0.1}, {Score: 0.9, LoudMS: 10, WindowMS: 5}, {Score: 0.9, OffsetMS: -1}} {
		wantCode(t, f.c.CallAgitation(f.ctx, ct.ID, bad), minwon.EINVALID)
	}
	wantCode(t, f.c.CallAgitation(f.ctx, "nope", minwon.CallAgitation{Score: 0.9, LoudMS: 1, WindowMS: 1}), minwon.ENOTFOUND)
}

// An outbound call is protected as an inbound one from the moment the
// citizen and the counselor are connected (call.connected), not from when
// the call was placed: the 20-minute rule counts from the bridge, 40 s of
// ringing and the recording notice later.
func TestOutboundCallTwentyMinuteRule(t *testing.T) {
	for _, tt := range twentyMinutes {
		t.Run(tt.name, func(t *testing.T) {
			f := mustVoiceCenter(t)
			ct, _, err := f.c.StartOutbound(f.ctx, "kim", "010-2345-6789")
			ok(t, err)
			if p := must(f.c.DeskProtection("kim", ct.ID)); p.Warn || p.End || p.Connected {
				t.Fatalf("desk protection while the citizen's phone rings: %+v", p)
			}
			// A press before the answer is refused, saying why, and stores nothing.
			_, err = f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "")
			wantCode(t, err, minwon.ECONFLICT)
			if !strings.Contains(minwon.ErrorMessage(err), "not connected yet") {
				t.Fatalf("warn before the answer: %v", err)
			}
			_, err = f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentSexual, "")
			if wantCode(t, err, minwon.ECONFLICT); !strings.Contains(minwon.ErrorMessage(err), "not connected yet") {
				t.Fatalf("end before the answer: %v", err)
			}
			if n := countEvents(t, f, minwon.EventIncidentOpened); n != 0 {
				t.Fatalf("%d incidents opened by presses before the answer", n)
			}
			f.clock.Add(40 * time.Second) // ringing, then the recording notice
			ok(t, f.c.OutboundConnected(f.ctx, ct.ID))
			connected := f.clock.Now()
			f.clock.Add(tt.after)
			p := must(f.c.DeskProtection("kim", ct.ID))
			if !p.EndFrom.Equal(connected.Add(20*time.Minute)) || p.End != tt.ok || !p.Warn || !p.Connected {
				t.Fatalf("desk protection %+v, want end %v from %v", p, tt.ok, connected.Add(20*time.Minute))
			}
			got, err := f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentDrunkLong, "")
			if !tt.ok {
				wantCode(t, err, minwon.EFORBIDDEN)
				if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactActive {
					t.Fatalf("call is %s after a refused press, want active", s)
				}
				return
			}
			ok(t, err)
			inc := must(f.c.Incident(f.ctx, "kim", got.IncidentID))
			if !got.Ended || inc.Ended == nil || inc.Ended.Reason != "after_minutes" || inc.Channel != minwon.ChannelVoice {
				t.Fatalf("after end with notice %+v: incident %+v", got, inc.Incident)
			}
			if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
				t.Fatalf("call is %s, want wrap_up", s)
			}
		})
	}
	t.Run("NotOnAChat", func(t *testing.T) {
		f := mustVoiceCenter(t)
		wantCode(t, f.c.OutboundConnected(f.ctx, f.chat().ID), minwon.EINVALID)
		wantCode(t, f.c.OutboundConnected(f.ctx, "nope"), minwon.ENOTFOUND)
	})
}

// An outbound call's incident points into its recording as an inbound
// call's does: the recognizer's timings count from the bridge, where the
// phone channel opens its stream, and a warning is the stretch around the
// press.
func TestOutboundIncidentRecordingSegments(t *testing.T) {
	f, _ := recordedCenter(t)
	ct, _, err := f.c.StartOutbound(f.ctx, "kim", "010-2345-6789")
	ok(t, err)
	f.clock.Add(10 * time.Second) // the citizen's phone rings, then answers
	r := &minwon.Recording{ID: minwon.NewID(), TenantID: "city", ContactID: ct.ID, File: "d/x.mwr", KeyID: "k1", Started: f.clock.Now()}
	ok(t, f.c.RecordingStarted(f.ctx, r))
	f.clock.Add(8 * time.Second) // the recording notice, kim's phone rings
	ok(t, f.c.OutboundConnected(f.ctx, ct.ID))
	f.clock.Add(40 * time.Second)
	ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 31*time.Second, 34*time.Second))
	// 8 s + 31 s less the 2 s margin, to 8 s + 34 s and 1 s.
	wantRef(t, "segment item", f.onlyIncident().Items[0].Recording, r, 37*time.Second, 43*time.Second)
	must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, ""))
	inc := f.onlyIncident()
	if len(inc.Warnings) != 1 {
		t.Fatalf("warnings %+v", inc.Warnings)
	}
	// Pressed 48 s into the recording: 30 s before, 15 s after.
	wantRef(t, "warning", inc.Warnings[0].Recording, r, 18*time.Second, 63*time.Second)
}
