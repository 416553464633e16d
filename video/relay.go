// Package video carries the media of sign-language video contacts: the
// server answers one WebRTC PeerConnection from the citizen's page and one
// from the counselor's desk, and forwards each side's RTP (VP8 video, Opus
// audio) to the other. Nothing is decoded or recorded; a two-party relay
// keeps the server between the citizen and the counselor, so neither learns
// the other's address and the center's network rules apply to both.
//
// Signalling is one non-trickle offer/answer per side; who may offer for a
// contact is decided by the caller (package http checks the citizen's resume
// token and the counselor's session).
package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/minwon/minwon"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// Config tunes a Relay. Zero fields take DefaultConfig's values.
type Config struct {
	MaxSessions int // concurrent video contacts; more are refused with EUNAVAILABLE
	// ICEServers are STUN/TURN URLs the server gathers candidates from, for
	// a server behind NAT; none by default (host candidates only).
	ICEServers    []string
	ICEUsername   string // for turn: URLs
	ICECredential string
	// PortMin and PortMax bound the UDP ports media uses (both 0: any), so
	// a firewall can open a known range.
	PortMin, PortMax uint16
	// Loopback offers 127.0.0.1 candidates too: for tests and a demo on one
	// machine. Off, pion leaves loopback out.
	Loopback       bool
	ConnectTimeout time.Duration // a leg not connected by then is closed
	GatherTimeout  time.Duration // how long an answer may wait for its candidates
	Now            func() time.Time
	Log            *slog.Logger
	// OnLeg is told when a side's media connects and when it stops. It runs
	// on its own goroutine and may call back into the Relay.
	OnLeg func(LegEvent)
}

// DefaultConfig returns settings that work on one machine or a LAN.
func DefaultConfig() Config {
	return Config{MaxSessions: 20, ConnectTimeout: 30 * time.Second, GatherTimeout: 10 * time.Second, Now: time.Now}
}

// LegEvent is a side's media connecting (Up) or stopping.
type LegEvent struct {
	ContactID string
	Side      string // minwon.VideoCitizen or minwon.VideoAgent
	Up        bool
	Connected time.Duration // how long it was connected, when !Up
	Reason    string        // when !Up: "ended", "failed", "replaced", "timeout", "transferred"
}

// MaxSDP bounds an offer; a browser's is a few kilobytes.
const MaxSDP = 64 << 10

// Relay holds the live video sessions of a node.
type Relay struct {
	cfg   Config
	api   *webrtc.API
	video webrtc.RTPCodecCapability
	audio webrtc.RTPCodecCapability
	ice   []webrtc.ICEServer

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
}

// New builds a Relay. Only VP8 and Opus are offered, so both browsers send
// what the other can decode and nothing is transcoded.
func New(cfg Config) (*Relay, error) {
	def := DefaultConfig()
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = def.MaxSessions
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = def.ConnectTimeout
	}
	if cfg.GatherTimeout <= 0 {
		cfg.GatherTimeout = def.GatherTimeout
	}
	if cfg.Now == nil {
		cfg.Now = def.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	r := &Relay{cfg: cfg, sessions: map[string]*session{},
		video: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: []webrtc.RTCPFeedback{
			{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}},
		audio: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: r.video, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register VP8: %w", err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: r.audio, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register Opus: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(cfg.Loopback)
	if cfg.PortMin != 0 || cfg.PortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.PortMin, cfg.PortMax); err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "video UDP ports %d-%d: %v", cfg.PortMin, cfg.PortMax, err)
		}
	}
	r.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	if len(cfg.ICEServers) > 0 {
		r.ice = []webrtc.ICEServer{{URLs: cfg.ICEServers, Username: cfg.ICEUsername, Credential: cfg.ICECredential}}
	}
	return r, nil
}

// session is one video contact: what each side is sent, and each side's
// current PeerConnection.
type session struct {
	contactID string
	out       [2]outTracks // out[i] is sent to side i
	mu        sync.Mutex
	legs      [2]*leg
	pending   int  // offers being answered; guarded by Relay.mu, keeps the session in the map
	ended     bool // End ran: an offer still being answered is closed, not kept
}

type outTracks struct{ video, audio *webrtc.TrackLocalStaticRTP }

// leg is one side's PeerConnection.
type leg struct {
	side      int
	pc        *webrtc.PeerConnection
	mu        sync.Mutex
	videoSSRC webrtc.SSRC // the side's own camera, to ask for keyframes from; 0 until it arrives
	upAt      time.Time   // zero until connected
	done      bool
	timer     *time.Timer
}

func sideIndex(side string) (int, error) {
	switch side {
	case minwon.VideoCitizen:
		return 0, nil
	case minwon.VideoAgent:
		return 1, nil
	}
	return 0, minwon.Errorf(minwon.EINVALID, "unknown video side %q", side)
}

