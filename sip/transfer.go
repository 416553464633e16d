package sip

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/emiago/diago"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/ivr"
)

// Transfers move the caller's audio; the center decides and records
// (center/transfer.go). Every leg stays ours: minwon dials the target and
// bridges, instead of sending REFER to the trunk, so the recording of the
// caller's side goes on to the end of the call and the trunk never learns
// a counselor's or a department's address.
//
// Everything that touches a call's legs runs on the call's own goroutine:
// the bus posts tasks (call.tasks) and dialling goroutines post their
// result, so no lock guards c.out.

// citizenLeg is the citizen's side of a call: an INVITE we answered, or
// one we placed to the trunk (outbound.go). Every other party is a Leg
// (leg.go).
type citizenLeg interface {
	AudioReader(opts ...diago.AudioReaderOption) (io.Reader, error)
	AudioWriter(opts ...diago.AudioWriterOption) (io.Writer, error)
	AudioReaderDTMF() (*diago.DTMFReader, error)
	SetAudioReader(r io.Reader)
	SetAudioWriter(w io.Writer)
	Media() *diago.DialogMedia
	// StopRTP(1, 0) ends a blocked read, so a bridge's copies stop;
	// StartRTP(1, 0) allows reading again.
	StopRTP(rw int8, dur time.Duration) error
	StartRTP(rw int8, dur time.Duration) error
	Context() context.Context // done when the citizen hangs up
	Hangup(ctx context.Context) error
}

var (
	_ citizenLeg = (*diago.DialogServerSession)(nil)
	_ citizenLeg = (*diago.DialogClientSession)(nil)
)

