package acd

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// ahtWeight is the inverse weight of a new handle-time sample in a queue's
// moving average: about the last ten contacts dominate, so the estimate
// follows a change of topic within the hour without jumping on one long call.
const ahtWeight = 10

type contactState uint8

const (
	stateWaiting contactState = iota + 1
	stateOffered
	stateActive
)

// contact is the engine's view of a contact. Times are Unix nanoseconds:
// integer comparisons keep the heaps cheap.
type contact struct {
	id       string
	ch       minwon.Channel
	priority int
	head     bool
	since    int64 // entered its current queue; overflow counts from here
	order    int64 // place in line: arrival, kept across overflow
	q        *queue
	state    contactState
	agent    *agent // offered to or handled by
	expires  int64  // offer expiry
	due      int64  // overflow time
	accepted int64
	sample   bool // accepted from q, so its handle time feeds q's average
	offerAt  int  // index in Engine.offers, or -1
	dueAt    int  // index in Engine.overflows, or -1
}

// contactCmp orders contacts within one queue and channel: higher priority,
// then re-queued at the head, then earlier arrival, then ID.
func contactCmp(x, y *contact) int {
	switch {
	case x.priority != y.priority:
		return cmp.Compare(y.priority, x.priority)
	case x.head != y.head:
		if x.head {
			return -1
		}
		return 1
	case x.order != y.order:
		return cmp.Compare(x.order, y.order)
	}
	return strings.Compare(x.id, y.id)
}

type queue struct {
	cfg   minwon.Queue
	group *group
	lanes []*lane // one per channel that has had a contact; a handful
	aht   time.Duration
}

// lane finds the queue's line for a channel, or nil.
func (q *queue) lane(ch minwon.Channel) *lane {
	for _, l := range q.lanes {
		if l.ch == ch {
			return l
		}
	}
	return nil
}

// lane finds or makes the queue's line for a channel.
func (e *Engine) lane(q *queue, ch minwon.Channel) *lane {
	if l := q.lane(ch); l != nil {
		return l
	}
	l := &lane{q: q, ch: ch, pool: e.pool(q.group, ch), at: -1}
	q.lanes = append(q.lanes, l)
	return l
}

// lane is one queue's line of waiting contacts on one channel, kept sorted
// best first. A sorted slice beats a tree here: lines are short, inserts and
// removals are one memmove, and Position is a binary search.
type lane struct {
	q       *queue
	ch      minwon.Channel
	pool    *pool
	waiting []*contact
	at      int // index in pool.lanes while it has contacts, or -1
}

// laneBefore orders the lines of a pool by their first contact: higher queue
// priority, then the contact that waited longest, then contact ID.
func laneBefore(x, y *lane) bool {
	if x.q.cfg.Priority != y.q.cfg.Priority {
		return x.q.cfg.Priority > y.q.cfg.Priority
	}
	cx, cy := x.waiting[0], y.waiting[0]
	if cx.order != cy.order {
		return cx.order < cy.order
	}
	return cx.id < cy.id
}

// group gathers the queues that need one skill set and the agents who have
// it, so that eligibility is computed once per set, not per queue.
type group struct {
	key     string
	skills  []string
	queues  int
	pools   []*pool // one per channel
	agents  map[*agent]struct{}
	ready   int                    // agents counted available (see agent.avail)
	staffed map[minwon.Channel]int // capacity of agents counted staffed
}

func (g *group) covers(a *agent) bool {
	for _, s := range g.skills {
		if _, ok := a.skills[s]; !ok {
			return false
		}
	}
	return true
}

// pool finds or makes the group's pool for a channel. A pool is made when a
// queue of the group first sees a contact on the channel, and only then are
// agents seated in it: agents are not kept sorted for channels no queue of
// theirs uses (SMS, or video outside the sign-language queues).
func (e *Engine) pool(g *group, ch minwon.Channel) *pool {
	for _, p := range g.pools {
		if p.ch == ch {
			return p
		}
	}
	p := &pool{
		g:    g,
		ch:   ch,
		cand: -1,
		agents: heap[seat]{
			less: seatBefore,
			pos:  func(s seat) *int { return &s.m.at },
		},
		lanes: heap[*lane]{
			less: laneBefore,
			pos:  func(l *lane) *int { return &l.at },
		},
	}
	g.pools = append(g.pools, p)
	for a := range g.agents {
		if a.seatIn(p) {
			e.refresh(a)
		}
	}
	return p
}

