package sip

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/audio"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
)

// outboundRing is how long a citizen's phone may ring.
const outboundRing = 60 * time.Second

// startPlayer puts the prompt player on the citizen's audio.
func (c *call) startPlayer() error {
	props := diago.MediaProps{}
	w, err := c.d.AudioWriter(diago.WithAudioWriterMediaProps(&props))
	if err != nil {
		return err
	}
	enc := &audio.PCMEncoderWriter{}
	if err := enc.Init(props.Codec, w); err != nil {
		return fmt.Errorf("audio encoder for %s: %w", props.Codec.Name, err)
	}
	c.player = newPlayer(enc, c.inbox)
	return nil
}

// CanDial reports whether userID could call out now: a trunk is
// configured, their softphone is on or their phone registered (the call
// is bridged as an answered one is: c.dialer) and the node has room. The HTTP
// edge asks before the center creates the call's contact.
func (s *Server) CanDial(userID string) error {
	if s.cfg.Trunk == "" {
		return minwon.Errorf(minwon.EUNAVAILABLE, "calling out is not set up on this server (no --sip-trunk)")
	}
	if !s.reachable(userID) {
		return minwon.Errorf(minwon.EUNAVAILABLE, "neither your softphone is on nor your phone registered; the call is bridged to one of them")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active >= s.cfg.MaxCalls || s.draining {
		return minwon.Errorf(minwon.EUNAVAILABLE, "the phone lines are busy; please try again shortly")
	}
	return nil
}

// Dial calls the citizen of an outbound contact through the trunk, the
// center's number as the caller, and bridges the answered call to the
// phone of the one who placed it, after the recording notice. It returns
// once the call is under way; how it ends reaches the center as events.
func (s *Server) Dial(ct *minwon.Contact, oc minwon.OutboundCall) error {
	if err := s.CanDial(oc.UserID); err != nil {
		return err
	}
	var to sipmsg.Uri
	if err := sipmsg.ParseUri(s.cfg.Trunk, &to); err != nil {
		return minwon.Errorf(minwon.EUNAVAILABLE, "the SIP trunk %q is not a SIP URI", s.cfg.Trunk)
	}
	to.User = oc.Number
	s.mu.Lock()
	if s.active >= s.cfg.MaxCalls || s.draining {
		s.mu.Unlock()
		return minwon.Errorf(minwon.EUNAVAILABLE, "the phone lines are busy; please try again shortly")
	}
	s.active++
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			s.active--
			s.mu.Unlock()
			s.wg.Done()
		}()
		s.outbound(ct, oc, to)
	}()
	return nil
}

// DialCallback places the call of a callback a counselor accepted
// (center.CallbackDialer): an outbound call, as Dial places one, on the
// callback's own contact, so the counselor's report of it (reached or
// not) stays on the task they accepted.
func (s *Server) DialCallback(ctx context.Context, agentID, contactID, number string) error {
	ct, err := s.center.Contact(ctx, contactID)
	if err != nil {
		return err
	}
	from, ok := s.center.CenterNumber(ct.TenantID)
	if !ok {
		return minwon.Errorf(minwon.EINVALID, "the center has no phone number to call back from")
	}
	return s.Dial(ct, minwon.OutboundCall{Number: number, From: from, UserID: agentID})
}

// callerID is the headers of an INVITE through the trunk that show the
// center's number: From carries it, and P-Asserted-Identity asks a
// trusting trunk to present it. A citizen called out, and an interpreter's
// line, see the center, never a counselor's own phone.
func (s *Server) callerID(number string) []sipmsg.Header {
	host, _, _ := net.SplitHostPort(s.addr)
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: number, Host: host}, Params: sipmsg.NewParams()}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	pai := sipmsg.NewHeader("P-Asserted-Identity", "<sip:"+number+"@"+host+">")
	return []sipmsg.Header{from, pai}
}

