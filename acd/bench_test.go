package acd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

// benchWorld is a city center at size: 10,000 counselors, 50 tenants (the
// city, 25 districts, 24 outsourcing clients) with 20 queues each.
type benchWorld struct {
	e      *Engine
	rng    *rand.Rand
	now    time.Time
	n      int
	queues []benchQueue // with cumulative weights for picking
	total  int
	active ring[string] // accepted contacts, oldest first
	target int          // accepted contacts kept in the center
	// abandon, when set, is how long a citizen waits before hanging up.
	abandon           time.Duration
	queued            ring[queued] // contacts enqueued, oldest first, while abandon is set
	offers, overflows int
}

type queued struct {
	id    string
	since time.Time
}

type benchQueue struct {
	id     string
	weight int // cumulative
	video  bool
}

func newBenchWorld(b *testing.B, target int, abandon time.Duration) *benchWorld {
	b.Helper()
	w := &benchWorld{
		e:       New(Config{}),
		rng:     rand.New(rand.NewPCG(120, 311)),
		now:     time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC),
		target:  target,
		abandon: abandon,
	}
	topics := []string{"traffic", "parking", "environment", "tax", "welfare", "health", "documents", "housing", "safety"}
	langs := []string{"en", "zh", "vi", "ja", "ru"}
	add := func(q minwon.Queue, weight int) {
		w.e.SetQueue(q)
		w.total += weight
		w.queues = append(w.queues, benchQueue{id: q.ID, weight: w.total, video: slices.Contains(q.Skills, minwon.SkillSign)})
	}
	for t := range 50 {
		p := fmt.Sprintf("t%02d-", t)
		general := minwon.Queue{ID: p + "general", Skills: []string{"lang:ko"}, Priority: 1, OfferTimeout: 20 * time.Second}
		if t > 0 {
			general.OverflowQueue, general.OverflowAfter = "t00-general", 2*time.Minute
		}
		add(general, 200)
		for i, topic := range topics {
			add(minwon.Queue{ID: p + topic, Skills: []string{"lang:ko"}, Priority: i % 3}, 60)
		}
		for _, topic := range []string{"tax", "welfare", "traffic"} {
			add(minwon.Queue{ID: p + "expert-" + topic, Skills: []string{"lang:ko", "topic:" + topic}, Priority: 1,
				OverflowQueue: p + "general", OverflowAfter: time.Minute}, 30)
		}
		for i, lang := range langs {
			add(minwon.Queue{ID: p + "lang-" + lang, Skills: []string{"lang:" + lang}, Priority: 2}, 40-7*i)
		}
		add(minwon.Queue{ID: p + "sign", Skills: []string{minwon.SkillSign}, Priority: 3}, 10)
		add(minwon.Queue{ID: p + "abuse", Skills: []string{minwon.SkillAbuse}, Priority: 5}, 15)
	}
	for i := range 10000 {
		skills := []string{"lang:ko"}
		switch r := i % 100; {
		case r < 80: // general counselors, a third of them with one specialty
			if i%3 == 0 {
				skills = append(skills, "topic:"+[]string{"tax", "welfare", "traffic"}[i%9/3])
			}
		case r < 85:
			skills = append(skills, "topic:tax", "topic:welfare")
		case r < 97: // interpreters-counselors: en, zh, vi, ja, ru by demand
			skills = append(skills, "lang:"+langs[[]int{0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 0, 1}[r-85]])
		case r < 99:
			skills = append(skills, minwon.SkillSign)
		default: // the dedicated abuse team
			skills = append(skills, minwon.SkillAbuse)
		}
		id := fmt.Sprintf("agent%05d", i)
		w.e.SetAgent(id, skills, minwon.DefaultCapacity())
		w.e.SetConnected(id, true, w.now)
		w.e.SetReady(id, true, w.now.Add(time.Duration(i)*time.Millisecond))
	}
	return w
}

