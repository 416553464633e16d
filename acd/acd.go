// Package acd is the routing engine (automatic contact distribution): it
// decides which counselor is offered which waiting contact, when an offer
// lapses, when a contact overflows to another queue and where a citizen stands
// in line.
//
// The engine is pure and in memory: no goroutines, timers, I/O or locks. The
// caller serialises calls, passes the clock in (every method that depends on
// time takes now), turns each Decision into events, and sleeps until
// NextDeadline before calling Step again. The same calls with the same times
// give the same decisions: every ordering ends in a tie-break on agent or
// contact ID, so map iteration order never leaks into a decision.
//
// # Rules
//
// A waiting contact is offered to an agent who is ready, connected (or
// disconnected for less than PresenceGrace), has all of the queue's skills and
// has free capacity on the contact's channel. Capacity is counted per channel,
// offers included, as minwon.User.Capacity describes it. Among those agents:
// the ones with no contact at all come first, longest idle first (idle
// since its last contact ended, or since it became ready); after them the
// least loaded (contacts on all channels), then the one offered a contact
// longest ago; then agent ID.
// An offer that comes to nothing (cancelled, withdrawn) does not restart the
// agent's idle time: it did no work.
//
// Within a queue and channel, contacts go by priority (higher first), then
// re-queued at the head, then arrival, then ID. Channels do not block each
// other: a voice call waiting for a free line does not hold back chats. Among
// the queues an agent could serve, the higher queue priority goes first, then
// the contact that has waited longest.
//
// A contact that overflows keeps its priority and its place by original
// arrival: it goes ahead of contacts that came to the center after it, and
// behind those that came before, in the new queue, while its Since (and so
// its next overflow) restarts at the overflow. A transfer is a new request:
// it queues by the time of the transfer.
//
// # Cost
//
// Routing cost does not grow with the number of agents or queues. Queues that
// need the same skills form a group; every group keeps, per channel, a pool
// holding a heap of the agents that could take a contact now and a heap of its
// queues ordered by their first waiting contact. An offer reads the tops of
// two heaps and re-sorts the chosen agent in the few pools it belongs to; only
// changes to the skill configuration scan agents.
package acd

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// Config tunes the engine. Zero fields take the values of DefaultConfig.
type Config struct {
	// PresenceGrace is how long an agent whose desktop disconnected keeps
	// receiving offers; a network blip should not send a counselor to the
	// back of the line. Negative means no grace at all.
	PresenceGrace time.Duration
	// DefaultOfferTimeout applies to queues without an OfferTimeout.
	DefaultOfferTimeout time.Duration
	// DefaultHandleTime seeds every queue's average handle time, which wait
	// estimates use until real contacts have been released.
	DefaultHandleTime time.Duration
}

// DefaultConfig returns the settings used for zero Config fields.
func DefaultConfig() Config {
	return Config{
		PresenceGrace:       15 * time.Second,
		DefaultOfferTimeout: 20 * time.Second,
		DefaultHandleTime:   3 * time.Minute,
	}
}

// DecisionKind tells what Step decided about a contact.
type DecisionKind int

// Decision kinds. The zero value is none of them so that a forgotten Kind
// shows up in tests.
const (
	// DecisionOffer: ContactID is offered to AgentID until ExpiresAt.
	DecisionOffer DecisionKind = iota + 1
	// DecisionOfferLapsed: AgentID did not answer in time; the agent is now
	// not ready (record it away) and the contact is back at the head of
	// QueueID.
	DecisionOfferLapsed
	// DecisionOverflow: the contact waited too long in FromQueue and now waits
	// in QueueID.
	DecisionOverflow
	// DecisionWithdrawn: the offer to AgentID was taken back because the
	// agent's desktop stayed disconnected beyond the grace period or the agent
	// was removed; the contact is back at the head of QueueID.
	DecisionWithdrawn
)

// String returns the kind's name for logs and test output.
func (k DecisionKind) String() string {
	switch k {
	case DecisionOffer:
		return "offer"
	case DecisionOfferLapsed:
		return "offer_lapsed"
	case DecisionOverflow:
		return "overflow"
	case DecisionWithdrawn:
		return "withdrawn"
	}
	return "unknown"
}

