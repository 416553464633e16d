package recording

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/minwon/minwon"
)

// Format is a PCM layout. Recordings are always Stereo.
type Format struct {
	Channels   int `json:"channels"`
	SampleRate int `json:"sample_rate"`
	Bits       int `json:"bits"`
}

// Stereo is the format of every call recording: 8 kHz, 16-bit, two channels.
var Stereo = Format{Channels: 2, SampleRate: SampleRate, Bits: 16}

// Mono is 8 kHz 16-bit one channel: prompts and voicemail.
var Mono = Format{Channels: 1, SampleRate: SampleRate, Bits: 16}

// WAVHeaderSize is the size of the canonical header this package writes.
const WAVHeaderSize = 44

// maxWAVData is the largest data chunk a RIFF header can describe.
const maxWAVData = math.MaxUint32 - 36

func (f Format) blockAlign() int { return f.Channels * f.Bits / 8 }

// wavHeader returns the canonical 44-byte header for dataSize bytes of PCM.
func wavHeader(f Format, dataSize int64) []byte {
	h := make([]byte, 0, WAVHeaderSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(36+dataSize))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, uint16(f.Channels))
	h = binary.LittleEndian.AppendUint32(h, uint32(f.SampleRate))
	h = binary.LittleEndian.AppendUint32(h, uint32(f.SampleRate*f.blockAlign()))
	h = binary.LittleEndian.AppendUint16(h, uint16(f.blockAlign()))
	h = binary.LittleEndian.AppendUint16(h, uint16(f.Bits))
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(dataSize))
	return h
}

// WAVWriter writes a plain (unencrypted) WAV file as PCM arrives: a
// placeholder header first, fixed at Close once the size is known. Use it
// for exports and test fixtures; call recordings at rest go through Writer.
type WAVWriter struct {
	ws     io.WriteSeeker
	format Format
	size   int64
	err    error
}

// NewWAVWriter writes the placeholder header to ws.
func NewWAVWriter(ws io.WriteSeeker, f Format) (*WAVWriter, error) {
	if _, err := ws.Write(wavHeader(f, 0)); err != nil {
		return nil, fmt.Errorf("write wav header: %w", err)
	}
	return &WAVWriter{ws: ws, format: f}, nil
}

// Write appends PCM.
func (w *WAVWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.size+int64(len(p)) > maxWAVData {
		w.err = minwon.Errorf(minwon.ETOOLARGE, "wav: data beyond 4 GiB")
		return 0, w.err
	}
	n, err := w.ws.Write(p)
	w.size += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Close rewrites the header with the final sizes. It does not close ws.
func (w *WAVWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.ws.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("fix wav header: %w", err)
	}
	if _, err := w.ws.Write(wavHeader(w.format, w.size)); err != nil {
		return fmt.Errorf("fix wav header: %w", err)
	}
	_, err := w.ws.Seek(0, io.SeekEnd)
	return err
}

// ChannelReport is what Analyze measured on one channel.
type ChannelReport struct {
	// RMS is the root mean square level, 1.0 being a full-scale square wave.
	RMS float64 `json:"rms"`
	// Tones maps each requested frequency to the amplitude of that tone
	// (Goertzel), 1.0 being a full-scale sine.
	Tones map[float64]float64 `json:"tones,omitempty"`
	// Dominant is the strongest frequency in 50–3950 Hz, to 1 Hz, or 0 on
	// silence.
	Dominant float64 `json:"dominant"`
}

// Report is Analyze's result.
type Report struct {
	Format   Format          `json:"format"`
	Frames   int64           `json:"frames"`
	Channels []ChannelReport `json:"channels"`
}

// Goertzel filter state for one frequency on one channel.
type goertzel struct {
	coeff, s1, s2 float64
}

func (g *goertzel) push(x float64) {
	s := x + g.coeff*g.s1 - g.s2
	g.s2, g.s1 = g.s1, s
}

// amplitude of the tone over n samples (2|X|/n for a sine of amplitude A).
func (g *goertzel) amplitude(n int64) float64 {
	p := g.s1*g.s1 + g.s2*g.s2 - g.coeff*g.s1*g.s2
	return 2 * math.Sqrt(max(p, 0)) / float64(n)
}

func newGoertzel(freq float64, rate int) goertzel {
	return goertzel{coeff: 2 * math.Cos(2*math.Pi*freq/float64(rate))}
}

// Scan grid for Dominant: coarse every 25 Hz, then 1 Hz around the peak.
// The refinement needs the samples again, so Analyze keeps at most
// maxAnalyzeFrames of them (a minute at 8 kHz).
const (
	scanLow, scanHigh, scanStep = 50.0, 3950.0, 25.0
	maxAnalyzeFrames            = 60 * SampleRate
)

