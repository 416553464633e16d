package recording

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

func TestWAVWriterFixesHeaderAtClose(t *testing.T) {
	f := &memFile{}
	w, err := NewWAVWriter(f, Stereo)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 1000))
	w.Write(make([]byte, 600))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := f.b
	if len(b) != 44+1600 || string(b[:4]) != "RIFF" || binary.LittleEndian.Uint32(b[4:]) != 36+1600 || binary.LittleEndian.Uint32(b[40:]) != 1600 {
		t.Fatalf("header % x", b[:44])
	}
	if binary.LittleEndian.Uint32(b[28:]) != 32000 || binary.LittleEndian.Uint16(b[32:]) != 4 {
		t.Fatalf("byte rate / block align wrong: % x", b[:44])
	}
}

// sineWAV builds a mono WAV with an extra LIST chunk before data.
func sineWAV(freq, amp float64, n int) []byte {
	var data []byte
	for i := range n {
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(amp*32767*math.Sin(2*math.Pi*freq*float64(i)/SampleRate))))
	}
	h := wavHeader(Mono, int64(len(data)))
	list := []byte("LIST\x04\x00\x00\x00INFO")
	riff := append([]byte{}, h[:36]...)
	binary.LittleEndian.PutUint32(riff[4:], uint32(36+len(list)+8+len(data)))
	out := append(riff, list...)
	out = append(out, h[36:]...)
	return append(out, data...)
}

func TestAnalyze(t *testing.T) {
	rep, err := Analyze(bytes.NewReader(sineWAV(1234, 0.25, 8000)), 1234, 1000)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Channels[0]
	if c.Dominant != 1234 {
		t.Errorf("dominant %v, want 1234", c.Dominant)
	}
	if math.Abs(c.Tones[1234]-0.25) > 0.005 || c.Tones[1000] > 0.01 {
		t.Errorf("tones %v", c.Tones)
	}
	if want := 0.25 / math.Sqrt2; math.Abs(c.RMS-want) > 0.002 {
		t.Errorf("rms %.4f, want %.4f", c.RMS, want)
	}
	t.Run("Silence", func(t *testing.T) {
		rep, _ := Analyze(bytes.NewReader(sineWAV(1000, 0, 800)))
		if rep.Channels[0].Dominant != 0 || rep.Channels[0].RMS != 0 {
			t.Fatalf("%+v", rep.Channels[0])
		}
	})
	for _, tc := range []struct{ name, in, want string }{
		{"Empty", "", "short header"},
		{"NotWAV", "OggS0000000000000000", "not a RIFF/WAVE"},
		{"NoData", "RIFF\x00\x00\x00\x00WAVE", "no data chunk"},
		{"Float", "RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x40\x1f\x00\x00\x00\x00\x00\x00\x04\x00\x20\x00", "format tag 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(strings.NewReader(tc.in))
			if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSegmentCutsBothChannels: a segment of a stereo recording is a WAV
// of its own holding exactly the frames between the bounds, left and right
// as they were, and bounds past the end stop at the end.
func TestSegmentCutsBothChannels(t *testing.T) {
	const frames = 3 * SampleRate
	var data []byte
	for i := range frames { // left counts up, right counts down: a frame out of place shows
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(i)))
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(-i)))
	}
	wav := append(wavHeader(Stereo, int64(len(data))), data...)
	cut := func(from, to time.Duration) ([]byte, time.Duration, time.Duration) {
		t.Helper()
		r, start, end, err := Segment(bytes.NewReader(wav), from, to)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b, start, end
	}
	seg, start, end := cut(500*time.Millisecond, 1250*time.Millisecond)
	if start != 500*time.Millisecond || end != 1250*time.Millisecond {
		t.Fatalf("cut %v to %v", start, end)
	}
	if binary.LittleEndian.Uint16(seg[22:]) != 2 || binary.LittleEndian.Uint32(seg[40:]) != uint32(len(seg)-WAVHeaderSize) {
		t.Fatalf("header % x", seg[:WAVHeaderSize])
	}
	left, right := channel(seg, 0), channel(seg, 1)
	if len(left) != 6000 || left[0] != 4000 || right[0] != -4000 || left[5999] != 9999 || right[5999] != -9999 {
		t.Fatalf("%d frames, first %d/%d, last %d/%d", len(left), left[0], right[0], left[len(left)-1], right[len(right)-1])
	}
	seg, start, end = cut(2*time.Second, time.Hour)
	if start != 2*time.Second || end != 3*time.Second || len(seg) != WAVHeaderSize+SampleRate*4 {
		t.Fatalf("past the end: %v to %v, %d bytes", start, end, len(seg))
	}
	if _, _, _, err := Segment(bytes.NewReader(wav), time.Second, 0); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Fatalf("reversed bounds: %v", err)
	}
}
