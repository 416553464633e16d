package center

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/acd"
	"github.com/minwon/minwon/bot"
)

// Answerer is the self-service bot that answers a tenant's web chats before a
// counselor does; *bot.Bot is one. Reply must not block for long: the
// citizen waits on it.
type Answerer interface {
	Reply(st *bot.State, text string) bot.Reply
}

var _ Answerer = (*bot.Bot)(nil)

// contextAnswerer is an Answerer whose reply may wait on something slow (a
// language model): it is given the citizen's request context, so a citizen
// who goes away cancels it.
type contextAnswerer interface {
	ReplyContext(ctx context.Context, st *bot.State, text string) bot.Reply
}

// ReasonUnavailable hands a contact over because no bot is configured any
// more (a restart without one, say).
const ReasonUnavailable = "unavailable"

// SetBot lets b answer the chats of tenants that have the bot on; nil turns
// the bot off everywhere, and chats still with it go to the queue at the
// citizen's next line.
func (c *Center) SetBot(b Answerer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bot = b
}

// botConv is the bot's side of one live contact.
type botConv struct {
	mu       sync.Mutex // one bot turn at a time per contact
	state    bot.State
	replied  int  // seq of the last citizen message the bot answered
	answered bool // the bot's last word was an answer the citizen did not reject
	turn     *minwon.BotTurn
	handoff  *minwon.BotHandoff
}

// applyTurn records a stored bot turn. Callers hold c.mu.
func (b *botConv) applyTurn(t *minwon.BotTurn) {
	var st bot.State
	if len(t.State) > 0 && json.Unmarshal(t.State, &st) == nil {
		b.state = st
	}
	b.replied = max(b.replied, t.ReplyTo)
	switch bot.Kind(t.Kind) {
	case bot.KindAnswer, bot.KindArticle, bot.KindClosing:
		b.answered = true
	case bot.KindSmallTalk: // "감사합니다" after an answer keeps it answered
	default:
		b.answered = false
	}
	b.turn = t
}

// botPhase reports whether a new chat of t starts with the bot. Callers hold c.mu.
func (c *Center) botPhase(t *minwon.Tenant, lang string) bool {
	return c.bot != nil && t.Bot && lang == "ko" // the bot's knowledge base is Korean
}

