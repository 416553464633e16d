package recording

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/minwon/minwon"
	"github.com/zaf/g711"
)

// SampleRate is the rate of every recording: G.711 narrowband.
const SampleRate = 8000

// Side is one party of a call, and the stereo channel it is recorded on.
type Side int

// Sides. The citizen is on the left channel, the counselor on the right.
const (
	Citizen   Side = 0
	Counselor Side = 1
)

func (s Side) String() string {
	switch s {
	case Citizen:
		return "citizen"
	case Counselor:
		return "counselor"
	}
	return fmt.Sprintf("side(%d)", int(s))
}

// RTP static payload types for G.711 (RFC 3551).
const (
	PayloadPCMU uint8 = 0
	PayloadPCMA uint8 = 8
)

// Packet is one RTP packet's media as the recorder needs it.
type Packet struct {
	PayloadType uint8
	Timestamp   uint32 // RTP timestamp, 8 kHz units
	// Arrival is when the packet reached us. It anchors each stream to the
	// call's timeline and resynchronises after hold or an SSRC change.
	Arrival time.Time
	Payload []byte
}

// MaxPayload is the largest payload accepted: 200 ms of G.711.
const MaxPayload = 1600

// MixerStats counts what the mixer did with packets.
type MixerStats struct {
	Packets  int // placed on the timeline
	Late     int // arrived after their place was written out; dropped
	Ignored  int // not G.711 (telephone-event, comfort noise); skipped
	Resyncs  int // timestamp jumps re-anchored on arrival time
	Samples  int64
	Duration time.Duration
}

// Options tune a Mixer. The zero value uses the defaults.
type Options struct {
	// Window is how much audio per side is held before it is written: how
	// late a packet may be and still be placed. Default 1 s.
	Window time.Duration
	// Resync is how far a packet's timestamp may disagree with its arrival
	// before the stream is re-anchored on arrival. Default 2 s.
	Resync time.Duration
	// MaxDuration ends recording with an error beyond this call length.
	// Default 12 h.
	MaxDuration time.Duration
}

type stream struct {
	started bool
	lastTS  uint32
	ext     int64 // extended (unwrapped) timestamp of lastTS
	offset  int64 // sample position = ext + offset
}

// Mixer aligns two G.711 RTP streams on one timeline and writes interleaved
// 16-bit little-endian stereo PCM to its sink as the window fills. Gaps on
// either side are silence. It is not safe for concurrent use; a call's media
// loop owns it.
type Mixer struct {
	sink       io.Writer
	window     int64
	resync     int64
	maxSamples int64
	start      time.Time
	started    bool
	base       int64 // sample position of buf[0]; everything before is written
	head       int64 // one past the last sample placed on either side
	buf        [2][]int16
	out        []byte
	streams    [2]stream
	stats      MixerStats
	err        error
	closed     bool
}

// flushFrames bounds one write to the sink (and the output buffer): 128 ms.
const flushFrames = 1024

// NewMixer returns a mixer writing stereo PCM to sink.
func NewMixer(sink io.Writer, opt Options) *Mixer {
	if opt.Window <= 0 {
		opt.Window = time.Second
	}
	if opt.Resync <= 0 {
		opt.Resync = 2 * time.Second
	}
	if opt.MaxDuration <= 0 {
		opt.MaxDuration = 12 * time.Hour
	}
	// A packet must fit in the ring in one piece.
	w := max(samples(opt.Window), 2*MaxPayload)
	return &Mixer{
		sink:       sink,
		window:     w,
		resync:     samples(opt.Resync),
		maxSamples: samples(opt.MaxDuration),
		buf:        [2][]int16{make([]int16, w), make([]int16, w)},
		out:        make([]byte, 0, 4*flushFrames),
	}
}

func samples(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }

// Write places one packet of side's stream on the timeline. Packets that are
// not G.711 are skipped; packets too late to place are dropped and counted.
// An error from the sink stops the mixer and is returned from then on.
func (m *Mixer) Write(side Side, p Packet) error {
	if m.err != nil {
		return m.err
	}
	if m.closed {
		return minwon.Errorf(minwon.EINVALID, "recording: write after close")
	}
	if side != Citizen && side != Counselor {
		return minwon.Errorf(minwon.EINVALID, "recording: unknown side %d", int(side))
	}
	var table *[256]int16
	switch p.PayloadType {
	case PayloadPCMU:
		table = &ulaw
	case PayloadPCMA:
		table = &alaw
	default:
		m.stats.Ignored++
		return nil
	}
	if len(p.Payload) > MaxPayload {
		return minwon.Errorf(minwon.EINVALID, "recording: %s payload of %d bytes exceeds %d", side, len(p.Payload), MaxPayload)
	}
	if len(p.Payload) == 0 {
		return nil
	}
	if !m.started {
		m.started, m.start = true, p.Arrival
	}
	pos := m.place(side, p)
	end := pos + int64(len(p.Payload))
	if end > m.maxSamples {
		m.err = minwon.Errorf(minwon.ETOOLARGE, "recording: call longer than %s", time.Duration(m.maxSamples)*time.Second/SampleRate)
		return m.err
	}
	if pos < m.base {
		// Part of it was already written out. Keep what still fits.
		if end <= m.base {
			m.stats.Late++
			return nil
		}
		p.Payload = p.Payload[m.base-pos:]
		pos = m.base
	}
	if end > m.base+m.window {
		if err := m.flush(end - m.window); err != nil {
			return err
		}
	}
	// The packet lands in the ring in at most two contiguous pieces.
	b := m.buf[side]
	i := m.index(pos)
	first := min(int64(len(p.Payload)), m.window-i)
	decodeInto(b[i:i+first], p.Payload[:first], table)
	decodeInto(b[:int64(len(p.Payload))-first], p.Payload[first:], table)
	m.head = max(m.head, end)
	m.stats.Packets++
	return nil
}

// G.711 decoding tables, filled once from g711 so the per-sample work is a
// load.
var ulaw, alaw [256]int16

func init() {
	for i := range 256 {
		ulaw[i] = g711.DecodeUlawFrame(uint8(i))
		alaw[i] = g711.DecodeAlawFrame(uint8(i))
	}
}

func decodeInto(dst []int16, src []byte, table *[256]int16) {
	for i, c := range src[:len(dst)] {
		dst[i] = table[c]
	}
}

// index maps a timeline position inside the window to the ring buffer.
func (m *Mixer) index(pos int64) int64 { return pos % m.window }

// place returns the timeline position of p's first sample, re-anchoring the
// stream on arrival time at its first packet and after a timestamp jump.
func (m *Mixer) place(side Side, p Packet) int64 {
	s := &m.streams[side]
	expected := samples(p.Arrival.Sub(m.start))
	if !s.started {
		s.started, s.lastTS, s.ext = true, p.Timestamp, int64(p.Timestamp)
		s.offset = expected - s.ext
		return expected
	}
	// RTP timestamps wrap at 2^32; a signed difference unwraps them.
	s.ext += int64(int32(p.Timestamp - s.lastTS))
	s.lastTS = p.Timestamp
	pos := s.ext + s.offset
	if d := pos - expected; d > m.resync || d < -m.resync {
		s.offset = expected - s.ext
		m.stats.Resyncs++
		pos = expected
	}
	return max(pos, 0)
}

// flush writes out the timeline up to (not including) position to, filling
// what no packet covered with silence.
func (m *Mixer) flush(to int64) error {
	for m.base < to {
		n := min(to-m.base, m.window-m.index(m.base), flushFrames)
		i0 := m.index(m.base)
		m.out = m.out[:4*n]
		left, right := m.buf[Citizen][i0:i0+n], m.buf[Counselor][i0:i0+n]
		for i := range left {
			binary.LittleEndian.PutUint16(m.out[4*i:], uint16(left[i]))
			binary.LittleEndian.PutUint16(m.out[4*i+2:], uint16(right[i]))
		}
		clear(left)
		clear(right)
		if _, err := m.sink.Write(m.out); err != nil {
			m.err = fmt.Errorf("recording: write audio: %w", err)
			return m.err
		}
		m.base += n
		m.stats.Samples += n
	}
	m.head = max(m.head, m.base)
	return nil
}

// Close writes out everything placed so far. It does not close the sink.
func (m *Mixer) Close() error {
	if m.closed {
		return m.err
	}
	m.closed = true
	if m.err != nil {
		return m.err
	}
	return m.flush(m.head)
}

// Stats reports what the mixer has done so far.
func (m *Mixer) Stats() MixerStats {
	s := m.stats
	s.Duration = time.Duration(s.Samples) * time.Second / SampleRate
	return s
}
