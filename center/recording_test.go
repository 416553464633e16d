package center_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/recording"
)

var testKeys = func() *recording.Keyring {
	k, err := recording.ParseKeyring("k1:" + hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		panic(err)
	}
	return k
}()

// writeCall writes secs seconds of audio into a sealed file under dir;
// sealed false leaves it as a crash would, without its trailer.
func writeCall(t *testing.T, dir, name string, secs int, sealed bool) recording.Summary {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	ok(t, os.MkdirAll(filepath.Dir(path), 0o700))
	f, err := os.Create(path)
	ok(t, err)
	defer f.Close()
	rc, err := recording.NewCall(f, testKeys, recording.Options{})
	ok(t, err)
	start := time.Now()
	payload := bytes.Repeat([]byte{0x55}, 160)
	for i := range secs * 50 {
		p := recording.Packet{PayloadType: recording.PayloadPCMU, Timestamp: uint32(i * 160), Arrival: start.Add(time.Duration(i) * 20 * time.Millisecond), Payload: payload}
		ok(t, rc.Write(recording.Citizen, p))
	}
	if !sealed {
		return recording.Summary{}
	}
	sum, err := rc.Close()
	ok(t, err)
	return sum
}

func (f *fixture) storedRecording(dir, tenant, contact string, ended time.Time) *minwon.Recording {
	f.t.Helper()
	id := minwon.NewID()
	r := &minwon.Recording{ID: id, TenantID: tenant, ContactID: contact, File: "d/" + id + ".mwr", Started: ended.Add(-time.Minute)}
	sum := writeCall(f.t, dir, r.File, 1, true)
	r.KeyID, r.SHA256, r.Size, r.DurationMS, r.Ended = sum.KeyID, sum.SHA256, sum.Size, sum.Duration.Milliseconds(), ended
	ok(f.t, f.c.RecordingStarted(f.ctx, r))
	ok(f.t, f.c.RecordingStored(f.ctx, r))
	return r
}

func exists(dir string, r *minwon.Recording) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r.File)))
	return err == nil
}

// TestRecordingRetention: the daily run at 03:30 deletes what its tenant's
// period let go, keeps what an open incident holds, and lets it go once
// the incident is reviewed; each deletion is one recording.purged event.
func TestRecordingRetention(t *testing.T) {
	dir := t.TempDir()
	f := mustCenter(t, center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 30}})
	f.supervisor("sup")
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "long", Name: "오래시", EntryPoints: []string{"long"}, RecordingDays: 365})))
	_, err := f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "bad", Name: "잘못시", RecordingDays: 5000})
	wantCode(t, err, minwon.EINVALID)
	f.restart(center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 30}}) // the tenant's days are read back
	f.ready("kim")
	held := f.answered("v-held")
	must(f.c.CitizenSend(f.ctx, held.ID, "m1", "ㅅㅂ 빨리 처리해"))
	plain := f.answered("v-plain")
	now := f.clock.Now() // 2026-11-23 19:00 in Seoul
	rHeld := f.storedRecording(dir, "city", held.ID, now)
	rPlain := f.storedRecording(dir, "city", plain.ID, now)
	rYoung := f.storedRecording(dir, "city", "", now.Add(20*24*time.Hour))
	rLong := f.storedRecording(dir, "long", "", now)

	next, has := f.c.NextDeadline()
	if want := time.Date(2026, 11, 24, 3, 30, 0, 0, f.c.Location()); !has || !next.Equal(want) {
		t.Fatalf("next deadline %v, want the 03:30 retention run %v", next, want)
	}
	f.clock.Add(31 * 24 * time.Hour)
	ok(t, f.c.PurgeRecordings(f.ctx, f.clock.Now()))
	if exists(dir, rPlain) || !exists(dir, rHeld) || !exists(dir, rYoung) || !exists(dir, rLong) {
		t.Fatalf("after 31 days: plain %v held %v young %v long %v; want only plain deleted",
			exists(dir, rPlain), exists(dir, rHeld), exists(dir, rYoung), exists(dir, rLong))
	}
	if n := countEvents(t, f, minwon.EventRecordingPurged); n != 1 {
		t.Fatalf("%d purge events, want 1", n)
	}
	ok(t, f.c.PurgeRecordings(f.ctx, f.clock.Now())) // a second run changes nothing
	if n := countEvents(t, f, minwon.EventRecordingPurged); n != 1 {
		t.Fatalf("%d purge events after a second run, want 1", n)
	}
	list := must(f.c.ContactRecordings(f.ctx, "sup", plain.ID))
	if len(list) != 1 || list[0].Purged.IsZero() || list[0].Stored() {
		t.Fatalf("the purged recording is listed as %+v", list)
	}
	_, err = f.c.ContactRecordings(f.ctx, "lee", plain.ID) // not their call
	wantCode(t, err, minwon.EFORBIDDEN)
	if _, err := f.c.PlayRecording(f.ctx, "sup", rPlain.ID, ""); minwon.ErrorCode(err) != minwon.ENOTFOUND {
		t.Fatalf("playing a purged recording: %v, want not found", err)
	}

	// The hold ends with the review; an open legal case would keep it.
	incs := must(f.c.Incidents(f.ctx, "sup", center.IncidentFilter{}))
	if len(incs.Incidents) != 1 || incs.Incidents[0].ContactID != held.ID {
		t.Fatalf("incidents %+v", incs.Incidents)
	}
	// The evidence bundle carries the call's recording, decrypted.
	var zipped bytes.Buffer
	ok(t, f.c.ExportIncident(f.ctx, "sup", incs.Incidents[0].ID, &zipped))
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	ok(t, err)
	found := false
	for _, zf := range zr.File {
		if zf.Name == "recording.wav" {
			rc, err := zf.Open()
			ok(t, err)
			h := sha256.New()
			io.Copy(h, rc)
			rc.Close()
			found = hex.EncodeToString(h.Sum(nil)) == rHeld.SHA256
		}
	}
	if !found {
		t.Fatal("the bundle lacks the recording, or it does not match its SHA-256")
	}
	must(f.c.ReviewIncident(f.ctx, "sup", incs.Incidents[0].ID, minwon.ReviewConfirmed, "욕설 확인"))
	ok(t, f.c.PurgeRecordings(f.ctx, f.clock.Now()))
	if exists(dir, rHeld) || !exists(dir, rYoung) || !exists(dir, rLong) {
		t.Fatal("after the review the held recording should go, the others stay")
	}
	f.clock.Add(335 * 24 * time.Hour)
	ok(t, f.c.PurgeRecordings(f.ctx, f.clock.Now()))
	if exists(dir, rYoung) || exists(dir, rLong) || countEvents(t, f, minwon.EventRecordingPurged) != 4 {
		t.Fatalf("after a year: young %v long %v, %d purge events", exists(dir, rYoung), exists(dir, rLong), countEvents(t, f, minwon.EventRecordingPurged))
	}
}

