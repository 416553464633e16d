package board_test

import (
	"context"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
)

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// script builds events for the board in order, each with a growing Seq.
type script struct {
	seq int64
	evs []*minwon.Event
}

func (s *script) add(typ minwon.EventType, at time.Duration, contact, agent string, data any) {
	s.seq++
	ev := minwon.NewEvent(typ, day.Add(at), data)
	ev.Seq, ev.ContactID, ev.AgentID, ev.QueueID, ev.TenantID = s.seq, contact, agent, "q", "t"
	if typ == minwon.EventContactWrapped {
		ev.ActorID = agent
	}
	s.evs = append(s.evs, ev)
}

func (s *script) contact(id string, at time.Duration) {
	s.add(minwon.EventContactCreated, at, id, "", minwon.Contact{ID: id, QueueID: "q", Channel: minwon.ChannelChat})
}

func newBoard(now time.Duration) *board.Board {
	b := board.New(board.Config{Now: func() time.Time { return day.Add(now) }, Location: time.UTC, SLDefault: 20 * time.Second})
	b.Apply(userEvent("kim", "김상담"))
	return b
}

func userEvent(id, name string) *minwon.Event {
	ev := minwon.NewEvent(minwon.EventUserSaved, day, minwon.User{ID: id, TenantID: "t", Name: name, Roles: []minwon.Role{minwon.RoleCounselor}})
	return ev
}

func TestTodayFigures(t *testing.T) {
	h := time.Hour
	var s script
	// a: answered in 10 s (inside the 20 s threshold), wrapped as resolved, rated 5.
	s.contact("a", 9*h)
	s.add(minwon.EventContactAnswered, 9*h+10*time.Second, "a", "kim", nil)
	s.add(minwon.EventContactEnded, 9*h+5*time.Minute, "a", "kim", minwon.ContactEnded{By: minwon.FromAgent})
	s.add(minwon.EventContactWrapped, 9*h+6*time.Minute, "a", "kim", minwon.ContactWrapped{Category: "교통", Resolution: minwon.ResolvedFirstContact})
	s.add(minwon.EventContactRated, 9*h+6*time.Minute, "a", "kim", minwon.ContactRated{Rating: 5})
	// b: answered after 60 s, still active.
	s.contact("b", 10*h)
	s.add(minwon.EventContactAnswered, 10*h+time.Minute, "b", "kim", nil)
	// c: gave up after 5 s (inside the threshold: not held against the service level).
	s.contact("c", 14*h)
	s.add(minwon.EventContactEnded, 14*h+5*time.Second, "c", "", minwon.ContactEnded{By: minwon.FromCitizen})
	// d: gave up after 2 minutes.
	s.contact("d", 14*h)
	s.add(minwon.EventContactEnded, 14*h+2*time.Minute, "d", "", minwon.ContactEnded{By: minwon.FromCitizen})
	// e: still waiting.
	s.contact("e", 15*h)
	// A transfer re-answer must not count twice.
	s.add(minwon.EventContactAnswered, 10*h+2*time.Minute, "b", "kim", nil)

	b := newBoard(16 * h)
	for _, ev := range s.evs {
		b.Apply(ev)
	}
	snap := b.Snapshot()
	want := board.Today{Offered: 5, Answered: 2, Abandoned: 2, AnsweredInSL: 1, AbandonedShort: 1, Rated: 1, Satisfied: 1, Resolved: 1, Wrapped: 1}
	got := snap.Today
	got.ServiceLevel, got.AnswerRate = 0, 0
	if got != want {
		t.Fatalf("today = %+v\nwant    %+v", got, want)
	}
	t.Run("ServiceLevelIgnoresShortAbandons", func(t *testing.T) {
		// 1 answered in time / (2 answered + 1 abandoned after the threshold)
		if sl := snap.Today.ServiceLevel; sl < 0.333 || sl > 0.334 {
			t.Fatalf("service level %v, want 1/3", sl)
		}
	})
	t.Run("AnswerRate", func(t *testing.T) {
		if ar := snap.Today.AnswerRate; ar != 0.5 {
			t.Fatalf("answer rate %v, want 0.5", ar)
		}
	})
	t.Run("HourlyByArrival", func(t *testing.T) {
		if h := snap.Hourly[14]; h.Offered != 2 || h.Abandoned != 2 || h.Answered != 0 {
			t.Fatalf("14h = %+v", h)
		}
		if h := snap.Hourly[9]; h.Offered != 1 || h.Answered != 1 {
			t.Fatalf("9h = %+v", h)
		}
	})
	t.Run("LiveContacts", func(t *testing.T) {
		if len(snap.Live) != 2 {
			t.Fatalf("live = %+v, want b and e", snap.Live)
		}
	})
	t.Run("HandledPerAgent", func(t *testing.T) {
		if len(snap.Agents) != 1 || snap.Agents[0].Handled != 1 {
			t.Fatalf("agents = %+v", snap.Agents)
		}
	})
	t.Run("EventsReadByLoadAreNotAppliedTwice", func(t *testing.T) {
		// The board subscribes before it loads, so the bus may hand it events
		// that Load already read.
		loaded := newBoard(16 * h)
		if err := loaded.Load(context.Background(), fakeStore{evs: s.evs}); err != nil {
			t.Fatal(err)
		}
		for _, ev := range s.evs {
			loaded.Apply(ev)
		}
		if again := loaded.Snapshot().Today; again.Offered != 5 || again.Answered != 2 {
			t.Fatalf("after load and replay: %+v", again)
		}
	})
}

