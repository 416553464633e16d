package acd

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// at returns t0 plus sec seconds.
func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// fixture wraps an engine with terse helpers and checks the engine's indexes
// after every step.
type fixture struct {
	t *testing.T
	e *Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, e: New(Config{})}
}

// queue adds a queue with the given skills; opts adjust it.
func (f *fixture) queue(id string, skills []string, opts ...func(*minwon.Queue)) {
	q := minwon.Queue{ID: id, Skills: skills}
	for _, o := range opts {
		o(&q)
	}
	f.e.SetQueue(q)
}

func priority(p int) func(*minwon.Queue) { return func(q *minwon.Queue) { q.Priority = p } }

func offerTimeout(d time.Duration) func(*minwon.Queue) {
	return func(q *minwon.Queue) { q.OfferTimeout = d }
}

func overflow(to string, after time.Duration) func(*minwon.Queue) {
	return func(q *minwon.Queue) { q.OverflowQueue, q.OverflowAfter = to, after }
}

// agent adds an agent with the default capacity, connected, ready (and so
// idle) from readyAt.
func (f *fixture) agent(id string, readyAt time.Time, skills ...string) {
	f.agentCap(id, readyAt, minwon.DefaultCapacity(), skills...)
}

func (f *fixture) agentCap(id string, readyAt time.Time, capacity map[minwon.Channel]int, skills ...string) {
	f.e.SetAgent(id, skills, capacity)
	f.e.SetConnected(id, true, readyAt)
	f.e.SetReady(id, true, readyAt)
}

func (f *fixture) enqueue(id, queue string, ch minwon.Channel, prio int, since time.Time) {
	f.t.Helper()
	if err := f.e.Enqueue(Contact{ID: id, QueueID: queue, Channel: ch, Priority: prio, Since: since}); err != nil {
		f.t.Fatalf("Enqueue(%s): %v", id, err)
	}
}

// step runs Step and compares its decisions, written as by show, with want.
func (f *fixture) step(now time.Time, want ...string) []Decision {
	f.t.Helper()
	ds := f.e.Step(now)
	if got := show(ds); !slices.Equal(got, want) {
		f.t.Fatalf("Step(%s):\n got %q\nwant %q", now.Sub(t0), got, want)
	}
	checkIndexes(f.t, f.e)
	return ds
}

func (f *fixture) accept(contact, agent string, now time.Time) {
	f.t.Helper()
	if err := f.e.Accept(contact, agent, now); err != nil {
		f.t.Fatalf("Accept(%s, %s): %v", contact, agent, err)
	}
}

func (f *fixture) position(contact string, now time.Time, wantPos int, wantWait time.Duration) {
	f.t.Helper()
	pos, wait, ok := f.e.Position(contact, now)
	if !ok || pos != wantPos || wait != wantWait {
		f.t.Fatalf("Position(%s) = %d, %s, %v; want %d, %s, true", contact, pos, wait, ok, wantPos, wantWait)
	}
}

// show writes decisions tersely: "offer c1 a1", "lapsed c1 a1 q", "overflow
// c1 qa>qb", "withdrawn c1 a1 q".
func show(ds []Decision) []string {
	var out []string
	for _, d := range ds {
		switch d.Kind {
		case DecisionOffer:
			out = append(out, fmt.Sprintf("offer %s %s", d.ContactID, d.AgentID))
		case DecisionOfferLapsed:
			out = append(out, fmt.Sprintf("lapsed %s %s %s", d.ContactID, d.AgentID, d.QueueID))
		case DecisionOverflow:
			out = append(out, fmt.Sprintf("overflow %s %s>%s", d.ContactID, d.FromQueue, d.QueueID))
		case DecisionWithdrawn:
			out = append(out, fmt.Sprintf("withdrawn %s %s %s", d.ContactID, d.AgentID, d.QueueID))
		default:
			out = append(out, fmt.Sprintf("%v %+v", d.Kind, d))
		}
	}
	return out
}

var (
	ko   = []string{"lang:ko"}
	en   = []string{"lang:en"}
	koEn = []string{"lang:ko", "lang:en"}
)

const (
	voice = minwon.ChannelVoice
	chat  = minwon.ChannelChat
	video = minwon.ChannelVideo
)

type behaviour struct {
	name string
	run  func(f *fixture)
}

func runAll(t *testing.T, tests []behaviour) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.run(f)
			checkIndexes(t, f.e)
		})
	}
}

