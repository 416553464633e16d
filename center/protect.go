package center

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
	"github.com/minwon/minwon/guard/policy"
)

// ReasonProtective is the break reason of a counselor's protective break
// (보호 휴식) after an incident.
const ReasonProtective = "protective"

// protection holds the counselor-protection engine's projections, rebuilt
// from stored events at reload and updated under c.mu as events commit.
type protection struct {
	classifier policy.Classifier
	engines    map[string]*policy.Engine // per tenant
	reg        *policy.Register
	counselors *policy.Counselors
	incidents  *policy.Incidents
	reports    map[string]*policy.Report  // per tenant
	contacts   map[string]*policy.Contact // contacts not yet closed
	masked     map[string]maskedMsg       // message ID → what staff see
	// seen holds the IDs of the protection events applied (they are few), so
	// a citizen message's events applied after a reload that already read
	// them from the store do not count twice.
	seen map[string]bool
}

type maskedMsg struct{ text, incident string }

// protectionEvents are the event types the projections read.
var protectionEvents = []minwon.EventType{
	minwon.EventContactCreated, minwon.EventContactAnswered, minwon.EventCallConnected, minwon.EventContactTransfered,
	minwon.EventContactEnded, minwon.EventContactWrapped,
	minwon.EventIncidentOpened, minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded,
	minwon.EventIncidentAction, minwon.EventIncidentReviewed, minwon.EventStrikeRecorded,
	minwon.EventCallerFlagged, minwon.EventCaseOpened, minwon.EventSanction, minwon.EventProtectiveBreak,
}

// protectionHistory is how far back the register is rebuilt: the longest
// strike window of the default policy and a day to spare.
const protectionHistory = 366 * 24 * time.Hour

// SetClassifier sets the abuse classifier of the protection engine; nil
// turns protection off. Without a call, guard.Default is used. Call before
// Start.
func (c *Center) SetClassifier(cl policy.Classifier) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.classifier, c.classifierSet = cl, true
}

// reloadProtection rebuilds the projections. Callers hold c.mu, after the
// live contacts are loaded.
func (c *Center) reloadProtection(ctx context.Context, now time.Time) error {
	cl := c.classifier
	if !c.classifierSet {
		g, err := guard.Default()
		if err != nil {
			c.log.Error("counselor protection is off: no classifier", "err", err)
			c.prot = nil
			return nil
		}
		cl = g
	}
	if cl == nil {
		c.prot = nil
		return nil
	}
	p := &protection{classifier: cl, engines: map[string]*policy.Engine{}, reg: policy.NewRegister(),
		counselors: policy.NewCounselors(), incidents: policy.NewIncidents(), reports: map[string]*policy.Report{},
		contacts: map[string]*policy.Contact{}, masked: map[string]maskedMsg{}, seen: map[string]bool{}}
	evs, err := c.store.Events(ctx, minwon.EventFilter{From: now.Add(-c.historyWindow()), Types: protectionEvents})
	if err != nil {
		return fmt.Errorf("load protection events: %w", err)
	}
	// Citizen lines count only for the drunk-long detector of contacts still
	// being handled, so two days of messages are enough.
	msgs, err := c.store.Events(ctx, minwon.EventFilter{From: now.Add(-48 * time.Hour), Types: []minwon.EventType{minwon.EventMessageSent}})
	if err != nil {
		return fmt.Errorf("load messages for protection: %w", err)
	}
	evs = append(evs, msgs...)
	slices.SortStableFunc(evs, func(a, b *minwon.Event) int { return a.At.Compare(b.At) })
	c.prot = p
	p.apply(c, evs...)
	for id := range p.contacts {
		if c.contacts[id] == nil {
			delete(p.contacts, id)
		}
	}
	return nil
}

