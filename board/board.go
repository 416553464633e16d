// Package board keeps the supervisor status board: every counselor's state,
// waiting contacts, today's figures and the hourly chart. It is a projection
// of events — rebuilt from the store at start, then fed by the bus — so it
// never polls tables and works the same on every node.
package board

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// Agent is one row of the agents grid.
type Agent struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	State     minwon.AgentState `json:"state"`
	Reason    string            `json:"reason,omitempty"`
	Since     time.Time         `json:"since"`
	Connected bool              `json:"connected"`
	Contacts  int               `json:"contacts"`
	Handled   int               `json:"handled"`
	Incidents int               `json:"-"`
}

// Queue is one row of the queues table.
type Queue struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Waiting     int     `json:"waiting"`
	LongestWait float64 `json:"longest_wait_secs"`
	Ready       int     `json:"ready_agents"`
}

// Today holds the day's totals.
type Today struct {
	Offered      int `json:"offered"`
	Answered     int `json:"answered"`
	Abandoned    int `json:"abandoned"`
	AnsweredInSL int `json:"answered_in_sl"`
	// AbandonedShort counts citizens who gave up inside the threshold.
	AbandonedShort int     `json:"abandoned_short"`
	ServiceLevel   float64 `json:"service_level"`
	AnswerRate     float64 `json:"answer_rate"`
	Rated          int     `json:"rated"`
	Satisfied      int     `json:"satisfied"` // rated 4 or 5
	Resolved       int     `json:"resolved"`  // wrapped as resolved at first contact
	Wrapped        int     `json:"wrapped"`
	// The self-service bot: chats it took first, those it served alone (the
	// citizen left after an answer), those it handed to a counselor (they
	// count as offered from then on) and those left unanswered.
	Bot             int     `json:"bot"`
	BotResolved     int     `json:"bot_resolved"`
	BotHandoffs     int     `json:"bot_handoffs"`
	BotLeft         int     `json:"bot_left"`
	SelfServiceRate float64 `json:"self_service_rate"` // bot_resolved / chats the bot finished with
}

// Hour is one bar of the hourly chart.
type Hour struct {
	Hour      int `json:"hour"`
	Offered   int `json:"offered"`
	Answered  int `json:"answered"`
	Abandoned int `json:"abandoned"`
}

// Live is a contact not yet closed.
type Live struct {
	ContactID string              `json:"contact_id"`
	QueueID   string              `json:"queue_id"`
	AgentID   string              `json:"agent_id,omitempty"`
	State     minwon.ContactState `json:"state"`
	Channel   minwon.Channel      `json:"channel"`
	Since     time.Time           `json:"since"`
	// Interpreter is the interpreter brought into the call, ringing or
	// joined; nil when none is.
	Interpreter *Interpreter `json:"interpreter,omitempty"`
}

// Interpreter is who interprets on a live call, and in which language.
type Interpreter struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Joined   bool   `json:"joined"`
}

// Notice is a notice with who has not confirmed reading it.
type Notice struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	ExpiresAt time.Time `json:"expires_at"`
	Unread    []string  `json:"unread"`
}

// Snapshot is the whole board at one moment.
type Snapshot struct {
	At        time.Time `json:"at"`
	SLSeconds int       `json:"sl_threshold_secs"`
	Agents    []Agent   `json:"agents"`
	Queues    []Queue   `json:"queues"`
	Today     Today     `json:"today"`
	Hourly    []Hour    `json:"hourly"`
	Live      []Live    `json:"live"`
	Notices   []Notice  `json:"notices"`
	// Alerts are the counselors on a protective break after an incident,
	// the most recent first: supervisors see them live.
	Alerts []Alert `json:"alerts"`
}

// Alert is a live counselor-protection alert: a counselor on a protective
// break (보호 휴식) after an incident of Type.
type Alert struct {
	AgentID    string              `json:"agent_id"`
	Name       string              `json:"name"`
	IncidentID string              `json:"incident_id"`
	Type       minwon.IncidentType `json:"type"`
	Since      time.Time           `json:"since"`
	Until      time.Time           `json:"until"`
}

// Config wires a Board.
type Config struct {
	Now       func() time.Time
	Location  *time.Location
	SLDefault time.Duration
	// QueueStats gives live queue figures from the routing engine.
	QueueStats func() []Queue
}

// Board is the live projection.
type Board struct {
	cfg Config

	mu      sync.Mutex
	day     time.Time
	seq     int64
	names   map[string]string // user id → name
	staff   map[string]minwon.User
	sl      map[string]time.Duration // queue → threshold
	agents  map[string]*Agent
	live    map[string]*contact
	today   Today
	hourly  [24]Hour
	notices map[string]*minwon.Notice
	breaks  *policy.Counselors // protective breaks, for the alerts
	changed chan struct{}
	version uint64
}