func TestAgentSelection(t *testing.T) {
	runAll(t, []behaviour{
		{"OffersLongestIdleAgent", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(10), "lang:ko")
			f.agent("a2", at(5), "lang:ko")
			f.agent("a3", at(20), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"BreaksIdleTiesByAgentID", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a2", at(5), "lang:ko")
			f.agent("a1", at(5), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a1")
		}},
		{"RequiresAllQueueSkills", func(f *fixture) {
			f.queue("q", koEn)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:en")
			f.agent("a3", at(2), "lang:en", "lang:ko", "sign")
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a3")
		}},
		{"SkipsAgentNotReady", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.SetReady("a1", false, at(2))
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"ReadyAgainRestartsIdleTime", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.SetReady("a1", false, at(2))
			f.e.SetReady("a1", true, at(3))
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"SkipsAgentWithoutCapacityOnChannel", func(f *fixture) {
			f.queue("q", ko)
			f.agentCap("a1", at(0), map[minwon.Channel]int{chat: 3}, "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"IdleAgentsBeforeLoadedAgents", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(10), "lang:ko")
			f.e.Assign("a1", "x", chat, at(11)) // a1 has 1 of 3 chats
			f.enqueue("c1", "q", chat, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"LoadedAgentsLeastLoadedFirst", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.Assign("a1", "x1", chat, at(2))
			f.e.Assign("a1", "x2", chat, at(2))
			f.e.Assign("a2", "x3", chat, at(2))
			f.enqueue("c1", "q", chat, 0, at(30))
			f.step(at(30), "offer c1 a2")
		}},
		{"LoadedAgentsLongestSinceLastOfferFirst", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.enqueue("c1", "q", chat, 0, at(10))
			f.step(at(10), "offer c1 a1")
			f.accept("c1", "a1", at(11))
			f.enqueue("c2", "q", chat, 0, at(20))
			f.step(at(20), "offer c2 a2")
			f.accept("c2", "a2", at(21))
			f.enqueue("c3", "q", chat, 0, at(30))
			f.step(at(30), "offer c3 a1")
		}},
		{"OfferReservesCapacity", func(f *fixture) {
			f.queue("q", ko)
			f.agentCap("a1", at(0), map[minwon.Channel]int{chat: 3}, "lang:ko")
			for i := 1; i <= 5; i++ {
				f.enqueue(fmt.Sprintf("c%d", i), "q", chat, 0, at(float64(i)))
			}
			f.step(at(10), "offer c1 a1", "offer c2 a1", "offer c3 a1")
			f.accept("c1", "a1", at(11))
			f.step(at(12))
			f.position("c4", at(12), 1, 60*time.Second) // 1 × 3m ÷ 3 chats
		}},
		{"OffersContactToOneAgentOnly", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10), "offer c1 a1")
			f.step(at(11))
		}},
		{"OffersWaitingContactWhenAgentBecomesReady", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10))
			f.agent("a1", at(20), "lang:ko")
			f.step(at(20), "offer c1 a1")
		}},
		{"AcceptedContactKeepsCapacity", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10), "offer c1 a1")
			f.accept("c1", "a1", at(11))
			f.enqueue("c2", "q", voice, 0, at(12))
			f.step(at(12))
			f.e.Release("c1", at(50))
			f.step(at(50), "offer c2 a1")
		}},
		{"AssignOccupiesCapacity", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.Assign("a1", "x", voice, at(2))
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10), "offer c1 a2")
		}},
		{"AssignToUnknownAgentKeepsLoadForSetAgent", func(f *fixture) {
			f.queue("q", ko)
			f.e.Assign("a1", "x", voice, at(0))
			f.agent("a1", at(1), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10))
			f.e.Release("x", at(20))
			f.step(at(20), "offer c1 a1")
		}},
		{"SetAgentUpdatesSkills", func(f *fixture) {
			f.queue("q", en)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10))
			f.e.SetAgent("a1", []string{"lang:ko", "lang:en"}, minwon.DefaultCapacity())
			f.step(at(11), "offer c1 a1")
		}},
		{"SetQueueUpdatesSkills", func(f *fixture) {
			f.queue("q", en)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10))
			f.queue("q", ko)
			f.step(at(11), "offer c1 a1")
		}},
	})
}

