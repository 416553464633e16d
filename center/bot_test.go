package center_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/bot"
	"github.com/minwon/minwon/center"
)

// fakeBot answers by keyword and numbers its turns from the state it is
// given, so a test sees whether the center kept that state.
type fakeBot struct {
	ReplyFn func(st *bot.State, text string) bot.Reply
}

var _ center.Answerer = (*fakeBot)(nil)

func (b *fakeBot) Reply(st *bot.State, text string) bot.Reply { return b.ReplyFn(st, text) }

var passport = bot.Suggestion{ArticleID: "passport-issue", Title: "여권 발급", Score: 0.8, Snippet: "여권은 구청 민원실에서 발급합니다."}

func newFakeBot() *fakeBot {
	return &fakeBot{ReplyFn: func(st *bot.State, text string) bot.Reply {
		st.Turns++
		turn := fmt.Sprintf(" (turn %d)", st.Turns)
		switch {
		case strings.Contains(text, "상담원"):
			st.AwaitFeedback = false
			return bot.Reply{Kind: bot.KindHandoff, Handoff: true, Reason: bot.ReasonRequested, Text: "상담원에게 연결해 드릴게요." + turn}
		case strings.Contains(text, "아니요") && st.AwaitFeedback:
			st.AwaitFeedback = false
			return bot.Reply{Kind: bot.KindHandoff, Handoff: true, Reason: bot.ReasonNotHelpful, Text: "상담원에게 연결해 드릴게요." + turn,
				Suggestions: []bot.Suggestion{passport, {ArticleID: "passport-lost", Title: "여권 분실", Score: 0.5}}}
		case strings.Contains(text, "여권"):
			st.LastArticle, st.AwaitFeedback = passport.ArticleID, true
			return bot.Reply{Kind: bot.KindAnswer, ArticleID: passport.ArticleID, Score: passport.Score, Text: passport.Snippet + "\n도움이 되었나요?" + turn}
		case strings.Contains(text, "주차"):
			st.Pending = []bot.Suggestion{{ArticleID: "parking-fine", Title: "주차 과태료"}, {ArticleID: "parking-resident", Title: "거주자 우선주차"}}
			return bot.Reply{Kind: bot.KindClarify, Text: "어느 것을 물으셨나요?" + turn, Options: st.Pending}
		}
		return bot.Reply{Kind: bot.KindSmallTalk, Text: "무엇을 도와드릴까요?" + turn}
	}}
}

// botCenter is the test center with the bot on for its tenant.
func botCenter(t *testing.T) *fixture {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit"}, DefaultQueue: "general", Bot: true})))
	f.c.SetBot(newFakeBot())
	return f
}

func (f *fixture) lastBotTurn(contactID string) minwon.BotTurn {
	f.t.Helper()
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: contactID, Types: []minwon.EventType{minwon.EventBotTurn}}))
	if len(evs) == 0 {
		f.t.Fatal("no bot turn stored")
	}
	var turn minwon.BotTurn
	ok(f.t, evs[len(evs)-1].Decode(&turn))
	return turn
}

