package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/demo"
	mwhttp "github.com/minwon/minwon/http"
)

// TestInterpreterAdminRoutes: admins keep the pools; anyone else is
// refused by role, and bad entries come back as clear errors, with
// nothing stored.
func TestInterpreterAdminRoutes(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		admin, kim, sup := e.login("admin"), e.login("counselor01"), e.login("supervisor01")
		bbb := map[string]any{"id": "bbb", "tenant_id": demo.TenantID, "name": "BBB 통역 자원봉사", "languages": []string{"en", "zh"}, "address": "1588-5644"}
		type errBody struct {
			Error struct{ Code, Message string }
		}
		for _, tt := range []struct {
			name   string
			who    *staff
			method string
			path   string
			body   any
			code   int
			msg    string // part of the error message
		}{
			{"CounselorCannotList", kim, "GET", "/api/interpreters", nil, 403, ""},
			{"SupervisorCannotAdd", sup, "POST", "/api/interpreters", bbb, 403, ""},
			{"NoLanguage", admin, "POST", "/api/interpreters", map[string]any{"tenant_id": demo.TenantID, "name": "x", "address": "1588-5644"}, 400, "at least one language"},
			{"NotALanguage", admin, "POST", "/api/interpreters", map[string]any{"tenant_id": demo.TenantID, "name": "x", "languages": []string{"english"}, "address": "1588-5644"}, 400, "ISO 639-1"},
			{"NoWayToReach", admin, "POST", "/api/interpreters", map[string]any{"tenant_id": demo.TenantID, "name": "x", "languages": []string{"en"}}, 400, "how to reach"},
			{"BadAddress", admin, "POST", "/api/interpreters", map[string]any{"tenant_id": demo.TenantID, "name": "x", "languages": []string{"en"}, "address": "mailto:x"}, 400, "phone number"},
			{"UnknownTenant", admin, "POST", "/api/interpreters", map[string]any{"tenant_id": "nope", "name": "x", "languages": []string{"en"}, "address": "1588-5644"}, 400, "no tenant"},
			{"UnknownField", admin, "POST", "/api/interpreters", map[string]any{"name": "x", "phone": "1"}, 400, ""},
			{"PathAndBodyDiffer", admin, "PUT", "/api/interpreters/other", bbb, 400, "differs"},
			{"AdminAdds", admin, "POST", "/api/interpreters", bbb, 200, ""},
			{"AdminUpdates", admin, "PUT", "/api/interpreters/bbb", map[string]any{"tenant_id": demo.TenantID, "name": "BBB", "languages": []string{"en", "zh", "ja"}, "address": "sip:bbb@interp.example.org"}, 200, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				var eb errBody
				b, _ := json.Marshal(tt.body)
				if tt.body == nil {
					b = nil
				}
				code, data := tt.who.rawDo(tt.method, tt.path, string(b))
				if code != tt.code {
					t.Fatalf("%s %s: %d, want %d: %s", tt.method, tt.path, code, tt.code, data)
				}
				if code >= 400 {
					if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Message == "" {
						t.Fatalf("error body %s: %v; want a message", data, err)
					}
				}
				if tt.msg != "" && !strings.Contains(eb.Error.Message, tt.msg) {
					t.Fatalf("error %q, want it to mention %q", eb.Error.Message, tt.msg)
				}
			})
		}
		var pool []minwon.Interpreter
		if code := admin.do("GET", "/api/interpreters?tenant="+demo.TenantID, nil, &pool); code != 200 || len(pool) != 1 ||
			pool[0].Address != "sip:bbb@interp.example.org" || len(pool[0].Languages) != 3 {
			t.Fatalf("pool %d %+v, want the one BBB entry as updated", code, pool)
		}
		var langs []struct {
			Language string
			Free     int
		}
		if code := kim.do("GET", "/api/interpreters/languages", nil, &langs); code != 200 || len(langs) != 3 || langs[0].Language != "en" || langs[0].Free != 1 {
			t.Fatalf("languages %d %+v, want en, ja, zh with one free", code, langs)
		}
	})
}

