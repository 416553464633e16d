package center_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/sqldb"
)

// fakeVoice makes "audio" from the text, so the tests need no espeak-ng.
type fakeVoice struct {
	synthesize func(ctx context.Context, tenant, text string) (string, error)
	upload     func(tenant string, wav []byte) (string, error)
}

var _ center.NoticeVoice = (*fakeVoice)(nil)

func (v *fakeVoice) Synthesize(ctx context.Context, tenant, text string) (string, error) {
	return v.synthesize(ctx, tenant, text)
}
func (v *fakeVoice) Upload(tenant string, wav []byte) (string, error) { return v.upload(tenant, wav) }

func newFakeVoice() *fakeVoice {
	return &fakeVoice{
		synthesize: func(_ context.Context, tenant, text string) (string, error) {
			return strings.Repeat("a", 63) + "1", nil
		},
		upload: func(tenant string, wav []byte) (string, error) { return strings.Repeat("b", 64), nil },
	}
}

var kst = time.FixedZone("KST", 9*3600)

func weekdays9to6() *center.HoursConfig {
	return &center.HoursConfig{Hours: calendar.Hours{
		Weekly: calendar.Weekdays(calendar.Span{From: 9 * 60, To: 18 * 60}),
		Breaks: []calendar.Span{{From: 12 * 60, To: 13 * 60}},
	}}
}

func (f *fixture) ivrTenants() {
	f.t.Helper()
	f.staff()
	ok(f.t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "jung", ParentID: "city", Name: "중구", Kind: minwon.TenantDistrict, EntryPoints: []string{"02-120-3000"}, DefaultQueue: "general"})))
	ok(f.t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "other", Name: "다른시", EntryPoints: []string{"other"}})))
	ok(f.t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "sup-other", TenantID: "other", Login: "sup-other", Name: "다른감독", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123")))
	f.c.SetNoticeVoice(newFakeVoice())
}

