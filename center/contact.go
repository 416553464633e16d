package center

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/acd"
	"github.com/minwon/minwon/guard/policy"
)

// ChatRequest is what a citizen's chat page sends when it opens.
type ChatRequest struct {
	Entry    string // tenant chat entry point
	Visitor  string // the browser's own random visitor key, for history
	Name     string
	Language string // ISO 639-1; "" means Korean
	// Video asks for a sign-language video contact (video.go): it joins the
	// tenant's sign-language queue and never starts with the bot.
	Video bool
}

// StartChat opens a chat contact and queues it. It returns the contact and
// the token with which the citizen's page resumes it.
func (c *Center) StartChat(ctx context.Context, req ChatRequest) (*minwon.Contact, string, error) {
	if err := minwon.ValidateText(req.Name, 100); err != nil {
		return nil, "", err
	}
	if err := minwon.ValidateText(req.Visitor, 100); err != nil {
		return nil, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.entries[req.Entry]
	if t == nil {
		return nil, "", minwon.Errorf(minwon.ENOTFOUND, "no center answers at %q", req.Entry)
	}
	if c.closing {
		return nil, "", minwon.Errorf(minwon.EUNAVAILABLE, "the center is restarting; please try again in a minute")
	}
	if len(c.contacts) >= c.cfg.MaxLive {
		return nil, "", minwon.Errorf(minwon.EUNAVAILABLE, "the center is busy; please try again shortly")
	}
	lang := req.Language
	if lang == "" {
		lang = "ko"
	}
	ch, q := minwon.ChannelChat, c.queueFor(t, lang)
	if req.Video {
		ch, q = minwon.ChannelVideo, c.queueWithSkill(t, minwon.SkillSign)
	}
	if q == nil {
		return nil, "", minwon.Errorf(minwon.EUNAVAILABLE, "%s has no queue configured for %s", t.Name, ch)
	}
	now := c.cfg.Now()
	visitor := req.Visitor
	if visitor == "" {
		visitor = minwon.NewID()
	}
	citizen, err := c.citizenIdentity(t, minwon.ChannelChat, visitor) // one browser, one citizen, on chat and video
	if err != nil {
		return nil, "", err
	}
	l := &live{Contact: minwon.Contact{
		ID: minwon.NewID(), TenantID: t.ID, QueueID: q.ID, Channel: ch,
		State: minwon.ContactWaiting, EntryPoint: req.Entry, Language: lang,
		CitizenID: citizen, CitizenName: strings.TrimSpace(req.Name),
		CreatedAt: now,
	}, byClient: map[string]*minwon.Message{}, monitors: map[string]bool{}}
	c.routeFlagged(l, true)
	if !req.Video && c.botPhase(t, lang) {
		// The bot answers first; the contact joins the queue when it hands over.
		l.State = minwon.ContactBot
		c.contacts[l.ID] = l
		if err := c.commit(ctx, []*minwon.Event{c.contactEvent(minwon.EventContactCreated, l, now, l.Contact)}); err != nil {
			return nil, "", err
		}
		ct := l.Contact
		return &ct, c.ResumeToken(l.ID), nil
	}
	if err := c.engine.Enqueue(acd.Contact{ID: l.ID, QueueID: l.QueueID, Channel: l.Channel, Priority: l.Priority, Since: now}); err != nil {
		return nil, "", err
	}
	c.contacts[l.ID] = l
	evs := []*minwon.Event{
		c.contactEvent(minwon.EventContactCreated, l, now, l.Contact),
		c.contactEvent(minwon.EventContactQueued, l, now, minwon.ContactQueued{Reason: "new"}),
	}
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return nil, "", err
	}
	ct := l.Contact
	return &ct, c.ResumeToken(l.ID), nil
}

