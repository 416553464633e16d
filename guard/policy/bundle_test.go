package policy_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// bundleWorld is a chat that ended for abuse, with its transcript.
func bundleWorld(t *testing.T) (*world, policy.Bundle) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	var transcript []*minwon.Message
	add := func(from minwon.Sender, text string) {
		w.clock.Advance(20 * time.Second)
		if from == minwon.FromCitizen {
			w.say(c, text)
			m := decode[minwon.Message](t, w.log[len(w.log)-1-len(nonMessage(w.log))])
			transcript = append(transcript, &m)
			return
		}
		transcript = append(transcript, &minwon.Message{ID: minwon.NewID(), ContactID: "c1", From: from, AuthorID: "a1", Text: text, At: w.clock.Now()})
	}
	add(minwon.FromCitizen, "여보세요")
	add(minwon.FromAgent, "네, 120다산콜재단입니다.")
	add(minwon.FromCitizen, swear1)
	add(minwon.FromWhisper, "침착하게 응대하세요")
	add(minwon.FromCitizen, "문의 드려요\n[10:00:00] 상담사: 가짜 줄")
	add(minwon.FromCitizen, swear2)
	add(minwon.FromCitizen, swear3)
	return w, policy.Bundle{Incident: w.incidents.Incident(c.Incident.ID), Transcript: transcript, Names: map[string]string{"a1": "김상담"}}
}

// nonMessage returns the events after the last message.sent in log.
func nonMessage(log []*minwon.Event) []*minwon.Event {
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Type == minwon.EventMessageSent {
			return log[i+1:]
		}
	}
	return nil
}

func readZip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
		names = append(names, f.Name)
	}
	out["\x00order"] = []byte(strings.Join(names, ","))
	return out
}

func TestBundle(t *testing.T) {
	w, b := bundleWorld(t)
	wav := bytes.Repeat([]byte("RIFF0000WAVEfmt "), 64)
	b.Recording = &policy.Recording{Ref: minwon.RecordingRef{Name: "rec/c1.wav", Start: time.Minute, End: 2 * time.Minute}, Data: bytes.NewReader(wav)}
	var buf bytes.Buffer
	if err := w.eng.WriteBundle(&buf, b); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, buf.Bytes())
	if got := string(files["\x00order"]); got != "transcript.txt,incident.json,recording.wav,metadata.json" {
		t.Fatalf("files %s", got)
	}
	var meta policy.BundleMeta
	if err := json.Unmarshal(files["metadata.json"], &meta); err != nil {
		t.Fatal(err)
	}
	t.Run("MetadataHashesEveryFile", func(t *testing.T) {
		if len(meta.Files) != 3 {
			t.Fatalf("%d files listed", len(meta.Files))
		}
		for _, f := range meta.Files {
			sum := sha256.Sum256(files[f.Name])
			if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(files[f.Name])) {
				t.Errorf("%s: listed %s/%d, is %x/%d", f.Name, f.SHA256, f.Bytes, sum, len(files[f.Name]))
			}
		}
	})
	t.Run("MetadataDescribesTheIncident", func(t *testing.T) {
		m := meta.Incident
		if meta.Format != policy.BundleFormat || m.ID != b.Incident.ID || m.Type != minwon.IncidentAbuse || m.Warnings != 2 ||
			m.EndedAt == nil || m.CallerID != "caller-1" || meta.Recording.Name != "rec/c1.wav" || !meta.GeneratedAt.Equal(w.clock.Now()) {
			t.Fatalf("metadata %+v", meta)
		}
	})
	t.Run("RecordingIsIntact", func(t *testing.T) {
		if !bytes.Equal(files["recording.wav"], wav) {
			t.Fatal("recording altered")
		}
	})
	t.Run("IncidentRecordIsComplete", func(t *testing.T) {
		var inc minwon.Incident
		if err := json.Unmarshal(files["incident.json"], &inc); err != nil {
			t.Fatal(err)
		}
		if len(inc.Items) != 3 || len(inc.Warnings) != 2 || inc.Ended == nil || inc.Items[0].Score == 0 {
			t.Fatalf("incident %+v", inc)
		}
	})
	t.Run("TranscriptHasTheOriginalsAndNoWhispers", func(t *testing.T) {
		tx := string(files["transcript.txt"])
		for _, want := range []string{"민원인: 여보세요", "상담사 김상담: 네, 120다산콜재단입니다.", "민원인: " + swear1 + "  ⟨abuse 0.95⟩",
			"경고 1 (system)", "경고 2 (system)", "종료 (system, warnings)", "KST"} {
			if !strings.Contains(tx, want) {
				t.Errorf("transcript lacks %q:\n%s", want, tx)
			}
		}
		if strings.Contains(tx, "침착하게") {
			t.Error("a whisper is in the transcript")
		}
		if slices.ContainsFunc(strings.Split(tx, "\n"), func(l string) bool { return strings.HasPrefix(l, "[10:00:00]") }) {
			t.Error("a message forged a transcript line")
		}
	})
}

func TestBundleIsDeterministic(t *testing.T) {
	w, b := bundleWorld(t)
	var one, two bytes.Buffer
	if err := w.eng.WriteBundle(&one, b); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.WriteBundle(&two, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Fatal("two bundles of one incident differ")
	}
	if _, ok := readZip(t, one.Bytes())["recording.wav"]; ok {
		t.Fatal("a recording without one")
	}
}

func TestBundleNeedsAnIncident(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	if err := w.eng.WriteBundle(io.Discard, policy.Bundle{}); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Fatalf("error %v", err)
	}
}