func TestIVRHours(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ivrTenants()
	chuseok := time.Date(2025, 10, 6, 10, 0, 0, 0, kst)
	weekday := time.Date(2025, 10, 1, 10, 0, 0, 0, kst) // a Wednesday

	t.Run("AlwaysOpenUntilSet", func(t *testing.T) {
		st := must(f.c.HoursStatusAt("sup", "jung", chuseok))
		if !st.Open || st.Why.Code != calendar.WhyAlwaysOpen || st.NextChange != nil {
			t.Fatalf("status = %+v, want always open", st)
		}
		if v := must(f.c.Hours("sup", "jung")); v.Source != center.PolicyDefault || !v.Config.Hours.AlwaysOpen {
			t.Fatalf("view = %+v, want the always-open default", v)
		}
	})
	t.Run("OnlyAdminsChangeThem", func(t *testing.T) {
		_, err := f.c.SetHours(f.ctx, "sup", "city", weekdays9to6())
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.Hours("sup-other", "city")
		wantCode(t, err, minwon.ENOTFOUND)
		_, err = f.c.Hours("kim", "city")
		wantCode(t, err, minwon.ENOTFOUND)
	})
	t.Run("InvalidHoursNameTheField", func(t *testing.T) {
		bad := weekdays9to6()
		bad.Hours.Weekly[time.Monday] = []calendar.Span{{From: 18 * 60, To: 9 * 60}}
		_, err := f.c.SetHours(f.ctx, "admin", "city", bad)
		wantCode(t, err, minwon.EINVALID)
		if minwon.ErrorField(err) != "hours" || !strings.Contains(err.Error(), "mon") {
			t.Fatalf("err = %v (field %q), want hours naming mon", err, minwon.ErrorField(err))
		}
		bad = weekdays9to6()
		bad.ExtraHolidays = []calendar.ExtraDay{{Date: calendar.Date{Year: 2026, Month: 6, Day: 3}}}
		_, err = f.c.SetHours(f.ctx, "admin", "city", bad)
		if minwon.ErrorField(err) != "extra_holidays" {
			t.Fatalf("err = %v, want field extra_holidays", err)
		}
	})
	cfg := weekdays9to6()
	cfg.ExtraHolidays = []calendar.ExtraDay{{Date: calendar.Date{Year: 2025, Month: 10, Day: 1}, Name: "임시공휴일"}}
	must(f.c.SetHours(f.ctx, "admin", "city", cfg))

	t.Run("DistrictInheritsTheCity", func(t *testing.T) {
		v := must(f.c.Hours("sup", "jung"))
		if v.Source != center.PolicyInherited || v.From != "city" || v.UpdatedBy != "admin" {
			t.Fatalf("view = %+v, want inherited from city", v)
		}
		st := must(f.c.HoursStatusAt("sup", "jung", chuseok))
		if st.Open || st.Why.Code != calendar.WhyHoliday || st.Holiday != "추석" {
			t.Fatalf("status at 추석 = %+v, want closed for 추석", st)
		}
		want := []ivr.Prompt{"holiday_chuseok", ivr.Holiday}
		if !st.Schedule.Closed || !equalPrompts(st.Schedule.Closing, want) {
			t.Fatalf("schedule = %+v, want closed with %v", st.Schedule, want)
		}
		if st.NextChange == nil || !st.NextChange.Equal(time.Date(2025, 10, 10, 9, 0, 0, 0, kst)) {
			t.Fatalf("next change %v, want 2025-10-10 09:00 (after 추석 and 한글날)", st.NextChange)
		}
	})
	t.Run("ExtraHolidayCloses", func(t *testing.T) {
		st := must(f.c.HoursStatusAt("sup", "jung", weekday))
		if st.Open || st.Holiday != "임시공휴일" {
			t.Fatalf("status = %+v, want closed for the extra holiday", st)
		}
		if _, ok := ivr.HolidayPrompt(st.Holiday); ok {
			t.Fatal("an extra holiday has no named prompt")
		}
	})
	t.Run("LunchAndAfterHours", func(t *testing.T) {
		lunch := must(f.c.HoursStatusAt("sup", "city", time.Date(2025, 10, 2, 12, 30, 0, 0, kst)))
		if lunch.Open || lunch.Why.Code != calendar.WhyBreak || !equalPrompts(lunch.Schedule.Closing, []ivr.Prompt{ivr.Lunch}) {
			t.Fatalf("lunch = %+v", lunch)
		}
		night := must(f.c.HoursStatusAt("sup", "city", time.Date(2025, 10, 2, 19, 0, 0, 0, kst)))
		if night.Open || !equalPrompts(night.Schedule.Closing, []ivr.Prompt{ivr.AfterHours}) {
			t.Fatalf("night = %+v", night)
		}
		open := must(f.c.HoursStatusAt("sup", "city", time.Date(2025, 10, 2, 10, 0, 0, 0, kst)))
		if !open.Open || open.Schedule.Closed {
			t.Fatalf("weekday 10:00 = %+v, want open", open)
		}
	})
	t.Run("DistrictOwnHoursThenBackToTheCity", func(t *testing.T) {
		must(f.c.SetHours(f.ctx, "admin", "jung", &center.HoursConfig{Hours: calendar.AlwaysOpen()}))
		if st := must(f.c.HoursStatusAt("sup", "jung", chuseok)); !st.Open {
			t.Fatalf("jung with its own 24/7 hours is closed: %+v", st)
		}
		must(f.c.SetHours(f.ctx, "admin", "jung", nil))
		if v := must(f.c.Hours("sup", "jung")); v.Source != center.PolicyInherited {
			t.Fatalf("after reset, source %s, want inherited", v.Source)
		}
	})
	t.Run("CallScheduleByNumber", func(t *testing.T) {
		f.clock.t = chuseok
		sch, tenant, ok := f.c.CallSchedule("021203000")
		if !ok || tenant != "jung" || !sch.Closed {
			t.Fatalf("call schedule = %+v %q %v, want jung closed", sch, tenant, ok)
		}
	})
	t.Run("StoredAsEventsWithTheActor", func(t *testing.T) {
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventIVRHours}}))
		if len(evs) != 3 || evs[0].ActorID != "admin" || evs[0].TenantID != "city" {
			t.Fatalf("ivr.hours events %+v", evs)
		}
	})
	t.Run("RestartRestoresThem", func(t *testing.T) {
		f.restart(center.Config{})
		st := must(f.c.HoursStatusAt("sup", "jung", chuseok))
		if st.Open || st.Holiday != "추석" {
			t.Fatalf("after restart, status = %+v", st)
		}
	})
}

