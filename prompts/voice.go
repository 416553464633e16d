package prompts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// MaxUploadBytes bounds an uploaded notice WAV: about a minute of 8 kHz
// mono 16-bit audio, a little more than the longest notice text takes.
const MaxUploadBytes = 1 << 20

// Voice keeps the audio of the situational notices supervisors set, per
// tenant, under Dir/TENANT/SHA256.wav: synthesized from the notice's text
// with espeak-ng's Korean voice and sox, or uploaded. Files are named by
// their content's SHA-256, which the notice's event carries, so a node
// plays exactly the audio that was approved.
type Voice struct {
	Dir string
	// Timeout bounds one synthesis; 0 is 20 seconds.
	Timeout time.Duration
}

// CanSynthesize reports whether espeak-ng and sox are installed.
func (v *Voice) CanSynthesize() bool {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// Synthesize speaks Korean text into an 8 kHz mono 16-bit WAV, stores it
// for tenant and returns its SHA-256. Without espeak-ng or sox the error is
// EUNAVAILABLE and says to upload a WAV instead.
func (v *Voice) Synthesize(ctx context.Context, tenant, text string) (string, error) {
	if !v.CanSynthesize() {
		return "", minwon.FieldErrorf("wav", "this server cannot synthesize speech (espeak-ng or sox is not installed); upload the notice as a WAV file, 8000 Hz mono 16-bit, up to %d KiB", MaxUploadBytes>>10)
	}
	timeout := v.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "minwon-voice-")
	if err != nil {
		return "", fmt.Errorf("synthesize notice: %w", err)
	}
	defer os.RemoveAll(tmp)
	raw, out := filepath.Join(tmp, "raw.wav"), filepath.Join(tmp, "8k.wav")
	// The text goes on stdin, never the command line, so no caller text is
	// ever taken for an option.
	say := exec.CommandContext(ctx, "espeak-ng", "-v", "ko", "-s", "150", "-w", raw, "--stdin")
	say.Stdin = strings.NewReader(text)
	if b, err := say.CombinedOutput(); err != nil {
		return "", fmt.Errorf("espeak-ng: %w: %s", err, bytes.TrimSpace(b))
	}
	conv := exec.CommandContext(ctx, "sox", raw, "-r", "8000", "-c", "1", "-b", "16", out, "pad", "0", "0.3")
	if b, err := conv.CombinedOutput(); err != nil {
		return "", fmt.Errorf("sox: %w: %s", err, bytes.TrimSpace(b))
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		return "", fmt.Errorf("synthesize notice: %w", err)
	}
	return v.store(tenant, wav)
}

// Upload validates an uploaded WAV (8 kHz mono 16-bit PCM, at most
// MaxUploadBytes), stores it for tenant and returns its SHA-256.
func (v *Voice) Upload(tenant string, wav []byte) (string, error) {
	if len(wav) > MaxUploadBytes {
		return "", minwon.FieldErrorf("wav", "%d bytes; a notice WAV may have at most %d KiB", len(wav), MaxUploadBytes>>10)
	}
	a, err := ReadWAV(bytes.NewReader(wav))
	if err != nil {
		return "", minwon.FieldErrorf("wav", "%v", err)
	}
	if len(a) < SampleRate/5 { // 100 ms
		return "", minwon.FieldErrorf("wav", "the recording is shorter than 0.1 seconds")
	}
	return v.store(tenant, wav)
}

func (v *Voice) store(tenant string, wav []byte) (string, error) {
	dir, err := v.dir(tenant)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(wav)
	name := hex.EncodeToString(sum[:])
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("store notice audio: %w", err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("store notice audio: %w", err)
	}
	_, werr := f.Write(wav)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("store notice audio: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name+".wav")); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("store notice audio: %w", err)
	}
	return name, nil
}

// Audio returns the stored audio of tenant with the given SHA-256, checked
// against it.
func (v *Voice) Audio(tenant, sha string) (Audio, error) {
	dir, err := v.dir(tenant)
	if err != nil {
		return nil, err
	}
	if len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" {
		return nil, minwon.Errorf(minwon.EINVALID, "audio %q is not a SHA-256", sha)
	}
	b, err := os.ReadFile(filepath.Join(dir, sha+".wav"))
	if err != nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "notice audio %s of %s: %v", sha, tenant, err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sha {
		return nil, minwon.Errorf(minwon.EINTERNAL, "notice audio %s of %s does not match its hash", sha, tenant)
	}
	return ReadWAV(bytes.NewReader(b))
}

// dir is the tenant's folder; a tenant ID that could leave Dir is refused.
func (v *Voice) dir(tenant string) (string, error) {
	if v == nil || v.Dir == "" {
		return "", minwon.Errorf(minwon.EUNAVAILABLE, "no prompt directory is configured")
	}
	if tenant == "" || tenant == "." || tenant == ".." || strings.ContainsAny(tenant, `/\`+"\x00") {
		return "", minwon.Errorf(minwon.EINVALID, "tenant %q cannot name a folder", tenant)
	}
	return filepath.Join(v.Dir, tenant), nil
}