func TestAgentStateAndNotices(t *testing.T) {
	b := newBoard(9 * time.Hour)
	b.Apply(userEvent("lee", "이상담"))
	state := minwon.NewEvent(minwon.EventAgentState, day.Add(8*time.Hour), minwon.AgentStateChanged{State: minwon.AgentBreak, Reason: "meal"})
	state.AgentID, state.Seq = "kim", 10
	b.Apply(state)
	changed := b.Changed()
	n := minwon.NewEvent(minwon.EventNoticePosted, day.Add(8*time.Hour), minwon.Notice{ID: "n1", TenantID: "t", Title: "폭설 대비", ExpiresAt: day.Add(20 * time.Hour)})
	n.Seq = 11
	b.Apply(n)
	select {
	case <-changed:
	default:
		t.Fatal("Changed not signalled")
	}
	read := minwon.NewEvent(minwon.EventNoticeRead, day.Add(8*time.Hour), minwon.NoticeRead{NoticeID: "n1"})
	read.ActorID, read.Seq = "kim", 12
	b.Apply(read)
	snap := b.Snapshot()
	var kim board.Agent
	for _, a := range snap.Agents {
		if a.ID == "kim" {
			kim = a
		}
	}
	if kim.State != minwon.AgentBreak || kim.Reason != "meal" {
		t.Fatalf("kim = %+v", kim)
	}
	if len(snap.Notices) != 1 || len(snap.Notices[0].Unread) != 1 || snap.Notices[0].Unread[0] != "이상담" {
		t.Fatalf("notices = %+v", snap.Notices)
	}
	t.Run("NewDayStartsAtZero", func(t *testing.T) {
		late := board.New(board.Config{Now: func() time.Time { return day.Add(25 * time.Hour) }, Location: time.UTC})
		var s script
		s.contact("x", 9*time.Hour)
		late.Apply(s.evs[0])
		if got := late.Snapshot().Today.Offered; got != 0 {
			t.Fatalf("yesterday's contact counted today: %d", got)
		}
	})
}

// fakeStore serves Load from a list of events; nothing else is stored.
type fakeStore struct {
	minwon.Store
	evs []*minwon.Event
}