func TestContactOrder(t *testing.T) {
	runAll(t, []behaviour{
		{"HigherContactPriorityFirst", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			f.enqueue("c2", "q", voice, 5, at(2))
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
		{"OldestFirstWithinPriority", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(2))
			f.enqueue("c2", "q", voice, 0, at(1))
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
		{"HeadGoesBeforeOthersOfItsPriority", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			if err := f.e.Enqueue(Contact{ID: "c2", QueueID: "q", Channel: voice, Since: at(2), Head: true}); err != nil {
				f.t.Fatal(err)
			}
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
		{"HeadDoesNotPassHigherPriority", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 1, at(2))
			if err := f.e.Enqueue(Contact{ID: "c2", QueueID: "q", Channel: voice, Since: at(1), Head: true}); err != nil {
				f.t.Fatal(err)
			}
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c1 a1")
		}},
		{"HigherQueuePriorityFirst", func(f *fixture) {
			f.queue("qa", ko, priority(1))
			f.queue("qb", ko, priority(5))
			f.enqueue("c1", "qa", voice, 9, at(1))
			f.enqueue("c2", "qb", voice, 0, at(2))
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
		{"LongestWaitingAcrossQueuesOfEqualPriority", func(f *fixture) {
			f.queue("qa", ko)
			f.queue("qb", ko)
			f.enqueue("c1", "qa", voice, 0, at(2))
			f.enqueue("c2", "qb", voice, 0, at(1))
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
		{"HigherQueuePriorityFirstAcrossSkillSets", func(f *fixture) {
			f.queue("qko", ko, priority(1))
			f.queue("qen", en, priority(3))
			f.enqueue("c1", "qko", voice, 0, at(1))
			f.enqueue("c2", "qen", voice, 0, at(2))
			f.agent("a1", at(3), "lang:ko", "lang:en")
			f.step(at(3), "offer c2 a1")
		}},
		{"InterleavesQueuesByWaitAcrossSkillSets", func(f *fixture) {
			f.queue("qko", ko)
			f.queue("qen", en)
			f.enqueue("k1", "qko", chat, 0, at(1))
			f.enqueue("e2", "qen", chat, 0, at(2))
			f.enqueue("k3", "qko", chat, 0, at(3))
			f.enqueue("e4", "qen", chat, 0, at(4))
			f.enqueue("k5", "qko", chat, 0, at(5))
			f.agentCap("a1", at(6), map[minwon.Channel]int{chat: 4}, "lang:ko", "lang:en")
			f.step(at(6), "offer k1 a1", "offer e2 a1", "offer k3 a1", "offer e4 a1")
		}},
		{"BestContactGetsBestAgent", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(2))
			f.enqueue("c2", "q", voice, 0, at(1))
			f.agent("a2", at(3), "lang:ko")
			f.agent("a1", at(4), "lang:ko")
			f.step(at(5), "offer c2 a2", "offer c1 a1")
		}},
		{"ChannelsDoNotBlockEachOther", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			f.enqueue("c2", "q", chat, 0, at(2))
			f.agentCap("a1", at(3), map[minwon.Channel]int{chat: 3}, "lang:ko")
			f.step(at(3), "offer c2 a1")
		}},
	})
}

func TestOffers(t *testing.T) {
	runAll(t, []behaviour{
		{"ExpiresAfterQueueOfferTimeout", func(f *fixture) {
			f.queue("q", ko, offerTimeout(10*time.Second))
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			ds := f.step(at(1), "offer c1 a1")
			if !ds[0].ExpiresAt.Equal(at(11)) || ds[0].QueueID != "q" {
				f.t.Fatalf("offer = %+v, want expiry %s in q", ds[0], at(11))
			}
		}},
		{"ExpiresAfterDefaultOfferTimeout", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			ds := f.step(at(1), "offer c1 a1")
			if !ds[0].ExpiresAt.Equal(at(21)) {
				f.t.Fatalf("offer expires %s, want %s", ds[0].ExpiresAt, at(21))
			}
		}},
		{"LapsedOfferGoesToNextAgentInSameStep", func(f *fixture) {
			f.queue("q", ko, offerTimeout(10*time.Second))
			voiceOnly := map[minwon.Channel]int{voice: 1}
			f.agentCap("a1", at(0), voiceOnly, "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.agentCap("a2", at(2), voiceOnly, "lang:ko")
			f.step(at(10.9))
			f.step(at(11), "lapsed c1 a1 q", "offer c1 a2")
			if _, _, ready := f.e.QueueStats("q", at(11)); ready != 0 {
				f.t.Fatalf("ready = %d after a1 lapsed and a2 took the contact, want 0", ready)
			}
		}},
		{"LapsedContactReturnsToHead", func(f *fixture) {
			f.queue("q", ko, offerTimeout(10*time.Second))
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.enqueue("c0", "q", voice, 0, at(0)) // older, restored after the offer
			f.step(at(11), "lapsed c1 a1 q")
			f.position("c1", at(11), 1, 180*time.Second)
			f.position("c0", at(11), 2, 360*time.Second)
		}},
		{"AcceptChecksTheOffer", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(2))
			f.step(at(2), "offer c1 a1")
			for _, tc := range []struct {
				contact, agent, code string
			}{
				{"c1", "a2", minwon.ECONFLICT},
				{"nope", "a1", minwon.ENOTFOUND},
				{"c1", "nope", minwon.ENOTFOUND},
			} {
				if got := minwon.ErrorCode(f.e.Accept(tc.contact, tc.agent, at(3))); got != tc.code {
					f.t.Errorf("Accept(%s, %s) = %q, want %q", tc.contact, tc.agent, got, tc.code)
				}
			}
			f.accept("c1", "a1", at(3))
			if got := minwon.ErrorCode(f.e.Accept("c1", "a1", at(4))); got != minwon.ECONFLICT {
				f.t.Errorf("second Accept = %q, want conflict", got)
			}
		}},
		{"AcceptAfterLapseConflicts", func(f *fixture) {
			f.queue("q", ko, offerTimeout(10*time.Second))
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.step(at(11), "lapsed c1 a1 q")
			if got := minwon.ErrorCode(f.e.Accept("c1", "a1", at(12))); got != minwon.ECONFLICT {
				f.t.Errorf("Accept after lapse = %q, want conflict", got)
			}
		}},
		{"DeclineRequeuesAtHeadAndMakesAgentNotReady", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(2))
			f.step(at(2), "offer c1 a1")
			f.enqueue("c0", "q", voice, 0, at(1))
			if err := f.e.Decline("c1", "a1", at(3)); err != nil {
				f.t.Fatal(err)
			}
			f.position("c1", at(3), 1, 180*time.Second)
			f.step(at(3))
			f.agent("a2", at(4), "lang:ko")
			f.step(at(4), "offer c1 a2")
			if got := minwon.ErrorCode(f.e.Decline("c1", "a1", at(5))); got != minwon.ECONFLICT {
				f.t.Errorf("Decline by another agent = %q, want conflict", got)
			}
		}},
		{"CancelWaitingContact", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			if got := f.e.Cancel("c1"); got != "" {
				f.t.Fatalf("Cancel = %q, want none", got)
			}
			if w, _, _ := f.e.QueueStats("q", at(2)); w != 0 {
				f.t.Fatalf("waiting = %d after Cancel", w)
			}
			f.agent("a1", at(3), "lang:ko")
			f.step(at(3))
		}},
		{"CancelOfferedContactFreesAgentAndKeepsItsIdleTime", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(5), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10), "offer c1 a1")
			if got := f.e.Cancel("c1"); got != "a1" {
				f.t.Fatalf("Cancel = %q, want a1", got)
			}
			f.enqueue("c2", "q", voice, 0, at(12))
			f.step(at(12), "offer c2 a1")
		}},
		{"ReleaseStartsIdleTime", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(5), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(10))
			f.step(at(10), "offer c1 a1")
			f.accept("c1", "a1", at(11))
			f.e.Release("c1", at(20))
			f.enqueue("c2", "q", voice, 0, at(30))
			f.step(at(30), "offer c2 a2")
			f.enqueue("c3", "q", voice, 0, at(31))
			f.step(at(31), "offer c3 a1")
		}},
		{"ReleaseFeedsAverageHandleTime", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(0))
			f.step(at(0), "offer c1 a1")
			f.accept("c1", "a1", at(0))
			f.e.Release("c1", at(60))
			f.e.SetReady("a1", false, at(60))
			f.enqueue("c2", "q", voice, 0, at(61))
			f.position("c2", at(61), 1, 168*time.Second) // 180 + (60 − 180)/10
		}},
		{"TransferRequeuesAtPriorityPositionFromNow", func(f *fixture) {
			f.queue("q1", ko)
			f.queue("q2", en)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q1", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.accept("c1", "a1", at(2))
			f.enqueue("early", "q2", voice, 0, at(50))
			f.enqueue("vip", "q2", voice, 1, at(60))
			if err := f.e.Transfer("c1", "q2", at(100)); err != nil {
				f.t.Fatal(err)
			}
			f.enqueue("late", "q2", voice, 0, at(120))
			f.position("c1", at(130), 3, 540*time.Second)
			f.position("late", at(130), 4, 720*time.Second)
			f.enqueue("c2", "q1", voice, 0, at(131))
			f.step(at(131), "offer c2 a1") // capacity freed by the transfer
			if err := f.e.Transfer("nope", "q2", at(132)); minwon.ErrorCode(err) != minwon.ENOTFOUND {
				f.t.Errorf("Transfer unknown contact = %v", err)
			}
			if err := f.e.Transfer("c1", "nope", at(132)); minwon.ErrorCode(err) != minwon.EINVALID {
				f.t.Errorf("Transfer to unknown queue = %v", err)
			}
		}},
	})
}

