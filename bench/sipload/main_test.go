package main

import (
	"net"
	"net/netip"
	"testing"
)

func TestIsRTCP(t *testing.T) {
	tests := []struct {
		name string
		b    byte
		want bool
	}{
		{"PCMU", 0, false},
		{"PCMA", 8, false},
		{"PCMU with marker", 0x80, false},
		{"telephone-event", 101, false},
		{"telephone-event with marker", 0x80 | 101, false},
		{"sender report", 200, true},
		{"receiver report", 201, true},
		{"source description", 202, true},
		{"bye", 203, true},
		{"lowest RTCP type", 192, true},
		{"highest RTCP type", 223, true},
		{"past the RTCP types", 224, false},
	}
	for _, tt := range tests {
		if got := isRTCP(tt.b); got != tt.want {
			t.Errorf("%s (%d): isRTCP = %v, want %v", tt.name, tt.b, got, tt.want)
		}
	}
}

// A stream's RTP port is even and the next port is its own, so the RTCP
// that the center sends to RTP+1 reaches no other stream.
func TestListenPair(t *testing.T) {
	addr := netip.MustParseAddr("127.0.0.1")
	for range 20 {
		rtp, rtcp, err := listenPair(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer rtp.Close()
		defer rtcp.Close()
		p := rtp.LocalAddr().(*net.UDPAddr).Port
		q := rtcp.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 || q != p+1 {
			t.Fatalf("RTP on %d, RTCP on %d: want an even port and the next", p, q)
		}
	}
}
