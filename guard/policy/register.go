package policy

import (
	"slices"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/korean"
)

// Register is the caller register: per caller, the strikes, flags, legal
// cases, sanctions and recent contacts, rebuilt by applying stored events
// (contact.*, message.sent, caller.*, case.opened, incident.opened and
// incident.reviewed). Callers are known only by their CitizenID, a salted
// hash (minwon.CallerHash). It is not safe for concurrent use.
type Register struct {
	callers  map[string]*Caller
	contacts map[string]*ContactSummary // by contact ID, while the caller keeps it
	lines    map[string]map[uint64]bool // hashes of the folded citizen lines of open contacts
	fold     korean.Text                // scratch for lineKey; Apply is never run concurrently
	cases    map[string]*minwon.LegalCase
	strikeBy map[string]string // incident ID → caller ID, to void strikes on dismissal
}

// Caller is one caller's record.
type Caller struct {
	ID        string
	TenantID  string
	Strikes   []minwon.Strike
	Flags     []minwon.CallerFlag
	Cases     []*minwon.LegalCase
	Sanctions []minwon.Sanction
	Contacts  []*ContactSummary // oldest first
	// Detected holds the incidents the history detectors raised.
	Detected []Detection
}

// Detection is one history detector's finding.
type Detection struct {
	Type      minwon.IncidentType
	ContactID string
	At        time.Time
}

// ContactSummary is what the detectors need of a past contact.
type ContactSummary struct {
	ID         string
	Channel    minwon.Channel
	CreatedAt  time.Time
	AnsweredAt time.Time // zero when never answered
	EndedAt    time.Time // zero while live
	Category   string    // the wrap-up category
	Lines      int       // citizen lines: messages or transcript segments
	Repeats    int       // lines that repeat an earlier line of the contact

	callerID string
}

// Talk is how long the citizen was connected to a counselor.
func (s *ContactSummary) Talk() time.Duration {
	if s.AnsweredAt.IsZero() || s.EndedAt.IsZero() {
		return 0
	}
	return s.EndedAt.Sub(s.AnsweredAt)
}

// NewRegister returns an empty register.
func NewRegister() *Register {
	return &Register{callers: map[string]*Caller{}, contacts: map[string]*ContactSummary{},
		lines: map[string]map[uint64]bool{}, cases: map[string]*minwon.LegalCase{}, strikeBy: map[string]string{}}
}

// Caller returns the record of caller id, or nil when the register has
// nothing on it.
func (r *Register) Caller(id string) *Caller { return r.callers[id] }

func (r *Register) caller(id, tenant string) *Caller {
	c := r.callers[id]
	if c == nil {
		c = &Caller{ID: id, TenantID: tenant}
		r.callers[id] = c
	}
	return c
}

// Apply updates the register with events; unrelated events are ignored.
func (r *Register) Apply(evs ...*minwon.Event) error {
	for _, ev := range evs {
		if err := r.apply(ev); err != nil {
			return err
		}
	}
	return nil
}

