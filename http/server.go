// Package http serves minwon's REST API, its WebSockets (citizen chat,
// counselor desk, supervisor board), the OpenAPI document, metrics and the
// embedded web UI.
package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/softphone"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config tunes the server; DefaultConfig works with zero input.
type Config struct {
	Addr            string
	SecureCookies   bool          // set behind TLS
	SessionTTL      time.Duration // a login lasts this long
	ChatPerIP       int           // concurrent citizen chat connections per address
	ChatStartsPerIP int           // new citizen chats per address per minute
	CitizenGrace    time.Duration // a waiting citizen gone this long has abandoned
	LoginsPerIP     int           // failed logins per address per minute
	MaxBody         int64         // request body limit
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8120", SessionTTL: 12 * time.Hour, ChatPerIP: 200, ChatStartsPerIP: 120,
		CitizenGrace: 90 * time.Second, MaxBody: 1 << 20, LoginsPerIP: 30}
}

// Server is the HTTP face of a node.
type Server struct {
	cfg    Config
	center *center.Center
	store  minwon.Store
	board  *board.Board
	kb     *kb.Index
	bus    minwon.Bus
	log    *slog.Logger
	ui     fs.FS

	mux     *http.ServeMux
	routes  []route
	srv     *http.Server
	ln      net.Listener
	chat    *chatHub
	desk    *deskHub
	limits  *limiter
	metrics *metrics
	dialer  Dialer // outbound calls (transfer.go); nil: none
	// sessions caches the store's sessions for authenticate.
	sessions *sessionCache
	// phones are the desks' browser softphones; nil when no calls are taken.
	phones *softphone.Hub
	video  VideoRelay // nil: video offers answer 503
	// sockets counts WebSocket handlers still running: Shutdown waits for
	// them, since net/http forgets hijacked connections.
	sockets sync.WaitGroup
	unsub   func()
	ready   bool
	readyMu sync.RWMutex
}

// NewServer wires the server. ui is the built front end (may be nil in tests).
func NewServer(cfg Config, c *center.Center, store minwon.Store, bus minwon.Bus, b *board.Board, index *kb.Index, ui fs.FS, log *slog.Logger) *Server {
	def := DefaultConfig()
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = def.SessionTTL
	}
	if cfg.ChatPerIP == 0 {
		cfg.ChatPerIP = def.ChatPerIP
	}
	if cfg.ChatStartsPerIP == 0 {
		cfg.ChatStartsPerIP = def.ChatStartsPerIP
	}
	if cfg.CitizenGrace == 0 {
		cfg.CitizenGrace = def.CitizenGrace
	}
	if cfg.LoginsPerIP == 0 {
		cfg.LoginsPerIP = def.LoginsPerIP
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = def.MaxBody
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, center: c, store: store, board: b, kb: index, bus: bus, log: log, ui: ui, mux: http.NewServeMux()}
	s.metrics = newMetrics(c, b)
	if m, ok := store.(interface{ Collectors() []prometheus.Collector }); ok {
		s.metrics.reg.MustRegister(m.Collectors()...) // the store's own timings
	}
	s.limits = newLimiter(c.Now)
	s.sessions = newSessionCache(store)
	s.chat = newChatHub(s)
	s.desk = newDeskHub(s)
	s.unsub = bus.Subscribe(s.dispatch)
	s.registerRoutes()
	return s
}

// dispatch hands each event to the hubs that have a listener for it.
func (s *Server) dispatch(ev *minwon.Event) {
	s.metrics.events.WithLabelValues(string(ev.Type)).Inc()
	f := eventFrames{ev: ev}
	s.chat.deliver(ev, &f)
	s.desk.deliver(ev, &f)
	switch ev.Type {
	case minwon.EventSessionEnded:
		var p minwon.SessionEnded
		if ev.Decode(&p) == nil {
			s.sessions.forget(p.TokenHash)
		}
	}
}

// eventFrames encodes the frames of one event once, for every socket and
// hub that shows it: a message reaches the citizen, the counselor and any
// supervisor watching with the same bytes.
type eventFrames struct {
	ev      *minwon.Event
	msg     []byte
	from    minwon.Sender
	id      string // the message's ID, read with from
	decoded bool
}

// message is the `message` frame of a message.sent event, built around the
// event's stored payload rather than decoded and encoded again; nil when
// the payload is not a JSON object.
func (f *eventFrames) message() []byte {
	if f.msg == nil && json.Valid(f.ev.Data) && bytes.HasPrefix(bytes.TrimSpace(f.ev.Data), []byte("{")) {
		b := make([]byte, 0, len(f.ev.Data)+32)
		b = append(b, `{"type":"message","message":`...)
		b = append(b, f.ev.Data...)
		f.msg = append(b, '}')
	}
	return f.msg
}

// whisper reports whether the message is a supervisor's coaching line,
// which citizens never see.
func (f *eventFrames) whisper() bool {
	if !f.head() {
		return true // unreadable: show nothing rather than risk a whisper
	}
	return f.from == minwon.FromWhisper
}

