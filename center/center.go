// Package center runs a contact center's live state: it takes commands from
// citizens, counselors and supervisors, checks them against the in-memory
// state, stores the resulting events, applies them, asks the routing engine
// what to do next and publishes everything on the bus.
//
// Every command follows one path (see Center.commit): validate under the lock,
// build events, append them to the store, then apply and publish. Live state is
// rebuilt from the store at start, so a node can die at any moment.
package center

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/acd"
	"github.com/minwon/minwon/guard/policy"
)

// Config tunes a Center. Zero fields take DefaultConfig's values, except ACW,
// where zero means no after-contact work.
type Config struct {
	Now           func() time.Time
	Location      *time.Location // the center's time zone for "today"
	ACW           time.Duration  // after-contact work before the counselor is available again; 0: none
	PresenceGrace time.Duration  // desktop disconnected this long → offered nothing
	MaxLive       int            // admission ceiling: live contacts across the node
	Secret        []byte         // keys resume tokens and citizen identities
	TickEvery     time.Duration
	// ForgetAt is the time of day, in Location, at which the caller register
	// forgets what no policy window looks at any more; 0 is DefaultForgetAt
	// (04:00), negative never.
	ForgetAt time.Duration
	// Recording says where call recordings are kept and for how long
	// (center/recording.go).
	Recording RecordingConfig
}

// DefaultConfig returns settings that work with no input.
func DefaultConfig() Config {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		loc = time.FixedZone("KST", 9*3600)
	}
	return Config{
		Now:           time.Now,
		Location:      loc,
		ACW:           15 * time.Second,
		PresenceGrace: 15 * time.Second,
		MaxLive:       50000,
		TickEvery:     250 * time.Millisecond,
	}
}

// Center is the live contact center of one node.
type Center struct {
	cfg   Config
	store minwon.Store
	bus   minwon.Bus
	log   *slog.Logger

	kbMu     sync.Mutex // orders knowledge-base writes; taken before mu
	mu       sync.RWMutex
	engine   *acd.Engine
	tenants  map[string]*minwon.Tenant
	entries  map[string]*minwon.Tenant
	queues   map[string]*minwon.Queue
	users    map[string]*minwon.User
	agents   map[string]*agent
	contacts map[string]*live // not yet closed
	closing  bool
	pub      *publisher
	bot      Answerer // nil: no chat starts with the bot

	prot          *protection       // nil: counselor protection off
	dialer        CallbackDialer    // nil: counselors dial callbacks themselves
	ivr           ivrState          // business hours and IVR notices (ivr.go)
	classifier    policy.Classifier // set by SetClassifier
	classifierSet bool

	outbound map[string][]time.Time // recent outbound calls by user (outbound.go)

	interpreters map[string]*minwon.Interpreter // the tenants' pools (interpreter.go)
	interpUsed   map[string]time.Time           // when each interpreter was last rung

	ownConfig map[string]bool // configuration events this node committed (replicate.go)

	positionsAt time.Time // last queue-position broadcast
	forgetNext  time.Time // the caller register's next forgetting; zero: none

	purgeNext  time.Time      // the next recordings retention run; zero: none
	purging    bool           // a retention run is going on
	background sync.WaitGroup // retention runs, waited for by Close

	stop chan struct{}
	done chan struct{}
}

// agent is a counselor's live state.
type agent struct {
	user      *minwon.User
	state     minwon.AgentState
	reason    string
	since     time.Time
	conns     int
	contacts  map[string]bool
	acwUntil  time.Time
	monitored map[string]bool // contacts this supervisor watches
}

// live is a contact that is not closed yet.
type live struct {
	minwon.Contact
	msgMu     sync.Mutex // orders this contact's messages
	seq       int
	byClient  map[string]*minwon.Message
	monitors  map[string]bool
	offeredTo string
	lastPos   minwon.Position
	bot       botConv
	banner    string           // flagged caller: shown to the counselor
	callback  *minwon.Callback // the caller asked to be called back (callback.go)
	coach     *coach           // a supervisor on the call (coach.go)
	conf      *conference      // an interpreter on the call (interpreter.go)
	transfer  *pendingTransfer // a voice transfer under way (transfer.go)
	official  bool             // an outbound call of a department official (outbound.go)
	rec       callRec          // the call's recording, for incident evidence (evidence.go)
}

// New returns a Center. Call Start before use.
func New(cfg Config, store minwon.Store, bus minwon.Bus, log *slog.Logger) *Center {
	def := DefaultConfig()
	if cfg.Now == nil {
		cfg.Now = def.Now
	}
	if cfg.Location == nil {
		cfg.Location = def.Location
	}
	if cfg.PresenceGrace == 0 {
		cfg.PresenceGrace = def.PresenceGrace
	}
	if cfg.MaxLive == 0 {
		cfg.MaxLive = def.MaxLive
	}
	if cfg.TickEvery == 0 {
		cfg.TickEvery = def.TickEvery
	}
	if log == nil {
		log = slog.Default()
	}
	return &Center{cfg: cfg, store: store, bus: bus, log: log, pub: newPublisher(bus)}
}

