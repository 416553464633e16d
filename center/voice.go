package center

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/acd"
)

// CallRequest is an incoming phone call that finished the IVR menu.
type CallRequest struct {
	Number   string // the dialled number (SIP Request-URI user)
	Caller   string // the caller's number; only its salted hash is kept
	Language string // chosen in the language menu; "" means Korean
}

// DialledNumber reduces a phone number to its digits, with a +82 country
// code written as the domestic leading 0, so "02-120-1001", "021201001" and
// "+82-2-120-1001" are one number.
func DialledNumber(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '+' && i == 0 {
			b.WriteRune(r)
		}
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if rest, ok := strings.CutPrefix(d, "+82"); ok {
		return "0" + rest
	}
	return strings.TrimPrefix(d, "+")
}

// TenantByNumber returns the tenant a dialled number rings into and the entry
// point it matched. Numbers are entry points of tenants; any entry point
// made of digits (and '-', '.') is a number.
func (c *Center) TenantByNumber(number string) (*minwon.Tenant, string, bool) {
	want := DialledNumber(number)
	if want == "" {
		return nil, "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if t := c.entries[want]; t != nil {
		cp := *t
		return &cp, want, true
	}
	for e, t := range c.entries {
		if isNumber(e) && DialledNumber(e) == want {
			cp := *t
			return &cp, e, true
		}
	}
	return nil, "", false
}

func isNumber(e string) bool {
	digits := false
	for _, r := range e {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r == '-' || r == '.' || r == '+':
		default:
			return false
		}
	}
	return digits
}

// AcceptingCalls reports whether a new call would be taken now: the center is
// not draining and below its admission ceiling. The SIP edge asks before it
// answers, so a refused caller gets 503 instead of a prompt and a hang-up.
func (c *Center) AcceptingCalls() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closing {
		return minwon.Errorf(minwon.EUNAVAILABLE, "the center is restarting")
	}
	if len(c.contacts) >= c.cfg.MaxLive {
		return minwon.Errorf(minwon.EUNAVAILABLE, "the center is busy")
	}
	return nil
}

// StartCall creates a voice contact for a call that went through the IVR and
// queues it on the tenant's queue for the chosen language. From here a call
// is routed like a chat: offered to a counselor with voice capacity,
// answered, ended by either side; a caller who hangs up while queued
// (CitizenLeave) is abandoned.
func (c *Center) StartCall(ctx context.Context, req CallRequest) (*minwon.Contact, error) {
	if err := minwon.ValidateText(req.Caller, 200); err != nil {
		return nil, err
	}
	t, entry, ok := c.TenantByNumber(req.Number)
	if !ok {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no center answers at %q", req.Number)
	}
	lang := req.Language
	if lang == "" {
		lang = "ko"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the center is restarting; please try again in a minute")
	}
	if len(c.contacts) >= c.cfg.MaxLive {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the center is busy; please try again shortly")
	}
	q := c.queueFor(t, lang)
	if q == nil {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "%s has no queue configured", t.Name)
	}
	now := c.cfg.Now()
	caller := DialledNumber(req.Caller)
	if caller == "" {
		caller = "anonymous:" + minwon.NewID() // withheld numbers share no history
	}
	citizen, err := c.citizenIdentity(t, minwon.ChannelVoice, caller)
	if err != nil {
		return nil, err
	}
	l := &live{Contact: minwon.Contact{
		ID: minwon.NewID(), TenantID: t.ID, QueueID: q.ID, Channel: minwon.ChannelVoice,
		State: minwon.ContactWaiting, EntryPoint: entry, Language: lang,
		CitizenID: citizen, CreatedAt: now,
	}, byClient: map[string]*minwon.Message{}, monitors: map[string]bool{}}
	c.routeFlagged(l, true)
	if err := c.engine.Enqueue(acd.Contact{ID: l.ID, QueueID: l.QueueID, Channel: l.Channel, Priority: l.Priority, Since: now}); err != nil {
		return nil, err
	}
	c.contacts[l.ID] = l
	evs := []*minwon.Event{
		c.contactEvent(minwon.EventContactCreated, l, now, l.Contact),
		c.contactEvent(minwon.EventContactQueued, l, now, minwon.ContactQueued{Reason: "new"}),
	}
	evs = append(evs, c.route(now)...)
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	ct := l.Contact
	return &ct, nil
}

// SIPRealm is the digest realm of counselors' phones; it is part of every
// stored SIP credential, so it never changes.
const SIPRealm = "minwon"

// ValidSIPPassword checks a phone password before anything is stored.
func ValidSIPPassword(pw string) error {
	if len(pw) < 8 || len(pw) > 72 {
		return minwon.Errorf(minwon.EINVALID, "a SIP password has 8 to 72 characters")
	}
	return minwon.ValidateText(pw, 72)
}

// SIPHA1 is the digest credential of login and password in SIPRealm.
func SIPHA1(login, password string) string {
	sum := md5.Sum([]byte(login + ":" + SIPRealm + ":" + password))
	return hex.EncodeToString(sum[:])
}

// SetSIPPassword sets the password a counselor's phone registers with. Only
// the digest credential is stored, as an event the audit trail redacts.
func (c *Center) SetSIPPassword(ctx context.Context, actor, userID, password string) error {
	if err := ValidSIPPassword(password); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.users[userID]
	if u == nil {
		return minwon.Errorf(minwon.ENOTFOUND, "no such user")
	}
	if !u.IsAgent() {
		return minwon.Errorf(minwon.EINVALID, "only counselors have phones")
	}
	ev := minwon.NewEvent(minwon.EventSIPPasswordSet, c.cfg.Now(), minwon.SIPPasswordSet{UserID: u.ID, Login: u.Login, Realm: SIPRealm, HA1: SIPHA1(u.Login, password)})
	ev.TenantID, ev.AgentID, ev.ActorID = u.TenantID, u.ID, actor
	return c.commit(ctx, []*minwon.Event{ev})
}

// SIPCredentials returns every counselor's current phone credential, by
// login, from the stored events; the SIP registrar loads them at start and
// follows the bus from there.
func (c *Center) SIPCredentials(ctx context.Context) (map[string]minwon.SIPPasswordSet, error) {
	evs, err := c.store.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventSIPPasswordSet}})
	if err != nil {
		return nil, fmt.Errorf("load SIP credentials: %w", err)
	}
	out := map[string]minwon.SIPPasswordSet{}
	for _, ev := range evs {
		var p minwon.SIPPasswordSet
		if ev.Decode(&p) != nil {
			continue
		}
		for login, old := range out {
			if old.UserID == p.UserID {
				delete(out, login) // a renamed login's old credential goes
			}
		}
		out[p.Login] = p
	}
	return out, nil
}
