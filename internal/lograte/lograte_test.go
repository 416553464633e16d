package lograte

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	type line struct {
		at    time.Duration // after t0
		level slog.Level
		msg   string
	}
	tests := []struct {
		name  string
		lines []line
		want  []string // the lines written, "msg" or "msg suppressed=N"
	}{
		{
			name:  "a burst passes",
			lines: []line{{0, slog.LevelWarn, "a"}, {1, slog.LevelWarn, "a"}, {2, slog.LevelWarn, "a"}},
			want:  []string{"a", "a", "a"},
		},
		{
			name: "past the burst is dropped until the window ends, then counted",
			lines: []line{
				{0, slog.LevelWarn, "a"}, {time.Second, slog.LevelWarn, "a"}, {2 * time.Second, slog.LevelWarn, "a"},
				{3 * time.Second, slog.LevelWarn, "a"}, {4 * time.Second, slog.LevelWarn, "a"},
				{time.Minute, slog.LevelWarn, "a"}, {time.Minute + time.Second, slog.LevelWarn, "a"},
			},
			want: []string{"a", "a", "a", "a suppressed=2", "a"},
		},
		{
			name: "messages and levels count apart",
			lines: []line{
				{0, slog.LevelWarn, "a"}, {0, slog.LevelWarn, "a"}, {0, slog.LevelWarn, "a"}, {0, slog.LevelWarn, "a"},
				{0, slog.LevelWarn, "b"}, {0, slog.LevelError, "a"},
			},
			want: []string{"a", "a", "a", "b", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			now := t0
			h := New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
						return slog.Attr{}
					}
					return a
				},
			}), 3, time.Minute, func() time.Time { return now })
			log := slog.New(h)
			for _, l := range tt.lines {
				now = t0.Add(l.at)
				log.Log(t.Context(), l.level, l.msg)
			}
			var got []string
			for _, s := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				got = append(got, strings.TrimPrefix(s, "msg="))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

// Handlers derived with attributes share the counts: the library logs
// through loggers it made with With.
func TestDerivedHandlersShareCounts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(slog.NewTextHandler(&buf, nil), 1, time.Minute, time.Now))
	log.Warn("rtp")
	log.With("call", "c1").Warn("rtp")
	log.WithGroup("g").Warn("rtp")
	if n := strings.Count(buf.String(), "msg=rtp"); n != 1 {
		t.Fatalf("%d lines written, want 1:\n%s", n, buf.String())
	}
}

// Messages with data in them cannot grow the table without bound.
func TestKeysAreBounded(t *testing.T) {
	h := New(slog.DiscardHandler, 1, time.Minute, time.Now)
	log := slog.New(h)
	for i := range 3 * maxKeys {
		log.Warn(strings.Repeat("x", i%50) + string(rune('a'+i%26)) + time.Duration(i).String())
	}
	if n := len(h.st.keys); n > maxKeys {
		t.Fatalf("%d messages tracked, want at most %d", n, maxKeys)
	}
}