// Now returns the center's clock.
func (c *Center) Now() time.Time { return c.cfg.Now() }

// Location returns the center's time zone.
func (c *Center) Location() *time.Location { return c.cfg.Location }

// Start rebuilds the live state from the store. With tick true it also runs
// the timer loop (offer timeouts, overflow, after-contact work); tests leave
// it off and call Tick with their own clock.
func (c *Center) Start(ctx context.Context, tick bool) error {
	if err := c.Reload(ctx); err != nil {
		return err
	}
	if tick {
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		go c.loop()
	}
	return nil
}

// Close stops the timer loop.
func (c *Center) Close() error {
	if c.stop != nil {
		close(c.stop)
		<-c.done
		c.stop = nil
	}
	c.background.Wait()
	return nil
}

// Drain stops taking new contacts; live ones go on.
func (c *Center) Drain() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
}

func (c *Center) loop() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.Tick(context.Background()); err != nil {
				c.log.Error("tick", "err", err)
			}
		}
	}
}

// Reload replaces the live state with what the store holds.
func (c *Center) Reload(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reload(ctx)
}

func (c *Center) reload(ctx context.Context) error {
	now := c.cfg.Now()
	// Desktops stay connected through a reload after a failed write; only a
	// fresh start has none.
	conns := map[string]int{}
	for id, a := range c.agents {
		conns[id] = a.conns
	}
	c.engine = acd.New(acd.Config{PresenceGrace: c.cfg.PresenceGrace})
	c.tenants = map[string]*minwon.Tenant{}
	c.entries = map[string]*minwon.Tenant{}
	c.queues = map[string]*minwon.Queue{}
	c.users = map[string]*minwon.User{}
	c.agents = map[string]*agent{}
	c.contacts = map[string]*live{}

	tenants, err := c.store.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("load tenants: %w", err)
	}
	if tenants, err = c.ensureSalts(ctx, tenants); err != nil {
		return err
	}
	for _, t := range tenants {
		c.applyTenant(t)
	}
	queues, err := c.store.Queues(ctx, "")
	if err != nil {
		return fmt.Errorf("load queues: %w", err)
	}
	for _, q := range queues {
		c.applyQueue(q)
	}
	users, err := c.store.Users(ctx, "")
	if err != nil {
		return fmt.Errorf("load users: %w", err)
	}
	for _, u := range users {
		c.applyUser(u, now)
	}
	// Agents' states of today; a counselor's desktop must reconnect anyway,
	// so presence starts disconnected and the grace period covers restarts.
	evs, err := c.store.Events(ctx, minwon.EventFilter{From: startOfDay(now, c.cfg.Location), Types: []minwon.EventType{minwon.EventAgentState}})
	if err != nil {
		return fmt.Errorf("load agent states: %w", err)
	}
	for _, ev := range evs {
		a := c.agents[ev.AgentID]
		var p minwon.AgentStateChanged
		if a == nil || ev.Decode(&p) != nil {
			continue
		}
		a.state, a.reason, a.since = p.State, p.Reason, ev.At
	}
	for id, a := range c.agents {
		a.conns = conns[id]
		if a.state != minwon.AgentOffline {
			c.engine.SetConnected(id, true, now) // without a desktop, the grace starts now
			c.engine.SetConnected(id, a.conns > 0, now)
			c.engine.SetReady(id, a.state == minwon.AgentAvailable || a.state == minwon.AgentBusy, now)
		}
	}
	open, err := c.store.Contacts(ctx, minwon.ContactFilter{States: []minwon.ContactState{
		minwon.ContactBot, minwon.ContactWaiting, minwon.ContactRinging, minwon.ContactActive, minwon.ContactWrapUp}})
	if err != nil {
		return fmt.Errorf("load live contacts: %w", err)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].CreatedAt.Before(open[j].CreatedAt) })
	for _, ct := range open {
		l := &live{Contact: *ct, byClient: map[string]*minwon.Message{}, monitors: map[string]bool{}}
		msgs, err := c.store.Messages(ctx, ct.ID, 0)
		if err != nil {
			return fmt.Errorf("load messages of %s: %w", ct.ID, err)
		}
		for _, m := range msgs {
			l.seq = m.Seq
			if m.ClientID != "" {
				l.byClient[m.ClientID] = m
			}
		}
		c.contacts[ct.ID] = l
		switch ct.State {
		case minwon.ContactBot: // with the bot: not routed
		case minwon.ContactWaiting, minwon.ContactRinging:
			// An offer in flight is lost with the node; the contact keeps its place.
			l.State = minwon.ContactWaiting
			if err := c.engine.Enqueue(acd.Contact{ID: ct.ID, QueueID: ct.QueueID, Channel: ct.Channel, Priority: ct.Priority, Since: ct.CreatedAt, Head: ct.State == minwon.ContactRinging}); err != nil {
				c.log.Warn("restore queued contact", "contact", ct.ID, "err", err)
			}
		default:
			if a := c.agents[ct.AgentID]; a != nil {
				a.contacts[ct.ID] = true
				c.engine.Assign(ct.AgentID, ct.ID, ct.Channel, now)
			}
		}
	}
	if err := c.reloadBot(ctx); err != nil {
		return fmt.Errorf("load bot conversations: %w", err)
	}
	if err := c.reloadProtection(ctx, now); err != nil {
		return err
	}
	if err := c.reloadPolicy(ctx, now); err != nil {
		return err
	}
	c.scheduleRecordings(now)
	if err := c.reloadIVR(ctx); err != nil {
		return err
	}
	if err := c.reloadInterpreters(ctx); err != nil {
		return err
	}
	if err := c.reloadCallbacks(ctx); err != nil {
		return fmt.Errorf("load callbacks: %w", err)
	}
	for _, l := range c.contacts {
		c.routeFlagged(l, false) // the banner only; the queue was chosen when it was created
	}
	return nil
}

