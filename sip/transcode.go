package sip

// G.711 A-law ↔ µ-law across the bridge. A trunk may offer only PCMA and
// a counselor's phone answer only PCMU (or the other way round); both are
// 8 kHz G.711, so each payload byte maps to one byte of the other law by
// a table: no buffering, no delay, the packet stays the packet. A leg
// that speaks the other law is wrapped so that the bridge, the coaching
// mix and the caller's recording all keep seeing the caller's codec.

import (
	"fmt"
	"sync"

	"github.com/minwon/minwon/recording"
)

// lawTables[from][to] maps a payload byte of one law to the other, by
// the recording's decode and encode tables (indexed by lawIndex).
var lawTables = func() (t [2][2][256]byte) {
	pts := [2]uint8{recording.PayloadPCMU, recording.PayloadPCMA}
	pcm := make([]int16, 0, 256)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for from, fpt := range pts {
		pcm, _ = recording.DecodeG711(pcm[:0], fpt, all)
		for to, tpt := range pts {
			copy(t[from][to][:], recording.EncodeG711(nil, tpt, pcm))
		}
	}
	return t
}()

func lawIndex(codec string) (int, bool) {
	switch codec {
	case "PCMU":
		return 0, true
	case "PCMA":
		return 1, true
	}
	return 0, false
}

// inCodec returns l as a leg that speaks codec: l itself when it does, or
// l transcoded between the two G.711 laws; an error for anything else.
func inCodec(l Leg, codec string) (Leg, error) {
	if l.Codec() == codec {
		return l, nil
	}
	want, ok1 := lawIndex(codec)
	has, ok2 := lawIndex(l.Codec())
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("one side speaks %s, the other %s: only G.711 A-law and µ-law are transcoded", codec, l.Codec())
	}
	return &transcodedLeg{Leg: l, codec: codec, read: &lawTables[has][want], write: &lawTables[want][has]}, nil
}

// transcodedLeg is a leg seen through the other G.711 law.
type transcodedLeg struct {
	Leg
	codec       string
	read, write *[256]byte // the leg's law to codec, and back

	mu  sync.Mutex // guards buf: a leg has one writer, but a cheap lock keeps it so
	buf []byte
}

func (l *transcodedLeg) Codec() string { return l.codec }

// Read converts the leg's payload in place.
func (l *transcodedLeg) Read(b []byte) (int, error) {
	n, err := l.Leg.Read(b)
	for i, v := range b[:n] {
		b[i] = l.read[v]
	}
	return n, err
}

// Write converts into a buffer of its own: b belongs to the caller.
func (l *transcodedLeg) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.buf[:0]
	for _, v := range b {
		l.buf = append(l.buf, l.write[v])
	}
	if _, err := l.Leg.Write(l.buf); err != nil {
		return 0, err
	}
	return len(b), nil
}
