package center

import (
	"context"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// Calling out. A counselor, or a department official from the browser,
// calls a citizen through the center's trunk: the citizen sees the
// center's number, never a personal phone. The call is a voice contact of
// the caller's tenant, answered by the one who placed it from the start.

// OutboundLimit is how many calls one person may place in OutboundWindow:
// enough for a callback list, too few to turn a desk into a dialler.
const (
	OutboundLimit  = 10
	OutboundWindow = 10 * time.Minute
)

// CallNumber validates a number a staff member wants to call and returns
// its digits: a Korean domestic number (0 and 9 to 11 digits: 02-120-1234,
// 031-123-4567, 010-1234-5678, 070-…) or a 15xx/16xx/18xx business number.
// Short service codes (112, 119, 120) are refused: they are not citizens.
func CallNumber(s string) (string, error) {
	if err := minwon.ValidateText(s, 40); err != nil {
		return "", err
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '-' || r == ' ' || r == '.' || r == '+' || r == '(' || r == ')') {
			return "", minwon.Errorf(minwon.EINVALID, "a phone number has digits and dashes only")
		}
	}
	d := DialledNumber(s)
	switch {
	case strings.HasPrefix(d, "+"):
		return "", minwon.Errorf(minwon.EINVALID, "only Korean numbers can be called")
	case strings.HasPrefix(d, "00"):
		return "", minwon.Errorf(minwon.EINVALID, "only Korean numbers can be called")
	case strings.HasPrefix(d, "0") && len(d) >= 9 && len(d) <= 11:
		return d, nil
	case len(d) == 8 && (strings.HasPrefix(d, "15") || strings.HasPrefix(d, "16") || strings.HasPrefix(d, "18")):
		return d, nil
	}
	return "", minwon.Errorf(minwon.EINVALID, "%q is not a Korean phone number (e.g. 010-1234-5678, 02-120-1234)", s)
}

// maskNumber keeps what a history needs to tell calls apart, not the number.
func maskNumber(d string) string {
	if len(d) <= 4 {
		return d
	}
	return strings.Repeat("*", len(d)-4) + d[len(d)-4:]
}

// CenterNumber is the number a tenant's outbound calls show: its first
// dialled entry point, or its parent's.
func (c *Center) CenterNumber(tenantID string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for t := c.tenants[tenantID]; t != nil; t = c.tenants[t.ParentID] {
		for _, e := range t.EntryPoints {
			if isNumber(e) {
				return DialledNumber(e), true
			}
		}
		if t.ParentID == "" || t.ParentID == t.ID {
			break
		}
	}
	return "", false
}

