package center

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// A counselor brings an interpreter into a live call when the caller
// speaks a language they do not. The center keeps each tenant's pool,
// picks who is rung and records every step; the phone channel dials them
// and mixes the three voices (sip/conference.go), and reports back what
// their line did.

// conference is the interpreter on a live call: ringing, or joined.
type conference struct {
	minwon.Conference
}

// reloadInterpreters loads the pools. A store without them (a test fake)
// leaves every pool empty.
func (c *Center) reloadInterpreters(ctx context.Context) error {
	c.interpreters = map[string]*minwon.Interpreter{}
	c.interpUsed = map[string]time.Time{}
	is, ok := c.store.(minwon.InterpreterStore)
	if !ok {
		return nil
	}
	all, err := is.Interpreters(ctx, "")
	if err != nil {
		return fmt.Errorf("load interpreters: %w", err)
	}
	for _, in := range all {
		c.interpreters[in.ID] = in
	}
	return nil
}

// SaveInterpreter creates or updates a member of a tenant's interpreter
// pool.
func (c *Center) SaveInterpreter(ctx context.Context, actor string, in minwon.Interpreter) (*minwon.Interpreter, error) {
	if in.ID == "" {
		in.ID = minwon.NewID()
	}
	if err := checkID(in.ID); err != nil {
		return nil, err
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	langs, err := interpreterLanguages(in.Languages)
	if err != nil {
		return nil, err
	}
	in.Languages = langs
	in.Address = strings.TrimSpace(in.Address)
	switch {
	case in.UserID != "" && in.Address != "":
		return nil, minwon.Errorf(minwon.EINVALID, "an interpreter is either a user of the center or an external line, not both")
	case in.UserID == "" && in.Address == "":
		return nil, minwon.Errorf(minwon.EINVALID, "say how to reach the interpreter: user_id (in-house) or address (a phone number or SIP URI)")
	case in.Address != "":
		if in.Address, err = interpreterAddress(in.Address); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenants[in.TenantID] == nil {
		return nil, minwon.Errorf(minwon.EINVALID, "no tenant %q", in.TenantID)
	}
	if old := c.interpreters[in.ID]; old != nil && old.TenantID != in.TenantID {
		return nil, minwon.Errorf(minwon.ECONFLICT, "interpreter %q belongs to another tenant", in.ID)
	}
	if in.UserID != "" {
		if u := c.users[in.UserID]; u == nil || u.TenantID != in.TenantID && !c.related(u.TenantID, in.TenantID) {
			return nil, minwon.Errorf(minwon.EINVALID, "no user %q in this tenant", in.UserID)
		}
	}
	ev := minwon.NewEvent(minwon.EventInterpreterSaved, c.cfg.Now(), in)
	ev.TenantID, ev.ActorID = in.TenantID, actor
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	cp := in
	c.interpreters[in.ID] = &cp
	return &in, nil
}

// interpreterLanguages checks and normalises a pool member's languages:
// at least one, ISO 639-1, no duplicates, Korean excepted (everyone at a
// 120 center speaks it).
func interpreterLanguages(langs []string) ([]string, error) {
	var out []string
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if !minwon.ValidLanguage(l) {
			return nil, minwon.Errorf(minwon.EINVALID, "language %q: want an ISO 639-1 code such as en, zh, vi, ja or ru", l)
		}
		if l == "ko" {
			return nil, minwon.Errorf(minwon.EINVALID, "list the languages interpreted to and from Korean, not Korean itself")
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "an interpreter needs at least one language")
	}
	if len(out) > 20 {
		return nil, minwon.Errorf(minwon.EINVALID, "at most 20 languages per interpreter")
	}
	return out, nil
}

// interpreterAddress accepts a SIP URI, dialled as it is, or a phone
// number, dialled through the trunk and kept as digits.
func interpreterAddress(a string) (string, error) {
	if strings.HasPrefix(a, "sip:") || strings.HasPrefix(a, "sips:") {
		return a, validSIPURI(a)
	}
	for _, r := range a {
		if !(r >= '0' && r <= '9' || r == '-' || r == ' ' || r == '+' || r == '(' || r == ')') {
			return "", minwon.Errorf(minwon.EINVALID, "an address is a phone number (1588-5644) or a SIP URI (sip:line@interpret.example.org)")
		}
	}
	n := DialledNumber(a)
	if len(n) < 3 || len(n) > 20 {
		return "", minwon.Errorf(minwon.EINVALID, "a phone number has 3 to 20 digits")
	}
	return n, nil
}

// Interpreters returns a tenant's pool ("" for every tenant's), by ID.
func (c *Center) Interpreters(tenantID string) []*minwon.Interpreter {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := []*minwon.Interpreter{}
	for _, in := range c.interpreters {
		if tenantID == "" || in.TenantID == tenantID {
			cp := *in
			out = append(out, &cp)
		}
	}
	slices.SortFunc(out, func(a, b *minwon.Interpreter) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// InterpreterLanguage is a language a counselor can ask for, with how many
// of its interpreters are free now.
type InterpreterLanguage struct {
	Language string `json:"language"`
	Free     int    `json:"free"`
}

// InterpreterLanguages lists the languages of the pools a counselor's
// calls draw on (their tenant's and its city's), for the desk's choice.
func (c *Center) InterpreterLanguages(userID string) []InterpreterLanguage {
	c.mu.RLock()
	defer c.mu.RUnlock()
	u := c.users[userID]
	if u == nil {
		return []InterpreterLanguage{}
	}
	busy := c.busyInterpreters()
	free := map[string]int{}
	for _, in := range c.interpreters {
		if in.Disabled || !slices.Contains(c.poolTenants(u.TenantID), in.TenantID) {
			continue
		}
		for _, l := range in.Languages {
			if _, ok := free[l]; !ok {
				free[l] = 0 // listed, so the desk can say none is free
			}
			if !busy[in.ID] {
				free[l]++
			}
		}
	}
	out := []InterpreterLanguage{}
	for l, n := range free {
		out = append(out, InterpreterLanguage{Language: l, Free: n})
	}
	slices.SortFunc(out, func(a, b InterpreterLanguage) int { return strings.Compare(a.Language, b.Language) })
	return out
}

// poolTenants are the tenants whose interpreters serve a call of tenant
// id: its own first, then its city's, which districts share.
func (c *Center) poolTenants(id string) []string {
	out := []string{id}
	if t := c.tenants[id]; t != nil && t.ParentID != "" {
		out = append(out, t.ParentID)
	}
	return out
}

// busyInterpreters are the interpreters who can't be rung now: on another
// call's conference, or in-house ones handling a contact of their own.
// Callers hold c.mu.
func (c *Center) busyInterpreters() map[string]bool {
	busy := map[string]bool{}
	for _, l := range c.contacts {
		if l.conf != nil {
			busy[l.conf.InterpreterID] = true
		}
	}
	for id, in := range c.interpreters {
		if a := c.agents[in.UserID]; in.UserID != "" && a != nil && len(a.contacts) > 0 {
			busy[id] = true
		}
	}
	return busy
}

// pickInterpreter chooses whom to ring for a call of the tenants (in
// order of preference) in lang: an enabled interpreter of that language
// who is not busy, of the first tenant that has one, and among those the
// one rung longest ago (never rung first), so the work is shared and the
// one who just did not answer is tried last. nil: nobody is free.
func pickInterpreter(pool []*minwon.Interpreter, lang string, tenants []string, busy map[string]bool, lastRung map[string]time.Time) *minwon.Interpreter {
	for _, t := range tenants {
		var best *minwon.Interpreter
		for _, in := range pool {
			if in.TenantID != t || in.Disabled || busy[in.ID] || !in.Speaks(lang) {
				continue
			}
			if best == nil || lastRung[in.ID].Before(lastRung[best.ID]) ||
				lastRung[in.ID].Equal(lastRung[best.ID]) && in.ID < best.ID {
				best = in
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// RequestInterpreter starts bringing an interpreter of lang into a
// counselor's live call. When none is free, conference.failed is stored
// and the answer says so; otherwise conference.requested, on which the
// phone channel rings them.
func (c *Center) RequestInterpreter(ctx context.Context, userID, contactID, lang string) (*minwon.Conference, error) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if !minwon.ValidLanguage(lang) || lang == "ko" {
		return nil, minwon.Errorf(minwon.EINVALID, "language %q: want the caller's language as an ISO 639-1 code such as en, zh, vi, ja or ru", lang)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if l.Channel != minwon.ChannelVoice {
		return nil, minwon.Errorf(minwon.EINVALID, "interpreters join calls; this contact is not one")
	}
	if l.State != minwon.ContactActive {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the call is not in conversation")
	}
	if l.conf != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "an interpreter is already on this call")
	}
	if l.transfer != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the call is being transferred")
	}
	now := c.cfg.Now()
	pool := make([]*minwon.Interpreter, 0, len(c.interpreters))
	for _, in := range c.interpreters {
		pool = append(pool, in)
	}
	in := pickInterpreter(pool, lang, c.poolTenants(l.TenantID), c.busyInterpreters(), c.interpUsed)
	if in == nil {
		ev := c.contactEvent(minwon.EventConferenceFailed, l, now, minwon.ConferenceEnded{ID: minwon.NewID(), Language: lang, Reason: "no_interpreter"})
		ev.ActorID = userID
		if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
			return nil, err
		}
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "no interpreter of %s is free now", lang)
	}
	conf := minwon.Conference{ID: minwon.NewID(), Language: lang, InterpreterID: in.ID, InterpreterName: in.Name, UserID: in.UserID, Address: in.Address}
	ev := c.contactEvent(minwon.EventConferenceRequested, l, now, conf)
	ev.ActorID = userID
	l.conf = &conference{Conference: conf}
	c.interpUsed[in.ID] = now
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		l.conf = nil
		return nil, err
	}
	return &conf, nil
}

// DropInterpreter is the counselor taking the interpreter off their call:
// conference.left, or conference.failed "cancelled" while still ringing.
// The call goes on between the two of them.
func (c *Center) DropInterpreter(ctx context.Context, userID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return err
	}
	if l.conf == nil {
		return minwon.Errorf(minwon.ENOTFOUND, "no interpreter is on this call")
	}
	reason := "dropped"
	if !l.conf.Joined {
		reason = "cancelled"
	}
	evs := c.endConference(l, c.cfg.Now(), reason)
	evs[0].ActorID = userID
	return c.commit(ctx, evs)
}

