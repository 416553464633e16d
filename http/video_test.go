package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minwon/minwon"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/video"
	"github.com/minwon/minwon/video/videotest"
)

// TestSignLanguageVideo runs a video contact of the demo center through the
// real server: routed to a sign-language counselor, then media relayed both
// ways between two scripted browsers.
func TestSignLanguageVideo(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	cfg := video.DefaultConfig()
	cfg.Loopback = true
	relay, err := video.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })

	t.Run("DisabledAnswers503", func(t *testing.T) {
		if code, _ := postRaw(t, e.url+"/api/video/offer", `{"resume":"x.y","sdp":"v=0"}`); code != http.StatusServiceUnavailable {
			t.Fatalf("got %d", code)
		}
	})
	e.srv.SetVideo(relay)

	plain, signer := e.login("counselor01"), e.login("counselor08") // counselor08 has the sign skill
	for _, s := range []*staff{plain, signer} {
		mustDial(t, wsURL(e, "/ws/desk"), s.c)
		if code := s.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); code != 200 {
			t.Fatalf("set available: %d", code)
		}
	}
	citizen := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor=v-sign&video=1"), nil)
	welcome := citizen.await("welcome", typ("welcome"))
	id, resume := welcome["contact_id"].(string), welcome["resume"].(string)
	ct, err := e.center.Contact(t.Context(), id)
	if err != nil || ct.Channel != minwon.ChannelVideo || ct.QueueID != "q-sign" {
		t.Fatalf("contact %+v %v", ct, err)
	}
	if got := e.center.OfferedTo(id); got != signer.id {
		t.Fatalf("offered to %q, want the sign-language counselor %q", got, signer.id)
	}
	cam := videotest.NewPeer(t, "citizen")
	offer, _ := json.Marshal(map[string]string{"resume": resume, "sdp": cam.Offer()})
	if code, body := postRaw(t, e.url+"/api/video/offer", string(offer)); code != http.StatusConflict {
		t.Fatalf("offer before the counselor answered: %d %s", code, body)
	}
	if code := signer.do("POST", "/api/contacts/"+id+"/accept", nil, nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	citizen.await("agent joined", typ("agent"))

	t.Run("RejectsStrangersAndBadSDP", func(t *testing.T) {
		bad, _ := json.Marshal(map[string]string{"resume": resume, "sdp": "v=0\r\nnonsense"})
		if code, body := postRaw(t, e.url+"/api/video/offer", string(bad)); code != http.StatusBadRequest || !strings.Contains(body, "invalid") {
			t.Errorf("bad SDP: %d %s", code, body)
		}
		forged, _ := json.Marshal(map[string]string{"resume": id + ".forged", "sdp": "v=0"})
		if code, _ := postRaw(t, e.url+"/api/video/offer", string(forged)); code != http.StatusUnauthorized {
			t.Errorf("forged token: %d", code)
		}
		if code := plain.do("POST", "/api/contacts/"+id+"/video", map[string]string{"sdp": "v=0"}, nil); code != http.StatusForbidden {
			t.Errorf("another counselor's offer: %d", code)
		}
		if code, _ := postRaw(t, e.url+"/api/contacts/"+id+"/video", `{"sdp":"v=0"}`); code != http.StatusUnauthorized {
			t.Errorf("offer without a session: %d", code)
		}
	})

	code, body := postRaw(t, e.url+"/api/video/offer", string(offer))
	if code != 200 {
		t.Fatalf("citizen offer: %d %s", code, body)
	}
	var ans struct{ SDP string }
	json.Unmarshal([]byte(body), &ans)
	cam.Answer(ans.SDP)
	desk := videotest.NewPeer(t, "agent")
	if code := signer.do("POST", "/api/contacts/"+id+"/video", map[string]string{"sdp": desk.Offer()}, &ans); code != 200 {
		t.Fatalf("counselor offer: %d", code)
	}
	desk.Answer(ans.SDP)
	if !cam.SendUntil("citizen", func() bool { return desk.Received("video", "citizen-video") }) {
		t.Fatal("the citizen's video never reached the counselor")
	}
	if !desk.SendUntil("agent", func() bool { return cam.Received("video", "agent-video") && cam.Received("audio", "agent-audio") }) {
		t.Fatal("the counselor's video and audio never reached the citizen")
	}
	if relay.Active() != 1 {
		t.Fatalf("%d video sessions, want 1", relay.Active())
	}
}

// postRaw posts a JSON body without a session and returns status and body.
func postRaw(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
