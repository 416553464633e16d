package recording

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

// seal writes pcm as a sealed recording and returns the file's bytes, the
// plain WAV the reader must reproduce, and the summary.
func seal(t *testing.T, keys *Keyring, pcm []byte) ([]byte, []byte, Summary) {
	t.Helper()
	f := createFile(t)
	w, err := NewWriter(f, keys, Stereo)
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes cross chunk boundaries.
	for p := pcm; len(p) > 0; {
		n := min(len(p), 1+rand.IntN(5000))
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sealed, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	plain := &memFile{}
	pw, _ := NewWAVWriter(plain, Stereo)
	pw.Write(pcm)
	pw.Close()
	return sealed, plain.b, w.Summary()
}

func randomPCM(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}

func open(t *testing.T, sealed []byte, keys *Keyring) (*Reader, error) {
	t.Helper()
	return NewReader(bytes.NewReader(sealed), int64(len(sealed)), keys)
}

func TestSealRoundTrip(t *testing.T) {
	keys := testKeys(t, keyA)
	for _, n := range []int{0, 4, chunkSize, chunkSize + 4, 3*chunkSize + chunkSize/2} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sealed, wav, sum := seal(t, keys, randomPCM(n))
			if bytes.Contains(sealed, wav[WAVHeaderSize:min(len(wav), WAVHeaderSize+64)]) && n > 0 {
				t.Fatal("plaintext visible in the sealed file")
			}
			r, err := open(t, sealed, keys)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, wav) {
				t.Fatalf("decrypted WAV differs (%d vs %d bytes)", len(got), len(wav))
			}
			h := sha256.Sum256(wav)
			if sum.SHA256 != hex.EncodeToString(h[:]) || sum.Size != int64(len(wav)) || r.Summary() != sum {
				t.Fatalf("summary %+v / reader %+v; want sha %x size %d", sum, r.Summary(), h, len(wav))
			}
			if sum.KeyID != "k2026a" || len(sum.FileID) != 32 {
				t.Fatalf("summary %+v", sum)
			}
		})
	}
}

