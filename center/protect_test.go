package center_test

import (
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// answered starts a chat from visitor, offered to and accepted by kim.
func (f *fixture) answered(visitor string) *minwon.Contact {
	f.t.Helper()
	ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: visitor})
	ok(f.t, err)
	if got := f.c.OfferedTo(ct.ID); got != "kim" {
		f.t.Fatalf("offered to %q, want kim", got)
	}
	return must(f.c.Accept(f.ctx, "kim", ct.ID))
}

func systemLines(t *testing.T, f *fixture, contactID string) []string {
	t.Helper()
	var out []string
	for _, m := range must(f.c.Messages(f.ctx, contactID, 0, false)) {
		if m.From == minwon.FromSystem {
			out = append(out, m.Text)
		}
	}
	return out
}

func countEvents(t *testing.T, f *fixture, typ minwon.EventType) int {
	t.Helper()
	return len(must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{typ}})))
}

func TestProtectionThreeWarningsEndTheChat(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ready("kim")
	ct := f.answered("v-abuse")
	m1 := must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "ㅅㅂ 빨리 처리해"))
	if got := systemLines(t, f, ct.ID); len(got) != 1 || !strings.Contains(got[0], "경고") && got[0] == "" {
		t.Fatalf("after the first swear the citizen got %q, want one warning", got)
	}
	t.Run("StaffSeeMaskedTextTheStoreKeepsTheOriginal", func(t *testing.T) {
		staff := must(f.c.Messages(f.ctx, ct.ID, 0, true))
		if staff[0].ID != m1.ID || !staff[0].Masked || strings.Contains(staff[0].Text, "ㅅㅂ") || !strings.Contains(staff[0].Text, "●") {
			t.Fatalf("staff view = %+v, want masked", staff[0])
		}
		if staff[0].IncidentID == "" {
			t.Fatal("masked message has no incident to reveal through")
		}
		citizen := must(f.c.Messages(f.ctx, ct.ID, 0, false))
		if citizen[0].Text != "ㅅㅂ 빨리 처리해" || citizen[0].Masked {
			t.Fatalf("stored message = %+v, want the original", citizen[0])
		}
		if live := f.c.ForStaff(m1); !live.Masked {
			t.Fatalf("live delivery to staff = %+v, want masked", live)
		}
	})
	t.Run("RevealIsAuditedAndOnlyForTheIncidentsReaders", func(t *testing.T) {
		_, err := f.c.Reveal(f.ctx, "lee", m1.ID)
		wantCode(t, err, minwon.EFORBIDDEN)
		text := must(f.c.Reveal(f.ctx, "kim", m1.ID))
		if text != "ㅅㅂ 빨리 처리해" {
			t.Fatalf("reveal = %q", text)
		}
		if n := countEvents(t, f, minwon.EventIncidentAction); n != 1 {
			t.Fatalf("%d incident actions stored, want the reveal", n)
		}
	})
	clean := must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "여권 발급은 어디서 해요?"))
	if v := f.c.ForStaff(clean); v.Masked {
		t.Fatal("a clean message was masked")
	}
	must(f.c.CitizenSend(f.ctx, ct.ID, "c3", "씨X 아직이야?"))
	if got := systemLines(t, f, ct.ID); len(got) != 2 || got[0] == got[1] {
		t.Fatalf("after two swears the citizen got %q, want two different warnings", got)
	}
	if s := f.state("kim"); s != minwon.AgentBusy {
		t.Fatalf("kim is %s after warnings, want busy", s)
	}
	must(f.c.CitizenSend(f.ctx, ct.ID, "c4", "시*발 당장 바꿔"))
	got := systemLines(t, f, ct.ID)
	if len(got) != 3 {
		t.Fatalf("system lines %q, want two warnings and the closing notice", got)
	}
	now := must(f.c.Contact(f.ctx, ct.ID))
	if now.State != minwon.ContactWrapUp {
		t.Fatalf("contact is %s after the third swear, want wrap_up", now.State)
	}
	_, err := f.c.CitizenSend(f.ctx, ct.ID, "c5", "여보세요")
	wantCode(t, err, minwon.ECONFLICT)
	if n := countEvents(t, f, minwon.EventStrikeRecorded); n != 1 {
		t.Fatalf("%d strikes, want 1", n)
	}
	if n := countEvents(t, f, minwon.EventIncidentWarned); n != 2 {
		t.Fatalf("%d warnings stored, want 2", n)
	}
	t.Run("ProtectiveBreakBlocksOffers", func(t *testing.T) {
		st, _ := f.c.Agent("kim")
		if st.State != minwon.AgentBreak || st.Reason != center.ReasonProtective {
			t.Fatalf("kim is %s/%s, want break/protective", st.State, st.Reason)
		}
		must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "기타", Resolution: minwon.ResolvedFirstContact}))
		other, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-other"})
		ok(t, err)
		ok(t, f.c.Tick(f.ctx))
		if to := f.c.OfferedTo(other.ID); to != "" {
			t.Fatalf("offered to %q during the protective break", to)
		}
		f.clock.Add(10*time.Minute + time.Second)
		ok(t, f.c.Tick(f.ctx))
		if to := f.c.OfferedTo(other.ID); to != "kim" {
			t.Fatalf("after the break the waiting chat is offered to %q, want kim", to)
		}
	})
	t.Run("AChosenProtectiveBreakIsNotEndedByTheTimer", func(t *testing.T) {
		must(f.c.SetState(f.ctx, "lee", minwon.AgentBreak, center.ReasonProtective))
		f.clock.Add(time.Hour)
		ok(t, f.c.Tick(f.ctx))
		if st, _ := f.c.Agent("lee"); st.State != minwon.AgentBreak {
			t.Fatalf("lee is %s, want still on the break she chose", st.State)
		}
	})
}

