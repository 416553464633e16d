package sip

import (
	"testing"

	"github.com/minwon/minwon/recording"
)

// TestLawTables: every payload byte of one G.711 law maps to the byte of
// the other law nearest in value, and a leg of another codec is refused.
func TestLawTables(t *testing.T) {
	pts := [2]uint8{recording.PayloadPCMU, recording.PayloadPCMA}
	value := func(pt uint8, b byte) int {
		s, _ := recording.DecodeG711(nil, pt, []byte{b})
		return int(s[0])
	}
	for from := range 2 {
		for to := range 2 {
			for i := range 256 {
				in := value(pts[from], byte(i))
				out := value(pts[to], lawTables[from][to][i])
				// The nearest code of the other law is within half its step,
				// which is at most 1/16 of the value (plus the smallest step).
				if d := max(in-out, out-in); d > abs(in)/16+16 {
					t.Fatalf("law %d→%d: byte %#x (%d) became %d", from, to, i, in, out)
				}
			}
		}
	}
	if _, err := inCodec(&fixedLeg{codec: "G722"}, "PCMU"); err == nil {
		t.Fatal("a G.722 leg was taken for a PCMU call")
	}
	if l, err := inCodec(&fixedLeg{codec: "PCMU"}, "PCMU"); err != nil || l.Codec() != "PCMU" {
		t.Fatalf("same codec: %v %v", l, err)
	}
}

func abs(v int) int { return max(v, -v) }

// fixedLeg is a leg that only names its codec.
type fixedLeg struct {
	Leg
	codec string
}

func (l *fixedLeg) Codec() string { return l.codec }
