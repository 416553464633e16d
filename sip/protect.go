package sip

// Counselor protection on calls. The center decides (guard/policy through
// center.CounselorWarn, EndWithNotice, CitizenSaidAt, CallAgitation); this
// file is what the caller hears of it and what the center hears of the
// caller:
//
//   - incident.warned on a call's contact plays the scripted warning to the
//     caller. For its duration the warning replaces what the caller hears:
//     the counselor's audio from the bridge is dropped, not mixed, since
//     G.711 passes through the bridge untranscoded and two writers on one
//     RTP stream would garble both. The recording's right channel holds
//     the warning, as that is what the caller heard.
//   - incident.ended marks the call, so the goodbye the IVR plays when the
//     center then ends the contact is replaced by the closing notice; the
//     call is hung up after it, as after any goodbye.
//   - Outbound calls (outbound.go: a counselor calling out, a callback) get
//     all of it from the moment citizen and counselor are bridged; their
//     loop passes its inputs through protectInput as the IVR loop does.
//   - From the counselor's answer, the caller's audio (from the recording
//     tap, which every packet read from the caller passes) goes to the
//     speech recognizer, when one is configured, and to the agitation
//     detector. Neither may hold up the media path: the recognizer's
//     stream buffers and drops, and a detection is reported from a
//     goroutine of its own.

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/agitation"
	"github.com/minwon/minwon/asr"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/recording"
)

// warningPrompt is the announcement of warning n; a policy with more than
// two warnings repeats the second.
func warningPrompt(n int) ivr.Prompt {
	if n <= 1 {
		return ivr.ProtectWarning1
	}
	return ivr.ProtectWarning2
}

// closingPrompt is the notice that ends a call for the incident's reason.
func closingPrompt(e minwon.IncidentEnded) ivr.Prompt {
	switch {
	case e.Reason == "after_minutes":
		return ivr.ProtectClosingTime
	case e.Type == minwon.IncidentSexual:
		return ivr.ProtectClosingSexual
	}
	return ivr.ProtectClosing
}

// inputWarning is an input of this file's own in the call's inbox: the IVR
// machine does not know it, protectInput takes it first. Seq carries the
// warning's number.
const inputWarning ivr.InputKind = -1

// protectionCenter is what call protection needs of the center.
type protectionCenter interface {
	CitizenSaid(ctx context.Context, contactID, text string) error
	CitizenSaidAt(ctx context.Context, contactID, text string, from, to time.Duration) error
	CallAgitation(ctx context.Context, contactID string, a minwon.CallAgitation) error
}

var _ protectionCenter = (*center.Center)(nil)

// callProtection is a call's protection state, shared by the bus, the
// call's goroutine and the media path, hence atomics.
type callProtection struct {
	closing atomic.Pointer[ivr.Prompt] // set by incident.ended
	gen     atomic.Uint64              // announcements started
	playing atomic.Uint64              // the one playing now; 0 none
	listen  atomic.Pointer[listener]
}

// protectEvent takes the protection engine's events about a call.
func (s *Server) protectEvent(ev *minwon.Event) {
	if ev.Type != minwon.EventIncidentWarned && ev.Type != minwon.EventIncidentEnded {
		return
	}
	c := s.call(ev.ContactID)
	if c == nil {
		return
	}
	switch ev.Type {
	case minwon.EventIncidentWarned:
		var w minwon.IncidentWarned
		if ev.Decode(&w) == nil {
			c.inbox.push(ivr.Input{Kind: inputWarning, Seq: w.N})
		}
	case minwon.EventIncidentEnded:
		// Set before the contact.ended that follows it on the bus brings
		// the goodbye.
		var e minwon.IncidentEnded
		if ev.Decode(&e) == nil {
			p := closingPrompt(e)
			c.prot.closing.Store(&p)
		}
	}
}

// protectInput sees every input of the call before the IVR machine and
// reports whether it took it.
func (c *call) protectInput(ctx context.Context, in ivr.Input) bool {
	switch in.Kind {
	case inputWarning:
		c.announce(in.Seq)
		return true
	case ivr.InputAnswered:
		c.startListening(ctx)
	case ivr.InputEnded, ivr.InputHangup:
		c.stopListening()
	}
	return false
}

// announce plays warning n to the caller in place of the counselor: an
// inbound call once the IVR put it through, an outbound one once bridged
// (it has no IVR machine past the recording notice).
func (c *call) announce(n int) {
	switch {
	case c.talking, c.m.State() == ivr.StateConnected:
	case c.m.State() == ivr.StateConnecting:
		// Pressed while "connecting you" plays: cutting that prompt would
		// leave the machine waiting for its end, so the warning waits.
		time.AfterFunc(100*time.Millisecond, func() { c.inbox.push(ivr.Input{Kind: inputWarning, Seq: n}) })
		return
	default:
		c.log.Info("warning not played: the call is not in conversation", "state", c.m.State(), "warning", n)
		return
	}
	p := warningPrompt(n)
	au, ok := c.prompt(c.m.Lang(), p)
	if !ok {
		c.log.Warn("prompt missing", "prompt", p, "lang", c.m.Lang())
		return
	}
	g := c.prot.gen.Add(1)
	c.prot.playing.Store(g)
	c.player.play(0, []prompts.Audio{au}, false)
	done := c.player.current()
	go func() {
		if done != nil {
			<-done // finished, or cut off by the next play
		}
		c.prot.playing.CompareAndSwap(g, 0)
	}()
	c.log.Info("warning played", "warning", n, "prompt", p)
}