func (c *Center) applyTenant(t *minwon.Tenant) {
	if old := c.tenants[t.ID]; old != nil {
		for _, e := range old.EntryPoints {
			delete(c.entries, e)
		}
	}
	c.tenants[t.ID] = t
	for _, e := range t.EntryPoints {
		c.entries[e] = t
	}
}

func (c *Center) applyQueue(q *minwon.Queue) {
	c.queues[q.ID] = q
	c.engine.SetQueue(*q)
}

func (c *Center) applyUser(u *minwon.User, now time.Time) {
	c.users[u.ID] = u
	if !u.IsAgent() {
		if a := c.agents[u.ID]; a != nil && len(a.contacts) == 0 {
			c.engine.RemoveAgent(u.ID, now)
			delete(c.agents, u.ID)
		}
		return
	}
	a := c.agents[u.ID]
	if a == nil {
		a = &agent{state: minwon.AgentOffline, since: now, contacts: map[string]bool{}, monitored: map[string]bool{}}
		c.agents[u.ID] = a
	}
	a.user = u
	capacity := u.Capacity
	if len(capacity) == 0 {
		capacity = minwon.DefaultCapacity()
	}
	c.engine.SetAgent(u.ID, u.Skills, capacity)
}

// commit stores evs, then publishes them. Callers hold c.mu and have already
// applied the events to memory; if storing fails, memory is rebuilt from the
// store so it never claims what was not stored.
//
// With a Submitter store the events are queued under the lock, which fixes
// their order, and the lock is released while they reach the disk, so other
// commands go on and share the commit. The publisher sends them on the bus in
// submission order once durable.
func (c *Center) commit(ctx context.Context, evs []*minwon.Event) error {
	if len(evs) == 0 {
		return nil
	}
	c.markOwnConfig(evs)
	if c.prot != nil {
		c.prot.apply(c, evs...)
	}
	sub, ok := c.store.(minwon.Submitter)
	if !ok {
		if err := c.store.Append(ctx, evs...); err != nil {
			c.recover(ctx)
			return fmt.Errorf("store events: %w", err)
		}
		return c.bus.Publish(ctx, evs...)
	}
	wait, err := sub.Submit(ctx, evs...)
	if err != nil {
		c.recover(ctx)
		return fmt.Errorf("store events: %w", err)
	}
	c.pub.push(evs, wait)
	c.mu.Unlock()
	err = wait()
	c.mu.Lock()
	if err != nil {
		c.recover(ctx)
		return fmt.Errorf("store events: %w", err)
	}
	return nil
}

func (c *Center) recover(ctx context.Context) {
	if err := c.reload(context.WithoutCancel(ctx)); err != nil {
		c.log.Error("reload after failed append", "err", err)
	}
}

// publisher sends committed events on the bus in the order they were
// submitted, whatever order their submitters wake up in.
type publisher struct {
	bus   minwon.Bus
	mu    sync.Mutex
	cond  *sync.Cond
	queue []pending
}

type pending struct {
	evs  []*minwon.Event
	wait func() error
}

func newPublisher(bus minwon.Bus) *publisher {
	p := &publisher{bus: bus}
	p.cond = sync.NewCond(&p.mu)
	go p.run()
	return p
}

