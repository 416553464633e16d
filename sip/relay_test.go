package sip

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/diago/media"
	"github.com/pion/rtp"
)

// rtpSink keeps copies of the packets written to it.
type rtpSink struct{ pkts []rtp.Packet }

func (s *rtpSink) WriteRTP(p *rtp.Packet) error {
	c := *p
	c.Payload = append([]byte(nil), p.Payload...)
	s.pkts = append(s.pkts, c)
	return nil
}

// A relayed payload leaves at once, unchanged, numbered and stamped as
// diago's paced writer would: the first packet marked, sequence numbers
// consecutive, the RTP clock advanced by one tick a byte (G.711).
func TestRelayedWritesAtOnceAsDiagoWould(t *testing.T) {
	sink := &rtpSink{}
	w := relayed(media.NewRTPPacketWriter(sink, media.CodecAudioUlaw), 0)
	if _, ok := w.(*relayWriter); !ok {
		t.Fatalf("relayed(RTPPacketWriter) = %T, want *relayWriter", w)
	}
	start := time.Now()
	for i := range 50 { // a second of audio: paced, it would take a second
		p := bytes.Repeat([]byte{byte(i)}, 160)
		if n, err := w.Write(p); err != nil || n != 160 {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("50 relayed payloads took %v: they were paced", d)
	}
	if len(sink.pkts) != 50 {
		t.Fatalf("%d packets sent, want 50", len(sink.pkts))
	}
	first := sink.pkts[0]
	for i, p := range sink.pkts {
		if p.Marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, p.Marker)
		}
		if p.PayloadType != 0 || p.SSRC != first.SSRC {
			t.Errorf("packet %d: pt %d ssrc %x, want 0 and %x", i, p.PayloadType, p.SSRC, first.SSRC)
		}
		if p.SequenceNumber != first.SequenceNumber+uint16(i) {
			t.Errorf("packet %d: seq %d, want %d", i, p.SequenceNumber, first.SequenceNumber+uint16(i))
		}
		if p.Timestamp != first.Timestamp+uint32(160*i) {
			t.Errorf("packet %d: timestamp %d, want %d", i, p.Timestamp, first.Timestamp+uint32(160*i))
		}
		if !bytes.Equal(p.Payload, bytes.Repeat([]byte{byte(i)}, 160)) {
			t.Errorf("packet %d: payload changed", i)
		}
	}
}

// The recording tap stays in front of a relayed writer: what is sent is
// recorded first.
func TestRelayedKeepsTheRecordingTap(t *testing.T) {
	sink := &rtpSink{}
	var rec atomic.Pointer[callRecording]
	tw := &tapWriter{w: media.NewRTPPacketWriter(sink, media.CodecAudioUlaw), pt: 0, rec: &rec}
	w, ok := relayed(tw, 0).(*tapWriter)
	if !ok {
		t.Fatalf("relayed(tapWriter) = %T, want *tapWriter", relayed(tw, 0))
	}
	if w.rec != &rec || w.pt != 0 {
		t.Error("the tap lost its recording or payload type")
	}
	if _, ok := w.w.(*relayWriter); !ok {
		t.Errorf("behind the tap: %T, want *relayWriter", w.w)
	}
	// Any other writer is left as it is.
	var b bytes.Buffer
	if relayed(&b, 0) != &b {
		t.Error("a plain writer was wrapped")
	}
}

// BenchmarkRelayedWrite is the bridge's per-packet cost of sending a
// payload, without diago's 20 ms clock: compare BenchmarkPacedWrite's
// ns/op, most of which is the wait for the next tick.
func BenchmarkRelayedWrite(b *testing.B) {
	benchWrite(b, func(w *media.RTPPacketWriter) interface{ Write([]byte) (int, error) } { return relayed(w, 0) })
}

func BenchmarkPacedWrite(b *testing.B) {
	benchWrite(b, func(w *media.RTPPacketWriter) interface{ Write([]byte) (int, error) } { return w })
}

type discardRTP struct{}

func (discardRTP) WriteRTP(*rtp.Packet) error { return nil }

func benchWrite(b *testing.B, wrap func(*media.RTPPacketWriter) interface{ Write([]byte) (int, error) }) {
	w := wrap(media.NewRTPPacketWriter(discardRTP{}, media.CodecAudioUlaw))
	p := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}
