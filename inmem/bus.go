// Package inmem provides the in-process event bus used on a single node.
package inmem

import (
	"context"
	"sync"

	"github.com/minwon/minwon"
)

var _ minwon.Bus = (*Bus)(nil)

// Bus delivers published events to every subscriber in publication order.
// Each subscriber has its own unbounded queue and goroutine, so a slow
// subscriber (a board recomputing statistics) never blocks the publisher (a
// citizen's message) and nothing is dropped.
type Bus struct {
	mu   sync.RWMutex
	subs map[*subscriber]struct{}
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: make(map[*subscriber]struct{})} }

type subscriber struct {
	fn     func(*minwon.Event)
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*minwon.Event
	closed bool
	done   chan struct{}
}

// Publish implements minwon.Bus. It never blocks on subscribers.
func (b *Bus) Publish(_ context.Context, evs ...*minwon.Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		s.mu.Lock()
		s.queue = append(s.queue, evs...)
		s.mu.Unlock()
		s.cond.Signal()
	}
	return nil
}

// Subscribe implements minwon.Bus. Unsubscribing waits until fn has returned
// for the event in flight; queued events not yet delivered are discarded.
func (b *Bus) Subscribe(fn func(*minwon.Event)) func() {
	s := &subscriber{fn: fn, done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go s.run()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			s.mu.Lock()
			s.closed = true
			s.mu.Unlock()
			s.cond.Signal()
			<-s.done
		})
	}
}

func (s *subscriber) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, ev := range batch {
			s.fn(ev)
		}
	}
}