func (p *publisher) push(evs []*minwon.Event, wait func() error) {
	p.mu.Lock()
	p.queue = append(p.queue, pending{evs, wait})
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *publisher) run() {
	for {
		p.mu.Lock()
		for len(p.queue) == 0 {
			p.cond.Wait()
		}
		batch := p.queue
		p.queue = nil
		p.mu.Unlock()
		for _, it := range batch {
			if it.wait() == nil {
				p.bus.Publish(context.Background(), it.evs...)
			}
		}
	}
}

// Tick runs timers: routing deadlines, after-contact work ending, queue
// position updates.
func (c *Center) Tick(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	var evs []*minwon.Event
	for id, a := range c.agents {
		if a.state == minwon.AgentACW && !a.acwUntil.IsZero() && !now.Before(a.acwUntil) {
			a.acwUntil = time.Time{}
			evs = append(evs, c.setState(id, a, minwon.AgentAvailable, "", now)...)
		}
	}
	evs = append(evs, c.endProtectiveBreaks(now)...)
	evs = append(evs, c.route(now)...)
	c.forget(ctx, now)
	c.purgeDue(now)
	if err := c.commit(ctx, evs); err != nil {
		return err
	}
	// Positions go out every couple of seconds, not every tick: while a long
	// queue drains, every waiting citizen's place changes each time.
	if now.Sub(c.positionsAt) >= positionsEvery || now.Before(c.positionsAt) {
		c.positionsAt = now
		c.publishPositions(ctx, now)
	}
	return nil
}

const positionsEvery = 2 * time.Second

// route asks the engine what to do and turns its decisions into events.
func (c *Center) route(now time.Time) []*minwon.Event {
	var evs []*minwon.Event
	for _, d := range c.engine.Step(now) {
		l := c.contacts[d.ContactID]
		if l == nil {
			continue
		}
		switch d.Kind {
		case acd.DecisionOffer:
			l.State, l.offeredTo = minwon.ContactRinging, d.AgentID
			ev := c.contactEvent(minwon.EventContactOffered, l, now, minwon.ContactOffered{ExpiresAt: d.ExpiresAt})
			ev.AgentID = d.AgentID
			evs = append(evs, ev)
		case acd.DecisionOfferLapsed, acd.DecisionWithdrawn:
			l.State, l.offeredTo = minwon.ContactWaiting, ""
			ev := c.contactEvent(minwon.EventOfferExpired, l, now, nil)
			ev.AgentID = d.AgentID
			evs = append(evs, ev)
			if a := c.agents[d.AgentID]; a != nil && d.Kind == acd.DecisionOfferLapsed && a.state == minwon.AgentAvailable {
				evs = append(evs, c.setState(d.AgentID, a, minwon.AgentAway, "missed offer", now)...)
			}
		case acd.DecisionOverflow:
			l.QueueID, l.State = d.QueueID, minwon.ContactWaiting
			evs = append(evs, c.contactEvent(minwon.EventContactQueued, l, now, minwon.ContactQueued{Reason: "overflow"}))
		}
	}
	return evs
}

func (c *Center) contactEvent(typ minwon.EventType, l *live, now time.Time, data any) *minwon.Event {
	ev := minwon.NewEvent(typ, now, data)
	ev.TenantID, ev.ContactID, ev.QueueID, ev.AgentID = l.TenantID, l.ID, l.QueueID, l.AgentID
	return ev
}

// publishPositions tells waiting citizens where they stand, only when it changed.
func (c *Center) publishPositions(ctx context.Context, now time.Time) {
	var evs []*minwon.Event
	for _, l := range c.contacts {
		if l.State != minwon.ContactWaiting {
			continue
		}
		pos, wait, ok := c.engine.Position(l.ID, now)
		if !ok {
			continue
		}
		p := minwon.Position{Position: pos, WaitSecs: int64(wait.Round(time.Second) / time.Second)}
		if p == l.lastPos {
			continue
		}
		l.lastPos = p
		evs = append(evs, c.contactEvent(minwon.EventPosition, l, now, p))
	}
	if len(evs) > 0 {
		c.bus.Publish(ctx, evs...)
	}
}

// NextDeadline is when the timer loop next has work, for tests and tuning.
func (c *Center) NextDeadline() (time.Time, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.engine.NextDeadline()
	if f := c.forgetNext; !f.IsZero() && (!ok || f.Before(t)) {
		t, ok = f, true
	}
	if p := c.purgeNext; !p.IsZero() && (!ok || p.Before(t)) {
		t, ok = p, true
	}
	return t, ok
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// StartOfDay returns midnight of now's day in the center's time zone.
func (c *Center) StartOfDay(now time.Time) time.Time { return startOfDay(now, c.cfg.Location) }

// sign returns an HMAC of parts under the center's secret.
func (c *Center) sign(parts ...string) string {
	m := hmac.New(sha256.New, c.cfg.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}
