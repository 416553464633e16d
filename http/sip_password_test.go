package http_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	mwhttp "github.com/minwon/minwon/http"
)

// TestSIPPassword: an admin sets a counselor's phone password with the user
// body; a bad one saves nothing, and the audit trail never shows the digest.
func TestSIPPassword(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	s := e.login("admin")
	var u minwon.User
	name := func() string {
		var us []minwon.User
		s.do("GET", "/api/users", nil, &us)
		for _, x := range us {
			if x.ID == "u-counselor03" {
				return x.Name
			}
		}
		return ""
	}
	body := map[string]any{"tenant_id": "hanbit", "login": "counselor03", "name": "박도현 (개명)", "roles": []string{"counselor"}, "skills": []string{"lang:ko"}}
	body["sip_password"] = "short"
	if got := s.do("PUT", "/api/users/u-counselor03", body, nil); got != 400 {
		t.Fatalf("a 5-character SIP password: %d, want 400", got)
	}
	if n := name(); n != "박도현" {
		t.Fatalf("a refused request renamed the user to %q", n)
	}
	body["sip_password"] = "desk-phone-03"
	if got := s.do("PUT", "/api/users/u-counselor03", body, &u); got != 200 || u.Name != "박도현 (개명)" {
		t.Fatalf("set SIP password: %d %+v", got, u)
	}
	var evs []minwon.Event
	s.do("GET", "/api/events?limit=1000", nil, &evs)
	found := false
	for _, ev := range evs {
		if ev.Type == minwon.EventSIPPasswordSet {
			found = true
			if len(ev.Data) != 0 {
				t.Fatalf("the audit trail shows the SIP credential: %s", ev.Data)
			}
		}
		if ev.Type == minwon.EventUserSaved && strings.Contains(string(ev.Data), center.SIPHA1("counselor03", "desk-phone-03")) {
			t.Fatal("the digest leaked into the user event")
		}
	}
	if !found {
		t.Fatal("no SIP password event")
	}
}
