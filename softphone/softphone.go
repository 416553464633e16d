// Package softphone is the counselor's browser phone: a WebRTC peer per
// call between the server and the counselor's desktop, bridged by the sip
// package to the caller's leg like a SIP desk phone.
//
// G.711 passes through untouched: each call's peer connection offers the
// browser only the caller's codec (PCMU or PCMA), and RTP payloads are
// copied between the two legs as they are. A browser that cannot speak the
// caller's codec is refused, as a SIP phone would be.
//
// Signalling rides on the counselor's staff session: the desktop says over
// its desk socket that its softphone is on (Register), and when it accepts
// a call it posts a WebRTC offer with all its ICE candidates (Answer); the
// call, waiting in Dial, gets the connected leg. Hold, mute, keys and
// hang-up come from the desk as Control actions.
package softphone

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sip"
)

// Config tunes the softphones. DefaultConfig works with zero input: host
// candidates on the machine's own addresses, no STUN or TURN.
type Config struct {
	// ICEServers are stun: or turn: URLs given to the server's peer; none
	// by default, as counselors' desktops reach the server on the LAN.
	ICEServers []string
	// ICEUsername and ICECredential go with turn: URLs.
	ICEUsername, ICECredential string
	// PortMin and PortMax bound the UDP ports of the server's media; 0: any.
	PortMin, PortMax uint16
	// PublicIPs replace the host addresses the server announces, for a
	// server behind 1:1 NAT.
	PublicIPs []string
	// RingTimeout is how long a call waits for the desktop's offer.
	RingTimeout time.Duration
	// ConnectTimeout is how long the media may take to connect after it.
	ConnectTimeout time.Duration
}

// DefaultConfig rings a desktop for 15 s and gives its media 10 s.
func DefaultConfig() Config {
	return Config{RingTimeout: 15 * time.Second, ConnectTimeout: 10 * time.Second}
}

// Hub keeps the desktops that have a softphone on and the calls ringing
// or connected to them. It implements sip.Softphones.
type Hub struct {
	cfg Config
	log *slog.Logger
	// apis has one API per codec, so a peer offers only the caller's.
	apis map[string]*webrtc.API

	mu      sync.Mutex
	ready   map[string]int    // agent → desktops with the softphone on
	rings   map[callKey]*ring // a call waiting for its desktop's offer
	legs    map[callKey]*Leg  // the connected legs
	changed chan struct{}     // closed and replaced when a ring starts
}

var _ sip.Softphones = (*Hub)(nil)

// callKey is one counselor's part in one call. A call has two while a
// transfer to a counselor is attended: the one passing it on and the one
// taking it, each on their own desktop.
type callKey struct{ agent, contact string }

func keyOf(c sip.SoftphoneCall) callKey { return callKey{c.AgentID, c.ContactID} }

// ring is a call waiting in Dial for the counselor's desktop to answer.
type ring struct {
	call  sip.SoftphoneCall
	taken bool      // an offer is being answered
	gone  bool      // Dial has returned: a leg built now has no call
	leg   chan *Leg // the leg built from the desktop's offer
}

// codecs the server can pass through, with their static payload types.
var codecs = map[string]webrtc.RTPCodecParameters{
	"PCMU": {RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: 0},
	"PCMA": {RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8},
}

// New returns a hub.
func New(cfg Config, log *slog.Logger) (*Hub, error) {
	def := DefaultConfig()
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = def.RingTimeout
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = def.ConnectTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	se := webrtc.SettingEngine{}
	// Loopback too: a desktop on the server's own machine (a demo, a test)
	// has no other address in common with it.
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	// No mDNS socket of our own: browsers that hide their addresses behind
	// .local names still reach our host candidates, and we learn theirs
	// from their checks.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A desktop that vanishes (a closed tab, a lost network) hangs up
	// within seconds, not the default half minute.
	se.SetICETimeouts(4*time.Second, 8*time.Second, time.Second)
	if cfg.PortMin != 0 || cfg.PortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.PortMin, cfg.PortMax); err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "softphone UDP ports %d-%d: %v", cfg.PortMin, cfg.PortMax, err)
		}
	}
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: cfg.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost}); err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "softphone public addresses %v: %v", cfg.PublicIPs, err)
		}
	}
	for _, u := range cfg.ICEServers {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return nil, minwon.Errorf(minwon.EINVALID, "softphone ICE server %q: want a stun:, turn: or turns: URL", u)
		}
	}
	h := &Hub{cfg: cfg, log: log, apis: map[string]*webrtc.API{}, ready: map[string]int{}, rings: map[callKey]*ring{},
		legs: map[callKey]*Leg{}, changed: make(chan struct{})}
	for name, p := range codecs {
		m := &webrtc.MediaEngine{}
		if err := m.RegisterCodec(p, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("softphone codec %s: %w", name, err)
		}
		h.apis[name] = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	}
	return h, nil
}