var sideNames = [2]string{minwon.VideoCitizen, minwon.VideoAgent}

// Active returns the number of video contacts with a session.
func (r *Relay) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

// Offer answers a side's SDP offer for a contact. A second offer from the
// same side (a reload, a new camera) replaces its earlier connection. The
// answer carries all of the server's candidates (no trickle).
func (r *Relay) Offer(ctx context.Context, contactID, side, sdp string) (answer string, err error) {
	i, err := sideIndex(side)
	if err != nil {
		return "", err
	}
	if sdp == "" {
		return "", minwon.Errorf(minwon.EINVALID, "the offer has no SDP")
	}
	if len(sdp) > MaxSDP {
		return "", minwon.Errorf(minwon.ETOOLARGE, "the offer is longer than %d bytes", MaxSDP)
	}
	s, err := r.session(contactID)
	if err != nil {
		return "", err
	}
	defer r.settle(s)
	l, err := r.newLeg(s, i)
	if err != nil {
		return "", err
	}
	answer, err = r.negotiate(ctx, l, sdp)
	if err != nil {
		l.pc.Close()
		return "", err
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		l.pc.Close()
		return "", minwon.Errorf(minwon.ECONFLICT, "the video call has ended")
	}
	old := s.legs[i]
	s.legs[i] = l
	s.mu.Unlock()
	if old != nil {
		r.endLeg(s, old, "replaced")
	}
	l.mu.Lock()
	if !l.done && l.upAt.IsZero() {
		l.timer = time.AfterFunc(r.cfg.ConnectTimeout, func() { r.endLeg(s, l, "timeout") })
	}
	l.mu.Unlock()
	r.cfg.Log.Info("video offer answered", "contact", contactID, "side", side)
	return answer, nil
}

// negotiate applies the offer and returns the answer once gathering is done.
// The SDP parser meets hostile input here, so a panic is an invalid offer.
func (r *Relay) negotiate(ctx context.Context, l *leg, sdp string) (answer string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = minwon.Errorf(minwon.EINVALID, "the offer is not a usable SDP")
		}
	}()
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return "", minwon.Errorf(minwon.EINVALID, "the offer is not a usable SDP: %v", err)
	}
	a, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return "", minwon.Errorf(minwon.EINVALID, "no answer to this offer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(l.pc)
	if err := l.pc.SetLocalDescription(a); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	wait := time.NewTimer(r.cfg.GatherTimeout)
	defer wait.Stop()
	select {
	case <-gathered:
	case <-wait.C: // answer with what was gathered
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return l.pc.LocalDescription().SDP, nil
}

// session returns the contact's session, making one within the ceiling.
func (r *Relay) session(contactID string) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "video is shutting down")
	}
	if s := r.sessions[contactID]; s != nil {
		s.pending++
		return s, nil
	}
	if len(r.sessions) >= r.cfg.MaxSessions {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "all video lines are busy; please try again shortly")
	}
	s := &session{contactID: contactID, pending: 1}
	for i := range s.out {
		var err error
		if s.out[i].video, err = webrtc.NewTrackLocalStaticRTP(r.video, "video", "minwon-"+sideNames[1-i]); err != nil {
			return nil, fmt.Errorf("video track: %w", err)
		}
		if s.out[i].audio, err = webrtc.NewTrackLocalStaticRTP(r.audio, "audio", "minwon-"+sideNames[1-i]); err != nil {
			return nil, fmt.Errorf("audio track: %w", err)
		}
	}
	r.sessions[contactID] = s
	return s, nil
}

// settle ends an offer's hold on its session.
func (r *Relay) settle(s *session) {
	r.mu.Lock()
	s.pending--
	r.mu.Unlock()
	r.dropIfEmpty(s)
}

// dropIfEmpty forgets a session with no leg and no offer being answered.
func (r *Relay) dropIfEmpty(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.mu.Lock()
	empty := s.legs[0] == nil && s.legs[1] == nil && s.pending == 0
	s.mu.Unlock()
	if empty && r.sessions[s.contactID] == s {
		delete(r.sessions, s.contactID)
	}
}

// newLeg makes side i's PeerConnection: it sends the other side's media and
// forwards its own to the other side.
func (r *Relay) newLeg(s *session, i int) (*leg, error) {
	pc, err := r.api.NewPeerConnection(webrtc.Configuration{ICEServers: r.ice})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	l := &leg{side: i, pc: pc}
	for _, tr := range []*webrtc.TrackLocalStaticRTP{s.out[i].video, s.out[i].audio} {
		sender, err := pc.AddTrack(tr)
		if err != nil {
			pc.Close()
			return nil, fmt.Errorf("add track: %w", err)
		}
		go r.readRTCP(s, i, sender)
	}
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { r.forward(s, l, remote) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			r.legUp(s, l)
		case webrtc.PeerConnectionStateFailed:
			go r.endLeg(s, l, "failed")
		case webrtc.PeerConnectionStateClosed:
			go r.endLeg(s, l, "ended")
		}
	})
	return l, nil
}

