package center

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/recording"
	"golang.org/x/crypto/bcrypt"
)

// User returns a copy of a user, or nil.
func (c *Center) User(id string) *minwon.User {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if u := c.users[id]; u != nil {
		cp := *u
		return &cp
	}
	return nil
}

// UserName returns a user's display name, or "".
func (c *Center) UserName(id string) string {
	if u := c.User(id); u != nil {
		return u.Name
	}
	return ""
}

// TenantByEntry returns the tenant answering at a chat entry point.
func (c *Center) TenantByEntry(entry string) (*minwon.Tenant, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.entries[entry]
	if t == nil {
		return nil, false
	}
	cp := *t
	return &cp, true
}

// Queues returns the configured queues.
func (c *Center) Queues() []*minwon.Queue {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*minwon.Queue, 0, len(c.queues))
	for _, q := range c.queues {
		cp := *q
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *minwon.Queue) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// QueueStat is a queue's live figures.
type QueueStat struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Waiting     int     `json:"waiting"`
	LongestWait float64 `json:"longest_wait_secs"`
	Ready       int     `json:"ready_agents"`
}

// QueueStats returns live figures of every queue.
func (c *Center) QueueStats() []QueueStat {
	c.mu.RLock()
	defer c.mu.RUnlock()
	now := c.cfg.Now()
	out := make([]QueueStat, 0, len(c.queues))
	for _, q := range c.queues {
		w, longest, ready := c.engine.QueueStats(q.ID, now)
		out = append(out, QueueStat{ID: q.ID, Name: q.Name, Waiting: w, LongestWait: longest.Seconds(), Ready: ready})
	}
	slices.SortFunc(out, func(a, b QueueStat) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (c *Center) department(ctx context.Context, tenantID, id string) (*minwon.Department, error) {
	deps, err := c.store.Departments(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, minwon.Errorf(minwon.EINVALID, "no such department %q", id)
}

func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return minwon.Errorf(minwon.EINVALID, "an id is 1 to 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return minwon.Errorf(minwon.EINVALID, "an id uses letters, digits, '-', '_' and '.' only")
		}
	}
	return nil
}

func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return minwon.Errorf(minwon.EINVALID, "a name is required")
	}
	return minwon.ValidateText(name, 200)
}

// SaveTenant creates or updates a tenant.
func (c *Center) SaveTenant(ctx context.Context, actor string, t minwon.Tenant) (*minwon.Tenant, error) {
	if t.ID == "" {
		t.ID = minwon.NewID()
	}
	if err := checkID(t.ID); err != nil {
		return nil, err
	}
	if err := checkName(t.Name); err != nil {
		return nil, err
	}
	switch t.Kind {
	case minwon.TenantCity, minwon.TenantDistrict, minwon.TenantClient:
	case "":
		t.Kind = minwon.TenantCity
	default:
		return nil, minwon.Errorf(minwon.EINVALID, "unknown tenant kind %q", t.Kind)
	}
	for _, e := range t.EntryPoints {
		if err := checkID(e); err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "entry point %q: %s", e, minwon.ErrorMessage(err))
		}
	}
	if t.RecordingDays < 0 || t.RecordingDays > recording.MaxRetentionDays {
		return nil, minwon.Errorf(minwon.EINVALID, "recording retention of %d days; want 0 (the default) to %d", t.RecordingDays, recording.MaxRetentionDays)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range t.EntryPoints {
		if other := c.entries[e]; other != nil && other.ID != t.ID {
			return nil, minwon.Errorf(minwon.ECONFLICT, "entry point %q already belongs to %s", e, other.Name)
		}
	}
	if t.ParentID != "" && c.tenants[t.ParentID] == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "no parent tenant %q", t.ParentID)
	}
	// The salt and the policy are not in tenant.saved: they have events of
	// their own, and a new tenant gets its salt with its creation.
	old := c.tenants[t.ID]
	if old != nil {
		t.CreatedAt, t.Salt, t.Policy = old.CreatedAt, old.Salt, old.Policy
	} else {
		t.CreatedAt, t.Salt = c.cfg.Now(), minwon.NewSalt()
	}
	ev := minwon.NewEvent(minwon.EventTenantSaved, c.cfg.Now(), t)
	ev.TenantID, ev.ActorID = t.ID, actor
	evs := []*minwon.Event{ev}
	if old == nil {
		evs = append(evs, saltEvent(t.ID, actor, c.cfg.Now(), t.Salt))
	}
	c.applyTenant(&t)
	c.policyChanged() // a new parent brings its policy
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	cp := t
	return &cp, nil
}

// SaveDepartment creates or updates a department.
func (c *Center) SaveDepartment(ctx context.Context, actor string, d minwon.Department) (*minwon.Department, error) {
	if d.ID == "" {
		d.ID = minwon.NewID()
	}
	if err := checkID(d.ID); err != nil {
		return nil, err
	}
	if err := checkName(d.Name); err != nil {
		return nil, err
	}
	if err := minwon.ValidateText(d.Phone, 40); err != nil {
		return nil, err
	}
	if err := validSIPURI(d.SIPURI); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants[d.TenantID] == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "no tenant %q", d.TenantID)
	}
	ev := minwon.NewEvent(minwon.EventDepartmentSaved, c.cfg.Now(), d)
	ev.TenantID, ev.ActorID = d.TenantID, actor
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return &d, nil
}

