package center

import (
	"context"
	"slices"
	"time"

	"github.com/minwon/minwon"
)

// AgentStatus is a counselor's live state as the desk and board show it.
type AgentStatus struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	State     minwon.AgentState `json:"state"`
	Reason    string            `json:"reason,omitempty"`
	Since     time.Time         `json:"since"`
	Connected bool              `json:"connected"`
	Contacts  int               `json:"contacts"`
	Skills    []string          `json:"skills"`
	ACWUntil  *time.Time        `json:"acw_until,omitempty"`
}

func (c *Center) status(id string, a *agent) AgentStatus {
	s := AgentStatus{ID: id, Name: a.user.Name, State: a.state, Reason: a.reason, Since: a.since,
		Connected: a.conns > 0, Contacts: len(a.contacts), Skills: a.user.Skills}
	if !a.acwUntil.IsZero() {
		t := a.acwUntil
		s.ACWUntil = &t
	}
	return s
}

// Agent returns one counselor's status.
func (c *Center) Agent(id string) (AgentStatus, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a := c.agents[id]
	if a == nil {
		return AgentStatus{}, false
	}
	return c.status(id, a), true
}

// Agents returns every counselor's status, by name.
func (c *Center) Agents() []AgentStatus {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]AgentStatus, 0, len(c.agents))
	for id, a := range c.agents {
		out = append(out, c.status(id, a))
	}
	slices.SortFunc(out, func(x, y AgentStatus) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		if x.ID < y.ID {
			return -1
		}
		return 1
	})
	return out
}

// setState changes an agent's state in memory and returns the event. Callers
// hold c.mu and commit the event.
func (c *Center) setState(id string, a *agent, s minwon.AgentState, reason string, now time.Time) []*minwon.Event {
	if a.state == s && a.reason == reason {
		return nil
	}
	prev := a.state
	a.state, a.reason, a.since = s, reason, now
	if s != minwon.AgentACW {
		a.acwUntil = time.Time{}
	}
	c.engine.SetReady(id, s == minwon.AgentAvailable || s == minwon.AgentBusy, now)
	ev := minwon.NewEvent(minwon.EventAgentState, now, minwon.AgentStateChanged{State: s, Reason: reason, Prev: prev})
	ev.TenantID, ev.AgentID = a.user.TenantID, id
	return []*minwon.Event{ev}
}

// SetState is the counselor's own state choice: available, break (with a
// reason), away or offline. Busy and after-contact work are set by the center.
func (c *Center) SetState(ctx context.Context, userID string, s minwon.AgentState, reason string) (AgentStatus, error) {
	switch s {
	case minwon.AgentAvailable, minwon.AgentAway, minwon.AgentOffline:
		reason = ""
	case minwon.AgentBreak:
		if !slices.Contains(minwon.BreakReasons, reason) {
			return AgentStatus{}, minwon.Errorf(minwon.EINVALID, "unknown break reason %q", reason)
		}
	default:
		return AgentStatus{}, minwon.Errorf(minwon.EINVALID, "a counselor can't choose state %q", s)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.agents[userID]
	if a == nil {
		return AgentStatus{}, minwon.Errorf(minwon.EFORBIDDEN, "only counselors have a state")
	}
	now := c.cfg.Now()
	if s == minwon.AgentAvailable && len(a.contacts) > 0 {
		s = minwon.AgentBusy
	}
	if s == minwon.AgentOffline && len(a.contacts) > 0 {
		return AgentStatus{}, minwon.Errorf(minwon.ECONFLICT, "finish your %d open conversations before logging off", len(a.contacts))
	}
	evs := c.setState(userID, a, s, reason, now)
	// Going unavailable withdraws an offer in flight at once, so the citizen
	// does not wait for the offer to time out.
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return AgentStatus{}, err
	}
	return c.status(userID, a), nil
}

// Connect records a desktop connection of a counselor; presence follows it.
func (c *Center) Connect(ctx context.Context, userID string) error {
	return c.presence(ctx, userID, +1)
}

// Disconnect records that a desktop connection closed.
func (c *Center) Disconnect(ctx context.Context, userID string) error {
	return c.presence(ctx, userID, -1)
}

func (c *Center) presence(ctx context.Context, userID string, delta int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.agents[userID]
	if a == nil {
		return nil // supervisors without a counselor role, officers
	}
	was := a.conns > 0
	a.conns += delta
	if a.conns < 0 {
		a.conns = 0
	}
	now := c.cfg.Now()
	if is := a.conns > 0; is != was {
		c.engine.SetConnected(userID, is, now)
		ev := minwon.NewEvent(minwon.EventAgentPresence, now, minwon.AgentPresence{Connected: is})
		ev.TenantID, ev.AgentID = a.user.TenantID, userID
		evs := append([]*minwon.Event{ev}, c.route(now)...)
		return c.commit(ctx, evs)
	}
	return nil
}