// engine returns the tenant's policy engine (center/policy.go: its own
// policy, its parent's or the defaults). Without a dedicated queue in the
// policy, it is the tenant's queue for abusive callers.
func (p *protection) engine(c *Center, tenantID string) *policy.Engine {
	if e := p.engines[tenantID]; e != nil {
		return e
	}
	cfg := c.policyConfig(tenantID)
	if t := c.tenants[tenantID]; t != nil && cfg.DedicatedQueue == "" {
		var ids []string
		for id, q := range c.queues {
			if (q.TenantID == t.ID || q.TenantID == t.ParentID) && slices.Contains(q.Skills, minwon.SkillAbuse) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if len(ids) > 0 {
			cfg.DedicatedQueue = ids[0]
		}
	}
	e, err := policy.New(cfg, p.classifier, c.cfg.Now)
	if err != nil {
		c.log.Error("protection policy", "tenant", tenantID, "err", err)
		return nil
	}
	p.engines[tenantID] = e
	return e
}

// apply feeds events to every projection. Callers hold c.mu.
func (p *protection) apply(c *Center, evs ...*minwon.Event) {
	for _, ev := range evs {
		if protectionOwn(ev.Type) {
			if p.seen[ev.ID] {
				continue
			}
			p.seen[ev.ID] = true
		}
		rep := p.reports[ev.TenantID]
		if rep == nil {
			rep = policy.NewReport(policy.KST)
			p.reports[ev.TenantID] = rep
		}
		for _, err := range []error{p.reg.Apply(ev), p.counselors.Apply(ev), p.incidents.Apply(ev), rep.Apply(ev)} {
			if err != nil {
				c.log.Warn("protection projection", "event", ev.Type, "err", err)
			}
		}
		if ev.Type == minwon.EventContactCreated {
			p.contacts[ev.ContactID] = &policy.Contact{}
		}
		if pc := p.contacts[ev.ContactID]; pc != nil {
			if err := pc.Apply(ev); err != nil {
				c.log.Warn("protection contact", "event", ev.Type, "err", err)
			}
		}
		switch ev.Type {
		case minwon.EventIncidentItem:
			var it minwon.IncidentItem
			if ev.Decode(&it) == nil && it.MessageID != "" && it.Masked != "" {
				p.masked[it.MessageID] = maskedMsg{text: it.Masked, incident: it.IncidentID}
			}
		case minwon.EventBotClosed:
			delete(p.contacts, ev.ContactID)
		case minwon.EventContactEnded:
			if c.contacts[ev.ContactID] == nil { // abandoned: no wrap-up follows
				delete(p.contacts, ev.ContactID)
			}
		}
	}
}

// protectionOwn reports whether t is one of the engine's own event types.
func protectionOwn(t minwon.EventType) bool {
	switch t {
	case minwon.EventIncidentOpened, minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded,
		minwon.EventIncidentAction, minwon.EventIncidentReviewed, minwon.EventStrikeRecorded,
		minwon.EventCallerFlagged, minwon.EventCaseOpened, minwon.EventSanction, minwon.EventProtectiveBreak:
		return true
	}
	return false
}

// checkCitizen runs the engine on a citizen's message before anyone sees it.
// Callers hold c.mu. A nil decision means protection is off for the contact.
// rec is where in the call recording a transcript line was said.
func (c *Center) checkCitizen(ct *minwon.Contact, m *minwon.Message, rec *minwon.RecordingRef) (*policy.Decision, error) {
	if c.prot == nil {
		return nil, nil
	}
	pc := c.prot.contacts[ct.ID]
	e := c.prot.engine(c, ct.TenantID)
	if pc == nil || e == nil {
		return nil, nil
	}
	kind := minwon.ItemMessage
	if ct.Channel == minwon.ChannelVoice {
		kind = minwon.ItemSegment // a call's lines are the recognizer's transcript
	}
	d, err := e.Check(pc, c.prot.reg, policy.Input{Kind: kind, MessageID: m.ID, Text: m.Text, Recording: rec})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// protectiveBreaks puts the counselors of agent.protective events on their
// protective break, so the router offers them nothing. Callers hold c.mu.
func (c *Center) protectiveBreaks(evs []*minwon.Event, now time.Time) []*minwon.Event {
	var out []*minwon.Event
	for _, ev := range evs {
		if ev.Type != minwon.EventProtectiveBreak {
			continue
		}
		if a := c.agents[ev.AgentID]; a != nil && a.state != minwon.AgentOffline {
			out = append(out, c.setState(ev.AgentID, a, minwon.AgentBreak, ReasonProtective, now)...)
		}
	}
	return out
}

// endProtectiveBreaks returns counselors whose protective break ran out to
// work. Callers hold c.mu.
func (c *Center) endProtectiveBreaks(now time.Time) []*minwon.Event {
	if c.prot == nil {
		return nil
	}
	var evs []*minwon.Event
	for id, a := range c.agents {
		if a.state != minwon.AgentBreak || a.reason != ReasonProtective {
			continue
		}
		// Only the engine's break ends by itself: a counselor who picked
		// "protective" on their own keeps it until they change it.
		pb, ok := c.prot.counselors.Last(id)
		if !ok || now.Before(pb.Until) || !a.since.Before(pb.Until) {
			continue
		}
		s := minwon.AgentAvailable
		if len(a.contacts) > 0 {
			s = minwon.AgentBusy
		}
		evs = append(evs, c.setState(id, a, s, "", now)...)
	}
	return evs
}

// afterWrap runs the history detectors once the wrap-up is stored and
// gives the protective break an incident that did not end the contact
// earned. Callers hold c.mu.
func (c *Center) afterWrap(ctx context.Context, ct *minwon.Contact, now time.Time) error {
	if c.prot == nil {
		return nil
	}
	pc := c.prot.contacts[ct.ID]
	e := c.prot.engine(c, ct.TenantID)
	delete(c.prot.contacts, ct.ID)
	if pc == nil || e == nil {
		return nil
	}
	d := e.AfterContact(pc, c.prot.reg)
	evs := append(d.Events, c.protectiveBreaks(d.Events, now)...)
	evs = append(evs, c.route(now)...)
	return c.commit(ctx, evs)
}

// routeFlagged sends a flagged caller's new contact to the dedicated queue
// and keeps the banner for the desk. Callers hold c.mu.
func (c *Center) routeFlagged(l *live, setQueue bool) {
	if c.prot == nil || l.CitizenID == "" {
		return
	}
	e := c.prot.engine(c, l.TenantID)
	if e == nil {
		return
	}
	rt := e.Route(c.prot.reg, l.CitizenID)
	if rt.Flag == nil {
		return
	}
	l.banner = rt.Banner
	if q := c.queues[rt.Queue]; q != nil && setQueue {
		l.QueueID = q.ID
	}
}

// Banner returns the flagged-caller banner of a live contact, "" when the
// caller is not flagged.
func (c *Center) Banner(contactID string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if l := c.contacts[contactID]; l != nil {
		return l.banner
	}
	return ""
}

// ForStaff returns the message as counselors and supervisors see it: the
// masked text when the protection engine flagged it, with Masked and
// IncidentID set so the desk offers a reveal. The stored original is kept.
func (c *Center) ForStaff(m *minwon.Message) *minwon.Message {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.forStaff(m)
}

// IsMasked reports whether the message with id is shown masked to staff,
// so frames for lines that are not can be shared without decoding.
func (c *Center) IsMasked(id string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.prot == nil {
		return false
	}
	_, ok := c.prot.masked[id]
	return ok
}

func (c *Center) forStaff(m *minwon.Message) *minwon.Message {
	if c.prot == nil {
		return m
	}
	mm, ok := c.prot.masked[m.ID]
	if !ok {
		return m
	}
	cp := *m
	cp.Text, cp.Masked, cp.IncidentID = mm.text, true, mm.incident
	return &cp
}

// Reveal shows a counselor or supervisor the original of a masked message;
// the reveal is stored as an audited incident action before it is returned.
func (c *Center) Reveal(ctx context.Context, userID, messageID string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.users[userID]
	if c.prot == nil || u == nil {
		return "", minwon.Errorf(minwon.ENOTFOUND, "no masked message %q", messageID)
	}
	mm, ok := c.prot.masked[messageID]
	if !ok {
		return "", minwon.Errorf(minwon.ENOTFOUND, "no masked message %q", messageID)
	}
	inc := c.prot.incidents.Incident(mm.incident)
	if inc == nil {
		return "", minwon.Errorf(minwon.ENOTFOUND, "no incident %q", mm.incident)
	}
	e := c.prot.engine(c, inc.TenantID)
	if e == nil {
		return "", minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
	}
	ev, err := e.Reveal(inc, u, messageID)
	if err != nil {
		return "", err
	}
	var text string
	for _, it := range inc.Items {
		if it.MessageID == messageID {
			text = it.Text
		}
	}
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return "", err
	}
	return text, nil
}

// carryOut acts on a warning or an end: the script goes to the citizen as a
// system message; an end closes the conversation (reason protection) and
// puts the counselor on the protective break the engine gave.
func (c *Center) carryOut(ctx context.Context, contactID string, d *policy.Decision) error {
	if d.Script != "" {
		if _, err := c.send(ctx, contactID, minwon.FromSystem, "", "", d.Script, func(*minwon.Contact) error { return nil }); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Verdict == policy.End {
		if l := c.contacts[contactID]; l != nil && l.State != minwon.ContactWrapUp {
			if err := c.end(ctx, l, minwon.FromSystem, ReasonProtection); err != nil {
				return err
			}
		}
	}
	now := c.cfg.Now()
	evs := c.protectiveBreaks(d.Events, now)
	evs = append(evs, c.route(now)...)
	return c.commit(ctx, evs)
}

// ReasonProtection is the contact.ended reason when the protection engine
// ended a contact.
const ReasonProtection = "protection"

// protectionFor returns userID and the engine of their tenant. Callers hold c.mu.
func (c *Center) protectionFor(userID string) (*minwon.User, *policy.Engine, error) {
	u := c.users[userID]
	if u == nil || u.Disabled {
		return nil, nil, minwon.Errorf(minwon.EFORBIDDEN, "not allowed")
	}
	if c.prot == nil {
		return nil, nil, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
	}
	e := c.prot.engine(c, u.TenantID)
	if e == nil {
		return nil, nil, minwon.Errorf(minwon.EUNAVAILABLE, "counselor protection is off")
	}
	return u, e, nil
}

func copyIncident(inc *minwon.Incident) *minwon.Incident {
	cp := *inc
	cp.Items = slices.Clone(inc.Items)
	cp.Warnings = slices.Clone(inc.Warnings)
	cp.Actions = slices.Clone(inc.Actions)
	return &cp
}

// tenantIncident finds an incident of u's tenant; another tenant's is not
// found, rather than forbidden, so its existence is not given away.
// Callers hold c.mu.
func (c *Center) tenantIncident(u *minwon.User, id string) (*minwon.Incident, error) {
	inc := c.prot.incidents.Incident(id)
	if inc == nil || inc.TenantID != u.TenantID {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "incident not found")
	}
	return inc, nil
}

// Incident returns one incident to the counselor on it or a supervisor of
// its tenant, read from the store's read model where there is one (it keeps
// incidents older than the projection's year); supervisors also get the
// caller's case, sanctions and flag.
func (c *Center) Incident(ctx context.Context, userID, id string) (*IncidentDetail, error) {
	c.mu.Lock()
	u, _, err := c.protectionFor(userID)
	var inc *minwon.Incident
	if err == nil {
		if inc, err = c.tenantIncident(u, id); err == nil {
			inc = copyIncident(inc)
		}
	}
	is, fromStore := c.store.(minwon.IncidentStore)
	c.mu.Unlock()
	if err != nil && !(fromStore && minwon.ErrorCode(err) == minwon.ENOTFOUND) {
		return nil, err
	}
	if fromStore {
		stored, serr := is.Incident(ctx, id)
		if serr != nil {
			return nil, serr
		}
		if stored.TenantID != u.TenantID {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "incident not found")
		}
		inc = stored
	}
	if inc.AgentID != u.ID && !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only the counselor on the incident or a supervisor may")
	}
	d := &IncidentDetail{Incident: inc, Status: inc.Status()}
	if u.HasRole(minwon.RoleSupervisor) {
		c.mu.RLock()
		if c.prot != nil {
			c.callerRecord(d)
		}
		c.mu.RUnlock()
	}
	return d, nil
}

