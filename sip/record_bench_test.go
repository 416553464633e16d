package sip

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minwon/minwon/recording"
)

// BenchmarkTapPacket is the cost the recorder adds to one 20 ms packet on
// a call's media path: the lock, the mixer placing and decoding it, and
// (every 128 ms of audio) sealing and writing to disk. Each op is one
// packet of each side. It should not allocate.
func BenchmarkTapPacket(b *testing.B) {
	keys, err := recording.ParseKeyring("b:" + hex.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "bench.mwr"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rc, err := recording.NewCall(f, keys, recording.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// Packets arrive every 20 ms; a new file every 12 h of audio, the
	// mixer's limit, is not reached at the sizes benchmarked here.
	clock := time.Now()
	r := &callRecording{f: f, rec: rc, started: clock, now: func() time.Time { return clock }}
	payload := bytes.Repeat([]byte{0x5a}, 160)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.citizen(recording.PayloadPCMU, uint32(i*160), payload)
		r.ours(recording.PayloadPCMU, payload)
		clock = clock.Add(20 * time.Millisecond)
	}
	b.StopTimer()
	if r.err != nil {
		b.Fatal(r.err)
	}
	if st := rc.Stats(); st.Late != 0 || st.Resyncs != 0 {
		b.Fatalf("the benchmark's timing is off: %+v", st)
	}
}