func (r *Register) apply(ev *minwon.Event) error {
	switch ev.Type {
	case minwon.EventContactCreated:
		var ct minwon.Contact
		if err := ev.Decode(&ct); err != nil {
			return err
		}
		if ct.CitizenID == "" {
			return nil
		}
		s := &ContactSummary{ID: ct.ID, Channel: ct.Channel, CreatedAt: ct.CreatedAt, callerID: ct.CitizenID}
		if s.CreatedAt.IsZero() {
			s.CreatedAt = ev.At
		}
		c := r.caller(ct.CitizenID, ct.TenantID)
		c.Contacts = append(c.Contacts, s)
		r.contacts[ct.ID] = s
	case minwon.EventContactAnswered, minwon.EventCallConnected: // an outbound call has no answer
		if s := r.contacts[ev.ContactID]; s != nil && s.AnsweredAt.IsZero() {
			s.AnsweredAt = ev.At
		}
	case minwon.EventMessageSent:
		var m minwon.Message
		if err := ev.Decode(&m); err != nil {
			return err
		}
		s := r.contacts[m.ContactID]
		if s == nil || m.From != minwon.FromCitizen || !s.EndedAt.IsZero() {
			return nil
		}
		seen := r.lines[m.ContactID]
		if seen == nil {
			seen = map[uint64]bool{}
			r.lines[m.ContactID] = seen
		}
		k, ok := lineKey(&r.fold, m.Text)
		if !ok {
			return nil
		}
		s.Lines++
		if seen[k] {
			s.Repeats++
		}
		seen[k] = true
	case minwon.EventContactEnded:
		if s := r.contacts[ev.ContactID]; s != nil {
			s.EndedAt = ev.At
			delete(r.lines, ev.ContactID) // the counts are all the detectors keep
		}
	case minwon.EventContactWrapped:
		var w minwon.ContactWrapped
		if err := ev.Decode(&w); err != nil {
			return err
		}
		if s := r.contacts[ev.ContactID]; s != nil {
			s.Category = w.Category
		}
	case minwon.EventStrikeRecorded:
		var s minwon.Strike
		if err := ev.Decode(&s); err != nil {
			return err
		}
		c := r.caller(s.CallerID, ev.TenantID)
		c.Strikes = append(c.Strikes, s)
		r.strikeBy[s.IncidentID] = s.CallerID
	case minwon.EventIncidentReviewed:
		var rv minwon.IncidentReview
		if err := ev.Decode(&rv); err != nil {
			return err
		}
		if rv.Verdict != minwon.ReviewDismissed {
			return nil
		}
		// A dismissed incident was a false alarm: its strikes no longer count.
		if c := r.callers[r.strikeBy[rv.IncidentID]]; c != nil {
			kept := c.Strikes[:0]
			for _, s := range c.Strikes {
				if s.IncidentID != rv.IncidentID {
					kept = append(kept, s)
				}
			}
			c.Strikes = kept
		}
	case minwon.EventIncidentOpened:
		var inc minwon.Incident
		if err := ev.Decode(&inc); err != nil {
			return err
		}
		if inc.Source == minwon.SourceHistory && inc.CallerID != "" {
			c := r.caller(inc.CallerID, inc.TenantID)
			c.Detected = append(c.Detected, Detection{Type: inc.Type, ContactID: inc.ContactID, At: inc.OpenedAt})
		}
	case minwon.EventIncidentItem:
		var it minwon.IncidentItem
		if err := ev.Decode(&it); err != nil {
			return err
		}
		// A detector's finding on a contact that already had an incident.
		if it.Kind == minwon.ItemHistory {
			if s := r.contacts[ev.ContactID]; s != nil {
				c := r.callers[s.callerID]
				c.Detected = append(c.Detected, Detection{Type: it.Type, ContactID: s.ID, At: it.At})
			}
		}
	case minwon.EventCallerFlagged:
		var f minwon.CallerFlag
		if err := ev.Decode(&f); err != nil {
			return err
		}
		c := r.caller(f.CallerID, f.TenantID)
		c.Flags = append(c.Flags, f)
	case minwon.EventCaseOpened:
		var lc minwon.LegalCase
		if err := ev.Decode(&lc); err != nil {
			return err
		}
		c := r.caller(lc.CallerID, lc.TenantID)
		c.Cases = append(c.Cases, &lc)
		r.cases[lc.ID] = &lc
	case minwon.EventSanction:
		var s minwon.Sanction
		if err := ev.Decode(&s); err != nil {
			return err
		}
		c := r.caller(s.CallerID, s.TenantID)
		c.Sanctions = append(c.Sanctions, s)
		switch s.Kind {
		case minwon.SanctionLegal, minwon.SanctionClose:
			if lc := r.cases[s.CaseID]; lc != nil {
				lc.State = minwon.CaseFiled
				if s.Kind == minwon.SanctionClose {
					lc.State = minwon.CaseClosed
				}
			}
		case minwon.SanctionRestrict:
			c.Flags = append(c.Flags, minwon.CallerFlag{CallerID: s.CallerID, TenantID: s.TenantID,
				Type: minwon.IncidentAggressive, Reason: s.Reason, Since: s.At, Until: s.Until})
		case minwon.SanctionLift:
			for i := range c.Flags {
				if c.Flags[i].Active(s.At) {
					c.Flags[i].Until = s.At
				}
			}
		}
	}
	return nil
}

// Case returns the legal case with id, or nil.
func (r *Register) Case(id string) *minwon.LegalCase { return r.cases[id] }

// Strikes returns caller id's strikes of type t after since.
func (r *Register) Strikes(id string, t minwon.IncidentType, since time.Time) []minwon.Strike {
	c := r.callers[id]
	if c == nil {
		return nil
	}
	var out []minwon.Strike
	for _, s := range c.Strikes {
		if s.Type == t && s.At.After(since) {
			out = append(out, s)
		}
	}
	return out
}

// Flag returns the most severe flag on caller id active at t, or nil.
func (r *Register) Flag(id string, t time.Time) *minwon.CallerFlag {
	c := r.callers[id]
	if c == nil {
		return nil
	}
	var best *minwon.CallerFlag
	for i := range c.Flags {
		f := &c.Flags[i]
		if f.Active(t) && (best == nil || f.Type.Severity() > best.Type.Severity() ||
			(f.Type == best.Type && f.Until.After(best.Until))) {
			best = f
		}
	}
	return best
}

// Forget drops what the detectors and strike windows no longer look at:
// contact summaries begun, strikes given and flags expired before t. Cases
// and sanctions stay, being the register's record.
func (r *Register) Forget(before time.Time) {
	for _, c := range r.callers {
		i := 0
		for i < len(c.Contacts) && c.Contacts[i].CreatedAt.Before(before) && !c.Contacts[i].EndedAt.IsZero() {
			delete(r.contacts, c.Contacts[i].ID)
			i++
		}
		c.Contacts = c.Contacts[i:]
		c.Strikes = keep(c.Strikes, func(s minwon.Strike) bool { return !s.At.Before(before) })
		c.Flags = keep(c.Flags, func(f minwon.CallerFlag) bool { return !f.Until.Before(before) })
		c.Detected = keep(c.Detected, func(d Detection) bool { return !d.At.Before(before) })
	}
}

