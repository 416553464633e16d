package http_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/guard/policy"
	mwhttp "github.com/minwon/minwon/http"
)

// A citizen who swears three times is warned twice and disconnected; the
// counselor only ever sees masked text, and supervisors get the incident,
// the board alert and the evidence bundle.
func TestChatProtectionFlow(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		desk, citizen, contactID := acceptedChat(t, e, kim, "v-swear")
		swears := []string{"ㅅㅂ 빨리 처리해", "씨X 아직이야?", "시*발 당장 바꿔"}
		var maskedID string
		for i, text := range swears {
			citizen.send(frame{"type": "message", "client_id": "s" + string(rune('1'+i)), "text": text})
			f := desk.await("citizen line at the desk", func(f frame) bool {
				m, _ := f["message"].(map[string]any)
				return f["type"] == "message" && m["from"] == "citizen"
			})
			m := f["message"].(map[string]any)
			if m["masked"] != true || strings.Contains(m["text"].(string), text[:3]) || !strings.Contains(m["text"].(string), "●") {
				t.Fatalf("desk got %v for %q, want masked text", m, text)
			}
			maskedID = m["id"].(string)
			if i < 2 {
				citizen.await("warning", func(f frame) bool {
					m, _ := f["message"].(map[string]any)
					return f["type"] == "message" && m["from"] == "system"
				})
			}
		}
		if end := citizen.await("disconnected", typ("ended")); end["survey"] != false {
			t.Errorf("ended frame %v: a chat ended for abuse must not ask for a rating", end)
		}

		lee := e.login("counselor02")
		t.Run("RevealIsForTheIncidentsCounselor", func(t *testing.T) {
			if code := lee.do("POST", "/api/messages/"+maskedID+"/reveal", nil, nil); code != http.StatusForbidden {
				t.Fatalf("another counselor's reveal: %d, want 403", code)
			}
			var rv struct{ Text string }
			if code := kim.do("POST", "/api/messages/"+maskedID+"/reveal", nil, &rv); code != 200 || rv.Text != swears[2] {
				t.Fatalf("reveal: %d %q", code, rv.Text)
			}
		})
		sup := e.login("supervisor01")
		var incs []minwon.Incident
		if code := sup.do("GET", "/api/incidents", nil, &incs); code != 200 || len(incs) != 1 {
			t.Fatalf("incidents: %d %+v", code, incs)
		}
		inc := incs[0]
		if inc.Type != minwon.IncidentAbuse || len(inc.Warnings) != 2 || inc.Ended == nil || len(inc.Items) != 3 || inc.ContactID != contactID {
			t.Fatalf("incident = %+v", inc)
		}
		t.Run("Roles", func(t *testing.T) {
			if code := kim.do("GET", "/api/incidents", nil, nil); code != http.StatusForbidden {
				t.Fatalf("counselor lists incidents: %d, want 403", code)
			}
			if code := kim.do("GET", "/api/incidents/"+inc.ID, nil, nil); code != 200 {
				t.Fatalf("the incident's counselor reads it: %d", code)
			}
			if code := lee.do("GET", "/api/incidents/"+inc.ID, nil, nil); code != http.StatusForbidden {
				t.Fatalf("another counselor reads it: %d, want 403", code)
			}
			if code := kim.do("POST", "/api/incidents/"+inc.ID+"/review", map[string]string{"verdict": "confirmed", "reason": "x"}, nil); code != http.StatusForbidden {
				t.Fatalf("counselor reviews: %d, want 403", code)
			}
			if code := sup.do("POST", "/api/sanctions", map[string]string{"caller_id": inc.CallerID, "kind": "restrict"}, nil); code != http.StatusBadRequest {
				t.Fatalf("sanction without a reason: %d, want 400", code)
			}
		})
		t.Run("BoardAlert", func(t *testing.T) {
			var b board.Snapshot
			sup.do("GET", "/api/board", nil, &b)
			if len(b.Alerts) != 1 || b.Alerts[0].IncidentID != inc.ID || b.Alerts[0].AgentID != kim.id {
				t.Fatalf("board alerts = %+v", b.Alerts)
			}
		})
		t.Run("ReviewSanctionBundleReport", func(t *testing.T) {
			var rv minwon.Incident
			if code := sup.do("POST", "/api/incidents/"+inc.ID+"/review", map[string]string{"verdict": "confirmed", "reason": "욕설 확인"}, &rv); code != 200 || rv.Review == nil {
				t.Fatalf("review: %d %+v", code, rv.Review)
			}
			var sn minwon.Sanction
			if code := sup.do("POST", "/api/sanctions", map[string]string{"caller_id": inc.CallerID, "kind": "restrict", "reason": "반복 욕설"}, &sn); code != 200 || sn.ActorID != sup.id {
				t.Fatalf("sanction: %d %+v", code, sn)
			}
			req, _ := http.NewRequest("GET", e.url+"/api/incidents/"+inc.ID+"/bundle", nil)
			resp, err := sup.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("bundle: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			var transcript string
			for _, f := range zr.File {
				if f.Name == "transcript.txt" {
					rc, _ := f.Open()
					b, _ := io.ReadAll(rc)
					transcript = string(b)
				}
			}
			if !strings.Contains(transcript, swears[0]) {
				t.Fatalf("transcript lacks the original text: %q", transcript)
			}
			var rep struct {
				Periods []struct {
					Counts map[string]int `json:"counts"`
					Total  int            `json:"total"`
				} `json:"periods"`
				Exposure []struct {
					AgentID string `json:"agent_id"`
					Total   int    `json:"total"`
				} `json:"exposure"`
			}
			to := time.Now().Add(time.Hour).Format(time.RFC3339)
			if code := sup.do("GET", "/api/incidents/report?period=day&to="+to, nil, &rep); code != 200 {
				t.Fatalf("report: %d", code)
			}
			total := 0
			for _, p := range rep.Periods {
				total += p.Counts["abuse"]
			}
			if total != 1 || len(rep.Exposure) != 1 || rep.Exposure[0].AgentID != kim.id {
				t.Fatalf("report = %+v", rep)
			}
		})
	})
}