func TestOverflow(t *testing.T) {
	runAll(t, []behaviour{
		{"MovesAfterOverflowAfter", func(f *fixture) {
			f.queue("qa", ko, overflow("qb", time.Minute))
			f.queue("qb", ko)
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.step(at(59.9))
			if d, ok := f.e.NextDeadline(); !ok || !d.Equal(at(60)) {
				f.t.Fatalf("NextDeadline = %s, %v; want %s", d, ok, at(60))
			}
			f.step(at(60), "overflow c1 qa>qb")
			if w, longest, _ := f.e.QueueStats("qb", at(70)); w != 1 || longest != 70*time.Second {
				f.t.Fatalf("qb stats = %d, %s; want 1, 70s (the citizen's whole wait)", w, longest)
			}
		}},
		{"KeepsOriginalArrivalForOrder", func(f *fixture) {
			f.queue("qa", ko, overflow("qb", time.Minute))
			f.queue("qb", en)
			f.enqueue("early", "qb", voice, 0, at(-10))
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.enqueue("late", "qb", voice, 0, at(30))
			f.step(at(60), "overflow c1 qa>qb")
			f.position("early", at(60), 1, 180*time.Second)
			f.position("c1", at(60), 2, 360*time.Second)
			f.position("late", at(60), 3, 540*time.Second)
		}},
		{"KeepsPriority", func(f *fixture) {
			f.queue("qa", ko, overflow("qb", time.Minute))
			f.queue("qb", en)
			f.enqueue("early", "qb", voice, 0, at(-10))
			f.enqueue("c1", "qa", voice, 2, at(0))
			f.step(at(60), "overflow c1 qa>qb")
			f.position("c1", at(60), 1, 180*time.Second)
		}},
		{"OverflowTimerRestartsInNewQueue", func(f *fixture) {
			f.queue("qa", ko, overflow("qb", time.Minute))
			f.queue("qb", ko, overflow("qc", time.Minute))
			f.queue("qc", ko)
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.step(at(60), "overflow c1 qa>qb")
			f.step(at(119))
			f.step(at(120), "overflow c1 qb>qc")
		}},
		{"OfferedContactDoesNotOverflowUntilOfferLapses", func(f *fixture) {
			f.queue("qa", ko, overflow("qb", time.Minute), offerTimeout(100*time.Second))
			f.queue("qb", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.step(at(0), "offer c1 a1")
			f.step(at(60))
			f.step(at(100), "lapsed c1 a1 qa", "overflow c1 qa>qb")
		}},
		{"OverflowedContactOfferedInSameStep", func(f *fixture) {
			f.queue("qa", en, overflow("qb", time.Minute))
			f.queue("qb", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.step(at(1))
			f.step(at(60), "overflow c1 qa>qb", "offer c1 a1")
		}},
		{"StaysWhenOverflowQueueUnknown", func(f *fixture) {
			f.queue("qa", ko, overflow("nope", time.Minute))
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.step(at(60))
			if _, ok := f.e.NextDeadline(); ok {
				f.t.Fatal("NextDeadline still scheduled after an overflow to nowhere")
			}
			f.position("c1", at(61), 1, 180*time.Second)
		}},
		{"SetQueueReschedulesOverflow", func(f *fixture) {
			f.queue("qa", ko)
			f.queue("qb", ko)
			f.enqueue("c1", "qa", voice, 0, at(0))
			f.queue("qa", ko, overflow("qb", 30*time.Second))
			f.step(at(30), "overflow c1 qa>qb")
		}},
	})
}

func TestPresence(t *testing.T) {
	runAll(t, []behaviour{
		{"OffersWithinGrace", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.SetConnected("a1", false, at(2))
			f.enqueue("c1", "q", voice, 0, at(16.9))
			f.step(at(16.9), "offer c1 a1")
		}},
		{"OffersNothingAfterGrace", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(1), "lang:ko")
			f.e.SetConnected("a1", false, at(2))
			f.step(at(17))
			f.enqueue("c1", "q", voice, 0, at(18))
			f.step(at(18), "offer c1 a2")
		}},
		{"WithdrawsOfferAfterGrace", func(f *fixture) {
			f.queue("q", ko, offerTimeout(time.Minute))
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.agent("a2", at(2), "lang:ko")
			f.e.SetConnected("a1", false, at(3))
			if d, _ := f.e.NextDeadline(); !d.Equal(at(18)) {
				f.t.Fatalf("NextDeadline = %s, want end of grace %s", d, at(18))
			}
			f.step(at(18), "withdrawn c1 a1 q", "offer c1 a2")
		}},
		{"ReconnectRestoresOffers", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.e.SetConnected("a1", false, at(1))
			f.step(at(20))
			f.enqueue("c1", "q", voice, 0, at(21))
			f.step(at(21))
			f.e.SetConnected("a1", true, at(22))
			f.step(at(22), "offer c1 a1")
		}},
		{"ReconnectWithinGraceCancelsWithdrawal", func(f *fixture) {
			f.queue("q", ko, offerTimeout(time.Minute))
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.e.SetConnected("a1", false, at(2))
			f.e.SetConnected("a1", true, at(5))
			f.step(at(30))
			f.accept("c1", "a1", at(31))
		}},
		{"NeverConnectedAgentGetsNothing", func(f *fixture) {
			f.queue("q", ko)
			f.e.SetAgent("a1", ko, minwon.DefaultCapacity())
			f.e.SetReady("a1", true, at(0))
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1))
			if _, _, ready := f.e.QueueStats("q", at(1)); ready != 0 {
				f.t.Fatalf("ready = %d, want 0", ready)
			}
		}},
		{"RemoveAgentWithdrawsOffers", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", chat, 0, at(1))
			f.enqueue("c2", "q", chat, 0, at(2))
			f.step(at(2), "offer c1 a1", "offer c2 a1")
			f.e.RemoveAgent("a1", at(3))
			if d, ok := f.e.NextDeadline(); !ok || !d.IsZero() {
				f.t.Fatalf("NextDeadline = %s, %v; want due at once", d, ok)
			}
			f.agent("a2", at(4), "lang:ko")
			f.step(at(4), "withdrawn c1 a1 q", "withdrawn c2 a1 q", "offer c1 a2", "offer c2 a2")
		}},
	})
}

