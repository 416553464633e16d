package sip

// An interpreter in a live call: the center picks them from the tenant's
// pool and stores conference.requested (center/interpreter.go); here they
// are rung — an in-house interpreter's softphone or registered phone as
// a counselor's is, an external line through the trunk or at its SIP URI
// — and, once they answer, mixed in as a barging supervisor is
// (coach.go): the caller hears the counselor and the interpreter, the
// counselor the caller and the interpreter, the interpreter both.
//
// The recording keeps its two channels: the caller alone on the left,
// what the caller hears on the right — the counselor and the interpreter
// mixed. Everything said to the citizen, in either language, is then on
// one channel, and the citizen's own stays theirs alone, as the
// protection listener and the transcripts expect.

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon"
)

// conferenceCenter is what the interpreter's leg tells the center.
type conferenceCenter interface {
	ConferenceJoined(ctx context.Context, contactID, id string) error
	ConferenceEnded(ctx context.Context, contactID, id, reason string) error
}

// conferenceEvent takes the center's conference events about a call.
func (s *Server) conferenceEvent(ev *minwon.Event) {
	switch ev.Type {
	case minwon.EventConferenceRequested:
		var p minwon.Conference
		if ev.Decode(&p) != nil {
			return
		}
		if c := s.call(ev.ContactID); c != nil { // else another node's call
			c.startInterpreter(p)
		}
	case minwon.EventConferenceLeft, minwon.EventConferenceFailed:
		var p minwon.ConferenceEnded
		if ev.Decode(&p) != nil {
			return
		}
		if c := s.call(ev.ContactID); c != nil {
			c.interp.end(p.ID, false)
		}
	}
}

// startInterpreter rings the interpreter of conference p and mixes them in
// once they answer.
func (c *call) startInterpreter(p minwon.Conference) {
	ctx, cancel := context.WithCancel(c.d.Context()) // the caller hanging up ends it
	co := &coaching{user: p.ID, slot: &c.interp, ctx: ctx, cancel: cancel, finished: make(chan struct{})}
	barge := minwon.CoachBarge // each hears the other two
	co.mode.Store(&barge)
	co.joined = func(via string) {
		if cc, ok := c.s.center.(conferenceCenter); ok {
			if err := cc.ConferenceJoined(context.WithoutCancel(ctx), c.contactID, p.ID); err != nil {
				c.log.Info("conference.joined not recorded", "conference", p.ID, "err", err)
			}
		}
	}
	c.interp.mu.Lock()
	old := c.interp.cur
	c.interp.cur = co
	c.interp.mu.Unlock()
	if old != nil { // the center allows one; a stale one goes
		c.interp.on.CompareAndSwap(old, nil)
		old.cancel()
	}
	go func() {
		defer close(co.finished)
		reason := c.interpreterLeg(co, p)
		if !c.interp.release(co) || reason == "" {
			return // ended from the center: already recorded
		}
		c.s.reportConference(context.WithoutCancel(ctx), c.contactID, p.ID, reason, c.log)
	}()
}

// reportConference tells the center an interpreter's leg ended on its own.
func (s *Server) reportConference(ctx context.Context, contactID, id, reason string, log *slog.Logger) {
	log.Info("interpreter off the call", "conference", id, "reason", reason)
	if cc, ok := s.center.(conferenceCenter); ok {
		if err := cc.ConferenceEnded(ctx, contactID, id, reason); err != nil {
			log.Info("conference end not recorded", "conference", id, "err", err)
		}
	}
}

// interpreterLeg rings the interpreter, for as long as a transfer's
// target may ring, and runs their leg: "" when the center ended it, else
// why it ended ("no_answer", "busy", "unreachable", "hung_up").
func (c *call) interpreterLeg(co *coaching, p minwon.Conference) string {
	dial, via, ok := c.partyDialer(co, func() (func(context.Context) (Leg, error), string) { return c.interpreterDialer(p) })
	if !ok {
		return ""
	}
	if dial == nil {
		c.log.Info("no way to reach the interpreter", "conference", p.ID, "interpreter", p.InterpreterID)
		return "unreachable"
	}
	rctx, cancel := context.WithTimeout(co.ctx, c.s.cfg.TransferRing)
	leg, err := dial(rctx)
	cancel()
	if err != nil {
		if co.ctx.Err() != nil {
			return ""
		}
		c.log.Info("ring the interpreter", "conference", p.ID, "via", via, "err", err)
		return dialFailure(err)
	}
	return c.partyLeg(co, leg, via)
}

// interpreterDialer returns how to ring the interpreter of p: an in-house
// one as a counselor is rung, a SIP URI as it is, a number through the
// trunk; nil when there is no way.
func (c *call) interpreterDialer(p minwon.Conference) (func(context.Context) (Leg, error), string) {
	switch {
	case p.UserID != "":
		return c.dialer(p.UserID)
	case p.Address == "":
		return nil, ""
	case strings.HasPrefix(p.Address, "sip:") || strings.HasPrefix(p.Address, "sips:"):
		return c.s.dialPhone(p.Address), p.Address
	}
	if c.s.cfg.Trunk == "" {
		c.log.Warn("an interpreter's number needs the SIP trunk (--sip-trunk)", "conference", p.ID)
		return nil, ""
	}
	var to sipmsg.Uri
	if err := sipmsg.ParseUri(c.s.cfg.Trunk, &to); err != nil {
		return nil, ""
	}
	to.User = p.Address
	uri := to.String()
	// The line sees the center's number, as a citizen called out does.
	from, ok := c.s.center.CenterNumber(c.tenant)
	if !ok {
		c.log.Info("an interpreter's line is rung without the center's number: the tenant has none", "conference", p.ID)
	}
	return c.s.dialFrom(uri, from), uri
}

// dialFailure names why a ring did not become a leg, for conference.failed.
func dialFailure(err error) string {
	// sipgo returns the response error by value or by pointer, by path.
	var res *sipmsg.Response
	if v, ok := errors.AsType[sipgo.ErrDialogResponse](err); ok {
		res = v.Res
	} else if p, ok := errors.AsType[*sipgo.ErrDialogResponse](err); ok && p != nil {
		res = p.Res
	}
	if res != nil {
		switch res.StatusCode {
		case sipmsg.StatusBusyHere, sipmsg.StatusGlobalBusyEverywhere, sipmsg.StatusGlobalDecline:
			return "busy"
		case sipmsg.StatusRequestTimeout, sipmsg.StatusTemporarilyUnavailable, sipmsg.StatusRequestTerminated:
			return "no_answer"
		}
		return "unreachable"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no_answer"
	}
	return "unreachable"
}
