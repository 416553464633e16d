package recording

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

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
