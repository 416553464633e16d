package sip

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/diago"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
)

// frameBytes is 20 ms of 8 kHz 16-bit PCM, one RTP packet.
const frameBytes = prompts.SampleRate / 50 * 2

// call is one answered call: the IVR machine, fed from one goroutine.
type call struct {
	s         *Server
	d         citizenLeg // the INVITE answered, or placed to the trunk (outbound.go)
	log       *slog.Logger
	number    string
	caller    string
	tenant    string // whose line was called; its recordings replace the defaults
	m         *ivr.Machine
	inbox     *inbox
	player    *player
	contactID string
	agent     string // who answered; set under s.mu by the bus
	callID    string
	rec       atomic.Pointer[callRecording] // from the recording notice on (record.go)
	prot      callProtection                // warnings, closing notice, listening (protect.go)
	done      chan struct{}
	stopOnce  sync.Once

	dtmfQuit, dtmfDone chan struct{}
	out                Leg            // the counselor's leg, once bridged; the call's goroutine only
	talking            bool           // an outbound call's citizen and counselor are bridged; the call's goroutine only
	bridged            sync.WaitGroup // the two audio copies of the bridge

	tasks        taskQueue     // work for the call's goroutine (transfer.go)
	xfer         *callTransfer // the transfer under way; the call's goroutine only
	deptTransfer string        // a department transfer's ID, under s.mu

	coach  coachSlot // a supervisor on the call (coach.go)
	interp coachSlot // an interpreter on the call (conference.go)
}

func newCall(s *Server, d citizenLeg, number, caller string, log *slog.Logger) *call {
	return &call{s: s, d: d, log: log, number: number, caller: caller, m: ivr.New(s.cfg.IVR), inbox: newInbox(), done: make(chan struct{}), tasks: taskQueue{ready: make(chan struct{}, 1)}}
}

func (c *call) stop() { c.stopOnce.Do(func() { close(c.done) }) }

func (c *call) run() {
	defer c.stop()
	ctx := c.d.Context()
	if err := c.recordTaps(); err != nil {
		c.log.Error("call not recorded", "err", err)
	}
	defer c.stopRecording(ctx) // last: after the player, the key reader and the bridge
	if err := c.startPlayer(); err != nil {
		c.log.Warn("call audio", "err", err)
		return
	}
	defer c.player.stop()
	c.listenKeys(ctx)
	defer c.hangupCounselor(ctx)

	// The tenant's hours and notices are evaluated once, at the start, with
	// the center's clock: a call that began open is not cut off at closing.
	sched, tenant, _ := c.s.center.CallSchedule(c.number)
	c.tenant = tenant
	sched.CallbackNumber = center.DialledNumber(c.caller) // caller ID; withheld: no offer
	c.log.Info("call flow", "tenant", tenant, "closed", sched.Closed, "notices", len(sched.Notices), "replace_menu", sched.ReplaceMenu)
	if !c.act(ctx, c.m.StartWith(c.s.cfg.Now(), sched)) {
		return
	}
	for c.m.State() != ivr.StateDone {
		var timer <-chan time.Time
		var t *time.Timer
		if dl, ok := c.m.Deadline(); ok {
			t = time.NewTimer(dl.Sub(c.s.cfg.Now()))
			timer = t.C
		}
		var in ivr.Input
		var batch []ivr.Input
		select {
		case <-ctx.Done():
			in = ivr.Input{Kind: ivr.InputHangup}
		case <-c.done:
			in = ivr.Input{Kind: ivr.InputHangup}
		case <-c.inbox.ready:
			batch = c.inbox.take()
		case <-c.tasks.ready:
			c.tasks.run(ctx)
		case <-timer:
			in = ivr.Input{Kind: ivr.InputTimer}
		}
		if t != nil {
			t.Stop()
		}
		if in.Kind != 0 {
			batch = append(batch, in)
		}
		for _, in := range batch {
			if c.protectInput(ctx, in) {
				continue
			}
			if !c.act(ctx, c.m.Handle(c.s.cfg.Now(), in)) {
				return
			}
		}
	}
}

