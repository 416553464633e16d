package center

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// This file holds what the center keeps per tenant for counselor
// protection: the caller-identity salt, the tenant's own policy, and the
// daily forgetting of the caller register.

// callerKind is the CallerHash kind of a channel's address: a phone number
// for voice and SMS, so one caller is one identity on both.
func callerKind(ch minwon.Channel) string {
	switch ch {
	case minwon.ChannelVoice, minwon.ChannelSMS:
		return "tel"
	}
	return string(ch)
}

// identityTenant is the tenant whose salt keys t's caller identities: the
// top of its family, so a caller is known alike at the city and in its
// districts, which share the city's counselors and register. Callers hold c.mu.
func (c *Center) identityTenant(t *minwon.Tenant) *minwon.Tenant {
	for i := 0; i < 8 && t.ParentID != ""; i++ { // a cycle cannot hang the center
		p := c.tenants[t.ParentID]
		if p == nil {
			break
		}
		t = p
	}
	return t
}

// citizenIdentity derives the stable identity of a caller's account (phone
// number, chat visitor key) in tenant t: minwon.CallerHash under the
// tenant's secret salt, so the register, incidents, board and reports never
// hold the account itself. Callers hold c.mu.
func (c *Center) citizenIdentity(t *minwon.Tenant, ch minwon.Channel, account string) (string, error) {
	root := c.identityTenant(t)
	if len(root.Salt) == 0 {
		return "", minwon.Errorf(minwon.EUNAVAILABLE, "%s has no caller-identity salt yet", root.Name)
	}
	return minwon.CallerHash(root.Salt, callerKind(ch), account), nil
}

// CitizenIdentity derives the salted identity of a channel account (a phone
// number, a chat visitor) in a tenant, so raw numbers are never stored.
func (c *Center) CitizenIdentity(tenantID string, ch minwon.Channel, account string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[tenantID]
	if t == nil {
		return "", minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", tenantID)
	}
	return c.citizenIdentity(t, ch, account)
}

// saltEvent is the tenant.salt event giving tenant id a fresh salt.
func saltEvent(id, actor string, now time.Time, salt minwon.Secret) *minwon.Event {
	ev := minwon.NewEvent(minwon.EventTenantSalt, now, minwon.EncodeSalt(salt))
	ev.TenantID, ev.ActorID = id, actor
	return ev
}

// ensureSalts gives every tenant stored without a salt (created before
// salts existed) one, as events, and returns the tenants as stored after.
// The store keeps the first salt of a tenant, so nodes starting together
// agree on one. Callers hold c.mu.
func (c *Center) ensureSalts(ctx context.Context, tenants []*minwon.Tenant) ([]*minwon.Tenant, error) {
	var evs []*minwon.Event
	for _, t := range tenants {
		if len(t.Salt) == 0 {
			evs = append(evs, saltEvent(t.ID, "", c.cfg.Now(), minwon.NewSalt()))
		}
	}
	if len(evs) == 0 {
		return tenants, nil
	}
	if err := c.store.Append(ctx, evs...); err != nil {
		return nil, fmt.Errorf("give tenants a caller-identity salt: %w", err)
	}
	c.bus.Publish(ctx, evs...)
	c.log.Info("generated caller-identity salts", "tenants", len(evs))
	tenants, err := c.store.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("load tenants: %w", err)
	}
	return tenants, nil
}

// PolicySource says where a tenant's protection policy comes from.
type PolicySource string

const (
	PolicyOwn       PolicySource = "own"       // the tenant's own, set by an admin
	PolicyInherited PolicySource = "inherited" // its parent's (a district follows its city)
	PolicyDefault   PolicySource = "default"   // policy.DefaultConfig
)