// Decision is one change the engine made that the caller must record and
// announce.
type Decision struct {
	Kind      DecisionKind
	ContactID string
	AgentID   string
	QueueID   string
	FromQueue string    // DecisionOverflow only
	ExpiresAt time.Time // DecisionOffer only
}

// Contact is a contact entering a queue.
type Contact struct {
	ID       string
	QueueID  string
	Channel  minwon.Channel
	Priority int       // higher is served first within the queue
	Since    time.Time // when it entered this queue; orders contacts of equal priority
	Head     bool      // re-queue ahead of every contact of its priority (restored after an offer, for instance)
}

// Engine routes contacts to agents. It is not safe for concurrent use.
type Engine struct {
	cfg       Config
	clock     int64 // latest time seen, for Cancel, which takes none
	agents    map[string]*agent
	queues    map[string]*queue
	contacts  map[string]*contact
	groups    map[string]*group // by skill-set key
	groupList []*group          // sorted by key, so agents join groups in a fixed order
	offers    heap[*contact]    // offered contacts by expiry
	overflows heap[*contact]    // waiting contacts by overflow time
	grace     heap[*agent]      // disconnected agents by end of grace
	cands     heap[*pool]       // Step's scratch: pools with work, by their best contact
	dirty     []*pool           // pools that gained an agent or a contact since the last Step
	pending   []Decision        // withdrawals made outside Step, returned by the next Step
}

// New returns an empty engine.
func New(cfg Config) *Engine {
	d := DefaultConfig()
	switch {
	case cfg.PresenceGrace == 0:
		cfg.PresenceGrace = d.PresenceGrace
	case cfg.PresenceGrace < 0:
		cfg.PresenceGrace = 0
	}
	if cfg.DefaultOfferTimeout <= 0 {
		cfg.DefaultOfferTimeout = d.DefaultOfferTimeout
	}
	if cfg.DefaultHandleTime <= 0 {
		cfg.DefaultHandleTime = d.DefaultHandleTime
	}
	return &Engine{
		cfg:      cfg,
		agents:   make(map[string]*agent),
		queues:   make(map[string]*queue),
		contacts: make(map[string]*contact),
		groups:   make(map[string]*group),
		offers: heap[*contact]{
			less: func(x, y *contact) bool {
				if x.expires != y.expires {
					return x.expires < y.expires
				}
				return x.id < y.id
			},
			pos: func(c *contact) *int { return &c.offerAt },
		},
		overflows: heap[*contact]{
			less: func(x, y *contact) bool {
				if x.due != y.due {
					return x.due < y.due
				}
				return x.id < y.id
			},
			pos: func(c *contact) *int { return &c.dueAt },
		},
		grace: heap[*agent]{
			less: func(x, y *agent) bool {
				if x.graceDue != y.graceDue {
					return x.graceDue < y.graceDue
				}
				return x.id < y.id
			},
			pos: func(a *agent) *int { return &a.graceAt },
		},
		cands: heap[*pool]{
			less: func(x, y *pool) bool { return laneBefore(x.lanes.top(), y.lanes.top()) },
			pos:  func(p *pool) *int { return &p.cand },
		},
	}
}

// SetQueue adds a queue or updates its skills, priority, overflow and offer
// timeout. Waiting contacts stay in line; their overflow time is recomputed
// from the new settings.
func (e *Engine) SetQueue(q minwon.Queue) {
	key, skills := skillSet(q.Skills)
	q.Skills = skills
	qq := e.queues[q.ID]
	if qq == nil {
		qq = &queue{aht: e.cfg.DefaultHandleTime}
		e.queues[q.ID] = qq
	}
	qq.cfg = q
	g := e.groups[key]
	if g == nil {
		g = e.newGroup(key, skills)
	}
	if old := qq.group; old != g {
		g.queues++
		qq.group = g
		for _, l := range qq.lanes {
			if l.at >= 0 {
				l.pool.lanes.remove(l.at)
			}
			l.pool = e.pool(g, l.ch)
			if len(l.waiting) > 0 {
				l.pool.lanes.push(l)
				e.markDirty(l.pool)
			}
		}
		if old != nil {
			if old.queues--; old.queues == 0 {
				e.dropGroup(old)
			}
		}
	} else {
		for _, l := range qq.lanes {
			if l.at >= 0 {
				l.pool.lanes.fix(l.at) // the priority may have changed
			}
		}
	}
	for _, l := range qq.lanes {
		for _, c := range l.waiting {
			e.armOverflow(c)
		}
	}
}