// Register says an agent's desktop has its softphone on, until release.
// Calls the agent accepts then ring it.
func (h *Hub) Register(agentID string) (release func()) {
	h.mu.Lock()
	h.ready[agentID]++
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			if h.ready[agentID]--; h.ready[agentID] <= 0 {
				delete(h.ready, agentID)
			}
			h.mu.Unlock()
		})
	}
}

// Ready reports whether an agent's desktop has its softphone on.
func (h *Hub) Ready(agentID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ready[agentID] > 0
}

// Dial rings the agent's desktop for a call: it waits for the desktop's
// offer (Answer), then for the media to connect.
func (h *Hub) Dial(ctx context.Context, call sip.SoftphoneCall) (sip.Leg, error) {
	if _, ok := codecs[call.Codec]; !ok {
		return nil, minwon.Errorf(minwon.EINVALID, "the caller speaks %s; the softphone passes only PCMU or PCMA through", call.Codec)
	}
	r := &ring{call: call, leg: make(chan *Leg, 1)}
	h.mu.Lock()
	k := keyOf(call)
	if h.rings[k] != nil || h.legs[k] != nil {
		h.mu.Unlock()
		return nil, minwon.Errorf(minwon.ECONFLICT, "contact %s already rings the softphone of %s", call.ContactID, call.AgentID)
	}
	h.rings[k] = r
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
	var leg *Leg // the one taken, if any
	defer func() {
		h.mu.Lock()
		r.gone = true
		if h.rings[k] == r {
			delete(h.rings, k)
		}
		h.mu.Unlock()
		select { // a leg that came as we gave up
		case l := <-r.leg:
			if l != leg {
				l.close()
			}
		default:
		}
	}()
	t := time.NewTimer(h.cfg.RingTimeout)
	defer t.Stop()
	select {
	case leg = <-r.leg:
	case <-t.C:
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the softphone of %s did not answer within %s", call.AgentID, h.cfg.RingTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ct := time.NewTimer(h.cfg.ConnectTimeout)
	defer ct.Stop()
	select {
	case <-leg.connected:
		return leg, nil
	case <-leg.done:
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the softphone of %s hung up before its audio connected", call.AgentID)
	case <-ct.C:
	case <-ctx.Done():
	}
	leg.close()
	return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the softphone audio of %s did not connect within %s (ICE: is UDP between the desktop and the server open?)", call.AgentID, h.cfg.ConnectTimeout)
}

// Answer takes the WebRTC offer of an agent's desktop for the call of
// contactID, which rings or is about to, and returns the server's answer.
// The offer must carry its ICE candidates (gathering complete): nothing is
// trickled.
func (h *Hub) Answer(ctx context.Context, agentID, contactID, offer string) (string, error) {
	r, err := h.take(ctx, agentID, contactID)
	if err != nil {
		return "", err
	}
	leg, answer, err := h.newLeg(ctx, r.call, offer)
	if err != nil {
		h.mu.Lock()
		r.taken = false // the desktop may try again while the call rings
		h.mu.Unlock()
		return "", err
	}
	h.mu.Lock()
	if r.gone {
		h.mu.Unlock()
		leg.close()
		return "", minwon.Errorf(minwon.EUNAVAILABLE, "the call stopped ringing (answered elsewhere, timed out or hung up)")
	}
	k := keyOf(r.call)
	h.legs[k] = leg
	r.leg <- leg // buffered: Dial takes it, or its deferred check closes it
	h.mu.Unlock()
	go func() {
		<-leg.done
		h.mu.Lock()
		if h.legs[k] == leg {
			delete(h.legs, k)
		}
		h.mu.Unlock()
	}()
	return answer, nil
}

// take waits a little for the call of contactID to ring the agent: the
// desktop may post its offer as soon as its accept is answered, a moment
// before the call has reached Dial.
func (h *Hub) take(ctx context.Context, agentID, contactID string) (*ring, error) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		h.mu.Lock()
		r, changed := h.rings[callKey{agentID, contactID}], h.changed
		if r != nil {
			if r.taken {
				h.mu.Unlock()
				return nil, minwon.Errorf(minwon.ECONFLICT, "another desktop of yours already answers this call")
			}
			r.taken = true
			h.mu.Unlock()
			return r, nil
		}
		h.mu.Unlock()
		select {
		case <-changed:
		case <-t.C:
			return nil, minwon.Errorf(minwon.ENOTFOUND, "no call of yours rings a softphone for contact %s", contactID)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// newLeg builds the peer connection for one call from the desktop's offer.
func (h *Hub) newLeg(ctx context.Context, call sip.SoftphoneCall, offer string) (*Leg, string, error) {
	if err := offersCodec(offer, call.Codec); err != nil {
		return nil, "", err
	}
	var servers []webrtc.ICEServer
	if len(h.cfg.ICEServers) > 0 {
		servers = []webrtc.ICEServer{{URLs: h.cfg.ICEServers, Username: h.cfg.ICEUsername, Credential: h.cfg.ICECredential}}
	}
	pc, err := h.apis[call.Codec].NewPeerConnection(webrtc.Configuration{ICEServers: servers})
	if err != nil {
		return nil, "", fmt.Errorf("softphone peer: %w", err)
	}
	leg, err := newLeg(pc, call, h.log.With("agent", call.AgentID, "contact", call.ContactID))
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	fail := func(what string, err error) (*Leg, string, error) {
		leg.close()
		return nil, "", minwon.Errorf(minwon.EINVALID, "softphone %s: %v", what, err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail("offer", err)
	}
	if err := leg.addTrack(); err != nil {
		return fail("audio track", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail("answer", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail("answer", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		leg.close()
		return nil, "", ctx.Err()
	}
	return leg, pc.LocalDescription().SDP, nil
}

// offersCodec checks that the offer has an audio section with codec.
func offersCodec(offer, codec string) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		return minwon.Errorf(minwon.EINVALID, "the softphone's offer is not SDP: %v", err)
	}
	audio := false
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		audio = true
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			if _, enc, ok := strings.Cut(a.Value, " "); ok && strings.EqualFold(strings.SplitN(enc, "/", 2)[0], codec) {
				return nil
			}
		}
	}
	if !audio {
		return minwon.Errorf(minwon.EINVALID, "the softphone's offer has no audio")
	}
	return minwon.Errorf(minwon.EINVALID, "the caller speaks %s and the browser offers no %s: no transcoding", codec, codec)
}

// Control is what the counselor does to a connected call at the desk.
type Control struct {
	// Action is hold, resume, mute, unmute, dtmf or hangup.
	Action string `json:"action"`
	// Digits are the keys of a dtmf action: 0-9, *, #, A-D.
	Digits string `json:"digits,omitempty"`
}

// State is a connected call as the softphone has it.
type State struct {
	Held  bool `json:"held"`
	Muted bool `json:"muted"`
}

// Control applies an action of the agent's to the softphone leg of their
// call.
func (h *Hub) Control(agentID, contactID string, c Control) (State, error) {
	h.mu.Lock()
	leg := h.legs[callKey{agentID, contactID}]
	h.mu.Unlock()
	if leg == nil {
		return State{}, minwon.Errorf(minwon.ENOTFOUND, "no softphone call of yours for contact %s", contactID)
	}
	switch c.Action {
	case "hold", "resume":
		leg.setHold(c.Action == "hold")
	case "mute", "unmute":
		leg.setMute(c.Action == "mute")
	case "dtmf":
		if err := leg.sendDigits(c.Digits); err != nil {
			return leg.state(), err
		}
	case "hangup":
		leg.close()
	default:
		return leg.state(), minwon.Errorf(minwon.EINVALID, "unknown softphone action %q (hold, resume, mute, unmute, dtmf, hangup)", c.Action)
	}
	return leg.state(), nil
}

// Close hangs up every softphone leg.
func (h *Hub) Close() {
	h.mu.Lock()
	legs := make([]*Leg, 0, len(h.legs))
	for _, l := range h.legs {
		legs = append(legs, l)
	}
	h.mu.Unlock()
	for _, l := range legs {
		l.close()
	}
}