// StartOutbound creates the voice contact of a call userID places to
// number and returns it with the number to dial and the caller ID to
// show. Only the number's salted hash and its last four digits are kept.
func (c *Center) StartOutbound(ctx context.Context, userID, number string) (*minwon.Contact, minwon.OutboundCall, error) {
	var call minwon.OutboundCall
	digits, err := CallNumber(number)
	if err != nil {
		return nil, call, err
	}
	u := c.User(userID)
	if u == nil || u.Disabled || !(u.IsAgent() || u.HasRole(minwon.RoleDepartment)) {
		return nil, call, minwon.Errorf(minwon.EFORBIDDEN, "only counselors and department officials call citizens")
	}
	from, ok := c.CenterNumber(u.TenantID)
	if !ok {
		return nil, call, minwon.Errorf(minwon.EINVALID, "your center has no phone number to call from")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil, call, minwon.Errorf(minwon.EUNAVAILABLE, "the center is restarting; please try again in a minute")
	}
	now := c.cfg.Now()
	if c.outbound == nil {
		c.outbound = map[string][]time.Time{}
	}
	recent := c.outbound[userID][:0]
	for _, at := range c.outbound[userID] {
		if now.Sub(at) < OutboundWindow {
			recent = append(recent, at)
		}
	}
	c.outbound[userID] = recent
	if len(recent) >= OutboundLimit {
		return nil, call, minwon.Errorf(minwon.EUNAVAILABLE, "%d calls in %d minutes is the limit; please wait a little", OutboundLimit, int(OutboundWindow/time.Minute))
	}
	a := c.agents[userID]
	if a != nil {
		for id := range a.contacts {
			if o := c.contacts[id]; o != nil && o.Channel == minwon.ChannelVoice && o.State == minwon.ContactActive {
				return nil, call, minwon.Errorf(minwon.ECONFLICT, "finish the call in progress first")
			}
		}
	}
	t := c.tenants[u.TenantID]
	citizen, err := c.citizenIdentity(t, minwon.ChannelVoice, digits)
	if err != nil {
		return nil, call, err
	}
	l := &live{Contact: minwon.Contact{
		ID: minwon.NewID(), TenantID: t.ID, QueueID: t.DefaultQueue, Channel: minwon.ChannelVoice,
		State: minwon.ContactActive, EntryPoint: from, Language: "ko", CitizenID: citizen,
		AgentID: userID, CreatedAt: now, AnsweredAt: &now,
	}, byClient: map[string]*minwon.Message{}, monitors: map[string]bool{}}
	if a != nil {
		c.engine.Assign(userID, l.ID, minwon.ChannelVoice, now)
		a.contacts[l.ID] = true
	} else {
		l.official = true
	}
	c.contacts[l.ID] = l
	c.outbound[userID] = append(recent, now)
	call = minwon.OutboundCall{Number: maskNumber(digits), From: from, UserID: userID}
	out := c.contactEvent(minwon.EventOutboundCall, l, now, call)
	out.ActorID = userID
	evs := []*minwon.Event{c.contactEvent(minwon.EventContactCreated, l, now, l.Contact), out}
	if a != nil && a.state == minwon.AgentAvailable {
		evs = append(evs, c.setState(userID, a, minwon.AgentBusy, "", now)...)
	}
	if err := c.commit(ctx, evs); err != nil {
		return nil, minwon.OutboundCall{}, err
	}
	call.Number = digits
	ct := l.Contact
	return &ct, call, nil
}

// OutboundConnected records that the citizen of an outbound call (or of
// a callback) answered and is bridged to the counselor (call.connected):
// from then on the call is in conversation for the protection engine, the
// 20-minute rule counts from it, and the phone channel's listeners (the
// recognizer, the agitation detector) time what they hear from it, as
// they do from an inbound call's answer.
func (c *Center) OutboundConnected(ctx context.Context, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	switch {
	case l == nil:
		return minwon.Errorf(minwon.ENOTFOUND, "no such live call")
	case l.Channel != minwon.ChannelVoice:
		return minwon.Errorf(minwon.EINVALID, "only calls are connected")
	case l.State != minwon.ContactActive:
		return minwon.Errorf(minwon.ECONFLICT, "the call is not in progress")
	}
	ev := c.contactEvent(minwon.EventCallConnected, l, c.cfg.Now(), nil)
	ev.AgentID = l.AgentID
	return c.commit(ctx, []*minwon.Event{ev})
}

// OutboundEnded ends an outbound call's contact from the phone channel:
// the citizen did not answer, hung up, or the trunk refused the call.
// A callback's contact is left to its counselor's report.
func (c *Center) OutboundEnded(ctx context.Context, contactID, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	if l == nil || l.State != minwon.ContactActive {
		return nil
	}
	if l.callback != nil {
		// A callback's call (DialCallback): reached or not, the counselor
		// reports it on the task, which ends the contact.
		c.log.Info("callback call ended", "contact", contactID, "reason", reason)
		return nil
	}
	return c.end(ctx, l, minwon.FromSystem, reason)
}

// closeOfficialCall closes a department official's call when it ends:
// officials have no desk wrap-up; their matters live in the hand-offs.
// Callers hold c.mu.
func (c *Center) closeOfficialCall(l *live, now time.Time) []*minwon.Event {
	if !l.official {
		return nil
	}
	l.State, l.ClosedAt = minwon.ContactClosed, &now
	l.Category, l.Resolution, l.Summary = "기타", minwon.ResolvedFirstContact, "department official's call"
	delete(c.contacts, l.ID)
	return []*minwon.Event{c.contactEvent(minwon.EventContactWrapped, l, now, minwon.ContactWrapped{Category: l.Category, Resolution: l.Resolution, Summary: l.Summary})}
}
