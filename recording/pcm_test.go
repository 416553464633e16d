package recording_test

import (
	"slices"
	"testing"

	"github.com/zaf/g711"

	"github.com/minwon/minwon/recording"
)

func TestAddClipped(t *testing.T) {
	for _, tc := range []struct {
		name          string
		dst, src, out []int16
	}{
		{"Sums", []int16{100, -200, 0}, []int16{50, 50, -7}, []int16{150, -150, -7}},
		{"ClipsHigh", []int16{30000, 32767}, []int16{5000, 1}, []int16{32767, 32767}},
		{"ClipsLow", []int16{-30000, -32768}, []int16{-5000, -1}, []int16{-32768, -32768}},
		{"ShortSourceLeavesTheRest", []int16{1, 2, 3}, []int16{10}, []int16{11, 2, 3}},
		{"LongSourceIsCut", []int16{1}, []int16{10, 20}, []int16{11}},
		{"Silence", []int16{7, -7}, nil, []int16{7, -7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recording.AddClipped(tc.dst, tc.src)
			if !slices.Equal(tc.dst, tc.out) {
				t.Fatalf("got %v, want %v", tc.dst, tc.out)
			}
		})
	}
}

func TestG711RoundTrip(t *testing.T) {
	pcm := []int16{0, 1000, -1000, 8000, -8000, 32000}
	for _, tc := range []struct {
		name   string
		pt     uint8
		encode func(int16) uint8
	}{
		{"PCMU", recording.PayloadPCMU, g711.EncodeUlawFrame},
		{"PCMA", recording.PayloadPCMA, g711.EncodeAlawFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := recording.EncodeG711(nil, tc.pt, pcm)
			for i, s := range pcm {
				if payload[i] != tc.encode(s) {
					t.Fatalf("sample %d encodes to %#x, want %#x", i, payload[i], tc.encode(s))
				}
			}
			back, ok := recording.DecodeG711(nil, tc.pt, payload)
			if !ok || len(back) != len(pcm) {
				t.Fatalf("decoded %d samples (ok %v), want %d", len(back), ok, len(pcm))
			}
			// G.711 is lossy: a sample comes back within its step.
			for i := range pcm {
				if d := int(back[i]) - int(pcm[i]); d > 1100 || d < -1100 {
					t.Fatalf("sample %d: %d came back as %d", i, pcm[i], back[i])
				}
			}
			// Re-encoding a decoded payload is exact: mixing silence in
			// changes nothing.
			if again := recording.EncodeG711(nil, tc.pt, back); !slices.Equal(again, payload) {
				t.Fatalf("re-encoded %x, want %x", again, payload)
			}
		})
	}
	t.Run("RefusesOtherPayloads", func(t *testing.T) {
		if _, ok := recording.DecodeG711(nil, 101, []byte{1, 2}); ok {
			t.Fatal("a telephone event decoded as voice")
		}
	})
}