// TestInterpreterCallRoutes: the counselor asks for and drops an
// interpreter over HTTP; the contact view carries them. (Who hears whom
// is sip's TestInterpreterConference.)
func TestInterpreterCallRoutes(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		admin, kim := e.login("admin"), e.login("counselor01")
		if code := admin.do("POST", "/api/interpreters", map[string]any{"id": "bbb", "tenant_id": demo.TenantID, "name": "BBB", "languages": []string{"vi"}, "address": "15885644"}, nil); code != 200 {
			t.Fatalf("add interpreter: %d", code)
		}
		ct := e.acceptedCall(kim)
		path := "/api/contacts/" + ct.ID + "/interpreter"
		for _, tt := range []struct {
			name   string
			method string
			body   any
			code   int
		}{
			{"BadLanguage", "POST", map[string]string{"language": "vietnamese"}, http.StatusBadRequest},
			{"NoneFree", "POST", map[string]string{"language": "ru"}, http.StatusServiceUnavailable},
			{"DropBeforeAskingIsNotFound", "DELETE", nil, http.StatusNotFound},
			{"Ask", "POST", map[string]string{"language": "vi"}, http.StatusOK},
			{"AskTwice", "POST", map[string]string{"language": "vi"}, http.StatusConflict},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if code := kim.do(tt.method, path, tt.body, nil); code != tt.code {
					t.Fatalf("%s %s: %d, want %d", tt.method, path, code, tt.code)
				}
			})
		}
		var view struct{ Interpreter *minwon.Conference }
		if code := kim.do("GET", "/api/contacts/"+ct.ID, nil, &view); code != 200 || view.Interpreter == nil || view.Interpreter.InterpreterName != "BBB" {
			t.Fatalf("contact view %d, interpreter %+v: want BBB", code, view.Interpreter)
		}
		if code := e.login("counselor02").do("DELETE", path, nil, nil); code != http.StatusForbidden {
			t.Fatalf("another counselor dropping: %d, want 403", code)
		}
		if code := kim.do("DELETE", path, nil, nil); code != http.StatusNoContent {
			t.Fatalf("drop: %d", code)
		}
		view.Interpreter = nil
		if code := kim.do("GET", "/api/contacts/"+ct.ID, nil, &view); code != 200 || view.Interpreter != nil {
			t.Fatalf("contact view %d, interpreter %+v after dropping", code, view.Interpreter)
		}
	})
}

// TestInterpreterFramesReachTheDesk: the counselor's desk follows the
// interpreter from its socket (ui/src/staff/Interpreter.tsx never polls),
// an in-house interpreter's desk is told the call rings it and when it
// stops, and another counselor's desk hears nothing of it.
func TestInterpreterFramesReachTheDesk(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		admin, kim, lee := e.login("admin"), e.login("counselor01"), e.login("counselor02")
		if code := admin.do("POST", "/api/interpreters", map[string]any{"id": "bbb", "tenant_id": demo.TenantID, "name": "BBB", "languages": []string{"vi"}, "address": "15885644"}, nil); code != 200 {
			t.Fatalf("add interpreter: %d", code)
		}
		park := e.login("counselor03")
		if code := admin.do("POST", "/api/interpreters", map[string]any{"id": "park", "tenant_id": demo.TenantID, "name": "박 통역", "languages": []string{"zh"}, "user_id": park.id}, nil); code != 200 {
			t.Fatalf("add in-house interpreter: %d", code)
		}
		parkDesk := mustDial(t, wsURL(e, "/ws/desk"), park.c)
		kimDesk := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
		leeDesk := mustDial(t, wsURL(e, "/ws/desk"), lee.c)
		ct := e.acceptedCall(kim)
		conference := func(event string) func(frame) bool {
			return func(f frame) bool {
				return f["type"] == "conference" && f["event"] == event && f["contact_id"] == ct.ID
			}
		}
		if code := kim.do("POST", "/api/contacts/"+ct.ID+"/interpreter", map[string]string{"language": "vi"}, nil); code != 200 {
			t.Fatalf("ask: %d", code)
		}
		f := kimDesk.await("conference.requested", conference(string(minwon.EventConferenceRequested)))
		if d, _ := f["data"].(map[string]any); d["interpreter_name"] != "BBB" || d["language"] != "vi" {
			t.Fatalf("conference.requested frame %v: want BBB for vi", f)
		}
		if code := kim.do("DELETE", "/api/contacts/"+ct.ID+"/interpreter", nil, nil); code != http.StatusNoContent {
			t.Fatalf("drop: %d", code)
		}
		f = kimDesk.await("conference.failed", conference(string(minwon.EventConferenceFailed)))
		if d, _ := f["data"].(map[string]any); d["reason"] != "cancelled" {
			t.Fatalf("conference.failed frame %v: want reason cancelled", f)
		}
		ring := func(on bool) func(frame) bool {
			return func(f frame) bool {
				return f["type"] == "interpreter_ring" && f["contact_id"] == ct.ID && f["ringing"] == on
			}
		}
		if code := kim.do("POST", "/api/contacts/"+ct.ID+"/interpreter", map[string]string{"language": "zh"}, nil); code != 200 {
			t.Fatalf("ask for zh: %d", code)
		}
		if f := parkDesk.await("the in-house interpreter's ring", ring(true)); f["language"] != "zh" {
			t.Fatalf("ring frame %v: want zh", f)
		}
		if code := kim.do("DELETE", "/api/contacts/"+ct.ID+"/interpreter", nil, nil); code != http.StatusNoContent {
			t.Fatalf("drop zh: %d", code)
		}
		parkDesk.await("the ring's end", ring(false))
		// Lee's state change is published after the conference events: a
		// frame of them would arrive before it.
		if code := lee.do("POST", "/api/agent/state", map[string]string{"state": "break", "reason": "meal"}, nil); code != 200 {
			t.Fatalf("lee on break: %d", code)
		}
		leeDesk.await("lee's break", func(f frame) bool {
			if f["type"] == "conference" {
				t.Fatalf("another counselor's desk got %v", f)
			}
			return f["type"] == "state" && f["state"] == "break"
		})
	})
}