func (f fakeStore) Users(context.Context, string) ([]*minwon.User, error)   { return nil, nil }
func (f fakeStore) Queues(context.Context, string) ([]*minwon.Queue, error) { return nil, nil }
func (f fakeStore) Contacts(context.Context, minwon.ContactFilter) ([]*minwon.Contact, error) {
	return nil, nil
}
func (f fakeStore) Events(context.Context, minwon.EventFilter) ([]*minwon.Event, error) {
	return f.evs, nil
}

func TestBotFigures(t *testing.T) {
	h := time.Hour
	var s script
	botChat := func(id string, at time.Duration) {
		s.add(minwon.EventContactCreated, at, id, "", minwon.Contact{ID: id, QueueID: "q", Channel: minwon.ChannelChat, State: minwon.ContactBot})
	}
	// r: the bot answered, the citizen left: served by the bot.
	botChat("r", 9*h)
	s.add(minwon.EventBotClosed, 9*h+time.Minute, "r", "", minwon.BotClosed{Resolved: true})
	// l: left before the bot answered anything.
	botChat("l", 9*h)
	s.add(minwon.EventBotClosed, 9*h+30*time.Second, "l", "", minwon.BotClosed{})
	// x: talked to the bot for 5 minutes, handed over, answered 10 s later:
	// inside the service level, which counts from the hand-over.
	botChat("x", 10*h)
	s.add(minwon.EventBotHandoff, 10*h+5*time.Minute, "x", "", minwon.BotHandoff{Reason: "not_helpful"})
	s.add(minwon.EventContactQueued, 10*h+5*time.Minute, "x", "", minwon.ContactQueued{Reason: "bot"})
	s.add(minwon.EventContactAnswered, 10*h+5*time.Minute+10*time.Second, "x", "kim", nil)
	// w: still with the bot.
	botChat("w", 11*h)

	b := newBoard(12 * h)
	for _, ev := range s.evs {
		b.Apply(ev)
	}
	snap := b.Snapshot()
	got := snap.Today
	got.ServiceLevel, got.AnswerRate, got.SelfServiceRate = 0, 0, 0
	want := board.Today{Offered: 1, Answered: 1, AnsweredInSL: 1, Bot: 4, BotResolved: 1, BotHandoffs: 1, BotLeft: 1}
	if got != want {
		t.Fatalf("today = %+v\nwant    %+v", got, want)
	}
	if r := snap.Today.SelfServiceRate; r < 0.333 || r > 0.334 {
		t.Errorf("self-service rate %v, want 1/3", r)
	}
	if snap.Today.Abandoned != 0 {
		t.Errorf("bot chats counted as abandoned: %+v", snap.Today)
	}
	var states []minwon.ContactState
	for _, l := range snap.Live {
		states = append(states, l.State)
	}
	if len(states) != 2 || states[0] != minwon.ContactActive || states[1] != minwon.ContactBot {
		t.Errorf("live states %v, want [active bot]", states)
	}
}

func TestProtectiveBreakAlert(t *testing.T) {
	at := 9 * time.Hour
	b := board.New(board.Config{Now: func() time.Time { return day.Add(at) }, Location: time.UTC})
	b.Apply(userEvent("kim", "김상담"))
	if a := b.Snapshot().Alerts; len(a) != 0 {
		t.Fatalf("alerts before any incident: %+v", a)
	}
	pb := minwon.NewEvent(minwon.EventProtectiveBreak, day.Add(at), minwon.ProtectiveBreak{AgentID: "kim", IncidentID: "i1",
		Type: minwon.IncidentAbuse, Since: day.Add(at), Until: day.Add(at + 10*time.Minute)})
	pb.AgentID, pb.Seq = "kim", 5
	b.Apply(pb)
	alerts := b.Snapshot().Alerts
	if len(alerts) != 1 || alerts[0].Name != "김상담" || alerts[0].IncidentID != "i1" || alerts[0].Type != minwon.IncidentAbuse {
		t.Fatalf("alerts = %+v, want kim's abuse incident", alerts)
	}
	at += 10 * time.Minute
	if a := b.Snapshot().Alerts; len(a) != 0 {
		t.Fatalf("alert still up after the break: %+v", a)
	}
}
