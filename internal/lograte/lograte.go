// Package lograte keeps one repeated log line from flooding the log.
//
// The SIP and media libraries log per packet in places: a peer that sends
// RTCP to an RTP port, or garbage to the SIP port, writes a warning fifty
// times a second per call. A Handler lets the first lines of each message
// through in every window and drops the rest, and the first line let
// through after a drop says how many were dropped.
package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxKeys bounds the messages tracked at once. Messages are the code's
// constants, so this is only reached by code that puts data in them.
const maxKeys = 1024

// Handler wraps another slog.Handler and limits each message (by level
// and text) to burst records a window.
type Handler struct {
	next slog.Handler
	st   *state // shared by the handlers derived with WithAttrs and WithGroup
}

type state struct {
	burst  int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[key]*count
}

type key struct {
	level slog.Level
	msg   string
}

type count struct {
	start   time.Time
	n       int // let through in this window
	dropped int // dropped since the last line let through
}

// New returns a Handler in front of next that lets burst records of each
// message through per window; now is the clock (time.Now in production).
func New(next slog.Handler, burst int, window time.Duration, now func() time.Time) *Handler {
	return &Handler{next: next, st: &state{burst: max(burst, 1), window: window, now: now, keys: map[key]*count{}}}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	ok, dropped := h.st.take(key{r.Level, r.Message})
	if !ok {
		return nil
	}
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", dropped))
	}
	return h.next.Handle(ctx, r)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(as), st: h.st}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), st: h.st}
}

// take reports whether a record of k may pass, and how many of k were
// dropped before it.
func (s *state) take(k key) (ok bool, dropped int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.keys[k]
	if c == nil || now.Sub(c.start) >= s.window {
		if c == nil {
			s.makeRoom(now)
			c = &count{}
			s.keys[k] = c
		}
		dropped = c.dropped
		*c = count{start: now, n: 1}
		return true, dropped
	}
	if c.n < s.burst {
		c.n++
		dropped, c.dropped = c.dropped, 0
		return true, dropped
	}
	c.dropped++
	return false, 0
}

// makeRoom forgets messages whose window is over, and if that is not
// enough, every message. Callers hold s.mu.
func (s *state) makeRoom(now time.Time) {
	if len(s.keys) < maxKeys {
		return
	}
	for k, c := range s.keys {
		if now.Sub(c.start) >= s.window && c.dropped == 0 {
			delete(s.keys, k)
		}
	}
	if len(s.keys) >= maxKeys {
		clear(s.keys)
	}
}
