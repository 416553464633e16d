package http_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/minwon/minwon"
	mwhttp "github.com/minwon/minwon/http"
)

// TestCoachRoutes: a supervisor joins a live call, switches modes and
// leaves over HTTP; the contact view carries the coach; a counselor is
// refused by role. (Who hears whom is sip's TestCoachCall.)
func TestCoachRoutes(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	ctx := context.Background()
	kim := e.login("counselor01")
	ct := e.acceptedCall(kim)
	path := "/api/contacts/" + ct.ID + "/coach"
	sup := e.login("supervisor01")
	type coach struct{ Supervisor, Mode string }
	for _, tt := range []struct {
		name   string
		who    *staff
		method string
		body   any
		code   int
	}{
		{"CounselorIsForbidden", kim, "POST", map[string]string{"mode": "listen"}, http.StatusForbidden},
		{"UnknownModeIsInvalid", sup, "POST", map[string]string{"mode": "shout"}, http.StatusBadRequest},
		{"LeavingBeforeJoiningIsNotFound", sup, "DELETE", nil, http.StatusNotFound},
		{"Listen", sup, "POST", map[string]string{"mode": "listen"}, http.StatusOK},
		{"Barge", sup, "POST", map[string]string{"mode": "barge"}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got coach
			if code := tt.who.do(tt.method, path, tt.body, &got); code != tt.code {
				t.Fatalf("%s %s: %d, want %d", tt.method, path, code, tt.code)
			}
			if tt.code == http.StatusOK && (got.Supervisor != sup.id || got.Mode != tt.body.(map[string]string)["mode"]) {
				t.Fatalf("answer %+v", got)
			}
		})
	}
	var view struct{ Coach *coach }
	if code := kim.do("GET", "/api/contacts/"+ct.ID, nil, &view); code != 200 || view.Coach == nil || view.Coach.Mode != "barge" {
		t.Fatalf("contact view %d, coach %+v: want supervisor01 barging", code, view.Coach)
	}
	if code := sup.do("DELETE", path, nil, nil); code != http.StatusNoContent {
		t.Fatalf("leave: %d", code)
	}
	view.Coach = nil
	if code := kim.do("GET", "/api/contacts/"+ct.ID, nil, &view); code != 200 || view.Coach != nil {
		t.Fatalf("contact view %d, coach %+v after leaving", code, view.Coach)
	}
	evs, err := e.store.Events(ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventCoachStarted, minwon.EventCoachMode, minwon.EventCoachEnded}})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d coach events (%v), want started, mode, ended", len(evs), err)
	}
}
