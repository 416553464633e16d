package recording

import (
	"os"
	"testing"
	"time"
)

// callSeconds is the length of each simulated call in the benchmarks; a
// 120 call averages a few minutes.
const callSeconds = 180

// benchCall feeds one simulated call second by second. Each benchmark op is
// one second of a two-sided call (50 + 50 packets of 20 ms PCMU) mixed,
// sealed and written to disk; every callSeconds ops the call is closed
// (which reads the file back to hash it) and a new file started. So
// 1 s / (ns/op) is how many concurrent calls one core keeps up with.
type benchCall struct {
	dir     string
	n       int
	call    *Call
	f       *os.File
	keys    *Keyring
	second  int
	a, b    []Packet
	arrival time.Time
}

func newBenchCall(tb testing.TB, dir string, keys *Keyring) *benchCall {
	a := &toneStream{freq: 1000, amp: 0.5, ts: 1000}
	b := &toneStream{freq: 400, amp: 0.5, ts: 99999}
	bc := &benchCall{dir: dir, keys: keys, arrival: t0}
	for range 50 {
		bc.a = append(bc.a, a.next(t0))
		bc.b = append(bc.b, b.next(t0))
	}
	return bc
}

func (bc *benchCall) oneSecond(tb testing.TB) {
	if bc.call == nil {
		f, err := os.CreateTemp(bc.dir, "bench-*.mwrec")
		if err != nil {
			tb.Fatal(err)
		}
		bc.f = f
		if bc.call, err = NewCall(f, bc.keys, Options{}); err != nil {
			tb.Fatal(err)
		}
	}
	base := uint32(bc.second * SampleRate)
	for i := range 50 {
		at := bc.arrival.Add(time.Duration(bc.second)*time.Second + time.Duration(i)*20*time.Millisecond)
		pa, pb := bc.a[i], bc.b[i]
		pa.Timestamp += base
		pb.Timestamp += base
		pa.Arrival, pb.Arrival = at, at.Add(2*time.Millisecond)
		if err := bc.call.Write(Citizen, pa); err != nil {
			tb.Fatal(err)
		}
		if err := bc.call.Write(Counselor, pb); err != nil {
			tb.Fatal(err)
		}
	}
	bc.second++
	if bc.second == callSeconds {
		bc.finish(tb)
	}
}

func (bc *benchCall) finish(tb testing.TB) {
	if bc.call == nil {
		return
	}
	if _, err := bc.call.Close(); err != nil {
		tb.Fatal(err)
	}
	name := bc.f.Name()
	bc.f.Close()
	os.Remove(name)
	bc.call, bc.second = nil, 0
}

func benchDir(b *testing.B) string {
	if d := os.Getenv("MINWON_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "rec")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

// BenchmarkRecordCall: one core, one call at a time.
func BenchmarkRecordCall(b *testing.B) {
	keys := testKeys(b, keyA)
	bc := newBenchCall(b, benchDir(b), keys)
	b.SetBytes(SampleRate * 4) // PCM bytes per op
	b.ReportAllocs()
	for b.Loop() {
		bc.oneSecond(b)
	}
	bc.finish(b)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/core")
}

// BenchmarkRecordCallsParallel: many calls at once on all GOMAXPROCS cores,
// each goroutine its own file. calls is how many call-seconds the machine
// records per wall second: the concurrent calls it sustains.
func BenchmarkRecordCallsParallel(b *testing.B) {
	keys := testKeys(b, keyA)
	dir := benchDir(b)
	b.SetBytes(SampleRate * 4)
	b.SetParallelism(64) // 64 × GOMAXPROCS files open at once
	b.RunParallel(func(pb *testing.PB) {
		bc := newBenchCall(b, dir, keys)
		for pb.Next() {
			bc.oneSecond(b)
		}
		bc.finish(b)
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls")
}
