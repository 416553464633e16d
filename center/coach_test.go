package center_test

import (
	"fmt"
	"testing"

	"github.com/minwon/minwon"
)

// coachCenter is a voice center with supervisors: jung of the city, han of
// a district under it, and oh of another city.
func coachCenter(t *testing.T) *fixture {
	f := mustVoiceCenter(t)
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "gu", ParentID: "city", Name: "한빛구", EntryPoints: []string{"gu"}, DefaultQueue: "general"})))
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "other", Name: "다른시", EntryPoints: []string{"other"}, DefaultQueue: "general"})))
	for _, u := range []minwon.User{{ID: "jung", TenantID: "city"}, {ID: "han", TenantID: "gu"}, {ID: "oh", TenantID: "other"}} {
		u.Login, u.Name, u.Roles = u.ID, u.ID, []minwon.Role{minwon.RoleSupervisor}
		ok(t, second(f.c.SaveUser(f.ctx, "", u, "password123")))
	}
	return f
}

func TestCoachWho(t *testing.T) {
	for _, tt := range []struct {
		name, user string
		mode       minwon.CoachMode
		code       string // "" allowed
	}{
		{"SupervisorOfTheTenant", "jung", minwon.CoachListen, ""},
		{"CounselorIsForbidden", "lee", minwon.CoachListen, minwon.EFORBIDDEN},
		{"ChildTenantsSupervisorDoesNotFindIt", "han", minwon.CoachListen, minwon.ENOTFOUND},
		{"OtherTenantsSupervisorDoesNotFindIt", "oh", minwon.CoachBarge, minwon.ENOTFOUND},
		{"UnknownUser", "nobody", minwon.CoachListen, minwon.EFORBIDDEN},
		{"UnknownMode", "jung", "shout", minwon.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := coachCenter(t)
			ct := f.call("01011112222")
			err := f.c.Coach(f.ctx, tt.user, ct.ID, tt.mode)
			if tt.code == "" {
				ok(t, err)
				return
			}
			wantCode(t, err, tt.code)
			if n := countEvents(t, f, minwon.EventCoachStarted); n != 0 {
				t.Fatalf("%d coach.started after a refusal", n)
			}
		})
	}
}

func TestCoachLifecycle(t *testing.T) {
	f := coachCenter(t)
	ct := f.call("01011112222")
	ok(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachListen))
	ok(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachListen)) // again: nothing new
	ok(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachWhisper))
	if user, mode, on := f.c.Coaching(ct.ID); !on || user != "jung" || mode != minwon.CoachWhisper {
		t.Fatalf("coaching %q %q %v, want jung whispering", user, mode, on)
	}
	t.Run("OneSupervisorAtATime", func(t *testing.T) {
		ok(t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "seo", TenantID: "city", Login: "seo", Name: "seo", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123")))
		wantCode(t, f.c.Coach(f.ctx, "seo", ct.ID, minwon.CoachBarge), minwon.ECONFLICT)
		wantCode(t, f.c.EndCoach(f.ctx, "seo", ct.ID, "left"), minwon.ENOTFOUND)
	})
	ok(t, f.c.EndCoach(f.ctx, "jung", ct.ID, "left"))
	wantCode(t, f.c.EndCoach(f.ctx, "jung", ct.ID, "left"), minwon.ENOTFOUND)
	t.Run("EndingTheCallEndsTheCoaching", func(t *testing.T) {
		ok(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachBarge))
		must(f.c.EndChat(f.ctx, "kim", ct.ID))
		if _, _, on := f.c.Coaching(ct.ID); on {
			t.Fatal("still coached after the call ended")
		}
		wantCode(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachListen), minwon.ECONFLICT)
	})
	var got []string
	for _, ev := range must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID})) {
		var p struct{ Mode, Reason string }
		switch ev.Type {
		case minwon.EventCoachStarted, minwon.EventCoachMode, minwon.EventCoachEnded:
			if ev.ActorID != "jung" || ev.AgentID != "kim" {
				t.Errorf("%s by %q on %q's call, want jung on kim's", ev.Type, ev.ActorID, ev.AgentID)
			}
			ev.Decode(&p)
		case minwon.EventContactEnded:
		default:
			continue
		}
		got = append(got, string(ev.Type)+" "+p.Mode+p.Reason)
	}
	want := "[coach.started listen coach.mode whisper coach.ended left coach.started barge coach.ended contact_ended contact.ended ]"
	if s := fmt.Sprint(got); s != want {
		t.Fatalf("events %s\nwant   %s", s, want)
	}
}

func TestCoachIsForCalls(t *testing.T) {
	f := coachCenter(t)
	ct := must(f.c.Accept(f.ctx, "kim", f.chat().ID))
	wantCode(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachListen), minwon.EINVALID)
}

// A transfer takes the supervisor off the call: they coached the
// counselor who let it go.
func TestCoachEndsOnTransfer(t *testing.T) {
	f := coachCenter(t)
	ct := f.call("01011112222")
	ok(t, f.c.Coach(f.ctx, "jung", ct.ID, minwon.CoachWhisper))
	must(f.c.Transfer(f.ctx, "kim", ct.ID, "english", "", ""))
	if _, _, on := f.c.Coaching(ct.ID); on {
		t.Fatal("still coached after the transfer")
	}
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventCoachEnded}}))
	var p minwon.CoachEnded
	if len(evs) != 1 || evs[0].Decode(&p) != nil || p.Reason != "transferred" || evs[0].AgentID != "kim" {
		t.Fatalf("coach.ended %+v %+v, want one, transferred, on kim", evs, p)
	}
}