func TestBotPhase(t *testing.T) {
	f := botCenter(t)
	f.ready("kim")
	ct := f.chat()
	t.Run("StartsWithTheBotNotTheQueue", func(t *testing.T) {
		if ct.State != minwon.ContactBot {
			t.Fatalf("state %s, want bot", ct.State)
		}
		if to := f.c.OfferedTo(ct.ID); to != "" {
			t.Fatalf("offered to %s while with the bot", to)
		}
		if _, queued := f.c.Position(ct.ID); queued {
			t.Fatal("the contact holds a place in the queue while with the bot")
		}
		if st := must(f.store.Contact(f.ctx, ct.ID)).State; st != minwon.ContactBot {
			t.Fatalf("stored state %s, want bot", st)
		}
	})
	t.Run("EachLineGetsABotReply", func(t *testing.T) {
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "주차 문의요"))
		turn := f.lastBotTurn(ct.ID)
		if turn.Kind != string(bot.KindClarify) || len(turn.Options) != 2 || turn.ReplyTo != 1 {
			t.Fatalf("turn = %+v", turn)
		}
		must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "여권 발급은요?"))
		msgs := must(f.c.Messages(f.ctx, ct.ID, 0, false))
		want := []minwon.Sender{minwon.FromCitizen, minwon.FromBot, minwon.FromCitizen, minwon.FromBot}
		if len(msgs) != len(want) {
			t.Fatalf("%d messages, want %d: %+v", len(msgs), len(want), msgs)
		}
		for i, m := range msgs {
			if m.From != want[i] || m.Seq != i+1 {
				t.Fatalf("message %d = %+v, want from %s", i, m, want[i])
			}
		}
		if !strings.HasSuffix(msgs[3].Text, "(turn 2)") {
			t.Fatalf("the bot lost its state between turns: %q", msgs[3].Text)
		}
		if p, ok := f.c.BotPrompt(ct.ID); !ok || !p.Feedback || p.ArticleID != passport.ArticleID || p.State != nil {
			t.Fatalf("prompt = %+v %v, want feedback on passport-issue without the bot's state", p, ok)
		}
	})
	t.Run("ResendIsNotAnsweredTwice", func(t *testing.T) {
		must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "여권 발급은요?"))
		if n := len(must(f.c.Messages(f.ctx, ct.ID, 0, false))); n != 4 {
			t.Fatalf("%d messages after a resend, want 4", n)
		}
	})
	t.Run("CounselorCannotWriteToABotChat", func(t *testing.T) {
		_, err := f.c.AgentSend(f.ctx, "kim", ct.ID, "a1", "안녕하세요")
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	t.Run("OtherLanguagesGoStraightToTheQueue", func(t *testing.T) {
		en := must2(f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v2", Language: "en"}))
		if en.State == minwon.ContactBot {
			t.Fatal("an English chat went to the Korean bot")
		}
	})
	t.Run("BotOffForTheTenantRoutesDirectly", func(t *testing.T) {
		ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit"}, DefaultQueue: "general"})))
		defer func() {
			ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit"}, DefaultQueue: "general", Bot: true})))
		}()
		if c := f.chat(); c.State == minwon.ContactBot {
			t.Fatal("the bot answered a tenant that has it off")
		}
	})
}

func TestBotHandoff(t *testing.T) {
	f := botCenter(t)
	ct := f.chat()
	f.clock.Add(time.Minute)
	must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "여권 발급 어떻게 해요?"))
	f.clock.Add(time.Minute)
	f.ready("kim")
	if to := f.c.OfferedTo(ct.ID); to != "" {
		t.Fatalf("offered to %s before the bot handed over", to)
	}
	must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "아니요, 도움이 안 됐어요"))
	t.Run("QueuedAndOffered", func(t *testing.T) {
		if to := f.c.OfferedTo(ct.ID); to != "kim" {
			t.Fatalf("offered to %q after the hand-off, want kim", to)
		}
	})
	t.Run("SuggestionsKept", func(t *testing.T) {
		h, had := must2b(f.c.BotHandoffOf(f.ctx, ct.ID))
		if !had || h.Reason != bot.ReasonNotHelpful || len(h.Suggestions) != 2 || h.Suggestions[0].ArticleID != passport.ArticleID {
			t.Fatalf("hand-off = %+v %v", h, had)
		}
	})
	t.Run("WaitCountsFromTheHandoff", func(t *testing.T) {
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventContactQueued}}))
		if len(evs) != 1 || !evs[0].At.Equal(f.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("queued events %+v, want one at the hand-off", evs)
		}
	})
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	t.Run("CounselorSeesTheBotTranscript", func(t *testing.T) {
		msgs := must(f.c.Messages(f.ctx, ct.ID, 0, true))
		if len(msgs) != 4 || msgs[1].From != minwon.FromBot || msgs[3].From != minwon.FromBot {
			t.Fatalf("transcript = %+v", msgs)
		}
	})
	t.Run("BotSilentOnceHandedOver", func(t *testing.T) {
		must(f.c.CitizenSend(f.ctx, ct.ID, "c3", "여권 급해요"))
		msgs := must(f.c.Messages(f.ctx, ct.ID, 0, true))
		if last := msgs[len(msgs)-1]; last.From != minwon.FromCitizen {
			t.Fatalf("the bot answered a contact a counselor has: %+v", last)
		}
	})
	t.Run("SuggestionsSurviveARestart", func(t *testing.T) {
		f.restart(center.Config{})
		h, had := must2b(f.c.BotHandoffOf(f.ctx, ct.ID))
		if !had || len(h.Suggestions) != 2 {
			t.Fatalf("hand-off after restart = %+v %v", h, had)
		}
	})
	t.Run("AskingForACounselor", func(t *testing.T) {
		f.c.SetBot(newFakeBot())
		c2 := f.chat()
		must(f.c.CitizenSend(f.ctx, c2.ID, "x1", "상담원 연결"))
		h, had := must2b(f.c.BotHandoffOf(f.ctx, c2.ID))
		if !had || h.Reason != bot.ReasonRequested {
			t.Fatalf("hand-off = %+v %v", h, had)
		}
		if st := must(f.c.Contact(f.ctx, c2.ID)).State; st != minwon.ContactWaiting && st != minwon.ContactRinging {
			t.Fatalf("state %s after asking for a counselor", st)
		}
	})
}