// ConferenceJoined is the phone channel reporting that the interpreter of
// conference id answered and is mixed in.
func (c *Center) ConferenceJoined(ctx context.Context, contactID, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	if l == nil || l.conf == nil || l.conf.ID != id {
		return minwon.Errorf(minwon.ENOTFOUND, "no such interpreter request")
	}
	if l.conf.Joined {
		return nil
	}
	l.conf.Joined = true
	return c.commit(ctx, []*minwon.Event{c.contactEvent(minwon.EventConferenceJoined, l, c.cfg.Now(), l.conf.Conference)})
}

// ConferenceEnded is the phone channel reporting the interpreter's leg of
// conference id gone by nobody's choice here: reason as in
// minwon.ConferenceEnded ("no_answer", "busy", "unreachable" before they
// joined, "hung_up" after).
func (c *Center) ConferenceEnded(ctx context.Context, contactID, id, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.contacts[contactID]
	if l == nil || l.conf == nil || l.conf.ID != id {
		return minwon.Errorf(minwon.ENOTFOUND, "no such interpreter request")
	}
	return c.commit(ctx, c.endConference(l, c.cfg.Now(), reason))
}

// Conference returns the interpreter on a live call, ringing or joined.
func (c *Center) Conference(contactID string) (minwon.Conference, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil || l.conf == nil {
		return minwon.Conference{}, false
	}
	return l.conf.Conference, true
}

