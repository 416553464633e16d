package http_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/coder/websocket"
	mwhttp "github.com/minwon/minwon/http"
)

// TestShutdownWaitsForWebSockets: when Shutdown returns, every WebSocket
// handler has returned too, so the caller may close the store.
func TestShutdownWaitsForWebSockets(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	kim := e.login("counselor01")
	desk := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
	desk.await("state", typ("state"))
	citizen := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor=v-shutdown"), nil)
	citizen.await("welcome", typ("welcome"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, kind := range []string{"chat", "desk"} {
		m := regexp.MustCompile(`minwon_websocket_connections\{kind="` + kind + `"\} (\d+)`).FindSubmatch(body)
		if m == nil || string(m[1]) != "0" {
			t.Errorf("%s sockets still open after Shutdown: %q", kind, m)
		}
	}
	for name, w := range map[string]*ws{"desk": desk, "citizen": citizen} {
		select {
		case err := <-w.done:
			if websocket.CloseStatus(err) != websocket.StatusServiceRestart {
				t.Errorf("%s closed with %v, want 1012 (service restart)", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s was not closed", name)
		}
	}
}