// queueFor picks the tenant's queue for a language: one whose skills name the
// language, else the tenant's default queue, else its parent's.
func (c *Center) queueFor(t *minwon.Tenant, lang string) *minwon.Queue {
	if lang != "ko" {
		for _, q := range c.queues {
			if q.TenantID == t.ID || q.TenantID == t.ParentID {
				for _, s := range q.Skills {
					if s == "lang:"+lang {
						return q
					}
				}
			}
		}
	}
	for t != nil {
		if q := c.queues[t.DefaultQueue]; q != nil {
			return q
		}
		t = c.tenants[t.ParentID]
	}
	return nil
}

// ResumeToken returns the token that lets a citizen's page reattach to a contact.
func (c *Center) ResumeToken(contactID string) string {
	return contactID + "." + c.sign("resume", contactID)[:32]
}

// Resume checks a resume token and returns its contact.
func (c *Center) Resume(ctx context.Context, token string) (*minwon.Contact, error) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(id) > 64 || c.ResumeToken(id) != token {
		_ = sig
		return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "this conversation link is not valid")
	}
	return c.Contact(ctx, id)
}

// Contact returns a contact, live or from the store.
func (c *Center) Contact(ctx context.Context, id string) (*minwon.Contact, error) {
	c.mu.RLock()
	l := c.contacts[id]
	var ct minwon.Contact
	if l != nil {
		ct = l.Contact
	}
	c.mu.RUnlock()
	if l != nil {
		return &ct, nil
	}
	return c.store.Contact(ctx, id)
}

// Messages returns a contact's messages after seq; citizens don't see whispers.
func (c *Center) Messages(ctx context.Context, contactID string, afterSeq int, staff bool) ([]*minwon.Message, error) {
	msgs, err := c.store.Messages(ctx, contactID, afterSeq)
	if err != nil {
		return msgs, err
	}
	if staff {
		c.mu.RLock()
		for i, m := range msgs {
			msgs[i] = c.forStaff(m)
		}
		c.mu.RUnlock()
		return msgs, nil
	}
	out := msgs[:0]
	for _, m := range msgs {
		if m.From != minwon.FromWhisper {
			out = append(out, m)
		}
	}
	return out, nil
}

// send stores one message of a live contact. check runs under the contact's
// message lock with the contact's current state, so a message can't slip in
// after the contact ended.
func (c *Center) send(ctx context.Context, contactID string, from minwon.Sender, authorID, clientID, text string, check func(*minwon.Contact) error) (*minwon.Message, error) {
	m, _, err := c.sendChecked(ctx, contactID, from, authorID, clientID, text, nil, check)
	return m, err
}

// sendChecked is send that also returns the protection engine's decision on
// a citizen's message (nil for others, or with protection off).
// rec, for a call's transcript line, is where in the recording it was said.
func (c *Center) sendChecked(ctx context.Context, contactID string, from minwon.Sender, authorID, clientID, text string, rec *minwon.RecordingRef, check func(*minwon.Contact) error) (*minwon.Message, *policy.Decision, error) {
	if err := minwon.ValidateText(text, minwon.MaxMessageBytes); err != nil {
		return nil, nil, err
	}
	if err := minwon.ValidateText(clientID, 100); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil, minwon.Errorf(minwon.EINVALID, "the message is empty")
	}
	c.mu.RLock()
	l := c.contacts[contactID]
	c.mu.RUnlock()
	if l == nil {
		return nil, nil, minwon.Errorf(minwon.ENOTFOUND, "the conversation has ended")
	}
	l.msgMu.Lock()
	defer l.msgMu.Unlock()
	if m := l.byClient[clientID]; clientID != "" && m != nil {
		return m, nil, nil // a resend after a lost acknowledgement
	}
	c.mu.RLock()
	ct := l.Contact
	c.mu.RUnlock()
	if err := check(&ct); err != nil {
		return nil, nil, err
	}
	now := c.cfg.Now()
	m := &minwon.Message{ID: minwon.NewID(), ContactID: contactID, Seq: l.seq + 1, From: from, AuthorID: authorID, Text: text, ClientID: clientID, At: now}
	ev := minwon.NewEvent(minwon.EventMessageSent, now, m)
	ev.TenantID, ev.ContactID, ev.AgentID, ev.QueueID, ev.ActorID = ct.TenantID, ct.ID, ct.AgentID, ct.QueueID, authorID
	evs := []*minwon.Event{ev}
	var d *policy.Decision
	var wait func() error
	if from == minwon.FromCitizen {
		// The engine decides before anyone sees the message, and its events
		// go in the same Append, so a crash never loses a warning count.
		var err error
		if d, evs, wait, err = c.checkAndSubmit(ctx, &ct, m, rec, evs); err != nil {
			return nil, nil, err
		}
	}
	if wait != nil {
		if err := wait(); err != nil {
			// The projections already count the line: rebuild them from
			// what the store holds, as commit does.
			c.mu.Lock()
			c.recover(ctx)
			c.mu.Unlock()
			return nil, nil, err
		}
	} else {
		if err := c.store.Append(ctx, evs...); err != nil {
			return nil, nil, err
		}
		if from == minwon.FromCitizen {
			c.mu.Lock()
			if c.prot != nil {
				c.prot.apply(c, evs...)
			}
			c.mu.Unlock()
		}
	}
	l.seq = m.Seq
	if clientID != "" {
		l.byClient[clientID] = m
	}
	c.bus.Publish(ctx, evs...)
	return m, d, nil
}

