package sip

// A supervisor coaching a live call: listen (they hear the caller and the
// counselor, nobody hears them), whisper (the counselor hears them too,
// the caller does not) and barge (both do). The center decides who may
// (center/coach.go); its coach.* events reach the call here.
//
// The bridge copies G.711 payloads untouched, and it still does when
// nobody coaches: each copy checks one atomic pointer per packet and
// writes the payload as it came. While a supervisor is on, each copy
// also hands its packet, decoded, to the supervisor's ear, and the
// direction their voice must reach is decoded, summed with it (clipped)
// and encoded again. A ticker of the coach's own feeds the supervisor's
// leg 20 ms of the caller plus the counselor at a time, so their ear does
// not depend on either side sending.
//
// The recording's right channel is what the caller hears, so a barge is
// on it and a whisper is not.

import (
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/diago"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/recording"
)

// coachCenter is what coaching tells the center: the supervisor's leg is
// gone by no choice of theirs.
type coachCenter interface {
	EndCoach(ctx context.Context, userID, contactID, reason string) error
}

// The bridge's two directions, named by whose audio they carry.
const (
	fromCaller    = 0 // to the counselor
	fromCounselor = 1 // to the caller
)

// coachFrame is 20 ms of 8 kHz samples.
const coachFrame = 160

// coachBuffer bounds each queue of samples between a source and the
// mix: 100 ms, beyond which the oldest is dropped rather than let the
// delay grow.
const coachBuffer = 5 * coachFrame

// coachSlot is a call's coaching: the session the bridge mixes through
// (nil: straight copy), and the session dialling or on, under mu.
type coachSlot struct {
	on  atomic.Pointer[coaching]
	mu  sync.Mutex
	cur *coaching
}

// coaching is one supervisor on one call, or an interpreter brought in
// (conference.go), who is mixed in as a barging supervisor is.
type coaching struct {
	user     string // the supervisor, or the conference's ID
	slot     *coachSlot
	joined   func(via string) // once the leg is mixed in; nil: nothing to tell
	mode     atomic.Pointer[minwon.CoachMode]
	ctx      context.Context
	cancel   context.CancelFunc
	finished chan struct{}

	pt, legPT uint8 // payload types of the bridge and of the supervisor's leg

	mu    sync.Mutex
	ear   [2]samples // each direction's audio, for the supervisor
	voice [2]samples // the supervisor's voice, to mix into each direction

	// Scratch of each bridge copy, used only from that copy's goroutine.
	pcm, mix [2][]int16
	out      [2][]byte
}

// coachEvent takes the center's coaching events about a call.
func (s *Server) coachEvent(ev *minwon.Event) {
	if ev.Type != minwon.EventCoachStarted && ev.Type != minwon.EventCoachMode && ev.Type != minwon.EventCoachEnded {
		return
	}
	c := s.call(ev.ContactID)
	if c == nil {
		return
	}
	if ev.Type == minwon.EventCoachEnded {
		c.endCoach(ev.ActorID, false)
		return
	}
	var p minwon.Coaching
	if ev.Decode(&p) != nil || !p.Mode.Valid() {
		return
	}
	c.setCoach(ev.ActorID, p.Mode)
}

// setCoach puts a supervisor on the call in mode, or switches their mode.
func (c *call) setCoach(user string, mode minwon.CoachMode) {
	c.coach.mu.Lock()
	if co := c.coach.cur; co != nil && co.user == user {
		co.mu.Lock()
		co.mode.Store(&mode)
		co.voice = [2]samples{} // what was queued for the old mode is not said in the new
		co.mu.Unlock()
		c.coach.mu.Unlock()
		c.log.Info("coaching mode", "supervisor", user, "mode", mode)
		return
	}
	old := c.coach.cur
	ctx, cancel := context.WithCancel(c.d.Context()) // the caller hanging up ends it
	co := &coaching{user: user, slot: &c.coach, ctx: ctx, cancel: cancel, finished: make(chan struct{})}
	co.mode.Store(&mode)
	c.coach.cur = co
	c.coach.mu.Unlock()
	if old != nil { // the center allows one; a stale one goes
		c.coach.on.CompareAndSwap(old, nil)
		old.cancel()
	}
	go c.runCoach(co)
}

// endCoach takes user (any, when empty) off the call. wait waits until
// their leg is hung up; the bus must not.
func (c *call) endCoach(user string, wait bool) { c.coach.end(user, wait) }