// SetAgent adds an agent or updates its skills and capacity per channel,
// keeping its state and contacts. A new agent is neither ready nor connected:
// it is offered nothing until SetReady and SetConnected say otherwise, so that
// availability always follows a real desktop session.
func (e *Engine) SetAgent(id string, skills []string, capacity map[minwon.Channel]int) {
	a := e.agents[id]
	if a == nil {
		a = &agent{id: id, lapsed: true, lastOffer: math.MinInt64, graceAt: -1}
		e.agents[id] = a
	}
	e.detachAll(a)
	_, set := skillSet(skills)
	a.skills = make(map[string]struct{}, len(set))
	for _, s := range set {
		a.skills[s] = struct{}{}
	}
	a.setCapacity(capacity)
	for _, g := range e.groupList {
		if g.covers(a) {
			e.attachGroup(a, g)
		}
	}
	e.refresh(a)
}

// RemoveAgent forgets an agent. Its pending offers are withdrawn: the contacts
// go back to the head of their queues at once, and the next Step reports a
// DecisionWithdrawn for each. Contacts it had accepted stay known to the
// engine (so that Release and Transfer still work) but no longer count against
// any agent.
func (e *Engine) RemoveAgent(id string, now time.Time) {
	e.tick(now)
	a := e.agents[id]
	if a == nil {
		return
	}
	a.removed = true
	e.refresh(a)
	e.pending = e.withdraw(a, e.pending)
	e.detachAll(a)
	if a.graceAt >= 0 {
		e.grace.remove(a.graceAt)
	}
	delete(e.agents, id)
}

// SetReady records that the agent chose to take contacts (true) or went on
// break, away, offline or after-contact work (false). Becoming ready starts
// its idle time, which orders agents for offers. Offers already ringing stay
// until they are accepted, declined or lapse. Unknown agents are ignored.
func (e *Engine) SetReady(id string, ready bool, now time.Time) {
	t := e.tick(now)
	a := e.agents[id]
	if a == nil {
		return
	}
	if ready && !a.ready {
		// With contacts still open, Release restarts the idle time when the
		// last one ends.
		a.idle = t
	}
	a.ready = ready
	e.refresh(a)
}

// SetConnected records the agent's desktop session going up or down. An agent
// disconnected for longer than PresenceGrace is offered nothing, and the next
// Step withdraws its pending offers, until it connects again. Unknown agents
// are ignored.
func (e *Engine) SetConnected(id string, connected bool, now time.Time) {
	t := e.tick(now)
	a := e.agents[id]
	if a == nil || a.connected == connected {
		return
	}
	a.connected = connected
	if connected {
		a.lapsed = false
		if a.graceAt >= 0 {
			e.grace.remove(a.graceAt)
		}
	} else {
		a.graceDue = t + int64(e.cfg.PresenceGrace)
		e.grace.push(a)
	}
	e.refresh(a)
}