// checkAndSubmit runs the protection engine on a citizen's line and, with a
// Submitter store, queues the line and the engine's events and applies them
// to the protection projections, all under one hold of c.mu: the
// projections see lines in the order the store does, and the lock is not
// taken a second time when the commit returns. Under load that second
// taking was the worst of the chat tail: a group commit woke every sender
// of the batch at once and they queued for the exclusive lock one by one,
// holding up the delivery of everything else. all is the line with the
// engine's events, as stored. wait is nil when the store
// cannot queue; the caller then appends and applies itself.
func (c *Center) checkAndSubmit(ctx context.Context, ct *minwon.Contact, m *minwon.Message, rec *minwon.RecordingRef, evs []*minwon.Event) (d *policy.Decision, all []*minwon.Event, wait func() error, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, err = c.checkCitizen(ct, m, rec); err != nil {
		return nil, nil, nil, err
	}
	all = evs
	if d != nil {
		all = append(evs[:len(evs):len(evs)], d.Events...)
	}
	sub, ok := c.store.(minwon.Submitter)
	if !ok {
		return d, all, nil, nil
	}
	// Once queued the line is written even if the citizen's socket goes
	// away meanwhile: a resend with the same client ID finds it.
	if wait, err = sub.Submit(context.WithoutCancel(ctx), all...); err != nil {
		return nil, nil, nil, err
	}
	if c.prot != nil {
		c.prot.apply(c, all...)
	}
	return d, all, wait, nil
}

