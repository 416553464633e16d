package center_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

// supervisor adds a supervisor of the city.
func (f *fixture) supervisor(id string) {
	f.t.Helper()
	ok(f.t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: id, Login: id, Name: "최관리", TenantID: "city",
		Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123")))
}

func TestCounselorWarnsAndTheThirdEndsTheChat(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ready("kim", "lee")
	ct := f.answered("v-press")
	answered := f.clock.Now()
	p := must(f.c.DeskProtection("kim", ct.ID))
	if !p.Warn || p.End || p.Warnings != 0 || p.EndAt != 3 || !p.EndFrom.Equal(answered.Add(20*time.Minute)) || p.IncidentID != "" {
		t.Fatalf("before any press: %+v", p)
	}
	t.Run("OnlyTheContactsCounselor", func(t *testing.T) {
		_, err := f.c.CounselorWarn(f.ctx, "lee", ct.ID, "", "")
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.DeskProtection("lee", ct.ID)
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.CounselorWarn(f.ctx, "kim", ct.ID, "rude", "")
		wantCode(t, err, minwon.EINVALID)
	})
	t.Run("EndNeedsTheWarningsFirst", func(t *testing.T) {
		_, err := f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "")
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	p = must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, minwon.IncidentAbuse, "반말과 고성"))
	if p.Warnings != 1 || p.IncidentID == "" || p.End {
		t.Fatalf("after the first press: %+v", p)
	}
	p = must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, "", ""))
	if p.Warnings != 2 || !p.End {
		t.Fatalf("after the second press: %+v (end with notice is allowed once the warnings are spent)", p)
	}
	if got := systemLines(t, f, ct.ID); len(got) != 2 || got[0] == got[1] {
		t.Fatalf("the citizen got %q, want two different warnings", got)
	}
	if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactActive {
		t.Fatalf("after two warnings the contact is %s", s)
	}
	p = must(f.c.CounselorWarn(f.ctx, "kim", ct.ID, "", ""))
	if p.Warn || p.End || !p.Ended {
		t.Fatalf("after the third press: %+v", p)
	}
	if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
		t.Fatalf("the third warning left the contact %s, want wrap_up", s)
	}
	if got := systemLines(t, f, ct.ID); len(got) != 3 {
		t.Fatalf("system lines %q, want two warnings and the closing notice", got)
	}
	if n := countEvents(t, f, minwon.EventStrikeRecorded); n != 1 {
		t.Fatalf("%d strikes, want 1", n)
	}
	_, err := f.c.CounselorWarn(f.ctx, "kim", ct.ID, "", "")
	wantCode(t, err, minwon.ECONFLICT)

	inc := must(f.c.Incident(f.ctx, "kim", p.IncidentID))
	if inc.Source != minwon.SourceCounselor || len(inc.Warnings) != 2 || inc.Ended == nil || inc.Ended.Reason != "counselor" ||
		len(inc.Items) != 1 || inc.Items[0].Kind != minwon.ItemNote || inc.Items[0].Text != "반말과 고성" {
		t.Fatalf("incident = %+v", inc.Incident)
	}
	for _, w := range inc.Warnings {
		if w.By != minwon.FromAgent {
			t.Fatalf("warning %d by %s, want agent", w.N, w.By)
		}
	}
	t.Run("CounselorNote", func(t *testing.T) {
		got := must(f.c.NoteIncident(f.ctx, "kim", p.IncidentID, "  세 번 경고 후 종료했습니다. 전담팀 연결이 필요해 보입니다.  "))
		if n := len(got.Actions); n != 1 || got.Actions[0].Kind != minwon.ActionNote || got.Actions[0].ActorID != "kim" ||
			got.Actions[0].Note != "세 번 경고 후 종료했습니다. 전담팀 연결이 필요해 보입니다." {
			t.Fatalf("actions = %+v", got.Actions)
		}
		_, err := f.c.NoteIncident(f.ctx, "lee", p.IncidentID, "남의 사건")
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.NoteIncident(f.ctx, "kim", p.IncidentID, "   ")
		wantCode(t, err, minwon.EINVALID)
		_, err = f.c.NoteIncident(f.ctx, "kim", "nope", "x")
		wantCode(t, err, minwon.ENOTFOUND)
	})
}

