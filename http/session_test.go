package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/minwon/minwon"
	mwhttp "github.com/minwon/minwon/http"
)

// withCookie asks GET /api/me with only the given session cookie.
func withCookie(t *testing.T, e *env, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: "minwon_session", Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func sessionToken(t *testing.T, e *env, s *staff) string {
	t.Helper()
	u, _ := url.Parse(e.url)
	for _, c := range s.c.Jar.Cookies(u) {
		if c.Name == "minwon_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestSessionCache(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		t.Run("LogoutEndsTheSessionAtOnce", func(t *testing.T) {
			s := e.login("counselor01")
			token := sessionToken(t, e, s)
			if code := withCookie(t, e, token); code != 200 {
				t.Fatalf("before logout: %d", code)
			}
			if code := s.do("POST", "/api/logout", nil, nil); code != 204 {
				t.Fatalf("logout: %d", code)
			}
			// The very next request with the old cookie is refused, though
			// the session was cached a moment ago.
			if code := withCookie(t, e, token); code != 401 {
				t.Fatalf("after logout: %d, want 401", code)
			}
		})
		t.Run("SessionEndedElsewhereIsForgotten", func(t *testing.T) {
			s := e.login("counselor02")
			token := sessionToken(t, e, s)
			if code := withCookie(t, e, token); code != 200 {
				t.Fatalf("before: %d", code)
			}
			// Another node's logout reaches this one as an event on the bus.
			sum := sha256.Sum256([]byte(token))
			ev := minwon.NewEvent(minwon.EventSessionEnded, time.Now(), minwon.SessionEnded{TokenHash: hex.EncodeToString(sum[:])})
			if err := e.center.Record(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for withCookie(t, e, token) != 401 {
				if time.Now().After(deadline) {
					t.Fatal("the ended session is still accepted")
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	})
}
