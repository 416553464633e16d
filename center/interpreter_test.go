package center_test

import (
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// TestInterpreterConference follows a counselor bringing interpreters into
// a call, step by step, with what is stored.
func TestInterpreterConference(t *testing.T) {
	f, ct := callFixture(t)
	ok(t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "lan", TenantID: "city", Login: "lan", Name: "응우옌란", Roles: []minwon.Role{minwon.RoleCounselor}}, "password123")))
	ok(t, second(f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{ID: "lan", TenantID: "city", Name: "응우옌란", Languages: []string{"vi"}, UserID: "lan"})))
	ok(t, second(f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{ID: "bbb", TenantID: "city", Name: "BBB", Languages: []string{"en", "vi"}, Address: "1588-5644"})))

	t.Run("Refusals", func(t *testing.T) {
		wantCode(t, second(f.c.RequestInterpreter(f.ctx, "lee", ct.ID, "vi")), minwon.EFORBIDDEN)
		wantCode(t, second(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "korean")), minwon.EINVALID)
		wantCode(t, second(f.c.RequestInterpreter(f.ctx, "kim", "nope", "vi")), minwon.ENOTFOUND)
		wantCode(t, f.c.DropInterpreter(f.ctx, "kim", ct.ID), minwon.ENOTFOUND)
	})
	t.Run("NoneOfTheLanguageFails", func(t *testing.T) {
		wantCode(t, second(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "ru")), minwon.EUNAVAILABLE)
		f.has(ct.ID, minwon.EventConferenceFailed)
		if _, on := f.c.Conference(ct.ID); on {
			t.Fatal("a failed request left a conference on the call")
		}
	})
	var first *minwon.Conference
	t.Run("RequestedJoinedHungUp", func(t *testing.T) {
		first = must(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "VI"))
		if first.InterpreterID != "bbb" || first.Address != "15885644" || first.Language != "vi" {
			t.Fatalf("conference %+v, want BBB (never rung, first by ID) on vi", first)
		}
		wantCode(t, second(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "en")), minwon.ECONFLICT)
		wantCode(t, f.c.ConferenceJoined(f.ctx, ct.ID, "other"), minwon.ENOTFOUND)
		ok(t, f.c.ConferenceJoined(f.ctx, ct.ID, first.ID))
		if c, on := f.c.Conference(ct.ID); !on || !c.Joined {
			t.Fatalf("conference %+v %v, want joined", c, on)
		}
		ok(t, f.c.ConferenceEnded(f.ctx, ct.ID, first.ID, "hung_up"))
		f.has(ct.ID, minwon.EventConferenceRequested, minwon.EventConferenceJoined, minwon.EventConferenceLeft)
	})
	t.Run("TheOneRungLongestAgoIsNext", func(t *testing.T) {
		next := must(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "vi"))
		if next.InterpreterID != "lan" || next.UserID != "lan" {
			t.Fatalf("conference %+v, want lan, not BBB again", next)
		}
		ok(t, f.c.ConferenceEnded(f.ctx, ct.ID, next.ID, "no_answer"))
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventConferenceFailed}}))
		var p minwon.ConferenceEnded
		ok(t, evs[len(evs)-1].Decode(&p))
		if p.Reason != "no_answer" || p.ID != next.ID {
			t.Fatalf("failed %+v, want no_answer of %s", p, next.ID)
		}
	})
	t.Run("DroppedWhileRingingIsCancelled", func(t *testing.T) {
		c := must(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "en"))
		ok(t, f.c.DropInterpreter(f.ctx, "kim", ct.ID))
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID}))
		last := evs[len(evs)-1]
		var p minwon.ConferenceEnded
		ok(t, last.Decode(&p))
		if last.Type != minwon.EventConferenceFailed || p.Reason != "cancelled" || p.ID != c.ID || last.ActorID != "kim" {
			t.Fatalf("%s %+v by %q, want conference.failed cancelled by kim", last.Type, p, last.ActorID)
		}
	})
	t.Run("EndingTheCallTakesTheInterpreterOff", func(t *testing.T) {
		c := must(f.c.RequestInterpreter(f.ctx, "kim", ct.ID, "en"))
		ok(t, f.c.ConferenceJoined(f.ctx, ct.ID, c.ID))
		must(f.c.EndChat(f.ctx, "kim", ct.ID))
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventConferenceLeft}}))
		var p minwon.ConferenceEnded
		ok(t, evs[len(evs)-1].Decode(&p))
		if p.Reason != "contact_ended" || p.ID != c.ID {
			t.Fatalf("left %+v, want contact_ended", p)
		}
		if _, on := f.c.Conference(ct.ID); on {
			t.Fatal("the interpreter outlived the call")
		}
	})
	t.Run("LanguagesForTheDesk", func(t *testing.T) {
		got := f.c.InterpreterLanguages("kim")
		if len(got) != 2 || got[0].Language != "en" || got[0].Free != 1 || got[1].Language != "vi" || got[1].Free != 2 {
			t.Fatalf("languages %+v, want en (1 free) and vi (2 free)", got)
		}
	})
}

// TestSaveInterpreter: bad pool entries are refused with a reason.
func TestSaveInterpreter(t *testing.T) {
	f := mustCenter(t, center.Config{})
	cases := []struct {
		name string
		in   minwon.Interpreter
	}{
		{"NoName", minwon.Interpreter{TenantID: "city", Languages: []string{"en"}, Address: "15885644"}},
		{"NoLanguage", minwon.Interpreter{TenantID: "city", Name: "BBB", Address: "15885644"}},
		{"NoWayToReach", minwon.Interpreter{TenantID: "city", Name: "BBB", Languages: []string{"en"}}},
		{"BothWays", minwon.Interpreter{TenantID: "city", Name: "BBB", Languages: []string{"en"}, Address: "15885644", UserID: "kim"}},
		{"UnknownUser", minwon.Interpreter{TenantID: "city", Name: "BBB", Languages: []string{"en"}, UserID: "nobody"}},
		{"UnknownTenant", minwon.Interpreter{TenantID: "nope", Name: "BBB", Languages: []string{"en"}, Address: "15885644"}},
		{"BadAddress", minwon.Interpreter{TenantID: "city", Name: "BBB", Languages: []string{"en"}, Address: "http://x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, second(f.c.SaveInterpreter(f.ctx, "admin", tc.in)), minwon.EINVALID)
		})
	}
	t.Run("KeptAcrossARestart", func(t *testing.T) {
		in := must(f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{TenantID: "city", Name: "BBB", Languages: []string{"en"}, Address: "1588 5644"}))
		f.restart(center.Config{})
		got := f.c.Interpreters("city")
		if len(got) != 1 || got[0].ID != in.ID || got[0].Address != "15885644" {
			t.Fatalf("pool after restart %+v, want the one saved", got)
		}
	})
}
