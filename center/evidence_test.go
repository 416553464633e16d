package center_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

const abusive = "야 이 씨발 뭐하는 거야"

// recordedCenter is a voice center that records calls under dir, with
// kim ready and a supervisor.
func recordedCenter(t *testing.T) (*fixture, string) {
	dir := t.TempDir()
	f := mustCenter(t, center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 30}})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit", "120"}, DefaultQueue: "general"})))
	f.supervisor("sup")
	f.ready("kim")
	return f, dir
}

// recordedCall is a call whose recording starts with the notice, 5 s before
// kim answers, as the phone stores it: once at the notice, again when queued.
func (f *fixture) recordedCall(caller string) (*minwon.Contact, *minwon.Recording) {
	f.t.Helper()
	id := minwon.NewID()
	r := &minwon.Recording{ID: id, TenantID: "city", File: "d/" + id + ".mwr", KeyID: "k1", Started: f.clock.Now()}
	ok(f.t, f.c.RecordingStarted(f.ctx, r))
	f.clock.Add(5 * time.Second)
	ct := f.call(caller)
	r.ContactID = ct.ID
	ok(f.t, f.c.RecordingStarted(f.ctx, r))
	return ct, r
}

// sealRecording writes secs seconds of the call's audio and stores it.
func (f *fixture) sealRecording(dir string, r *minwon.Recording, secs int) {
	f.t.Helper()
	sum := writeCall(f.t, dir, r.File, secs, true)
	r.SHA256, r.Size, r.DurationMS, r.Ended = sum.SHA256, sum.Size, sum.Duration.Milliseconds(), f.clock.Now()
	ok(f.t, f.c.RecordingStored(f.ctx, r))
}

func (f *fixture) onlyIncident() *center.IncidentDetail {
	f.t.Helper()
	page := must(f.c.Incidents(f.ctx, "sup", center.IncidentFilter{}))
	if len(page.Incidents) != 1 {
		f.t.Fatalf("%d incidents, want 1", len(page.Incidents))
	}
	return must(f.c.Incident(f.ctx, "sup", page.Incidents[0].ID)) // from the SQLite read model
}

func wantRef(t *testing.T, what string, got *minwon.RecordingRef, r *minwon.Recording, start, end time.Duration) {
	t.Helper()
	if got == nil || got.Name != r.ID || got.Start != start || got.End != end {
		t.Fatalf("%s: recording reference %+v, want %s from %v to %v", what, got, r.ID, start, end)
	}
}

// TestIncidentRecordingSegments: every kind of voice incident points at the
// recording of its call and the stretch of it, with a margin before the
// moment that raised it, and the reference is read back from the store.
// The recording starts 5 s before the answer.
func TestIncidentRecordingSegments(t *testing.T) {
	t.Run("TimedTranscriptSegment", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct, r := f.recordedCall("01011112222")
		f.clock.Add(40 * time.Second)
		ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 31*time.Second, 34*time.Second))
		inc := f.onlyIncident()
		// 5 s + 31 s less the 2 s margin, to 5 s + 34 s and 1 s.
		wantRef(t, "segment item", inc.Items[0].Recording, r, 34*time.Second, 40*time.Second)
		wantCode(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 5*time.Second, time.Second), minwon.EINVALID)
	})
	t.Run("UntimedTranscriptLine", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct, r := f.recordedCall("01011112222")
		f.clock.Add(60 * time.Second)
		ok(t, f.c.CitizenSaid(f.ctx, ct.ID, abusive))
		// Said before it arrived, at 65 s: the 15 s before, and 1 s after.
		wantRef(t, "line item", f.onlyIncident().Items[0].Recording, r, 50*time.Second, 66*time.Second)
	})
	t.Run("Agitation", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct, r := f.recordedCall("01011112222")
		f.clock.Add(62 * time.Second)
		ok(t, f.c.CallAgitation(f.ctx, ct.ID, minwon.CallAgitation{Score: 0.9, LevelDB: -7, LoudMS: 4500, WindowMS: 5000, OffsetMS: 60000}))
		// The window 55–60 s after the answer, with the margins.
		wantRef(t, "acoustic item", f.onlyIncident().Items[0].Recording, r, 58*time.Second, 66*time.Second)
	})
	t.Run("CounselorWarnings", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct, r := f.recordedCall("01011112222")
		f.clock.Add(95 * time.Second) // 100 s into the recording
		must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "계속 욕설"))
		f.clock.Add(60 * time.Second)
		must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, ""))
		inc := f.onlyIncident()
		if len(inc.Warnings) != 2 {
			t.Fatalf("%d warnings", len(inc.Warnings))
		}
		wantRef(t, "warning 1", inc.Warnings[0].Recording, r, 70*time.Second, 115*time.Second)
		wantRef(t, "the note", inc.Items[0].Recording, r, 70*time.Second, 115*time.Second)
		wantRef(t, "warning 2", inc.Warnings[1].Recording, r, 130*time.Second, 175*time.Second)
	})
	t.Run("EndWithNoticeAfterARestart", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct, r := f.recordedCall("01011112222")
		// The recording's reference is found in the store after a restart.
		f.restart(center.Config{Recording: center.RecordingConfig{Dir: t.TempDir(), Keys: testKeys}})
		f.clock.Add(15 * time.Second)
		must(f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentSexual, ""))
		inc := f.onlyIncident()
		if inc.Ended == nil {
			t.Fatal("not ended")
		}
		wantRef(t, "end", inc.Ended.Recording, r, 0, 35*time.Second) // the margin stops at the start
	})
	t.Run("ChatsHaveNone", func(t *testing.T) {
		f, _ := recordedCenter(t)
		ct := f.answered("v1")
		must(f.c.CitizenSend(f.ctx, ct.ID, "m1", abusive))
		if got := f.onlyIncident().Items[0].Recording; got != nil {
			t.Fatalf("a chat item points into a recording: %+v", got)
		}
	})
}

