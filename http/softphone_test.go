package http_test

import (
	"path/filepath"
	"testing"
	"time"

	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/softphone"
)

// TestSoftphoneRoutes: the desk socket turns a counselor's softphone on for
// as long as it lives, and the routes refuse what they cannot do plainly.
// The calls themselves are sip's TestSoftphoneCall and e2e/softphone.
func TestSoftphoneRoutes(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	kim := e.login("counselor01")
	offer := map[string]string{"sdp": "v=0\r\n"}

	t.Run("OffOnANodeWithoutCalls", func(t *testing.T) {
		if code := kim.do("POST", "/api/contacts/c1/softphone", offer, nil); code != 503 {
			t.Fatalf("offer: %d, want 503", code)
		}
		w := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
		w.send(map[string]any{"type": "softphone", "on": true})
		if f := w.await("an error", typ("error")); f["code"] != "unavailable" {
			t.Fatalf("frame %v, want unavailable", f)
		}
	})

	hub, err := softphone.New(softphone.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetSoftphones(hub)
	t.Run("TheDeskSocketRegistersIt", func(t *testing.T) {
		w := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
		w.send(map[string]any{"type": "softphone", "on": true})
		if f := w.await("the confirmation", typ("softphone")); f["on"] != true {
			t.Fatalf("frame %v, want on", f)
		}
		if !hub.Ready(kim.id) {
			t.Fatal("not ready after the desk turned it on")
		}
		w.send(map[string]any{"type": "softphone", "on": false})
		if f := w.await("the confirmation", typ("softphone")); f["on"] != false {
			t.Fatalf("frame %v, want off", f)
		}
		if hub.Ready(kim.id) {
			t.Fatal("still ready after the desk turned it off")
		}
		w.send(map[string]any{"type": "softphone", "on": true})
		w.await("the confirmation", typ("softphone"))
		w.c.CloseNow()
		deadline := time.Now().Add(5 * time.Second)
		for hub.Ready(kim.id) {
			if time.Now().After(deadline) {
				t.Fatal("still ready after the desk socket closed")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("RefusesBadRequests", func(t *testing.T) {
		for _, c := range []struct {
			who, path string
			body      any
			want      int
		}{
			{"counselor01", "/api/contacts/c1/softphone", map[string]string{}, 400},
			{"counselor01", "/api/contacts/c1/softphone/control", map[string]string{"action": "hold"}, 404},
			{"dept01", "/api/contacts/c1/softphone", offer, 403},
			{"dept01", "/api/contacts/c1/softphone/control", map[string]string{"action": "hangup"}, 403},
		} {
			if code := e.login(c.who).do("POST", c.path, c.body, nil); code != c.want {
				t.Errorf("%s %s %v: %d, want %d", c.who, c.path, c.body, code, c.want)
			}
		}
	})
}
