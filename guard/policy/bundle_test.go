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

// writeBundle writes b, checks that the ZIP holds the files named in
// order, and returns them with the decoded metadata.
func writeBundle(t *testing.T, w *world, b policy.Bundle, order string) (map[string][]byte, policy.BundleMeta) {
	t.Helper()
	var buf bytes.Buffer
	if err := w.eng.WriteBundle(&buf, b); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, buf.Bytes())
	if got := string(files["\x00order"]); got != order {
		t.Fatalf("files %s, want %s", got, order)
	}
	var meta policy.BundleMeta
	if err := json.Unmarshal(files["metadata.json"], &meta); err != nil {
		t.Fatal(err)
	}
	return files, meta
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
	b.Recordings = []*policy.Recording{{Ref: minwon.RecordingRef{Name: "rec/c1.wav", Start: time.Minute, End: 2 * time.Minute}, Data: bytes.NewReader(wav)}}
	files, meta := writeBundle(t, w, b, "transcript.txt,incident.json,recording-segment.wav,metadata.json")
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
			m.EndedAt == nil || m.CallerID != "caller-1" || len(meta.Recordings) != 1 || meta.Recordings[0].RecordingID != "rec/c1.wav" || !meta.GeneratedAt.Equal(w.clock.Now()) {
			t.Fatalf("metadata %+v", meta)
		}
	})
	t.Run("RecordingIsIntact", func(t *testing.T) {
		if !bytes.Equal(files["recording-segment.wav"], wav) {
			t.Fatal("recording altered")
		}
		sum := sha256.Sum256(wav)
		if r := meta.Recordings[0]; r.File != "recording-segment.wav" || r.SHA256 != hex.EncodeToString(sum[:]) || r.Bytes != int64(len(wav)) ||
			r.Start != time.Minute || r.End != 2*time.Minute || r.Missing != "" {
			t.Fatalf("metadata recording %+v", r)
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

// An incident pointing into several recordings of its call (recorded
// again after a transfer) carries a segment of each, in the order given,
// each listed with its recording, bounds and SHA-256; one that is gone is
// a note in its place.
func TestBundleCarriesEverySegment(t *testing.T) {
	w, b := bundleWorld(t)
	one, two := []byte("RIFF-first-segment"), []byte("RIFF-second-segment, longer")
	b.Recordings = []*policy.Recording{
		{Ref: minwon.RecordingRef{Name: "r1", Start: 10 * time.Second, End: 40 * time.Second}, Data: bytes.NewReader(one)},
		{Ref: minwon.RecordingRef{Name: "r2", Start: 0, End: 45 * time.Second}, Data: bytes.NewReader(two)},
		{Ref: minwon.RecordingRef{Name: "r3", End: time.Second}, Missing: "gone"},
	}
	files, meta := writeBundle(t, w, b, "transcript.txt,incident.json,recording-segment-1.wav,recording-segment-2.wav,recording-missing-3.txt,metadata.json")
	if len(meta.Recordings) != 3 || len(meta.Files) != 5 {
		t.Fatalf("metadata recordings %+v files %+v", meta.Recordings, meta.Files)
	}
	for i, want := range []struct {
		id, file   string
		start, end time.Duration
		data       []byte
	}{{"r1", "recording-segment-1.wav", 10 * time.Second, 40 * time.Second, one}, {"r2", "recording-segment-2.wav", 0, 45 * time.Second, two},
		{"r3", "recording-missing-3.txt", 0, time.Second, []byte("gone\n")}} {
		r, sum := meta.Recordings[i], sha256.Sum256(want.data)
		if r.RecordingID != want.id || r.File != want.file || r.Start != want.start || r.End != want.end ||
			!bytes.Equal(files[want.file], want.data) || r.SHA256 != hex.EncodeToString(sum[:]) || r.Bytes != int64(len(want.data)) {
			t.Errorf("recording %d: %+v", i+1, r)
		}
	}
	if meta.Recordings[2].Missing != "gone" || meta.Recordings[0].Missing != "" {
		t.Fatalf("missing notes %+v", meta.Recordings)
	}
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

// When the third abuse strike opened a legal case, the bundle of that
// incident carries the case: the caller's hash, every strike with its
// incident, the decision on it, all listed with their SHA-256.
func TestBundleCarriesTheLegalCase(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	var incidents []string
	var last policy.Decision
	for i, id := range []string{"c1", "c2", "c3"} {
		w.clock.Advance(24 * time.Hour)
		last = w.endFor(id, "caller-1", minwon.IncidentAbuse)
		incidents = append(incidents, w.contacts[id].Incident.ID)
		if lc := w.reg.CaseOf(incidents[i]); (lc != nil) != (i == 2) {
			t.Fatalf("after strike %d CaseOf = %+v", i+1, lc)
		}
	}
	lc := caseOf(t, last)
	if lc == nil {
		t.Fatal("the third strike opened no case")
	}
	for _, id := range incidents {
		if got := w.reg.CaseOf(id); got == nil || got.ID != lc.ID {
			t.Fatalf("CaseOf(%s) = %+v, want %s", id, got, lc.ID)
		}
	}
	ev, err := w.eng.Sanction(w.reg, supervisor("s1"), policy.SanctionRequest{CallerID: "caller-1", Kind: minwon.SanctionLegal, CaseID: lc.ID, Reason: "고소 의뢰"})
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	rec := w.reg.CaseRecord(lc.ID)
	b := policy.Bundle{Incident: w.incidents.Incident(incidents[2]), Case: rec, CaseIncidents: map[string]*minwon.Incident{}}
	for _, id := range incidents {
		b.CaseIncidents[id] = w.incidents.Incident(id)
	}
	files, meta := writeBundle(t, w, b, "transcript.txt,incident.json,case.json,metadata.json")
	listed := false
	for _, f := range meta.Files {
		sum := sha256.Sum256(files[f.Name])
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(files[f.Name])) {
			t.Errorf("%s: listed %s/%d, is %x/%d", f.Name, f.SHA256, f.Bytes, sum, len(files[f.Name]))
		}
		listed = listed || f.Name == "case.json"
	}
	if !listed || meta.Case == nil || meta.Case.ID != lc.ID || meta.Case.State != minwon.CaseFiled {
		t.Fatalf("metadata case %+v, files %+v", meta.Case, meta.Files)
	}
	var cf policy.BundleCase
	if err := json.Unmarshal(files["case.json"], &cf); err != nil {
		t.Fatal(err)
	}
	if cf.ID != lc.ID || cf.CallerID != "caller-1" || cf.Type != minwon.IncidentAbuse || cf.State != minwon.CaseFiled ||
		!cf.OpenedAt.Equal(lc.OpenedAt) || len(cf.Strikes) != 3 || len(cf.Sanctions) != 1 || cf.Sanctions[0].Kind != minwon.SanctionLegal {
		t.Fatalf("case.json = %s", files["case.json"])
	}
	for i, s := range cf.Strikes {
		if s.IncidentID != incidents[i] || s.At == nil || s.Incident == nil || s.Incident.Warnings != 2 || s.Incident.EndedAt == nil ||
			s.ContactID != []string{"c1", "c2", "c3"}[i] {
			t.Fatalf("strike %d = %+v", i, s)
		}
	}
	t.Run("ADismissedStrikeStaysListedWithoutItsTime", func(t *testing.T) {
		ev, err := w.eng.Review(w.incidents.Incident(incidents[0]), supervisor("s1"), minwon.ReviewDismissed, "오탐")
		if err != nil {
			t.Fatal(err)
		}
		w.apply(ev)
		b.Case = w.reg.CaseRecord(lc.ID)
		files, _ := writeBundle(t, w, b, "transcript.txt,incident.json,case.json,metadata.json")
		var cf policy.BundleCase
		if err := json.Unmarshal(files["case.json"], &cf); err != nil {
			t.Fatal(err)
		}
		if len(cf.Strikes) != 3 || cf.Strikes[0].At != nil || cf.Strikes[1].At == nil {
			t.Fatalf("strikes after a dismissal = %+v", cf.Strikes)
		}
	})
}