// copyPayloads copies RTP payloads from r to w until either fails.
func copyPayloads(wg *sync.WaitGroup, r io.Reader, w io.Writer) {
	defer wg.Done()
	buf := make([]byte, 1500)
	for {
		n, err := r.Read(buf)
		if err != nil {
			return
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
	}
}

// consult bridges two legs to each other, the caller on hold: the
// counselor and the target of an attended transfer. Counted in wg.
func consult(a, b Leg, wg *sync.WaitGroup) error {
	b, err := inCodec(b, a.Codec())
	if err != nil {
		return err
	}
	wg.Add(2)
	go copyPayloads(wg, a, b)
	go copyPayloads(wg, b, a)
	return nil
}

// unconsult stops the copies of consult and waits for them; the legs
// stay up.
func unconsult(wg *sync.WaitGroup, a, b Leg) {
	a.Stop()
	b.Stop()
	wg.Wait()
	a.Start()
	b.Start()
}

func hangupLeg(ctx context.Context, l Leg) {
	l.Stop()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	l.Hangup(hctx)
}

// taskQueue carries work to a call's goroutine without blocking the sender.
type taskQueue struct {
	mu    sync.Mutex
	items []func(context.Context)
	ready chan struct{}
}

func (q *taskQueue) push(f func(context.Context)) {
	q.mu.Lock()
	q.items = append(q.items, f)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// run runs the queued tasks; called from the call's goroutine.
func (q *taskQueue) run(ctx context.Context) {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.mu.Unlock()
	for _, f := range items {
		f(ctx)
	}
}

// callTransfer is a transfer the call is carrying out.
type callTransfer struct {
	minwon.TransferStarted
	cancel     context.CancelFunc // stops the target's line ringing
	target     Leg                // once it answered
	consult    sync.WaitGroup     // counselor ↔ target, attended
	consulting bool
}

// watchCounselor ends the contact as agent's when their leg hangs up,
// unless the call had already let that leg go (a transfer, the goodbye).
func (c *call) watchCounselor(out Leg, agent string) {
	select {
	case <-out.Done():
		c.tasks.push(func(ctx context.Context) {
			if c.out != out {
				return
			}
			// The contact ends as the counselor's, and the center's
			// contact.ended brings the goodbye to the caller.
			if _, err := c.s.center.EndChat(context.WithoutCancel(ctx), agent, c.contactID); err != nil {
				c.log.Info("counselor hung up", "err", err)
			}
		})
	case <-c.done:
	}
}

// transferEvent hands the center's transfer events to the call they
// belong to. A department transfer's completion takes the call off the
// bus at once: the contact.ended that follows is the counselor's part
// ending, not the caller's call.
func (s *Server) transferEvent(ev *minwon.Event) {
	c := s.call(ev.ContactID)
	if c == nil {
		return
	}
	switch ev.Type {
	case minwon.EventTransferStarted:
		var tr minwon.TransferStarted
		if ev.Decode(&tr) != nil || tr.ToQueue != "" {
			return // a queue transfer moves with its contact.transferred
		}
		if tr.ToDepartment != "" {
			s.mu.Lock()
			c.deptTransfer = tr.ID
			s.mu.Unlock()
		}
		c.tasks.push(func(ctx context.Context) { c.startTransfer(ctx, tr) })
	case minwon.EventTransferCompleted, minwon.EventTransferCancelled:
		var st minwon.TransferStep
		if ev.Decode(&st) != nil {
			return
		}
		s.mu.Lock()
		if c.deptTransfer == st.ID {
			c.deptTransfer = ""
			if ev.Type == minwon.EventTransferCompleted {
				delete(s.calls, c.contactID)
			}
		}
		s.mu.Unlock()
		if ev.Type == minwon.EventTransferCompleted {
			c.tasks.push(func(ctx context.Context) { c.completeTransfer(ctx, st.ID) })
		} else {
			c.tasks.push(func(ctx context.Context) { c.cancelTransfer(ctx, st.ID) })
		}
	case minwon.EventContactTransfered:
		var p minwon.ContactTransferred
		if ev.Decode(&p) != nil {
			return
		}
		c.tasks.push(func(ctx context.Context) { c.moved(ctx, p) })
	}
}

// startTransfer puts the caller on hold and rings the target. In a blind
// transfer the counselor's phone is let go now; in an attended one it
// stays, to be bridged to the target when it answers.
func (c *call) startTransfer(ctx context.Context, tr minwon.TransferStarted) {
	if c.xfer != nil {
		return
	}
	// A counselor is reached as when they accept a call: their desktop's
	// softphone, else their SIP phone; a department at its line.
	var dial func(context.Context) (Leg, error)
	via := tr.SIPURI
	if tr.ToAgent != "" {
		dial, via = c.dialer(tr.ToAgent)
	} else if tr.SIPURI != "" {
		var target sipmsg.Uri
		if err := sipmsg.ParseUri(tr.SIPURI, &target); err != nil {
			c.failTransfer(ctx, tr.ID, "the target's SIP address is not valid")
			return
		}
		dial = c.s.dialPhone(tr.SIPURI)
	}
	if dial == nil {
		c.failTransfer(ctx, tr.ID, "the target has no phone")
		return
	}
	x := &callTransfer{TransferStarted: tr}
	c.xfer = x
	if c.out != nil {
		c.unbridge()
		if tr.Mode == minwon.TransferBlind {
			out := c.out
			c.out = nil
			hangupLeg(ctx, out)
		}
	}
	// Nothing reads the caller while they hold: the key reader does
	// again, for the recording's left channel and the listening taps.
	c.listenKeys(ctx)
	c.act(ctx, []ivr.Action{{Kind: ivr.ActHold}})
	c.log.Info("transfer ringing", "transfer", tr.ID, "mode", tr.Mode, "via", via)
	dctx, cancel := context.WithTimeout(ctx, c.s.cfg.TransferRing)
	x.cancel = cancel
	go func() {
		defer cancel()
		l, err := dial(dctx)
		if err == nil {
			go func() { // a call that ends first still hangs the target up
				select {
				case <-c.done:
					hangupLeg(context.Background(), l)
				case <-l.Done():
				}
			}()
		}
		c.tasks.push(func(ctx context.Context) { c.targetAnswered(ctx, x, l, err) })
	}()
}

// failTransfer reports that the target's line can't be reached; the
// center's transfer.cancelled brings the caller back.
func (c *call) failTransfer(ctx context.Context, id, reason string) {
	c.log.Info("transfer failed", "transfer", id, "reason", reason)
	if err := c.s.center.CancelTransfer(context.WithoutCancel(ctx), "", c.contactID, id, reason); err != nil {
		c.log.Info("cancel transfer", "transfer", id, "err", err)
	}
}

func (c *call) targetAnswered(ctx context.Context, x *callTransfer, l Leg, err error) {
	if c.xfer != x {
		if err == nil {
			hangupLeg(ctx, l) // cancelled while it rang
		}
		return
	}
	if err != nil {
		c.failTransfer(ctx, x.ID, "no answer: "+err.Error())
		return
	}
	x.target = l
	go func() {
		select {
		case <-l.Done():
			c.tasks.push(func(ctx context.Context) {
				if c.xfer == x {
					c.failTransfer(ctx, x.ID, "the target hung up")
				}
			})
		case <-c.done:
		}
	}()
	if x.Mode == minwon.TransferAttended && c.out != nil {
		if err := consult(c.out, l, &x.consult); err != nil {
			c.log.Warn("bridge the counselor to the target", "err", err)
		} else {
			x.consulting = true
		}
	}
	if err := c.s.center.TransferAnswered(context.WithoutCancel(ctx), c.contactID, x.ID); err != nil {
		c.log.Info("transfer answered", "transfer", x.ID, "err", err) // cancelled meanwhile: its task cleans up
	}
}

// completeTransfer bridges the caller to the target and lets the
// counselor's leg go.
func (c *call) completeTransfer(ctx context.Context, id string) {
	x := c.xfer
	if x == nil || x.ID != id || x.target == nil {
		return
	}
	c.xfer = nil
	if x.consulting {
		unconsult(&x.consult, c.out, x.target)
	}
	if old := c.out; old != nil {
		c.out = nil
		hangupLeg(ctx, old)
	}
	c.player.play(0, nil, false)
	c.stopKeys() // the bridge reads the caller again
	if err := c.bridge(x.target); err != nil {
		c.log.Warn("bridge to the transfer target", "err", err)
		hangupLeg(ctx, x.target)
		c.listenKeys(ctx)
		c.inbox.push(ivr.Input{Kind: ivr.InputEnded})
		return
	}
	c.out = x.target
	c.log.Info("transfer completed", "transfer", id, "to_agent", x.ToAgent, "to_department", x.ToDepartment)
	if x.ToAgent != "" {
		c.s.mu.Lock()
		c.agent = x.ToAgent
		c.s.mu.Unlock()
		go c.watchCounselor(x.target, x.ToAgent)
		return
	}
	// The department's line hanging up ends the call with the goodbye;
	// the contact itself is already the counselor's to wrap up.
	go func(out Leg) {
		select {
		case <-out.Done():
			c.tasks.push(func(context.Context) {
				if c.out == out {
					c.inbox.push(ivr.Input{Kind: ivr.InputEnded})
				}
			})
		case <-c.done:
		}
	}(x.target)
}

// cancelTransfer brings the caller back to the counselor: bridged again
// in an attended transfer, the counselor's phone rung again in a blind one.
func (c *call) cancelTransfer(ctx context.Context, id string) {
	x := c.xfer
	if x == nil || x.ID != id {
		return
	}
	c.xfer = nil
	x.cancel()
	if x.consulting {
		unconsult(&x.consult, c.out, x.target)
	}
	if x.target != nil {
		hangupLeg(ctx, x.target)
	}
	c.player.play(0, nil, false)
	c.log.Info("transfer cancelled", "transfer", id)
	if c.out != nil {
		c.stopKeys()
		if err := c.bridge(c.out); err != nil {
			c.log.Warn("bridge back to the counselor", "err", err)
			c.listenKeys(ctx)
		}
		return
	}
	c.connect(ctx) // the counselor's phone rung again; it stops and restarts the key reader
}

// moved follows a contact.transferred that no transfer of ours carries:
// back to a queue (the caller holds and the next answer connects), or
// straight to another counselor (their phone is rung).
func (c *call) moved(ctx context.Context, p minwon.ContactTransferred) {
	if c.xfer != nil {
		return // completeTransfer moves the audio
	}
	switch {
	case p.ToQueue != "":
		c.hangupCounselor(ctx)
		c.listenKeys(ctx) // back in the queue the caller's keys count again (a callback offer)
		c.inbox.push(ivr.Input{Kind: ivr.InputRequeued})
	case p.ToAgent != "":
		c.hangupCounselor(ctx)
		c.listenKeys(ctx) // until the new counselor's phone is bridged
		c.s.mu.Lock()
		c.agent = p.ToAgent
		c.s.mu.Unlock()
		c.connect(ctx)
	}
}
