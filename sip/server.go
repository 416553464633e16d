// Package sip is the phone channel: it answers SIP calls from a trunk or a
// peer (UDP and TCP, PCMU/PCMA, RFC 4733 DTMF) with diago, runs each call
// through the ivr state machine, and turns it into a voice contact in the
// center: queued on the dialled tenant's queue for the chosen language,
// offered to a counselor, abandoned when the caller hangs up first.
//
// Refusals are SIP answers, mapped once here: an unknown number is 404, a
// center at its ceiling or draining is 503 with Retry-After, before any media
// is set up.
package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/agitation"
	"github.com/minwon/minwon/asr"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/internal/lograte"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/recording"
)

// Center is what the phone channel needs of the center.
type Center interface {
	TenantByNumber(number string) (*minwon.Tenant, string, bool)
	AcceptingCalls() error
	StartCall(ctx context.Context, req center.CallRequest) (*minwon.Contact, error)
	CitizenLeave(ctx context.Context, contactID string) error
	EndChat(ctx context.Context, userID, contactID string) (*minwon.Contact, error)
	// For the registrar: phone credentials, and presence of registered phones.
	SIPCredentials(ctx context.Context) (map[string]minwon.SIPPasswordSet, error)
	Connect(ctx context.Context, userID string) error
	Disconnect(ctx context.Context, userID string) error
	Contact(ctx context.Context, id string) (*minwon.Contact, error)
	Position(contactID string) (minwon.Position, bool)
	// For recording: what is known of a call's recording, stored as events.
	RecordingStarted(ctx context.Context, r *minwon.Recording) error
	RecordingStored(ctx context.Context, r *minwon.Recording) error
	// CallSchedule is the tenant's hours and notices at the start of a call.
	CallSchedule(number string) (ivr.Schedule, string, bool)
	// The callback offer: heard, and accepted with the number to call.
	CallbackOffered(ctx context.Context, contactID string) error
	RequestCallback(ctx context.Context, contactID, number string) error
	// TenantPrompt is the tenant's own recording of a catalogue prompt.
	TenantPrompt(tenantID, lang string, name ivr.Prompt) (owner, sha string, ok bool)
	// What the target's line did in a transfer (transfer.go), and how an
	// outbound call ended before a counselor's part or was bridged
	// (outbound.go).
	TransferAnswered(ctx context.Context, contactID, id string) error
	CancelTransfer(ctx context.Context, userID, contactID, id, reason string) error
	OutboundEnded(ctx context.Context, contactID, reason string) error
	OutboundConnected(ctx context.Context, contactID string) error
	// CenterNumber is the number a tenant's outbound calls show.
	CenterNumber(tenantID string) (string, bool)
}

var (
	_ Center                = (*center.Center)(nil)
	_ center.CallbackDialer = (*Server)(nil)
)

// Config tunes the SIP server. DefaultConfig works with zero input.
type Config struct {
	// Addr is host:port for both UDP and TCP; port 0 picks one free for both.
	Addr string
	// MaxCalls is the ceiling of concurrent calls; the next gets 503.
	MaxCalls int
	// RetryAfter is sent with 503 so trunks retry later, not at once.
	RetryAfter time.Duration
	IVR        ivr.Config
	Prompts    *prompts.Set // nil: prompts.Default()
	// Voice holds the tenants' notice audio; nil: notices play nothing.
	Voice *prompts.Voice
	Now   func() time.Time
	// Endpoint returns the SIP URI where a counselor's phone answers. When
	// the counselor who accepted a call has one, the caller is bridged to
	// it; otherwise the call stays up without counselor audio. nil: the
	// phones registered with this server.
	Endpoint func(agentID string) (string, bool)
	// Softphones are the counselors' browser softphones; a counselor whose
	// desktop has one on takes calls there rather than on a SIP phone.
	// nil: SIP phones only.
	Softphones Softphones
	// RecordingDir and RecordingKeys turn call recording on: from the
	// recording notice on, the caller (left) and what the caller hears
	// (right: prompts, then the counselor's phone) go into one sealed file
	// per call under RecordingDir. Empty or nil: calls are not recorded.
	RecordingDir  string
	RecordingKeys *recording.Keyring
	// ASR, when set, transcribes what the caller says from the counselor's
	// answer on; the segments go to the center's protection engine as the
	// citizen's lines (protect.go).
	ASR *asr.Client
	// Agitation tunes the detector of sustained loudness on the caller's
	// audio of answered calls; a zero Window turns it off.
	Agitation agitation.Config
	// TransferRing is how long a transfer target's line may ring before the
	// caller goes back to the counselor.
	TransferRing time.Duration
	// Trunk is where outbound calls to citizens go (sip:host:port); empty:
	// no calling out.
	Trunk string
}

