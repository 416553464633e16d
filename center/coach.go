package center

import (
	"context"
	"time"

	"github.com/minwon/minwon"
)

// coach is the supervisor on a live call, at most one at a time: two
// supervisors mixed into one counselor's ear would talk over each other.
type coach struct {
	userID string
	mode   minwon.CoachMode
}

// Coach starts a supervisor's coaching of a live call, or switches its
// mode. The phone channel acts on the stored event: it rings the
// supervisor's phone and mixes their audio in (sip/coach.go). Only a
// supervisor of the call's tenant (or of its city) may; another tenant's
// call is not found rather than forbidden.
func (c *Center) Coach(ctx context.Context, userID, contactID string, mode minwon.CoachMode) error {
	if !mode.Valid() {
		return minwon.Errorf(minwon.EINVALID, "coaching mode %q: want listen, whisper or barge", mode)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.coachable(userID, contactID)
	if err != nil {
		return err
	}
	if l.State != minwon.ContactActive {
		return minwon.Errorf(minwon.ECONFLICT, "the call is not in conversation")
	}
	typ := minwon.EventCoachStarted
	switch {
	case l.coach == nil:
	case l.coach.userID != userID:
		return minwon.Errorf(minwon.ECONFLICT, "another supervisor is already on this call")
	case l.coach.mode == mode:
		return nil
	default:
		typ = minwon.EventCoachMode
	}
	l.coach = &coach{userID: userID, mode: mode}
	ev := c.contactEvent(typ, l, c.cfg.Now(), minwon.Coaching{Mode: mode})
	ev.ActorID = userID
	return c.commit(ctx, []*minwon.Event{ev})
}

// EndCoach ends a supervisor's coaching of a call: they left, or the
// phone channel reports their leg gone (reason as in minwon.CoachEnded).
func (c *Center) EndCoach(ctx context.Context, userID, contactID, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.coachable(userID, contactID)
	if err != nil {
		return err
	}
	if l.coach == nil || l.coach.userID != userID {
		return minwon.Errorf(minwon.ENOTFOUND, "you are not on this call")
	}
	evs := c.endCoaching(l, c.cfg.Now(), reason)
	return c.commit(ctx, evs)
}

// Coaching returns who coaches a live contact and how; ok false when
// nobody does.
func (c *Center) Coaching(contactID string) (userID string, mode minwon.CoachMode, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil || l.coach == nil {
		return "", "", false
	}
	return l.coach.userID, l.coach.mode, true
}

// coachable returns the live call userID may coach. Callers hold c.mu.
func (c *Center) coachable(userID, contactID string) (*live, error) {
	u, _, err := c.tenantStaff(userID, "")
	if err != nil {
		return nil, err
	}
	if !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only supervisors coach calls")
	}
	l := c.contacts[contactID]
	if l == nil || !supervises(u, c.tenants[l.TenantID]) {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such live call")
	}
	if l.Channel != minwon.ChannelVoice {
		return nil, minwon.Errorf(minwon.EINVALID, "only calls are coached by voice; a chat is whispered to in writing")
	}
	return l, nil
}

// endCoaching clears a contact's coach and returns the coach.ended that
// says so; none when nobody coaches. Callers hold c.mu.
func (c *Center) endCoaching(l *live, now time.Time, reason string) []*minwon.Event {
	if l.coach == nil {
		return nil
	}
	ev := c.contactEvent(minwon.EventCoachEnded, l, now, minwon.CoachEnded{Reason: reason})
	ev.ActorID = l.coach.userID
	l.coach = nil
	return []*minwon.Event{ev}
}