type contact struct {
	Live
	created  time.Time
	counted  bool // offered today
	answered bool
}

// New returns an empty board.
func New(cfg Config) *Board {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.SLDefault == 0 {
		cfg.SLDefault = 20 * time.Second
	}
	b := &Board{cfg: cfg, changed: make(chan struct{}), breaks: policy.NewCounselors()}
	b.reset(cfg.Now())
	return b
}

func (b *Board) reset(now time.Time) {
	t := now.In(b.cfg.Location)
	b.day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, b.cfg.Location)
	if b.names == nil {
		b.names, b.staff, b.sl = map[string]string{}, map[string]minwon.User{}, map[string]time.Duration{}
		b.agents, b.live, b.notices = map[string]*Agent{}, map[string]*contact{}, map[string]*minwon.Notice{}
	}
	b.today = Today{}
	for h := range b.hourly {
		b.hourly[h] = Hour{Hour: h}
	}
	for _, a := range b.agents {
		a.Handled = 0
	}
	for _, c := range b.live {
		c.counted = false
	}
}

// Load builds the board from the store: users, queues, live contacts and
// today's events. Call it once, after Subscribe, before serving.
func (b *Board) Load(ctx context.Context, store minwon.Store) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	users, err := store.Users(ctx, "")
	if err != nil {
		return fmt.Errorf("board users: %w", err)
	}
	for _, u := range users {
		b.applyUser(*u)
	}
	queues, err := store.Queues(ctx, "")
	if err != nil {
		return fmt.Errorf("board queues: %w", err)
	}
	for _, q := range queues {
		b.sl[q.ID] = q.ServiceLevel
	}
	open, err := store.Contacts(ctx, minwon.ContactFilter{States: []minwon.ContactState{
		minwon.ContactBot, minwon.ContactWaiting, minwon.ContactRinging, minwon.ContactActive, minwon.ContactWrapUp}})
	if err != nil {
		return fmt.Errorf("board live contacts: %w", err)
	}
	for _, c := range open {
		since := c.CreatedAt
		if c.AnsweredAt != nil {
			since = *c.AnsweredAt
		}
		b.live[c.ID] = &contact{Live: Live{ContactID: c.ID, QueueID: c.QueueID, AgentID: c.AgentID, State: c.State, Channel: c.Channel, Since: since},
			created: c.CreatedAt, answered: c.AnsweredAt != nil}
	}
	now := b.cfg.Now()
	b.reset(now)
	// Agent states last changed before today still count: replay from the
	// day before so a counselor on a night shift shows the right state.
	evs, err := store.Events(ctx, minwon.EventFilter{From: b.day.Add(-24 * time.Hour)})
	if err != nil {
		return fmt.Errorf("board events: %w", err)
	}
	for _, ev := range evs {
		b.apply(ev)
		b.seq = max(b.seq, ev.Seq)
	}
	if b.staff == nil {
		return nil
	}
	for id := range b.agents {
		if n, ok := b.names[id]; ok {
			b.agents[id].Name = n
		}
	}
	return nil
}

// Apply feeds one event from the bus. Events already read by Load are
// skipped; later ones may arrive in any order across contacts.
func (b *Board) Apply(ev *minwon.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ev.Seq != 0 && ev.Seq <= b.seq {
		return
	}
	b.apply(ev)
	b.notify()
}

func (b *Board) notify() {
	b.version++
	close(b.changed)
	b.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change.
func (b *Board) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b *Board) applyUser(u minwon.User) {
	b.names[u.ID] = u.Name
	b.staff[u.ID] = u
	if u.IsAgent() {
		if b.agents[u.ID] == nil {
			b.agents[u.ID] = &Agent{ID: u.ID, State: minwon.AgentOffline}
		}
		b.agents[u.ID].Name = u.Name
	} else {
		delete(b.agents, u.ID)
	}
}