// bundle unzips an export: the files by name and the metadata.
func bundle(t *testing.T, zipped []byte) (map[string][]byte, policy.BundleMeta) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	ok(t, err)
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		ok(t, err)
		files[zf.Name] = must(io.ReadAll(rc))
		rc.Close()
	}
	var meta policy.BundleMeta
	ok(t, json.Unmarshal(files["metadata.json"], &meta))
	if len(meta.Files) != len(files)-1 {
		t.Fatalf("metadata lists %d files of %d", len(meta.Files), len(files)-1)
	}
	for _, bf := range meta.Files {
		sum := sha256.Sum256(files[bf.Name])
		if hex.EncodeToString(sum[:]) != bf.SHA256 || int64(len(files[bf.Name])) != bf.Bytes {
			t.Fatalf("%s: SHA-256 or size does not match the metadata", bf.Name)
		}
	}
	return files, meta
}

// TestExportCutsTheRecordingSegment: the bundle of a call's incident holds
// the stretch of the recording its items and warnings cover, both channels,
// listed with its SHA-256; the export is an audited action, for
// supervisors only; once retention purged the recording the bundle says so.
func TestExportCutsTheRecordingSegment(t *testing.T) {
	f, dir := recordedCenter(t)
	ct, r := f.recordedCall("01011112222")
	f.clock.Add(40 * time.Second)
	ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 31*time.Second, 34*time.Second)) // 34–40 s
	f.clock.Add(10 * time.Second)
	must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "")) // 25–70 s
	f.clock.Add(50 * time.Second)
	must(f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentSexual, "")) // 75–120 s, past the end
	f.sealRecording(dir, r, 100)
	inc := f.onlyIncident()

	var zipped bytes.Buffer
	_, err := f.c.Incident(f.ctx, "kim", inc.ID) // the counselor sees it …
	ok(t, err)
	wantCode(t, f.c.ExportIncident(f.ctx, "kim", inc.ID, &zipped), minwon.EFORBIDDEN) // … but may not export it
	ok(t, f.c.ExportIncident(f.ctx, "sup", inc.ID, &zipped))
	files, meta := bundle(t, zipped.Bytes())
	wav := files["recording-segment.wav"]
	if len(wav) < 44 || string(wav[:4]) != "RIFF" {
		t.Fatalf("no segment WAV in the bundle: %v", meta.Files)
	}
	channels, rate := binary.LittleEndian.Uint16(wav[22:]), binary.LittleEndian.Uint32(wav[24:])
	data := binary.LittleEndian.Uint32(wav[40:])
	got := time.Duration(data) * time.Second / time.Duration(rate*4)
	dur := time.Duration(r.DurationMS) * time.Millisecond
	if channels != 2 || rate != 8000 || got != dur-25*time.Second || int(data)+44 != len(wav) {
		t.Fatalf("segment: %d channels at %d Hz, %v long (%d bytes); want stereo, %v", channels, rate, got, len(wav), dur-25*time.Second)
	}
	if len(meta.Recordings) != 1 || meta.Recordings[0].RecordingID != r.ID || meta.Recordings[0].Start != 25*time.Second ||
		meta.Recordings[0].End != dur || meta.Recordings[0].Missing != "" || meta.Recordings[0].File != "recording-segment.wav" {
		t.Fatalf("metadata recordings %+v", meta.Recordings)
	}
	if _, whole := files["recording.wav"]; whole {
		t.Fatal("the whole recording went along with the segment")
	}
	after := must(f.c.Incident(f.ctx, "sup", inc.ID))
	if n := len(after.Actions); n != 1 || after.Actions[0].Kind != minwon.ActionExport || after.Actions[0].ActorID != "sup" {
		t.Fatalf("actions after the export: %+v", after.Actions)
	}

	t.Run("PurgedRecording", func(t *testing.T) {
		// The holds end: the review, and the legal case closed.
		must(f.c.ReviewIncident(f.ctx, "sup", inc.ID, minwon.ReviewConfirmed, "성희롱 확인"))
		if inc.Case == nil {
			t.Fatal("no legal case for sexual harassment")
		}
		must(f.c.Sanction(f.ctx, "sup", policy.SanctionRequest{CallerID: inc.CallerID, Kind: minwon.SanctionClose, CaseID: inc.Case.ID, Reason: "고소 취하"}))
		f.clock.Add(31 * 24 * time.Hour)
		ok(t, f.c.PurgeRecordings(f.ctx, f.clock.Now()))
		if exists(dir, r) {
			t.Fatal("the recording was not purged")
		}
		zipped.Reset()
		ok(t, f.c.ExportIncident(f.ctx, "sup", inc.ID, &zipped))
		files, meta := bundle(t, zipped.Bytes())
		if _, ok := files["recording-segment.wav"]; ok {
			t.Fatal("a segment of a purged recording")
		}
		note := string(files["recording-missing.txt"])
		if !strings.Contains(note, "삭제") || !strings.Contains(note, "deleted by retention") || len(meta.Recordings) != 1 ||
			meta.Recordings[0].Missing == "" || meta.Recordings[0].RecordingID != r.ID || meta.Recordings[0].File != "recording-missing.txt" {
			t.Fatalf("note %q, metadata %+v", note, meta.Recordings)
		}
		if _, ok := files["transcript.txt"]; !ok {
			t.Fatal("the transcript is missing")
		}
	})
}