func (s *Server) outbound(ct *minwon.Contact, oc minwon.OutboundCall, to sipmsg.Uri) {
	log := s.log.With("contact", ct.ID, "tenant", ct.TenantID, "agent", oc.UserID, "direction", minwon.DirectionOutbound)
	ctx, cancel := context.WithTimeout(context.Background(), outboundRing)
	d, err := s.dg.Invite(ctx, to, diago.InviteOptions{Headers: s.callerID(oc.From)})
	cancel()
	if err != nil {
		log.Info("outbound call not answered", "err", err)
		if err := s.center.OutboundEnded(context.Background(), ct.ID, "not answered"); err != nil {
			log.Warn("end outbound contact", "err", err)
		}
		return
	}
	c := newCall(s, d, oc.From, "", log)
	c.tenant, c.contactID, c.agent = ct.TenantID, ct.ID, oc.UserID
	if h := d.InviteRequest.CallID(); h != nil {
		c.callID = h.Value()
	}
	s.mu.Lock()
	s.live[c] = true
	s.calls[ct.ID] = c
	s.mu.Unlock()
	c.runOutbound()
	s.mu.Lock()
	delete(s.live, c)
	delete(s.calls, ct.ID)
	s.mu.Unlock()
}

// runOutbound plays the recording notice to the citizen who answered,
// rings the counselor's phone and bridges them; then it follows the call
// like an inbound one: either side hanging up ends it, and transfers work
// the same.
func (c *call) runOutbound() {
	defer c.stop()
	ctx := c.d.Context()
	if err := c.recordTaps(); err != nil {
		c.log.Error("call not recorded", "err", err)
	}
	defer c.stopRecording(ctx)
	if err := c.startPlayer(); err != nil {
		c.log.Warn("call audio", "err", err)
		c.hangupCitizen(ctx)
		return
	}
	defer c.player.stop()
	defer c.hangupCounselor(ctx)
	c.startRecording(ctx)
	c.recordingQueued(ctx) // the contact exists already
	if au, ok := c.prompt(ivr.DefaultConfig().DefaultLang, ivr.Notice); ok {
		c.player.play(1, []prompts.Audio{au}, false)
		if !c.awaitPlayed(ctx, 1) {
			return
		}
	}
	c.connect(ctx)
	if c.out == nil {
		// No phone answered: the citizen hears why the call ends.
		c.log.Info("outbound call: the counselor's phone did not answer")
		c.s.center.OutboundEnded(context.WithoutCancel(ctx), c.contactID, "the counselor's phone did not answer")
		c.goodbye(ctx)
		return
	}
	// In conversation: protected as an inbound call is from its answer
	// (protect.go). The center hears of it first, so the listeners' clock
	// and the 20-minute rule start together.
	if err := c.s.center.OutboundConnected(context.WithoutCancel(ctx), c.contactID); err != nil {
		c.log.Warn("outbound call connected", "err", err)
	}
	c.talking = true
	c.startListening(ctx)
	defer c.stopListening()
	for {
		select {
		case <-ctx.Done():
			if err := c.s.center.CitizenLeave(context.WithoutCancel(ctx), c.contactID); err != nil {
				c.log.Warn("citizen hung up", "err", err)
			}
			return
		case <-c.done:
			return
		case <-c.tasks.ready:
			c.tasks.run(ctx)
		case <-c.inbox.ready:
			for _, in := range c.inbox.take() {
				if c.protectInput(ctx, in) {
					continue
				}
				if in.Kind == ivr.InputEnded || in.Kind == ivr.InputHangup {
					c.talking = false
					c.hangupCounselor(ctx)
					c.goodbye(ctx)
					return
				}
			}
		}
	}
}

// awaitPlayed waits until the prompt with seq has played; false: the
// citizen hung up first.
func (c *call) awaitPlayed(ctx context.Context, seq int) bool {
	for {
		select {
		case <-ctx.Done():
			c.s.center.CitizenLeave(context.WithoutCancel(ctx), c.contactID)
			return false
		case <-c.done:
			return false
		case <-c.inbox.ready:
			for _, in := range c.inbox.take() {
				if in.Kind == ivr.InputPlayed && in.Seq == seq {
					return true
				}
				if in.Kind == ivr.InputEnded || in.Kind == ivr.InputHangup {
					c.hangupCitizen(ctx)
					return false
				}
			}
		}
	}
}

// goodbye plays the closing prompt, the closing notice when the
// protection engine ended the call, and hangs the citizen up.
func (c *call) goodbye(ctx context.Context) {
	if au, ok := c.prompt(ivr.DefaultConfig().DefaultLang, c.farewell(ivr.Goodbye)); ok {
		c.player.play(2, []prompts.Audio{au}, false)
		c.awaitPlayed(ctx, 2)
	}
	c.hangupCitizen(ctx)
}

func (c *call) hangupCitizen(ctx context.Context) {
	c.player.stop()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	c.d.Hangup(hctx)
	cancel()
}
