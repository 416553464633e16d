package policy

import (
	"sort"
	"time"

	"github.com/minwon/minwon"
)

// protect returns the protective break the counselor on contact c gets
// after an incident of type t, or nil when the type or the tenant gives
// none or the contact has no counselor yet.
func (e *Engine) protect(c *Contact, incidentID string, t minwon.IncidentType, at time.Time) *minwon.Event {
	if e.cfg.ProtectiveBreak <= 0 || !e.cfg.Types[t].Break || c.AgentID == "" || c.BreakGiven {
		return nil
	}
	return e.event(c, minwon.EventProtectiveBreak, "", &minwon.ProtectiveBreak{AgentID: c.AgentID,
		IncidentID: incidentID, Type: t, Since: at, Until: at.Add(e.cfg.ProtectiveBreak)})
}

// Counselors is a projection of protective breaks: whom the router must
// not offer anything to now, and the live alerts on the supervisors' board.
type Counselors struct {
	breaks map[string]minwon.ProtectiveBreak // latest per agent
}

// NewCounselors returns an empty projection.
func NewCounselors() *Counselors { return &Counselors{breaks: map[string]minwon.ProtectiveBreak{}} }

// Apply adds agent.protective events; others are ignored.
func (p *Counselors) Apply(evs ...*minwon.Event) error {
	for _, ev := range evs {
		if ev.Type != minwon.EventProtectiveBreak {
			continue
		}
		var b minwon.ProtectiveBreak
		if err := ev.Decode(&b); err != nil {
			return err
		}
		// Breaks do not shorten each other: a second incident during a
		// break extends it only if it ends later.
		if old, ok := p.breaks[b.AgentID]; ok && old.Until.After(b.Until) {
			continue
		}
		p.breaks[b.AgentID] = b
	}
	return nil
}

// Last returns agent id's latest protective break, running or not.
func (p *Counselors) Last(id string) (minwon.ProtectiveBreak, bool) {
	b, ok := p.breaks[id]
	return b, ok
}

// OnBreak returns agent id's protective break if it is running at t.
func (p *Counselors) OnBreak(id string, t time.Time) (minwon.ProtectiveBreak, bool) {
	b, ok := p.breaks[id]
	if !ok || t.Before(b.Since) || !t.Before(b.Until) {
		return minwon.ProtectiveBreak{}, false
	}
	return b, true
}

// Alerts returns the protective breaks running at t, the most recent first:
// the supervisors' board shows each as a live alert.
func (p *Counselors) Alerts(t time.Time) []minwon.ProtectiveBreak {
	var out []minwon.ProtectiveBreak
	for id := range p.breaks {
		if b, ok := p.OnBreak(id, t); ok {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.After(out[j].Since)
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out
}