// CitizenSend stores a citizen's message; while the bot has the contact, the
// bot's reply is stored before CitizenSend returns.
func (c *Center) CitizenSend(ctx context.Context, contactID, clientID, text string) (*minwon.Message, error) {
	m, d, err := c.sendChecked(ctx, contactID, minwon.FromCitizen, "", clientID, text, nil, func(ct *minwon.Contact) error {
		if ct.State == minwon.ContactWrapUp || ct.State == minwon.ContactClosed || ct.State == minwon.ContactAbandoned {
			return minwon.Errorf(minwon.ECONFLICT, "the conversation has ended")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d != nil && (d.Verdict == policy.Warn || d.Verdict == policy.End) {
		// The scripted warning or closing notice answers, not the bot.
		return m, c.carryOut(ctx, contactID, d)
	}
	if err := c.botReply(ctx, contactID, m); err != nil {
		c.log.Warn("bot reply", "contact", contactID, "err", err)
	}
	return m, nil
}

// AgentSend stores a counselor's reply.
func (c *Center) AgentSend(ctx context.Context, userID, contactID, clientID, text string) (*minwon.Message, error) {
	return c.send(ctx, contactID, minwon.FromAgent, userID, clientID, text, func(ct *minwon.Contact) error {
		if ct.AgentID != userID {
			return minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours")
		}
		if ct.State != minwon.ContactActive {
			return minwon.Errorf(minwon.ECONFLICT, "the conversation is not active")
		}
		return nil
	})
}

// Whisper sends a coaching line that only the counselor and supervisors see.
func (c *Center) Whisper(ctx context.Context, userID, contactID, text string) (*minwon.Message, error) {
	u := c.User(userID)
	if u == nil || !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only supervisors whisper")
	}
	return c.send(ctx, contactID, minwon.FromWhisper, userID, "", text, func(ct *minwon.Contact) error {
		if ct.State != minwon.ContactActive {
			return minwon.Errorf(minwon.ECONFLICT, "the conversation is not active")
		}
		return nil
	})
}

// Typing tells the other side someone is typing. Not stored.
func (c *Center) Typing(ctx context.Context, contactID string, from minwon.Sender, userID string) {
	c.mu.RLock()
	l := c.contacts[contactID]
	var ev *minwon.Event
	if l != nil && l.State == minwon.ContactActive && (from == minwon.FromCitizen || l.AgentID == userID) {
		ev = c.contactEvent(minwon.EventTyping, l, c.cfg.Now(), minwon.Typing{From: from})
	}
	c.mu.RUnlock()
	if ev != nil {
		c.bus.Publish(ctx, ev)
	}
}

// CitizenLeave ends a contact from the citizen's side: abandoned if no
// counselor answered yet, otherwise left to the counselor's wrap-up. A
// contact still with the bot closes as served by it when it had answered.
func (c *Center) CitizenLeave(ctx context.Context, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	if l == nil || l.State == minwon.ContactWrapUp || l.callback != nil {
		return nil // a booked callback holds no line: hanging up leaves it queued
	}
	return c.end(ctx, l, minwon.FromCitizen, "citizen left")
}

// end finishes the conversation part of a contact. Callers hold c.mu.
func (c *Center) end(ctx context.Context, l *live, by minwon.Sender, reason string) error {
	now := c.cfg.Now()
	evs := c.dropTransfer(l, reason, now)
	switch l.State {
	case minwon.ContactBot:
		return c.endBot(ctx, l, now)
	case minwon.ContactWaiting, minwon.ContactRinging:
		if to := c.engine.Cancel(l.ID); to != "" {
			ev := c.contactEvent(minwon.EventOfferExpired, l, now, nil) // clears the offer card at that desk
			ev.AgentID = to
			evs = append(evs, ev)
		}
		l.State, l.offeredTo = minwon.ContactAbandoned, ""
		l.EndedAt = &now
		evs = append(evs, c.contactEvent(minwon.EventContactEnded, l, now, minwon.ContactEnded{By: by, Reason: reason}))
		delete(c.contacts, l.ID)
	case minwon.ContactActive:
		l.State = minwon.ContactWrapUp
		l.EndedAt = &now
		evs = append(evs, c.endCoaching(l, now, "contact_ended")...)
		evs = append(evs, c.endConference(l, now, "contact_ended")...)
		evs = append(evs, c.contactEvent(minwon.EventContactEnded, l, now, minwon.ContactEnded{By: by, Reason: reason}))
		evs = append(evs, c.closeOfficialCall(l, now)...)
	default:
		return minwon.Errorf(minwon.ECONFLICT, "the conversation has already ended")
	}
	evs = append(evs, c.route(now)...)
	return c.commit(ctx, evs)
}

// Rate records the citizen's satisfaction answer, once.
func (c *Center) Rate(ctx context.Context, contactID string, rating int, comment string) error {
	if rating < 1 || rating > 5 {
		return minwon.Errorf(minwon.EINVALID, "rating must be 1 to 5")
	}
	if err := minwon.ValidateText(comment, 1000); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, err := c.contactLocked(ctx, contactID)
	if err != nil {
		return err
	}
	if ct.AnsweredAt == nil || ct.EndedAt == nil {
		return minwon.Errorf(minwon.ECONFLICT, "the conversation has not ended yet")
	}
	if ct.Rating != 0 {
		return minwon.Errorf(minwon.ECONFLICT, "this conversation was already rated")
	}
	if l := c.contacts[contactID]; l != nil {
		l.Rating, l.RatingComment = rating, comment
	}
	ev := minwon.NewEvent(minwon.EventContactRated, c.cfg.Now(), minwon.ContactRated{Rating: rating, Comment: comment})
	ev.TenantID, ev.ContactID, ev.AgentID, ev.QueueID = ct.TenantID, ct.ID, ct.AgentID, ct.QueueID
	return c.commit(ctx, []*minwon.Event{ev})
}

func (c *Center) contactLocked(ctx context.Context, id string) (*minwon.Contact, error) {
	if l := c.contacts[id]; l != nil {
		ct := l.Contact
		return &ct, nil
	}
	return c.store.Contact(ctx, id)
}

// Accept takes an offered contact.
func (c *Center) Accept(ctx context.Context, userID, contactID string) (*minwon.Contact, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	a := c.agents[userID]
	if l == nil || a == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such offer")
	}
	now := c.cfg.Now()
	if err := c.engine.Accept(contactID, userID, now); err != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the offer is no longer yours")
	}
	l.State, l.AgentID, l.offeredTo, l.AnsweredAt = minwon.ContactActive, userID, "", &now
	a.contacts[contactID] = true
	evs := []*minwon.Event{c.contactEvent(minwon.EventContactAnswered, l, now, nil)}
	if a.state == minwon.AgentAvailable {
		evs = append(evs, c.setState(userID, a, minwon.AgentBusy, "", now)...)
	}
	evs[0].ActorID = userID
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	c.dialCallback(l)
	ct := l.Contact
	return &ct, nil
}