func TestEndWithNoticeAfterTwentyMinutes(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ready("kim")
	ct := f.answered("v-long")
	f.clock.Add(19 * time.Minute)
	_, err := f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentDrunkLong, "")
	wantCode(t, err, minwon.EFORBIDDEN)
	f.clock.Add(time.Minute)
	if p := must(f.c.DeskProtection("kim", ct.ID)); !p.End {
		t.Fatalf("at 20 minutes: %+v, want end armed", p)
	}
	p := must(f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentDrunkLong, "같은 말 반복"))
	if !p.Ended {
		t.Fatalf("after end with notice: %+v", p)
	}
	if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
		t.Fatalf("contact is %s, want wrap_up", s)
	}
	got := systemLines(t, f, ct.ID)
	if len(got) != 1 || got[0] != policy.DefaultConfig().TimeClosing {
		t.Fatalf("system lines %q, want the time-rule notice", got)
	}
	inc := must(f.c.Incident(f.ctx, "kim", p.IncidentID))
	if inc.Ended == nil || inc.Ended.Reason != "after_minutes" || inc.Type != minwon.IncidentDrunkLong {
		t.Fatalf("incident = %+v", inc.Incident)
	}
}

// Sexual harassment may be ended at once by the counselor, when the
// classifier missed it.
func TestEndWithNoticeAtOnceForSexualHarassment(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ready("kim")
	ct := f.answered("v-sx")
	p := must(f.c.EndWithNotice(f.ctx, "kim", ct.ID, minwon.IncidentSexual, "외모 평가와 만남 요구"))
	if !p.Ended || countEvents(t, f, minwon.EventCaseOpened) != 1 {
		t.Fatalf("after end: %+v, %d cases", p, countEvents(t, f, minwon.EventCaseOpened))
	}
}