// DefaultConfig listens on the loopback SIP port with room for 500 calls.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:5060", MaxCalls: 500, RetryAfter: 30 * time.Second, IVR: ivr.DefaultConfig(), Now: time.Now,
		Agitation: agitation.DefaultConfig(), TransferRing: 30 * time.Second}
}

// Server is the SIP user agent of one node.
type Server struct {
	cfg    Config
	center Center
	bus    minwon.Bus
	log    *slog.Logger

	dg     *diago.Diago
	ua     *sipgo.UserAgent
	reg    *registrar
	addr   string
	cancel context.CancelFunc
	unsub  func()

	wg sync.WaitGroup // admitted calls; Add only under mu and before draining

	mu       sync.Mutex
	active   int              // calls past admission
	draining bool             // new calls get 503
	calls    map[string]*call // by contact ID, for bus events
	live     map[*call]bool
}

// New returns a server; Start listens.
func New(cfg Config, c Center, bus minwon.Bus, log *slog.Logger) (*Server, error) {
	def := DefaultConfig()
	if cfg.Addr == "" {
		cfg.Addr = def.Addr
	}
	if cfg.MaxCalls <= 0 {
		cfg.MaxCalls = def.MaxCalls
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = def.RetryAfter
	}
	if cfg.Now == nil {
		cfg.Now = def.Now
	}
	if cfg.TransferRing <= 0 {
		cfg.TransferRing = def.TransferRing
	}
	if cfg.Trunk != "" {
		var u sipmsg.Uri
		if err := sipmsg.ParseUri(cfg.Trunk, &u); err != nil || u.Host == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "SIP trunk %q: want sip:host:port", cfg.Trunk)
		}
	}
	if cfg.Prompts == nil {
		p, err := prompts.Default()
		if err != nil {
			return nil, err
		}
		cfg.Prompts = p
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, center: c, bus: bus, log: log, calls: map[string]*call{}, live: map[*call]bool{}}
	s.reg = newRegistrar(c, log, cfg.Now)
	if s.cfg.Endpoint == nil {
		s.cfg.Endpoint = s.reg.endpoint
	}
	return s, nil
}

