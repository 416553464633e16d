package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// api is a logged-in HTTP client of the minwon REST API.
type api struct {
	base   *url.URL
	client *http.Client
	csrf   string
}

type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Status, strings.TrimSpace(e.Body))
}

func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := a.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &apiError{Status: resp.StatusCode, Body: string(b)}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (a *api) login(ctx context.Context, login, password string) error {
	var resp struct {
		CSRF string `json:"csrf"`
	}
	if err := a.do(ctx, "POST", "/api/login", map[string]string{"login": login, "password": password}, &resp); err != nil {
		return fmt.Errorf("log in as %s: %w", login, err)
	}
	a.csrf = resp.CSRF
	return nil
}

type tenant struct {
	ID           string    `json:"id"`
	ParentID     string    `json:"parent_id,omitempty"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	EntryPoints  []string  `json:"entry_points"`
	DefaultQueue string    `json:"default_queue"`
	CreatedAt    time.Time `json:"created_at"`
}

type queue struct {
	ID           string        `json:"id"`
	TenantID     string        `json:"tenant_id"`
	Name         string        `json:"name"`
	Skills       []string      `json:"skills"`
	OfferTimeout time.Duration `json:"offer_timeout_ns,omitempty"`
}

type user struct {
	ID       string         `json:"id"`
	TenantID string         `json:"tenant_id"`
	Login    string         `json:"login"`
	Name     string         `json:"name"`
	Roles    []string       `json:"roles"`
	Skills   []string       `json:"skills"`
	Capacity map[string]int `json:"capacity"`
	Password string         `json:"password,omitempty"`
}

// setup makes sure the entry point's tenant has a Korean queue as default
// and that the M bench agents exist with the right capacity. It returns the
// agents' logins.
func setup(ctx context.Context, admin *api, o *options, logf func(string, ...any)) ([]string, error) {
	var tenants []tenant
	if err := admin.do(ctx, "GET", "/api/tenants", nil, &tenants); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	var t *tenant
	for i := range tenants {
		for _, e := range tenants[i].EntryPoints {
			if e == o.entry {
				t = &tenants[i]
			}
		}
	}
	if t == nil {
		return nil, fmt.Errorf("no tenant answers at entry point %q", o.entry)
	}
	var queues []queue
	if err := admin.do(ctx, "GET", "/api/queues", nil, &queues); err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	have := map[string]bool{}
	for _, q := range queues {
		have[q.ID] = true
	}
	if t.DefaultQueue == "" || !have[t.DefaultQueue] {
		if !have["general"] {
			q := queue{ID: "general", TenantID: t.ID, Name: "General", Skills: []string{"lang:ko"}}
			if err := admin.do(ctx, "POST", "/api/queues", q, nil); err != nil {
				return nil, fmt.Errorf("create queue general: %w", err)
			}
			logf("created queue general (lang:ko)")
		}
		t.DefaultQueue = "general"
		if err := admin.do(ctx, "PUT", "/api/tenants/"+t.ID, t, nil); err != nil {
			return nil, fmt.Errorf("set the default queue of %s: %w", t.ID, err)
		}
		logf("tenant %s: default queue general", t.ID)
		queues = nil
		if err := admin.do(ctx, "GET", "/api/queues", nil, &queues); err != nil {
			return nil, fmt.Errorf("list queues: %w", err)
		}
	}
	for _, q := range queues {
		if q.ID == t.DefaultQueue {
			o.offerTimeout = q.OfferTimeout
		}
	}

	var users []user
	if err := admin.do(ctx, "GET", "/api/users", nil, &users); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	existing := map[string]user{}
	for _, u := range users {
		existing[u.Login] = u
	}
	capacity := (o.citizens+o.agents-1)/o.agents + 1
	if capacity > 50 {
		logf("warning: %d chats per agent needed; the server allows at most 50", capacity)
		capacity = 50
	}
	logins := make([]string, o.agents)
	var todo []user
	for i := range o.agents {
		login := fmt.Sprintf("%s%05d", o.loginPrefix, i)
		logins[i] = login
		u, ok := existing[login]
		switch {
		case !ok:
			todo = append(todo, user{ID: login, TenantID: t.ID, Login: login, Name: fmt.Sprintf("부하시험 상담사 %d", i),
				Roles: []string{"counselor"}, Skills: []string{"lang:ko"}, Capacity: map[string]int{"chat": capacity}, Password: o.agentPassword})
		case u.Capacity["chat"] != capacity:
			u.Capacity = map[string]int{"chat": capacity}
			u.Password = ""
			todo = append(todo, u)
		}
	}
	if len(todo) > 0 {
		logf("creating or updating %d agents (capacity chat=%d; bcrypt on the server, a few per second per core)", len(todo), capacity)
		start := time.Now()
		err := parallel(ctx, len(todo), 4, func(i int) error {
			u := todo[i]
			method, path := "POST", "/api/users"
			if _, ok := existing[u.Login]; ok {
				method, path = "PUT", "/api/users/"+u.ID
			}
			if err := admin.do(ctx, method, path, u, nil); err != nil {
				return fmt.Errorf("save user %s: %w", u.Login, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		logf("agents saved in %s", time.Since(start).Round(time.Millisecond))
	}
	return logins, nil
}

// parallel runs f(0..n-1) on k goroutines and returns the first error.
func parallel(ctx context.Context, n, k int, f func(int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(k, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// agents runs the M counselors of the coordinator process.
type agents struct {
	ctx     context.Context
	o       *options
	base    *url.URL
	runID   string
	rest    http.RoundTripper            // shared keep-alive transport for REST calls
	ws      map[string]http.RoundTripper // handshake transports by source address
	list    []*agentConn
	accepts chan struct{} // bounds accept calls in flight

	ready, offers, accepted, acceptFail, withdrawn atomic.Int64

	mu         sync.Mutex
	ctr        counters
	side       *sideResult
	win        command
	offerDelay *hist // offer event (expires_at − offer timeout) → frame read at the desk
	acceptRTT  *hist // POST accept → answer
}

type agentConn struct {
	a     *agents
	idx   int
	login string
	src   string
	api   *api
	jar   http.CookieJar

	mu       sync.Mutex
	conn     *websocket.Conn
	closing  bool
	seen     map[string]bool
	contacts map[string]bool
	n        int
}

func newAgents(ctx context.Context, o *options, base *url.URL, runID string, logins []string, sources []string) *agents {
	// Each counselor accepts on their own; 128 calls in flight keeps the
	// generator from being the queue (the accept round trip is the server's).
	a := &agents{ctx: ctx, o: o, base: base, runID: runID, rest: newTransport("", 10*time.Second, 128),
		ws: map[string]http.RoundTripper{}, accepts: make(chan struct{}, 128), side: newSide(),
		offerDelay: newHist(), acceptRTT: newHist()}
	srcs := sources
	if len(srcs) == 0 {
		srcs = []string{""}
	}
	for _, s := range srcs {
		a.ws[s] = newTransport(s, 10*time.Second, 1)
	}
	for i, l := range logins {
		jar, _ := cookiejar.New(nil)
		a.list = append(a.list, &agentConn{a: a, idx: i, login: l, src: srcs[i%len(srcs)], jar: jar,
			seen: map[string]bool{}, contacts: map[string]bool{}})
	}
	return a
}

func (a *agents) count(f func(*counters)) {
	a.mu.Lock()
	f(&a.ctr)
	a.mu.Unlock()
}

func (a *agents) window() command {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.win
}

// loginSource is the address agent i logs in from. The server allows 20
// logins a minute per address, so a loopback target gets one address per
// agent (127.1.x.y); anything else uses the kernel's choice.
func loginSource(loopback bool, i int) string {
	if !loopback {
		return ""
	}
	return fmt.Sprintf("127.1.%d.%d", i/250, i%250+1)
}

// start logs every agent in, opens its desk and makes it available. It
// returns once all are ready or ctx ends; agents keep running afterwards.
func (a *agents) start(ctx context.Context, loopback bool, logf func(string, ...any)) error {
	begin := time.Now()
	var done atomic.Int64
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				logf("agents: %d/%d logged in, %d ready", done.Load(), len(a.list), a.ready.Load())
			}
		}
	}()
	defer close(stop)
	err := parallel(ctx, len(a.list), 8, func(i int) error {
		ac := a.list[i]
		lc := &http.Client{Jar: ac.jar, Transport: newTransport(loginSource(loopback, i), 10*time.Second, 1), Timeout: 60 * time.Second}
		lc.Transport.(*http.Transport).DisableKeepAlives = true
		ac.api = &api{base: a.base, client: lc}
		var err error
		for try := 0; try < 3; try++ {
			if err = ac.api.login(ctx, ac.login, a.o.agentPassword); err == nil {
				break
			}
			if !sleepCtx(ctx, time.Second) {
				break
			}
		}
		if err != nil {
			return err
		}
		ac.api.client = &http.Client{Jar: ac.jar, Transport: a.rest, Timeout: 60 * time.Second}
		done.Add(1)
		go ac.run()
		return nil
	})
	if err != nil {
		return err
	}
	for a.ready.Load() < int64(len(a.list)) {
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return fmt.Errorf("only %d of %d agents ready: %w", a.ready.Load(), len(a.list), ctx.Err())
		}
	}
	logf("agents: %d ready in %s", len(a.list), time.Since(begin).Round(time.Millisecond))
	return nil
}

func (ac *agentConn) wsURL() string {
	u := *ac.a.base
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = "/ws/desk"
	u.RawQuery = ""
	return u.String()
}

// run keeps the agent's desk open, reconnecting up to MaxReconnects times.
func (ac *agentConn) run() {
	a := ac.a
	readyOnce := false
	for tries := 0; ; tries++ {
		if a.ctx.Err() != nil {
			return
		}
		if tries > a.o.maxReconnects {
			fmt.Fprintf(os.Stderr, "agent %s: giving up after %d reconnects\n", ac.login, tries-1)
			return
		}
		if tries > 0 {
			a.count(func(k *counters) { k.Reconnects++ })
			if !sleepCtx(a.ctx, time.Duration(200*tries)*time.Millisecond) {
				return
			}
		}
		dctx, cancel := context.WithTimeout(a.ctx, 15*time.Second)
		conn, _, err := websocket.Dial(dctx, ac.wsURL(), &websocket.DialOptions{HTTPClient: &http.Client{Jar: ac.jar, Transport: a.ws[ac.src]}})
		cancel()
		if err != nil {
			a.count(func(k *counters) { k.DialErrors++ })
			fmt.Fprintf(os.Stderr, "agent %s: desk: %v\n", ac.login, err)
			continue
		}
		conn.SetReadLimit(4 << 20)
		ac.mu.Lock()
		ac.conn = conn
		closing := ac.closing
		ac.mu.Unlock()
		if closing {
			conn.CloseNow()
			return
		}
		if !readyOnce {
			// The desk connection is the presence; now say we are available.
			sctx, cancel := context.WithTimeout(a.ctx, 60*time.Second)
			err := ac.api.do(sctx, "POST", "/api/agent/state", map[string]string{"state": "available"}, nil)
			cancel()
			if err != nil {
				a.count(func(k *counters) { k.HTTPErrors++ })
				fmt.Fprintf(os.Stderr, "agent %s: set available: %v\n", ac.login, err)
			} else {
				readyOnce = true
				a.ready.Add(1)
			}
		}
		err = ac.read(conn)
		ac.mu.Lock()
		ac.conn = nil
		closing = ac.closing
		ac.mu.Unlock()
		conn.CloseNow()
		if closing || a.ctx.Err() != nil {
			return
		}
		a.count(func(k *counters) { k.Closed++ })
		fmt.Fprintf(os.Stderr, "agent %s: desk closed: %v\n", ac.login, err)
	}
}

func (ac *agentConn) read(conn *websocket.Conn) error {
	a := ac.a
	for {
		_, data, err := conn.Read(a.ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			a.count(func(k *counters) { k.ErrorFrames++ })
			continue
		}
		switch f.Type {
		case "offer":
			if f.Contact != nil {
				a.offers.Add(1)
				if !f.ExpiresAt.IsZero() && a.o.offerTimeout > 0 {
					a.mu.Lock()
					a.offerDelay.add(now.Sub(f.ExpiresAt.Add(-a.o.offerTimeout)))
					a.mu.Unlock()
				}
				go ac.accept(f.Contact.ID)
			}
		case "offer_withdrawn":
			a.withdrawn.Add(1)
		case "message":
			var m wireMessage
			if json.Unmarshal(f.Message, &m) == nil {
				ac.onMessage(conn, m, now)
			}
		case "error":
			var n int64
			a.count(func(k *counters) {
				k.ErrorFrames++
				if f.ClientID != "" {
					k.Refused++
				}
				n = k.ErrorFrames
			})
			if n <= 20 {
				fmt.Fprintf(os.Stderr, "agent %s: error frame: %s\n", ac.login, data)
			}
		}
	}
}

func (ac *agentConn) accept(contactID string) {
	a := ac.a
	select {
	case a.accepts <- struct{}{}:
	case <-a.ctx.Done():
		return
	}
	defer func() { <-a.accepts }()
	ctx, cancel := context.WithTimeout(a.ctx, 60*time.Second)
	defer cancel()
	t0 := time.Now()
	err := ac.api.do(ctx, "POST", "/api/contacts/"+contactID+"/accept", nil, nil)
	a.mu.Lock()
	a.acceptRTT.add(time.Since(t0))
	a.mu.Unlock()
	if err != nil {
		a.acceptFail.Add(1)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
			a.count(func(k *counters) { k.HTTPErrors++ })
		}
		if a.acceptFail.Load() <= 10 {
			fmt.Fprintf(os.Stderr, "agent %s: accept %s: %v\n", ac.login, contactID, err)
		}
		return
	}
	a.accepted.Add(1)
	ac.mu.Lock()
	ac.contacts[contactID] = true
	ac.mu.Unlock()
}

type deskOut struct {
	Type      string `json:"type"`
	ContactID string `json:"contact_id"`
	ClientID  string `json:"client_id"`
	Text      string `json:"text"`
}

// onMessage records a citizen message's latency and replies to it at once.
func (ac *agentConn) onMessage(conn *websocket.Conn, m wireMessage, now time.Time) {
	a := ac.a
	if m.From != "citizen" || !strings.HasPrefix(m.ClientID, a.runID) {
		return
	}
	ac.mu.Lock()
	dup := ac.seen[m.ClientID]
	ac.seen[m.ClientID] = true
	ac.mu.Unlock()
	if dup {
		a.count(func(k *counters) { k.Dups++ })
		return
	}
	win := a.window()
	sent, ok := parseStamp(m.Text)
	if win.Cmd == "" || !ok || !inWindow(sent, win) {
		return
	}
	a.mu.Lock()
	if now.After(win.Cut) {
		a.side.Late++
	} else {
		a.side.Received++
		a.side.Total.add(now.Sub(sent))
		a.side.addSec(sent, win.Start, now.Sub(sent))
		a.side.Pre.add(m.At.Sub(sent))
		a.side.Post.add(now.Sub(m.At))
	}
	a.mu.Unlock()
	// Replies stop halfway through the grace period, so every reply sent has
	// the other half to arrive before the cut.
	replyCut := win.End.Add(win.Cut.Sub(win.End) / 2)
	at := time.Now()
	if at.After(replyCut) {
		return
	}
	b, _ := json.Marshal(deskOut{Type: "message", ContactID: m.ContactID, ClientID: "r-" + m.ClientID,
		Text: stampText(at, fmt.Sprintf("%d %s", sent.UnixNano(), filler(win.TextBytes, true)))})
	a.mu.Lock()
	a.side.Sent++
	a.mu.Unlock()
	wctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
	defer cancel()
	if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
		a.count(func(k *counters) { k.WriteErrors++ })
	}
}

func (a *agents) result() (*sideResult, counters) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, _ := json.Marshal(a.side)
	var r sideResult
	json.Unmarshal(b, &r)
	return &r, a.ctr
}

func (a *agents) closeAll() {
	var wg sync.WaitGroup
	for _, ac := range a.list {
		ac.mu.Lock()
		ac.closing = true
		conn := ac.conn
		ac.mu.Unlock()
		if conn != nil {
			wg.Add(1)
			go func() { defer wg.Done(); conn.CloseNow() }()
		}
	}
	wg.Wait()
}