func TestSealedFileDetectsTampering(t *testing.T) {
	keys := testKeys(t, keyA)
	sealed, _, _ := seal(t, keys, randomPCM(3*chunkSize+100))
	hdr := fixedHeader + len("k2026a")
	chunk := chunkSize + tagSize
	for _, tc := range []struct {
		name   string
		mutate func([]byte) []byte
	}{
		{"FlippedAudioByte", func(b []byte) []byte { b[hdr+chunk+10] ^= 1; return b }},
		{"FlippedTag", func(b []byte) []byte { b[hdr+chunk-1] ^= 0x80; return b }},
		{"FlippedFileID", func(b []byte) []byte { b[len(magic)+2] ^= 1; return b }},
		{"ChangedFormat", func(b []byte) []byte { b[fixedHeader-2] = 8; return b }},
		{"SwappedChunks", func(b []byte) []byte {
			c := bytes.Clone(b[hdr : hdr+chunk])
			copy(b[hdr:], b[hdr+chunk:hdr+2*chunk])
			copy(b[hdr+chunk:], c)
			return b
		}},
		{"LastChunkCut", func(b []byte) []byte {
			// Drop the short last chunk but keep the trailer.
			last := 100 + tagSize
			return append(b[:len(b)-trailerSize-last:len(b)-trailerSize-last], b[len(b)-trailerSize:]...)
		}},
		{"WholeChunkCut", func(b []byte) []byte {
			return append(b[:hdr+chunk:hdr+chunk], b[hdr+2*chunk:]...)
		}},
		{"TrailerCut", func(b []byte) []byte { return b[:len(b)-trailerSize] }},
		{"TruncatedMidChunk", func(b []byte) []byte { return b[:hdr+chunk+500] }},
		{"Appended", func(b []byte) []byte { return append(b, 0) }},
		{"HeaderOnly", func(b []byte) []byte { return b[:hdr] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.mutate(bytes.Clone(sealed))
			r, err := open(t, bad, keys)
			if err == nil {
				_, err = io.ReadAll(r)
			}
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("got %v, want ErrTampered", err)
			}
			// Chunk authentication alone must catch it too, without the
			// whole-file SHA-256: a player seeking into the file reads only
			// some chunks.
			if r, err := open(t, bad, keys); err == nil {
				for i := int64(0); i < 4 && err == nil; i++ {
					r.Seek(WAVHeaderSize+i*chunkSize, io.SeekStart)
					_, err = r.Read(make([]byte, 10))
				}
				if !errors.Is(err, ErrTampered) {
					t.Fatalf("random access: got %v, want ErrTampered", err)
				}
			}
		})
	}
	t.Run("NotARecording", func(t *testing.T) {
		_, err := open(t, []byte("RIFF....WAVEfmt ........................................"), keys)
		if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), "not a minwon recording") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestKeyRotation(t *testing.T) {
	old := testKeys(t, keyA)
	sealedOld, wav, _ := seal(t, old, randomPCM(chunkSize+10))
	rotated := testKeys(t, keyB+","+keyA)
	sealedNew, _, sum := seal(t, rotated, randomPCM(10))
	if sum.KeyID != "k2026b" {
		t.Fatalf("new recording sealed under %q, want the current key k2026b", sum.KeyID)
	}
	t.Run("OldFilesStillOpen", func(t *testing.T) {
		r, err := open(t, sealedOld, rotated)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, wav) {
			t.Fatalf("read %d bytes, err %v", len(got), err)
		}
	})
	t.Run("RetiredKeyGivesClearError", func(t *testing.T) {
		_, err := open(t, sealedOld, testKeys(t, keyB))
		if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `"k2026a"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("WrongBytesUnderSameID", func(t *testing.T) {
		wrong := testKeys(t, "k2026b:"+strings.Repeat("ab", 32))
		_, err := open(t, sealedNew, wrong)
		if !errors.Is(err, ErrTampered) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseKeyring(t *testing.T) {
	k := testKeys(t, " "+keyB+" , "+keyA)
	if k.Current() != "k2026b" || strings.Join(k.IDs(), ",") != "k2026b,k2026a" {
		t.Fatalf("current %q ids %v", k.Current(), k.IDs())
	}
	if s := fmt.Sprint(k); strings.Contains(s, "0001020304") || strings.Contains(s, "ISIj") {
		t.Fatalf("keyring prints key bytes: %s", s)
	}
	for _, tc := range []struct{ spec, want string }{
		{"", "want id:key"},
		{"a", "want id:key"},
		{"a:" + strings.Repeat("ab", 31), "46 bytes, want 32"}, // 62 hex digits read as base64
		{"a:not-a-key!", "not 64 hex digits"},
		{"a:AAAA", "3 bytes, want 32"},
		{"bad id:" + strings.Repeat("ab", 32), "key id"},
		{"a:" + strings.Repeat("ab", 32) + ",a:" + strings.Repeat("cd", 32), "listed twice"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseKeyring(tc.spec)
			if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}

func TestReaderServesRanges(t *testing.T) {
	keys := testKeys(t, keyA)
	sealed, wav, _ := seal(t, keys, randomPCM(2*chunkSize+1000))
	for _, rg := range []struct {
		header     string
		start, end int // inclusive
	}{
		{"bytes=0-43", 0, 43},
		{"bytes=40-99", 40, 99}, // across the WAV header
		{fmt.Sprintf("bytes=%d-%d", 44+chunkSize-10, 44+chunkSize+10), 44 + chunkSize - 10, 44 + chunkSize + 10}, // across a chunk
		{"bytes=-100", len(wav) - 100, len(wav) - 1},
	} {
		t.Run(rg.header, func(t *testing.T) {
			r, err := open(t, sealed, keys)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/recording.wav", nil)
			req.Header.Set("Range", rg.header)
			rec := httptest.NewRecorder()
			http.ServeContent(rec, req, "recording.wav", time.Time{}, r)
			if rec.Code != http.StatusPartialContent {
				t.Fatalf("status %d", rec.Code)
			}
			if !bytes.Equal(rec.Body.Bytes(), wav[rg.start:rg.end+1]) {
				t.Fatalf("range body differs")
			}
		})
	}
}

func TestCallRecordsAndVerifies(t *testing.T) {
	keys := testKeys(t, keyA)
	f := createFile(t)
	c, err := NewCall(f, keys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	citizen := &toneStream{freq: 1000, amp: 0.5, ts: 1}
	counselor := &toneStream{freq: 700, amp: 0.5, ts: 2}
	for i := range 150 {
		at := t0.Add(time.Duration(i) * ms20)
		if err := errors.Join(c.Write(Citizen, citizen.next(at)), c.Write(Counselor, counselor.next(at))); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Duration != 3*time.Second {
		t.Fatalf("duration %s", sum.Duration)
	}
	st, _ := f.Stat()
	v, err := Verify(f, st.Size(), keys)
	if err != nil || v != sum {
		t.Fatalf("verify: %+v, %v; want %+v", v, err, sum)
	}
	r, err := NewReader(f, st.Size(), keys)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Analyze(r, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Channels[Citizen].Dominant != 1000 || rep.Channels[Counselor].Dominant != 700 || rep.Channels[Counselor].Tones[1000] > 0.01 {
		t.Fatalf("sealed call: %+v", rep.Channels)
	}
}

func TestRecoverAfterCrash(t *testing.T) {
	keys := testKeys(t, keyA)
	pcm := randomPCM(3*chunkSize + 5000)
	f := createFile(t)
	w, err := NewWriter(f, keys, Stereo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	// The node dies here: no Close, three sealed chunks (3 × 1.024 s) on disk, and half of
	// a fourth torn by the crash.
	st, _ := f.Stat()
	f.WriteAt(randomPCM(chunkSize/2), st.Size())
	st, _ = f.Stat()
	if _, err := NewReader(f, st.Size(), keys); !errors.Is(err, ErrTampered) {
		t.Fatalf("crashed file opened: %v", err)
	}
	sum, err := Recover(f, st.Size(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Size != WAVHeaderSize+3*chunkSize || sum.Duration != 3*chunkSize/4*time.Second/SampleRate {
		t.Fatalf("recovered %+v, want the three sealed chunks", sum)
	}
	st, _ = f.Stat()
	r, err := NewReader(f, st.Size(), keys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got[WAVHeaderSize:], pcm[:3*chunkSize]) || r.Summary() != sum {
		t.Fatalf("recovered audio differs (%d bytes, %v)", len(got), err)
	}
	t.Run("IntactFileUntouched", func(t *testing.T) {
		again, err := Recover(f, st.Size(), keys)
		st2, _ := f.Stat()
		if err != nil || again != sum || st2.Size() != st.Size() {
			t.Fatalf("got %+v, %v; size %d → %d", again, err, st.Size(), st2.Size())
		}
	})
	t.Run("UnknownKey", func(t *testing.T) {
		if _, err := Recover(f, st.Size(), testKeys(t, keyB)); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ShortLastChunkKept", func(t *testing.T) {
		f := createFile(t)
		w, _ := NewWriter(f, keys, Stereo)
		w.Write(pcm[:chunkSize+100])
		w.sealChunk() // the short chunk reached the disk, the trailer did not
		st, _ := f.Stat()
		sum, err := Recover(f, st.Size(), keys)
		if err != nil || sum.Size != WAVHeaderSize+chunkSize+100 {
			t.Fatalf("got %+v, %v", sum, err)
		}
	})
}