// SaveQueue creates or updates a queue.
func (c *Center) SaveQueue(ctx context.Context, actor string, q minwon.Queue) (*minwon.Queue, error) {
	if q.ID == "" {
		q.ID = minwon.NewID()
	}
	if err := checkID(q.ID); err != nil {
		return nil, err
	}
	if err := checkName(q.Name); err != nil {
		return nil, err
	}
	for _, s := range q.Skills {
		if err := checkSkill(s); err != nil {
			return nil, err
		}
	}
	if q.OfferTimeout < 0 || q.OverflowAfter < 0 || q.ServiceLevel < 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "durations can't be negative")
	}
	if q.ServiceLevel == 0 {
		q.ServiceLevel = 20 * time.Second
	}
	if q.OfferTimeout == 0 {
		q.OfferTimeout = 20 * time.Second
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants[q.TenantID] == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "no tenant %q", q.TenantID)
	}
	if q.OverflowQueue != "" && (c.queues[q.OverflowQueue] == nil || q.OverflowQueue == q.ID) {
		return nil, minwon.Errorf(minwon.EINVALID, "no overflow queue %q", q.OverflowQueue)
	}
	ev := minwon.NewEvent(minwon.EventQueueSaved, c.cfg.Now(), q)
	ev.TenantID, ev.QueueID, ev.ActorID = q.TenantID, q.ID, actor
	c.applyQueue(&q)
	c.policyChanged() // the dedicated queue may be this one
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return &q, nil
}

func checkSkill(s string) error {
	if s == "" || len(s) > 40 || strings.ContainsAny(s, " \t\n\"'<>") {
		return minwon.Errorf(minwon.EINVALID, "bad skill %q", s)
	}
	return minwon.ValidateText(s, 40)
}

// HashPassword hashes a password for storage.
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", minwon.Errorf(minwon.EINVALID, "a password has at least 8 characters")
	}
	if len(pw) > 72 {
		return "", minwon.Errorf(minwon.EINVALID, "a password has at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// SaveUser creates or updates a user; a non-empty password replaces the old one.
func (c *Center) SaveUser(ctx context.Context, actor string, u minwon.User, password string) (*minwon.User, error) {
	if u.ID == "" {
		u.ID = minwon.NewID()
	}
	if err := checkID(u.ID); err != nil {
		return nil, err
	}
	if err := checkID(u.Login); err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "login: %s", minwon.ErrorMessage(err))
	}
	if err := checkName(u.Name); err != nil {
		return nil, err
	}
	if len(u.Roles) == 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "a user needs at least one role")
	}
	for _, r := range u.Roles {
		if !minwon.ValidRole(r) {
			return nil, minwon.Errorf(minwon.EINVALID, "unknown role %q", r)
		}
	}
	for _, s := range u.Skills {
		if err := checkSkill(s); err != nil {
			return nil, err
		}
	}
	for ch, n := range u.Capacity {
		if n < 0 || n > 50 {
			return nil, minwon.Errorf(minwon.EINVALID, "capacity for %s must be 0 to 50", ch)
		}
	}
	var hash string
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants[u.TenantID] == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "no tenant %q", u.TenantID)
	}
	old := c.users[u.ID]
	for _, other := range c.users {
		if other.Login == u.Login && other.ID != u.ID {
			return nil, minwon.Errorf(minwon.ECONFLICT, "login %q is taken", u.Login)
		}
	}
	if old == nil && hash == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "a new user needs a password")
	}
	now := c.cfg.Now()
	if old != nil {
		u.CreatedAt = old.CreatedAt
		u.PasswordHash = old.PasswordHash
	} else {
		u.CreatedAt = now
	}
	if hash != "" {
		u.PasswordHash = hash
	}
	ev := minwon.NewEvent(minwon.EventUserSaved, now, u)
	ev.TenantID, ev.AgentID, ev.ActorID = u.TenantID, u.ID, actor
	evs := []*minwon.Event{ev}
	if hash != "" {
		pe := minwon.NewEvent(minwon.EventPasswordSet, now, minwon.PasswordSet{UserID: u.ID, Hash: hash})
		pe.TenantID, pe.AgentID, pe.ActorID = u.TenantID, u.ID, actor
		evs = append(evs, pe)
	}
	c.applyUser(&u, now)
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	cp := u
	cp.PasswordHash = ""
	return &cp, nil
}

// Record stores and publishes events that change no live state (sessions).
func (c *Center) Record(ctx context.Context, evs ...*minwon.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commit(ctx, evs)
}

