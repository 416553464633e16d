package policy

import (
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// SanctionRequest is a supervisor's decision about a caller.
type SanctionRequest struct {
	CallerID string
	Kind     minwon.SanctionKind
	CaseID   string    // the case to file or close, for legal and close
	Reason   string    // required; it is the audit entry's reason
	Until    time.Time // end of a restriction; zero means 30 days
}

// Sanction checks and records a supervisor's sanction. It needs the
// supervisor role, a reason, and a caller the actor's tenant knows; the
// returned event, with ActorID set, is the audit entry.
func (e *Engine) Sanction(reg *Register, actor *minwon.User, req SanctionRequest) (*minwon.Event, error) {
	reason, err := supervisorCheck(actor, req.Reason)
	if err != nil {
		return nil, err
	}
	c := reg.Caller(req.CallerID)
	if c == nil || c.TenantID != actor.TenantID {
		// Another tenant's caller is not found, not forbidden: the register
		// does not say who exists elsewhere.
		return nil, minwon.Errorf(minwon.ENOTFOUND, "caller not found")
	}
	now := e.now()
	s := &minwon.Sanction{ID: minwon.NewID(), TenantID: c.TenantID, CallerID: c.ID, Kind: req.Kind,
		Reason: reason, ActorID: actor.ID, At: now}
	switch req.Kind {
	case minwon.SanctionLegal, minwon.SanctionClose:
		lc := reg.Case(req.CaseID)
		if lc == nil || lc.CallerID != c.ID {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "case not found")
		}
		if lc.State != minwon.CaseOpen {
			return nil, minwon.Errorf(minwon.ECONFLICT, "the case is already %s", lc.State)
		}
		s.CaseID = lc.ID
	case minwon.SanctionRestrict:
		s.Until = req.Until
		if s.Until.IsZero() {
			s.Until = now.Add(30 * day)
		}
		if !s.Until.After(now) {
			return nil, minwon.Errorf(minwon.EINVALID, "a restriction must end in the future")
		}
	case minwon.SanctionLift:
		if reg.Flag(c.ID, now) == nil {
			return nil, minwon.Errorf(minwon.ECONFLICT, "the caller has no active flag")
		}
	default:
		return nil, minwon.Errorf(minwon.EINVALID, "unknown sanction %q", req.Kind)
	}
	ev := minwon.NewEvent(minwon.EventSanction, now, s)
	ev.TenantID, ev.ActorID = c.TenantID, actor.ID
	return ev, nil
}

// Review records a supervisor's finding on an incident: confirmed, or
// dismissed as a false alarm, which voids its strikes and drops it from
// reports. It needs the supervisor role and a reason.
func (e *Engine) Review(inc *minwon.Incident, actor *minwon.User, v minwon.ReviewVerdict, reason string) (*minwon.Event, error) {
	reason, err := supervisorCheck(actor, reason)
	if err != nil {
		return nil, err
	}
	if inc == nil || inc.TenantID != actor.TenantID {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "incident not found")
	}
	if v != minwon.ReviewConfirmed && v != minwon.ReviewDismissed {
		return nil, minwon.Errorf(minwon.EINVALID, "unknown verdict %q", v)
	}
	if inc.Review != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the incident was already %s", inc.Review.Verdict)
	}
	return e.incidentEvent(inc, minwon.EventIncidentReviewed, actor.ID,
		&minwon.IncidentReview{IncidentID: inc.ID, Verdict: v, ActorID: actor.ID, Reason: reason, At: e.now()}), nil
}

// Reveal logs that actor showed the original of a masked message. The
// counselor on the incident and supervisors of its tenant may.
func (e *Engine) Reveal(inc *minwon.Incident, actor *minwon.User, messageID string) (*minwon.Event, error) {
	if err := incidentReader(inc, actor); err != nil {
		return nil, err
	}
	found := false
	for _, it := range inc.Items {
		found = found || (messageID != "" && it.MessageID == messageID && it.Masked != "")
	}
	if !found {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no masked message %q in the incident", messageID)
	}
	return e.incidentEvent(inc, minwon.EventIncidentAction, actor.ID,
		&minwon.IncidentAction{IncidentID: inc.ID, Kind: minwon.ActionReveal, ActorID: actor.ID, MessageID: messageID, At: e.now()}), nil
}

// Note adds a counselor's or supervisor's note to an incident.
func (e *Engine) Note(inc *minwon.Incident, actor *minwon.User, text string) (*minwon.Event, error) {
	if err := incidentReader(inc, actor); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "the note is empty")
	}
	if err := minwon.ValidateText(text, maxReason); err != nil {
		return nil, err
	}
	return e.incidentEvent(inc, minwon.EventIncidentAction, actor.ID,
		&minwon.IncidentAction{IncidentID: inc.ID, Kind: minwon.ActionNote, ActorID: actor.ID, Note: text, At: e.now()}), nil
}

// Exported logs that a supervisor downloaded the incident's evidence
// bundle; the center stores it before sending the bundle.
func (e *Engine) Exported(inc *minwon.Incident, actor *minwon.User) (*minwon.Event, error) {
	if _, err := supervisorCheck(actor, "export"); err != nil {
		return nil, err
	}
	if inc == nil || inc.TenantID != actor.TenantID {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "incident not found")
	}
	return e.incidentEvent(inc, minwon.EventIncidentAction, actor.ID,
		&minwon.IncidentAction{IncidentID: inc.ID, Kind: minwon.ActionExport, ActorID: actor.ID, At: e.now()}), nil
}

func (e *Engine) incidentEvent(inc *minwon.Incident, typ minwon.EventType, actor string, data any) *minwon.Event {
	ev := minwon.NewEvent(typ, e.now(), data)
	ev.TenantID, ev.ContactID, ev.AgentID, ev.ActorID = inc.TenantID, inc.ContactID, inc.AgentID, actor
	return ev
}

// supervisorCheck checks the actor may sanction and returns the trimmed reason.
func supervisorCheck(actor *minwon.User, reason string) (string, error) {
	if actor == nil || actor.Disabled || !actor.HasRole(minwon.RoleSupervisor) {
		return "", minwon.Errorf(minwon.EFORBIDDEN, "this needs the supervisor role")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", minwon.Errorf(minwon.EINVALID, "a reason is required")
	}
	if err := minwon.ValidateText(reason, maxReason); err != nil {
		return "", err
	}
	return reason, nil
}

func incidentReader(inc *minwon.Incident, actor *minwon.User) error {
	if actor == nil || actor.Disabled {
		return minwon.Errorf(minwon.EFORBIDDEN, "not allowed")
	}
	if inc == nil || inc.TenantID != actor.TenantID {
		return minwon.Errorf(minwon.ENOTFOUND, "incident not found")
	}
	if actor.ID != inc.AgentID && !actor.HasRole(minwon.RoleSupervisor) {
		return minwon.Errorf(minwon.EFORBIDDEN, "only the counselor on the incident or a supervisor may")
	}
	return nil
}
