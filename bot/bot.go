// Package bot is the self-service counselor that answers a citizen first on
// text channels: it searches the knowledge base, answers when it is sure,
// asks which matter was meant when two articles are close, declines what is
// not the city's business, and hands the citizen to a human when asked or
// unsure. It knows nothing of HTTP or storage; the center drives it a turn at
// a time and keeps its State with the contact.
package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon/kb"
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
	// It is the one knob that trades answered share against precision;
	// `minwon kb eval` sweeps it.
	AnswerThreshold float64
	// ClarifyMargin: when the second article scores within this of the first,
	// the bot asks which one was meant instead of guessing.
	ClarifyMargin float64
	// Suggestions is how many top articles a hand-off carries.
	Suggestions int
	// Generator, when set, writes the answer from the retrieved articles
	// (an LLM); nil keeps the retrieval answer, the default. Its errors and
	// timeouts fall back to the retrieval answer.
	Generator Generator
	// GenerateTimeout bounds one Generate call (default 10s).
	GenerateTimeout time.Duration
}

// DefaultOptions returns the tuned defaults (see bot/testdata/README.md).
func DefaultOptions() Options {
	return Options{AnswerThreshold: 0.25, ClarifyMargin: 0.06, Suggestions: 3, GenerateTimeout: 10 * time.Second}
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
	// Cited are the articles a generated answer cites; Generated tells that
	// Text was written by the Generator rather than taken from the article.
	Cited     []string `json:"cited,omitempty"`
	Generated bool     `json:"generated,omitempty"`
}

// Answered reports whether the reply answers the citizen from an article,
// which is what the evaluation counts; every other kind is a decline, a
// question back or a hand-off.
func (r Reply) Answered() bool {
	return (r.Kind == KindAnswer || r.Kind == KindArticle) && r.ArticleID != ""
}

// State is what the bot remembers of one conversation. It is plain data so
// the center can store it with the contact and rebuild it after a restart.
type State struct {
	Turns         int          `json:"turns"`
	LastArticle   string       `json:"last_article,omitempty"`
	AwaitFeedback bool         `json:"await_feedback,omitempty"`
	Pending       []Suggestion `json:"pending,omitempty"` // options of an open clarifying question
	// LastQuestion is the citizen's last question that was searched, so a
	// later "상담원 연결" or "아니요" can still carry suggestions for it.
	LastQuestion string `json:"last_question,omitempty"`
}

// Bot answers from one knowledge-base index. It is safe for concurrent use
// as long as each conversation's State is used by one caller at a time.
type Bot struct {
	kb   *kb.Index
	opts Options
}

// New returns a bot over index (nil: an empty one). Zero fields of opts take their defaults,
// except AnswerThreshold and ClarifyMargin, where 0 is a valid setting.
func New(index *kb.Index, opts Options) *Bot {
	if index == nil {
		index = new(kb.Index) // empty: every question goes to a counselor
	}
	d := DefaultOptions()
	if opts.Suggestions <= 0 {
		opts.Suggestions = d.Suggestions
	}
	if opts.GenerateTimeout <= 0 {
		opts.GenerateTimeout = d.GenerateTimeout
	}
	return &Bot{kb: index, opts: opts}
}

// Options returns the bot's options.
func (b *Bot) Options() Options { return b.opts }

// Ask answers one question on its own, as `minwon kb ask` and the evaluation
// do: no conversation, no follow-ups.
func (b *Bot) Ask(question string) Reply {
	var st State
	return b.Reply(&st, question)
}

// Reply takes the citizen's text and returns the bot's turn, updating st.
func (b *Bot) Reply(st *State, text string) Reply {
	return b.ReplyContext(context.Background(), st, text)
}

// MaxQuestionRunes bounds what the bot reads of one message; a pasted wall
// of text is cut rather than searched whole.
const MaxQuestionRunes = 500