// pool is where contacts of one channel needing one skill set meet the agents
// who can take them now. Routing only ever looks at the tops of its heaps.
type pool struct {
	g      *group
	ch     minwon.Channel
	agents heap[seat]  // agents who could take a contact now, best first
	lanes  heap[*lane] // queues with contacts waiting, best first contact first
	dirty  bool        // in Engine.dirty
	cand   int         // index in Engine.cands during Step, or -1
}

// member is an agent's membership of one pool.
type member struct {
	a    *agent
	p    *pool
	slot int // index in a.slots of the pool's channel
	at   int // index in p.agents, or -1
}

// seat is a member's entry in its pool's heap. It carries a copy of the
// agent's sort key so that sifting compares without chasing pointers to
// agents scattered over the heap memory; refresh keeps the copies current.
type seat struct {
	load int    // offered and accepted contacts; 0 is idle
	time int64  // idle since when load is 0, else last offer
	id   string // agent ID
	m    *member
}

// seatBefore orders the agents of a pool for the next offer: agents with no
// contact at all by longest idle; after them agents with some load, least
// loaded first, then longest since their last offer; ties by ID.
func seatBefore(x, y seat) bool {
	if x.load != y.load {
		return x.load < y.load
	}
	if x.time != y.time {
		return x.time < y.time
	}
	return x.id < y.id
}

func (m *member) seat() seat {
	a := m.a
	t := a.lastOffer
	if a.load == 0 {
		t = a.idle
	}
	return seat{load: a.load, time: t, id: a.id, m: m}
}

// slot is an agent's capacity and use on one channel.
type slot struct {
	ch        minwon.Channel
	cap, used int // used counts offers and accepted contacts
}

type agent struct {
	id        string
	skills    map[string]struct{}
	slots     []slot
	load      int // offered and accepted contacts, all channels
	work      int // accepted contacts
	ready     bool
	connected bool
	lapsed    bool // disconnected beyond grace, or never connected
	removed   bool
	idle      int64 // idle since; orders agents with no contact
	lastOffer int64
	graceDue  int64
	graceAt   int // index in Engine.grace, or -1
	groups    []*group
	members   []*member
	offers    []*contact // pending offers
	staffed   bool       // counted in its groups' staffed capacity
	avail     bool       // counted in its groups' ready figure
}

func (a *agent) slot(ch minwon.Channel) int {
	for i := range a.slots {
		if a.slots[i].ch == ch {
			return i
		}
	}
	return -1
}

// setCapacity replaces the capacities, keeping the use of channels that are
// no longer staffed so that releasing their contacts still balances.
func (a *agent) setCapacity(capacity map[minwon.Channel]int) {
	slots := make([]slot, 0, len(capacity))
	for ch, n := range capacity {
		slots = append(slots, slot{ch: ch, cap: max(n, 0)})
	}
	for _, s := range a.slots {
		if s.used == 0 {
			continue
		}
		i := slices.IndexFunc(slots, func(n slot) bool { return n.ch == s.ch })
		if i < 0 {
			slots = append(slots, slot{ch: s.ch})
			i = len(slots) - 1
		}
		slots[i].used = s.used
	}
	slices.SortFunc(slots, func(x, y slot) int { return strings.Compare(string(x.ch), string(y.ch)) })
	a.slots = slots
}

// seatIn makes the agent a member of p if it has capacity on p's channel;
// the caller then refreshes the agent to seat it.
func (a *agent) seatIn(p *pool) bool {
	i := a.slot(p.ch)
	if i < 0 || a.slots[i].cap == 0 {
		return false
	}
	a.members = append(a.members, &member{a: a, p: p, slot: i, at: -1})
	return true
}

func (a *agent) dropOffer(c *contact) {
	if i := slices.Index(a.offers, c); i >= 0 {
		a.offers = slices.Delete(a.offers, i, i+1)
	}
}