// ownLive returns a live contact handled by userID. Callers hold c.mu.
func (c *Center) ownLive(userID, contactID string) (*live, error) {
	l := c.contacts[contactID]
	if l == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such live conversation")
	}
	if l.AgentID != userID {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours")
	}
	return l, nil
}

// SaveMemo keeps the counselor's memo pad for a contact.
func (c *Center) SaveMemo(ctx context.Context, userID, contactID, text string) error {
	if err := minwon.ValidateText(text, 20000); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return err
	}
	l.Memo = text
	ev := c.contactEvent(minwon.EventMemoSaved, l, c.cfg.Now(), minwon.MemoSaved{Text: text})
	ev.ActorID = userID
	return c.commit(ctx, []*minwon.Event{ev})
}

// EndChat ends the conversation from the counselor's side; the citizen is
// asked to rate it and the counselor writes the wrap-up.
func (c *Center) EndChat(ctx context.Context, userID, contactID string) (*minwon.Contact, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if err := c.end(ctx, l, minwon.FromAgent, "counselor ended"); err != nil {
		return nil, err
	}
	ct := l.Contact
	return &ct, nil
}

// WrapUp is the counselor's closing record.
type WrapUp struct {
	Category     string
	Resolution   minwon.Resolution
	DepartmentID string
	Summary      string
}

