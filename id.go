package minwon

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
	"time"
)

var idCounter atomic.Uint32

// NewID returns a 26-character identifier that sorts by creation time: 48 bits
// of milliseconds, a per-process counter and random bits, hex encoded.
func NewID() string {
	var b [13]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	n := idCounter.Add(1)
	b[6], b[7] = byte(n>>8), byte(n)
	if _, err := rand.Read(b[8:]); err != nil {
		panic("minwon: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