// end takes the session of user (any, when empty) out of the slot and
// cancels it; wait waits until its leg is hung up.
func (sl *coachSlot) end(user string, wait bool) {
	sl.mu.Lock()
	co := sl.cur
	if co == nil || (user != "" && co.user != user) {
		sl.mu.Unlock()
		return
	}
	sl.cur = nil
	sl.on.CompareAndSwap(co, nil) // the straight copy is back from the next packet
	sl.mu.Unlock()
	co.cancel()
	if wait {
		<-co.finished
	}
}

// release takes co out of the slot once its leg is gone, and reports
// whether it was still there: false when it was ended (and recorded)
// from the center.
func (sl *coachSlot) release(co *coaching) bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.cur != co {
		return false
	}
	sl.cur = nil
	sl.on.CompareAndSwap(co, nil)
	return true
}

// runCoach rings the supervisor's phone the way a counselor's is rung,
// mixes them in while it is up, and hangs it up. A leg lost by no choice
// of the supervisor's is reported to the center, which stores coach.ended.
func (c *call) runCoach(co *coaching) {
	defer close(co.finished)
	reason := c.coachLeg(co)
	if !c.coach.release(co) || reason == "" {
		return // ended from the center: already recorded
	}
	c.log.Info("coaching ended", "supervisor", co.user, "reason", reason)
	if cc, ok := c.s.center.(coachCenter); ok {
		if err := cc.EndCoach(context.WithoutCancel(co.ctx), co.user, c.contactID, reason); err != nil {
			c.log.Info("coach.ended not recorded", "err", err)
		}
	}
}

// coachLeg runs the supervisor's leg until the session is cancelled (""),
// or returns why it ended on its own.
func (c *call) coachLeg(co *coaching) (reason string) {
	dial, via, ok := c.partyDialer(co, func() (func(context.Context) (Leg, error), string) { return c.dialer(co.user) })
	if !ok {
		return ""
	}
	if dial == nil {
		c.log.Info("supervisor has no phone to coach from", "supervisor", co.user)
		return "unreachable"
	}
	leg, err := dial(co.ctx)
	if err != nil {
		if co.ctx.Err() != nil {
			return ""
		}
		c.log.Warn("ring the supervisor", "supervisor", co.user, "via", via, "err", err)
		return "unreachable"
	}
	return c.partyLeg(co, leg, via)
}

// partyDialer works out how to ring a third party (dialer, with the
// bridge's codec) on the call's goroutine, where the call's dialog may be
// read. ok false: the session ended first.
func (c *call) partyDialer(co *coaching, dialer func() (func(context.Context) (Leg, error), string)) (dial func(context.Context) (Leg, error), via string, ok bool) {
	type dialInfo struct {
		dial func(context.Context) (Leg, error)
		via  string
		pt   uint8
	}
	got := make(chan dialInfo, 1)
	c.tasks.push(func(context.Context) {
		dial, via := dialer()
		props := diago.MediaProps{}
		c.d.AudioWriter(diago.WithAudioWriterMediaProps(&props))
		got <- dialInfo{dial, via, props.Codec.PayloadType}
	})
	select {
	case info := <-got:
		co.pt = info.pt
		return info.dial, info.via, true
	case <-co.ctx.Done():
		return nil, "", false
	}
}

// partyLeg mixes an answered third party's leg in while it is up and the
// session on, then hangs it up: "" when the session ended, else why the
// leg did.
func (c *call) partyLeg(co *coaching, leg Leg, via string) (reason string) {
	legPT, ok := payloadType(leg.Codec())
	if !ok {
		c.log.Warn("the third party's phone speaks no G.711", "party", co.user, "codec", leg.Codec())
		reason = "unreachable"
	} else {
		reason = co.mixIn(c, leg, legPT, via)
	}
	leg.Stop()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(co.ctx), 5*time.Second)
	leg.Hangup(hctx)
	cancel()
	return reason
}

// mixIn mixes the supervisor in while the leg is up and the session on.
func (co *coaching) mixIn(c *call, leg Leg, legPT uint8, via string) (reason string) {
	co.legPT = legPT
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); co.listen(leg) }()
	go func() { defer wg.Done(); co.speak(leg) }()
	co.slot.mu.Lock()
	mixed := co.slot.cur == co
	if mixed {
		co.slot.on.Store(co)
	}
	co.slot.mu.Unlock()
	c.log.Info("mixed in", "party", co.user, "via", via, "mode", *co.mode.Load())
	if mixed && co.joined != nil {
		co.joined(via)
	}
	select {
	case <-leg.Done():
		reason = "hung_up"
	case <-co.ctx.Done():
	}
	co.slot.on.CompareAndSwap(co, nil)
	co.cancel() // ends listen
	leg.Stop()  // ends speak
	wg.Wait()
	return reason
}