func TestPositionAndStats(t *testing.T) {
	runAll(t, []behaviour{
		{"PositionCountsSameQueueAndChannel", func(f *fixture) {
			f.queue("q", ko)
			f.queue("other", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			f.enqueue("c2", "q", chat, 0, at(2))
			f.enqueue("c3", "other", voice, 0, at(0))
			f.enqueue("c4", "q", voice, 0, at(4))
			f.position("c4", at(5), 2, 360*time.Second)
			f.position("c2", at(5), 1, 180*time.Second)
		}},
		{"WaitDividesByStaffedCapacity", func(f *fixture) {
			f.queue("q", ko)
			f.agentCap("a1", at(0), map[minwon.Channel]int{chat: 3}, "lang:ko")
			f.agentCap("a2", at(0), map[minwon.Channel]int{chat: 3}, "lang:ko")
			f.agentCap("b", at(0), map[minwon.Channel]int{chat: 3}, "lang:en") // other skills
			for i := 1; i <= 9; i++ {
				f.enqueue(fmt.Sprintf("c%d", i), "q", chat, 0, at(float64(i)))
			}
			f.step(at(10), "offer c1 a1", "offer c2 a2", "offer c3 a1", "offer c4 a2", "offer c5 a1", "offer c6 a2")
			f.position("c9", at(10), 3, 90*time.Second) // 3 × 180s ÷ 6 chats
			f.e.SetReady("a2", false, at(11))
			f.position("c9", at(11), 3, 180*time.Second)
		}},
		{"WaitRoundsUpToSeconds", func(f *fixture) {
			f.queue("q", ko)
			for _, id := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"} {
				f.agentCap(id, at(0), map[minwon.Channel]int{voice: 1}, "lang:ko")
				f.e.Assign(id, "x"+id, voice, at(0))
			}
			f.enqueue("c1", "q", voice, 0, at(1))
			f.position("c1", at(1), 1, 26*time.Second) // 180s ÷ 7 = 25.7s
		}},
		{"OfferedContactHasNoPosition", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			if _, _, ok := f.e.Position("c1", at(2)); ok {
				f.t.Fatal("offered contact has a position")
			}
			if _, _, ok := f.e.Position("nope", at(2)); ok {
				f.t.Fatal("unknown contact has a position")
			}
		}},
		{"QueueStatsCountsWaitingLongestAndReady", func(f *fixture) {
			f.queue("q", koEn)
			f.agent("a1", at(0), "lang:ko", "lang:en")
			f.agent("a2", at(0), "lang:ko", "lang:en")
			f.agent("a3", at(0), "lang:ko")
			f.e.SetReady("a2", false, at(1))
			for _, ch := range []minwon.Channel{voice, chat, video} {
				f.e.Assign("a1", "x"+string(ch), ch, at(1)) // a1 still has chat and sms room
			}
			f.enqueue("c1", "q", voice, 0, at(10))
			f.enqueue("c2", "q", chat, 3, at(20))
			f.step(at(20), "offer c2 a1")
			f.enqueue("c3", "q", chat, 0, at(25))
			w, longest, ready := f.e.QueueStats("q", at(40))
			if w != 2 || longest != 30*time.Second || ready != 1 {
				f.t.Fatalf("QueueStats = %d, %s, %d; want 2, 30s, 1", w, longest, ready)
			}
		}},
	})
}

