package kb_test

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minwon/minwon/bench/kbcorpus"
	"github.com/minwon/minwon/kb"
)

// benchArticles is the size of a large city's knowledge base.
const benchArticles = 100_000

var (
	benchOnce  sync.Once
	benchIndex *kb.Index
	benchCorp  kbcorpus.Corpus
	buildTime  time.Duration
	heapBytes  uint64
)

func benchSetup(b *testing.B) {
	benchOnce.Do(func() {
		benchCorp = kbcorpus.Generate(benchArticles, 120)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		benchIndex = kb.NewIndex(benchCorp.Articles)
		buildTime = time.Since(start)
		benchIndex.SetDictionary(benchCorp.Dictionary)
		runtime.GC()
		runtime.ReadMemStats(&after)
		heapBytes = after.HeapAlloc - before.HeapAlloc
	})
}

// BenchmarkSearch100k times one search over 100,000 generated articles with
// a mix of query kinds (kbcorpus.Kinds) and reports latency percentiles,
// the share of answerable queries whose top hit has the meant topic, and
// the index's build time and heap.
func BenchmarkSearch100k(b *testing.B) {
	benchSetup(b)
	qs := kbcorpus.Queries(2000, 7)
	topic := make(map[string]string, len(benchCorp.Articles))
	for i, a := range benchCorp.Articles {
		topic[a.ID] = benchCorp.Topic[i]
	}
	lat := make([]time.Duration, 0, b.N)
	hits, answerable := 0, 0
	var unrelatedMax float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := qs[i%len(qs)]
		t0 := time.Now()
		res := benchIndex.Search(q.Text, 10)
		lat = append(lat, time.Since(t0))
		if q.Topic == "" {
			if len(res) > 0 {
				unrelatedMax = max(unrelatedMax, res[0].Score)
			}
			continue
		}
		answerable++
		if len(res) > 0 && topic[res[0].Article.ID] == q.Topic {
			hits++
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
	if answerable > 0 {
		b.ReportMetric(float64(hits)/float64(answerable), "top1-topic")
	}
	b.ReportMetric(unrelatedMax, "unrelated-max-score")
	b.ReportMetric(buildTime.Seconds(), "build-s")
	b.ReportMetric(float64(heapBytes)/(1<<20), "index-MiB")
}

// BenchmarkUpsert100k times saving one article into an index of 100,000,
// as the knowledge-base editor does: most saves rebuild only the small
// delta segment; every deltaMax+1-th folds it into the main one, which is
// what max-ns shows.
func BenchmarkUpsert100k(b *testing.B) {
	benchSetup(b)
	x := kb.NewIndex(benchCorp.Articles)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := benchCorp.Articles[(i*7919)%len(benchCorp.Articles)]
		a.Title += " 개정"
		t0 := time.Now()
		x.Upsert(a)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "max-ns")
}

// BenchmarkSearch100kParallel runs the same query mix from GOMAXPROCS
// goroutines at once, while one article is saved every 100 searches, to
// show searches do not wait for one another or for saves.
func BenchmarkSearch100kParallel(b *testing.B) {
	benchSetup(b)
	x := kb.NewIndex(benchCorp.Articles)
	x.SetDictionary(benchCorp.Dictionary)
	qs := kbcorpus.Queries(2000, 7)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if i%100 == 0 {
				x.Upsert(benchCorp.Articles[int(i)%len(benchCorp.Articles)])
			}
			x.Search(qs[int(i)%len(qs)].Text, 10)
		}
	})
}