// Wrap closes a contact with its wrap-up; the counselor then has after-contact
// work time before new offers, unless other contacts are still open.
func (c *Center) Wrap(ctx context.Context, userID, contactID string, w WrapUp) (*minwon.Contact, error) {
	if !validCategory(w.Category) {
		return nil, minwon.Errorf(minwon.EINVALID, "unknown category %q", w.Category)
	}
	if w.Resolution != minwon.ResolvedFirstContact && w.Resolution != minwon.ResolvedHandoff {
		return nil, minwon.Errorf(minwon.EINVALID, "resolution must be resolved or handoff")
	}
	if err := minwon.ValidateText(w.Summary, 10000); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if w.Resolution == minwon.ResolvedHandoff {
		if _, err := c.department(ctx, l.TenantID, w.DepartmentID); err != nil {
			return nil, err
		}
	}
	now := c.cfg.Now()
	var evs []*minwon.Event
	if l.State == minwon.ContactActive {
		l.State, l.EndedAt = minwon.ContactWrapUp, &now
		evs = append(evs, c.endCoaching(l, now, "contact_ended")...)
		evs = append(evs, c.endConference(l, now, "contact_ended")...)
		evs = append(evs, c.contactEvent(minwon.EventContactEnded, l, now, minwon.ContactEnded{By: minwon.FromAgent, Reason: "wrapped"}))
	}
	if l.State != minwon.ContactWrapUp {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the conversation can't be wrapped up now")
	}
	l.State, l.ClosedAt = minwon.ContactClosed, &now
	l.Category, l.Resolution, l.DepartmentID, l.Summary = w.Category, w.Resolution, w.DepartmentID, w.Summary
	ev := c.contactEvent(minwon.EventContactWrapped, l, now, minwon.ContactWrapped{Category: w.Category, Resolution: w.Resolution, DepartmentID: w.DepartmentID, Summary: w.Summary})
	ev.ActorID = userID
	evs = append(evs, ev)
	c.engine.Release(contactID, now)
	delete(c.contacts, contactID)
	a := c.agents[userID]
	if a != nil {
		delete(a.contacts, contactID)
		if len(a.contacts) == 0 && (a.state == minwon.AgentBusy || a.state == minwon.AgentAvailable) {
			if c.cfg.ACW > 0 {
				a.acwUntil = now.Add(c.cfg.ACW)
				evs = append(evs, c.setState(userID, a, minwon.AgentACW, "", now)...)
			} else {
				evs = append(evs, c.setState(userID, a, minwon.AgentAvailable, "", now)...)
			}
		}
	}
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	ct := l.Contact
	if err := c.afterWrap(ctx, &ct, now); err != nil {
		return nil, err
	}
	return &ct, nil
}

func validCategory(s string) bool {
	for _, c := range minwon.Categories {
		if c == s {
			return true
		}
	}
	return false
}

// Transfer moves an active contact to a queue or straight to another
// counselor. The note goes into the transcript as a staff-only line, so the
// next counselor reads it where the conversation is.
func (c *Center) Transfer(ctx context.Context, userID, contactID, toQueue, toAgent, note string) (*minwon.Contact, error) {
	if err := minwon.ValidateText(note, 2000); err != nil {
		return nil, err
	}
	ct, err := c.transfer(ctx, userID, contactID, toQueue, toAgent, note)
	if err != nil || strings.TrimSpace(note) == "" {
		return ct, err
	}
	_, err = c.send(ctx, contactID, minwon.FromWhisper, userID, "", "[전환 메모] "+note, func(*minwon.Contact) error { return nil })
	return ct, err
}

func (c *Center) transfer(ctx context.Context, userID, contactID, toQueue, toAgent, note string) (*minwon.Contact, error) {
	if (toQueue == "") == (toAgent == "") {
		return nil, minwon.Errorf(minwon.EINVALID, "transfer to exactly one queue or one counselor")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if l.State != minwon.ContactActive {
		return nil, minwon.Errorf(minwon.ECONFLICT, "only an active conversation can be transferred")
	}
	if l.transfer != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "a transfer of this call is already under way")
	}
	now := c.cfg.Now()
	evs, err := c.moveLocked(l, userID, toQueue, toAgent, note, now)
	if err != nil {
		return nil, err
	}
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	ct := l.Contact
	return &ct, nil
}