// segmentSeconds returns how long a bundle's segment WAV plays.
func segmentSeconds(t *testing.T, wav []byte) time.Duration {
	t.Helper()
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || binary.LittleEndian.Uint16(wav[22:]) != 2 {
		t.Fatalf("not a stereo WAV: %d bytes", len(wav))
	}
	rate, data := binary.LittleEndian.Uint32(wav[24:]), binary.LittleEndian.Uint32(wav[40:])
	return time.Duration(data) * time.Second / time.Duration(rate*4)
}

// TestIncidentAcrossTwoRecordings: a call recorded again part way (after a
// transfer or a reconnect) has two recordings. Each item points into the
// one that was running when what it is about was said or pressed, also
// when the recognizer reports a line from before the second recording
// started, and after a restart, when the center reads them from the
// store; the bundle holds a segment of each, listed with its SHA-256.
func TestIncidentAcrossTwoRecordings(t *testing.T) {
	f, dir := recordedCenter(t)
	ct, r1 := f.recordedCall("01011112222") // r1 runs from 0 s, kim answers at 5 s
	f.clock.Add(40 * time.Second)
	ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 31*time.Second, 34*time.Second)) // r1 34–40 s
	f.clock.Add(20 * time.Second)                                                   // 65 s: recorded again
	id := minwon.NewID()
	r2 := &minwon.Recording{ID: id, TenantID: "city", ContactID: ct.ID, File: "d/" + id + ".mwr", KeyID: "k1", Started: f.clock.Now()}
	ok(t, f.c.RecordingStarted(f.ctx, r2))
	f.restart(center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 30}})
	f.clock.Add(30 * time.Second) // 95 s
	// A line said 60–63 s into r1, reported late: r1 58–64 s, not r2.
	ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, "이 개새끼야", 55*time.Second, 58*time.Second))
	must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "")) // r2 0–45 s: 30 s before the press, 15 s after
	inc := f.onlyIncident()
	if len(inc.Items) != 2 || len(inc.Warnings) != 1 {
		t.Fatalf("items %+v warnings %+v", inc.Items, inc.Warnings)
	}
	wantRef(t, "first line", inc.Items[0].Recording, r1, 34*time.Second, 40*time.Second)
	wantRef(t, "late line", inc.Items[1].Recording, r1, 58*time.Second, 64*time.Second)
	wantRef(t, "warning", inc.Warnings[0].Recording, r2, 0, 30*time.Second+15*time.Second)

	f.sealRecording(dir, r1, 62)
	f.sealRecording(dir, r2, 60)
	var zipped bytes.Buffer
	ok(t, f.c.ExportIncident(f.ctx, "sup", inc.ID, &zipped))
	files, meta := bundle(t, zipped.Bytes())
	if len(meta.Recordings) != 2 {
		t.Fatalf("metadata recordings %+v, files %+v", meta.Recordings, meta.Files)
	}
	for i, want := range []struct {
		r          *minwon.Recording
		file       string
		start, end time.Duration
	}{
		{r1, "recording-segment-1.wav", 34 * time.Second, 62 * time.Second}, // both lines, to the file's end
		{r2, "recording-segment-2.wav", 0, 45 * time.Second},
	} {
		got := meta.Recordings[i]
		wav := files[want.file]
		sum := sha256.Sum256(wav)
		if got.RecordingID != want.r.ID || got.File != want.file || got.Start != want.start || got.End != want.end ||
			got.SHA256 != hex.EncodeToString(sum[:]) || got.Bytes != int64(len(wav)) || got.Missing != "" {
			t.Fatalf("recording %d: %+v, want %s %s %v–%v", i+1, got, want.r.ID, want.file, want.start, want.end)
		}
		if d := segmentSeconds(t, wav); d != want.end-want.start {
			t.Fatalf("segment %d plays %v, want %v", i+1, d, want.end-want.start)
		}
	}
}