// Analyze reads a 16-bit PCM WAV (mono or stereo) and reports per-channel
// RMS, the amplitude of each requested tone and the dominant frequency. It
// reads at most a minute of audio; tests analyse short clips.
func Analyze(r io.Reader, tones ...float64) (Report, error) {
	br := bufio.NewReader(r)
	f, dataSize, err := readWAVHeader(br)
	if err != nil {
		return Report{}, err
	}
	frames := dataSize / int64(f.blockAlign())
	frames = min(frames, maxAnalyzeFrames)
	pcm := make([][]float64, f.Channels)
	for c := range pcm {
		pcm[c] = make([]float64, 0, frames)
	}
	frame := make([]byte, f.blockAlign())
	var n int64
	for ; n < frames; n++ {
		if _, err := io.ReadFull(br, frame); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // a header promising more than the file holds: use what is there
			}
			return Report{}, fmt.Errorf("read wav data: %w", err)
		}
		for c := range pcm {
			pcm[c] = append(pcm[c], float64(int16(binary.LittleEndian.Uint16(frame[2*c:])))/32768)
		}
	}
	rep := Report{Format: f, Frames: n, Channels: make([]ChannelReport, f.Channels)}
	for c, x := range pcm {
		rep.Channels[c] = analyzeChannel(x, f.SampleRate, tones)
	}
	return rep, nil
}

func analyzeChannel(x []float64, rate int, tones []float64) ChannelReport {
	var cr ChannelReport
	if len(x) == 0 {
		return cr
	}
	var sum float64
	for _, v := range x {
		sum += v * v
	}
	cr.RMS = math.Sqrt(sum / float64(len(x)))
	amp := func(freq float64) float64 {
		g := newGoertzel(freq, rate)
		for _, v := range x {
			g.push(v)
		}
		return g.amplitude(int64(len(x)))
	}
	if len(tones) > 0 {
		cr.Tones = map[float64]float64{}
		for _, t := range tones {
			cr.Tones[t] = amp(t)
		}
	}
	if cr.RMS < 1e-4 {
		return cr // silence has no dominant frequency
	}
	// Coarse scan on short blocks (main lobe ±40 Hz, so a 25 Hz grid cannot
	// step over a tone), then 1 Hz steps on one-second blocks.
	best := peak(x, rate, scanLow, min(scanHigh, float64(rate)/2-scanStep), scanStep, rate/40)
	cr.Dominant = peak(x, rate, best-scanStep, best+scanStep, 1, rate)
	return cr
}

// peak returns the frequency in [lo, hi] by step with the most energy,
// summing Goertzel power over consecutive blocks of the given length.
func peak(x []float64, rate int, lo, hi, step float64, block int) float64 {
	block = min(block, len(x))
	best, bestPow := lo, -1.0
	for f := lo; f <= hi; f += step {
		var pow float64
		for b := 0; b+block <= len(x); b += block {
			g := newGoertzel(f, rate)
			for _, v := range x[b : b+block] {
				g.push(v)
			}
			a := g.amplitude(int64(block))
			pow += a * a
		}
		if pow > bestPow {
			best, bestPow = f, pow
		}
	}
	return best
}

// readWAVHeader reads RIFF chunks up to the data chunk, skipping others
// (LIST, fact), and returns the format and the data chunk's size.
func readWAVHeader(r io.Reader) (Format, int64, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: short header")
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: not a RIFF/WAVE file")
	}
	var f Format
	for i := 0; i < 64; i++ {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: no data chunk")
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: fmt chunk of %d bytes", size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: short fmt chunk")
			}
			if tag := binary.LittleEndian.Uint16(b); tag != 1 {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: format tag %d, want PCM (1)", tag)
			}
			f = Format{
				Channels:   int(binary.LittleEndian.Uint16(b[2:])),
				SampleRate: int(binary.LittleEndian.Uint32(b[4:])),
				Bits:       int(binary.LittleEndian.Uint16(b[14:])),
			}
			if f.Bits != 16 || f.Channels < 1 || f.Channels > 2 || f.SampleRate < 1000 || f.SampleRate > 192000 {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: %+v unsupported; want 16-bit mono or stereo", f)
			}
		case "data":
			if f.Channels == 0 {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: data before fmt")
			}
			return f, size, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: short %q chunk", ch[0:4])
			}
		}
	}
	return Format{}, 0, minwon.Errorf(minwon.EINVALID, "wav: too many chunks before data")
}

// Segment returns the part [from, to) of a 16-bit PCM WAV as a WAV of its
// own, every channel kept: an incident's stretch of a call recording for an
// evidence bundle. It reads r as it is read, seeking past what comes before
// from. Bounds past the end stop at the end; the bounds as cut, on whole
// samples, are returned with it.
func Segment(r io.ReadSeeker, from, to time.Duration) (_ io.Reader, start, end time.Duration, _ error) {
	if from < 0 || to < from {
		return nil, 0, 0, minwon.Errorf(minwon.EINVALID, "wav: segment %v to %v", from, to)
	}
	f, size, err := readWAVHeader(r)
	if err != nil {
		return nil, 0, 0, err
	}
	data, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("wav: %w", err)
	}
	ba := int64(f.blockAlign())
	frames := size / ba
	at := func(d time.Duration) int64 { return min(int64(d)*int64(f.SampleRate)/int64(time.Second), frames) }
	first, last := at(from), at(to)
	if _, err := r.Seek(data+first*ba, io.SeekStart); err != nil {
		return nil, 0, 0, fmt.Errorf("wav: %w", err)
	}
	n := (last - first) * ba
	dur := func(fr int64) time.Duration { return time.Duration(fr * int64(time.Second) / int64(f.SampleRate)) }
	return io.MultiReader(bytes.NewReader(wavHeader(f, n)), io.LimitReader(r, n)), dur(first), dur(last), nil
}