// Start listens on UDP and TCP and returns once both are ready.
func (s *Server) Start(ctx context.Context) error {
	host, port, err := freePort(s.cfg.Addr)
	if err != nil {
		return minwon.Errorf(minwon.EUNAVAILABLE, "SIP address %s: %v", s.cfg.Addr, err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("minwon/" + minwon.Version))
	if err != nil {
		return fmt.Errorf("sip user agent: %w", err)
	}
	s.ua = ua
	// sipgo, diago and its media package log some conditions for every
	// packet (RTCP on an RTP port, garbage on the SIP port): a handful of
	// each a minute is enough to see the problem, and a peer cannot
	// flood the log. The media package logs through its own global.
	dlog := slog.New(lograte.New(s.log.With("component", "sip").Handler(), 5, time.Minute, time.Now))
	media.SetDefaultLogger(dlog)
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(dlog))
	if err != nil {
		return fmt.Errorf("sip server: %w", err)
	}
	srv.OnRegister(s.reg.handle)
	s.unsub = s.bus.Subscribe(s.onEvent) // before loading, so no credential falls between
	if err := s.reg.load(ctx); err != nil {
		s.unsub()
		return err
	}
	s.dg = diago.NewDiago(ua,
		diago.WithServer(srv),
		diago.WithLogger(dlog),
		diago.WithTransport(diago.Transport{ID: "udp", Transport: "udp", BindHost: host, BindPort: port}),
		diago.WithTransport(diago.Transport{ID: "tcp", Transport: "tcp", BindHost: host, BindPort: port}),
		diago.WithMediaConfig(diago.MediaConfig{Codecs: []media.Codec{media.CodecAudioUlaw, media.CodecAudioAlaw, media.CodecTelephoneEvent8000}}),
	)
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := s.dg.ServeBackground(ctx, s.serve); err != nil {
		s.cancel()
		s.unsub()
		return minwon.Errorf(minwon.EUNAVAILABLE, "SIP listen on %s: %v", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	s.addr = net.JoinHostPort(host, strconv.Itoa(port))
	s.log.Info("SIP listening", "addr", s.addr, "transports", "udp,tcp", "max_calls", s.cfg.MaxCalls)
	return nil
}

// freePort resolves addr; for port 0 it finds one port free on both UDP and TCP.
func freePort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	if port != 0 {
		return host, port, nil
	}
	for range 20 {
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", 0, err
		}
		p := u.LocalAddr().(*net.UDPAddr).Port
		t, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		u.Close()
		if err == nil {
			t.Close()
			return host, p, nil
		}
	}
	return "", 0, errors.New("no port free on both UDP and TCP")
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// Active returns the number of calls in progress.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Drain refuses new calls with 503; calls in progress go on.
func (s *Server) Drain() {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
}

// Wait returns when no call is in progress, or when ctx ends.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close hangs up every call and stops listening.
func (s *Server) Close() error {
	s.Drain()
	s.mu.Lock()
	for c := range s.live {
		c.inbox.push(ivr.Input{Kind: ivr.InputHangup}) // the caller is gone as far as the center is concerned
		c.stop()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.reg.close()
	if s.cancel != nil {
		s.cancel()
	}
	if s.unsub != nil {
		s.unsub()
	}
	if s.ua != nil {
		return s.ua.Close()
	}
	return nil
}

// serve runs one incoming INVITE to its end.
func (s *Server) serve(d *diago.DialogServerSession) {
	number := d.InviteRequest.Recipient.User
	callID := ""
	if h := d.InviteRequest.CallID(); h != nil {
		callID = h.Value()
	}
	log := s.log.With("call_id", callID, "number", number)
	t, _, ok := s.center.TenantByNumber(number)
	if !ok {
		log.Info("call refused", "status", 404)
		d.Respond(sipmsg.StatusNotFound, "Not Found", nil)
		return
	}
	s.mu.Lock()
	if s.active >= s.cfg.MaxCalls || s.draining {
		s.mu.Unlock()
		s.refuse(d, log, "at the call ceiling or draining")
		return
	}
	s.active++
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
		s.wg.Done()
	}()
	if err := s.center.AcceptingCalls(); err != nil {
		s.refuse(d, log, minwon.ErrorMessage(err))
		return
	}
	log = log.With("tenant", t.ID)
	d.Trying()
	if err := d.Answer(); err != nil {
		log.Warn("answer call", "err", err)
		return
	}
	c := newCall(s, d, number, d.FromUser(), log)
	c.tenant, c.callID = t.ID, callID
	s.mu.Lock()
	s.live[c] = true
	s.mu.Unlock()
	c.run()
	c.stopListening()
	s.mu.Lock()
	delete(s.live, c)
	if c.contactID != "" {
		delete(s.calls, c.contactID)
	}
	s.mu.Unlock()
}

func (s *Server) refuse(d *diago.DialogServerSession, log *slog.Logger, why string) {
	log.Info("call refused", "status", 503, "reason", why)
	d.Respond(sipmsg.StatusServiceUnavailable, "Service Unavailable", nil,
		sipmsg.NewHeader("Retry-After", strconv.Itoa(int(s.cfg.RetryAfter/time.Second))))
}

// onEvent forwards the center's events about a call's contact to the call.
func (s *Server) onEvent(ev *minwon.Event) {
	s.reg.apply(ev)
	if ev.ContactID == "" {
		return
	}
	s.protectEvent(ev)
	s.coachEvent(ev)
	s.conferenceEvent(ev)
	var in ivr.Input
	switch ev.Type {
	case minwon.EventContactAnswered:
		in = ivr.Input{Kind: ivr.InputAnswered}
		s.mu.Lock()
		if c := s.calls[ev.ContactID]; c != nil {
			c.agent = ev.AgentID
		}
		s.mu.Unlock()
	case minwon.EventContactEnded:
		var p minwon.ContactEnded
		if ev.Decode(&p) != nil || p.By == minwon.FromCitizen {
			return // the call itself reported the hang-up
		}
		in = ivr.Input{Kind: ivr.InputEnded}
	case minwon.EventPosition:
		var p minwon.Position
		if ev.Decode(&p) != nil {
			return
		}
		in = ivr.Input{Kind: ivr.InputPosition, Position: p.Position, Wait: time.Duration(p.WaitSecs) * time.Second}
	case minwon.EventTransferStarted, minwon.EventTransferCompleted, minwon.EventTransferCancelled, minwon.EventContactTransfered:
		s.transferEvent(ev)
		return
	default:
		return
	}
	if c := s.call(ev.ContactID); c != nil {
		c.inbox.push(in)
	}
}

// call returns the call of a contact, or nil.
func (s *Server) call(contactID string) *call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[contactID]
}

func (s *Server) track(c *call) {
	s.mu.Lock()
	s.calls[c.contactID] = c
	s.mu.Unlock()
}
