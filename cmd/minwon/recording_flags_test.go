package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordingKeys: the demo generates and keeps a key; voice elsewhere
// without keys refuses to start unless recording is explicitly off.
func TestRecordingKeys(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfgFor := func(t *testing.T, args ...string) Config {
		t.Helper()
		cfg, err := configFrom("serve", args, io.Discard, true)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Run("DemoKeepsAGeneratedKey", func(t *testing.T) {
		dir := t.TempDir()
		cfg := cfgFor(t, "--demo", "--data", dir)
		rc, err := cfg.recordings(log)
		if err != nil || rc.Keys == nil || rc.Keys.Current() != "demo" || rc.Dir != filepath.Join(dir, "recordings") {
			t.Fatalf("%+v %v", rc, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "recording.keys"))
		if err != nil || !strings.HasPrefix(string(b), "demo:") {
			t.Fatalf("key file %q %v", b, err)
		}
		if st, _ := os.Stat(filepath.Join(dir, "recording.keys")); st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v", st.Mode())
		}
		again, err := cfg.recordings(log)
		if err != nil || again.Keys.String() != rc.Keys.String() {
			t.Fatalf("second start: %v %v", again.Keys, err)
		}
	})
	t.Run("VoiceWithoutKeysRefuses", func(t *testing.T) {
		cfg := cfgFor(t, "--data", t.TempDir(), "--sip", "127.0.0.1:5099")
		if _, err := cfg.recordings(log); err == nil || !strings.Contains(err.Error(), "MINWON_RECORDING_KEYS") {
			t.Fatalf("got %v, want a refusal naming MINWON_RECORDING_KEYS", err)
		}
	})
	t.Run("ExplicitlyOff", func(t *testing.T) {
		cfg := cfgFor(t, "--data", t.TempDir(), "--sip", "127.0.0.1:5099", "--recording=off")
		if rc, err := cfg.recordings(log); err != nil || rc.Dir != "" || rc.Keys != nil {
			t.Fatalf("%+v %v", rc, err)
		}
	})
	t.Run("KeysFromEnvironment", func(t *testing.T) {
		t.Setenv("MINWON_RECORDING_KEYS", "2026-12:"+strings.Repeat("ab", 32)+",2026-06:"+strings.Repeat("cd", 32))
		cfg := cfgFor(t, "--data", t.TempDir(), "--sip", "127.0.0.1:5099")
		rc, err := cfg.recordings(log)
		if err != nil || rc.Keys.Current() != "2026-12" {
			t.Fatalf("%+v %v", rc, err)
		}
		t.Setenv("MINWON_RECORDING_KEYS", "bad:1234")
		if _, err := cfgFor(t, "--data", t.TempDir()).recordings(log); err == nil {
			t.Fatal("a short key was accepted")
		}
	})
	t.Run("BadFlags", func(t *testing.T) {
		for _, args := range [][]string{{"--recording=maybe"}, {"--recording-days=-1"}, {"--recording-days=4000"}} {
			if _, err := configFrom("serve", args, io.Discard, true); err == nil {
				t.Errorf("%v accepted", args)
			}
		}
	})
}
