package sip

import (
	"context"
	"fmt"
	"io"

	"github.com/emiago/diago"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
)

// Leg is every party bridged to the caller who is not the caller: a
// counselor's SIP phone rung by INVITE, the browser softphone of their
// desktop, a transfer's target (another counselor's phone or softphone, a
// department's line). The bridge copies RTP payloads between legs as they
// are, so a leg speaks the caller's codec.
type Leg interface {
	// Read returns the counselor's next payload for the caller.
	io.Reader
	// Write takes one payload of the caller's for the counselor.
	io.Writer
	// Codec is the leg's payload format, "PCMU" or "PCMA".
	Codec() string
	// Done is closed when the counselor's side hangs up.
	Done() <-chan struct{}
	// Stop unblocks Read and Write and fails them until Start, so the
	// copies of a bridge end and can be waited for. A transfer stops a
	// leg's copies and bridges it anew (to the target, back to the
	// caller); the leg itself stays up.
	Stop()
	// Start lets Read and Write work again after Stop.
	Start()
	// Hangup ends the leg's side and frees it; after Stop.
	Hangup(ctx context.Context) error
}

// Softphones are the browser softphones of counselors' desktops (package
// softphone implements them).
type Softphones interface {
	// Ready reports whether the agent's desktop has its softphone on.
	Ready(agentID string) bool
	// Dial rings the agent's softphone for the call and returns once its
	// audio is connected, or with why not.
	Dial(ctx context.Context, call SoftphoneCall) (Leg, error)
}

// SoftphoneCall is what a softphone is told of the call it rings for.
type SoftphoneCall struct {
	AgentID, ContactID string
	Codec              string        // the caller's codec, which the browser must speak
	Hold               prompts.Audio // what the caller hears on hold, 8 kHz PCM
}

// dialer returns how to reach the counselor who accepted: their desktop's
// softphone first, then their SIP phone; nil when they have neither.
func (c *call) dialer(agent string) (dial func(context.Context) (Leg, error), via string) {
	if sp := c.s.cfg.Softphones; sp != nil && sp.Ready(agent) {
		// Worked out here, on the call's goroutine: a transfer dials from
		// another.
		p := diago.MediaProps{}
		c.d.AudioWriter(diago.WithAudioWriterMediaProps(&p))
		hold, _ := c.prompt(c.m.Lang(), ivr.Hold)
		call := SoftphoneCall{AgentID: agent, ContactID: c.contactID, Codec: p.Codec.Name, Hold: hold}
		return func(ctx context.Context) (Leg, error) { return sp.Dial(ctx, call) }, "softphone"
	}
	if c.s.cfg.Endpoint == nil {
		return nil, ""
	}
	uri, ok := c.s.cfg.Endpoint(agent)
	if !ok {
		return nil, ""
	}
	return c.s.dialPhone(uri), uri
}

// dialPhone returns how to ring a SIP phone at uri: a counselor's, or a
// department's line in a transfer.
func (s *Server) dialPhone(uri string) func(context.Context) (Leg, error) {
	return s.dialFrom(uri, "")
}

// dialFrom is dialPhone showing the center's number from as the caller (a
// line through the trunk); "" shows our own address, as dialPhone does.
func (s *Server) dialFrom(uri, from string) func(context.Context) (Leg, error) {
	return func(ctx context.Context) (Leg, error) {
		var target sipmsg.Uri
		if err := sipmsg.ParseUri(uri, &target); err != nil {
			return nil, fmt.Errorf("SIP address %q: %w", uri, err)
		}
		var opts diago.InviteOptions
		if from != "" {
			opts.Headers = s.callerID(from)
		}
		out, err := s.dg.Invite(ctx, target, opts)
		if err != nil {
			return nil, fmt.Errorf("call the phone %s: %w", uri, err)
		}
		leg, err := newPhoneLeg(out)
		if err != nil {
			out.Close()
			return nil, err
		}
		return leg, nil
	}
}

// reachable reports whether an agent has a softphone or a SIP phone that
// a call can be bridged to.
func (s *Server) reachable(agent string) bool {
	if sp := s.cfg.Softphones; sp != nil && sp.Ready(agent) {
		return true
	}
	if s.cfg.Endpoint == nil {
		return false
	}
	_, ok := s.cfg.Endpoint(agent)
	return ok
}

// phoneLeg is a counselor's SIP phone that answered our INVITE.
type phoneLeg struct {
	out   *diago.DialogClientSession
	r     io.Reader
	w     io.Writer
	codec string
}

func newPhoneLeg(out *diago.DialogClientSession) (*phoneLeg, error) {
	p := diago.MediaProps{}
	w, err := out.AudioWriter(diago.WithAudioWriterMediaProps(&p))
	if err != nil {
		return nil, err
	}
	r, err := out.AudioReader()
	if err != nil {
		return nil, err
	}
	// Everything written to a phone is relayed (the bridge, a consultation)
	// or paced by its writer (the coaching mix).
	return &phoneLeg{out: out, r: r, w: relayed(w, p.Codec.PayloadType), codec: p.Codec.Name}, nil
}

func (l *phoneLeg) Read(b []byte) (int, error)  { return l.r.Read(b) }
func (l *phoneLeg) Write(b []byte) (int, error) { return l.w.Write(b) }
func (l *phoneLeg) Codec() string               { return l.codec }
func (l *phoneLeg) Done() <-chan struct{}       { return l.out.Context().Done() }

// Stop ends the phone's reads by deadline; writes end with the hang-up.
func (l *phoneLeg) Stop()  { l.out.StopRTP(1, 0) }
func (l *phoneLeg) Start() { l.out.StartRTP(1, 0) }

func (l *phoneLeg) Hangup(ctx context.Context) error {
	err := l.out.Hangup(ctx)
	l.out.Close()
	return err
}