// ReplyContext is Reply with a context for the Generator's request.
func (b *Bot) ReplyContext(ctx context.Context, st *State, text string) Reply {
	st.Turns++
	text = strings.ToValidUTF8(text, "")
	if utf8.RuneCountInString(text) > MaxQuestionRunes {
		text = string([]rune(text)[:MaxQuestionRunes])
	}
	f := fold(text)

	// A pending clarifying question: the citizen picks an option.
	if len(st.Pending) > 0 {
		pending := st.Pending
		st.Pending = nil
		// "둘 다 아니에요" names an option too; the refusal wins.
		if feedback(f) < 0 {
			return b.handoffWith(st, ReasonNotHelpful, pending)
		}
		if i := choice(text, pending); i >= 0 {
			if a, ok := b.kb.Get(pending[i].ArticleID); ok {
				return b.answer(ctx, st, st.LastQuestion, a, pending[i].Score, nil)
			}
		}
	}

	switch {
	case f == "":
		return Reply{Kind: KindSmallTalk, Text: askForMore}
	case wantsHuman(f):
		return b.handoff(st, stripAll(f, humanPhrases), ReasonRequested)
	}

	// Follow-ups to an answer: did it help, or show the whole article.
	if st.LastArticle != "" {
		if wantsMore(f) {
			if a, ok := b.kb.Get(st.LastArticle); ok {
				st.AwaitFeedback = true
				return Reply{
					Kind: KindArticle, ArticleID: a.ID, Title: a.Title, Score: 1,
					Text: fmt.Sprintf("[%s]\n%s\n\n도움이 되었나요?", a.Title, a.Body),
				}
			}
		}
		if st.AwaitFeedback {
			switch feedback(f) {
			case 1:
				st.AwaitFeedback = false
				return Reply{Kind: KindClosing, ArticleID: st.LastArticle, Text: "도움이 되었다니 다행이에요. 더 궁금하신 점이 있으면 언제든 물어봐 주세요."}
			case -1:
				return b.handoff(st, st.LastQuestion, ReasonNotHelpful)
			}
		}
	}

	if kind := smallTalk(f); kind != "" {
		return Reply{Kind: KindSmallTalk, Text: smallTalkText[kind]}
	}
	if outOfScopeTopic(f) {
		st.AwaitFeedback = false
		return Reply{
			Kind: KindOutOfScope, Handoff: true,
			Text: "죄송하지만 그 내용은 한빛시 120에서 안내해 드리기 어려워요. 시청 민원이나 생활 불편에 대해 물어봐 주세요. 상담원과 이야기하시려면 '상담원 연결'이라고 해 주세요.",
		}
	}

	q := text
	if utf8.RuneCountInString(fold(q)) < 2 {
		// "네", "음", "?": nothing to search for and nothing to hand over yet.
		return Reply{Kind: KindSmallTalk, Text: askForMore}
	}
	st.LastQuestion = text
	res := b.kb.Search(q, max(b.opts.Suggestions, 3))
	if len(res) == 0 || res[0].Score < b.opts.AnswerThreshold {
		return b.handoffWith(st, ReasonUnsure, suggestions(res, b.opts.Suggestions))
	}
	// Close scores: ask rather than guess.
	var close []Suggestion
	for _, r := range res {
		if res[0].Score-r.Score <= b.opts.ClarifyMargin {
			close = append(close, suggestion(r))
		}
	}
	if len(close) > 1 {
		st.Pending, st.AwaitFeedback = close, false
		var sb strings.Builder
		sb.WriteString("어떤 내용이 궁금하신가요?")
		for i, o := range close {
			fmt.Fprintf(&sb, "\n%d. %s", i+1, o.Title)
		}
		sb.WriteString("\n번호나 제목으로 알려 주세요.")
		return Reply{Kind: KindClarify, Text: sb.String(), ArticleID: close[0].ArticleID, Title: close[0].Title, Score: close[0].Score, Options: close}
	}
	return b.answer(ctx, st, text, res[0].Article, res[0].Score, res)
}

const askForMore = "궁금하신 내용을 조금 더 자세히 적어 주세요. 상담원과 이야기하시려면 '상담원 연결'이라고 해 주세요."