func TestBotResolved(t *testing.T) {
	f := botCenter(t)
	t.Run("AnsweredThenLeftIsServedByTheBot", func(t *testing.T) {
		ct := f.chat()
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "여권 발급 어떻게 해요?"))
		f.clock.Add(30 * time.Second)
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		got := must(f.store.Contact(f.ctx, ct.ID))
		if got.State != minwon.ContactClosed || got.Resolution != minwon.ResolvedBot || got.EndedAt == nil || got.ClosedAt == nil {
			t.Fatalf("stored contact = %+v, want closed by the bot", got)
		}
		if live := f.c.AllLive(); len(live) != 0 {
			t.Fatalf("still live: %+v", live)
		}
	})
	t.Run("LeftWithoutAnAnswer", func(t *testing.T) {
		ct := f.chat()
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "안녕하세요"))
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		if got := must(f.store.Contact(f.ctx, ct.ID)); got.State != minwon.ContactAbandoned || got.Resolution != "" {
			t.Fatalf("stored contact = %+v, want abandoned", got)
		}
	})
	t.Run("NotRatedLikeACounselorsChat", func(t *testing.T) {
		ct := f.chat()
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "여권"))
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		wantCode(t, f.c.Rate(f.ctx, ct.ID, 5, ""), minwon.ECONFLICT)
	})
}

func TestBotStateSurvivesRestart(t *testing.T) {
	f := botCenter(t)
	ct := f.chat()
	must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "여권 발급 어떻게 해요?"))
	f.restart(center.Config{})
	f.c.SetBot(newFakeBot())
	t.Run("StillWithTheBot", func(t *testing.T) {
		if st := must(f.c.Contact(f.ctx, ct.ID)).State; st != minwon.ContactBot {
			t.Fatalf("state %s after restart, want bot", st)
		}
		if p, ok := f.c.BotPrompt(ct.ID); !ok || !p.Feedback {
			t.Fatalf("prompt after restart = %+v %v", p, ok)
		}
	})
	t.Run("ConversationContinues", func(t *testing.T) {
		// The fake bot hands off on "아니요" only while it awaits feedback,
		// and numbers its turns: both come from the restored state.
		must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "아니요"))
		msgs := must(f.c.Messages(f.ctx, ct.ID, 0, false))
		if last := msgs[len(msgs)-1]; last.From != minwon.FromBot || !strings.HasSuffix(last.Text, "(turn 2)") {
			t.Fatalf("last message %+v, want the bot's second turn", last)
		}
		if _, had := must2b(f.c.BotHandoffOf(f.ctx, ct.ID)); !had {
			t.Fatal("no hand-off: the bot forgot it had asked for feedback")
		}
	})
	t.Run("AnsweredSurvivesForTheCount", func(t *testing.T) {
		c2 := f.chat()
		must(f.c.CitizenSend(f.ctx, c2.ID, "c1", "여권"))
		f.restart(center.Config{})
		ok(t, f.c.CitizenLeave(f.ctx, c2.ID))
		if got := must(f.store.Contact(f.ctx, c2.ID)); got.Resolution != minwon.ResolvedBot {
			t.Fatalf("after restart the bot-answered contact ended as %+v", got)
		}
	})
	t.Run("WithoutABotTheNextLineGoesToTheQueue", func(t *testing.T) {
		c3 := f.chat() // no bot after the last restart: straight to the queue
		if c3.State == minwon.ContactBot {
			t.Fatal("a chat started with the bot while none is set")
		}
		f.c.SetBot(newFakeBot())
		c4 := f.chat()
		must(f.c.CitizenSend(f.ctx, c4.ID, "c1", "여권"))
		f.c.SetBot(nil)
		must(f.c.CitizenSend(f.ctx, c4.ID, "c2", "더 물어볼게요"))
		h, had := must2b(f.c.BotHandoffOf(f.ctx, c4.ID))
		if !had || h.Reason != center.ReasonUnavailable {
			t.Fatalf("hand-off %+v %v, want unavailable", h, had)
		}
	})
}

func must2[T any](v T, _ string, err error) T { return must(v, err) }

func must2b[T any](v T, b bool, err error) (T, bool) {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v, b
}