func equalPrompts(a, b []ivr.Prompt) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIVRNotices(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ivrTenants()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, kst)
	f.clock.t = now
	notice := func(id string, kind calendar.NoticeKind, text string, from, to time.Duration) center.NoticeRequest {
		return center.NoticeRequest{Notice: calendar.Notice{ID: id, Kind: kind, Text: text, Start: now.Add(from), End: now.Add(to)}}
	}

	t.Run("SupervisorsOfTheTenantOnly", func(t *testing.T) {
		_, err := f.c.SetIVRNotice(f.ctx, "sup-other", "city", notice("x", calendar.NoticeGeneral, "안내", 0, time.Hour))
		wantCode(t, err, minwon.ENOTFOUND)
		_, err = f.c.SetIVRNotice(f.ctx, "kim", "city", notice("x", calendar.NoticeGeneral, "안내", 0, time.Hour))
		wantCode(t, err, minwon.ENOTFOUND)
	})
	t.Run("InvalidNoticeNamesTheField", func(t *testing.T) {
		for _, tt := range []struct {
			name, field string
			req         center.NoticeRequest
		}{
			{"EndBeforeStart", "end", notice("a", calendar.NoticeGeneral, "안내", time.Hour, 0)},
			{"EmptyText", "text", notice("a", calendar.NoticeGeneral, "  ", 0, time.Hour)},
			{"UnknownKind", "kind", notice("a", "weather", "안내", 0, time.Hour)},
			{"DisasterTooLong", "end", notice("a", calendar.NoticeDisaster, "안내", 0, 40*24*time.Hour)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.c.SetIVRNotice(f.ctx, "sup", "city", tt.req)
				wantCode(t, err, minwon.EINVALID)
				if got := minwon.ErrorField(err); got != tt.field {
					t.Fatalf("field %q (%v), want %q", got, err, tt.field)
				}
			})
		}
	})
	must(f.c.SetIVRNotice(f.ctx, "sup", "city", notice("moved", calendar.NoticeMoved, "주차관리과가 이전했습니다.", -time.Hour, 24*time.Hour)))
	t.Run("SameKindOverlapIsRefused", func(t *testing.T) {
		_, err := f.c.SetIVRNotice(f.ctx, "sup", "city", notice("moved2", calendar.NoticeMoved, "또 이전", 0, time.Hour))
		wantCode(t, err, minwon.EINVALID)
		if !strings.Contains(err.Error(), "overlaps") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ActiveNoticePlaysBeforeTheMenu", func(t *testing.T) {
		sch, _, _ := f.c.CallSchedule("02-120-3000") // the district hears the city's notice
		if sch.Closed || len(sch.Notices) != 1 || sch.ReplaceMenu {
			t.Fatalf("schedule = %+v, want one notice before the menu", sch)
		}
		if tenant, sha, ok := center.ParseNoticePrompt(sch.Notices[0]); !ok || tenant != "city" || len(sha) != 64 {
			t.Fatalf("notice prompt %q", sch.Notices[0])
		}
	})
	dis := notice("quake", calendar.NoticeDisaster, "지진으로 상담이 지연됩니다.", 0, time.Hour)
	dis.ReplaceMenu, dis.Then = true, calendar.ThenEnd
	dis.WAV = []byte("RIFF…") // the fake voice takes it as an upload
	set := must(f.c.SetIVRNotice(f.ctx, "sup", "jung", dis))
	t.Run("DisasterOverridesAndReplacesTheMenu", func(t *testing.T) {
		if set.Audio != strings.Repeat("b", 64) || set.SetBy != "sup" || set.TenantID != "jung" {
			t.Fatalf("set = %+v", set)
		}
		st := must(f.c.HoursStatusAt("sup", "jung", time.Time{}))
		if len(st.Notices) != 1 || st.Notices[0].ID != "quake" || !st.Schedule.ReplaceMenu || !st.Schedule.End {
			t.Fatalf("status = %+v, want only the disaster notice, ending the call", st)
		}
		got := ivr.Plan(st.Schedule)
		if len(got) != 3 || got[0] != ivr.Greeting || got[2] != ivr.Thanks {
			t.Fatalf("plan %v", got)
		}
		// The city does not hear the district's notice.
		if st := must(f.c.HoursStatusAt("sup", "city", time.Time{})); len(st.Notices) != 1 || st.Notices[0].ID != "moved" {
			t.Fatalf("city notices %+v", st.Notices)
		}
	})
	t.Run("WithoutSpeechUploadIsAsked", func(t *testing.T) {
		v := newFakeVoice()
		v.synthesize = func(context.Context, string, string) (string, error) {
			return "", minwon.FieldErrorf("wav", "this server cannot synthesize speech; upload a WAV")
		}
		f.c.SetNoticeVoice(v)
		_, err := f.c.SetIVRNotice(f.ctx, "sup", "city", notice("g", calendar.NoticeGeneral, "안내", 0, time.Hour))
		if minwon.ErrorField(err) != "wav" {
			t.Fatalf("err = %v, want field wav", err)
		}
		if ns := must(f.c.IVRNotices("sup", "city")); len(ns) != 1 {
			t.Fatalf("a refused notice was kept: %+v", ns)
		}
		f.c.SetNoticeVoice(newFakeVoice())
	})
	t.Run("RestartRestoresAndRemoveStops", func(t *testing.T) {
		f.restart(center.Config{})
		if ns := must(f.c.IVRNotices("sup", "jung")); len(ns) != 1 || ns[0].Audio == "" || !ns[0].ReplaceMenu {
			t.Fatalf("after restart, jung notices %+v", ns)
		}
		ok(t, f.c.RemoveIVRNotice(f.ctx, "sup", "jung", "quake"))
		wantCode(t, f.c.RemoveIVRNotice(f.ctx, "sup", "jung", "quake"), minwon.ENOTFOUND)
		st := must(f.c.HoursStatusAt("sup", "jung", time.Time{}))
		if len(st.Notices) != 1 || st.Notices[0].ID != "moved" {
			t.Fatalf("after removal, notices %+v", st.Notices)
		}
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventIVRNoticeSet, minwon.EventIVRNoticeRemoved}}))
		if len(evs) != 3 || evs[2].Type != minwon.EventIVRNoticeRemoved || evs[2].ActorID != "sup" {
			t.Fatalf("notice events %+v", evs)
		}
	})
}