// TestRecordingRecoveredAfterACrash: a file started but never sealed is
// sealed again at start, once nothing has written it for a while, and its
// recording.stored says so.
func TestRecordingRecoveredAfterACrash(t *testing.T) {
	dir := t.TempDir()
	f := mustCenter(t, center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys}})
	f.supervisor("sup")
	r := &minwon.Recording{ID: minwon.NewID(), TenantID: "city", File: "d/crash.mwr", KeyID: "k1", Started: f.clock.Now()}
	writeCall(t, dir, r.File, 4, false) // the mixer holds a second and the writer a chunk: about 2 s reach the disk
	ok(t, f.c.RecordingStarted(f.ctx, r))
	path := filepath.Join(dir, "d", "crash.mwr")
	ok(t, os.Chtimes(path, f.clock.Now(), f.clock.Now()))
	ok(t, f.c.RecoverRecordings(f.ctx)) // just written: maybe still live
	if n := countEvents(t, f, minwon.EventRecordingStored); n != 0 {
		t.Fatalf("a file written just now was recovered (%d events)", n)
	}
	f.clock.Add(10 * time.Minute)
	f.restart(center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys}})
	ok(t, f.c.RecoverRecordings(f.ctx))
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventRecordingStored}}))
	if len(evs) != 1 {
		t.Fatalf("%d recording.stored events, want 1", len(evs))
	}
	var got minwon.Recording
	ok(t, evs[0].Decode(&got))
	file, err := os.Open(path)
	ok(t, err)
	defer file.Close()
	st, _ := file.Stat()
	sum, err := recording.Verify(file, st.Size(), testKeys)
	ok(t, err)
	if !got.Recovered || got.SHA256 != sum.SHA256 || got.Size != sum.Size || sum.Duration < time.Second {
		t.Fatalf("recovered %+v, file %+v", got, sum)
	}
	ok(t, f.c.RecoverRecordings(f.ctx)) // once only
	if n := countEvents(t, f, minwon.EventRecordingStored); n != 1 {
		t.Fatalf("%d recording.stored events after a second run", n)
	}
}

// TestRecordingPurgeRunsFromTheTick: once the clock passes 03:30 the tick
// starts the run, which deletes what is due, and the next run is the next
// day's 03:30.
func TestRecordingPurgeRunsFromTheTick(t *testing.T) {
	dir := t.TempDir()
	f := mustCenter(t, center.Config{Recording: center.RecordingConfig{Dir: dir, Keys: testKeys, DefaultDays: 1}})
	r := f.storedRecording(dir, "city", "", f.clock.Now())
	ok(t, f.c.Tick(f.ctx))
	if !exists(dir, r) {
		t.Fatal("deleted before the run was due")
	}
	f.clock.Add(2 * 24 * time.Hour) // 2026-11-25 19:00 in Seoul
	ok(t, f.c.Tick(f.ctx))
	deadline := time.Now().Add(5 * time.Second) // the run is a goroutine of the center's
	for countEvents(t, f, minwon.EventRecordingPurged) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the tick did not run the purge")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if exists(dir, r) {
		t.Fatal("purged but the file is still there")
	}
	next, _ := f.c.NextDeadline()
	if want := time.Date(2026, 11, 26, 3, 30, 0, 0, f.c.Location()); !next.Equal(want) {
		t.Fatalf("next deadline %v, want %v", next, want)
	}
}