func keep[T any](xs []T, ok func(T) bool) []T {
	out := xs[:0]
	for _, x := range xs {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}

// strike records a strike of type t for the contact's caller, and the legal
// case and flag it brings when the caller's strikes within the window reach
// the rule's limits.
func (e *Engine) strike(reg *Register, c *Contact, incidentID string, t minwon.IncidentType, at time.Time) []*minwon.Event {
	rule := e.cfg.Types[t]
	if c.CallerID == "" || (rule.StrikeLimit == 0 && rule.FlagAt == 0) {
		return nil
	}
	s := minwon.Strike{CallerID: c.CallerID, Type: t, IncidentID: incidentID, ContactID: c.ID, At: at}
	evs := []*minwon.Event{e.event(c, minwon.EventStrikeRecorded, "", &s)}
	active := append(reg.Strikes(c.CallerID, t, at.Add(-rule.StrikeWindow)), s)
	if rule.StrikeLimit > 0 && len(active) >= rule.StrikeLimit && !reg.openCase(c.CallerID, t) {
		lc := &minwon.LegalCase{ID: minwon.NewID(), TenantID: c.TenantID, CallerID: c.CallerID, Type: t,
			State: minwon.CaseOpen, OpenedAt: at}
		for _, s := range active {
			lc.IncidentIDs = append(lc.IncidentIDs, s.IncidentID)
		}
		evs = append(evs, e.event(c, minwon.EventCaseOpened, "", lc))
	}
	if rule.FlagAt > 0 && len(active) >= rule.FlagAt {
		evs = append(evs, e.event(c, minwon.EventCallerFlagged, "", &minwon.CallerFlag{CallerID: c.CallerID,
			TenantID: c.TenantID, Type: t, Reason: rule.Banner, Since: at, Until: at.Add(rule.FlagFor)}))
	}
	return evs
}

// openCase reports whether caller id has an open case of type t.
func (r *Register) openCase(id string, t minwon.IncidentType) bool {
	if c := r.callers[id]; c != nil {
		for _, lc := range c.Cases {
			if lc.Type == t && lc.State == minwon.CaseOpen {
				return true
			}
		}
	}
	return false
}

// Routing is where a new contact from a caller goes.
type Routing struct {
	// Flag is the caller's active flag; nil routes the contact as usual.
	Flag *minwon.CallerFlag
	// Queue is the dedicated team's queue, when the tenant has one.
	Queue string
	// Skill is required of the agent when there is no dedicated queue.
	Skill string
	// Banner is shown to the counselor who takes the contact.
	Banner string
}

// Route says where caller id's new contact goes at the engine's now.
func (e *Engine) Route(reg *Register, callerID string) Routing {
	f := reg.Flag(callerID, e.now())
	if f == nil {
		return Routing{}
	}
	rt := Routing{Flag: f, Queue: e.cfg.DedicatedQueue, Banner: f.Reason}
	if rt.Queue == "" {
		rt.Skill = minwon.SkillAbuse
	}
	if rt.Banner == "" {
		rt.Banner = e.cfg.Types[f.Type].Banner
	}
	return rt
}

// CaseOf returns the latest legal case that holds incident id, or nil. A
// strike can count toward a second case once the first is closed, so the
// newest one is the case the incident now belongs to.
func (r *Register) CaseOf(incidentID string) *minwon.LegalCase {
	var best *minwon.LegalCase
	for _, lc := range r.cases {
		if !slices.Contains(lc.IncidentIDs, incidentID) {
			continue
		}
		if best == nil || lc.OpenedAt.After(best.OpenedAt) || (lc.OpenedAt.Equal(best.OpenedAt) && lc.ID > best.ID) {
			best = lc
		}
	}
	return best
}

// CaseRecord is what the register holds on one legal case: the case with
// its current state, the strikes of its incidents still on record, and the
// supervisors' decisions on it, oldest first.
type CaseRecord struct {
	Case      minwon.LegalCase
	Strikes   []minwon.Strike
	Sanctions []minwon.Sanction
}

// CaseRecord returns the record of case id, or nil when there is none.
func (r *Register) CaseRecord(id string) *CaseRecord {
	lc := r.cases[id]
	if lc == nil {
		return nil
	}
	rec := &CaseRecord{Case: *lc}
	rec.Case.IncidentIDs = slices.Clone(lc.IncidentIDs)
	if c := r.callers[lc.CallerID]; c != nil {
		for _, s := range c.Strikes {
			if slices.Contains(lc.IncidentIDs, s.IncidentID) {
				rec.Strikes = append(rec.Strikes, s)
			}
		}
		for _, s := range c.Sanctions {
			if s.CaseID == id {
				rec.Sanctions = append(rec.Sanctions, s)
			}
		}
	}
	return rec
}