func TestIVRPrompts(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ivrTenants()
	wav := []byte("a WAV the fake voice takes")
	t.Run("AdminsOnlyAndCataloguePromptsOnly", func(t *testing.T) {
		_, err := f.c.SetIVRPrompt(f.ctx, "sup", "city", "ko", "greeting", wav)
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.SetIVRPrompt(f.ctx, "admin", "city", "ko", "../../etc/passwd", wav)
		if minwon.ErrorField(err) != "name" {
			t.Fatalf("err = %v, want field name", err)
		}
		_, err = f.c.SetIVRPrompt(f.ctx, "admin", "city", "xx", "greeting", wav)
		if minwon.ErrorField(err) != "lang" {
			t.Fatalf("err = %v, want field lang", err)
		}
		wantCode(t, second(f.c.SetIVRPrompt(f.ctx, "admin", "city", "ko", "greeting", nil)), minwon.ENOTFOUND)
	})
	must(f.c.SetIVRPrompt(f.ctx, "admin", "city", "ko", "greeting", wav))
	t.Run("DistrictsPlayTheCitysRecording", func(t *testing.T) {
		owner, sha, ok := f.c.TenantPrompt("jung", "ko", ivr.Greeting)
		if !ok || owner != "city" || sha != strings.Repeat("b", 64) {
			t.Fatalf("jung greeting = %q %q %v", owner, sha, ok)
		}
		if _, _, ok := f.c.TenantPrompt("jung", "en", ivr.Greeting); ok {
			t.Fatal("the Korean recording replaced the English prompt")
		}
		if _, _, ok := f.c.TenantPrompt("other", "ko", ivr.Greeting); ok {
			t.Fatal("another tenant plays the city's recording")
		}
	})
	t.Run("RestartKeepsAndRemoveRestoresTheDefault", func(t *testing.T) {
		f.restart(center.Config{})
		f.c.SetNoticeVoice(newFakeVoice())
		if _, _, ok := f.c.TenantPrompt("jung", "ko", ivr.Greeting); !ok {
			t.Fatal("the recording was lost on restart")
		}
		must(f.c.SetIVRPrompt(f.ctx, "admin", "city", "ko", "greeting", nil))
		if _, _, ok := f.c.TenantPrompt("jung", "ko", ivr.Greeting); ok {
			t.Fatal("the removed recording still plays")
		}
		if ps := must(f.c.IVRPrompts("sup", "city")); len(ps) != 0 {
			t.Fatalf("prompts %+v", ps)
		}
	})
}

