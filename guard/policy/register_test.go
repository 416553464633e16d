package policy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// endFor opens a contact for caller and has it end for typ: three swear
// lines for abuse and threats, one line for sexual harassment.
func (w *world) endFor(id, caller string, typ minwon.IncidentType) policy.Decision {
	w.t.Helper()
	c := w.open(id, caller, minwon.ChannelChat, "a1")
	var d policy.Decision
	switch typ {
	case minwon.IncidentSexual:
		d = w.say(c, sexual)
	case minwon.IncidentThreat:
		w.say(c, threat)
		w.say(c, threat)
		d = w.say(c, threat)
	default:
		w.say(c, swear1)
		w.say(c, swear2)
		d = w.say(c, swear3)
	}
	if d.Verdict != policy.End {
		w.t.Fatalf("contact %s did not end: %s", id, d.Verdict)
	}
	w.wrap(c, "기타")
	return d
}

func caseOf(t *testing.T, d policy.Decision) *minwon.LegalCase {
	if ev := has(d.Events, minwon.EventCaseOpened); ev != nil {
		lc := decode[minwon.LegalCase](t, ev)
		return &lc
	}
	return nil
}

// TestStrikes covers the caller register: one strike for sexual harassment,
// three for abuse and threats, each within its window.
func TestStrikes(t *testing.T) {
	type contact struct {
		after time.Duration // since the previous contact
		typ   minwon.IncidentType
	}
	tests := []struct {
		name     string
		contacts []contact
		caseAt   int // 1-based contact whose end opens the case; 0 none
	}{
		{"OneStrikeForSexualHarassment", []contact{{0, minwon.IncidentSexual}}, 1},
		{"ThreeStrikesForAbuseAcrossContacts", []contact{{0, minwon.IncidentAbuse}, {48 * time.Hour, minwon.IncidentAbuse},
			{30 * 24 * time.Hour, minwon.IncidentAbuse}}, 3},
		{"ThreeStrikesForThreats", []contact{{0, minwon.IncidentThreat}, {time.Hour, minwon.IncidentThreat},
			{time.Hour, minwon.IncidentThreat}}, 3},
		{"TwoStrikesAreNotACase", []contact{{0, minwon.IncidentAbuse}, {time.Hour, minwon.IncidentAbuse}}, 0},
		{"TypesCountApart", []contact{{0, minwon.IncidentAbuse}, {time.Hour, minwon.IncidentThreat},
			{time.Hour, minwon.IncidentAbuse}}, 0},
		{"WindowExpiry", []contact{{0, minwon.IncidentAbuse}, {24 * time.Hour, minwon.IncidentAbuse},
			{365 * 24 * time.Hour, minwon.IncidentAbuse}}, 0},
		{"WindowSlides", []contact{{0, minwon.IncidentAbuse}, {200 * 24 * time.Hour, minwon.IncidentAbuse},
			{200 * 24 * time.Hour, minwon.IncidentAbuse}, {time.Hour, minwon.IncidentAbuse}}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, policy.DefaultConfig(), fake)
			var opened *minwon.LegalCase
			for i, ct := range tt.contacts {
				w.clock.Advance(ct.after)
				d := w.endFor(minwon.NewID(), "caller-1", ct.typ)
				if has(d.Events, minwon.EventStrikeRecorded) == nil {
					t.Fatalf("contact %d: no strike", i+1)
				}
				lc := caseOf(t, d)
				if (lc != nil) != (i+1 == tt.caseAt) {
					t.Fatalf("contact %d: case opened %v, want at contact %d", i+1, lc != nil, tt.caseAt)
				}
				if lc != nil {
					opened = lc
				}
			}
			if tt.caseAt == 0 {
				return
			}
			rule := policy.DefaultConfig().Types[opened.Type]
			if opened.State != minwon.CaseOpen || opened.CallerID != "caller-1" || len(opened.IncidentIDs) != rule.StrikeLimit {
				t.Errorf("case %+v", opened)
			}
			if lc := w.reg.Case(opened.ID); lc == nil {
				t.Error("case not in the register")
			}
		})
	}
}

