package policy_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// TestSanction covers the rules on sanctions: the supervisor role, a
// reason, a caller of the actor's tenant, and an open case to act on.
func TestSanction(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	d := w.endFor("c1", "caller-1", minwon.IncidentSexual)
	lc := caseOf(t, d)
	other := supervisor("s9")
	other.TenantID = "t2"
	disabled := supervisor("s8")
	disabled.Disabled = true
	admin := &minwon.User{ID: "ad", TenantID: tenant, Roles: []minwon.Role{minwon.RoleAdmin}}
	tests := []struct {
		name  string
		actor *minwon.User
		req   policy.SanctionRequest
		code  string
	}{
		{"CounselorIsForbidden", counselor("a1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "성희롱"}, minwon.EFORBIDDEN},
		{"NobodyIsForbidden", nil, policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "성희롱"}, minwon.EFORBIDDEN},
		{"DisabledSupervisorIsForbidden", disabled, policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "성희롱"}, minwon.EFORBIDDEN},
		{"ReasonIsRequired", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "  "}, minwon.EINVALID},
		{"ReasonMustBeText", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "a\x00b"}, minwon.EINVALID},
		{"OtherTenantsCallerIsNotFound", other, policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "성희롱"}, minwon.ENOTFOUND},
		{"UnknownCallerIsNotFound", supervisor("s1"), policy.SanctionRequest{CallerID: "nobody", Kind: minwon.SanctionRestrict, Reason: "x"}, minwon.ENOTFOUND},
		{"UnknownCaseIsNotFound", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: "nope", Reason: "x"}, minwon.ENOTFOUND},
		{"UnknownKind", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: "ban", Reason: "x"}, minwon.EINVALID},
		{"RestrictionInThePast", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionRestrict, Reason: "x", Until: t0.Add(-time.Hour)}, minwon.EINVALID},
		{"SupervisorFilesTheCase", supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "성희롱 발언, 녹취 첨부하여 고소"}, ""},
		{"AFiledCaseIsNotFiledAgain", admin, policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "다시"}, minwon.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := w.eng.Sanction(w.reg, tt.actor, tt.req)
			if minwon.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want %q", err, tt.code)
			}
			if err != nil {
				return
			}
			s := decode[minwon.Sanction](t, ev)
			if ev.Type != minwon.EventSanction || ev.ActorID != tt.actor.ID || s.ActorID != tt.actor.ID || s.Reason != tt.req.Reason || ev.TenantID != tenant {
				t.Fatalf("audit entry %+v %+v", ev, s)
			}
			w.apply(ev)
		})
	}
	if got := w.reg.Case(lc.ID).State; got != minwon.CaseFiled {
		t.Fatalf("case %s, want filed", got)
	}
}

func TestRestrictAndLift(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, "왜 안 돼요")
	w.wrap(c, "교통")
	ev, err := w.eng.Sanction(w.reg, supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionRestrict,
		Reason: "수십 차례 같은 요구로 업무 방해"})
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	rt := w.eng.Route(w.reg, "caller-1")
	if rt.Flag == nil || rt.Banner != "수십 차례 같은 요구로 업무 방해" || !rt.Flag.Until.Equal(t0.Add(30*24*time.Hour)) {
		t.Fatalf("routing %+v", rt)
	}
	w.clock.Advance(time.Hour)
	ev, err = w.eng.Sanction(w.reg, supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLift, Reason: "민원인 사과"})
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	if rt := w.eng.Route(w.reg, "caller-1"); rt.Flag != nil {
		t.Fatalf("still flagged: %+v", rt.Flag)
	}
	if _, err := w.eng.Sanction(w.reg, supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLift, Reason: "again"}); minwon.ErrorCode(err) != minwon.ECONFLICT {
		t.Fatalf("lifting nothing: %v", err)
	}
	if n := len(w.reg.Caller("caller-1").Sanctions); n != 2 {
		t.Fatalf("%d sanctions on record, want 2", n)
	}
}

func TestCloseCase(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	lc := caseOf(t, w.endFor("c1", "caller-1", minwon.IncidentSexual))
	ev, err := w.eng.Sanction(w.reg, supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionClose, CaseID: lc.ID, Reason: "민원인 신원 확인 불가"})
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	if w.reg.Case(lc.ID).State != minwon.CaseClosed {
		t.Fatal("case not closed")
	}
	// With the case closed, the next strike may open a new one.
	if caseOf(t, w.endFor("c2", "caller-1", minwon.IncidentSexual)) == nil {
		t.Fatal("no new case after the old one closed")
	}
}

// TestIncidentActions covers the logged human actions on an incident.
func TestIncidentActions(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, swear1)
	inc := w.incidents.Incident(c.Incident.ID)
	msgID := inc.Items[0].MessageID
	t.Run("CounselorRevealsAndItIsLogged", func(t *testing.T) {
		ev, err := w.eng.Reveal(inc, counselor("a1"), msgID)
		if err != nil {
			t.Fatal(err)
		}
		w.apply(ev)
		a := inc.Actions[len(inc.Actions)-1]
		if a.Kind != minwon.ActionReveal || a.ActorID != "a1" || a.MessageID != msgID || ev.ActorID != "a1" {
			t.Fatalf("action %+v", a)
		}
	})
	t.Run("SupervisorReveals", func(t *testing.T) {
		if _, err := w.eng.Reveal(inc, supervisor("s1"), msgID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OtherCounselorMayNotReveal", func(t *testing.T) {
		if _, err := w.eng.Reveal(inc, counselor("a2"), msgID); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("UnknownMessage", func(t *testing.T) {
		if _, err := w.eng.Reveal(inc, counselor("a1"), "nope"); minwon.ErrorCode(err) != minwon.ENOTFOUND {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("Note", func(t *testing.T) {
		ev, err := w.eng.Note(inc, counselor("a1"), "  녹취 확인 바랍니다 ")
		if err != nil {
			t.Fatal(err)
		}
		w.apply(ev)
		if inc.Actions[len(inc.Actions)-1].Note != "녹취 확인 바랍니다" {
			t.Fatalf("note %+v", inc.Actions)
		}
		if _, err := w.eng.Note(inc, counselor("a1"), " "); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("empty note: %v", err)
		}
	})
	t.Run("ExportNeedsASupervisor", func(t *testing.T) {
		if _, err := w.eng.Exported(inc, counselor("a1")); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("error %v", err)
		}
		ev, err := w.eng.Exported(inc, supervisor("s1"))
		if err != nil {
			t.Fatal(err)
		}
		w.apply(ev)
		if inc.Actions[len(inc.Actions)-1].Kind != minwon.ActionExport {
			t.Fatal("export not logged")
		}
	})
	t.Run("ReviewNeedsRoleAndReasonAndHappensOnce", func(t *testing.T) {
		if _, err := w.eng.Review(inc, counselor("a1"), minwon.ReviewConfirmed, "맞음"); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("counselor review: %v", err)
		}
		if _, err := w.eng.Review(inc, supervisor("s1"), minwon.ReviewConfirmed, ""); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := w.eng.Review(inc, supervisor("s1"), "maybe", "음"); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("bad verdict: %v", err)
		}
		ev, err := w.eng.Review(inc, supervisor("s1"), minwon.ReviewConfirmed, "녹취로 확인")
		if err != nil {
			t.Fatal(err)
		}
		w.apply(ev)
		if _, err := w.eng.Review(inc, supervisor("s1"), minwon.ReviewDismissed, "번복"); minwon.ErrorCode(err) != minwon.ECONFLICT {
			t.Fatalf("second review: %v", err)
		}
	})
}
