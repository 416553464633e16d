package sip

import (
	"io"

	"github.com/emiago/diago/media"
)

// relayed returns the writer a bridge copies payloads into: each payload
// leaves as its own RTP packet as soon as it is written. diago's packet
// writer paces its writes with a 20 ms ticker of its own, which a prompt
// player needs; a relay does not, its packets are already paced by the
// side that sent them. Paced, every relayed packet waited for the next
// tick (up to 20 ms more delay, one timer wake-up per packet), and once
// packets had queued behind a late tick the relay could never drain them,
// so the delay grew until the socket's buffer overflowed.
//
// Payloads pass as they are (G.711: one byte a sample, so the RTP clock
// advances by the payload's length). The recording tap in front of the
// caller's writer stays in front.
func relayed(w io.Writer, pt uint8) io.Writer {
	switch w := w.(type) {
	case *tapWriter:
		return &tapWriter{w: relayed(w.w, pt), pt: w.pt, rec: w.rec}
	case *media.RTPPacketWriter:
		return &relayWriter{w: w, pt: pt}
	}
	return w
}

type relayWriter struct {
	w  *media.RTPPacketWriter
	pt uint8
}

func (r *relayWriter) Write(b []byte) (int, error) {
	// The stream's first packet carries the marker, as diago's Write sets it.
	first := r.w.PacketHeader.SSRC == 0
	return r.w.WriteSamples(b, uint32(len(b)), first, r.pt)
}
