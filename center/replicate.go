package center

import (
	"github.com/minwon/minwon"
)

// Configuration across nodes. Each node keeps the tenants, queues, users
// and interpreter pool in memory, loaded at start; a change saved on one
// node is an event on the shared bus, and ApplyConfigEvent brings it into
// the memory of every other node, so a counselor created, moved, disabled
// or given a new password on one node is the same on all of them, and
// routing sees a queue's new skills everywhere.
//
// The events carry whole states (the saved tenant, queue, user or pool
// member), so applying one again changes nothing and a late copy is
// overtaken by the next save. What an event does not carry is kept from
// memory: a user.saved has no password hash (password.set brings it), a
// tenant.saved no salt or policy (tenant.salt and policy.updated do).
// Events this node committed itself are skipped: it applied them before
// committing, and the bus's copy could only take it back to an older
// state for a moment.

// isConfigEvent reports whether ApplyConfigEvent consumes events of type t.
func isConfigEvent(t minwon.EventType) bool {
	switch t {
	case minwon.EventTenantSaved, minwon.EventTenantSalt, minwon.EventQueueSaved,
		minwon.EventUserSaved, minwon.EventPasswordSet, minwon.EventInterpreterSaved,
		minwon.EventPolicyUpdated:
		return true
	}
	return false
}

// markOwnConfig remembers the configuration events among evs, which this
// node is committing, so their copies from the bus are not applied again.
// Callers hold c.mu.
func (c *Center) markOwnConfig(evs []*minwon.Event) {
	for _, ev := range evs {
		if isConfigEvent(ev.Type) {
			if c.ownConfig == nil {
				c.ownConfig = map[string]bool{}
			}
			c.ownConfig[ev.ID] = true
		}
	}
}

// ApplyConfigEvent brings a configuration change made on another node into
// this node's memory; subscribe it to the bus.
func (c *Center) ApplyConfigEvent(ev *minwon.Event) {
	if !isConfigEvent(ev.Type) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants == nil || c.interpreters == nil {
		return // not loaded yet: the load reads it from the store
	}
	if c.ownConfig[ev.ID] {
		delete(c.ownConfig, ev.ID) // the bus hands each event over once
		return
	}
	if err := c.applyConfig(ev); err != nil {
		c.log.Error("apply configuration event from the bus", "type", ev.Type, "tenant", ev.TenantID, "event", ev.ID, "err", err)
	}
}

// applyConfig applies one configuration event to memory. Callers hold c.mu.
func (c *Center) applyConfig(ev *minwon.Event) error {
	switch ev.Type {
	case minwon.EventTenantSaved:
		var t minwon.Tenant
		if err := ev.Decode(&t); err != nil {
			return err
		}
		if old := c.tenants[t.ID]; old != nil {
			t.Salt, t.Policy = old.Salt, old.Policy
		}
		c.applyTenant(&t)
		c.policyChanged() // a new parent brings its policy
	case minwon.EventTenantSalt:
		var p minwon.TenantSalt
		if err := ev.Decode(&p); err != nil {
			return err
		}
		salt, err := p.Decode()
		if err != nil {
			return err
		}
		// The store keeps a tenant's first salt: so does memory.
		if t := c.tenants[ev.TenantID]; t != nil && len(t.Salt) == 0 {
			cp := *t
			cp.Salt = salt
			c.applyTenant(&cp)
		}
	case minwon.EventPolicyUpdated:
		var p minwon.PolicyUpdated
		if err := ev.Decode(&p); err != nil {
			return err
		}
		t := c.tenants[ev.TenantID]
		if t == nil {
			return nil
		}
		cp := *t
		cp.Policy = nil
		if p.Config != nil {
			cp.Policy = &minwon.TenantPolicy{Config: p.Config, UpdatedBy: ev.ActorID, UpdatedAt: ev.At}
		}
		c.applyTenant(&cp)
		c.policyChanged()
	case minwon.EventQueueSaved:
		var q minwon.Queue
		if err := ev.Decode(&q); err != nil {
			return err
		}
		c.applyQueue(&q)
	case minwon.EventUserSaved:
		var u minwon.User
		if err := ev.Decode(&u); err != nil {
			return err
		}
		if old := c.users[u.ID]; old != nil {
			u.PasswordHash = old.PasswordHash
		}
		c.applyUser(&u, c.cfg.Now())
	case minwon.EventPasswordSet:
		var p minwon.PasswordSet
		if err := ev.Decode(&p); err != nil {
			return err
		}
		if u := c.users[p.UserID]; u != nil {
			cp := *u
			cp.PasswordHash = p.Hash
			c.applyUser(&cp, c.cfg.Now())
		}
	case minwon.EventInterpreterSaved:
		var in minwon.Interpreter
		if err := ev.Decode(&in); err != nil {
			return err
		}
		c.interpreters[in.ID] = &in
	}
	return nil
}
