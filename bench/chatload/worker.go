package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// runWorker is a citizen worker: it reads its workerConfig and commands on
// stdin and writes reports on stdout. It always returns by cfg.Deadline.
func runWorker() error {
	raiseNoFile()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	if !in.Scan() {
		return errors.New("worker: no configuration on stdin")
	}
	var cfg workerConfig
	if err := json.Unmarshal(in.Bytes(), &cfg); err != nil {
		return fmt.Errorf("worker: configuration: %w", err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), cfg.Deadline)
	defer cancel()
	w := newWorker(ctx, cfg)

	cmds := make(chan command, 8)
	go func() {
		defer close(cmds)
		for in.Scan() {
			var c command
			if json.Unmarshal(in.Bytes(), &c) == nil {
				cmds <- c
			}
		}
	}()
	go w.ramp()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			w.emit(report{Type: "error", Message: "worker deadline reached"})
			w.closeAll()
			return errors.New("worker: deadline reached")
		case <-tick.C:
			w.emit(w.progress())
		case c, ok := <-cmds:
			if !ok || c.Cmd == "stop" {
				w.closeAll()
				return nil
			}
			switch c.Cmd {
			case "measure":
				w.startMeasure(c)
			case "report":
				r := w.progress()
				r.Type, r.Result = "result", w.result()
				w.emit(r)
			}
		}
	}
}

type worker struct {
	ctx    context.Context
	cfg    workerConfig
	base   *url.URL
	out    *json.Encoder
	outMu  sync.Mutex
	client map[string]*http.Client // by source address, for the handshakes

	citizens []*citizen
	dialing  chan struct{} // bounds handshakes in flight

	connected, answered, failed atomic.Int64

	mu   sync.Mutex // guards what follows
	ctr  counters
	side *sideResult
	win  command // the measurement window, once set
}

func newWorker(ctx context.Context, cfg workerConfig) *worker {
	base, _ := url.Parse(cfg.URL)
	w := &worker{ctx: ctx, cfg: cfg, base: base, out: json.NewEncoder(os.Stdout), client: map[string]*http.Client{},
		dialing: make(chan struct{}, max(1, cfg.MaxDialing)), side: newSide()}
	srcs := cfg.Sources
	if len(srcs) == 0 {
		srcs = []string{""}
	}
	for _, s := range srcs {
		w.client[s] = &http.Client{Transport: newTransport(s, cfg.DialTimeout, 1)}
	}
	for i := range cfg.Count {
		idx := cfg.First + i
		w.citizens = append(w.citizens, &citizen{w: w, idx: idx, src: srcs[idx%len(srcs)],
			visitor: fmt.Sprintf("%s-v%d", cfg.RunID, idx), pending: map[string]pendingMsg{}, seen: map[string]bool{}})
	}
	return w
}

func (w *worker) emit(r report) {
	r.Worker = w.cfg.Worker
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.out.Encode(r)
}

func (w *worker) progress() report {
	w.mu.Lock()
	ctr := w.ctr
	w.mu.Unlock()
	return report{Type: "progress", Connected: int(w.connected.Load()), Answered: int(w.answered.Load()), Failed: int(w.failed.Load()), Counters: ctr}
}

func (w *worker) result() *sideResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, _ := json.Marshal(w.side) // a deep copy
	var r sideResult
	json.Unmarshal(b, &r)
	return &r
}

func (w *worker) count(f func(*counters)) {
	w.mu.Lock()
	f(&w.ctr)
	w.mu.Unlock()
}

// ramp starts the citizens at the configured rate, bounded by MaxDialing
// handshakes in flight.
func (w *worker) ramp() {
	start := time.Now()
	for i, c := range w.citizens {
		if w.cfg.RampPerSec > 0 {
			at := start.Add(time.Duration(float64(i) / w.cfg.RampPerSec * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-w.ctx.Done():
					return
				}
			}
		}
		select {
		case w.dialing <- struct{}{}:
		case <-w.ctx.Done():
			return
		}
		go c.run()
	}
}

func (w *worker) startMeasure(m command) {
	w.mu.Lock()
	w.win = m
	w.mu.Unlock()
	for _, c := range w.citizens {
		go c.sendLoop(m)
	}
}

func (w *worker) window() command {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.win
}

func (w *worker) closeAll() {
	var wg sync.WaitGroup
	for _, c := range w.citizens {
		c.mu.Lock()
		c.closing = true
		conn := c.conn
		c.mu.Unlock()
		if conn != nil {
			wg.Add(1)
			go func() { defer wg.Done(); conn.CloseNow() }()
		}
	}
	wg.Wait()
}

type pendingMsg struct {
	at   time.Time
	data []byte
}

