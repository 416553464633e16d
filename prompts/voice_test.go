package prompts_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/prompts"
)

func TestVoiceUpload(t *testing.T) {
	v := &prompts.Voice{Dir: t.TempDir()}
	good := wav(8000, 1, 16, 8000)
	t.Run("StoresByHashAndPlaysIt", func(t *testing.T) {
		sha, err := v.Upload("city", good)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(good)
		if sha != hex.EncodeToString(sum[:]) {
			t.Fatalf("sha %s", sha)
		}
		a, err := v.Audio("city", sha)
		if err != nil || len(a) != 16000 {
			t.Fatalf("audio %d bytes, %v", len(a), err)
		}
	})
	for _, tt := range []struct {
		name string
		wav  []byte
	}{
		{"WrongRate", wav(16000, 1, 16, 8000)},
		{"Stereo", wav(8000, 2, 16, 8000)},
		{"NotAWAV", []byte("hello, this is not audio at all")},
		{"TooLarge", wav(8000, 1, 16, prompts.MaxUploadBytes/2+1)},
		{"TooShort", wav(8000, 1, 16, 100)},
	} {
		t.Run("Refuses"+tt.name, func(t *testing.T) {
			_, err := v.Upload("city", tt.wav)
			if minwon.ErrorCode(err) != minwon.EINVALID || minwon.ErrorField(err) != "wav" {
				t.Fatalf("err = %v, want invalid wav", err)
			}
		})
	}
	t.Run("TenantCannotLeaveTheFolder", func(t *testing.T) {
		if _, err := v.Upload("../etc", good); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("TamperedFileIsRefused", func(t *testing.T) {
		sha, _ := v.Upload("city", good)
		p := filepath.Join(v.Dir, "city", sha+".wav")
		bad := append(bytes.Clone(good), 0, 0)
		if err := os.WriteFile(p, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Audio("city", sha); err == nil {
			t.Fatal("a file that no longer matches its hash played")
		}
	})
}

func TestVoiceSynthesize(t *testing.T) {
	v := &prompts.Voice{Dir: t.TempDir()}
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("espeak-ng is missing; make test installs it (scripts/deps.sh)")
		}
		t.Skip("espeak-ng is not installed")
	}
	sha, err := v.Synthesize(context.Background(), "city", "-v 지진 발생으로 상담이 지연되고 있습니다.")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.Audio("city", sha)
	if err != nil {
		t.Fatal(err)
	}
	if ms := a.Millis(); ms < 1000 || ms > 20000 {
		t.Fatalf("a sentence of %d ms", ms)
	}
}
