package inmem_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/inmem"
)

func TestBus(t *testing.T) {
	t.Run("DeliversInOrderToEverySubscriber", func(t *testing.T) {
		bus := inmem.NewBus()
		const n = 1000
		var wg sync.WaitGroup
		got := make([][]string, 3)
		for i := range got {
			wg.Add(1)
			var count int
			unsub := bus.Subscribe(func(ev *minwon.Event) {
				got[i] = append(got[i], ev.ID)
				if count++; count == n {
					wg.Done()
				}
			})
			defer unsub()
		}
		for i := 0; i < n; i++ {
			bus.Publish(context.Background(), &minwon.Event{ID: fmt.Sprint(i)})
		}
		wg.Wait()
		for i := range got {
			for j, id := range got[i] {
				if id != fmt.Sprint(j) {
					t.Fatalf("subscriber %d: event %d is %s", i, j, id)
				}
			}
		}
	})
	t.Run("SlowSubscriberDoesNotBlockPublisher", func(t *testing.T) {
		bus := inmem.NewBus()
		release := make(chan struct{})
		unsub := bus.Subscribe(func(*minwon.Event) { <-release })
		done := make(chan struct{})
		go func() {
			for i := 0; i < 10000; i++ {
				bus.Publish(context.Background(), &minwon.Event{})
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("publisher blocked by a slow subscriber")
		}
		close(release)
		unsub()
	})
	t.Run("UnsubscribeStopsDelivery", func(t *testing.T) {
		bus := inmem.NewBus()
		var mu sync.Mutex
		count := 0
		unsub := bus.Subscribe(func(*minwon.Event) { mu.Lock(); count++; mu.Unlock() })
		unsub()
		bus.Publish(context.Background(), &minwon.Event{})
		time.Sleep(10 * time.Millisecond) // nothing to wait for: delivery must not happen at all
		mu.Lock()
		defer mu.Unlock()
		if count != 0 {
			t.Fatalf("delivered %d events after unsubscribe", count)
		}
	})
}