// readRTCP drains what side i's browser reports about the media it is sent;
// a picture-loss or full-intra request goes on to the other side's camera,
// which is the only source of keyframes.
func (r *Relay) readRTCP(s *session, i int, sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				r.keyframe(s, 1-i)
			}
		}
	}
}

// keyframe asks side i's browser for a fresh keyframe of its camera.
func (r *Relay) keyframe(s *session, i int) {
	s.mu.Lock()
	l := s.legs[i]
	s.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	ssrc := l.videoSSRC
	l.mu.Unlock()
	if ssrc != 0 {
		_ = l.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
	}
}

// forward copies a side's incoming track to the other side until it ends.
// Header extensions are dropped: their IDs and sequence numbers belong to
// the incoming connection, and the outgoing one adds its own.
func (r *Relay) forward(s *session, l *leg, remote *webrtc.TrackRemote) {
	out := s.out[1-l.side].audio
	if remote.Kind() == webrtc.RTPCodecTypeVideo {
		out = s.out[1-l.side].video
		l.mu.Lock()
		l.videoSSRC = remote.SSRC()
		l.mu.Unlock()
		r.keyframe(s, l.side) // start the other side's picture with a keyframe
	}
	for {
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		if len(pkt.Payload) == 0 {
			continue // padding for bandwidth probes
		}
		pkt.Header.Extension, pkt.Header.Extensions = false, nil
		if err := out.WriteRTP(pkt); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			r.cfg.Log.Debug("video forward", "contact", s.contactID, "err", err)
		}
	}
}

// legUp marks a side connected; the other side's camera is asked for a
// keyframe so the new viewer's picture starts at once.
func (r *Relay) legUp(s *session, l *leg) {
	l.mu.Lock()
	if l.done || !l.upAt.IsZero() {
		l.mu.Unlock()
		return
	}
	l.upAt = r.cfg.Now()
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	r.keyframe(s, 1-l.side)
	r.notify(LegEvent{ContactID: s.contactID, Side: sideNames[l.side], Up: true})
}

// endLeg closes a side's connection once and tells OnLeg; the session goes
// when neither side is left.
func (r *Relay) endLeg(s *session, l *leg, reason string) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	l.done = true
	if l.timer != nil {
		l.timer.Stop()
	}
	upAt := l.upAt
	l.mu.Unlock()
	s.mu.Lock()
	if s.legs[l.side] == l {
		s.legs[l.side] = nil
	}
	s.mu.Unlock()
	if err := l.pc.Close(); err != nil {
		r.cfg.Log.Debug("close video leg", "contact", s.contactID, "err", err)
	}
	r.dropIfEmpty(s)
	ev := LegEvent{ContactID: s.contactID, Side: sideNames[l.side], Reason: reason}
	if !upAt.IsZero() {
		ev.Connected = r.cfg.Now().Sub(upAt)
	}
	r.notify(ev)
}

func (r *Relay) notify(ev LegEvent) {
	if r.cfg.OnLeg != nil {
		go r.cfg.OnLeg(ev)
	}
}

// EndSide closes one side's media of a contact: the counselor handed the
// contact on, and the next one offers afresh.
func (r *Relay) EndSide(contactID, side string) {
	i, err := sideIndex(side)
	if err != nil {
		return
	}
	r.mu.Lock()
	s := r.sessions[contactID]
	r.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	l := s.legs[i]
	s.mu.Unlock()
	if l != nil {
		r.endLeg(s, l, "transferred")
	}
}

// End closes a contact's media on both sides: the contact ended.
func (r *Relay) End(contactID string) {
	r.mu.Lock()
	s := r.sessions[contactID]
	delete(r.sessions, contactID)
	r.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	s.ended = true
	legs := s.legs
	s.mu.Unlock()
	for _, l := range legs {
		if l != nil {
			r.endLeg(s, l, "ended")
		}
	}
}

// Follow ends a contact's media when the contact ends, and the counselor's
// side when the contact is transferred, from the bus.
func (r *Relay) Follow(bus minwon.Bus) (unsubscribe func()) {
	return bus.Subscribe(func(ev *minwon.Event) {
		switch ev.Type {
		case minwon.EventContactEnded, minwon.EventContactWrapped:
			r.End(ev.ContactID)
		case minwon.EventContactTransfered:
			r.EndSide(ev.ContactID, minwon.VideoAgent)
		}
	})
}

// Close ends every session and refuses new ones.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closed = true
	ids := make([]string, 0, len(r.sessions))
	for id := range r.sessions {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for _, id := range ids {
		r.End(id)
	}
	return nil
}