func TestProtectionSexualHarassmentEndsAtOnce(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ready("kim")
	ct := f.answered("v-sexual")
	must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "목소리 섹시하네 만나자"))
	if got := systemLines(t, f, ct.ID); len(got) != 1 {
		t.Fatalf("system lines %q, want the closing notice only", got)
	}
	if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
		t.Fatalf("contact is %s, want wrap_up", s)
	}
	if n := countEvents(t, f, minwon.EventIncidentWarned); n != 0 {
		t.Fatalf("%d warnings before the end, want none", n)
	}
	if n := countEvents(t, f, minwon.EventCaseOpened); n != 1 {
		t.Fatalf("%d legal cases, want one for sexual harassment", n)
	}
}

func TestProtectionSurvivesRestartAndRoutesFlaggedCaller(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "abuse", TenantID: "city", Name: "특이민원 전담", Skills: []string{minwon.SkillAbuse}, OfferTimeout: 20 * time.Second})))
	f.ready("kim")
	ct := f.answered("v-repeat")
	must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "ㅅㅂ 빨리 처리해"))
	must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "씨X 아직이야?"))
	t.Run("WarningCountKeptAcrossRestart", func(t *testing.T) {
		f.restart(center.Config{})
		ok(t, f.c.Connect(f.ctx, "kim"))
		must(f.c.CitizenSend(f.ctx, ct.ID, "c3", "시*발 당장 바꿔"))
		if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
			t.Fatalf("the third swear after a restart left the contact %s, want wrap_up", s)
		}
		if staff := must(f.c.Messages(f.ctx, ct.ID, 0, true)); !staff[0].Masked {
			t.Fatal("masking lost across the restart")
		}
	})
	must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "기타", Resolution: minwon.ResolvedFirstContact}))
	f.restart(center.Config{})
	t.Run("FlaggedCallerGoesToTheDedicatedQueueWithABanner", func(t *testing.T) {
		next, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-repeat"})
		ok(t, err)
		if next.QueueID != "abuse" {
			t.Fatalf("flagged caller queued on %q, want abuse", next.QueueID)
		}
		if f.c.Banner(next.ID) == "" {
			t.Fatal("no banner for the flagged caller")
		}
		other, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-new"})
		ok(t, err)
		if other.QueueID != "general" || f.c.Banner(other.ID) != "" {
			t.Fatalf("an unflagged caller got queue %q banner %q", other.QueueID, f.c.Banner(other.ID))
		}
	})
}

// In the bot phase no counselor reads the chat, but the citizen is still
// warned and disconnected, and the bot does not answer an abusive line.
func TestProtectionInTheBotPhase(t *testing.T) {
	f := botCenter(t)
	ct := must2(f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-bot"}))
	if ct.State != minwon.ContactBot {
		t.Fatalf("state %s, want bot", ct.State)
	}
	for i, text := range []string{"ㅅㅂ 빨리 처리해", "씨X 아직이야?", "시*발 당장 바꿔"} {
		must(f.c.CitizenSend(f.ctx, ct.ID, "b"+string(rune('1'+i)), text))
	}
	msgs := must(f.c.Messages(f.ctx, ct.ID, 0, false))
	var sys, bots int
	for _, m := range msgs {
		switch m.From {
		case minwon.FromSystem:
			sys++
		case minwon.FromBot:
			bots++
		}
	}
	if sys != 3 || bots != 0 {
		t.Fatalf("%d system lines and %d bot replies, want 3 (two warnings, the notice) and none", sys, bots)
	}
	if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactAbandoned && s != minwon.ContactClosed {
		t.Fatalf("contact is %s after the third swear, want ended", s)
	}
}