// current returns the channel closed when what plays now stops; nil when
// nothing plays. Called from the call's goroutine, the only one that plays.
func (p *player) current() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// closingNotice replaces the goodbye of a call the protection engine
// ended with the closing notice.
func (c *call) closingNotice(ps []ivr.Prompt) []ivr.Prompt {
	if c.m.State() != ivr.StateEnding || len(ps) != 1 {
		return ps
	}
	return []ivr.Prompt{c.farewell(ps[0])}
}

// farewell is the prompt that ends a call in place of p: the closing
// notice for the goodbye of a call the protection engine ended, else p.
// Inbound (the IVR's goodbye) and outbound (goodbye) calls share it.
func (c *call) farewell(p ivr.Prompt) ivr.Prompt {
	if cp := c.prot.closing.Load(); cp != nil && p == ivr.Goodbye {
		return *cp
	}
	return p
}

// gated drops the counselor's audio to the caller while a warning plays.
func (c *call) gated(w io.Writer) io.Writer {
	return &gateWriter{w: w, prot: &c.prot}
}

type gateWriter struct {
	w    io.Writer
	prot *callProtection
}

func (g *gateWriter) Write(b []byte) (int, error) {
	if g.prot.playing.Load() != 0 {
		return len(b), nil
	}
	return g.w.Write(b)
}

// listens reports whether the caller's audio is listened to at all.
func (s *Server) listens() bool {
	_, ok := s.center.(protectionCenter)
	return ok && (s.cfg.ASR != nil || s.cfg.Agitation.Window > 0)
}

// listener hears one answered call's caller: the recognizer's stream and
// the agitation detector. hear runs on the media path.
type listener struct {
	c       *call
	pc      protectionCenter
	ctx     context.Context
	contact string
	det     *agitation.Detector
	stream  *asr.Stream

	// Used only from the goroutine reading the caller's audio.
	samples []int16
	pcm     []byte

	stopOnce sync.Once
}

func (c *call) startListening(ctx context.Context) {
	pc, ok := c.s.center.(protectionCenter)
	if !ok || c.contactID == "" || c.prot.listen.Load() != nil || !c.s.listens() {
		return
	}
	l := &listener{c: c, pc: pc, ctx: context.WithoutCancel(ctx), contact: c.contactID}
	if c.s.cfg.Agitation.Window > 0 {
		det, err := agitation.New(c.s.cfg.Agitation)
		if err != nil {
			c.log.Warn("agitation detector off", "err", err)
		}
		l.det = det
	}
	if c.s.cfg.ASR != nil {
		l.stream = c.s.cfg.ASR.Open(ctx, c.log, l.said)
	}
	c.prot.listen.Store(l)
}

func (c *call) stopListening() {
	if l := c.prot.listen.Swap(nil); l != nil {
		l.stopOnce.Do(func() {
			if l.stream != nil {
				go func() { // the last result may take a moment; the call goes on
					l.stream.Close()
					if n := l.stream.Dropped(); n > 0 {
						l.c.log.Warn("speech recognizer lagged: audio dropped", "bytes", n)
					}
				}()
			}
		})
	}
}

// hear takes one packet the caller sent, from the recording tap.
func (c *call) hear(pt uint8, payload []byte) {
	if l := c.prot.listen.Load(); l != nil {
		l.hear(pt, payload)
	}
}

func (l *listener) hear(pt uint8, payload []byte) {
	from := len(l.samples)
	var ok bool
	// Telephone events and anything else but G.711 are not voice.
	if l.samples, ok = recording.DecodeG711(l.samples, pt, payload); !ok {
		return
	}
	if l.stream != nil {
		l.pcm = l.pcm[:0]
		for _, v := range l.samples[from:] {
			l.pcm = append(l.pcm, byte(v), byte(uint16(v)>>8))
		}
		l.stream.Write(l.pcm)
	}
	const perFrame = prompts.SampleRate / 50
	for len(l.samples) >= perFrame {
		if l.det != nil {
			if d, ok := l.det.Feed(l.samples[:perFrame]); ok {
				go l.agitated(d)
			}
		}
		l.samples = append(l.samples[:0], l.samples[perFrame:]...)
	}
}

// agitated reports a detection to the center.
func (l *listener) agitated(d agitation.Detection) {
	a := minwon.CallAgitation{Score: d.Score, LevelDB: d.Level, LoudMS: d.Loud.Milliseconds(), WindowMS: d.Window.Milliseconds(), OffsetMS: d.At.Milliseconds()}
	if err := l.pc.CallAgitation(l.ctx, l.contact, a); err != nil {
		l.c.log.Info("agitation not recorded", "err", err)
		return
	}
	l.c.log.Info("caller agitated", "score", d.Score, "level_dbfs", d.Level)
}

// said hands a transcript segment to the center as the caller's line, with
// its word timings when the recognizer gave them: both count from the
// counselor's answer, when the stream opened, so the center can point an
// incident at the right stretch of the recording.
func (l *listener) said(seg asr.Segment) {
	var err error
	if seg.End > 0 && seg.Start >= 0 && seg.End >= seg.Start {
		err = l.pc.CitizenSaidAt(l.ctx, l.contact, seg.Text, seg.Start, seg.End)
	} else {
		err = l.pc.CitizenSaid(l.ctx, l.contact, seg.Text)
	}
	if err != nil {
		l.c.log.Info("transcript segment not stored", "err", err)
	}
}
