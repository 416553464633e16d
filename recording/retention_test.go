package recording

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	policy := Policy{DefaultDays: 90, Days: map[string]int{"seoul": 365, "keep": 0, "short": 30}}
	recs := []Stored{
		{ID: "fresh", Tenant: "daejeon", Ended: now.Add(-89 * day)},
		{ID: "due-exactly", Tenant: "daejeon", Ended: now.Add(-90 * day)},
		{ID: "old", Tenant: "daejeon", Ended: now.Add(-400 * day)},
		{ID: "held", Tenant: "daejeon", Ended: now.Add(-400 * day), Holds: []string{"case-7"}},
		{ID: "seoul-200", Tenant: "seoul", Ended: now.Add(-200 * day)},
		{ID: "seoul-366", Tenant: "seoul", Ended: now.Add(-366 * day)},
		{ID: "kept-forever", Tenant: "keep", Ended: now.Add(-3000 * day)},
		{ID: "short-31", Tenant: "short", Ended: now.Add(-31 * day)},
		{ID: "no-end", Tenant: "daejeon"},
	}
	var got []string
	for _, e := range Plan(now, recs, policy) {
		got = append(got, e.ID)
	}
	want := "old,seoul-366,short-31,due-exactly"
	if strings.Join(got, ",") != want {
		t.Fatalf("plan %v, want %s (oldest due first)", got, want)
	}
	t.Run("HoldReleasedLater", func(t *testing.T) {
		recs[3].Holds = nil
		if p := Plan(now, recs[3:4], policy); len(p) != 1 {
			t.Fatalf("released hold not planned: %v", p)
		}
	})
	t.Run("Validate", func(t *testing.T) {
		for _, p := range []Policy{{DefaultDays: -1}, {Days: map[string]int{"x": MaxRetentionDays + 1}}} {
			if err := p.Validate(); minwon.ErrorCode(err) != minwon.EINVALID {
				t.Errorf("%+v: got %v", p, err)
			}
		}
		if err := policy.Validate(); err != nil {
			t.Error(err)
		}
	})
}

func TestPurge(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.mwrec", "b.mwrec", "keep.mwrec"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "outside.mwrec")
	os.WriteFile(outside, []byte("x"), 0o600)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	plan := []Expired{
		{Stored: Stored{ID: "a", Path: "a.mwrec"}},
		{Stored: Stored{ID: "gone", Path: "gone.mwrec"}}, // deleted by an earlier, interrupted purge
		{Stored: Stored{ID: "escape", Path: "../" + filepath.Base(filepath.Dir(outside)) + "/outside.mwrec"}},
		{Stored: Stored{ID: "b", Path: "b.mwrec"}},
	}
	var deleted []string
	err = Purge(root, plan, func(e Expired) error { deleted = append(deleted, e.ID); return nil })
	if err == nil || !strings.Contains(err.Error(), "escape") {
		t.Fatalf("got %v, want an error for the escaping path", err)
	}
	if strings.Join(deleted, ",") != "a,gone,b" {
		t.Fatalf("deleted %v", deleted)
	}
	for name, exists := range map[string]bool{"a.mwrec": false, "b.mwrec": false, "keep.mwrec": true} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != exists {
			t.Errorf("%s exists=%v, want %v", name, err == nil, exists)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("file outside the root was deleted")
	}
	t.Run("StopsWhenEventFails", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "c.mwrec"), []byte("x"), 0o600)
		os.WriteFile(filepath.Join(dir, "d.mwrec"), []byte("x"), 0o600)
		boom := errors.New("store down")
		err := Purge(root, []Expired{{Stored: Stored{ID: "c", Path: "c.mwrec"}}, {Stored: Stored{ID: "d", Path: "d.mwrec"}}},
			func(Expired) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "d.mwrec")); err != nil {
			t.Fatal("kept deleting after the event store failed")
		}
	})
}