// ReviewIncident records a supervisor's finding: confirmed, or dismissed as
// a false alarm, which voids its strikes.
func (c *Center) ReviewIncident(ctx context.Context, userID, id string, v minwon.ReviewVerdict, reason string) (*minwon.Incident, error) {
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
	ev, err := e.Review(inc, u, v, reason)
	if err != nil {
		return nil, err
	}
	return c.commitIncident(ctx, ev, id)
}

// commitIncident stores ev, an event of incident id, and returns the incident
// as it reads after the event. Callers hold c.mu.
func (c *Center) commitIncident(ctx context.Context, ev *minwon.Event, id string) (*minwon.Incident, error) {
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	inc := c.prot.incidents.Incident(id)
	if inc == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "incident not found")
	}
	return copyIncident(inc), nil
}

// Sanction records a supervisor's sanction on a caller; its stored event,
// with the supervisor as actor and the reason, is the audit entry.
func (c *Center) Sanction(ctx context.Context, userID string, req policy.SanctionRequest) (*minwon.Sanction, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, e, err := c.protectionFor(userID)
	if err != nil {
		return nil, err
	}
	ev, err := e.Sanction(c.prot.reg, u, req)
	if err != nil {
		return nil, err
	}
	var s minwon.Sanction
	if err := ev.Decode(&s); err != nil {
		return nil, err
	}
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return &s, nil
}