// Enqueue puts a new contact in line. It fails with EINVALID for a missing ID,
// channel or Since or an unknown queue, and with ECONFLICT when the engine
// already knows the contact.
func (e *Engine) Enqueue(c Contact) error {
	switch {
	case c.ID == "":
		return minwon.Errorf(minwon.EINVALID, "contact has no ID")
	case c.Channel == "":
		return minwon.Errorf(minwon.EINVALID, "contact %s has no channel", c.ID)
	case c.Since.IsZero():
		return minwon.Errorf(minwon.EINVALID, "contact %s has no arrival time", c.ID)
	}
	q := e.queues[c.QueueID]
	if q == nil {
		return minwon.Errorf(minwon.EINVALID, "unknown queue %q", c.QueueID)
	}
	if _, ok := e.contacts[c.ID]; ok {
		return minwon.Errorf(minwon.ECONFLICT, "contact %s is already routed", c.ID)
	}
	t := c.Since.UnixNano()
	cc := &contact{id: c.ID, ch: c.Channel, priority: c.Priority, head: c.Head, since: t, order: t, offerAt: -1, dueAt: -1}
	e.contacts[c.ID] = cc
	e.wait(cc, q)
	return nil
}

// Cancel removes a contact that is waiting or offered, because the citizen
// left or the contact was closed elsewhere, and returns the agent it was
// offered to, if any, so the caller can take the offer off that desktop. A
// contact already accepted should be Released instead; Cancel frees its
// capacity all the same but feeds no handle time.
func (e *Engine) Cancel(contactID string) (offeredTo string) {
	c := e.contacts[contactID]
	if c == nil {
		return ""
	}
	if c.state == stateOffered {
		offeredTo = c.agent.id
	}
	e.detach(c, e.clock, false)
	delete(e.contacts, contactID)
	return offeredTo
}

// Accept records that the agent answered the offer; the contact keeps the
// unit of capacity the offer reserved. It fails with ENOTFOUND for an unknown
// contact or agent and with ECONFLICT when the contact is not currently
// offered to this agent (the offer lapsed, or went to someone else).
func (e *Engine) Accept(contactID, agentID string, now time.Time) error {
	t := e.tick(now)
	c, a, err := e.offered(contactID, agentID)
	if err != nil {
		return err
	}
	e.offers.remove(c.offerAt)
	a.dropOffer(c)
	c.state, c.accepted, c.sample = stateActive, t, true
	a.work++
	return nil
}

// Decline records that the agent refused the offer: the contact goes back to
// the head of its queue and the agent is made not ready, as after a lapsed
// offer. Errors are those of Accept.
func (e *Engine) Decline(contactID, agentID string, now time.Time) error {
	e.tick(now)
	c, a, err := e.offered(contactID, agentID)
	if err != nil {
		return err
	}
	a.ready = false
	e.unoffer(c)
	e.refresh(a)
	e.requeue(c)
	return nil
}

// Assign records a contact handled by an agent outside routing: restored at
// start-up, or transferred straight to the agent. It occupies one unit of the
// agent's capacity on the channel even beyond the agent's capacity, since a
// person already decided. A contact the engine knew leaves its queue, offer
// or previous agent first. An agent not yet known is created, not ready and
// not connected, so that a later SetAgent finds its load. Assigned contacts
// feed no handle time: their start is not known here.
func (e *Engine) Assign(agentID string, contactID string, channel minwon.Channel, now time.Time) {
	t := e.tick(now)
	a := e.agents[agentID]
	if a == nil {
		e.SetAgent(agentID, nil, nil)
		a = e.agents[agentID]
	}
	c := e.contacts[contactID]
	if c == nil {
		c = &contact{id: contactID, offerAt: -1, dueAt: -1}
		e.contacts[contactID] = c
	} else {
		if c.state == stateActive && c.agent == a && c.ch == channel {
			return
		}
		e.detach(c, t, false)
	}
	c.ch = channel
	c.state, c.agent, c.accepted, c.sample = stateActive, a, t, false
	s := a.slot(channel)
	if s < 0 {
		a.slots = append(a.slots, slot{ch: channel})
		s = len(a.slots) - 1
	}
	a.slots[s].used++
	a.load++
	a.work++
	e.refresh(a)
}

// Release records that a contact finished. It frees the agent's capacity,
// feeds the handle time (now minus acceptance) into the average of the queue
// it was accepted from, and, when it was the agent's last contact, starts the
// agent's idle time at now. Releasing a waiting or offered contact just
// removes it.
func (e *Engine) Release(contactID string, now time.Time) {
	t := e.tick(now)
	c := e.contacts[contactID]
	if c == nil {
		return
	}
	e.detach(c, t, true)
	delete(e.contacts, contactID)
}