func (b *Board) apply(ev *minwon.Event) {
	if !ev.At.Before(b.day.Add(24 * time.Hour)) {
		b.reset(ev.At)
	}
	today := !ev.At.Before(b.day)
	switch ev.Type {
	case minwon.EventUserSaved:
		var u minwon.User
		if ev.Decode(&u) == nil {
			b.applyUser(u)
		}
	case minwon.EventQueueSaved:
		var q minwon.Queue
		if ev.Decode(&q) == nil {
			b.sl[q.ID] = q.ServiceLevel
		}
	case minwon.EventAgentState:
		var p minwon.AgentStateChanged
		if a := b.agents[ev.AgentID]; a != nil && ev.Decode(&p) == nil {
			a.State, a.Reason, a.Since = p.State, p.Reason, ev.At
		}
	case minwon.EventAgentPresence:
		var p minwon.AgentPresence
		if a := b.agents[ev.AgentID]; a != nil && ev.Decode(&p) == nil {
			a.Connected = p.Connected
		}
	case minwon.EventContactCreated:
		var ct minwon.Contact
		if ev.Decode(&ct) != nil {
			return
		}
		if ct.State == minwon.ContactBot {
			// Not offered to counselors (yet): see EventBotHandoff.
			b.live[ct.ID] = &contact{Live: Live{ContactID: ct.ID, QueueID: ct.QueueID, State: minwon.ContactBot, Channel: ct.Channel, Since: ev.At}, created: ev.At}
			if today {
				b.today.Bot++
			}
			return
		}
		b.live[ct.ID] = &contact{Live: Live{ContactID: ct.ID, QueueID: ct.QueueID, State: minwon.ContactWaiting, Channel: ct.Channel, Since: ev.At}, created: ev.At, counted: today}
		if today {
			b.today.Offered++
			b.hourly[b.hour(ev.At)].Offered++
		}
	case minwon.EventBotHandoff:
		// The citizen starts waiting for a counselor now: the service level
		// counts from here, not from the first line to the bot.
		c := b.live[ev.ContactID]
		if c == nil || c.State != minwon.ContactBot {
			return
		}
		c.State, c.Since, c.created, c.counted = minwon.ContactWaiting, ev.At, ev.At, today
		if today {
			b.today.BotHandoffs++
			b.today.Offered++
			b.hourly[b.hour(ev.At)].Offered++
		}
	case minwon.EventBotClosed:
		var p minwon.BotClosed
		if _, ok := b.live[ev.ContactID]; !ok || ev.Decode(&p) != nil {
			return
		}
		delete(b.live, ev.ContactID)
		switch {
		case !today:
		case p.Resolved:
			b.today.BotResolved++
		default:
			b.today.BotLeft++
		}
	case minwon.EventContactQueued:
		if c := b.live[ev.ContactID]; c != nil {
			c.QueueID, c.State, c.AgentID = ev.QueueID, minwon.ContactWaiting, ""
		}
	case minwon.EventContactOffered:
		if c := b.live[ev.ContactID]; c != nil {
			c.State = minwon.ContactRinging
		}
	case minwon.EventOfferExpired:
		if c := b.live[ev.ContactID]; c != nil {
			c.State = minwon.ContactWaiting
		}
	case minwon.EventContactAnswered:
		c := b.live[ev.ContactID]
		if c == nil {
			return
		}
		c.State, c.AgentID, c.Since = minwon.ContactActive, ev.AgentID, ev.At
		if a := b.agents[ev.AgentID]; a != nil {
			a.Contacts++
		}
		if c.answered || !c.counted {
			return
		}
		c.answered = true
		b.today.Answered++
		b.hourly[b.hour(c.created)].Answered++
		if ev.At.Sub(c.created) <= b.threshold(c.QueueID) {
			b.today.AnsweredInSL++
		}
	case minwon.EventContactTransfered:
		var p minwon.ContactTransferred
		c := b.live[ev.ContactID]
		if c == nil || ev.Decode(&p) != nil {
			return
		}
		if a := b.agents[p.FromAgent]; a != nil && a.Contacts > 0 {
			a.Contacts--
		}
		if p.ToAgent != "" {
			c.AgentID = p.ToAgent
			if a := b.agents[p.ToAgent]; a != nil {
				a.Contacts++
			}
		}
	case minwon.EventConferenceRequested, minwon.EventConferenceJoined:
		var p minwon.Conference
		c := b.live[ev.ContactID]
		if c == nil || ev.Decode(&p) != nil {
			return
		}
		// A new value each time: snapshots share the pointer.
		c.Interpreter = &Interpreter{Name: p.InterpreterName, Language: p.Language, Joined: ev.Type == minwon.EventConferenceJoined}
	case minwon.EventConferenceLeft, minwon.EventConferenceFailed:
		if c := b.live[ev.ContactID]; c != nil {
			c.Interpreter = nil
		}
	case minwon.EventContactEnded:
		c := b.live[ev.ContactID]
		if c == nil {
			return
		}
		if c.State == minwon.ContactActive {
			c.State = minwon.ContactWrapUp
			return
		}
		// Ended before anyone answered: abandoned.
		delete(b.live, ev.ContactID)
		if c.counted && !c.answered {
			b.today.Abandoned++
			b.hourly[b.hour(c.created)].Abandoned++
			if ev.At.Sub(c.created) <= b.threshold(c.QueueID) {
				b.today.AbandonedShort++ // gave up inside the threshold: not held against the service level
			}
		}
	case minwon.EventContactWrapped:
		var p minwon.ContactWrapped
		if c := b.live[ev.ContactID]; c != nil {
			delete(b.live, ev.ContactID)
			if a := b.agents[c.AgentID]; a != nil && a.Contacts > 0 {
				a.Contacts--
			}
		}
		if !today || ev.Decode(&p) != nil {
			return
		}
		if a := b.agents[ev.ActorID]; a != nil {
			a.Handled++
		}
		b.today.Wrapped++
		if p.Resolution == minwon.ResolvedFirstContact {
			b.today.Resolved++
		}
	case minwon.EventContactRated:
		var p minwon.ContactRated
		if today && ev.Decode(&p) == nil {
			b.today.Rated++
			if p.Rating >= 4 {
				b.today.Satisfied++
			}
		}
	case minwon.EventNoticePosted:
		var n minwon.Notice
		if ev.Decode(&n) == nil {
			b.notices[n.ID] = &n
		}
	case minwon.EventProtectiveBreak:
		b.breaks.Apply(ev)
	case minwon.EventNoticeRead:
		var p minwon.NoticeRead
		if ev.Decode(&p) == nil {
			if n := b.notices[p.NoticeID]; n != nil && !slices.Contains(n.ReadBy, ev.ActorID) {
				n.ReadBy = append(n.ReadBy, ev.ActorID)
			}
		}
	}
}

