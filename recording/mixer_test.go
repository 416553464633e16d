package recording

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

const ms20 = 20 * time.Millisecond

// frames returns one channel's samples from a stereo WAV.
func channel(wav []byte, ch int) []int16 {
	data := wav[WAVHeaderSize:]
	out := make([]int16, len(data)/4)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(data[4*i+2*ch:]))
	}
	return out
}

func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s/float64(len(x))) / 32768
}

func TestMixerPutsEachSideOnItsChannel(t *testing.T) {
	citizen := &toneStream{freq: 1000, amp: 0.5, pt: PayloadPCMU, ts: 12345}
	counselor := &toneStream{freq: 400, amp: 0.3, pt: PayloadPCMA, ts: 4_000_000_000}
	wav, st := mixToWAV(t, Options{}, func(m *Mixer) {
		for i := range 100 { // 2 s
			at := t0.Add(time.Duration(i) * ms20)
			mustWrite(t, m, Citizen, citizen.next(at))
			mustWrite(t, m, Counselor, counselor.next(at.Add(3*time.Millisecond)))
		}
	})
	rep, err := Analyze(bytes.NewReader(wav), 1000, 400)
	if err != nil {
		t.Fatal(err)
	}
	// The counselor's stream is anchored 3 ms (24 samples) after the citizen's.
	if rep.Format != Stereo || rep.Frames != 2*SampleRate+24 {
		t.Fatalf("format %+v, %d frames; want stereo, 16024", rep.Format, rep.Frames)
	}
	left, right := rep.Channels[Citizen], rep.Channels[Counselor]
	if left.Dominant != 1000 || right.Dominant != 400 {
		t.Fatalf("dominant: left %v Hz, right %v Hz; want 1000 and 400", left.Dominant, right.Dominant)
	}
	if a := left.Tones[1000]; math.Abs(a-0.5) > 0.03 {
		t.Errorf("left 1 kHz amplitude %.3f, want 0.5", a)
	}
	if a := right.Tones[1000]; a > 0.01 {
		t.Errorf("1 kHz leaks into the counselor channel: %.3f", a)
	}
	if a := right.Tones[400]; math.Abs(a-0.3) > 0.03 {
		t.Errorf("right 400 Hz amplitude %.3f, want 0.3", a)
	}
	if st.Packets != 200 || st.Late != 0 || st.Resyncs != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestMixerAlignsSidesByArrival(t *testing.T) {
	citizen := &toneStream{freq: 1000, amp: 0.5, ts: 7}
	counselor := &toneStream{freq: 1000, amp: 0.5, ts: 999_999}
	wav, _ := mixToWAV(t, Options{}, func(m *Mixer) {
		for i := range 100 {
			at := t0.Add(time.Duration(i) * ms20)
			mustWrite(t, m, Citizen, citizen.next(at))
			if i >= 25 { // the counselor answers 500 ms in
				mustWrite(t, m, Counselor, counselor.next(at))
			}
		}
	})
	right := channel(wav, int(Counselor))
	if r := rms(right[:4000]); r != 0 {
		t.Errorf("counselor channel before they spoke: rms %.4f, want silence", r)
	}
	if r := rms(right[4000:]); r < 0.3 {
		t.Errorf("counselor channel after 500 ms: rms %.4f, want the tone", r)
	}
	if len(right) != 16000 {
		t.Errorf("%d frames, want 16000", len(right))
	}
}

func TestMixerFillsLostPacketsWithSilence(t *testing.T) {
	citizen := &toneStream{freq: 1000, amp: 0.5}
	wav, _ := mixToWAV(t, Options{}, func(m *Mixer) {
		for i := range 100 {
			if i >= 40 && i < 50 { // 200 ms lost
				citizen.skip(1)
				continue
			}
			mustWrite(t, m, Citizen, citizen.next(t0.Add(time.Duration(i)*ms20)))
		}
	})
	left := channel(wav, int(Citizen))
	if len(left) != 16000 {
		t.Fatalf("%d frames, want 16000 (the gap keeps its length)", len(left))
	}
	if r := rms(left[40*160 : 50*160]); r != 0 {
		t.Errorf("gap rms %.4f, want silence", r)
	}
	if r := rms(left[50*160:]); r < 0.3 {
		t.Errorf("after the gap rms %.4f", r)
	}
}

func TestMixerUnwrapsTimestamps(t *testing.T) {
	citizen := &toneStream{freq: 1000, amp: 0.5, ts: math.MaxUint32 - 800}
	wav, st := mixToWAV(t, Options{}, func(m *Mixer) {
		for i := range 50 {
			mustWrite(t, m, Citizen, citizen.next(t0.Add(time.Duration(i)*ms20)))
		}
	})
	if n := len(channel(wav, 0)); n != 8000 || st.Resyncs != 0 {
		t.Fatalf("%d frames, %d resyncs; want 8000 and 0 across the wrap", n, st.Resyncs)
	}
}

func TestMixerResyncsAfterFrozenTimestamps(t *testing.T) {
	// Some phones keep the timestamp still while on hold; the 3 s of hold
	// must stay 3 s of silence, not vanish.
	citizen := &toneStream{freq: 1000, amp: 0.5}
	wav, st := mixToWAV(t, Options{}, func(m *Mixer) {
		for i := range 50 {
			mustWrite(t, m, Citizen, citizen.next(t0.Add(time.Duration(i)*ms20)))
		}
		resume := t0.Add(4 * time.Second)
		for i := range 50 {
			mustWrite(t, m, Citizen, citizen.next(resume.Add(time.Duration(i)*ms20)))
		}
	})
	left := channel(wav, 0)
	if len(left) != 5*SampleRate || st.Resyncs != 1 {
		t.Fatalf("%d frames, %d resyncs; want %d and 1", len(left), st.Resyncs, 5*SampleRate)
	}
	if r := rms(left[SampleRate : 4*SampleRate]); r != 0 {
		t.Errorf("hold rms %.4f, want silence", r)
	}
}

func TestMixerLatePackets(t *testing.T) {
	citizen := &toneStream{freq: 1000, amp: 0.5}
	var held, tooLate Packet
	wav, st := mixToWAV(t, Options{Window: 500 * time.Millisecond}, func(m *Mixer) {
		for i := range 100 {
			at := t0.Add(time.Duration(i) * ms20)
			p := citizen.next(at)
			switch i {
			case 10:
				held = p // reordered: arrives 100 ms late, inside the window
				continue
			case 20:
				tooLate = p // arrives 1 s late, after its place was written
				continue
			case 15:
				held.Arrival = at
				mustWrite(t, m, Citizen, held)
			case 70:
				tooLate.Arrival = at
				mustWrite(t, m, Citizen, tooLate)
			}
			mustWrite(t, m, Citizen, p)
		}
	})
	left := channel(wav, 0)
	if r := rms(left[10*160 : 11*160]); r < 0.3 {
		t.Errorf("reordered packet missing: rms %.4f", r)
	}
	if r := rms(left[20*160 : 21*160]); r != 0 {
		t.Errorf("packet later than the window was placed: rms %.4f", r)
	}
	if st.Late != 1 || st.Packets != 99 {
		t.Errorf("stats %+v, want 1 late and 99 placed", st)
	}
}

func TestMixerInput(t *testing.T) {
	m := NewMixer(&bytes.Buffer{}, Options{})
	t.Run("IgnoresTelephoneEvents", func(t *testing.T) {
		if err := m.Write(Citizen, Packet{PayloadType: 101, Payload: []byte{1, 2, 3, 4}, Arrival: t0}); err != nil {
			t.Fatal(err)
		}
		if m.Stats().Ignored != 1 {
			t.Fatal("not counted as ignored")
		}
	})
	t.Run("RejectsOversizedPayload", func(t *testing.T) {
		err := m.Write(Citizen, Packet{Payload: make([]byte, MaxPayload+1), Arrival: t0})
		if minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("RejectsUnknownSide", func(t *testing.T) {
		if err := m.Write(Side(2), Packet{Payload: []byte{0xff}, Arrival: t0}); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("StopsAtMaxDuration", func(t *testing.T) {
		m := NewMixer(&bytes.Buffer{}, Options{MaxDuration: time.Second})
		s := &toneStream{freq: 1000, amp: 0.5}
		var err error
		for i := 0; i < 60 && err == nil; i++ {
			err = m.Write(Citizen, s.next(t0.Add(time.Duration(i)*ms20)))
		}
		if minwon.ErrorCode(err) != minwon.ETOOLARGE {
			t.Fatalf("got %v, want too_large", err)
		}
	})
	t.Run("SinkErrorSticks", func(t *testing.T) {
		boom := errors.New("disk full")
		m := NewMixer(failWriter{boom}, Options{Window: 100 * time.Millisecond}) // raised to 400 ms
		s := &toneStream{freq: 1000, amp: 0.5}
		var err error
		for i := 0; i < 60 && err == nil; i++ {
			err = m.Write(Citizen, s.next(t0.Add(time.Duration(i)*ms20)))
		}
		if !errors.Is(err, boom) || !errors.Is(m.Close(), boom) {
			t.Fatalf("got %v", err)
		}
	})
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// countingWriter records how much was written, to show the mixer streams.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestMixerStreamsInsteadOfBuffering(t *testing.T) {
	sink := &countingWriter{}
	m := NewMixer(sink, Options{})
	a := &toneStream{freq: 1000, amp: 0.5}
	b := &toneStream{freq: 400, amp: 0.5}
	for i := range 30_000 { // ten minutes
		at := t0.Add(time.Duration(i) * ms20)
		mustWrite(t, m, Citizen, a.next(at))
		mustWrite(t, m, Counselor, b.next(at))
		// Everything older than the one-second window is already written.
		if placed := int64(i+1) * 160 * 4; sink.n < placed-SampleRate*4 {
			t.Fatalf("after %d packets only %d of %d bytes written", i+1, sink.n, placed)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if sink.n != 30_000*160*4 {
		t.Fatalf("wrote %d bytes, want %d", sink.n, 30_000*160*4)
	}
}