// head reads the message's sender and ID once; false when unreadable.
func (f *eventFrames) head() bool {
	if !f.decoded {
		var m minwon.Message // the whole message: an event built here hands it out without decoding
		if f.ev.Decode(&m) != nil {
			return false
		}
		f.from, f.id, f.decoded = m.From, m.ID, true
	}
	return true
}

// staffMessage is the `message` frame staff get: the shared encoding,
// unless the protection engine masked this citizen line, when the frame
// carries the masked copy instead of the abuse itself.
func (f *eventFrames) staffMessage(c *center.Center) []byte {
	if !f.head() {
		return nil
	}
	if f.from == minwon.FromCitizen && c.IsMasked(f.id) {
		var m minwon.Message
		if f.ev.Decode(&m) != nil {
			return nil
		}
		b, err := json.Marshal(map[string]any{"type": "message", "message": c.ForStaff(&m)})
		if err != nil {
			return nil
		}
		return b
	}
	return f.message()
}

// Handler returns the root handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.metrics.wrap(s.mux) }

// Listen binds the address; Addr then returns the bound address (port 0 works).
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return minwon.Errorf(minwon.EUNAVAILABLE, "listen on %s: %v", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address after Listen.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown.
func (s *Server) Serve() error {
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.readyMu.Lock()
	s.ready = true
	s.readyMu.Unlock()
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, tells WebSocket clients to reconnect
// elsewhere and waits for handlers to finish, WebSocket ones included, so
// that none is still using the store when the caller closes it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.readyMu.Lock()
	s.ready = false
	s.readyMu.Unlock()
	var err error
	if s.srv != nil {
		// Closes the listener first, so no socket opens after closeAll.
		err = s.srv.Shutdown(ctx)
	}
	s.chat.closeAll()
	s.desk.closeAll()
	done := make(chan struct{})
	go func() { s.sockets.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("wait for websocket handlers: %w", ctx.Err()))
	}
	s.unsub()
	return err
}

// Error mapping, once for the whole API.
func statusOf(code string) int {
	switch code {
	case minwon.EINVALID:
		return http.StatusBadRequest
	case minwon.ENOTFOUND:
		return http.StatusNotFound
	case minwon.ECONFLICT:
		return http.StatusConflict
	case minwon.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case minwon.EFORBIDDEN:
		return http.StatusForbidden
	case minwon.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case minwon.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case "rate_limited":
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"` // the input at fault, for inline form errors
	} `json:"error"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := minwon.ErrorCode(err)
	if code == minwon.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = code, minwon.ErrorMessage(err), minwon.ErrorField(err)
	writeJSON(w, statusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// decode reads a JSON body into v with the size limit and strictness the API
// promises: unknown fields and trailing data are errors.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return minwon.Errorf(minwon.ETOOLARGE, "the request body is larger than %d bytes", s.cfg.MaxBody)
		}
		return minwon.Errorf(minwon.EINVALID, "read body: %v", err)
	}
	if err := decodeStrict(data, v); err != nil {
		return err
	}
	return nil
}

func decodeStrict(data []byte, v any) error {
	if !validUTF8(data) {
		return minwon.Errorf(minwon.EINVALID, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return minwon.Errorf(minwon.EINVALID, "malformed JSON: %v", err)
	}
	if dec.More() {
		return minwon.Errorf(minwon.EINVALID, "malformed JSON: trailing data")
	}
	return nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.readyMu.RLock()
	ready := s.ready
	s.readyMu.RUnlock()
	if !ready {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": minwon.Version})
}

// MarkReady lets handler-only tests (httptest) report ready.
func (s *Server) MarkReady() {
	s.readyMu.Lock()
	s.ready = true
	s.readyMu.Unlock()
}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	events   *prometheus.CounterVec
	wsConns  *prometheus.GaugeVec
}

func newMetrics(c *center.Center, b *board.Board) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "minwon_http_requests_total", Help: "HTTP requests by status class."}, []string{"code"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "minwon_events_total", Help: "Events seen on the bus by type."}, []string{"type"})
	m.wsConns = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "minwon_websocket_connections", Help: "Open WebSocket connections by kind."}, []string{"kind"})
	waiting := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "minwon_contacts_waiting", Help: "Contacts waiting in all queues."}, func() float64 {
		n := 0
		for _, q := range c.QueueStats() {
			n += q.Waiting
		}
		return float64(n)
	})
	sl := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "minwon_service_level_today", Help: "Share answered within the threshold today."}, func() float64 {
		return b.Snapshot().Today.ServiceLevel
	})
	m.reg.MustRegister(m.requests, m.events, m.wsConns, waiting, sl, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int)        { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: 200}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(sw, r)
		m.requests.WithLabelValues(string(rune('0'+sw.code/100)) + "xx").Inc()
	})
}