func TestNoSecondCaseWhileOneIsOpen(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	if caseOf(t, w.endFor("c1", "caller-1", minwon.IncidentSexual)) == nil {
		t.Fatal("no case")
	}
	w.clock.Advance(time.Hour)
	d := w.endFor("c2", "caller-1", minwon.IncidentSexual)
	if caseOf(t, d) != nil {
		t.Fatal("second case while the first is open")
	}
	if has(d.Events, minwon.EventStrikeRecorded) == nil {
		t.Fatal("the strike must still count")
	}
}

func TestDismissedIncidentVoidsItsStrike(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	w.endFor("c1", "caller-1", minwon.IncidentAbuse)
	w.endFor("c2", "caller-1", minwon.IncidentAbuse)
	inc := w.contacts["c2"].Incident
	ev, err := w.eng.Review(inc, supervisor("s1"), minwon.ReviewDismissed, "상담사 오인 — 시민은 욕설을 하지 않음")
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	if n := len(w.reg.Strikes("caller-1", minwon.IncidentAbuse, t0.Add(-time.Hour))); n != 1 {
		t.Fatalf("%d strikes after dismissal, want 1", n)
	}
	if d := w.endFor("c3", "caller-1", minwon.IncidentAbuse); caseOf(t, d) != nil {
		t.Fatal("a dismissed strike opened a case")
	}
}

func TestStrikesOnlyWhenTheContactEndsForIt(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, swear1)
	w.say(c, "죄송합니다")
	w.wrap(c, "교통")
	if s := w.reg.Strikes("caller-1", minwon.IncidentAbuse, time.Time{}); len(s) != 0 {
		t.Fatalf("a warned citizen who calmed down got strikes: %+v", s)
	}
}

// TestRouting covers flags and where a flagged caller's next contact goes.
func TestRouting(t *testing.T) {
	t.Run("UnflaggedCallerRoutesAsUsual", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		if rt := w.eng.Route(w.reg, "caller-1"); rt.Flag != nil || rt.Queue != "" || rt.Skill != "" {
			t.Fatalf("routing %+v", rt)
		}
	})
	t.Run("FlaggedCallerNeedsTheDedicatedSkill", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentAbuse)
		rt := w.eng.Route(w.reg, "caller-1")
		if rt.Flag == nil || rt.Skill != minwon.SkillAbuse || rt.Queue != "" || rt.Banner != policy.DefaultConfig().Types[minwon.IncidentAbuse].Banner {
			t.Fatalf("routing %+v", rt)
		}
		if rt := w.eng.Route(w.reg, "caller-2"); rt.Flag != nil {
			t.Fatal("another caller flagged")
		}
	})
	t.Run("DedicatedQueue", func(t *testing.T) {
		cfg := policy.DefaultConfig()
		cfg.DedicatedQueue = "q-protect"
		w := newWorld(t, cfg, fake)
		w.endFor("c1", "caller-1", minwon.IncidentSexual)
		if rt := w.eng.Route(w.reg, "caller-1"); rt.Queue != "q-protect" || rt.Skill != "" || rt.Flag.Type != minwon.IncidentSexual {
			t.Fatalf("routing %+v", rt)
		}
	})
	t.Run("MostSevereFlagWins", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentAbuse)
		w.endFor("c2", "caller-1", minwon.IncidentSexual)
		w.endFor("c3", "caller-1", minwon.IncidentAbuse)
		if rt := w.eng.Route(w.reg, "caller-1"); rt.Flag.Type != minwon.IncidentSexual {
			t.Fatalf("flag %s", rt.Flag.Type)
		}
	})
	t.Run("FlagExpires", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentAbuse)
		w.clock.Advance(90*24*time.Hour - time.Second)
		if w.eng.Route(w.reg, "caller-1").Flag == nil {
			t.Fatal("flag gone before 90 days")
		}
		w.clock.Advance(time.Second)
		if w.eng.Route(w.reg, "caller-1").Flag != nil {
			t.Fatal("flag still on after 90 days")
		}
	})
	t.Run("ForgetKeepsCasesAndDropsOldStrikes", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentSexual)
		w.reg.Forget(t0.Add(time.Hour))
		c := w.reg.Caller("caller-1")
		if len(c.Strikes) != 0 || len(c.Contacts) != 0 || len(c.Flags) != 1 || len(c.Cases) != 1 {
			t.Fatalf("after Forget: %d strikes, %d contacts, %d flags, %d cases", len(c.Strikes), len(c.Contacts), len(c.Flags), len(c.Cases))
		}
	})
}

