package http_test

import (
	"net/http"
	"testing"

	mwhttp "github.com/minwon/minwon/http"
)

func TestCallbackRoute(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		for _, tt := range []struct {
			body  string
			code  int
			field string
		}{
			{`{"outcome":"maybe"}`, http.StatusBadRequest, "outcome"},
			{`{"outcome":"completed","notes":"연결됨"}`, http.StatusNotFound, ""},
			{`{"outcome":"failed"}`, http.StatusNotFound, ""},
		} {
			code, body := kim.rawDo("POST", "/api/contacts/nope/callback", tt.body)
			if code != tt.code || (tt.field != "" && errField(t, body) != tt.field) {
				t.Fatalf("POST callback %s: %d %s, want %d on %q", tt.body, code, body, tt.code, tt.field)
			}
		}
	})
}