// ExportIncident stores the export as an audited action, then writes the
// evidence bundle (a ZIP) of the incident to w.
func (c *Center) ExportIncident(ctx context.Context, userID, id string, w io.Writer) error {
	c.mu.Lock()
	u, e, err := c.protectionFor(userID)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	inc, err := c.tenantIncident(u, id)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	ev, err := e.Exported(inc, u)
	if err == nil {
		err = c.commit(ctx, []*minwon.Event{ev})
	}
	var b policy.Bundle
	if err == nil {
		b.Incident = copyIncident(c.prot.incidents.Incident(id))
		// A case the incident is in goes along, with every incident of it.
		if b.Case = c.caseFor(id); b.Case != nil {
			b.CaseIncidents = map[string]*minwon.Incident{}
			for _, cid := range b.Case.Case.IncidentIDs {
				if ci := c.prot.incidents.Incident(cid); ci != nil {
					b.CaseIncidents[cid] = copyIncident(ci)
				}
			}
		}
		b.Names = map[string]string{}
		for uid, usr := range c.users {
			if usr.TenantID == u.TenantID {
				b.Names[uid] = usr.Name
			}
		}
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	msgs, err := c.store.Messages(ctx, inc.ContactID, 0)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.From != minwon.FromWhisper {
			b.Transcript = append(b.Transcript, m)
		}
	}
	closeRec, err := c.bundleRecordings(ctx, inc, &b)
	if err != nil {
		return err
	}
	defer closeRec()
	return e.WriteBundle(w, b)
}

// IncidentReport is the counselor-protection report of a tenant: incidents
// by type per period, and each counselor's exposure.
type IncidentReport struct {
	Periods  []policy.PeriodRow `json:"periods"`
	Exposure []policy.Exposure  `json:"exposure"`
}

// IncidentReport returns the supervisor's tenant's incident report for [from, to).
func (c *Center) IncidentReport(userID string, from, to time.Time, p policy.Period) (*IncidentReport, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	u, _, err := c.protectionFor(userID)
	if err != nil {
		return nil, err
	}
	if !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only supervisors read the report")
	}
	rep := c.prot.reports[u.TenantID]
	if rep == nil {
		rep = policy.NewReport(policy.KST)
	}
	rows, err := rep.ByPeriod(from, to, p)
	if err != nil {
		return nil, err
	}
	out := &IncidentReport{Periods: rows, Exposure: rep.Exposure(from, to)}
	if out.Exposure == nil {
		out.Exposure = []policy.Exposure{}
	}
	return out, nil
}
