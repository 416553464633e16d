package http_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/bot"
	"github.com/minwon/minwon/demo"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/kb"
)

func from(sender minwon.Sender) func(frame) bool {
	return func(f frame) bool {
		m, _ := f["message"].(map[string]any)
		return f["type"] == "message" && m["from"] == string(sender)
	}
}

// TestChatThroughTheBot: the demo bot answers a citizen from the demo
// knowledge base, hands over when the answer did not help, and the counselor
// who takes the chat gets the transcript and the bot's suggestions.
func TestChatThroughTheBot(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		arts, err := demo.Articles()
		if err != nil {
			t.Fatal(err)
		}
		e.center.SetBot(bot.New(kb.NewIndex(arts), bot.DefaultOptions()))
		kim := e.login("counselor01")
		desk := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
		if code := kim.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); code != 200 {
			t.Fatalf("set available: %d", code)
		}

		citizen := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor=v-bot"), nil)
		welcome := citizen.await("welcome", typ("welcome"))
		contactID := welcome["contact_id"].(string)
		if welcome["state"] != string(minwon.ContactBot) {
			t.Fatalf("welcome state %v, want bot", welcome["state"])
		}
		citizen.send(frame{"type": "message", "client_id": "c1", "text": "여권 새로 만들려면 어디로 가야 돼요?"})
		answer := citizen.await("the bot's answer", from(minwon.FromBot))
		prompt := citizen.await("the bot's prompt", typ("bot"))
		if prompt["kind"] != string(bot.KindAnswer) || prompt["feedback"] != true {
			t.Fatalf("prompt %v after answer %v, want an answer asking for feedback", prompt, answer)
		}
		if _, leaked := prompt["state"]; leaked {
			t.Fatal("the bot's state reached the citizen")
		}
		if to := e.center.OfferedTo(contactID); to != "" {
			t.Fatalf("offered to %s while the bot answers", to)
		}

		t.Run("ReconnectShowsThePromptAgain", func(t *testing.T) {
			again := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&resume="+welcome["resume"].(string)), nil)
			w := again.await("welcome", typ("welcome"))
			if len(w["messages"].([]any)) != 2 {
				t.Fatalf("welcome messages %v, want the question and the answer", w["messages"])
			}
			if p := again.await("prompt", typ("bot")); p["feedback"] != true {
				t.Fatalf("prompt on reconnect %v", p)
			}
			again.c.CloseNow()
		})

		citizen.send(frame{"type": "message", "client_id": "c2", "text": "아니요"})
		citizen.await("queued for a counselor", typ("queued"))
		offer := desk.await("offer", typ("offer"))
		if offer["contact"].(map[string]any)["id"] != contactID {
			t.Fatalf("offer for another contact: %v", offer)
		}
		var view struct {
			Contact  minwon.Contact
			Messages []minwon.Message
			Bot      *minwon.BotHandoff
		}
		if code := kim.do("POST", "/api/contacts/"+contactID+"/accept", nil, &view); code != 200 {
			t.Fatalf("accept: %d", code)
		}
		citizen.await("agent joined", typ("agent"))
		if len(view.Messages) != 4 || view.Messages[1].From != minwon.FromBot || view.Messages[3].From != minwon.FromBot {
			t.Fatalf("transcript at the desk: %+v", view.Messages)
		}
		if view.Bot == nil || len(view.Bot.Suggestions) == 0 {
			t.Fatalf("bot hand-off at the desk: %+v", view.Bot)
		}
		// A bot that reads "아니요" as feedback suggests the article it had
		// answered with; a plainer one searches the words and is unsure.
		if r := view.Bot.Reason; r == bot.ReasonNotHelpful && view.Bot.Suggestions[0].ArticleID != "passport-issue" || r != bot.ReasonNotHelpful && r != bot.ReasonUnsure {
			t.Fatalf("bot hand-off at the desk: %+v", view.Bot)
		}
		t.Run("SuggestionsOnReload", func(t *testing.T) {
			var mine []struct {
				Contact minwon.Contact
				Bot     *minwon.BotHandoff
			}
			kim.do("GET", "/api/agent/contacts", nil, &mine)
			if len(mine) != 1 || mine[0].Bot == nil || mine[0].Bot.Reason == "" {
				t.Fatalf("my contacts: %+v", mine)
			}
		})
		desk.send(frame{"type": "message", "contact_id": contactID, "client_id": "a1", "text": "여권 창구로 안내해 드릴게요."})
		citizen.await("counselor reply", msgText("여권 창구로 안내해 드릴게요."))

		t.Run("HelpedAndLeftCountsAsServedByTheBot", func(t *testing.T) {
			other := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor=v-bot-2"), nil)
			w := other.await("welcome", typ("welcome"))
			other.send(frame{"type": "message", "client_id": "c1", "text": "주민등록등본 어디서 떼요?"})
			other.await("the bot's answer", typ("bot"))
			other.send(frame{"type": "leave"})
			if f := other.await("ended", typ("ended")); f["by_bot"] != true {
				t.Fatalf("ended frame %v", f)
			}
			ct, err := e.center.Contact(t.Context(), w["contact_id"].(string))
			if err != nil || ct.State != minwon.ContactClosed || ct.Resolution != minwon.ResolvedBot {
				t.Fatalf("contact %+v %v, want closed by the bot", ct, err)
			}
			sup := e.login("supervisor01")
			deadline := time.Now().Add(5 * time.Second)
			for {
				var b board.Snapshot
				sup.do("GET", "/api/board", nil, &b)
				if b.Today.BotResolved == 1 && b.Today.BotHandoffs == 1 && b.Today.Abandoned == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("board today = %+v", b.Today)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	})
}