func payloadType(codec string) (uint8, bool) {
	switch codec {
	case "PCMU":
		return recording.PayloadPCMU, true
	case "PCMA":
		return recording.PayloadPCMA, true
	}
	return 0, false
}

// into reports whether the supervisor's voice goes into direction dir.
func (co *coaching) into(dir int) bool {
	switch *co.mode.Load() {
	case minwon.CoachBarge:
		return true
	case minwon.CoachWhisper:
		return dir == fromCaller
	}
	return false
}

// listen feeds the supervisor's leg the caller and the counselor mixed,
// every 20 ms, until the session ends.
func (co *coaching) listen(leg Leg) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	frame := make([]int16, coachFrame)
	other := make([]int16, coachFrame)
	var out []byte
	for {
		select {
		case <-co.ctx.Done():
			return
		case <-t.C:
		}
		co.mu.Lock()
		co.ear[fromCaller].pull(frame)
		co.ear[fromCounselor].pull(other)
		co.mu.Unlock()
		recording.AddClipped(frame, other)
		out = recording.EncodeG711(out[:0], co.legPT, frame)
		if _, err := leg.Write(out); err != nil {
			return
		}
	}
}

// speak reads the supervisor's voice and queues it for the directions
// their mode reaches, until the leg stops.
func (co *coaching) speak(leg Leg) {
	buf := make([]byte, 1500)
	var pcm []int16
	for {
		n, err := leg.Read(buf)
		if err != nil {
			return
		}
		pcm, _ = recording.DecodeG711(pcm[:0], co.legPT, buf[:n])
		co.mu.Lock()
		for dir := range co.voice {
			if co.into(dir) {
				co.voice[dir].push(pcm)
			}
		}
		co.mu.Unlock()
	}
}

// pass carries one bridge payload of direction dir to w: for the
// supervisor's ear, and with their voice mixed in where their mode
// reaches.
func (co *coaching) pass(dir int, w io.Writer, b []byte) (int, error) {
	pcm, ok := recording.DecodeG711(co.pcm[dir][:0], co.pt, b)
	co.pcm[dir] = pcm
	if !ok {
		return w.Write(b)
	}
	mix := co.into(dir)
	if mix {
		co.mix[dir] = slices.Grow(co.mix[dir][:0], len(pcm))[:len(pcm)] // pull fills it all
	}
	co.mu.Lock()
	co.ear[dir].push(pcm)
	if mix {
		co.voice[dir].pull(co.mix[dir])
	}
	co.mu.Unlock()
	if !mix {
		return w.Write(b)
	}
	recording.AddClipped(co.mix[dir], pcm)
	co.out[dir] = recording.EncodeG711(co.out[dir][:0], co.pt, co.mix[dir])
	if _, err := w.Write(co.out[dir]); err != nil {
		return 0, err
	}
	return len(b), nil
}

// coached puts the coaching mix into one direction of the bridge.
func (c *call) coached(dir int, w io.Writer) io.Writer {
	return &coachWriter{w: w, slot: &c.coach, dir: dir}
}

// interpreted puts an interpreter's voice into one direction of the
// bridge (conference.go).
func (c *call) interpreted(dir int, w io.Writer) io.Writer {
	return &coachWriter{w: w, slot: &c.interp, dir: dir}
}

type coachWriter struct {
	w    io.Writer
	slot *coachSlot
	dir  int
}

func (t *coachWriter) Write(b []byte) (int, error) {
	if co := t.slot.on.Load(); co != nil {
		return co.pass(t.dir, t.w, b)
	}
	return t.w.Write(b)
}

// samples is a bounded queue of PCM samples.
type samples []int16

// push appends s, dropping the oldest beyond coachBuffer.
func (q *samples) push(s []int16) {
	*q = append(*q, s...)
	if over := len(*q) - coachBuffer; over > 0 {
		*q = append((*q)[:0], (*q)[over:]...)
	}
}

// pull fills dst from the front of the queue, silence where it runs out.
func (q *samples) pull(dst []int16) {
	n := copy(dst, *q)
	clear(dst[n:])
	*q = append((*q)[:0], (*q)[n:]...)
}
