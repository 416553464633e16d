package main

import (
	"testing"
	"time"
)

func TestParseForgetAt(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"04:00", 4 * time.Hour, true},
		{"23:30", 23*time.Hour + 30*time.Minute, true},
		{"00:00", time.Nanosecond, true},
		{"off", -1, true},
		{"4", 0, false},
		{"25:00", 0, false},
	} {
		got, err := parseForgetAt(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseForgetAt(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
