package policy

import (
	"sort"
	"time"

	"github.com/minwon/minwon"
)

// Contact is what the engine knows of one live contact, rebuilt by applying
// the contact's stored events in order: contact.created, contact.answered,
// contact.transferred, contact.ended and the incident events.
type Contact struct {
	ID         string
	TenantID   string
	CallerID   string
	Channel    minwon.Channel
	AgentID    string
	CreatedAt  time.Time
	AnsweredAt time.Time // zero until a counselor answered
	Ended      bool
	// Incident is the contact's incident; nil while nothing happened.
	Incident *minwon.Incident
	// BreakGiven is set once the counselor got a protective break for the
	// incident, so it is given once.
	BreakGiven bool
	// Wrapped is set by contact.wrapped; history detectors run after it.
	Wrapped bool
}

// closed reports whether the contact has ended, or an incident ended it and
// contact.ended is still to come: either way nothing more is decided.
func (c *Contact) closed() bool { return c.Ended || (c.Incident != nil && c.Incident.Ended != nil) }

// NewContact starts the state of contact c, as contact.created does.
func NewContact(c *minwon.Contact) *Contact {
	return &Contact{ID: c.ID, TenantID: c.TenantID, CallerID: c.CitizenID, Channel: c.Channel,
		AgentID: c.AgentID, CreatedAt: c.CreatedAt}
}

// Apply updates the state with events; events of other contacts are ignored.
// A zero Contact takes its identity from the first contact.created it sees,
// so rebuild each contact from its own events (EventFilter.ContactID).
// The engine never changes a Contact itself: the caller stores a decision's
// events and applies them, so live state and rebuilt state cannot differ.
func (c *Contact) Apply(evs ...*minwon.Event) error {
	for _, ev := range evs {
		if ev.ContactID != "" && c.ID != "" && ev.ContactID != c.ID {
			continue
		}
		switch ev.Type {
		case minwon.EventContactCreated:
			var ct minwon.Contact
			if err := ev.Decode(&ct); err != nil {
				return err
			}
			*c = *NewContact(&ct)
		case minwon.EventContactAnswered:
			c.AgentID, c.AnsweredAt = ev.AgentID, ev.At
		case minwon.EventCallConnected:
			// An outbound call (a callback's too) is in conversation once the
			// citizen and the counselor are bridged: the time rule counts
			// from there, as from an inbound call's answer.
			c.AnsweredAt = ev.At
		case minwon.EventContactTransfered:
			var t minwon.ContactTransferred
			if err := ev.Decode(&t); err != nil {
				return err
			}
			// The next counselor answers afresh; warnings stay with the contact.
			if t.ToAgent != "" {
				c.AgentID = t.ToAgent
			}
		case minwon.EventContactEnded:
			c.Ended = true
		case minwon.EventContactWrapped:
			c.Wrapped = true
		case minwon.EventProtectiveBreak:
			c.BreakGiven = true
		case minwon.EventIncidentOpened:
			var inc minwon.Incident
			if err := ev.Decode(&inc); err != nil {
				return err
			}
			c.Incident = &inc
		default:
			if c.Incident != nil {
				if err := applyIncident(c.Incident, ev); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// applyIncident adds one incident event other than incident.opened to inc.
func applyIncident(inc *minwon.Incident, ev *minwon.Event) error {
	switch ev.Type {
	case minwon.EventIncidentItem:
		var it minwon.IncidentItem
		if err := ev.Decode(&it); err != nil {
			return err
		}
		if it.IncidentID == inc.ID {
			inc.Items = append(inc.Items, it)
			raise(inc, it.Type)
		}
	case minwon.EventIncidentWarned:
		var w minwon.IncidentWarned
		if err := ev.Decode(&w); err != nil {
			return err
		}
		if w.IncidentID == inc.ID {
			inc.Warnings = append(inc.Warnings, w)
			raise(inc, w.Type)
		}
	case minwon.EventIncidentEnded:
		var e minwon.IncidentEnded
		if err := ev.Decode(&e); err != nil {
			return err
		}
		if e.IncidentID == inc.ID {
			inc.Ended = &e
			raise(inc, e.Type)
		}
	case minwon.EventIncidentAction:
		var a minwon.IncidentAction
		if err := ev.Decode(&a); err != nil {
			return err
		}
		if a.IncidentID == inc.ID {
			inc.Actions = append(inc.Actions, a)
		}
	case minwon.EventIncidentReviewed:
		var r minwon.IncidentReview
		if err := ev.Decode(&r); err != nil {
			return err
		}
		if r.IncidentID == inc.ID {
			inc.Review = &r
		}
	}
	return nil
}

// raise names the incident after the most severe type seen in it.
func raise(inc *minwon.Incident, t minwon.IncidentType) {
	if t.Severity() > inc.Type.Severity() {
		inc.Type = t
	}
}

// Incidents is a projection of every incident, for the evidence view,
// the bundle and supervisors' reviews.
type Incidents struct {
	byID map[string]*minwon.Incident
}

// NewIncidents returns an empty projection.
func NewIncidents() *Incidents { return &Incidents{byID: map[string]*minwon.Incident{}} }

// Apply adds incident events; others are ignored.
func (p *Incidents) Apply(evs ...*minwon.Event) error {
	for _, ev := range evs {
		if ev.Type == minwon.EventIncidentOpened {
			var inc minwon.Incident
			if err := ev.Decode(&inc); err != nil {
				return err
			}
			p.byID[inc.ID] = &inc
			continue
		}
		id, ok := incidentOf(ev)
		if !ok {
			continue
		}
		if inc := p.byID[id]; inc != nil {
			if err := applyIncident(inc, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// List returns tenant's incidents, the most recent first.
func (p *Incidents) List(tenant string) []*minwon.Incident {
	var out []*minwon.Incident
	for _, inc := range p.byID {
		if inc.TenantID == tenant {
			out = append(out, inc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.After(out[j].OpenedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Incident returns the incident with id, or nil.
func (p *Incidents) Incident(id string) *minwon.Incident { return p.byID[id] }

// incidentOf reads the incident ID of an incident event other than opened.
func incidentOf(ev *minwon.Event) (string, bool) {
	switch ev.Type {
	case minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded,
		minwon.EventIncidentAction, minwon.EventIncidentReviewed:
		var ref struct {
			IncidentID string `json:"incident_id"`
		}
		if ev.Decode(&ref) == nil {
			return ref.IncidentID, true
		}
	}
	return "", false
}
