package policy

import (
	"testing"

	"github.com/minwon/minwon/korean"
)

// TestLineKey: what makes a citizen line a repeat of an earlier one.
func TestLineKey(t *testing.T) {
	var scratch korean.Text
	key := func(s string) (uint64, bool) { return lineKey(&scratch, s) }
	base, ok := key("버스 언제 와요?")
	if !ok {
		t.Fatal("a line with words has no key")
	}
	for _, same := range []string{"버스 언제 와요", "버스언제와요?!", "버스 언제 와요오오오?", "  버스   언제 와요 ... "} {
		if k, ok := key(same); !ok || k != base {
			t.Errorf("%q is not the same line as %q", same, "버스 언제 와요?")
		}
	}
	for _, other := range []string{"버스 언제 가요?", "지하철 언제 와요?", "버스 언제 와요 2번"} {
		if k, ok := key(other); !ok || k == base {
			t.Errorf("%q counts as a repeat of %q", other, "버스 언제 와요?")
		}
	}
	for _, empty := range []string{"", "   ", "?!..."} {
		if _, ok := key(empty); ok {
			t.Errorf("%q has a key; a line of nothing is not counted", empty)
		}
	}
}