// refresh brings every index up to date with the agent's state: its place in
// each pool's heap and its groups' ready and staffed figures. Every change to
// an agent ends with it, so the indexes never need a scan to be rebuilt.
func (e *Engine) refresh(a *agent) {
	staffed := a.ready && !a.removed && (a.connected || !a.lapsed)
	avail := false
	if staffed {
		for _, s := range a.slots {
			if s.used < s.cap {
				avail = true
				break
			}
		}
	}
	if staffed != a.staffed {
		d := 1
		if !staffed {
			d = -1
		}
		for _, g := range a.groups {
			for _, s := range a.slots {
				g.staffed[s.ch] += d * s.cap
			}
		}
		a.staffed = staffed
	}
	if avail != a.avail {
		d := 1
		if !avail {
			d = -1
		}
		for _, g := range a.groups {
			g.ready += d
		}
		a.avail = avail
	}
	for _, m := range a.members {
		s := &a.slots[m.slot]
		switch ok := staffed && s.used < s.cap; {
		case ok && m.at < 0:
			m.p.agents.push(m.seat())
			e.markDirty(m.p)
		case ok:
			if k := m.seat(); k != m.p.agents.s[m.at] { // load, idle time or last offer changed
				m.p.agents.s[m.at] = k
				m.p.agents.fix(m.at)
			}
		case m.at >= 0:
			m.p.agents.remove(m.at)
		}
	}
}

func (e *Engine) markDirty(p *pool) {
	if !p.dirty {
		p.dirty = true
		e.dirty = append(e.dirty, p)
	}
}

// newGroup makes the group for a skill set and enrols the agents who have it.
// It scans every agent, which is fine: skill sets are configuration.
func (e *Engine) newGroup(key string, skills []string) *group {
	g := &group{key: key, skills: skills, agents: make(map[*agent]struct{}), staffed: make(map[minwon.Channel]int)}
	e.groups[key] = g
	i, _ := slices.BinarySearchFunc(e.groupList, key, func(g *group, k string) int { return strings.Compare(g.key, k) })
	e.groupList = slices.Insert(e.groupList, i, g)
	for _, a := range e.agents {
		if g.covers(a) {
			e.attachGroup(a, g) // no pools yet, so nothing to seat
		}
	}
	return g
}

// dropGroup forgets a group that no queue uses any more, so that agents stop
// paying for its pools on every change.
func (e *Engine) dropGroup(g *group) {
	for a := range g.agents {
		e.detachGroup(a, g)
	}
	delete(e.groups, g.key)
	if i := slices.Index(e.groupList, g); i >= 0 {
		e.groupList = slices.Delete(e.groupList, i, i+1)
	}
}

// attachGroup enrols the agent in a group; the caller then refreshes it to
// enter the pools' heaps.
func (e *Engine) attachGroup(a *agent, g *group) {
	g.agents[a] = struct{}{}
	a.groups = append(a.groups, g)
	for _, p := range g.pools {
		a.seatIn(p)
	}
	if a.staffed {
		for _, s := range a.slots {
			g.staffed[s.ch] += s.cap
		}
	}
	if a.avail {
		g.ready++
	}
}

func (e *Engine) detachGroup(a *agent, g *group) {
	a.members = slices.DeleteFunc(a.members, func(m *member) bool {
		if m.p.g != g {
			return false
		}
		if m.at >= 0 {
			m.p.agents.remove(m.at)
		}
		return true
	})
	a.groups = slices.DeleteFunc(a.groups, func(x *group) bool { return x == g })
	if a.staffed {
		for _, s := range a.slots {
			g.staffed[s.ch] -= s.cap
		}
	}
	if a.avail {
		g.ready--
	}
	delete(g.agents, a)
}

func (e *Engine) detachAll(a *agent) {
	for len(a.groups) > 0 {
		e.detachGroup(a, a.groups[len(a.groups)-1])
	}
}

// wait puts a contact in line in q.
func (e *Engine) wait(c *contact, q *queue) {
	c.q, c.state, c.agent, c.sample = q, stateWaiting, nil, false
	l := e.lane(q, c.ch)
	i, _ := slices.BinarySearchFunc(l.waiting, c, contactCmp)
	l.waiting = slices.Insert(l.waiting, i, c)
	if i == 0 {
		if l.at < 0 {
			l.pool.lanes.push(l)
		} else {
			l.pool.lanes.fix(l.at)
		}
	}
	e.markDirty(l.pool)
	e.armOverflow(c)
}

