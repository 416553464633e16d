package sip

import (
	"bytes"
	"testing"
)

// While a warning plays, the counselor's audio to the caller is dropped,
// not interleaved with the warning's packets; after it, it passes again.
func TestWarningReplacesTheCounselor(t *testing.T) {
	var sent bytes.Buffer
	c := &call{}
	w := c.gated(&sent)
	write := func(s string) {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("write %q: %d %v", s, n, err)
		}
	}
	write("before ")
	c.prot.playing.Store(c.prot.gen.Add(1))
	write("during ")
	c.prot.playing.CompareAndSwap(1, 0)
	write("after")
	if got := sent.String(); got != "before after" {
		t.Fatalf("caller got %q", got)
	}
}