// Transfer moves a contact, in whatever state, to the back of its priority in
// toQueue: Since and its place in line both restart at now, since a transfer
// is a new request rather than the same wait continued. The handle time so far
// is not sampled; a pending offer is taken back without a Decision, as the
// caller asked for it. It fails with ENOTFOUND for an unknown contact and
// EINVALID for an unknown queue.
func (e *Engine) Transfer(contactID, toQueue string, now time.Time) error {
	t := e.tick(now)
	c := e.contacts[contactID]
	if c == nil {
		return minwon.Errorf(minwon.ENOTFOUND, "unknown contact %s", contactID)
	}
	q := e.queues[toQueue]
	if q == nil {
		return minwon.Errorf(minwon.EINVALID, "unknown queue %q", toQueue)
	}
	e.detach(c, t, false)
	c.since, c.order, c.head = t, t, false
	e.wait(c, q)
	return nil
}

// Step does all work due at now and returns what it decided, in this order:
// withdrawals made by RemoveAgent since the last Step; offers that lapsed;
// offers withdrawn from agents disconnected beyond grace; overflows; and new
// offers. A contact whose offer lapsed can be offered to another agent in the
// same Step.
func (e *Engine) Step(now time.Time) []Decision {
	t := e.tick(now)
	out := e.pending
	e.pending = nil
	for e.offers.len() > 0 && e.offers.top().expires <= t {
		c := e.offers.top()
		a := c.agent
		a.ready = false // the caller records the agent away
		e.unoffer(c)
		e.refresh(a)
		e.requeue(c)
		out = append(out, Decision{Kind: DecisionOfferLapsed, ContactID: c.id, AgentID: a.id, QueueID: c.q.cfg.ID})
	}
	for e.grace.len() > 0 && e.grace.top().graceDue <= t {
		a := e.grace.remove(0)
		a.lapsed = true
		e.refresh(a)
		out = e.withdraw(a, out)
	}
	for e.overflows.len() > 0 && e.overflows.top().due <= t {
		c := e.overflows.top()
		from := c.q
		to := e.queues[from.cfg.OverflowQueue]
		if to == nil {
			// Stay put; SetQueue re-arms the timer once the setting is fixed.
			e.overflows.remove(0)
			continue
		}
		e.unwait(c)
		// The place in line (order) is kept: a contact that waited in the
		// first queue goes ahead of those that arrived after it.
		c.since, c.head = t, false
		e.wait(c, to)
		out = append(out, Decision{Kind: DecisionOverflow, ContactID: c.id, QueueID: to.cfg.ID, FromQueue: from.cfg.ID})
	}
	return e.match(now, out)
}