func TestNextDeadline(t *testing.T) {
	runAll(t, []behaviour{
		{"NothingScheduled", func(f *fixture) {
			f.queue("q", ko)
			f.enqueue("c1", "q", voice, 0, at(1))
			f.step(at(1))
			if d, ok := f.e.NextDeadline(); ok {
				f.t.Fatalf("NextDeadline = %s, want none", d)
			}
		}},
		{"DueAtOnceAfterMatchingInput", func(f *fixture) {
			f.queue("q", ko)
			f.agent("a1", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			if d, ok := f.e.NextDeadline(); !ok || !d.IsZero() {
				f.t.Fatalf("NextDeadline = %s, %v; want zero, true", d, ok)
			}
			f.step(at(1), "offer c1 a1")
		}},
		{"EarliestOfOfferOverflowAndGrace", func(f *fixture) {
			f.queue("q", ko, offerTimeout(30*time.Second))
			f.queue("slow", en, overflow("q", 40*time.Second))
			f.agent("a1", at(0), "lang:ko")
			f.agent("a2", at(0), "lang:ko")
			f.enqueue("c1", "q", voice, 0, at(1))
			f.enqueue("c2", "slow", voice, 0, at(1))
			f.step(at(1), "offer c1 a1")
			f.e.SetConnected("a2", false, at(10)) // grace ends at 25
			for _, want := range []time.Time{at(25), at(31), at(41)} {
				d, ok := f.e.NextDeadline()
				if !ok || !d.Equal(want) {
					f.t.Fatalf("NextDeadline = %s, %v; want %s", d, ok, want)
				}
				f.e.Step(d)
			}
		}},
	})
}

func TestEnqueueErrors(t *testing.T) {
	e := New(Config{})
	e.SetQueue(minwon.Queue{ID: "q"})
	if err := e.Enqueue(Contact{ID: "c1", QueueID: "q", Channel: voice, Since: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    Contact
		code string
	}{
		{"RejectsUnknownQueue", Contact{ID: "c2", QueueID: "nope", Channel: voice, Since: t0}, minwon.EINVALID},
		{"RejectsKnownContact", Contact{ID: "c1", QueueID: "q", Channel: voice, Since: t0}, minwon.ECONFLICT},
		{"RejectsMissingID", Contact{QueueID: "q", Channel: voice, Since: t0}, minwon.EINVALID},
		{"RejectsMissingChannel", Contact{ID: "c3", QueueID: "q", Since: t0}, minwon.EINVALID},
		{"RejectsMissingSince", Contact{ID: "c4", QueueID: "q", Channel: voice}, minwon.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := minwon.ErrorCode(e.Enqueue(tt.c)); got != tt.code {
				t.Fatalf("Enqueue = %q, want %q", got, tt.code)
			}
		})
	}
}

// TestRandomScenarios drives engines with random input and checks, after
// every call, that the indexes agree with a brute-force recomputation, that
// no agent exceeds its capacity through offers, and that no contact is
// offered twice. It also replays each scenario with agents and queues
// registered in another order and requires the same decisions.
func TestRandomScenarios(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			a := simulate(t, seed, false)
			b := simulate(t, seed, true)
			if !slices.Equal(a, b) {
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("decision %d differs with registration order: %s vs %s", i, a[i], b[i])
					}
				}
				t.Fatalf("decision logs differ in length: %d vs %d", len(a), len(b))
			}
			if len(a) < 100 {
				t.Fatalf("only %d decisions; the scenario exercises too little", len(a))
			}
		})
	}
}

