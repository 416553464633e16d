package sqldb_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/internal/pgtest"
	"github.com/minwon/minwon/sqldb"
)

// forEachBackendB is forEachBackend for benchmarks: each run of fn gets a
// fresh store, because the benchmark framework calls it again for every b.N.
func forEachBackendB(b *testing.B, fn func(b *testing.B, db *sqldb.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, mustOpen(b, filepath.Join(b.TempDir(), "minwon.db"))) })
	b.Run("postgres", func(b *testing.B) { fn(b, mustOpen(b, pgtest.DSN(b))) })
}

// benchText is a typical chat line: about 100 bytes of Korean.
const benchText = "안녕하세요, 집 앞 도로에 포트홀이 생겨서 신고하려고 합니다. 위치는요"

// openChats creates n contacts in one append and returns their IDs.
func openChats(b testing.TB, db *sqldb.DB, n int) []string {
	ids := make([]string, n)
	evs := make([]*minwon.Event, n)
	for i := range n {
		ids[i] = "bench-" + strconv.Itoa(i)
		evs[i] = createContact(newContact(ids[i], "t1", "citizen-"+strconv.Itoa(i), 0))
	}
	mustAppend(b, db, evs...)
	return ids
}

// benchMessage is a message event as the chat service would append it.
func benchMessage(contactID string, seq int) *minwon.Event {
	m := &minwon.Message{ID: minwon.NewID(), ContactID: contactID, Seq: seq, From: minwon.FromCitizen, Text: benchText,
		ClientID: minwon.NewID(), At: time.Now()}
	return minwon.NewEvent(minwon.EventMessageSent, m.At, m)
}

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime(b testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds throughput, latency percentiles, batch size and CPU time per
// event to b's output. The CPU time is the whole process's since cpu0: the
// store's writer and the callers' encoding, and the benchmark's own
// goroutines, which cost the same in every run, so it compares builds.
func report(b *testing.B, db *sqldb.DB, before sqldb.Stats, cpu0 time.Duration, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	after := db.Stats()
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	if n := after.Batches - before.Batches; n > 0 {
		b.ReportMetric(float64(after.Events-before.Events)/float64(n), "events/batch")
	}
	if len(lat) > 0 {
		b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(len(lat)), "cpu-µs/event")
	}
	b.ReportMetric(0, "ns/op") // wall time per op is meaningless with 1,000 writers
}

// BenchmarkAppendConcurrent saturates the store: 1,000 goroutines, each
// appending one chat message at a time as fast as it is acknowledged.
// Latency here is mostly queueing behind other writers; see
// BenchmarkAppendPaced for latency at a realistic load.
func BenchmarkAppendConcurrent(b *testing.B) {
	forEachBackendB(b, func(b *testing.B, db *sqldb.DB) {
		const writers = 1000
		chats := openChats(b, db, writers)
		before, cpu0 := db.Stats(), cpuTime(b)
		var next atomic.Int64
		lats := make([][]time.Duration, writers)
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for w := range writers {
			wg.Go(func() {
				for seq := 1; next.Add(1) <= int64(b.N); seq++ {
					ev := benchMessage(chats[w], seq)
					t0 := time.Now()
					if err := db.Append(ctx, ev); err != nil {
						b.Error(err)
						return
					}
					lats[w] = append(lats[w], time.Since(t0))
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		report(b, db, before, cpu0, slices.Concat(lats...), elapsed)
	})
}

// BenchmarkAppendPaced offers a steady load shaped like the target center:
// 22,000 people (20,000 citizens and 2,000 counselors), each sending a
// message at a regular interval with a random phase, together
// MINWON_BENCH_RATE messages per second (default 5,000). It reports the
// latency from send to durable.
func BenchmarkAppendPaced(b *testing.B) {
	rate := 5000
	if s := os.Getenv("MINWON_BENCH_RATE"); s != "" {
		var err error
		if rate, err = strconv.Atoi(s); err != nil {
			b.Fatalf("MINWON_BENCH_RATE: %v", err)
		}
	}
	forEachBackendB(b, func(b *testing.B, db *sqldb.DB) {
		const people = 22000
		chats := openChats(b, db, people)
		interval := time.Duration(float64(time.Second) * people / float64(rate))
		before, cpu0 := db.Stats(), cpuTime(b)
		var next atomic.Int64
		lats := make([][]time.Duration, people)
		var wg sync.WaitGroup
		var start time.Time
		var started sync.Once // the rate counts from the first send to the last ack
		var lastAck atomic.Int64
		b.ResetTimer()
		for p := range people {
			wg.Go(func() {
				time.Sleep(rand.N(interval))
				tick := time.NewTicker(interval)
				defer tick.Stop()
				for seq := 1; next.Add(1) <= int64(b.N); seq++ {
					ev := benchMessage(chats[p], seq)
					t0 := time.Now()
					started.Do(func() { start = t0 })
					if err := db.Append(ctx, ev); err != nil {
						b.Error(err)
						return
					}
					lats[p] = append(lats[p], time.Since(t0))
					lastAck.Store(max(lastAck.Load(), time.Now().UnixNano())) // racy max, close enough for a rate
					<-tick.C
				}
			})
		}
		wg.Wait()
		elapsed := time.Unix(0, lastAck.Load()).Sub(start)
		b.StopTimer()
		report(b, db, before, cpu0, slices.Concat(lats...), elapsed)
		b.ReportMetric(float64(rate), "offered/s")
	})
}

// BenchmarkAppendMessages is the writer's cost per chat line without
// queueing: one caller appends b.N message events, four to an Append (the
// batch size the chat load reaches at 2,400 lines a second), spread over
// 20,000 open chats so that the indexes on contact_id are written at
// random places as they are in a center. cpu-µs/event is what counts:
// ns/op is per event too, but includes the writer's linger, spent idle.
func BenchmarkAppendMessages(b *testing.B) {
	forEachBackendB(b, func(b *testing.B, db *sqldb.DB) {
		const chats, perAppend = 20000, 4
		ids := openChats(b, db, chats)
		seqs := make([]int, chats)
		evs := make([]*minwon.Event, 0, perAppend)
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime(b)
		for i := 0; i < b.N; {
			evs = evs[:0]
			for ; len(evs) < perAppend && i < b.N; i++ {
				c := rand.N(chats)
				seqs[c]++
				evs = append(evs, benchMessage(ids[c], seqs[c]))
			}
			if err := db.Append(ctx, evs...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
	})
}