// The counselor's warn button sends the scripted warnings and the third
// press ends the chat; the supervisor finds the incident by counselor, with
// the counselor's note, and files the case for legal action.
func TestCounselorProtectionButtons(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		_, citizen, contactID := acceptedChat(t, e, kim, "v-rude")
		var p struct {
			Warn       bool   `json:"warn"`
			End        bool   `json:"end"`
			EndFrom    string `json:"end_from"`
			Warnings   int    `json:"warnings"`
			EndAt      int    `json:"end_at"`
			Ended      bool   `json:"ended"`
			IncidentID string `json:"incident_id"`
		}
		if code := kim.do("GET", "/api/contacts/"+contactID+"/protection", nil, &p); code != 200 || !p.Warn || p.End || p.EndAt != 3 || p.EndFrom == "" {
			t.Fatalf("protection: %d %+v", code, p)
		}
		lee := e.login("counselor02")
		if code := lee.do("POST", "/api/contacts/"+contactID+"/warn", map[string]string{}, nil); code != http.StatusForbidden {
			t.Fatalf("another counselor warns: %d, want 403", code)
		}
		noCSRF := *kim
		noCSRF.csrf = ""
		if code := noCSRF.do("POST", "/api/contacts/"+contactID+"/warn", map[string]string{}, nil); code != http.StatusForbidden {
			t.Fatalf("warn without the CSRF token: %d, want 403", code)
		}
		if code := kim.do("POST", "/api/contacts/"+contactID+"/end-notice", map[string]string{"type": "abuse"}, nil); code != http.StatusForbidden {
			t.Fatalf("end with notice before the warnings: %d, want 403", code)
		}
		for n := 1; n <= 3; n++ {
			if code := kim.do("POST", "/api/contacts/"+contactID+"/warn", map[string]string{"type": "abuse", "note": "고성"}, &p); code != 200 {
				t.Fatalf("warn %d: %d", n, code)
			}
			if n < 3 {
				if p.Warnings != n {
					t.Fatalf("after warn %d: %+v", n, p)
				}
				citizen.await("warning", func(f frame) bool {
					m, _ := f["message"].(map[string]any)
					return f["type"] == "message" && m["from"] == "system"
				})
			}
		}
		if !p.Ended {
			t.Fatalf("after the third warning: %+v", p)
		}
		if end := citizen.await("disconnected", typ("ended")); end["survey"] != false {
			t.Errorf("ended frame %v: a chat ended for abuse must not ask for a rating", end)
		}
		if code := kim.do("POST", "/api/incidents/"+p.IncidentID+"/notes", map[string]string{"text": "세 번 경고 후 종료"}, nil); code != 200 {
			t.Fatalf("note: %d", code)
		}
		if code := lee.do("POST", "/api/incidents/"+p.IncidentID+"/notes", map[string]string{"text": "x"}, nil); code != http.StatusForbidden {
			t.Fatalf("another counselor's note: %d, want 403", code)
		}

		sup := e.login("supervisor01")
		list := func(query string) ([]minwon.Incident, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", e.url+"/api/incidents?"+query, nil)
			resp, err := sup.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out []minwon.Incident
			if resp.StatusCode != 200 {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("list ?%s: %d %s", query, resp.StatusCode, b)
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			return out, resp.Header.Get("X-Total-Count")
		}
		today := time.Now().In(policy.KST).Format("2006-01-02")
		incs, total := list("agent=" + kim.id + "&from=" + today + "&to=" + today + "&status=open&type=abuse")
		if len(incs) != 1 || total != "1" || incs[0].ID != p.IncidentID || len(incs[0].Warnings) != 2 || len(incs[0].Actions) != 1 {
			t.Fatalf("kim's incidents today: %s %+v", total, incs)
		}
		if incs, total := list("agent=" + lee.id); len(incs) != 0 || total != "0" {
			t.Fatalf("lee's incidents: %s %+v", total, incs)
		}
		yesterday := time.Now().In(policy.KST).AddDate(0, 0, -1).Format("2006-01-02")
		if incs, _ := list("to=" + yesterday); len(incs) != 0 {
			t.Fatalf("incidents up to yesterday: %+v", incs)
		}
		for _, bad := range []string{"status=closed", "limit=-1", "from=yesterday", "type=rude"} {
			if code := sup.do("GET", "/api/incidents?"+bad, nil, nil); code != http.StatusBadRequest {
				t.Errorf("?%s: %d, want 400", bad, code)
			}
		}
		var d struct {
			minwon.Incident
			Status string             `json:"status"`
			Case   *minwon.LegalCase  `json:"case"`
			Flag   *minwon.CallerFlag `json:"flag"`
		}
		if code := sup.do("GET", "/api/incidents/"+p.IncidentID, nil, &d); code != 200 || d.Status != "open" || d.Flag == nil || d.Case != nil {
			t.Fatalf("detail: %d %+v", code, d)
		}
	})
}

// acceptedChat makes counselor available, opens a citizen chat from visitor
// and has the counselor accept it once the citizen is welcomed; it returns
// the counselor's desk socket, the citizen's socket and the contact.
func acceptedChat(t *testing.T, e *env, counselor *staff, visitor string) (desk, citizen *ws, contactID string) {
	t.Helper()
	desk = mustDial(t, wsURL(e, "/ws/desk"), counselor.c)
	if code := counselor.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); code != 200 {
		t.Fatalf("set available: %d", code)
	}
	citizen = mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor="+visitor), nil)
	contactID = citizen.await("welcome", typ("welcome"))["contact_id"].(string)
	desk.await("offer", typ("offer"))
	if code := counselor.do("POST", "/api/contacts/"+contactID+"/accept", nil, nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	citizen.await("agent joined", typ("agent"))
	return desk, citizen, contactID
}
