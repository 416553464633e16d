// Package asr is the speech-recognizer adapter of the phone channel: a
// caller's audio goes out, transcript segments come back. It speaks the Vosk
// server's WebSocket protocol (alphacep/vosk-server), one connection per
// call: a text frame {"config":{"sample_rate":8000}}, then binary frames of
// 16-bit little-endian PCM, then {"eof":1}; the server answers each audio
// frame with {"partial":"…"} or, at the end of an utterance, with
// {"text":"…","result":[…]}. Only whole utterances become segments.
//
// The media path must never wait for the recognizer, so Write only copies
// into a bounded buffer; when the recognizer is slow or away, the oldest
// audio is dropped and counted. A lost connection is dialled again with
// backoff; audio from the gap that still fits the buffer is sent on.
package asr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Config tunes the client. Zero fields take the defaults.
type Config struct {
	// URL is the recognizer's WebSocket address, ws://host:2700 for a
	// stock Vosk server.
	URL string
	// SampleRate is what the audio is in; the phone's 8000.
	SampleRate int
	// Buffer is how much audio waits for the recognizer before the oldest
	// is dropped; default 10 s.
	Buffer time.Duration
	// MinBackoff and MaxBackoff bound the wait between dials after a
	// failure; it doubles from the least to the most.
	MinBackoff, MaxBackoff time.Duration
	// Final is how long Close waits for the recognizer's last result.
	Final time.Duration
}

func (c Config) withDefaults() Config {
	if c.SampleRate == 0 {
		c.SampleRate = 8000
	}
	if c.Buffer == 0 {
		c.Buffer = 10 * time.Second
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 200 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.Final == 0 {
		c.Final = 3 * time.Second
	}
	return c
}

// Segment is one utterance the recognizer finished.
type Segment struct {
	Text string
	// Start and End are where the utterance lies in the audio sent, from
	// the word timings when the recognizer gave them.
	Start, End time.Duration
	// Confidence is the mean word confidence, 0 when none was given.
	Confidence float64
}

// Client opens recognition streams against one recognizer.
type Client struct {
	cfg Config
	log *slog.Logger
}

// New checks the config and returns a client; nothing is dialled yet.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("speech recognizer address %q: want ws://host:port", cfg.URL)
	}
	cfg = cfg.withDefaults()
	if cfg.SampleRate < 8000 || cfg.Buffer < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < cfg.MinBackoff {
		return nil, fmt.Errorf("speech recognizer config: bad sample rate, buffer or backoff")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Client{cfg: cfg, log: log}, nil
}

// URL returns the recognizer's address.
func (c *Client) URL() string { return c.cfg.URL }

// Stream is one call's recognition. Write from the media path; segments
// arrive on fn from the stream's own goroutine.
type Stream struct {
	c   *Client
	log *slog.Logger
	fn  func(Segment)

	mu      sync.Mutex
	chunks  [][]byte // waiting audio, oldest first
	bytes   int
	max     int
	closing bool
	ready   chan struct{} // audio or closing

	dropped atomic.Int64 // bytes of audio dropped
	dials   atomic.Int64
	done    chan struct{}
	cancel  context.CancelFunc
}

// Open starts a stream; it dials in the background, so a recognizer that
// is down costs the call nothing.
func (c *Client) Open(ctx context.Context, log *slog.Logger, fn func(Segment)) *Stream {
	if log == nil {
		log = c.log
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Stream{c: c, log: log, fn: fn, ready: make(chan struct{}, 1), done: make(chan struct{}), cancel: cancel,
		max: int(c.cfg.Buffer.Seconds() * float64(c.cfg.SampleRate) * 2)}
	go s.run(ctx)
	return s
}

// Write queues 16-bit PCM. It never blocks: when the buffer is full the
// oldest audio goes, and Dropped counts it.
func (s *Stream) Write(pcm []byte) {
	if len(pcm) == 0 {
		return
	}
	b := append([]byte(nil), pcm...)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.chunks = append(s.chunks, b)
	s.bytes += len(b)
	for s.bytes > s.max && len(s.chunks) > 0 {
		s.bytes -= len(s.chunks[0])
		s.dropped.Add(int64(len(s.chunks[0])))
		s.chunks[0] = nil
		s.chunks = s.chunks[1:]
	}
	s.mu.Unlock()
	s.signal()
}

func (s *Stream) signal() {
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Dropped returns how many bytes of audio were dropped for want of room.
func (s *Stream) Dropped() int64 { return s.dropped.Load() }

// Dials returns how many connections the stream has opened.
func (s *Stream) Dials() int64 { return s.dials.Load() }

// Close sends what is buffered and the end of the stream, waits a little
// for the last segment, and stops.
func (s *Stream) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.signal()
	select {
	case <-s.done:
	case <-time.After(s.c.cfg.Final + time.Second):
		s.cancel()
		<-s.done
	}
	s.cancel()
}

// take returns the waiting audio, up to limit bytes, and whether the stream
// is closing with nothing left.
func (s *Stream) take(limit int) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []byte
	for len(s.chunks) > 0 && len(out)+len(s.chunks[0]) <= limit {
		out = append(out, s.chunks[0]...)
		s.bytes -= len(s.chunks[0])
		s.chunks[0] = nil
		s.chunks = s.chunks[1:]
	}
	if len(out) == 0 && len(s.chunks) > 0 { // one chunk over the limit goes alone
		out = s.chunks[0]
		s.bytes -= len(out)
		s.chunks = s.chunks[1:]
	}
	return out, s.closing && len(s.chunks) == 0
}