// act carries out the machine's actions; false means the call is over.
func (c *call) act(ctx context.Context, acts []ivr.Action) bool {
	for _, a := range acts {
		switch a.Kind {
		case ivr.ActPlay:
			if c.m.State() == ivr.StateNotice {
				c.startRecording(ctx) // every call is recorded from the notice on
			}
			if c.m.State() == ivr.StateEnding {
				c.hangupCounselor(ctx) // the bridge must stop writing before the goodbye
			}
			var parts []prompts.Audio
			for _, p := range c.closingNotice(a.Prompts) {
				if au, ok := c.prompt(a.Lang, p); ok {
					parts = append(parts, au)
				} else {
					c.log.Warn("prompt missing", "prompt", p, "lang", a.Lang)
				}
			}
			c.player.play(a.Seq, parts, false)
		case ivr.ActHold:
			if au, ok := c.s.cfg.Prompts.Get(c.m.Lang(), ivr.Hold); ok {
				c.player.play(0, []prompts.Audio{au}, true)
			}
		case ivr.ActEnqueue:
			c.player.play(0, nil, false)
			c.enqueue(ctx, a.Lang)
		case ivr.ActConnect:
			c.player.play(0, nil, false)
			c.connect(ctx)
		case ivr.ActLeave:
			if c.contactID != "" {
				if err := c.s.center.CitizenLeave(context.WithoutCancel(ctx), c.contactID); err != nil {
					c.log.Warn("caller left", "contact", c.contactID, "err", err)
				}
			}
		case ivr.ActOffered:
			if err := c.s.center.CallbackOffered(context.WithoutCancel(ctx), c.contactID); err != nil {
				c.log.Info("callback offer not recorded", "err", err)
			}
		case ivr.ActCallback:
			c.player.play(0, nil, false)
			if err := c.s.center.RequestCallback(context.WithoutCancel(ctx), c.contactID, a.Number); err != nil {
				c.log.Info("callback not booked", "err", err)
				c.inbox.push(ivr.Input{Kind: ivr.InputRejected})
			} else {
				c.log.Info("callback booked")
				c.inbox.push(ivr.Input{Kind: ivr.InputBooked})
			}
		case ivr.ActHangup:
			c.player.stop()
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.d.Hangup(hctx)
			cancel()
			return false
		}
	}
	return c.m.State() != ivr.StateDone
}

// prompt returns a prompt's audio: a notice's from the tenant's stored
// audio, any other from the catalogue.
func (c *call) prompt(lang string, p ivr.Prompt) (prompts.Audio, bool) {
	tenant, sha, ok := center.ParseNoticePrompt(p)
	if !ok {
		if c.tenant == "" || c.s.cfg.Voice == nil {
			return c.s.cfg.Prompts.Get(lang, p)
		}
		if tenant, sha, ok = c.s.center.TenantPrompt(c.tenant, lang, p); !ok {
			return c.s.cfg.Prompts.Get(lang, p)
		}
	}
	au, err := c.s.cfg.Voice.Audio(tenant, sha)
	if err != nil {
		c.log.Warn("tenant audio", "tenant", tenant, "prompt", p, "audio", sha, "err", err)
		if _, _, isNotice := center.ParseNoticePrompt(p); !isNotice {
			return c.s.cfg.Prompts.Get(lang, p) // the default rather than silence
		}
		return nil, false
	}
	return au, true
}

func (c *call) enqueue(ctx context.Context, lang string) {
	ct, err := c.s.center.StartCall(ctx, center.CallRequest{Number: c.number, Caller: c.caller, Language: lang})
	if err != nil {
		c.log.Info("call not queued", "err", err)
		c.inbox.push(ivr.Input{Kind: ivr.InputRejected})
		return
	}
	c.contactID = ct.ID
	c.log = c.log.With("contact", ct.ID, "queue", ct.QueueID)
	c.s.track(c)
	c.recordingQueued(ctx)
	pos, _ := c.s.center.Position(ct.ID)
	c.inbox.push(ivr.Input{Kind: ivr.InputQueued, Position: pos.Position, Wait: time.Duration(pos.WaitSecs) * time.Second})
	// An answer that came before the call was tracked is not lost.
	if now, err := c.s.center.Contact(ctx, ct.ID); err == nil && now.State == minwon.ContactActive {
		c.inbox.push(ivr.Input{Kind: ivr.InputAnswered})
	}
	c.log.Info("call queued", "lang", lang, "position", pos.Position)
}

// connect bridges the caller to the counselor who accepted: to their
// desktop's softphone, else to their SIP phone, else the call stays at the
// desk without counselor audio. It waits while the phone rings (the caller
// hanging up cancels it); the counselor hanging up ends the contact as
// theirs.
func (c *call) connect(ctx context.Context) {
	c.s.mu.Lock()
	agent := c.agent
	c.s.mu.Unlock()
	dial, via := c.dialer(agent)
	if dial == nil {
		c.log.Info("call answered at the desk; no phone to bridge to", "agent", agent)
		return
	}
	// The bridge reads the caller's audio from here on, so key reading
	// stops; when no bridge comes of it, it starts again, or nothing would
	// read the caller (the recording's left channel, the recognizer).
	c.stopKeys()
	out, err := dial(ctx)
	if err != nil {
		c.log.Warn("ring the counselor", "agent", agent, "via", via, "err", err)
		c.listenKeys(ctx)
		return
	}
	if err := c.bridge(out); err != nil {
		c.log.Warn("bridge to the counselor", "agent", agent, "via", via, "err", err)
		hangupLeg(ctx, out)
		c.listenKeys(ctx)
		return
	}
	c.out = out
	c.log.Info("call bridged", "agent", agent, "via", via)
	go c.watchCounselor(out, agent)
}