// TestPolicyMarginsShapeTheSegment: the margins of a segment are the
// tenant's policy's; changed by an admin, the next references take them,
// also after a restart, which reads them from the policy.updated event.
func TestPolicyMarginsShapeTheSegment(t *testing.T) {
	f, dir := recordedCenter(t)
	ok(t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "admin", TenantID: "city", Login: "admin", Name: "관리자", Roles: []minwon.Role{minwon.RoleAdmin}}, "password123")))
	cfg := policy.DefaultConfig()
	cfg.Evidence = policy.EvidenceRule{Lead: 5 * time.Second, Tail: 3 * time.Second, UntimedLead: 20 * time.Second, PressLead: time.Minute, PressTail: 20 * time.Second}
	bad := cfg
	bad.Evidence.PressLead = 10 * time.Minute
	_, err := f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, bad))
	if wantCode(t, err, minwon.EINVALID); minwon.ErrorField(err) != "evidence.press_lead_ns" {
		t.Fatalf("a 10-minute margin: field %q (%v)", minwon.ErrorField(err), err)
	}
	if v := must(f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, cfg))); v.Config.Evidence != cfg.Evidence {
		t.Fatalf("the policy shows margins %+v", v.Config.Evidence)
	}
	ct, r := f.recordedCall("01011112222") // answered 5 s into the recording
	f.clock.Add(40 * time.Second)
	ok(t, f.c.CitizenSaidAt(f.ctx, ct.ID, abusive, 31*time.Second, 34*time.Second))
	// 5 s + 31 s less 5 s, to 5 s + 34 s and 3 s (the defaults: 34–40 s).
	wantRef(t, "timed line", f.onlyIncident().Items[0].Recording, r, 31*time.Second, 42*time.Second)
	f.clock.Add(60 * time.Second) // 105 s
	ok(t, f.c.CitizenSaid(f.ctx, ct.ID, abusive))
	wantRef(t, "untimed line", f.onlyIncident().Items[1].Recording, r, 85*time.Second, 108*time.Second)
	f.restart(center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 30}})
	must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, ""))
	wantRef(t, "warning after a restart", f.onlyIncident().Warnings[0].Recording, r, 45*time.Second, 125*time.Second)
}