func TestIVRChangesReachAnotherNode(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.ivrTenants()
	// A second node on the same store and bus.
	db, err := sqldb.Open(f.ctx, f.path, nil)
	ok(t, err)
	t.Cleanup(func() { db.Close() })
	other := center.New(center.Config{Now: f.clock.Now, Secret: []byte("test secret test secret test secret")}, db, f.bus, nil)
	applied := make(chan string, 16)
	t.Cleanup(f.bus.Subscribe(func(ev *minwon.Event) {
		other.ApplyIVREvent(ev)
		applied <- ev.ID
	}))
	ok(t, other.Start(f.ctx, false))
	f.c.SetNoticeVoice(newFakeVoice())
	chuseok := time.Date(2025, 10, 6, 10, 0, 0, 0, kst)
	// Wait for the bus to hand the given event to the other node.
	await := func(id string) {
		t.Helper()
		for {
			select {
			case got := <-applied:
				if got == id {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("event %s never reached the other node", id)
			}
		}
	}
	v := must(f.c.SetHours(f.ctx, "admin", "city", weekdays9to6()))
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventIVRHours}}))
	await(evs[len(evs)-1].ID)
	if st := must(other.HoursStatusAt("sup", "jung", chuseok)); st.Open || st.Holiday != "추석" {
		t.Fatalf("the other node's status %+v after hours were set (%s)", st, v.Source)
	}
	n := must(f.c.SetIVRNotice(f.ctx, "sup", "city", center.NoticeRequest{Notice: calendar.Notice{ID: "q", Kind: calendar.NoticeDisaster, Text: "지진", Start: f.clock.Now(), End: f.clock.Now().Add(time.Hour)}}))
	evs = must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventIVRNoticeSet}}))
	await(evs[len(evs)-1].ID)
	if ns := must(other.IVRNotices("sup", "city")); len(ns) != 1 || ns[0].ID != n.ID {
		t.Fatalf("the other node's notices %+v", ns)
	}
}

// BenchmarkCallSchedule is the work each call's start adds: the district's
// inherited calendar and a full tenant's worth of notices.
func BenchmarkCallSchedule(b *testing.B) {
	t := &testing.T{}
	f := mustCenter(t, center.Config{})
	f.t = t
	f.ivrTenants()
	must(f.c.SetHours(f.ctx, "admin", "city", weekdays9to6()))
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, kst)
	f.clock.t = now
	for i := range calendar.MaxNotices {
		start := now.Add(time.Duration(i-100) * time.Hour)
		must(f.c.SetIVRNotice(f.ctx, "sup", "city", center.NoticeRequest{Notice: calendar.Notice{ID: fmt.Sprint(i), Kind: calendar.NoticeGeneral, Text: "안내", Start: start, End: start.Add(time.Hour)}}))
	}
	b.ResetTimer()
	for b.Loop() {
		if sch, _, ok := f.c.CallSchedule("02-120-3000"); !ok || len(sch.Notices) != 1 {
			b.Fatalf("schedule %+v", sch)
		}
	}
}