// errClosed ends a connection's session because the stream is done.
var errClosed = errors.New("stream closed")

func (s *Stream) run(ctx context.Context) {
	defer close(s.done)
	backoff := s.c.cfg.MinBackoff
	for {
		started := time.Now()
		err := s.session(ctx)
		if errors.Is(err, errClosed) || ctx.Err() != nil {
			return
		}
		s.log.Warn("speech recognizer", "url", s.c.cfg.URL, "err", err, "retry_in", backoff)
		if time.Since(started) > s.c.cfg.MaxBackoff {
			backoff = s.c.cfg.MinBackoff // it had been working: start over
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		if closing {
			return // no recognizer to flush to; the call is over
		}
		backoff = min(backoff*2, s.c.cfg.MaxBackoff)
	}
}

// message is what the recognizer sends.
type message struct {
	Partial *string `json:"partial"`
	Text    *string `json:"text"`
	Result  []struct {
		Conf  float64 `json:"conf"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Word  string  `json:"word"`
	} `json:"result"`
}

// session runs one connection until it fails or the stream is closed.
func (s *Stream) session(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, _, err := websocket.Dial(dctx, s.c.cfg.URL, nil)
	cancel()
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	s.dials.Add(1)
	var reading sync.WaitGroup
	defer reading.Wait() // no segment is delivered after the session
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	cfg := fmt.Sprintf(`{"config":{"sample_rate":%d}}`, s.c.cfg.SampleRate)
	if err := conn.Write(ctx, websocket.MessageText, []byte(cfg)); err != nil {
		return fmt.Errorf("send config: %w", err)
	}
	// The reader delivers segments; it ends when the server closes, which
	// it does after the last result once it has our eof.
	readDone := make(chan error, 1)
	reading.Add(1)
	go func() {
		defer reading.Done()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				readDone <- err
				return
			}
			var m message
			if json.Unmarshal(b, &m) != nil || m.Text == nil || *m.Text == "" {
				continue // partials, and anything else, are not segments
			}
			seg := Segment{Text: *m.Text}
			if n := len(m.Result); n > 0 {
				seg.Start = time.Duration(m.Result[0].Start * float64(time.Second))
				seg.End = time.Duration(m.Result[n-1].End * float64(time.Second))
				for _, w := range m.Result {
					seg.Confidence += w.Conf / float64(n)
				}
			}
			s.fn(seg)
		}
	}()
	// Up to half a second of audio per frame: fewer frames when catching up.
	limit := s.c.cfg.SampleRate
	for {
		pcm, last := s.take(limit)
		if len(pcm) > 0 {
			if err := conn.Write(ctx, websocket.MessageBinary, pcm); err != nil {
				return fmt.Errorf("send audio: %w", err)
			}
			continue
		}
		if last {
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"eof":1}`)); err != nil {
				return errors.Join(errClosed, err)
			}
			select {
			case <-readDone:
			case <-time.After(s.c.cfg.Final):
			case <-ctx.Done():
			}
			conn.Close(websocket.StatusNormalClosure, "")
			return errClosed
		}
		select {
		case <-s.ready:
		case err := <-readDone:
			return fmt.Errorf("read: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