func (b *Board) hour(t time.Time) int {
	if t.Before(b.day) {
		return 0
	}
	return t.In(b.cfg.Location).Hour()
}

func (b *Board) threshold(queue string) time.Duration {
	if d := b.sl[queue]; d > 0 {
		return d
	}
	return b.cfg.SLDefault
}

// Snapshot returns the board now.
func (b *Board) Snapshot() Snapshot {
	var queues []Queue
	if b.cfg.QueueStats != nil {
		queues = b.cfg.QueueStats() // outside b.mu: it takes the center's lock
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.cfg.Now()
	if !now.Before(b.day.Add(24 * time.Hour)) {
		b.reset(now)
	}
	s := Snapshot{At: now, SLSeconds: int(b.cfg.SLDefault / time.Second), Today: b.today, Queues: queues,
		Agents: make([]Agent, 0, len(b.agents)), Live: make([]Live, 0, len(b.live)), Hourly: b.hourly[:]}
	s.Hourly = append([]Hour(nil), b.hourly[:]...)
	// Service level = answered within the threshold / (answered + abandoned
	// after the threshold); answer rate = answered / (answered + abandoned).
	if done := s.Today.Answered + s.Today.Abandoned - s.Today.AbandonedShort; done > 0 {
		s.Today.ServiceLevel = float64(s.Today.AnsweredInSL) / float64(done)
	}
	if done := s.Today.Answered + s.Today.Abandoned; done > 0 {
		s.Today.AnswerRate = float64(s.Today.Answered) / float64(done)
	}
	if done := s.Today.BotResolved + s.Today.BotHandoffs + s.Today.BotLeft; done > 0 {
		s.Today.SelfServiceRate = float64(s.Today.BotResolved) / float64(done)
	}
	for _, a := range b.agents {
		s.Agents = append(s.Agents, *a)
	}
	slices.SortFunc(s.Agents, func(x, y Agent) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	for _, c := range b.live {
		s.Live = append(s.Live, c.Live)
	}
	slices.SortFunc(s.Live, func(x, y Live) int { return x.Since.Compare(y.Since) })
	for _, n := range b.notices {
		if !n.ExpiresAt.After(now) {
			continue
		}
		bn := Notice{ID: n.ID, Title: n.Title, ExpiresAt: n.ExpiresAt, Unread: []string{}}
		for id, u := range b.staff {
			if u.TenantID == n.TenantID && u.IsAgent() && !slices.Contains(n.ReadBy, id) {
				bn.Unread = append(bn.Unread, u.Name)
			}
		}
		slices.Sort(bn.Unread)
		s.Notices = append(s.Notices, bn)
	}
	slices.SortFunc(s.Notices, func(x, y Notice) int { return x.ExpiresAt.Compare(y.ExpiresAt) })
	s.Alerts = []Alert{}
	for _, pb := range b.breaks.Alerts(now) {
		s.Alerts = append(s.Alerts, Alert{AgentID: pb.AgentID, Name: b.names[pb.AgentID], IncidentID: pb.IncidentID,
			Type: pb.Type, Since: pb.Since, Until: pb.Until})
	}
	return s
}