func TestSupervisorIncidentListFromTheStore(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.supervisor("sup")
	f.ready("kim", "lee")
	a := f.answered("v-a") // offered to kim
	must(f.c.CitizenSend(f.ctx, a.ID, "a1", "ㅅㅂ 빨리 처리해"))
	f.clock.Add(24 * time.Hour)
	ok(t, second(f.c.SetState(f.ctx, "kim", minwon.AgentBreak, "meal")))
	b, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-b"})
	ok(t, err)
	must(f.c.Accept(f.ctx, "lee", b.ID))
	must(f.c.CitizenSend(f.ctx, b.ID, "b1", "목소리 섹시하네 만나자"))

	list := func(f2 center.IncidentFilter) *center.IncidentPage {
		t.Helper()
		return must(f.c.Incidents(f.ctx, "sup", f2))
	}
	check := func(t *testing.T, name string, fl center.IncidentFilter, want ...string) {
		t.Helper()
		page := list(fl)
		var got []string
		for _, inc := range page.Incidents {
			got = append(got, inc.AgentID+":"+string(inc.Type))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || page.Total != len(want) && fl.Limit == 0 {
			t.Fatalf("%s: got %v (total %d), want %v", name, got, page.Total, want)
		}
	}
	day := func(d time.Time) time.Time {
		y, m, dd := d.In(policy.KST).Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, policy.KST)
	}
	first := day(a.CreatedAt)
	check(t, "all", center.IncidentFilter{}, "lee:sexual", "kim:abuse")
	check(t, "by counselor", center.IncidentFilter{AgentID: "kim"}, "kim:abuse")
	check(t, "by type", center.IncidentFilter{Type: minwon.IncidentSexual}, "lee:sexual")
	check(t, "first day", center.IncidentFilter{From: first, To: first.AddDate(0, 0, 1)}, "kim:abuse")
	check(t, "open", center.IncidentFilter{Status: minwon.StatusOpen}, "lee:sexual", "kim:abuse")
	if p := list(center.IncidentFilter{Limit: 1, Offset: 1}); len(p.Incidents) != 1 || p.Total != 2 || p.Incidents[0].AgentID != "kim" {
		t.Fatalf("second page = %+v", p)
	}
	_, err = f.c.Incidents(f.ctx, "kim", center.IncidentFilter{})
	wantCode(t, err, minwon.EFORBIDDEN)
	_, err = f.c.Incidents(f.ctx, "sup", center.IncidentFilter{Status: "closed"})
	wantCode(t, err, minwon.EINVALID)

	sx := list(center.IncidentFilter{Type: minwon.IncidentSexual}).Incidents[0]
	must(f.c.ReviewIncident(f.ctx, "sup", sx.ID, minwon.ReviewConfirmed, "성희롱 확인"))
	check(t, "confirmed", center.IncidentFilter{Status: minwon.StatusConfirmed}, "lee:sexual")

	t.Run("SurvivesRestart", func(t *testing.T) {
		f.restart(center.Config{})
		check(t, "after restart", center.IncidentFilter{Status: minwon.StatusConfirmed}, "lee:sexual")
	})
	t.Run("DetailCarriesTheCaseAndTheSanctions", func(t *testing.T) {
		d := must(f.c.Incident(f.ctx, "sup", sx.ID))
		if d.Case == nil || d.Case.State != minwon.CaseOpen || d.Status != minwon.StatusConfirmed || d.Flag == nil {
			t.Fatalf("detail = %+v", d)
		}
		_, err := f.c.Sanction(f.ctx, "sup", policy.SanctionRequest{CallerID: d.CallerID, Kind: minwon.SanctionLegal, CaseID: d.Case.ID})
		wantCode(t, err, minwon.EINVALID) // a reason is required
		_, err = f.c.Sanction(f.ctx, "lee", policy.SanctionRequest{CallerID: d.CallerID, Kind: minwon.SanctionLegal, CaseID: d.Case.ID, Reason: "x"})
		wantCode(t, err, minwon.EFORBIDDEN)
		must(f.c.Sanction(f.ctx, "sup", policy.SanctionRequest{CallerID: d.CallerID, Kind: minwon.SanctionLegal, CaseID: d.Case.ID, Reason: "경찰 고소 의뢰"}))
		d = must(f.c.Incident(f.ctx, "sup", sx.ID))
		if d.Case.State != minwon.CaseFiled || len(d.Sanctions) != 1 || d.Sanctions[0].ActorID != "sup" {
			t.Fatalf("after legal action: case %+v sanctions %+v", d.Case, d.Sanctions)
		}
		_, err = f.c.Sanction(f.ctx, "sup", policy.SanctionRequest{CallerID: d.CallerID, Kind: minwon.SanctionClose, CaseID: d.Case.ID, Reason: "종결"})
		wantCode(t, err, minwon.ECONFLICT) // filed already
		if lee := must(f.c.Incident(f.ctx, "lee", sx.ID)); lee.Case != nil || lee.Sanctions != nil {
			t.Fatalf("the counselor sees the caller's record: %+v", lee)
		}
	})
	t.Run("BundleHoldsTheCase", func(t *testing.T) {
		var buf bytes.Buffer
		ok(t, f.c.ExportIncident(f.ctx, "sup", sx.ID, &buf))
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		ok(t, err)
		files := map[string][]byte{}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			ok(t, err)
			files[zf.Name] = must(io.ReadAll(rc))
			rc.Close()
		}
		var meta policy.BundleMeta
		ok(t, json.Unmarshal(files["metadata.json"], &meta))
		listed := map[string]bool{}
		for _, bf := range meta.Files {
			sum := sha256.Sum256(files[bf.Name])
			if hex.EncodeToString(sum[:]) != bf.SHA256 {
				t.Fatalf("%s: hash mismatch", bf.Name)
			}
			listed[bf.Name] = true
		}
		if !listed["case.json"] || !listed["transcript.txt"] || !listed["incident.json"] {
			t.Fatalf("files listed: %v", listed)
		}
		var cf policy.BundleCase
		ok(t, json.Unmarshal(files["case.json"], &cf))
		if cf.CallerID != sx.CallerID || cf.State != minwon.CaseFiled || len(cf.Strikes) != 1 || cf.Strikes[0].IncidentID != sx.ID ||
			cf.Strikes[0].At == nil || len(cf.Sanctions) != 1 {
			t.Fatalf("case.json = %s", files["case.json"])
		}
		// The abuse incident (two warnings, no strike) is in no case.
		kim := list(center.IncidentFilter{AgentID: "kim"}).Incidents[0]
		buf.Reset()
		ok(t, f.c.ExportIncident(f.ctx, "sup", kim.ID, &buf))
		zr, err = zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		ok(t, err)
		for _, zf := range zr.File {
			if zf.Name == "case.json" {
				t.Fatal("a case.json for an incident in no case")
			}
		}
	})
}