// rng is a small deterministic generator (SplitMix64), so that the scenario
// does not depend on math/rand's algorithm.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func simulate(t *testing.T, seed uint64, reversed bool) []string {
	r := rng(seed)
	e := New(Config{PresenceGrace: 5 * time.Second})
	skills := []string{"lang:ko", "lang:en", "sign", "topic:abuse"}
	chans := []minwon.Channel{voice, chat, video}
	pick := func(n int) []string {
		var s []string
		for _, k := range skills[:n] {
			if r.intn(2) == 0 {
				s = append(s, k)
			}
		}
		return s
	}
	var queues []minwon.Queue
	for i := range 8 {
		q := minwon.Queue{ID: fmt.Sprintf("q%d", i), Skills: pick(4), Priority: r.intn(3), OfferTimeout: time.Duration(5+r.intn(20)) * time.Second}
		if r.intn(2) == 0 {
			q.OverflowQueue, q.OverflowAfter = fmt.Sprintf("q%d", r.intn(8)), time.Duration(10+r.intn(60))*time.Second
		}
		queues = append(queues, q)
	}
	type agentDef struct {
		id     string
		skills []string
		cap    map[minwon.Channel]int
	}
	var agents []agentDef
	for i := range 30 {
		agents = append(agents, agentDef{fmt.Sprintf("a%02d", i), pick(4), map[minwon.Channel]int{voice: r.intn(2), chat: r.intn(4), video: r.intn(2)}})
	}
	// Register in another order without changing what the scenario draws.
	queueOrder, agentOrder := slices.Clone(queues), slices.Clone(agents)
	if reversed {
		slices.Reverse(queueOrder)
		slices.Reverse(agentOrder)
	}
	for _, q := range queueOrder {
		e.SetQueue(q)
	}
	now := t0
	for _, a := range agentOrder {
		e.SetAgent(a.id, a.skills, a.cap)
		e.SetConnected(a.id, true, now)
		e.SetReady(a.id, true, now)
	}
	var log []string
	var offered []Decision
	var active []string
	n := 0
	for range 3000 {
		now = now.Add(time.Duration(r.intn(3000)) * time.Millisecond)
		agent := fmt.Sprintf("a%02d", r.intn(30))
		switch op := r.intn(20); {
		case op < 6:
			n++
			c := Contact{ID: fmt.Sprintf("c%04d", n), QueueID: fmt.Sprintf("q%d", r.intn(8)), Channel: chans[r.intn(3)], Priority: r.intn(3), Since: now, Head: r.intn(10) == 0}
			if err := e.Enqueue(c); err != nil {
				t.Fatal(err)
			}
		case op < 9 && len(offered) > 0:
			i := r.intn(len(offered))
			d := offered[i]
			offered = slices.Delete(offered, i, i+1)
			if r.intn(4) == 0 {
				e.Decline(d.ContactID, d.AgentID, now)
			} else if e.Accept(d.ContactID, d.AgentID, now) == nil {
				active = append(active, d.ContactID)
			}
		case op < 12 && len(active) > 0:
			i := r.intn(len(active))
			id := active[i]
			active = slices.Delete(active, i, i+1)
			switch r.intn(6) {
			case 0:
				e.Transfer(id, fmt.Sprintf("q%d", r.intn(8)), now)
			default:
				e.Release(id, now)
			}
		case op < 13:
			e.Cancel(fmt.Sprintf("c%04d", 1+r.intn(n+1)))
		case op < 15:
			e.SetReady(agent, r.intn(3) != 0, now)
		case op < 16:
			e.SetConnected(agent, r.intn(3) != 0, now)
		case op < 17:
			n++
			e.Assign(agent, fmt.Sprintf("c%04d", n), chans[r.intn(3)], now)
			active = append(active, fmt.Sprintf("c%04d", n))
		case op < 18:
			if r.intn(10) == 0 {
				e.RemoveAgent(agent, now)
			} else {
				e.SetAgent(agent, pick(4), map[minwon.Channel]int{voice: r.intn(2), chat: r.intn(4), video: r.intn(2)})
			}
		case op < 19:
			q := queues[r.intn(len(queues))]
			q.Priority, q.Skills = r.intn(3), pick(4)
			e.SetQueue(q)
		default:
			if d, ok := e.NextDeadline(); ok && d.After(now) {
				now = d
			}
		}
		checkIndexes(t, e)
		ds := e.Step(now)
		checkIndexes(t, e)
		for _, d := range ds {
			if d.Kind == DecisionOffer {
				offered = append(offered, d)
				// Offers never push an agent beyond capacity; only Assign
				// and a lowered capacity may.
				a := e.agents[d.AgentID]
				if s := a.slots[a.slot(e.contacts[d.ContactID].ch)]; s.used > s.cap {
					t.Fatalf("offer %s left agent %s at %d of %d on %s", d.ContactID, a.id, s.used, s.cap, s.ch)
				}
			}
			log = append(log, fmt.Sprintf("%s %s %s %s %s", d.Kind, d.ContactID, d.AgentID, d.FromQueue, d.QueueID))
		}
		checkSettled(t, e)
	}
	return log
}

