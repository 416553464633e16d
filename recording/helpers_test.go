package recording

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zaf/g711"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// toneStream produces 20 ms G.711 packets of a sine wave.
type toneStream struct {
	freq, amp float64
	pt        uint8
	ts        uint32
	n         int // samples generated so far
}

func (s *toneStream) next(arrival time.Time) Packet {
	p := make([]byte, 160)
	for i := range p {
		v := int16(s.amp * 32767 * math.Sin(2*math.Pi*s.freq*float64(s.n+i)/SampleRate))
		if s.pt == PayloadPCMA {
			p[i] = g711.EncodeAlawFrame(v)
		} else {
			p[i] = g711.EncodeUlawFrame(v)
		}
	}
	pk := Packet{PayloadType: s.pt, Timestamp: s.ts, Arrival: arrival, Payload: p}
	s.ts += 160
	s.n += 160
	return pk
}

// skip advances the stream as if packets had been sent and lost.
func (s *toneStream) skip(packets int) {
	s.ts += uint32(160 * packets)
	s.n += 160 * packets
}

// memFile is an in-memory io.WriteSeeker + io.ReaderAt.
type memFile struct {
	b   []byte
	off int64
}

func (f *memFile) Write(p []byte) (int, error) {
	if need := f.off + int64(len(p)); need > int64(len(f.b)) {
		f.b = append(f.b, make([]byte, need-int64(len(f.b)))...)
	}
	copy(f.b[f.off:], p)
	f.off += int64(len(p))
	return len(p), nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 0:
		f.off = off
	case 1:
		f.off += off
	case 2:
		f.off = int64(len(f.b)) + off
	}
	return f.off, nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(f.b).ReadAt(p, off)
}

// mixToWAV runs packets through a Mixer into a plain WAV and returns its bytes.
func mixToWAV(t *testing.T, opt Options, feed func(m *Mixer)) ([]byte, MixerStats) {
	t.Helper()
	f := &memFile{}
	w, err := NewWAVWriter(f, Stereo)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMixer(w, opt)
	feed(m)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f.b, m.Stats()
}

func mustWrite(t *testing.T, m *Mixer, side Side, p Packet) {
	t.Helper()
	if err := m.Write(side, p); err != nil {
		t.Fatal(err)
	}
}

func testKeys(t testing.TB, spec string) *Keyring {
	t.Helper()
	k, err := ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const (
	keyA = "k2026a:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	keyB = "k2026b:ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=" // base64 of 0x21…0x40
)

func createFile(t testing.TB) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "call.mwrec"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
