package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
	mwhttp "github.com/minwon/minwon/http"
)

// rawDo sends body as it is and returns the status and the response body.
func (s *staff) rawDo(method, path, body string) (int, []byte) {
	s.e.t.Helper()
	req, _ := http.NewRequest(method, s.e.url+path, strings.NewReader(body))
	req.Header.Set("X-CSRF-Token", s.csrf)
	resp, err := s.c.Do(req)
	if err != nil {
		s.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestPolicyRoutes(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		admin, sup, kim := e.login("admin"), e.login("supervisor01"), e.login("counselor01")
		const path = "/api/tenants/hanbit/policy"
		var v center.PolicyView
		if code := sup.do("GET", path, nil, &v); code != 200 || v.Source != center.PolicyDefault || len(v.Config.Warnings) != 2 {
			t.Fatalf("supervisor GET: %d %+v", code, v)
		}
		t.Run("Roles", func(t *testing.T) {
			if code := kim.do("GET", path, nil, nil); code != http.StatusNotFound {
				t.Fatalf("counselor GET: %d, want 404", code)
			}
			if code := sup.do("PUT", path, map[string]any{"config": v.Config}, nil); code != http.StatusForbidden {
				t.Fatalf("supervisor PUT: %d, want 403", code)
			}
			if code := sup.do("DELETE", path, nil, nil); code != http.StatusForbidden {
				t.Fatalf("supervisor DELETE: %d, want 403", code)
			}
			if code := admin.do("GET", "/api/tenants/nope/policy", nil, nil); code != http.StatusNotFound {
				t.Fatalf("unknown tenant: %d, want 404", code)
			}
		})
		t.Run("InvalidComesBackAs400WithTheField", func(t *testing.T) {
			bad := policy.DefaultConfig()
			bad.Warnings = bad.Warnings[:1]
			b, _ := json.Marshal(map[string]any{"config": bad})
			code, body := admin.rawDo("PUT", path, string(b))
			var eb struct {
				Error struct{ Code, Message, Field string }
			}
			json.Unmarshal(body, &eb)
			if code != 400 || eb.Error.Field != "warnings" || !strings.Contains(eb.Error.Message, "warning") {
				t.Fatalf("PUT with one warning: %d %s", code, body)
			}
			for _, raw := range []string{`{"config":`, `{"config":{"mask":"●"},"x":1}`, "{\"config\":{\"closing\":\"\xff\"}}", `{"config":{"prank":{"count":-1}}}`} {
				if code, body := admin.rawDo("PUT", path, raw); code != 400 {
					t.Fatalf("PUT %q: %d %s, want 400", raw, code, body)
				}
			}
		})
		cfg := policy.DefaultConfig()
		cfg.Warnings[0] = "HTTP로 바꾼 첫 경고문입니다."
		if code := admin.do("PUT", path, map[string]any{"config": cfg}, &v); code != 200 || v.Source != center.PolicyOwn || v.UpdatedBy != admin.id {
			t.Fatalf("admin PUT: %d %+v", code, v)
		}
		t.Run("DistrictsShowTheInheritedPolicy", func(t *testing.T) {
			var d center.PolicyView
			if code := sup.do("GET", "/api/tenants/hanbit-jung/policy", nil, &d); code != 200 || d.Source != center.PolicyInherited || d.From != "hanbit" {
				t.Fatalf("district GET: %d %s from %q", code, d.Source, d.From)
			}
		})
		t.Run("TheCitizenGetsTheNewWarning", func(t *testing.T) {
			_, citizen, _ := acceptedChat(t, e, kim, "v-policy")
			citizen.send(frame{"type": "message", "client_id": "p1", "text": "ㅅㅂ 빨리 처리해"})
			citizen.await("the new warning", msgText(cfg.Warnings[0]))
		})
		t.Run("AuditedAndTheSaltNeverShown", func(t *testing.T) {
			var evs []minwon.Event
			if code := admin.do("GET", "/api/events?limit=1000", nil, &evs); code != 200 {
				t.Fatalf("events: %d", code)
			}
			var salts, policies int
			for _, ev := range evs {
				switch ev.Type {
				case minwon.EventTenantSalt:
					salts++
					if len(ev.Data) != 0 {
						t.Fatalf("tenant.salt shown with data %s", ev.Data)
					}
				case minwon.EventPolicyUpdated:
					policies++
					if ev.ActorID != admin.id || ev.TenantID != "hanbit" {
						t.Fatalf("policy event %+v", ev)
					}
				}
			}
			if salts == 0 || policies != 1 {
				t.Fatalf("%d salt and %d policy events, want salts for the tenants and one policy", salts, policies)
			}
			code, body := admin.rawDo("GET", "/api/tenants", "")
			ts, _ := e.store.Tenants(t.Context())
			for _, tn := range ts {
				if code != 200 || bytes.Contains(body, []byte("salt")) || len(tn.Salt) == 0 {
					t.Fatalf("tenants: %d %s", code, body)
				}
			}
		})
		t.Run("ResetToDefaults", func(t *testing.T) {
			if code := admin.do("DELETE", path, nil, &v); code != 200 || v.Source != center.PolicyDefault || v.Config.Warnings[0] == cfg.Warnings[0] {
				t.Fatalf("DELETE: %d %+v", code, v)
			}
		})
	})
}