// TestInterpreterRingReachesALateDesk: an in-house interpreter whose desk
// connects, or reconnects, while a call rings them is told at once, from
// the center's live calls rather than the socket that missed the ring;
// once the ring is over (answered, or dropped) a desk that connects hears
// nothing of it.
func TestInterpreterRingReachesALateDesk(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		admin, kim := e.login("admin"), e.login("counselor01")
		park := e.login("counselor03")
		if code := admin.do("POST", "/api/interpreters", map[string]any{"id": "park", "tenant_id": demo.TenantID, "name": "박 통역", "languages": []string{"zh"}, "user_id": park.id}, nil); code != 200 {
			t.Fatalf("add in-house interpreter: %d", code)
		}
		ct := e.acceptedCall(kim)
		ring := func(on bool) func(frame) bool {
			return func(f frame) bool {
				return f["type"] == "interpreter_ring" && f["contact_id"] == ct.ID && f["ringing"] == on
			}
		}
		// noRing connects park's desk and fails on any ring of the call
		// before the answer to a frame sent after the connect's own.
		noRing := func(when string) {
			t.Helper()
			desk := mustDial(t, wsURL(e, "/ws/desk"), park.c)
			desk.send(map[string]string{"type": "no-such-frame"})
			desk.await("the answer to a bad frame "+when, func(f frame) bool {
				if f["type"] == "interpreter_ring" && f["contact_id"] == ct.ID {
					t.Fatalf("%s a new desk got %v", when, f)
				}
				return f["type"] == "error"
			})
			desk.c.CloseNow()
		}
		noRing("before the ring")

		var conf minwon.Conference
		if code := kim.do("POST", "/api/contacts/"+ct.ID+"/interpreter", map[string]string{"language": "zh"}, &conf); code != 200 || conf.UserID != park.id {
			t.Fatalf("ask for zh: %d %+v", code, conf)
		}
		late := mustDial(t, wsURL(e, "/ws/desk"), park.c)
		if f := late.await("the ring at connect", ring(true)); f["language"] != "zh" {
			t.Fatalf("ring frame %v: want zh", f)
		}
		late.c.CloseNow() // a reload: the socket and what it heard are gone
		again := mustDial(t, wsURL(e, "/ws/desk"), park.c)
		again.await("the ring after a reconnect", ring(true))
		if code := kim.do("DELETE", "/api/contacts/"+ct.ID+"/interpreter", nil, nil); code != http.StatusNoContent {
			t.Fatalf("drop zh: %d", code)
		}
		again.await("the ring's end", ring(false))
		noRing("after the ring was dropped")

		// Answered: the interpreter is on the call, no longer rung.
		if code := kim.do("POST", "/api/contacts/"+ct.ID+"/interpreter", map[string]string{"language": "zh"}, &conf); code != 200 {
			t.Fatalf("ask for zh again: %d", code)
		}
		if err := e.center.ConferenceJoined(t.Context(), ct.ID, conf.ID); err != nil {
			t.Fatal(err)
		}
		noRing("after the interpreter answered")
	})
}
