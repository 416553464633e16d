package http_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon/center"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/prompts"
)

type statusBody struct {
	Open bool `json:"open"`
	Why  struct {
		Code    string `json:"code"`
		Holiday string `json:"holiday"`
	} `json:"why"`
	Holiday    string     `json:"holiday"`
	NextChange *time.Time `json:"next_change"`
	Notices    []struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	} `json:"notices"`
	Hears []struct {
		Prompt, Text, Notice, Kind string
	} `json:"hears"`
	Then string `json:"then"`
}

func errField(t *testing.T, body []byte) string {
	t.Helper()
	var eb struct {
		Error struct{ Code, Message, Field string }
	}
	json.Unmarshal(body, &eb)
	return eb.Error.Field
}

func TestIVRRoutes(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		e.center.SetNoticeVoice(&prompts.Voice{Dir: t.TempDir()})
		admin, sup, kim := e.login("admin"), e.login("supervisor01"), e.login("counselor01")
		const city, district = "/api/tenants/hanbit", "/api/tenants/hanbit-jung"
		weekdays := `{"config":{"hours":{"weekly":{"mon":[{"from":"09:00","to":"18:00"}],"tue":[{"from":"09:00","to":"18:00"}],
			"wed":[{"from":"09:00","to":"18:00"}],"thu":[{"from":"09:00","to":"18:00"}],"fri":[{"from":"09:00","to":"18:00"}]},
			"breaks":[{"from":"12:00","to":"13:00"}],"holiday":"closed"}}}`

		t.Run("Roles", func(t *testing.T) {
			if code := kim.do("GET", district+"/hours", nil, nil); code != http.StatusNotFound {
				t.Fatalf("counselor GET hours: %d, want 404", code)
			}
			if code, _ := sup.rawDo("PUT", district+"/hours", weekdays); code != http.StatusForbidden {
				t.Fatalf("supervisor PUT hours: %d, want 403", code)
			}
			if code := kim.do("POST", district+"/notices", map[string]any{}, nil); code != http.StatusForbidden {
				t.Fatalf("counselor POST notice: %d, want 403", code)
			}
			if code := admin.do("GET", "/api/tenants/nope/hours/status", nil, nil); code != http.StatusNotFound {
				t.Fatalf("unknown tenant: %d, want 404", code)
			}
		})
		t.Run("BadInputIs400WithTheField", func(t *testing.T) {
			for _, tt := range []struct{ method, path, body, field string }{
				{"PUT", district + "/hours", `{"config":{"hours":{"weekly":{"mon":[{"from":"18:00","to":"09:00"}]}}}}`, "hours"},
				{"PUT", district + "/hours", `{"config":{"hours":{"weekly":{}},"extra_holidays":[{"date":"2026-02-30","name":"x"}]}}`, ""},
				{"PUT", district + "/hours", `{"config":{"hours":{"weekly":{"funday":[]}}}}`, ""},
				{"PUT", district + "/hours", `{"config":{"hours":{"always_open":true},"callback_after_mins":500}}`, "callback_after_mins"},
				{"GET", district + "/hours/status?at=tomorrow", "", "at"},
				{"GET", "/api/holidays?year=3000", "", "year"},
				{"POST", district + "/notices", `{"kind":"disaster","text":"지진","start":"2026-12-02T10:00:00+09:00","end":"2026-12-02T09:00:00+09:00"}`, "end"},
				{"POST", district + "/notices", `{"kind":"disaster","text":"","start":"2026-12-02T10:00:00+09:00","end":"2026-12-02T11:00:00+09:00"}`, "text"},
				{"POST", district + "/notices", `{"kind":"general","text":"안내","start":"2026-12-02T10:00:00+09:00","end":"2026-12-02T11:00:00+09:00","wav":"UklGRg=="}`, "wav"},
			} {
				code, body := sup.rawDo(tt.method, tt.path, tt.body)
				if tt.method == "PUT" {
					code, body = admin.rawDo(tt.method, tt.path, tt.body)
				}
				if code != http.StatusBadRequest || (tt.field != "" && errField(t, body) != tt.field) {
					t.Fatalf("%s %s %s: %d %s, want 400 on %q", tt.method, tt.path, tt.body, code, body, tt.field)
				}
			}
		})
		t.Run("OversizedNoticeIs413AndLosesNothing", func(t *testing.T) {
			huge := `{"kind":"general","text":"안내","start":"2026-12-02T10:00:00+09:00","end":"2026-12-02T11:00:00+09:00","wav":"` + strings.Repeat("A", 2<<20) + `"}`
			if code, body := sup.rawDo("POST", district+"/notices", huge); code != http.StatusRequestEntityTooLarge {
				t.Fatalf("2 MiB notice: %d %s, want 413", code, body)
			}
			var list []center.IVRNotice
			if sup.do("GET", district+"/notices", nil, &list); len(list) != 0 {
				t.Fatalf("notices after refusals %+v", list)
			}
		})
		var hv center.HoursView
		if code, body := admin.rawDo("PUT", city+"/hours", weekdays); code != 200 {
			t.Fatalf("admin PUT hours: %d %s", code, body)
		}
		t.Run("DistrictOnChuseokIsClosed", func(t *testing.T) {
			if code := sup.do("GET", district+"/hours", nil, &hv); code != 200 || hv.Source != center.PolicyInherited || hv.From != "hanbit" {
				t.Fatalf("district hours: %d %+v", code, hv)
			}
			var st statusBody
			if code := sup.do("GET", district+"/hours/status?at=2025-10-06T10:00:00%2B09:00", nil, &st); code != 200 {
				t.Fatalf("status: %d", code)
			}
			if st.Open || st.Why.Code != "holiday" || st.Holiday != "추석" || st.Then != "end" || st.NextChange == nil {
				t.Fatalf("status on 추석 = %+v", st)
			}
			if len(st.Hears) < 3 || st.Hears[1].Prompt != "holiday_chuseok" || !strings.Contains(st.Hears[1].Text, "추석") {
				t.Fatalf("hears %+v, want the greeting then 추석", st.Hears)
			}
		})
		t.Run("Holidays", func(t *testing.T) {
			var hs []struct{ Date, Name, Kind, For string }
			if code := kim.do("GET", "/api/holidays?year=2025", nil, &hs); code != 200 {
				t.Fatalf("holidays: %d", code)
			}
			found := map[string]string{}
			for _, h := range hs {
				found[h.Date] = h.Name
			}
			if found["2025-10-06"] != "추석" || found["2025-10-08"] != "대체공휴일" || found["2025-05-05"] == "" {
				t.Fatalf("2025 holidays %v", found)
			}
		})
		var id string
		t.Run("SupervisorSetsADisasterNoticeThatPlaysNow", func(t *testing.T) {
			now := time.Now()
			n := map[string]any{"kind": "disaster", "text": "지진 발생으로 상담이 지연되고 있습니다.", "start": now.Add(-time.Minute), "end": now.Add(time.Hour),
				"replace_menu": true, "then": "queue"}
			var set center.IVRNotice
			if code := sup.do("POST", district+"/notices", n, &set); code != http.StatusCreated || len(set.Audio) != 64 || set.SetBy != sup.id {
				t.Fatalf("POST notice: %d %+v", code, set)
			}
			id = set.ID
			// The district is open around the clock now? It follows the
			// city's weekday hours; whatever the time, the notice is heard.
			var st statusBody
			sup.do("GET", district+"/hours/status", nil, &st)
			if len(st.Notices) != 1 || st.Notices[0].Kind != "disaster" {
				t.Fatalf("status notices %+v", st.Notices)
			}
			var heard bool
			for _, h := range st.Hears {
				heard = heard || (h.Notice == id && strings.Contains(h.Text, "지진"))
			}
			if !heard {
				t.Fatalf("hears %+v, want the disaster notice", st.Hears)
			}
			var list []center.IVRNotice
			if code := sup.do("GET", district+"/notices", nil, &list); code != 200 || len(list) != 1 {
				t.Fatalf("list: %d %+v", code, list)
			}
		})
		t.Run("TenantRecordingReplacesADefaultPrompt", func(t *testing.T) {
			wav := base64.StdEncoding.EncodeToString(testWAV(8000, 4000))
			const path = city + "/prompts/ko/after_hours"
			if code, _ := sup.rawDo("PUT", path, `{"wav":"`+wav+`"}`); code != http.StatusForbidden {
				t.Fatalf("supervisor PUT prompt: %d, want 403", code)
			}
			for _, tt := range []struct{ path, body, field string }{
				{city + "/prompts/ko/no_such_prompt", `{"wav":"` + wav + `"}`, "name"},
				{city + "/prompts/ko/after_hours", `{"wav":"` + base64.StdEncoding.EncodeToString(testWAV(16000, 4000)) + `"}`, "wav"},
				{city + "/prompts/ko/after_hours", `{}`, "wav"},
			} {
				if code, body := admin.rawDo("PUT", tt.path, tt.body); code != 400 || errField(t, body) != tt.field {
					t.Fatalf("PUT %s: %d %s, want 400 on %s", tt.path, code, body, tt.field)
				}
			}
			var p center.IVRPrompt
			code, body := admin.rawDo("PUT", path, `{"wav":"`+wav+`"}`)
			if code != 200 || json.Unmarshal(body, &p) != nil || len(p.Audio) != 64 {
				t.Fatalf("admin PUT prompt: %d %s", code, body)
			}
			var list []center.IVRPrompt
			if code := sup.do("GET", district+"/prompts", nil, &list); code != 200 || len(list) != 0 {
				t.Fatalf("the district lists its own recordings only: %d %+v", code, list)
			}
			if code := admin.do("DELETE", path, nil, nil); code != http.StatusNoContent {
				t.Fatalf("DELETE prompt: %d", code)
			}
			if code := admin.do("DELETE", path, nil, nil); code != http.StatusNotFound {
				t.Fatalf("DELETE again: %d, want 404", code)
			}
		})
		t.Run("TenantRecordsItsOwnProtectionWarning", func(t *testing.T) {
			wav := base64.StdEncoding.EncodeToString(testWAV(8000, 4000))
			const path = city + "/prompts/ko/protect_warning_1"
			if code, _ := sup.rawDo("PUT", path, `{"wav":"`+wav+`"}`); code != http.StatusForbidden {
				t.Fatalf("supervisor PUT warning: %d, want 403", code)
			}
			if code, body := admin.rawDo("PUT", city+"/prompts/ko/protect_nonsense", `{"wav":"`+wav+`"}`); code != 400 || errField(t, body) != "name" {
				t.Fatalf("PUT an unknown protection prompt: %d %s, want 400 on name", code, body)
			}
			if code, body := admin.rawDo("PUT", path, `{"wav":"`+wav+`"}`); code != 200 {
				t.Fatalf("admin PUT warning: %d %s", code, body)
			}
			var list []center.IVRPrompt
			if code := admin.do("GET", city+"/prompts", nil, &list); code != 200 || len(list) != 1 || list[0].Name != "protect_warning_1" {
				t.Fatalf("recordings %d %+v, want the warning", code, list)
			}
			if code := admin.do("DELETE", path, nil, nil); code != http.StatusNoContent {
				t.Fatalf("revert the warning to the default: %d", code)
			}
		})
		t.Run("RemovedNoticeStopsPlaying", func(t *testing.T) {
			if code := sup.do("DELETE", district+"/notices/"+id, nil, nil); code != http.StatusNoContent {
				t.Fatalf("DELETE: %d", code)
			}
			var st statusBody
			sup.do("GET", district+"/hours/status", nil, &st)
			if len(st.Notices) != 0 {
				t.Fatalf("notices after removal %+v", st.Notices)
			}
		})
	})
}

// testWAV is a mono 16-bit WAV of silence at rate Hz.
func testWAV(rate, samples int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+2*samples))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(2*samples))
	b.Write(make([]byte, 2*samples))
	return b.Bytes()
}