// unwait takes a waiting contact out of line.
func (e *Engine) unwait(c *contact) {
	l := c.q.lane(c.ch)
	i, found := slices.BinarySearchFunc(l.waiting, c, contactCmp)
	if !found {
		panic("acd: waiting contact " + c.id + " is not in its line") // an index is corrupt; better loud than misrouting
	}
	l.waiting = slices.Delete(l.waiting, i, i+1)
	if i == 0 {
		if len(l.waiting) == 0 {
			l.pool.lanes.remove(l.at)
		} else {
			l.pool.lanes.fix(l.at)
		}
	}
	if c.dueAt >= 0 {
		e.overflows.remove(c.dueAt)
	}
	c.state = 0
}

// requeue puts a contact whose offer ended back at the head of its queue.
func (e *Engine) requeue(c *contact) {
	c.head = true
	e.wait(c, c.q)
}

// armOverflow (re)schedules a waiting contact's overflow from its queue's
// current settings.
func (e *Engine) armOverflow(c *contact) {
	if c.dueAt >= 0 {
		e.overflows.remove(c.dueAt)
	}
	q := &c.q.cfg
	if c.state == stateWaiting && q.OverflowQueue != "" && q.OverflowQueue != q.ID && q.OverflowAfter > 0 {
		c.due = c.since + int64(q.OverflowAfter)
		e.overflows.push(c)
	}
}

// offer reserves one unit of the agent's capacity for the contact.
func (e *Engine) offer(c *contact, a *agent, now time.Time) Decision {
	e.unwait(c)
	timeout := c.q.cfg.OfferTimeout
	if timeout <= 0 {
		timeout = e.cfg.DefaultOfferTimeout
	}
	exp := now.Add(timeout)
	c.state, c.agent, c.expires = stateOffered, a, exp.UnixNano()
	e.offers.push(c)
	a.slots[a.slot(c.ch)].used++
	a.load++
	a.lastOffer = now.UnixNano()
	a.offers = append(a.offers, c)
	e.refresh(a)
	return Decision{Kind: DecisionOffer, ContactID: c.id, AgentID: a.id, QueueID: c.q.cfg.ID, ExpiresAt: exp}
}

// unoffer ends an offer without acceptance and frees its capacity; the caller
// refreshes the agent. The agent's idle time is untouched: an offer that came
// to nothing should not send it to the back of the line.
func (e *Engine) unoffer(c *contact) {
	a := c.agent
	e.offers.remove(c.offerAt)
	a.dropOffer(c)
	a.slots[a.slot(c.ch)].used--
	a.load--
	c.agent, c.state = nil, 0
}

// withdraw takes back every offer pending to a, in contact ID order, and
// returns out with a DecisionWithdrawn for each.
func (e *Engine) withdraw(a *agent, out []Decision) []Decision {
	if len(a.offers) == 0 {
		return out
	}
	offers := slices.Clone(a.offers)
	slices.SortFunc(offers, func(x, y *contact) int { return strings.Compare(x.id, y.id) })
	for _, c := range offers {
		e.unoffer(c)
		e.requeue(c)
		out = append(out, Decision{Kind: DecisionWithdrawn, ContactID: c.id, AgentID: a.id, QueueID: c.q.cfg.ID})
	}
	e.refresh(a)
	return out
}

// detach takes a contact away from its line, offer or agent. sample says
// whether an accepted contact's handle time feeds its queue's average.
func (e *Engine) detach(c *contact, t int64, sample bool) {
	switch c.state {
	case stateWaiting:
		e.unwait(c)
	case stateOffered:
		a := c.agent
		e.unoffer(c)
		e.refresh(a)
	case stateActive:
		a := c.agent
		a.slots[a.slot(c.ch)].used--
		a.load--
		a.work--
		if a.work == 0 {
			a.idle = t
		}
		if sample && c.sample {
			c.q.aht += (time.Duration(t-c.accepted) - c.q.aht) / ahtWeight
		}
		c.agent, c.state = nil, 0
		e.refresh(a)
	}
}