// iterate is one routing cycle: a contact arrives, Step offers it (or
// another), the agent accepts, and the oldest contact in the center ends;
// with abandon set, citizens who waited that long hang up.
func (w *benchWorld) iterate(b *testing.B) {
	w.now = w.now.Add(100 * time.Millisecond)
	w.n++
	x := w.rng.IntN(w.total)
	i, _ := slices.BinarySearchFunc(w.queues, x, func(q benchQueue, x int) int {
		if q.weight <= x {
			return -1
		}
		return 1
	})
	q := w.queues[i]
	ch := minwon.ChannelVoice
	switch {
	case q.video:
		ch = minwon.ChannelVideo
	case w.rng.IntN(10) < 4:
		ch = minwon.ChannelChat
	}
	c := Contact{ID: "c" + strconv.Itoa(w.n), QueueID: q.id, Channel: ch, Priority: w.rng.IntN(20) / 19, Since: w.now}
	if err := w.e.Enqueue(c); err != nil {
		b.Fatal(err)
	}
	for _, d := range w.e.Step(w.now) {
		if d.Kind == DecisionOverflow {
			w.overflows++
		}
		if d.Kind == DecisionOffer {
			w.offers++
			if err := w.e.Accept(d.ContactID, d.AgentID, w.now); err != nil {
				b.Fatal(err)
			}
			w.active.push(d.ContactID)
		}
	}
	if w.active.n > w.target {
		w.e.Release(w.active.pop(), w.now)
	}
	if w.abandon > 0 {
		w.queued.push(queued{c.ID, c.Since})
		for w.queued.n > 0 && w.now.Sub(w.queued.peek().since) >= w.abandon {
			id := w.queued.pop().id
			if _, _, waiting := w.e.Position(id, w.now); waiting {
				w.e.Cancel(id)
			}
		}
	}
}

// ring is a FIFO that never copies its contents in steady state, so that the
// harness adds no latency spikes of its own.
type ring[T any] struct {
	s    []T
	h, n int
}

func (r *ring[T]) push(x T) {
	if r.n == len(r.s) {
		s := make([]T, max(1024, 2*len(r.s)))
		for i := range r.n {
			s[i] = r.s[(r.h+i)%len(r.s)]
		}
		r.s, r.h = s, 0
	}
	r.s[(r.h+r.n)%len(r.s)] = x
	r.n++
}

func (r *ring[T]) peek() T { return r.s[r.h] }

func (r *ring[T]) pop() T {
	x := r.s[r.h]
	var zero T
	r.s[r.h] = zero
	r.h = (r.h + 1) % len(r.s)
	r.n--
	return x
}

// BenchmarkRoute measures one routing cycle (Enqueue, Step, Accept, Release)
// in a steady state of 6,000 contacts in progress among 10,000 agents and
// 1,000 queues, and reports the latency percentiles of a cycle.
func BenchmarkRoute(b *testing.B) {
	benchRoute(b, newBenchWorld(b, 6000, 0))
}

// BenchmarkRouteSaturated is the peak hour: 20,000 contacts in progress, more
// calls than voice lines, so contacts queue, overflow and abandon after three
// minutes, and most offers go to an agent freed by Release, who gets the best
// contact of all its queues.
func BenchmarkRouteSaturated(b *testing.B) {
	benchRoute(b, newBenchWorld(b, 20000, 3*time.Minute))
}

func benchRoute(b *testing.B, w *benchWorld) {
	for range 30000 { // reach the steady state before measuring
		w.iterate(b)
	}
	w.offers, w.overflows = 0, 0
	lat := make([]time.Duration, 0, 1<<18) // growing it would show as a spike
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		w.iterate(b)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
	b.ReportMetric(pct(0.999), "p99.9-ns")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
	b.ReportMetric(float64(w.offers)/float64(len(lat)), "offers/op")
	b.ReportMetric(float64(w.overflows)/float64(len(lat)), "overflows/op")
	waiting := 0
	for _, q := range w.queues {
		n, _, _ := w.e.QueueStats(q.id, w.now)
		waiting += n
	}
	b.ReportMetric(float64(waiting), "waiting")
}