// InterpreterRing is a live call ringing an in-house interpreter.
type InterpreterRing struct {
	ContactID  string
	Conference minwon.Conference
}

// InterpreterRings returns the calls ringing user as their in-house
// interpreter now: requested and not yet joined, failed or left. It is
// read from the live contacts the conference events keep, so a desk that
// connects (or reconnects) while it rings is told as one that was there.
func (c *Center) InterpreterRings(userID string) []InterpreterRing {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []InterpreterRing
	for id, l := range c.contacts {
		if userID != "" && l.conf != nil && !l.conf.Joined && l.conf.UserID == userID {
			out = append(out, InterpreterRing{ContactID: id, Conference: l.conf.Conference})
		}
	}
	slices.SortFunc(out, func(a, b InterpreterRing) int { return strings.Compare(a.ContactID, b.ContactID) })
	return out
}

// endConference clears a contact's interpreter and returns the event that
// says so: conference.left once they had joined, conference.failed before;
// none when there is no interpreter. Callers hold c.mu.
func (c *Center) endConference(l *live, now time.Time, reason string) []*minwon.Event {
	if l.conf == nil {
		return nil
	}
	typ := minwon.EventConferenceLeft
	if !l.conf.Joined {
		typ = minwon.EventConferenceFailed
	}
	ev := c.contactEvent(typ, l, now, minwon.ConferenceEnded{ID: l.conf.ID, Language: l.conf.Language, Reason: reason})
	l.conf = nil
	return []*minwon.Event{ev}
}
