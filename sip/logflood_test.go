package sip_test

import (
	"strings"
	"testing"

	"github.com/emiago/diago/media"
)

// The media package logs some conditions for every packet: RTCP arriving
// on an RTP port logs a warning fifty times a second per call. The server
// routes that log into its own, a few lines a minute per message.
func TestMediaLogIsRateLimited(t *testing.T) {
	f := newFixture(t, 10)
	const msg = "Received RTP with unsupported payload_type"
	for range 200 {
		media.DefaultLogger().Warn(msg, "pt", 72)
	}
	if n := strings.Count(f.logs.String(), msg); n < 1 || n > 5 {
		t.Fatalf("%d of 200 media warnings reached the server's log, want 1 to 5", n)
	}
	if !strings.Contains(f.logs.String(), "component=sip") {
		t.Fatalf("the media warnings were not logged as the SIP server's:\n%s", f.logs.String())
	}
}
