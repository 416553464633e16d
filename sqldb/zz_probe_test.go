package sqldb_test

import (
	"math/rand/v2"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestZZProbe(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "x.db"))
	const people, rate, total = 22000, 5000, 50000
	ids := openChats(t, db, people)
	interval := time.Duration(float64(time.Second) * people / float64(rate))
	var next atomic.Int64
	type rec struct{ at, lat time.Duration }
	var mu sync.Mutex
	var slow []rec
	var all []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for p := range people {
		wg.Go(func() {
			time.Sleep(rand.N(interval))
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for seq := 1; next.Add(1) <= total; seq++ {
				ev := benchMessage(ids[p], seq)
				t0 := time.Now()
				if err := db.Append(ctx, ev); err != nil {
					t.Error(err)
					return
				}
				l := time.Since(t0)
				mu.Lock()
				all = append(all, l)
				if l > 30*time.Millisecond {
					slow = append(slow, rec{t0.Sub(start), l})
				}
				mu.Unlock()
				<-tick.C
			}
		})
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	t.Logf("p50 %v p99 %v max %v slow %d stats %+v", all[len(all)/2], all[len(all)*99/100], all[len(all)-1], len(slow), db.Stats())
	sort.Slice(slow, func(i, j int) bool { return slow[i].at < slow[j].at })
	last := time.Duration(-1)
	for _, s := range slow {
		if s.at-last > 50*time.Millisecond {
			t.Logf("slow at %v: %v", s.at, s.lat)
		}
		last = s.at
	}
}