// PolicyView is a tenant's protection policy as the editor shows it.
type PolicyView struct {
	TenantID string       `json:"tenant_id"`
	Source   PolicySource `json:"source"`
	// From is the tenant whose policy applies, for an inherited one.
	From      string        `json:"from,omitempty"`
	Config    policy.Config `json:"config"`
	UpdatedBy string        `json:"updated_by,omitempty"`
	UpdatedAt time.Time     `json:"updated_at,omitzero"`
	// Queue is the dedicated queue flagged callers go to: the policy's, or
	// else the tenant's (or its parent's) queue with skill topic:abuse.
	Queue string `json:"queue,omitempty"`
}

// policyOf returns the policy that applies to tenant id: its own, else the
// nearest ancestor's, else the defaults. Callers hold c.mu.
func (c *Center) policyOf(id string) (policy.Config, *minwon.TenantPolicy, string) {
	t := c.tenants[id]
	for i := 0; i < 8 && t != nil; i++ {
		if t.Policy != nil {
			cfg, err := policy.DecodeConfig(t.Policy.Config)
			if err == nil {
				return cfg, t.Policy, t.ID
			}
			// Stored policies were validated; one that no longer is (a newer
			// rule) must not stop protection, so the defaults apply.
			c.log.Error("stored protection policy is invalid; using the defaults", "tenant", t.ID, "err", err)
			break
		}
		t = c.tenants[t.ParentID]
	}
	return policy.DefaultConfig(), nil, ""
}

// policyConfig returns the policy the engine of tenant id applies.
// Callers hold c.mu.
func (c *Center) policyConfig(id string) policy.Config {
	cfg, _, _ := c.policyOf(id)
	return cfg
}

// policyView builds the editor's view of tenant t's policy. Callers hold c.mu.
func (c *Center) policyView(t *minwon.Tenant) *PolicyView {
	cfg, tp, from := c.policyOf(t.ID)
	v := &PolicyView{TenantID: t.ID, Source: PolicyDefault, Config: cfg}
	switch {
	case tp != nil && from == t.ID:
		v.Source = PolicyOwn
	case tp != nil:
		v.Source, v.From = PolicyInherited, from
	}
	if tp != nil {
		v.UpdatedBy, v.UpdatedAt = tp.UpdatedBy, tp.UpdatedAt
	}
	if c.prot != nil {
		if e := c.prot.engine(c, t.ID); e != nil {
			v.Queue = e.Config().DedicatedQueue
		}
	}
	return v
}

// policyTenant checks that user may act on tenant id's policy: an admin,
// or for reading (write false) a supervisor of the tenant or of its parent.
// Callers hold c.mu.
func (c *Center) policyTenant(userID, id string, write bool) (*minwon.Tenant, error) {
	u, t, err := c.tenantStaff(userID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case u.HasRole(minwon.RoleAdmin):
	case write:
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only admins change the protection policy")
	case !supervises(u, t):
		// Another tenant's policy is not found rather than forbidden.
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", id)
	}
	if t == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", id)
	}
	return t, nil
}

// tenantStaff looks up an enabled user and tenant id (nil when unknown) for
// a tenant-scoped setting. Callers hold c.mu.
func (c *Center) tenantStaff(userID, id string) (*minwon.User, *minwon.Tenant, error) {
	u := c.users[userID]
	if u == nil || u.Disabled {
		return nil, nil, minwon.Errorf(minwon.EFORBIDDEN, "not allowed")
	}
	return u, c.tenants[id], nil
}

// supervises reports whether u is a supervisor of tenant t or of its parent
// city: the staff who may read (and for notices, set) its settings.
func supervises(u *minwon.User, t *minwon.Tenant) bool {
	return u.HasRole(minwon.RoleSupervisor) && t != nil && (t.ID == u.TenantID || t.ParentID == u.TenantID)
}

// Policy returns the protection policy that applies to a tenant, with
// where it comes from, to an admin or the tenant's supervisors.
func (c *Center) Policy(userID, tenantID string) (*PolicyView, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.policyTenant(userID, tenantID, false)
	if err != nil {
		return nil, err
	}
	return c.policyView(t), nil
}