// checkIndexes recomputes every index by brute force and compares.
func checkIndexes(t *testing.T, e *Engine) {
	t.Helper()
	works := map[*agent]int{}
	for _, c := range e.contacts {
		if c.state == stateActive {
			works[c.agent]++
		}
	}
	for _, a := range e.agents {
		load, work := 0, works[a]
		for _, s := range a.slots {
			load += s.used
		}
		if load != a.load || work != a.work {
			t.Fatalf("agent %s: load %d work %d, recomputed %d %d", a.id, a.load, a.work, load, work)
		}
		for _, c := range a.offers {
			if c.state != stateOffered || c.agent != a {
				t.Fatalf("agent %s lists offer %s in state %d", a.id, c.id, c.state)
			}
		}
		staffed := a.ready && (a.connected || !a.lapsed)
		for _, g := range e.groupList {
			_, in := g.agents[a]
			if in != g.covers(a) {
				t.Fatalf("agent %s in group %q = %v, covers = %v", a.id, g.key, in, g.covers(a))
			}
		}
		for _, m := range a.members {
			s := a.slots[m.slot]
			if want := staffed && s.used < s.cap; want != (m.at >= 0) {
				t.Fatalf("agent %s in pool %q/%s = %v, want %v", a.id, m.p.g.key, m.p.ch, m.at >= 0, want)
			}
			if m.at >= 0 && m.p.agents.s[m.at] != m.seat() {
				t.Fatalf("agent %s: stale seat in pool %q/%s", a.id, m.p.g.key, m.p.ch)
			}
		}
	}
	for _, g := range e.groupList {
		ready, staffed := 0, map[minwon.Channel]int{}
		for a := range g.agents {
			if !a.ready || !(a.connected || !a.lapsed) {
				continue
			}
			free := false
			for _, s := range a.slots {
				staffed[s.ch] += s.cap
				free = free || s.used < s.cap
			}
			if free {
				ready++
			}
		}
		if ready != g.ready {
			t.Fatalf("group %q ready = %d, recomputed %d", g.key, g.ready, ready)
		}
		for ch, n := range g.staffed {
			if n != staffed[ch] {
				t.Fatalf("group %q staffed %s = %d, recomputed %d", g.key, ch, n, staffed[ch])
			}
		}
		for _, p := range g.pools {
			for a := range g.agents {
				n := 0
				for _, m := range a.members {
					if m.p == p {
						n++
					}
				}
				if i := a.slot(p.ch); (i >= 0 && a.slots[i].cap > 0) != (n == 1) || n > 1 {
					t.Fatalf("agent %s has %d members of pool %q/%s", a.id, n, g.key, p.ch)
				}
			}
			checkHeap(t, &p.agents)
			checkHeap(t, &p.lanes)
			for _, l := range p.lanes.s {
				if l.pool != p || len(l.waiting) == 0 {
					t.Fatalf("pool %q/%s holds a wrong lane", g.key, p.ch)
				}
			}
		}
	}
	waiting := 0
	for _, q := range e.queues {
		for _, l := range q.lanes {
			if l.pool.g != q.group || l.pool.ch != l.ch || !slices.Contains(q.group.pools, l.pool) {
				t.Fatalf("queue %s lane %s in the wrong pool", q.cfg.ID, l.ch)
			}
			if !slices.IsSortedFunc(l.waiting, contactCmp) {
				t.Fatalf("queue %s lane %s out of order", q.cfg.ID, l.ch)
			}
			for _, c := range l.waiting {
				if c.state != stateWaiting || c.q != q {
					t.Fatalf("contact %s in line in state %d", c.id, c.state)
				}
			}
			waiting += len(l.waiting)
		}
	}
	n := 0
	for _, c := range e.contacts {
		if c.state == stateWaiting {
			n++
		}
		if (c.offerAt >= 0) != (c.state == stateOffered) {
			t.Fatalf("contact %s in offer heap = %v, state %d", c.id, c.offerAt >= 0, c.state)
		}
	}
	if n != waiting {
		t.Fatalf("%d contacts waiting, %d in lines", n, waiting)
	}
	checkHeap(t, &e.offers)
	checkHeap(t, &e.overflows)
	checkHeap(t, &e.grace)
}

// checkSettled verifies that after Step no waiting contact could be offered to
// an agent, by brute force over all agents.
func checkSettled(t *testing.T, e *Engine) {
	t.Helper()
	var free []*agent
	for _, a := range e.agents {
		if a.ready && (a.connected || !a.lapsed) && slices.ContainsFunc(a.slots, func(s slot) bool { return s.used < s.cap }) {
			free = append(free, a)
		}
	}
	for _, c := range e.contacts {
		if c.state != stateWaiting {
			continue
		}
		for _, a := range free {
			if i := a.slot(c.ch); i >= 0 && a.slots[i].used < a.slots[i].cap && c.q.group.covers(a) {
				t.Fatalf("contact %s waits in %s while agent %s could take it", c.id, c.q.cfg.ID, a.id)
			}
		}
	}
}

func checkHeap[T comparable](t *testing.T, h *heap[T]) {
	for i, x := range h.s {
		if *h.pos(x) != i {
			t.Fatalf("heap item %d records index %d", i, *h.pos(x))
		}
		if i > 0 && h.less(x, h.s[(i-1)/2]) {
			t.Fatalf("heap order broken at %d", i)
		}
	}
}

func TestDecisionKindString(t *testing.T) {
	var names []string
	for k := DecisionOffer; k <= DecisionWithdrawn; k++ {
		names = append(names, k.String())
	}
	if got := strings.Join(names, ","); got != "offer,offer_lapsed,overflow,withdrawn" {
		t.Fatal(got)
	}
}
