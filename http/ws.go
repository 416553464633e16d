package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/minwon/minwon"
)

// writeTimeout bounds one frame's write; a peer that takes longer is gone.
const writeTimeout = 10 * time.Second

// Buffers of an accepted WebSocket. net/http hands over 4 KiB for each
// direction, 43 % of the live heap at 5,500 sockets; a chat frame is a few
// hundred bytes, and larger ones pass the buffer by.
const (
	wsReadBuffer  = 1 << 10
	wsWriteBuffer = 2 << 10
)

// acceptWS upgrades the request like websocket.Accept, with smaller buffers.
func acceptWS(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return websocket.Accept(smallBuffers{w}, r, nil) // same-origin by default
}

// smallBuffers hijacks the connection with buffers of wsReadBuffer and
// wsWriteBuffer, keeping whatever the client sent after its handshake.
type smallBuffers struct{ http.ResponseWriter }

func (s smallBuffers) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	// Frames the client sent right after its handshake must be in the new
	// reader's buffer, not behind it: websocket.Accept keeps only what is
	// buffered and reads the connection directly after that.
	size := wsReadBuffer
	n := brw.Reader.Buffered()
	var rd io.Reader = conn
	if n > 0 {
		early, _ := brw.Reader.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn)
		size = max(size, n)
	}
	br := bufio.NewReaderSize(rd, size)
	if n > 0 {
		if _, err := br.Peek(n); err != nil { // served by the copy; never waits on the socket
			conn.Close()
			return nil, nil, err
		}
	}
	// The hijacked buffers are ours now, but net/http's connection still
	// points at them until the handler returns: empty them so their 8 KiB
	// can be collected.
	*brw.Reader, *brw.Writer = bufio.Reader{}, bufio.Writer{}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

// wsConn is one WebSocket with a serialised, buffered writer so a slow
// browser never blocks event delivery to everyone else.
//
// The writer goroutine runs only while frames are queued: an idle socket
// (most of the tens of thousands a center holds) costs no goroutine stack
// and no channel buffer, only its handler's read loop.
type wsConn struct {
	c     *websocket.Conn
	max   int // queued frames beyond which the peer is too slow
	done  chan struct{}
	once  sync.Once
	mu    sync.Mutex
	queue [][]byte
	busy  bool // a writer goroutine is draining queue
}

// newWSConn wraps c with room for max queued frames: citizens get few (they
// see one conversation), desks more (several chats and monitoring).
func newWSConn(c *websocket.Conn, max int) *wsConn {
	return &wsConn{c: c, max: max, done: make(chan struct{})}
}

// send encodes v and queues it.
func (w *wsConn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.sendRaw(b)
}

// sendRaw queues an encoded frame; b is shared with other sockets and never
// modified. A connection that can't keep up is closed so it reconnects and
// resumes from its last sequence number instead of losing frames silently.
func (w *wsConn) sendRaw(b []byte) {
	w.mu.Lock()
	select {
	case <-w.done:
		w.mu.Unlock()
		return
	default:
	}
	if len(w.queue) >= w.max {
		w.mu.Unlock()
		w.close(websocket.StatusPolicyViolation, "too slow; reconnect to resume")
		return
	}
	w.queue = append(w.queue, b)
	start := !w.busy
	w.busy = true
	w.mu.Unlock()
	if start {
		go w.drain()
	}
}

// drain writes queued frames in order until the queue is empty.
func (w *wsConn) drain() {
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.queue, w.busy = nil, false
			w.mu.Unlock()
			return
		}
		b := w.queue[0]
		w.queue[0] = nil
		w.queue = w.queue[1:]
		w.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		err := w.c.Write(ctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			w.close(websocket.StatusGoingAway, "write failed")
			w.mu.Lock()
			w.queue, w.busy = nil, false
			w.mu.Unlock()
			return
		}
	}
}

// keepAlive queues frame every period until the connection closes, from a
// timer rather than a goroutine per socket; the timer fires once more after
// the close and then stops.
func (w *wsConn) keepAlive(period time.Duration, frame []byte) {
	var t *time.Timer
	t = time.AfterFunc(period, func() {
		select {
		case <-w.done:
			return
		default:
		}
		w.sendRaw(frame)
		t.Reset(period)
	})
}

// close starts the closing handshake in the background: it waits for the
// peer's answer, and the caller may be delivering events to everyone else.
func (w *wsConn) close(code websocket.StatusCode, reason string) {
	w.once.Do(func() {
		close(w.done)
		go w.c.Close(code, reason)
	})
}

type wsError struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func errFrame(err error) wsError {
	return wsError{Type: "error", Code: minwon.ErrorCode(err), Message: minwon.ErrorMessage(err)}
}