// SetPolicy stores an admin's protection policy for a tenant (the whole
// policy, as JSON of policy.Config) as a policy.updated event, the audit
// entry. It applies to the next decision of every contact of the tenant
// and of its districts that have none of their own. An invalid policy is
// an EINVALID error naming the field.
func (c *Center) SetPolicy(ctx context.Context, userID, tenantID string, raw json.RawMessage) (*PolicyView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.policyTenant(userID, tenantID, true)
	if err != nil {
		return nil, err
	}
	cfg, err := policy.DecodeConfig(raw)
	if err != nil {
		return nil, err
	}
	if q := cfg.DedicatedQueue; q != "" {
		qq := c.queues[q]
		if qq == nil || (qq.TenantID != t.ID && qq.TenantID != t.ParentID) {
			return nil, minwon.FieldErrorf("dedicated_queue", "no queue %q of this tenant or its parent", q)
		}
	}
	b, err := json.Marshal(cfg) // the canonical form: every field, nothing unknown
	if err != nil {
		return nil, fmt.Errorf("encode protection policy: %w", err)
	}
	return c.storePolicy(ctx, t, userID, b)
}

// ResetPolicy removes a tenant's own protection policy: it follows its
// parent's, or the defaults, again. The reset is a policy.updated event.
func (c *Center) ResetPolicy(ctx context.Context, userID, tenantID string) (*PolicyView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.policyTenant(userID, tenantID, true)
	if err != nil {
		return nil, err
	}
	return c.storePolicy(ctx, t, userID, nil)
}

// storePolicy stores and applies tenant t's new policy (nil: none of its
// own). Callers hold c.mu.
func (c *Center) storePolicy(ctx context.Context, t *minwon.Tenant, userID string, cfg json.RawMessage) (*PolicyView, error) {
	now := c.cfg.Now()
	ev := minwon.NewEvent(minwon.EventPolicyUpdated, now, minwon.PolicyUpdated{Config: cfg})
	ev.TenantID, ev.ActorID = t.ID, userID
	nt := *t
	nt.Policy = nil
	if cfg != nil {
		nt.Policy = &minwon.TenantPolicy{Config: cfg, UpdatedBy: userID, UpdatedAt: ev.At}
	}
	c.applyTenant(&nt)
	c.policyChanged()
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	if cur := c.tenants[t.ID]; cur != nil {
		return c.policyView(cur), nil
	}
	return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", t.ID)
}

// policyChanged rebuilds every tenant's engine, so the next decision of
// every tenant uses its policy as it is now (districts follow their city's,
// and the dedicated queue may have moved). They are built here, under the
// write lock, so that readers holding only the read lock find them built
// and never write the cache. Callers hold c.mu for writing.
func (c *Center) policyChanged() {
	if c.prot == nil {
		return
	}
	clear(c.prot.engines)
	for id := range c.tenants {
		c.prot.engine(c, id)
	}
}

// historyWindow is how far back the protection projections are rebuilt:
// a year and a day, or the longest window of any tenant's policy and a day.
// Callers hold c.mu.
func (c *Center) historyWindow() time.Duration {
	return max(protectionHistory, c.longestWindow()+24*time.Hour)
}

// longestWindow is the longest strike or detector window of any tenant's
// policy: the caller register needs nothing older. Callers hold c.mu.
func (c *Center) longestWindow() time.Duration {
	if len(c.tenants) == 0 {
		cfg := policy.DefaultConfig()
		return cfg.LongestWindow()
	}
	var w time.Duration
	for id := range c.tenants {
		cfg := c.policyConfig(id)
		w = max(w, cfg.LongestWindow())
	}
	return w
}

// DefaultForgetAt is when, in the center's time zone, the caller register
// forgets each day: 04:00, the quietest hour of a 120 center.
const DefaultForgetAt = 4 * time.Hour