// Handoff passes a contact's matter to a department with its summary.
func (c *Center) Handoff(ctx context.Context, userID, contactID, departmentID, summary, note string) (*minwon.Handoff, error) {
	if err := minwon.ValidateText(summary, 10000); err != nil {
		return nil, err
	}
	if err := minwon.ValidateText(note, 2000); err != nil {
		return nil, err
	}
	if strings.TrimSpace(summary) == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "a hand-off needs a summary")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, err := c.contactLocked(ctx, contactID)
	if err != nil {
		return nil, err
	}
	if ct.AgentID != userID {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours")
	}
	if _, err := c.department(ctx, ct.TenantID, departmentID); err != nil {
		return nil, err
	}
	h, ev := c.handoffEvent(ct, departmentID, summary, note, userID, c.cfg.Now())
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return h, nil
}

// handoffEvent builds a new hand-off of ct's matter and its event; a
// written hand-off and a call transferred to a department share it.
func (c *Center) handoffEvent(ct *minwon.Contact, departmentID, summary, note, userID string, now time.Time) (*minwon.Handoff, *minwon.Event) {
	h := &minwon.Handoff{ID: minwon.NewID(), TenantID: ct.TenantID, ContactID: ct.ID, DepartmentID: departmentID,
		Summary: summary, Note: note, State: minwon.HandoffOpen, CreatedBy: userID, CreatedAt: now, UpdatedAt: now}
	ev := minwon.NewEvent(minwon.EventHandoffCreated, now, h)
	ev.TenantID, ev.ContactID, ev.ActorID = ct.TenantID, ct.ID, userID
	return h, ev
}

// UpdateHandoff is a department officer accepting or finishing a matter.
func (c *Center) UpdateHandoff(ctx context.Context, userID, id string, state minwon.HandoffState, reply string) (*minwon.Handoff, error) {
	if state != minwon.HandoffAccepted && state != minwon.HandoffDone {
		return nil, minwon.Errorf(minwon.EINVALID, "state must be accepted or done")
	}
	if err := minwon.ValidateText(reply, 10000); err != nil {
		return nil, err
	}
	u := c.User(userID)
	if u == nil {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "unknown user")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	hs, err := c.store.Handoffs(ctx, minwon.HandoffFilter{})
	if err != nil {
		return nil, err
	}
	var h *minwon.Handoff
	for _, x := range hs {
		if x.ID == id {
			h = x
		}
	}
	if h == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such hand-off")
	}
	if h.DepartmentID != u.DepartmentID && !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "this hand-off belongs to another department")
	}
	if h.State == minwon.HandoffDone {
		return nil, minwon.Errorf(minwon.ECONFLICT, "this hand-off is already done")
	}
	now := c.cfg.Now()
	h.State, h.Reply, h.UpdatedAt = state, reply, now
	ev := minwon.NewEvent(minwon.EventHandoffUpdated, now, minwon.HandoffUpdated{ID: id, State: state, Reply: reply})
	ev.TenantID, ev.ContactID, ev.ActorID = h.TenantID, h.ContactID, userID
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return h, nil
}

// PostNotice puts a briefing on the notices board.
func (c *Center) PostNotice(ctx context.Context, userID, title, body string, expires time.Time) (*minwon.Notice, error) {
	if err := checkName(title); err != nil {
		return nil, err
	}
	if err := minwon.ValidateText(body, 20000); err != nil {
		return nil, err
	}
	u := c.User(userID)
	if u == nil || !u.HasRole(minwon.RoleSupervisor) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only supervisors post notices")
	}
	now := c.cfg.Now()
	if !expires.After(now) {
		return nil, minwon.Errorf(minwon.EINVALID, "the expiry must be in the future")
	}
	n := &minwon.Notice{ID: minwon.NewID(), TenantID: u.TenantID, Title: title, Body: body, AuthorID: userID, CreatedAt: now, ExpiresAt: expires, ReadBy: []string{}}
	ev := minwon.NewEvent(minwon.EventNoticePosted, now, n)
	ev.TenantID, ev.ActorID = u.TenantID, userID
	if err := c.Record(ctx, ev); err != nil {
		return nil, err
	}
	return n, nil
}

// ReadNotice records that a user confirmed reading a notice.
func (c *Center) ReadNotice(ctx context.Context, userID, noticeID string) error {
	u := c.User(userID)
	if u == nil {
		return minwon.Errorf(minwon.EFORBIDDEN, "unknown user")
	}
	ns, err := c.store.Notices(ctx, u.TenantID, c.cfg.Now())
	if err != nil {
		return err
	}
	for _, n := range ns {
		if n.ID == noticeID {
			if slices.Contains(n.ReadBy, userID) {
				return nil
			}
			ev := minwon.NewEvent(minwon.EventNoticeRead, c.cfg.Now(), minwon.NoticeRead{NoticeID: noticeID})
			ev.TenantID, ev.ActorID, ev.AgentID = u.TenantID, userID, userID
			return c.Record(ctx, ev)
		}
	}
	return minwon.Errorf(minwon.ENOTFOUND, "no such notice")
}
