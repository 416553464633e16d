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

// Leg is the counselor's side of a bridged call: a SIP phone rung by
// INVITE, or the browser softphone of their desktop. The bridge copies RTP
// payloads between it and the caller as they are, so a leg speaks the
// caller's codec.
type Leg interface {
	// Read returns the counselor's next payload for the caller.
	io.Reader
	// Write takes one payload of the caller's for the counselor.
	io.Writer
	// Codec is the leg's payload format, "PCMU" or "PCMA".
	Codec() string
	// Done is closed when the counselor's side hangs up.
	Done() <-chan struct{}
	// Stop unblocks Read and Write for good: the bridge is ending.
	Stop()
	// Hangup ends the counselor's side and frees it; after Stop.
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
		return func(ctx context.Context) (Leg, error) {
			p := diago.MediaProps{}
			c.d.AudioWriter(diago.WithAudioWriterMediaProps(&p))
			hold, _ := c.prompt(c.m.Lang(), ivr.Hold)
			return sp.Dial(ctx, SoftphoneCall{AgentID: agent, ContactID: c.contactID, Codec: p.Codec.Name, Hold: hold})
		}, "softphone"
	}
	if c.s.cfg.Endpoint == nil {
		return nil, ""
	}
	uri, ok := c.s.cfg.Endpoint(agent)
	if !ok {
		return nil, ""
	}
	return func(ctx context.Context) (Leg, error) {
		var target sipmsg.Uri
		if err := sipmsg.ParseUri(uri, &target); err != nil {
			return nil, fmt.Errorf("counselor endpoint %q: %w", uri, err)
		}
		out, err := c.s.dg.Invite(ctx, target, diago.InviteOptions{})
		if err != nil {
			return nil, fmt.Errorf("call the counselor's phone %s: %w", uri, err)
		}
		leg, err := newPhoneLeg(out)
		if err != nil {
			out.Close()
			return nil, err
		}
		return leg, nil
	}, uri
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
	return &phoneLeg{out: out, r: r, w: w, codec: p.Codec.Name}, nil
}

func (l *phoneLeg) Read(b []byte) (int, error)  { return l.r.Read(b) }
func (l *phoneLeg) Write(b []byte) (int, error) { return l.w.Write(b) }
func (l *phoneLeg) Codec() string               { return l.codec }
func (l *phoneLeg) Done() <-chan struct{}       { return l.out.Context().Done() }

// Stop ends the phone's reads by deadline; writes end with the hang-up.
func (l *phoneLeg) Stop() { l.out.StopRTP(1, 0) }

func (l *phoneLeg) Hangup(ctx context.Context) error {
	err := l.out.Hangup(ctx)
	l.out.Close()
	return err
}