// match offers waiting contacts to free agents until no pool has both. The
// best contact of all pools goes first, so an agent who could serve several
// queues gets the one from the highest-priority queue that waited longest, and
// that contact gets the best agent of its pool.
func (e *Engine) match(now time.Time, out []Decision) []Decision {
	for _, p := range e.dirty {
		p.dirty = false
		if p.agents.len() > 0 && p.lanes.len() > 0 {
			e.cands.push(p)
		}
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
	for e.cands.len() > 0 {
		p := e.cands.top()
		if p.agents.len() == 0 {
			// An offer elsewhere took its last agent; pools only lose agents
			// while matching, so it cannot come back in this Step.
			e.cands.remove(0)
			continue
		}
		c := p.lanes.top().waiting[0]
		a := p.agents.top().m.a
		out = append(out, e.offer(c, a, now))
		// Only this pool's best contact changed; the other candidates keep
		// their keys.
		if p.lanes.len() == 0 || p.agents.len() == 0 {
			e.cands.remove(0)
		} else {
			e.cands.fix(0)
		}
	}
	return out
}

// Position returns the contact's 1-based place among the contacts waiting in
// its queue on the same channel, and an estimated wait. ok is false when the
// contact is not waiting (unknown, offered or answered).
//
// Contacts on other channels are not counted: they compete for other capacity.
// The estimate is position × average handle time ÷ staffed capacity, where
// staffed capacity is the sum of the channel capacity of the agents who are
// ready and connected and have the queue's skills. With c units of capacity
// busy, one frees up every AHT/c on average, so the n-th in line waits about
// n·AHT/c; it is rounded up to whole seconds, which is what a citizen sees.
// The literal ceil(n/c)·AHT would tell the first of many callers to wait a
// full handle time while a counselor is about to free up.
func (e *Engine) Position(contactID string, now time.Time) (pos int, wait time.Duration, ok bool) {
	e.tick(now)
	c := e.contacts[contactID]
	if c == nil || c.state != stateWaiting {
		return 0, 0, false
	}
	l := c.q.lane(c.ch)
	i, _ := slices.BinarySearchFunc(l.waiting, c, contactCmp)
	pos = i + 1
	capacity := max(1, c.q.group.staffed[c.ch])
	wait = time.Duration(int64(pos) * int64(c.q.aht) / int64(capacity))
	if r := wait % time.Second; r != 0 {
		wait += time.Second - r
	}
	return pos, wait, true
}

// QueueStats returns, for the wallboard, the number of contacts waiting in the
// queue, how long the longest-waiting of them has waited (counting from its
// original arrival for contacts that overflowed here: the citizen's wait, not
// the queue's), and how many agents could take one of its contacts right now:
// ready, connected (or within grace), with the queue's skills and free
// capacity on any channel.
func (e *Engine) QueueStats(queueID string, now time.Time) (waiting int, longest time.Duration, ready int) {
	t := e.tick(now)
	q := e.queues[queueID]
	if q == nil {
		return 0, 0, 0
	}
	for _, l := range q.lanes {
		waiting += len(l.waiting)
		for _, c := range l.waiting {
			longest = max(longest, time.Duration(t-c.order))
		}
	}
	return waiting, longest, q.group.ready
}

// NextDeadline returns the earliest time at which Step would do something
// without new input: an offer lapsing, a grace period ending, a contact
// overflowing. It returns the zero time and true when Step has work already
// (input since the last Step left a contact and a free agent that match, or
// RemoveAgent withdrew offers), and false when nothing is scheduled.
func (e *Engine) NextDeadline() (time.Time, bool) {
	if len(e.pending) > 0 {
		return time.Time{}, true
	}
	for _, p := range e.dirty {
		if p.agents.len() > 0 && p.lanes.len() > 0 {
			return time.Time{}, true
		}
	}
	var next int64 = math.MaxInt64
	if e.offers.len() > 0 {
		next = min(next, e.offers.top().expires)
	}
	if e.grace.len() > 0 {
		next = min(next, e.grace.top().graceDue)
	}
	if e.overflows.len() > 0 {
		next = min(next, e.overflows.top().due)
	}
	if next == math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, next).UTC(), true
}

// tick converts now to the engine's nanosecond clock and remembers the latest.
func (e *Engine) tick(now time.Time) int64 {
	t := now.UnixNano()
	e.clock = max(e.clock, t)
	return t
}

// offered finds a contact offered to an agent, for Accept and Decline.
func (e *Engine) offered(contactID, agentID string) (*contact, *agent, error) {
	c := e.contacts[contactID]
	if c == nil {
		return nil, nil, minwon.Errorf(minwon.ENOTFOUND, "unknown contact %s", contactID)
	}
	a := e.agents[agentID]
	if a == nil {
		return nil, nil, minwon.Errorf(minwon.ENOTFOUND, "unknown agent %s", agentID)
	}
	if c.state != stateOffered || c.agent != a {
		return nil, nil, minwon.Errorf(minwon.ECONFLICT, "contact %s is not offered to agent %s", contactID, agentID)
	}
	return c, a, nil
}

// skillSet returns the sorted, de-duplicated skills and a key naming the set.
func skillSet(skills []string) (string, []string) {
	s := slices.Clone(skills)
	slices.Sort(s)
	s = slices.Compact(s)
	if s == nil {
		s = []string{}
	}
	return strings.Join(s, "\x00"), s
}