// listenKeys reads the caller's keys: RFC 4733 events in the RTP stream.
// Reading them also drains the caller's audio (through the recording and
// listening taps), which nothing else consumes while no bridge does.
func (c *call) listenKeys(ctx context.Context) {
	if c.dtmfQuit != nil {
		return // already listening
	}
	dtmf, err := c.d.AudioReaderDTMF()
	if err != nil {
		c.log.Warn("call DTMF", "err", err)
		return
	}
	quit, done := make(chan struct{}), make(chan struct{})
	c.dtmfQuit, c.dtmfDone = quit, done
	go func() {
		defer close(done)
		for {
			err := dtmf.Listen(func(r rune) error {
				c.inbox.push(ivr.Input{Kind: ivr.InputDigit, Digit: r})
				return nil
			}, 0)
			if err != nil {
				return // the media is gone
			}
			select { // a read deadline ended Listen: ours when quitting
			case <-quit:
				return
			case <-c.done:
				return
			case <-ctx.Done():
				return
			default:
			}
		}
	}()
}

// stopKeys stops the key reader and waits for it, so the caller's audio is
// free for a bridge.
func (c *call) stopKeys() {
	if c.dtmfQuit == nil {
		return
	}
	close(c.dtmfQuit)
	c.d.StopRTP(1, 0)
	<-c.dtmfDone
	c.d.StartRTP(1, 0)
	c.dtmfQuit = nil
}

// bridge copies audio both ways between the caller and a leg. The copies
// are ours, not diago's Bridge, so they can be stopped and waited for
// before anything else writes to the caller again.
func (c *call) bridge(out Leg) error {
	pc := diago.MediaProps{}
	cw, err := c.d.AudioWriter(diago.WithAudioWriterMediaProps(&pc))
	if err != nil {
		return err
	}
	out, err = inCodec(out, pc.Codec.Name) // A-law ↔ µ-law where they differ (transcode.go)
	if err != nil {
		return err
	}
	cr, err := c.d.AudioReader()
	if err != nil {
		return err
	}
	c.bridged.Add(2)
	// An interpreter and a coaching supervisor are mixed in only while one
	// is on (conference.go, coach.go); the interpreter first, so a
	// supervisor hears them too.
	go copyPayloads(&c.bridged, cr, c.interpreted(fromCaller, c.coached(fromCaller, out)))
	go copyPayloads(&c.bridged, out, c.interpreted(fromCounselor, c.coached(fromCounselor, c.gated(relayed(cw, pc.Codec.PayloadType))))) // a warning replaces the other side while it plays (protect.go)
	return nil
}

// unbridge stops the copies between the caller and c.out and waits for
// them, so the caller's stream is ours alone again (hold audio, the
// goodbye); both legs stay up.
func (c *call) unbridge() {
	c.out.Stop()
	c.d.StopRTP(1, 0)
	c.bridged.Wait()
	c.d.StartRTP(1, 0)
	c.out.Start()
}

func (c *call) hangupCounselor(ctx context.Context) {
	c.endCoach("", true) // the supervisor and the interpreter go with the counselor
	c.interp.end("", true)
	if c.out == nil {
		return
	}
	c.unbridge()
	out := c.out
	c.out = nil
	hangupLeg(ctx, out)
}

// inbox collects a call's inputs from other goroutines without blocking them.
type inbox struct {
	mu    sync.Mutex
	items []ivr.Input
	ready chan struct{}
}

func newInbox() *inbox { return &inbox{ready: make(chan struct{}, 1)} }

func (b *inbox) push(in ivr.Input) {
	b.mu.Lock()
	b.items = append(b.items, in)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

func (b *inbox) take() []ivr.Input {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.items
	b.items = nil
	return out
}

// player writes prompts to the call, one 20 ms frame at a time; the RTP
// writer paces the frames. A new play stops the one before.
type player struct {
	w     io.Writer
	inbox *inbox
	mu    sync.Mutex
	quit  chan struct{}
	done  chan struct{}
}

func newPlayer(w io.Writer, in *inbox) *player { return &player{w: w, inbox: in} }

// play stops what plays and starts parts; seq > 0 reports InputPlayed when
// they finish. loop repeats them until the next play.
func (p *player) play(seq int, parts []prompts.Audio, loop bool) {
	p.stop()
	if len(parts) == 0 {
		if seq > 0 {
			p.inbox.push(ivr.Input{Kind: ivr.InputPlayed, Seq: seq})
		}
		return
	}
	p.mu.Lock()
	quit, done := make(chan struct{}), make(chan struct{})
	p.quit, p.done = quit, done
	p.mu.Unlock()
	go func() {
		defer close(done)
		for {
			for _, a := range parts {
				for off := 0; off < len(a); off += frameBytes {
					select {
					case <-quit:
						return
					default:
					}
					end := min(off+frameBytes, len(a))
					frame := a[off:end]
					if len(frame) < frameBytes {
						frame = append(append([]byte{}, frame...), make([]byte, frameBytes-len(frame))...)
					}
					if _, err := p.w.Write(frame); err != nil {
						return
					}
				}
			}
			if !loop {
				break
			}
		}
		if seq > 0 {
			p.inbox.push(ivr.Input{Kind: ivr.InputPlayed, Seq: seq})
		}
	}()
}

func (p *player) stop() {
	p.mu.Lock()
	quit, done := p.quit, p.done
	p.quit, p.done = nil, nil
	p.mu.Unlock()
	if quit != nil {
		close(quit)
		<-done
	}
}
