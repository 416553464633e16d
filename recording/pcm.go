package recording

import "github.com/zaf/g711"

// Live mixing of G.711 (a supervisor coaching a call): decode, sum, encode
// back. The decode tables are the mixer's.

// DecodeG711 appends the linear samples of a PCMU or PCMA payload to dst;
// ok is false for any other payload type.
func DecodeG711(dst []int16, pt uint8, payload []byte) (_ []int16, ok bool) {
	var table *[256]int16
	switch pt {
	case PayloadPCMU:
		table = &ulaw
	case PayloadPCMA:
		table = &alaw
	default:
		return dst, false
	}
	for _, b := range payload {
		dst = append(dst, table[b])
	}
	return dst, true
}

// EncodeG711 appends the payload of samples in payload type pt (PCMU or
// PCMA; anything else is taken as PCMU) to dst.
func EncodeG711(dst []byte, pt uint8, samples []int16) []byte {
	enc := g711.EncodeUlawFrame
	if pt == PayloadPCMA {
		enc = g711.EncodeAlawFrame
	}
	for _, s := range samples {
		dst = append(dst, enc(s))
	}
	return dst
}

// AddClipped adds src into dst sample by sample, clipping at the 16-bit
// limits rather than wrapping (a wrap is a loud click). Samples of dst
// past the end of src are left as they are.
func AddClipped(dst, src []int16) {
	for i, s := range src[:min(len(src), len(dst))] {
		v := int32(dst[i]) + int32(s)
		dst[i] = int16(max(-32768, min(32767, v)))
	}
}