// citizen is one chat: a WebSocket kept open for the whole run, resumed when
// it breaks.
type citizen struct {
	w       *worker
	idx     int
	src     string
	visitor string

	mu         sync.Mutex
	conn       *websocket.Conn
	resume     string
	lastSeq    int
	answered   bool
	closing    bool
	n          int
	pending    map[string]pendingMsg // sent, not yet echoed by the server
	seen       map[string]bool       // agent replies received (client_id)
	released   bool                  // the dialing slot was given back
	dialedAt   time.Time             // first dial
	gotWelcome bool
}

func (c *citizen) releaseSlot() {
	c.mu.Lock()
	rel := c.released
	c.released = true
	c.mu.Unlock()
	if !rel {
		<-c.w.dialing
	}
}

func (c *citizen) wsURL() string {
	u := *c.w.base
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = "/ws/chat"
	q := url.Values{"entry": {c.w.cfg.Entry}, "visitor": {c.visitor}}
	c.mu.Lock()
	if c.resume != "" {
		q.Set("resume", c.resume)
		q.Set("after", fmt.Sprint(c.lastSeq))
	}
	c.mu.Unlock()
	u.RawQuery = q.Encode()
	return u.String()
}

// run connects, reads until the connection ends, and reconnects (resuming)
// up to MaxReconnects times.
func (c *citizen) run() {
	defer c.releaseSlot()
	w := c.w
	tries := 0
	c.mu.Lock()
	c.dialedAt = time.Now()
	c.mu.Unlock()
	for {
		if w.ctx.Err() != nil {
			return
		}
		dctx, cancel := context.WithTimeout(w.ctx, w.cfg.DialTimeout)
		conn, resp, err := websocket.Dial(dctx, c.wsURL(), &websocket.DialOptions{HTTPClient: w.client[c.src]})
		cancel()
		if err != nil {
			if w.ctx.Err() != nil {
				return
			}
			w.count(func(k *counters) { k.DialErrors++ })
			if tries == 0 {
				msg := err.Error()
				if resp != nil {
					msg = resp.Status
				}
				if c.idx%1000 == 0 || strings.Contains(msg, "429") {
					fmt.Fprintf(os.Stderr, "worker %d: citizen %d: dial: %v\n", w.cfg.Worker, c.idx, msg)
				}
			}
			if tries++; tries > w.cfg.MaxReconnects {
				w.failed.Add(1)
				return
			}
			if !sleepCtx(w.ctx, time.Duration(250*tries)*time.Millisecond) {
				return
			}
			continue
		}
		conn.SetReadLimit(4 << 20)
		c.mu.Lock()
		c.conn = conn
		closing := c.closing
		c.mu.Unlock()
		if closing {
			conn.CloseNow()
			return
		}
		err = c.read(conn)
		w.connected.Add(-1)
		c.mu.Lock()
		c.conn = nil
		closing = c.closing
		c.mu.Unlock()
		conn.CloseNow()
		if closing || w.ctx.Err() != nil {
			return
		}
		w.count(func(k *counters) { k.Closed++ })
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Code >= 4000 && ce.Code != 4503 {
			fmt.Fprintf(os.Stderr, "worker %d: citizen %d: closed for good: %v\n", w.cfg.Worker, c.idx, err)
			w.failed.Add(1)
			return
		}
		if tries++; tries > w.cfg.MaxReconnects {
			w.failed.Add(1)
			return
		}
		w.count(func(k *counters) { k.Reconnects++ })
		if !sleepCtx(w.ctx, time.Duration(100*tries)*time.Millisecond) {
			return
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// read handles frames until the connection ends; it counts the citizen as
// connected once the welcome arrives.
func (c *citizen) read(conn *websocket.Conn) error {
	w := c.w
	welcomed := false
	defer func() {
		if !welcomed {
			w.connected.Add(1) // balanced by the caller's decrement
		}
	}()
	for {
		_, data, err := conn.Read(w.ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			w.count(func(k *counters) { k.ErrorFrames++ })
			continue
		}
		switch f.Type {
		case "welcome":
			if !welcomed {
				welcomed = true
				w.connected.Add(1)
			}
			c.mu.Lock()
			c.resume = f.Resume
			resend := make([][]byte, 0, len(c.pending))
			for _, p := range c.pending {
				resend = append(resend, p.data)
			}
			if f.State == "active" && !c.answered {
				c.answered = true
				w.answered.Add(1)
			}
			first := !c.gotWelcome
			c.gotWelcome = true
			dialed := c.dialedAt
			c.mu.Unlock()
			if first {
				w.mu.Lock()
				w.side.Connect.add(now.Sub(dialed))
				w.mu.Unlock()
			}
			c.releaseSlot()
			for _, m := range f.Messages {
				c.onMessage(m, now)
			}
			// A real page resends what the server never acknowledged; the
			// server drops duplicates by client_id.
			for _, b := range resend {
				wctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
				if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
					w.count(func(k *counters) { k.WriteErrors++ })
				}
				cancel()
			}
		case "agent":
			c.mu.Lock()
			first := !c.answered
			c.answered = true
			dialed := c.dialedAt
			c.mu.Unlock()
			if first {
				w.answered.Add(1)
				w.mu.Lock()
				w.side.Answer.add(now.Sub(dialed))
				w.mu.Unlock()
			}
		case "message":
			var m wireMessage
			if json.Unmarshal(f.Message, &m) == nil {
				c.onMessage(m, now)
			}
		case "error":
			w.count(func(k *counters) {
				k.ErrorFrames++
				if f.ClientID != "" {
					k.Refused++
				}
			})
			if f.ClientID != "" {
				c.mu.Lock()
				delete(c.pending, f.ClientID)
				c.mu.Unlock()
			}
		}
	}
}

// onMessage handles a message frame: the echo of the citizen's own message,
// or an agent's reply, whose latency it records.
func (c *citizen) onMessage(m wireMessage, now time.Time) {
	w := c.w
	c.mu.Lock()
	if m.Seq > c.lastSeq {
		c.lastSeq = m.Seq
	}
	var echo pendingMsg
	isEcho := false
	if m.From == "citizen" {
		echo, isEcho = c.pending[m.ClientID]
		delete(c.pending, m.ClientID)
	}
	dup := false
	if m.From == "agent" && m.ClientID != "" {
		dup = c.seen[m.ClientID]
		c.seen[m.ClientID] = true
	}
	c.mu.Unlock()
	win := w.window()
	if win.Cmd == "" {
		return
	}
	switch {
	case isEcho:
		if inWindow(echo.at, win) && !now.After(win.Cut) {
			w.mu.Lock()
			w.side.Echo.add(now.Sub(echo.at))
			w.mu.Unlock()
		}
	case m.From == "agent" && strings.HasPrefix(m.ClientID, "r-"+w.cfg.RunID):
		if dup {
			w.count(func(k *counters) { k.Dups++ })
			return
		}
		sent, ok1 := parseStamp(m.Text)
		orig, ok2 := parseStamp(strings.TrimPrefix(m.Text, strings.SplitN(m.Text, " ", 2)[0]+" "))
		if !ok1 || !ok2 || !inWindow(orig, win) {
			return
		}
		w.mu.Lock()
		if now.After(win.Cut) {
			w.side.Late++
		} else {
			w.side.Received++
			w.side.Total.add(now.Sub(sent))
			w.side.addSec(sent, win.Start, now.Sub(sent))
			w.side.Pre.add(m.At.Sub(sent))
			w.side.Post.add(now.Sub(m.At))
		}
		w.mu.Unlock()
	}
}

func inWindow(t time.Time, win command) bool {
	return !t.Before(win.Start) && t.Before(win.End)
}

type outMessage struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id"`
	Text     string `json:"text"`
}

// sendLoop sends one message every Period (± Jitter) between Start and End,
// if and while the citizen's chat is answered.
func (c *citizen) sendLoop(m command) {
	w := c.w
	rng := rand.New(rand.NewPCG(uint64(c.idx), uint64(m.Start.UnixNano())))
	next := m.Start.Add(time.Duration(rng.Float64() * float64(m.Period)))
	fill := filler(m.TextBytes, false)
	for {
		if !next.Before(m.End) {
			return
		}
		if !sleepCtx(w.ctx, time.Until(next)) {
			return
		}
		if !time.Now().Before(m.End) {
			return // overslept past the window: such a message would count as sent but never as received
		}
		c.mu.Lock()
		conn, ok := c.conn, c.answered && !c.closing
		c.mu.Unlock()
		if ok {
			c.send(conn, fill)
		}
		j := 1 + m.Jitter*(2*rng.Float64()-1)
		next = next.Add(time.Duration(float64(m.Period) * j))
	}
}

func (c *citizen) send(conn *websocket.Conn, fill string) {
	w := c.w
	c.mu.Lock()
	c.n++
	id := fmt.Sprintf("%s-w%dc%dm%d", w.cfg.RunID, w.cfg.Worker, c.idx, c.n)
	now := time.Now()
	b, _ := json.Marshal(outMessage{Type: "message", ClientID: id, Text: stampText(now, fill)})
	c.pending[id] = pendingMsg{at: now, data: b}
	c.mu.Unlock()
	w.mu.Lock()
	w.side.Sent++
	w.mu.Unlock()
	if conn == nil {
		return // resent after the reconnection
	}
	wctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer cancel()
	if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
		w.count(func(k *counters) { k.WriteErrors++ })
	}
}
