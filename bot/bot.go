// Package bot is the self-service counselor that answers a citizen first on
// text channels: it searches the knowledge base, answers when it is sure,
// asks which matter was meant when two articles are close, declines what is
// not the city's business, and hands the citizen to a human when asked or
// unsure. It knows nothing of HTTP or storage; the center drives it a turn at
// a time and keeps its State with the contact.
package bot

import (
	"strings"

	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/korean"
)

// Kind says what a reply does.
type Kind string

const (
	KindAnswer     Kind = "answer"       // a short answer from one article, then "도움이 되었나요?"
	KindArticle    Kind = "article"      // the whole article, on request
	KindClarify    Kind = "clarify"      // two or more articles are close: which one?
	KindSmallTalk  Kind = "smalltalk"    // greetings, thanks
	KindOutOfScope Kind = "out_of_scope" // not a city matter: said so politely
	KindHandoff    Kind = "handoff"      // pass the citizen to a counselor now
	KindClosing    Kind = "closing"      // the citizen was helped; the contact may end
)

// Handoff reasons.
const (
	ReasonRequested  = "requested"   // the citizen asked for a person
	ReasonUnsure     = "unsure"      // nothing matched well enough
	ReasonNotHelpful = "not_helpful" // the citizen said the answer did not help
)

// Options tune the bot. The thresholds are on kb scores (0..1).
type Options struct {
	// AnswerThreshold is the top score at or above which the bot answers;
	// below it the bot hands off (or declines when the text is out of scope).
	// It is the one knob that trades answered share against precision.
	AnswerThreshold float64
	// ClarifyMargin: when the second article scores within this of the first,
	// the bot asks which one was meant instead of guessing.
	ClarifyMargin float64
	// Suggestions is how many top articles a hand-off carries.
	Suggestions int
}

// DefaultOptions returns the tuned defaults.
func DefaultOptions() Options {
	return Options{AnswerThreshold: 0.45, ClarifyMargin: 0.05, Suggestions: 3}
}

// Suggestion is an article the counselor may want, with its score.
type Suggestion struct {
	ArticleID string  `json:"article_id"`
	Title     string  `json:"title"`
	Score     float64 `json:"score"`
	Snippet   string  `json:"snippet,omitempty"`
}

// Reply is the bot's turn.
type Reply struct {
	Kind      Kind    `json:"kind"`
	Text      string  `json:"text"`
	ArticleID string  `json:"article_id,omitempty"`
	Title     string  `json:"title,omitempty"`
	Score     float64 `json:"score"`
	// Handoff is true when the citizen should now go to a counselor (or, for
	// KindOutOfScope, when the bot declined instead of answering).
	Handoff bool   `json:"handoff"`
	Reason  string `json:"reason,omitempty"`
	// Options are the choices of a KindClarify reply.
	Options     []Suggestion `json:"options,omitempty"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// State is what the bot remembers of one conversation. It is plain data so
// the center can store it with the contact and rebuild it after a restart.
type State struct {
	Turns         int          `json:"turns"`
	LastArticle   string       `json:"last_article,omitempty"`
	AwaitFeedback bool         `json:"await_feedback,omitempty"`
	Pending       []Suggestion `json:"pending,omitempty"` // options of an open clarifying question
}

// Bot answers from one knowledge-base index. It is safe for concurrent use
// as long as each conversation's State is used by one caller at a time.
type Bot struct {
	kb   *kb.Index
	opts Options
}

// New returns a bot over index.
func New(index *kb.Index, opts Options) *Bot {
	return &Bot{kb: index, opts: opts}
}

// Ask answers one question on its own, as `minwon kb ask` and the evaluation
// do: no conversation, no follow-ups.
func (b *Bot) Ask(question string) Reply {
	var st State
	return b.Reply(&st, question)
}

// Reply takes the citizen's text and returns the bot's turn, updating st.
func (b *Bot) Reply(st *State, text string) Reply {
	st.Turns++
	f := string(korean.Fold(text, korean.Digits).Runes)
	switch {
	case wantsHuman(f):
		return b.handoff(st, text, ReasonRequested)
	}
	res := b.kb.Search(text, max(b.opts.Suggestions, 2))
	if len(res) == 0 || res[0].Score < b.opts.AnswerThreshold {
		return b.handoff(st, text, ReasonUnsure)
	}
	top := res[0]
	st.LastArticle, st.AwaitFeedback, st.Pending = top.Article.ID, true, nil
	return Reply{
		Kind: KindAnswer, ArticleID: top.Article.ID, Title: top.Article.Title, Score: top.Score,
		Text: top.Snippet + "\n도움이 되었나요?",
	}
}

func (b *Bot) handoff(st *State, text, reason string) Reply {
	st.AwaitFeedback, st.Pending = false, nil
	r := Reply{Kind: KindHandoff, Handoff: true, Reason: reason, Text: "상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."}
	for _, res := range b.kb.Search(text, b.opts.Suggestions) {
		r.Suggestions = append(r.Suggestions, Suggestion{ArticleID: res.Article.ID, Title: res.Article.Title, Score: res.Score, Snippet: res.Snippet})
	}
	if len(r.Suggestions) > 0 {
		r.Score = r.Suggestions[0].Score
	}
	return r
}

// wantsHuman reports whether folded text asks for a person.
func wantsHuman(f string) bool {
	for _, w := range []string{"상담원", "상담사", "사람", "직원연결", "연결해"} {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}