// moveLocked passes an active contact from userID to a queue or a
// counselor and returns the events, without routing. Callers hold c.mu.
func (c *Center) moveLocked(l *live, userID, toQueue, toAgent, note string, now time.Time) ([]*minwon.Event, error) {
	contactID := l.ID
	from := c.agents[userID]
	var evs []*minwon.Event
	switch {
	case toQueue != "":
		if c.queues[toQueue] == nil {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "no such queue")
		}
		if err := c.engine.Transfer(contactID, toQueue, now); err != nil {
			return nil, err
		}
		l.State, l.QueueID, l.AgentID, l.AnsweredAt = minwon.ContactWaiting, toQueue, "", nil
	default:
		to := c.agents[toAgent]
		if to == nil || toAgent == userID {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "no such counselor")
		}
		if to.state == minwon.AgentOffline {
			return nil, minwon.Errorf(minwon.ECONFLICT, "%s is not logged in", to.user.Name)
		}
		c.engine.Release(contactID, now)
		c.engine.Assign(toAgent, contactID, l.Channel, now)
		l.AgentID = toAgent
		to.contacts[contactID] = true
		if to.state == minwon.AgentAvailable {
			evs = append(evs, c.setState(toAgent, to, minwon.AgentBusy, "", now)...)
		}
	}
	if from != nil {
		delete(from.contacts, contactID)
	}
	// The supervisor coached this counselor, and the interpreter was rung
	// for them, not for whoever takes the call next.
	ended := append(c.endCoaching(l, now, "transferred"), c.endConference(l, now, "transferred")...)
	for _, ev := range ended {
		ev.AgentID = userID
	}
	tr := c.contactEvent(minwon.EventContactTransfered, l, now, minwon.ContactTransferred{FromAgent: userID, ToQueue: toQueue, ToAgent: toAgent, Note: note})
	tr.ActorID = userID
	evs = append(append(ended, tr), evs...)
	if toQueue != "" {
		evs = append(evs, c.contactEvent(minwon.EventContactQueued, l, now, minwon.ContactQueued{Reason: "transfer"}))
	}
	if from != nil && len(from.contacts) == 0 && from.state == minwon.AgentBusy {
		evs = append(evs, c.setState(userID, from, minwon.AgentAvailable, "", now)...)
	}
	return evs, nil
}

// Monitor starts or stops a supervisor's read-only view of a live contact.
func (c *Center) Monitor(ctx context.Context, userID, contactID string, on bool) error {
	u := c.User(userID)
	if u == nil || !u.HasRole(minwon.RoleSupervisor) {
		return minwon.Errorf(minwon.EFORBIDDEN, "only supervisors monitor conversations")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	if l == nil {
		return minwon.Errorf(minwon.ENOTFOUND, "no such live conversation")
	}
	if l.monitors[userID] == on {
		return nil
	}
	if on {
		l.monitors[userID] = true
	} else {
		delete(l.monitors, userID)
	}
	ev := c.contactEvent(minwon.EventMonitor, l, c.cfg.Now(), minwon.Monitor{On: on})
	ev.ActorID = userID
	return c.commit(ctx, []*minwon.Event{ev})
}

// Monitoring reports whether userID watches contactID.
func (c *Center) Monitoring(userID, contactID string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	return l != nil && l.monitors[userID]
}

// LiveContacts returns copies of the contacts offered to or handled by userID.
func (c *Center) LiveContacts(userID string) []*minwon.Contact {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*minwon.Contact
	for _, l := range c.contacts {
		if l.AgentID == userID || l.offeredTo == userID {
			ct := l.Contact
			out = append(out, &ct)
		}
	}
	sortContacts(out)
	return out
}

// AllLive returns copies of every contact not yet closed.
func (c *Center) AllLive() []*minwon.Contact {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*minwon.Contact, 0, len(c.contacts))
	for _, l := range c.contacts {
		ct := l.Contact
		out = append(out, &ct)
	}
	sortContacts(out)
	return out
}

// OfferedTo returns the agent a contact is offered to, if any.
func (c *Center) OfferedTo(contactID string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.contacts[contactID]; l != nil {
		return l.offeredTo
	}
	return ""
}

func sortContacts(cs []*minwon.Contact) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].CreatedAt.Before(cs[j].CreatedAt) })
}

// Position returns a waiting contact's place and estimated wait.
func (c *Center) Position(contactID string) (minwon.Position, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	pos, wait, ok := c.engine.Position(contactID, c.cfg.Now())
	return minwon.Position{Position: pos, WaitSecs: int64(wait / time.Second)}, ok
}