var smallTalkText = map[string]string{
	"greeting": "안녕하세요, 한빛시 120 상담 챗봇이에요. 궁금하신 민원을 편하게 적어 주세요.",
	"thanks":   "별말씀을요. 더 궁금하신 점이 있으면 언제든 물어봐 주세요.",
	"farewell": "이용해 주셔서 고마워요. 좋은 하루 보내세요.",
	"about":    "저는 한빛시 120의 상담 챗봇이에요. 시청 민원과 생활 불편을 안내해 드리고, 원하시면 상담원에게 연결해 드려요.",
}

// answer gives the short answer from article a (or the Generator's, when one
// is set and it succeeds).
func (b *Bot) answer(ctx context.Context, st *State, question string, a *kb.Article, score float64, res []kb.Result) Reply {
	st.LastArticle, st.AwaitFeedback, st.Pending = a.ID, true, nil
	r := Reply{Kind: KindAnswer, ArticleID: a.ID, Title: a.Title, Score: score}
	if b.opts.Generator != nil {
		arts := []*kb.Article{a}
		for _, x := range res {
			// Only articles good enough to answer from on their own.
			if x.Article.ID != a.ID && len(arts) < 3 && x.Score >= b.opts.AnswerThreshold {
				arts = append(arts, x.Article)
			}
		}
		gctx, cancel := context.WithTimeout(ctx, b.opts.GenerateTimeout)
		g, err := b.opts.Generator.Generate(gctx, question, arts)
		cancel()
		switch {
		case err != nil:
			// The retrieval answer below is still a good answer.
		case g.Declined:
			return b.handoff(st, question, ReasonUnsure)
		default:
			r.Generated, r.Cited = true, g.Cited
			if len(g.Cited) > 0 && g.Cited[0] != a.ID {
				if c, ok := b.kb.Get(g.Cited[0]); ok {
					r.ArticleID, r.Title = c.ID, c.Title
					st.LastArticle = c.ID
				}
			}
			r.Text = g.Text + "\n\n출처: " + citeTitles(b.kb, g.Cited) + "\n도움이 되었나요?"
			return r
		}
	}
	r.Text = fmt.Sprintf("[%s]\n%s\n\n전체 안내를 보시려면 '자세히'라고 해 주세요. 도움이 되었나요?", a.Title, ShortAnswer(a, question))
	return r
}

func citeTitles(x *kb.Index, ids []string) string {
	var ts []string
	for _, id := range ids {
		if a, ok := x.Get(id); ok {
			ts = append(ts, a.Title)
		}
	}
	return strings.Join(ts, ", ")
}

func (b *Bot) handoff(st *State, query, reason string) Reply {
	if utf8.RuneCountInString(query) < 2 {
		query = st.LastQuestion
	}
	var sug []Suggestion
	if query != "" {
		sug = suggestions(b.kb.Search(query, b.opts.Suggestions), b.opts.Suggestions)
	}
	return b.handoffWith(st, reason, sug)
}

func (b *Bot) handoffWith(st *State, reason string, sug []Suggestion) Reply {
	st.AwaitFeedback, st.Pending = false, nil
	text := "상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."
	switch reason {
	case ReasonUnsure:
		text = "정확한 안내를 위해 상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."
	case ReasonNotHelpful:
		text = "도움이 되지 못해 죄송해요. 상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."
	}
	r := Reply{Kind: KindHandoff, Handoff: true, Reason: reason, Text: text, Suggestions: sug}
	if len(sug) > 0 {
		r.ArticleID, r.Title, r.Score = sug[0].ArticleID, sug[0].Title, sug[0].Score
	}
	return r
}

func suggestion(r kb.Result) Suggestion {
	return Suggestion{ArticleID: r.Article.ID, Title: r.Article.Title, Score: r.Score, Snippet: r.Snippet}
}

func suggestions(res []kb.Result, n int) []Suggestion {
	var out []Suggestion
	for _, r := range res {
		if len(out) == n {
			break
		}
		out = append(out, suggestion(r))
	}
	return out
}