// TestProtectiveBreak covers the counselor's pause after an incident.
func TestProtectiveBreak(t *testing.T) {
	t.Run("AfterTheContactEnds", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		d := w.endFor("c1", "caller-1", minwon.IncidentSexual)
		b := decode[minwon.ProtectiveBreak](t, has(d.Events, minwon.EventProtectiveBreak))
		if b.AgentID != "a1" || !b.Until.Equal(t0.Add(10*time.Minute)) || b.Type != minwon.IncidentSexual {
			t.Fatalf("break %+v", b)
		}
		if _, on := w.counselors.OnBreak("a1", t0.Add(9*time.Minute+59*time.Second)); !on {
			t.Error("not on break before ten minutes")
		}
		if _, on := w.counselors.OnBreak("a1", t0.Add(10*time.Minute)); on {
			t.Error("still on break at ten minutes")
		}
		if _, on := w.counselors.OnBreak("a2", t0); on {
			t.Error("another counselor on break")
		}
	})
	t.Run("GivenOnce", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentAbuse)
		n := 0
		for _, ev := range w.log {
			if ev.Type == minwon.EventProtectiveBreak {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d breaks, want 1 (end and wrap-up both ran)", n)
		}
	})
	t.Run("AfterAWarnedContactAtWrapUp", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
		w.say(c, swear1)
		w.clock.Advance(5 * time.Minute)
		d := w.wrap(c, "교통")
		b := decode[minwon.ProtectiveBreak](t, has(d.Events, minwon.EventProtectiveBreak))
		if !b.Since.Equal(w.clock.Now()) || b.Type != minwon.IncidentAbuse {
			t.Fatalf("break %+v", b)
		}
	})
	t.Run("NoneForACleanContact", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
		w.say(c, "감사합니다")
		if d := w.wrap(c, "교통"); len(d.Events) != 0 {
			t.Fatalf("events %v", types(d.Events))
		}
	})
	t.Run("TenantSetsTheMinutes", func(t *testing.T) {
		cfg := policy.DefaultConfig()
		cfg.ProtectiveBreak = 25 * time.Minute
		w := newWorld(t, cfg, fake)
		w.endFor("c1", "caller-1", minwon.IncidentSexual)
		if _, on := w.counselors.OnBreak("a1", t0.Add(24*time.Minute)); !on {
			t.Fatal("not on break at 24 of 25 minutes")
		}
	})
	t.Run("TenantTurnsItOff", func(t *testing.T) {
		cfg := policy.DefaultConfig()
		cfg.ProtectiveBreak = 0
		w := newWorld(t, cfg, fake)
		if d := w.endFor("c1", "caller-1", minwon.IncidentSexual); has(d.Events, minwon.EventProtectiveBreak) != nil {
			t.Fatal("break given with breaks off")
		}
	})
	t.Run("AlertsOnTheBoard", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentSexual)
		w.clock.Advance(time.Minute)
		c := w.open("c2", "caller-2", minwon.ChannelChat, "a2")
		w.say(c, sexual)
		alerts := w.counselors.Alerts(w.clock.Now())
		if got := []string{alerts[0].AgentID, alerts[1].AgentID}; len(alerts) != 2 || !slices.Equal(got, []string{"a2", "a1"}) {
			t.Fatalf("alerts %+v", alerts)
		}
		if n := len(w.counselors.Alerts(w.clock.Now().Add(time.Hour))); n != 0 {
			t.Fatalf("%d alerts after the breaks", n)
		}
	})
	t.Run("ALaterIncidentExtendsTheBreak", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), fake)
		w.endFor("c1", "caller-1", minwon.IncidentSexual)
		w.clock.Advance(5 * time.Minute)
		w.endFor("c2", "caller-2", minwon.IncidentSexual)
		if b, on := w.counselors.OnBreak("a1", t0.Add(14*time.Minute)); !on || !b.Until.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("break %+v on %v", b, on)
		}
	})
}
