package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/recording"
)

// callRecording is one call's recording: both audio streams into a sealed
// file. The taps call it from the goroutines that already move the audio
// (the key reader or the bridge for the caller's side; the prompt player
// or the bridge for ours), so it takes a lock per packet and no goroutine
// or allocation of its own.
type callRecording struct {
	meta minwon.Recording
	f    *os.File
	now  func() time.Time // arrival times: the wall clock, as RTP arrives by it

	mu     sync.Mutex
	rec    *recording.Call
	closed bool
	err    error // the first write error; recording stopped
	// Our side is written by us, so its timestamps are ours: they run on
	// with the samples and jump where we were silent.
	ts      uint32
	next    time.Time // when the next of our samples is due if we keep on
	started time.Time
}

// startRecording opens the call's recording file at the notice. A failure
// is logged and the call goes on unrecorded: the citizen must not lose the
// call over a disk problem.
func (c *call) startRecording(ctx context.Context) {
	if c.s.cfg.RecordingDir == "" || c.s.cfg.RecordingKeys == nil || c.rec.Load() != nil {
		return
	}
	now := c.s.cfg.Now()
	id := minwon.NewID()
	name := path.Join(now.UTC().Format("20060102"), id+".mwr")
	root, err := os.OpenRoot(c.s.cfg.RecordingDir)
	if err == nil {
		defer root.Close()
		if err = root.MkdirAll(path.Dir(name), 0o700); err == nil {
			var f *os.File
			if f, err = root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				var rc *recording.Call
				if rc, err = recording.NewCall(f, c.s.cfg.RecordingKeys, recording.Options{}); err == nil {
					r := &callRecording{f: f, rec: rc, now: time.Now, started: time.Now(), meta: minwon.Recording{
						ID: id, TenantID: c.tenant, CallID: c.callID, File: name,
						KeyID: c.s.cfg.RecordingKeys.Current(), Started: now.UTC(),
					}}
					c.rec.Store(r)
					c.log.Info("recording started", "recording", id)
					// Stored now, so a crash before the call is queued still
					// leaves a recording to recover.
					meta := r.meta
					if err := c.s.center.RecordingStarted(context.WithoutCancel(ctx), &meta); err != nil {
						c.log.Error("store recording.started", "recording", id, "err", err)
					}
					return
				}
				f.Close()
				root.Remove(name)
			}
		}
	}
	c.log.Error("call not recorded", "err", err)
}

// recordingQueued stores recording.started again once the call is a
// contact, so the recording is listed with it from now on.
func (c *call) recordingQueued(ctx context.Context) {
	r := c.rec.Load()
	if r == nil {
		return
	}
	r.mu.Lock()
	r.meta.ContactID = c.contactID
	meta := r.meta
	r.mu.Unlock()
	if err := c.s.center.RecordingStarted(context.WithoutCancel(ctx), &meta); err != nil {
		c.log.Error("store recording.started", "recording", meta.ID, "err", err)
	}
}

// stopRecording seals the file and stores recording.stored. Called once
// the call's media has stopped.
func (c *call) stopRecording(ctx context.Context) {
	r := c.rec.Load()
	if r == nil {
		return
	}
	r.mu.Lock()
	r.closed = true
	sum, err := r.rec.Close()
	r.mu.Unlock()
	err = errors.Join(err, r.f.Sync(), r.f.Close())
	if err != nil {
		c.log.Error("seal recording", "recording", r.meta.ID, "err", err)
		return // the file is recovered at the next start
	}
	meta := r.meta
	meta.ContactID = c.contactID
	meta.SHA256, meta.Size, meta.DurationMS, meta.KeyID = sum.SHA256, sum.Size, sum.Duration.Milliseconds(), sum.KeyID
	meta.Ended = c.s.cfg.Now().UTC()
	if err := c.s.center.RecordingStored(context.WithoutCancel(ctx), &meta); err != nil {
		c.log.Error("store recording.stored", "recording", meta.ID, "err", err)
		return
	}
	st := r.rec.Stats()
	c.log.Info("recording stored", "recording", meta.ID, "duration", sum.Duration, "size", sum.Size, "late", st.Late, "resyncs", st.Resyncs)
}

// citizen records one packet the caller sent.
func (r *callRecording) citizen(pt uint8, ts uint32, payload []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	r.fail(r.rec.Write(recording.Citizen, recording.Packet{PayloadType: pt, Timestamp: ts, Arrival: r.now(), Payload: payload}))
}

// ours records one packet we send the caller: a prompt, or the
// counselor's phone once bridged.
func (r *callRecording) ours(pt uint8, payload []byte) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	// Keep on from the last packet unless we were silent (or late) for more
	// than a few packets; then restart where the clock says.
	if d := now.Sub(r.next); d > 60*time.Millisecond || d < -60*time.Millisecond {
		r.ts = uint32(now.Sub(r.started) * recording.SampleRate / time.Second)
	}
	r.fail(r.rec.Write(recording.Counselor, recording.Packet{PayloadType: pt, Timestamp: r.ts, Arrival: now, Payload: payload}))
	r.ts += uint32(len(payload))
	r.next = now.Add(time.Duration(len(payload)) * time.Second / recording.SampleRate)
}

func (r *callRecording) fail(err error) {
	if err != nil && minwon.ErrorCode(err) != minwon.EINVALID {
		r.err = err // a sink error or the length limit: recording stops here
	}
}

// recordTaps puts the recording in the call's audio path: everything read
// from the caller and everything written to the caller passes through it.
// The taps pass audio on untouched and record only once startRecording
// has run. The caller's side also feeds call protection's listener
// (protect.go), so the taps are in place when either is on.
func (c *call) recordTaps() error {
	if (c.s.cfg.RecordingDir == "" || c.s.cfg.RecordingKeys == nil) && !c.s.listens() {
		return nil
	}
	m := c.d.Media()
	if m.RTPPacketReader == nil || m.RTPPacketWriter == nil {
		return fmt.Errorf("no RTP session to record")
	}
	r, err := c.d.AudioReader()
	if err != nil {
		return err
	}
	props := diago.MediaProps{}
	w, err := c.d.AudioWriter(diago.WithAudioWriterMediaProps(&props))
	if err != nil {
		return err
	}
	c.d.SetAudioReader(&tapReader{r: r, pr: m.RTPPacketReader, rec: &c.rec, hear: c.hear})
	c.d.SetAudioWriter(&tapWriter{w: w, pt: props.Codec.PayloadType, rec: &c.rec})
	return nil
}

// tapReader records the caller's payloads as they are read. The packet
// reader keeps the last packet's header, read in the same goroutine.
type tapReader struct {
	r    io.Reader
	pr   *media.RTPPacketReader
	rec  *atomic.Pointer[callRecording]
	hear func(pt uint8, payload []byte) // call protection's listener (protect.go)
}

func (t *tapReader) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	if n > 0 {
		h := t.pr.PacketHeader
		if r := t.rec.Load(); r != nil {
			r.citizen(h.PayloadType, h.Timestamp, b[:n])
		}
		t.hear(h.PayloadType, b[:n])
	}
	return n, err
}

// tapWriter records our payloads before they are sent.
type tapWriter struct {
	w   io.Writer
	pt  uint8
	rec *atomic.Pointer[callRecording]
}

func (t *tapWriter) Write(b []byte) (int, error) {
	if r := t.rec.Load(); r != nil {
		r.ours(t.pt, b)
	}
	return t.w.Write(b)
}
