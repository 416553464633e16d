package center

import (
	"context"
	"time"

	"github.com/minwon/minwon"
)

// A caller who would wait long may ask to be called back (ivr.ActCallback):
// the contact stays in its queue as it was, but no phone line is held, so
// the caller hanging up no longer abandons it. When it reaches the front a
// counselor accepts it like any call and finds a callback task on the desk:
// the number to dial, and buttons to report it done or failed. Where an
// outbound dialer is configured (SetCallbackDialer) the center also places
// the call itself.

// MaxCallbackAfter bounds a tenant's callback threshold: beyond two hours
// nobody holds, so such a threshold is surely a typo.
const MaxCallbackAfter = 120

// CallbackDialer places the outbound call of a callback from the counselor's
// phone to number, showing the center's number (the outbound-call feature).
type CallbackDialer interface {
	DialCallback(ctx context.Context, agentID, contactID, number string) error
}

// SetCallbackDialer sets who places callbacks' outbound calls; without one
// the counselor dials and reports the outcome.
func (c *Center) SetCallbackDialer(d CallbackDialer) {
	c.mu.Lock()
	c.dialer = d
	c.mu.Unlock()
}

// callbackNumber checks a number to call back: a caller ID reduced to its
// digits, of a length real Korean and international numbers have.
func callbackNumber(s string) (string, error) {
	n := DialledNumber(s)
	if len(n) < 3 || len(n) > 16 || n[0] == '+' {
		return "", minwon.FieldErrorf("number", "%q is not a number that can be called back", s)
	}
	return n, nil
}

// waitingVoice returns a live voice contact still in its queue. Callers
// hold c.mu.
func (c *Center) waitingVoice(contactID string) (*live, error) {
	l := c.contacts[contactID]
	if l == nil || l.Channel != minwon.ChannelVoice {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such call")
	}
	if l.State != minwon.ContactWaiting && l.State != minwon.ContactRinging {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the call is no longer queued")
	}
	return l, nil
}

// CallbackOffered records that a queued caller heard the callback offer.
func (c *Center) CallbackOffered(ctx context.Context, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.waitingVoice(contactID)
	if err != nil {
		return err
	}
	return c.commit(ctx, []*minwon.Event{c.contactEvent(minwon.EventCallbackOffered, l, c.cfg.Now(), nil)})
}

// RequestCallback keeps a queued call's place as a callback to number: the
// caller may hang up without abandoning it. A call already offered to a
// counselor keeps its offer; the counselor then sees a callback.
func (c *Center) RequestCallback(ctx context.Context, contactID, number string) error {
	n, err := callbackNumber(number)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.waitingVoice(contactID)
	if err != nil {
		return err
	}
	if l.callback != nil {
		return minwon.Errorf(minwon.ECONFLICT, "a callback is already booked")
	}
	now := c.cfg.Now()
	ev := c.contactEvent(minwon.EventCallbackRequested, l, now, minwon.CallbackRequested{Number: n})
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return err
	}
	l.callback = &minwon.Callback{Number: n, RequestedAt: ev.At, Status: minwon.CallbackWaiting}
	return nil
}

// Callback returns the callback task of a live contact, nil when its caller
// is on the line.
func (c *Center) Callback(contactID string) *minwon.Callback {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.contacts[contactID]; l != nil && l.callback != nil {
		cb := *l.callback
		return &cb
	}
	return nil
}

// FinishCallback is the counselor's report on a callback they accepted:
// reached (ok) or not, with notes. The contact then ends and goes to
// wrap-up like a call the counselor hung up.
func (c *Center) FinishCallback(ctx context.Context, userID, contactID string, ok bool, notes string) (*minwon.Contact, error) {
	if err := minwon.ValidateText(notes, 2000); err != nil {
		return nil, minwon.FieldErrorf("notes", "%s", minwon.ErrorMessage(err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if l.callback == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "this contact is not a callback")
	}
	if l.callback.Status != minwon.CallbackWaiting {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the callback was already reported %s", l.callback.Status)
	}
	if l.State != minwon.ContactActive {
		return nil, minwon.Errorf(minwon.ECONFLICT, "accept the callback before reporting it")
	}
	typ, status, reason := minwon.EventCallbackCompleted, minwon.CallbackCompleted, "callback completed"
	if !ok {
		typ, status, reason = minwon.EventCallbackFailed, minwon.CallbackFailed, "callback failed"
	}
	ev := c.contactEvent(typ, l, c.cfg.Now(), minwon.CallbackOutcome{Notes: notes})
	ev.AgentID, ev.ActorID = userID, userID
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	l.callback.Status, l.callback.Notes = status, notes
	if err := c.end(ctx, l, minwon.FromAgent, reason); err != nil {
		return nil, err
	}
	ct := l.Contact
	return &ct, nil
}

// dialCallback hands an accepted callback to the dialer, if there is one,
// off the lock: placing a call takes seconds. A dialer that fails leaves the
// task to the counselor. Callers hold c.mu.
func (c *Center) dialCallback(l *live) {
	if l.callback == nil || c.dialer == nil {
		return
	}
	d, agent, id, number := c.dialer, l.AgentID, l.ID, l.callback.Number
	l.callback.Dialled = true
	c.background.Add(1)
	go func() {
		defer c.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := d.DialCallback(ctx, agent, id, number); err != nil {
			c.log.Warn("dial callback", "contact", id, "agent", agent, "err", err)
			c.mu.Lock()
			if l := c.contacts[id]; l != nil && l.callback != nil {
				l.callback.Dialled = false
			}
			c.mu.Unlock()
		}
	}()
}

// reloadCallbacks finds the callback tasks of the live contacts in their
// events. Callers hold c.mu.
func (c *Center) reloadCallbacks(ctx context.Context) error {
	voice := func(l *live) bool { return l.Channel == minwon.ChannelVoice }
	types := []minwon.EventType{minwon.EventCallbackRequested, minwon.EventCallbackCompleted, minwon.EventCallbackFailed}
	return c.replayLive(ctx, voice, types, func(l *live, ev *minwon.Event) {
		switch ev.Type {
		case minwon.EventCallbackRequested:
			var p minwon.CallbackRequested
			if ev.Decode(&p) == nil {
				l.callback = &minwon.Callback{Number: p.Number, RequestedAt: ev.At, Status: minwon.CallbackWaiting}
			}
		default:
			var p minwon.CallbackOutcome
			if l.callback != nil && ev.Decode(&p) == nil {
				l.callback.Status, l.callback.Notes = minwon.CallbackFailed, p.Notes
				if ev.Type == minwon.EventCallbackCompleted {
					l.callback.Status = minwon.CallbackCompleted
				}
			}
		}
	})
}
