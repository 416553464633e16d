package center

import (
	"context"
	"slices"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// DeskProtection is what the desk needs for a contact's protection buttons:
// whether warn and end-with-notice may be pressed, from when the time rule
// arms end (EndFrom), and the warnings given so far out of EndAt, the
// offence that ends the contact.
type DeskProtection struct {
	Warn       bool                `json:"warn"`
	End        bool                `json:"end"`
	EndFrom    time.Time           `json:"end_from,omitzero"`
	IncidentID string              `json:"incident_id,omitempty"`
	Type       minwon.IncidentType `json:"type,omitempty"`
	Warnings   int                 `json:"warnings"`
	EndAt      int                 `json:"end_at"`
	// EndAtByType is EndAt for each type the counselor may name: the
	// warnings are pooled, and the type of the next offence decides.
	EndAtByType map[minwon.IncidentType]int `json:"end_at_by_type"`
	Ended       bool                        `json:"ended"`
	// Connected is false while the contact is not in conversation yet (an
	// outbound call still ringing the citizen): the buttons wait for it.
	Connected bool `json:"connected"`
	// Now is the center's clock, so the desk counts down to EndFrom
	// whatever its own clock says.
	Now time.Time `json:"now"`
}

// DeskProtection returns the protection buttons' state of a counselor's
// contact.
func (c *Center) DeskProtection(userID, contactID string) (*DeskProtection, error) {
	c.mu.Lock() // the engine cache may be filled
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	return c.deskProtection(l)
}

// deskProtection reads the engine's availability. Callers hold c.mu.
func (c *Center) deskProtection(l *live) (*DeskProtection, error) {
	if c.prot == nil {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
	}
	e := c.prot.engine(c, l.TenantID)
	pc := c.prot.contacts[l.ID]
	if e == nil || pc == nil {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
	}
	a := e.Actions(pc)
	out := &DeskProtection{Warn: a.Warn, End: a.End, EndFrom: a.EndFrom, Connected: !pc.AnsweredAt.IsZero(), Now: c.cfg.Now()}
	typ := minwon.IncidentAbuse
	if inc := pc.Incident; inc != nil {
		out.IncidentID, out.Type, out.Warnings, out.Ended = inc.ID, inc.Type, len(inc.Warnings), inc.Ended != nil
		if e.Config().Types[inc.Type].EndAt > 0 {
			typ = inc.Type
		}
	}
	out.EndAt = e.Config().Types[typ].EndAt
	out.EndAtByType = map[minwon.IncidentType]int{}
	for _, t := range minwon.IncidentTypes {
		out.EndAtByType[t] = e.Config().Types[t].EndAt
	}
	return out, nil
}

// CounselorWarn gives the citizen the next scripted warning on the
// counselor's press; the warning that reaches the type's limit (the third
// for abuse) ends the contact with the closing notice. note, optional, goes
// on the incident in the counselor's words. t defaults to abuse.
func (c *Center) CounselorWarn(ctx context.Context, userID, contactID string, t minwon.IncidentType, note string) (*DeskProtection, error) {
	return c.counselorAct(ctx, userID, contactID, t, note, (*policy.Engine).Warn)
}

// EndWithNotice ends the contact with the closing notice on the counselor's
// press: after the warnings, at once for sexual harassment, or under the
// 20-minute rule.
func (c *Center) EndWithNotice(ctx context.Context, userID, contactID string, t minwon.IncidentType, note string) (*DeskProtection, error) {
	return c.counselorAct(ctx, userID, contactID, t, note, (*policy.Engine).EndWithNotice)
}

type counselorAction func(*policy.Engine, *policy.Contact, *policy.Register, policy.CounselorWarning) (policy.Decision, error)

func (c *Center) counselorAct(ctx context.Context, userID, contactID string, t minwon.IncidentType, note string, act counselorAction) (*DeskProtection, error) {
	if t == "" {
		t = minwon.IncidentAbuse
	}
	rec := c.pressRef(ctx, contactID)
	c.mu.Lock()
	d, err := func() (policy.Decision, error) {
		l, err := c.ownLive(userID, contactID)
		if err != nil {
			return policy.Decision{}, err
		}
		if l.State != minwon.ContactActive {
			return policy.Decision{}, minwon.Errorf(minwon.ECONFLICT, "the conversation is not active")
		}
		if c.prot == nil {
			return policy.Decision{}, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
		}
		e, pc := c.prot.engine(c, l.TenantID), c.prot.contacts[l.ID]
		if e == nil || pc == nil {
			return policy.Decision{}, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
		}
		d, err := act(e, pc, c.prot.reg, policy.CounselorWarning{AgentID: userID, Type: t, Note: note, Recording: rec})
		if err != nil {
			return policy.Decision{}, err
		}
		// Stored and applied under the lock, so a second press counts from
		// this one.
		return d, c.commit(ctx, d.Events)
	}()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := c.carryOut(ctx, contactID, &d); err != nil {
		return nil, err
	}
	return c.DeskProtection(userID, contactID)
}

// NoteIncident adds a note to an incident — what happened, how the
// counselor feels it should be handled — as an audited action. The counselor
// on the incident and supervisors of its tenant may.
func (c *Center) NoteIncident(ctx context.Context, userID, id, text string) (*minwon.Incident, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e, err := c.protectionFor(userID)
	if err != nil {
		return nil, err
	}
	inc, err := c.tenantIncident(u, id)
	if err != nil {
		return nil, err
	}
	ev, err := e.Note(inc, u, text)
	if err != nil {
		return nil, err
	}
	return c.commitIncident(ctx, ev, id)
}

// IncidentFilter narrows the incident list.
type IncidentFilter struct {
	From, To time.Time           // opened in [From, To); zero is unbounded
	Type     minwon.IncidentType // "" all
	AgentID  string
	Status   minwon.IncidentStatus // "" all
	Limit    int                   // 0: a page of 50
	Offset   int
}

// IncidentPage is one page of the incident list and how many match in all.
type IncidentPage struct {
	Incidents []*minwon.Incident `json:"incidents"`
	Total     int                `json:"total"`
}

// Incidents lists a page of the incidents of a supervisor's tenant, the most
// recent first, from the store's read model; a store without one is served
// from the in-memory projection, which holds the last year.
func (c *Center) Incidents(ctx context.Context, userID string, f IncidentFilter) (*IncidentPage, error) {
	if f.Status != "" && !minwon.ValidIncidentStatus(f.Status) {
		return nil, minwon.Errorf(minwon.EINVALID, "unknown incident status %q", f.Status)
	}
	if f.Type != "" && !minwon.ValidIncidentType(f.Type) {
		return nil, minwon.Errorf(minwon.EINVALID, "unknown incident type %q", f.Type)
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "limit and offset must not be negative")
	}
	c.mu.Lock()
	u, _, err := c.protectionFor(userID)
	if err == nil && !u.HasRole(minwon.RoleSupervisor) {
		err = minwon.Errorf(minwon.EFORBIDDEN, "only supervisors list incidents")
	}
	q := minwon.IncidentQuery{From: f.From, To: f.To, Type: f.Type, AgentID: f.AgentID, Status: f.Status, Limit: f.Limit, Offset: f.Offset}
	if u != nil {
		q.TenantID = u.TenantID
	}
	is, fromStore := c.store.(minwon.IncidentStore)
	var page *IncidentPage
	if err == nil && !fromStore {
		page = c.memoryIncidents(q)
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if page != nil {
		return page, nil
	}
	incs, total, err := is.Incidents(ctx, q)
	if err != nil {
		return nil, err
	}
	return &IncidentPage{Incidents: incs, Total: total}, nil
}

// memoryIncidents filters the projection as the store does. Callers hold c.mu.
func (c *Center) memoryIncidents(q minwon.IncidentQuery) *IncidentPage {
	page := &IncidentPage{Incidents: []*minwon.Incident{}}
	n := q.Limit
	if n == 0 {
		n = 50
	}
	for _, inc := range c.prot.incidents.List(q.TenantID) {
		switch {
		case !q.From.IsZero() && inc.OpenedAt.Before(q.From), !q.To.IsZero() && !inc.OpenedAt.Before(q.To),
			q.Type != "" && inc.Type != q.Type, q.AgentID != "" && inc.AgentID != q.AgentID, q.Status != "" && inc.Status() != q.Status:
			continue
		}
		if page.Total >= q.Offset && len(page.Incidents) < n {
			page.Incidents = append(page.Incidents, copyIncident(inc))
		}
		page.Total++
	}
	return page
}

// IncidentDetail is an incident with what the register holds on its
// caller, for supervisors: the legal case it is in, the caller's sanctions
// and the flag routing them now. The counselor on the incident sees the
// incident alone.
type IncidentDetail struct {
	*minwon.Incident
	Status    minwon.IncidentStatus `json:"status"`
	Case      *minwon.LegalCase     `json:"case,omitempty"`
	Sanctions []minwon.Sanction     `json:"sanctions,omitempty"`
	Flag      *minwon.CallerFlag    `json:"flag,omitempty"`
}

// caseFor returns a copy of the legal case holding incident id. Callers hold c.mu.
func (c *Center) caseFor(id string) *policy.CaseRecord {
	if lc := c.prot.reg.CaseOf(id); lc != nil {
		return c.prot.reg.CaseRecord(lc.ID)
	}
	return nil
}

// callerRecord fills in d from the register. Callers hold c.mu.
func (c *Center) callerRecord(d *IncidentDetail) {
	if rec := c.caseFor(d.ID); rec != nil {
		lc := rec.Case
		d.Case = &lc
	}
	if cl := c.prot.reg.Caller(d.CallerID); cl != nil {
		d.Sanctions = slices.Clone(cl.Sanctions)
	}
	if f := c.prot.reg.Flag(d.CallerID, c.cfg.Now()); f != nil {
		cp := *f
		d.Flag = &cp
	}
}