// forgetTime returns the time of day the register forgets at; negative
// turns forgetting off.
func (c *Center) forgetTime() time.Duration {
	if c.cfg.ForgetAt == 0 {
		return DefaultForgetAt
	}
	return c.cfg.ForgetAt
}

// lastForgetRun is the latest scheduled run at or before t.
func (c *Center) lastForgetRun(t time.Time) time.Time {
	run := startOfDay(t, c.cfg.Location).Add(c.forgetTime())
	// Add on a local midnight is exact in Korea (no daylight saving);
	// elsewhere the hour may shift by one on the change days.
	for run.After(t) {
		run = startOfDay(run.Add(-25*time.Hour), c.cfg.Location).Add(c.forgetTime())
	}
	return run
}

// nextForgetRun is the first scheduled run after t.
func (c *Center) nextForgetRun(t time.Time) time.Time {
	run := c.lastForgetRun(t)
	for !run.After(t) {
		run = startOfDay(run.Add(25*time.Hour), c.cfg.Location).Add(c.forgetTime())
	}
	return run
}

// reloadPolicy builds the tenants' engines and applies the last forgetting
// run to the rebuilt register, so a node that starts agrees with those that
// ran it, and schedules the next. Callers hold c.mu, after reloadProtection.
func (c *Center) reloadPolicy(ctx context.Context, now time.Time) error {
	c.policyChanged()
	c.forgetNext = time.Time{}
	if c.prot == nil || c.forgetTime() < 0 {
		return nil
	}
	evs, err := c.store.Events(ctx, minwon.EventFilter{From: now.Add(-c.historyWindow()), Types: []minwon.EventType{minwon.EventCallerForgotten}})
	if err != nil {
		return fmt.Errorf("load the register's forgetting: %w", err)
	}
	c.forgetNext = c.nextForgetRun(now)
	if len(evs) == 0 {
		return nil
	}
	var last minwon.RegisterForgotten
	if err := evs[len(evs)-1].Decode(&last); err != nil {
		return err
	}
	c.prot.reg.Forget(last.Before)
	c.forgetNext = c.nextForgetRun(last.Due)
	return nil
}

// forget runs the caller register's daily forgetting once it is due: what
// is older than the longest window of any policy goes. The run is stored
// as a caller.forgotten event whose ID is the day's, so when several nodes
// run it, one event is stored and every node forgets the same. Called from
// Tick; callers hold c.mu.
func (c *Center) forget(ctx context.Context, now time.Time) {
	if c.prot == nil || c.forgetNext.IsZero() || now.Before(c.forgetNext) {
		return
	}
	due := c.lastForgetRun(now) // after downtime, one run for the days missed
	run := minwon.RegisterForgotten{Due: due, Before: due.Add(-c.longestWindow()).UTC()}
	ev := minwon.NewEvent(minwon.EventCallerForgotten, now, run)
	ev.ID = "forget-" + due.In(c.cfg.Location).Format("20060102")
	err := c.store.Append(ctx, ev)
	switch {
	case err == nil:
		c.bus.Publish(ctx, ev)
	case minwon.ErrorCode(err) == minwon.ECONFLICT:
		// Another node ran it first: forget what it forgot.
		stored, err := c.store.Events(ctx, minwon.EventFilter{From: due.Add(-24 * time.Hour), Types: []minwon.EventType{minwon.EventCallerForgotten}})
		for _, s := range stored {
			if err == nil && s.ID == ev.ID {
				err = s.Decode(&run)
			}
		}
		if err != nil {
			c.log.Error("read the register's forgetting", "err", err)
		}
	default:
		c.log.Error("store the register's forgetting; retrying in a minute", "err", err)
		c.forgetNext = now.Add(time.Minute)
		return
	}
	c.prot.reg.Forget(run.Before)
	c.forgetNext = c.nextForgetRun(due)
	c.log.Info("caller register forgot", "before", run.Before)
}