// botReply lets the bot answer a citizen's message m if the contact is still
// with the bot. It is idempotent per message, so a resend is not answered twice.
func (c *Center) botReply(ctx context.Context, contactID string, m *minwon.Message) error {
	c.mu.RLock()
	l, b := c.contacts[contactID], c.bot
	c.mu.RUnlock()
	if l == nil {
		return nil
	}
	l.bot.mu.Lock()
	defer l.bot.mu.Unlock()
	c.mu.RLock()
	state, replied, st := l.State, l.bot.replied, cloneState(l.bot.state)
	c.mu.RUnlock()
	if state != minwon.ContactBot || replied >= m.Seq {
		return nil
	}
	if b == nil {
		return c.botHandoff(ctx, l, nil, &minwon.BotHandoff{Reason: ReasonUnavailable, Suggestions: []minwon.Suggestion{}})
	}
	var r bot.Reply
	if rc, ok := b.(contextAnswerer); ok {
		r = rc.ReplyContext(ctx, &st, m.Text)
	} else {
		r = b.Reply(&st, m.Text)
	}
	if strings.TrimSpace(r.Text) != "" {
		_, err := c.send(ctx, contactID, minwon.FromBot, "", "", r.Text, func(ct *minwon.Contact) error {
			if ct.State != minwon.ContactBot {
				return minwon.Errorf(minwon.ECONFLICT, "the bot no longer answers this conversation")
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	turn := &minwon.BotTurn{ReplyTo: m.Seq, Kind: string(r.Kind), ArticleID: r.ArticleID, Score: r.Score,
		Options: suggestions(r.Options), Feedback: st.AwaitFeedback, State: raw}
	if r.Kind == bot.KindHandoff {
		return c.botHandoff(ctx, l, turn, &minwon.BotHandoff{Reason: r.Reason, Suggestions: suggestions(r.Suggestions)})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l.bot.applyTurn(turn)
	return c.commit(ctx, []*minwon.Event{c.contactEvent(minwon.EventBotTurn, l, c.cfg.Now(), turn)})
}

// botHandoff passes a contact from the bot to its queue, where it waits like
// any other; the wait for the service level starts now.
func (c *Center) botHandoff(ctx context.Context, l *live, turn *minwon.BotTurn, h *minwon.BotHandoff) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.State != minwon.ContactBot || c.contacts[l.ID] != l {
		return nil // the citizen left meanwhile
	}
	now := c.cfg.Now()
	if err := c.engine.Enqueue(acd.Contact{ID: l.ID, QueueID: l.QueueID, Channel: l.Channel, Priority: l.Priority, Since: now}); err != nil {
		return err
	}
	var evs []*minwon.Event
	if turn != nil {
		l.bot.applyTurn(turn)
		evs = append(evs, c.contactEvent(minwon.EventBotTurn, l, now, turn))
	}
	l.State, l.bot.handoff = minwon.ContactWaiting, h
	evs = append(evs,
		c.contactEvent(minwon.EventBotHandoff, l, now, h),
		c.contactEvent(minwon.EventContactQueued, l, now, minwon.ContactQueued{Reason: "bot"}))
	evs = append(evs, c.route(now)...)
	return c.commit(ctx, evs)
}

// endBot closes a contact the citizen left while the bot was answering: the
// bot served it if its last word was an answer. Callers hold c.mu.
func (c *Center) endBot(ctx context.Context, l *live, now time.Time) error {
	resolved := l.bot.answered
	l.EndedAt = &now
	if resolved {
		l.State, l.Resolution, l.ClosedAt = minwon.ContactClosed, minwon.ResolvedBot, &now
	} else {
		l.State = minwon.ContactAbandoned
	}
	delete(c.contacts, l.ID)
	return c.commit(ctx, []*minwon.Event{c.contactEvent(minwon.EventBotClosed, l, now, minwon.BotClosed{Resolved: resolved})})
}

// BotPrompt returns the bot's last turn of a contact still with the bot, so
// a citizen's page that reconnects shows its buttons again.
func (c *Center) BotPrompt(contactID string) (*minwon.BotTurn, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil || l.State != minwon.ContactBot || l.bot.turn == nil {
		return nil, false
	}
	t := *l.bot.turn
	t.State = nil // the bot's memory is not the citizen's business
	return &t, true
}

// BotHandoffOf returns why the bot handed a contact over and the articles it
// suggested; false when the bot never had it.
func (c *Center) BotHandoffOf(ctx context.Context, contactID string) (*minwon.BotHandoff, bool, error) {
	c.mu.RLock()
	l := c.contacts[contactID]
	var h *minwon.BotHandoff
	if l != nil {
		h = l.bot.handoff
	}
	c.mu.RUnlock()
	if l != nil {
		return h, h != nil, nil
	}
	evs, err := c.store.Events(ctx, minwon.EventFilter{ContactID: contactID, Types: []minwon.EventType{minwon.EventBotHandoff}})
	if err != nil || len(evs) == 0 {
		return nil, false, err
	}
	var p minwon.BotHandoff
	if err := evs[len(evs)-1].Decode(&p); err != nil {
		return nil, false, err
	}
	return &p, true, nil
}

// reloadBot restores the bot's part of the live contacts from their events.
// Callers hold c.mu.
func (c *Center) reloadBot(ctx context.Context) error {
	return c.replayLive(ctx, nil, []minwon.EventType{minwon.EventBotTurn, minwon.EventBotHandoff}, func(l *live, ev *minwon.Event) {
		switch ev.Type {
		case minwon.EventBotTurn:
			var t minwon.BotTurn
			if ev.Decode(&t) == nil {
				l.bot.applyTurn(&t)
			}
		case minwon.EventBotHandoff:
			var h minwon.BotHandoff
			if ev.Decode(&h) == nil {
				l.bot.handoff = &h
			}
		}
	})
}

// replayLive hands each stored event of types that belongs to a live
// contact to apply, with one read from the oldest such contact on; keep,
// when set, says which live contacts to look for. Callers hold c.mu.
func (c *Center) replayLive(ctx context.Context, keep func(*live) bool, types []minwon.EventType, apply func(*live, *minwon.Event)) error {
	var from time.Time
	for _, l := range c.contacts {
		if (keep == nil || keep(l)) && (from.IsZero() || l.CreatedAt.Before(from)) {
			from = l.CreatedAt
		}
	}
	if from.IsZero() {
		return nil
	}
	evs, err := c.store.Events(ctx, minwon.EventFilter{From: from, Types: types})
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if l := c.contacts[ev.ContactID]; l != nil && (keep == nil || keep(l)) {
			apply(l, ev)
		}
	}
	return nil
}

func suggestions(in []bot.Suggestion) []minwon.Suggestion {
	out := make([]minwon.Suggestion, 0, len(in))
	for _, s := range in {
		out = append(out, minwon.Suggestion{ArticleID: s.ArticleID, Title: s.Title, Score: s.Score, Snippet: s.Snippet})
	}
	return out
}

// cloneState deep-copies st (it is plain JSON data) so a turn in progress
// never shares the stored state's slices.
func cloneState(st bot.State) bot.State {
	var out bot.State
	if b, err := json.Marshal(st); err == nil && json.Unmarshal(b, &out) == nil {
		return out
	}
	return st
}
