package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
	"github.com/minwon/minwon/sqldb"
)

func incidentEvents(t *testing.T) []*minwon.Event {
	t.Helper()
	at := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	ev := func(typ minwon.EventType, data any) *minwon.Event {
		at = at.Add(time.Second)
		e := minwon.NewEvent(typ, at, data)
		e.TenantID = "t1"
		return e
	}
	open := func(inc string, typ minwon.IncidentType) *minwon.Event {
		return ev(minwon.EventIncidentOpened, minwon.Incident{ID: inc, TenantID: "t1", ContactID: "c-" + inc, CallerID: "caller", Channel: minwon.ChannelChat, Type: typ, Source: minwon.SourceGuard, OpenedAt: at})
	}
	item := func(inc string, kind minwon.ItemKind, typ minwon.IncidentType, label, text string) *minwon.Event {
		return ev(minwon.EventIncidentItem, minwon.IncidentItem{IncidentID: inc, Kind: kind, Type: typ, Label: label, Text: text, At: at})
	}
	review := func(inc string, v minwon.ReviewVerdict) *minwon.Event {
		return ev(minwon.EventIncidentReviewed, minwon.IncidentReview{IncidentID: inc, Verdict: v, ActorID: "sup", Reason: "r", At: at})
	}
	// The store's incident read model refuses items of an incident it was
	// never told about, so each incident opens first, as the engine does.
	return []*minwon.Event{
		open("i1", minwon.IncidentAbuse), open("i2", minwon.IncidentSexual), open("i3", minwon.IncidentAbuse),
		open("i4", minwon.IncidentThreat), open("i5", minwon.IncidentAggressive),
		item("i1", minwon.ItemMessage, minwon.IncidentAbuse, "profanity", "이 해삼 같은 놈아"),
		item("i1", minwon.ItemNote, minwon.IncidentAbuse, "", "상담사 메모"),
		item("i2", minwon.ItemMessage, minwon.IncidentSexual, "", "목소리 좋네 만나자"),
		item("i3", minwon.ItemSegment, minwon.IncidentAbuse, "profanity", "시발점이 어디예요"),
		item("i4", minwon.ItemMessage, minwon.IncidentThreat, "threat", "아직 아무도 안 본 것"),
		item("i5", minwon.ItemAcoustic, minwon.IncidentAggressive, "", ""),
		review("i1", minwon.ReviewConfirmed),
		review("i2", minwon.ReviewConfirmed),
		review("i3", minwon.ReviewConfirmed),
		review("i3", minwon.ReviewDismissed), // the last review decides
		review("i5", minwon.ReviewConfirmed),
	}
}

func TestDecisionExamples(t *testing.T) {
	ex, skipped, err := decisionExamples(incidentEvents(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []guard.Example{{Text: "이 해삼 같은 놈아", Label: guard.Profanity}, {Text: "목소리 좋네 만나자", Label: guard.Sexual}, {Text: "시발점이 어디예요", Label: guard.None}}
	if len(ex) != len(want) {
		t.Fatalf("got %v, want %v", ex, want)
	}
	for i := range ex {
		if ex[i] != want[i] {
			t.Errorf("example %d = %v, want %v", i, ex[i], want[i])
		}
	}
	if skipped != 3 { // the note, the unreviewed i4, the acoustic item
		t.Errorf("skipped %d, want 3", skipped)
	}
	bad := minwon.NewEvent(minwon.EventIncidentReviewed, time.Now(), nil)
	bad.Data = []byte("{")
	if _, _, err := decisionExamples([]*minwon.Event{bad}); err == nil {
		t.Error("a corrupt event gave no error")
	}
}

// TestGuardDecisionsToTrain stores reviewed incidents in SQLite, exports
// them with `minwon guard decisions` and trains on the file with --extra:
// the path by which supervisors' decisions reach the model.
func TestGuardDecisionsToTrain(t *testing.T) {
	dir := kbDataDir(t)
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, filepath.Join(dir, "minwon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Append(ctx, incidentEvents(t)...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := filepath.Join(t.TempDir(), "decisions.jsonl")
	_, stderr := runOK(t, "guard", "decisions", "--data", dir, "--out", out)
	if !strings.Contains(stderr, "3 labelled texts") {
		t.Errorf("stderr: %s", stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ex, format, err := guard.ReadExamples(b)
	if err != nil || format != guard.FormatJSONL || len(ex) != 3 {
		t.Fatalf("decisions file (%s, %v): %v\n%s", format, err, ex, b)
	}

	model := filepath.Join(t.TempDir(), "guard.model")
	stdout, _ := runOK(t, "guard", "train", "--data", "", "--examples", "../../guard/testdata/train", "--extra", out, "--out", model, "--bits", "14", "--iters", "30")
	if !strings.Contains(stdout, "decisions.jsonl") || !strings.Contains(stdout, "wrote "+model) {
		t.Errorf("train output:\n%s", stdout)
	}
	if _, stderr := runOK(t, "guard", "decisions", "--data", dir, "--tenant", "other"); !strings.Contains(stderr, "0 labelled texts") {
		t.Errorf("another tenant's decisions: %s", stderr)
	}
}
