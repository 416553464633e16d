package center_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

// staff adds an admin and a supervisor of the city.
func (f *fixture) staff() {
	f.t.Helper()
	ok(f.t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "admin", TenantID: "city", Login: "admin", Name: "관리자", Roles: []minwon.Role{minwon.RoleAdmin}}, "password123")))
	ok(f.t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "sup", TenantID: "city", Login: "sup", Name: "감독자", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123")))
}

func rawPolicy(t *testing.T, cfg policy.Config) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(cfg)
	ok(t, err)
	return b
}

func TestPolicyPerTenant(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.staff()
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "jung", ParentID: "city", Name: "중구", Kind: minwon.TenantDistrict, EntryPoints: []string{"hanbit-jung"}, DefaultQueue: "general"})))
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "other", Name: "다른시", EntryPoints: []string{"other"}})))

	t.Run("DefaultsUntilSet", func(t *testing.T) {
		v := must(f.c.Policy("sup", "city"))
		if v.Source != center.PolicyDefault || v.Config.Warnings[0] != policy.DefaultConfig().Warnings[0] {
			t.Fatalf("view = %s %q, want the defaults", v.Source, v.Config.Warnings[0])
		}
	})
	cfg := policy.DefaultConfig()
	abuse := cfg.Types[minwon.IncidentAbuse]
	abuse.EndAt = 2
	cfg.Types[minwon.IncidentAbuse] = abuse
	cfg.Warnings[0] = "정책 변경 후 첫 경고입니다."

	t.Run("OnlyAdminsChangeIt", func(t *testing.T) {
		_, err := f.c.SetPolicy(f.ctx, "sup", "city", rawPolicy(t, cfg))
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.ResetPolicy(f.ctx, "kim", "city")
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.Policy("kim", "city")
		wantCode(t, err, minwon.ENOTFOUND)
		_, err = f.c.Policy("sup", "other") // another tenant's supervisor
		wantCode(t, err, minwon.ENOTFOUND)
	})
	t.Run("InvalidPolicyNamesTheField", func(t *testing.T) {
		for _, tt := range []struct {
			name, field string
			edit        func(c *policy.Config)
		}{
			{"NegativeWindow", "types.abuse.strike_window_ns", func(c *policy.Config) {
				r := c.Types[minwon.IncidentAbuse]
				r.StrikeWindow = -time.Hour
				c.Types[minwon.IncidentAbuse] = r
			}},
			{"TooFewWarnings", "warnings", func(c *policy.Config) { c.Warnings = c.Warnings[:1] }},
			{"EmptyWarning", "warnings.1", func(c *policy.Config) { c.Warnings[1] = "  " }},
			{"ScoreOutOfRange", "agitation", func(c *policy.Config) { c.Agitation = 1.5 }},
			{"NoTimeRuleScript", "time_closing", func(c *policy.Config) { c.TimeClosing = "" }},
			{"UnknownQueue", "dedicated_queue", func(c *policy.Config) { c.DedicatedQueue = "nowhere" }},
			{"OtherTenantsQueue", "dedicated_queue", func(c *policy.Config) { c.DedicatedQueue = "q-other" }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ok(t, second(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "q-other", TenantID: "other", Name: "다른 큐"})))
				c := policy.DefaultConfig()
				tt.edit(&c)
				_, err := f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, c))
				wantCode(t, err, minwon.EINVALID)
				if got := minwon.ErrorField(err); got != tt.field {
					t.Fatalf("field = %q (%v), want %q", got, err, tt.field)
				}
			})
		}
		_, err := f.c.SetPolicy(f.ctx, "admin", "city", json.RawMessage(`{"warnings":["a"],"typo":1}`))
		wantCode(t, err, minwon.EINVALID)
		_, err = f.c.SetPolicy(f.ctx, "admin", "city", json.RawMessage(`{"types":{"abuse":{"end_at":"three"}}}`))
		if wantCode(t, err, minwon.EINVALID); minwon.ErrorField(err) != "types" {
			t.Fatalf("wrong type: field %q (%v)", minwon.ErrorField(err), err)
		}
		_, err = f.c.SetPolicy(f.ctx, "admin", "city", json.RawMessage(`{"agitation":"high"}`))
		if wantCode(t, err, minwon.EINVALID); minwon.ErrorField(err) != "agitation" {
			t.Fatalf("wrong type: field %q (%v)", minwon.ErrorField(err), err)
		}
		if n := countEvents(t, f, minwon.EventPolicyUpdated); n != 0 {
			t.Fatalf("%d policies stored after refusals, want none", n)
		}
	})

	v := must(f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, cfg)))
	if v.Source != center.PolicyOwn || v.UpdatedBy != "admin" || v.Config.Types[minwon.IncidentAbuse].EndAt != 2 {
		t.Fatalf("after the change: %+v", v)
	}
	t.Run("TheNextDecisionUsesItWithoutRestart", func(t *testing.T) {
		f.ready("kim")
		ct := f.answered("v-policy")
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "ㅅㅂ 빨리 처리해"))
		if got := systemLines(t, f, ct.ID); len(got) != 1 || got[0] != "정책 변경 후 첫 경고입니다." {
			t.Fatalf("the citizen got %q, want the new warning", got)
		}
		must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "씨X 아직이야?"))
		if s := must(f.c.Contact(f.ctx, ct.ID)).State; s != minwon.ContactWrapUp {
			t.Fatalf("contact is %s after the second swear, want ended (end_at 2)", s)
		}
	})
	t.Run("TheChangeIsAnAuditedEvent", func(t *testing.T) {
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventPolicyUpdated}}))
		if len(evs) != 1 || evs[0].ActorID != "admin" || evs[0].TenantID != "city" {
			t.Fatalf("policy events %+v, want one by admin for city", evs)
		}
		var p minwon.PolicyUpdated
		ok(t, evs[0].Decode(&p))
		got := must(policy.DecodeConfig(p.Config))
		if got.Warnings[0] != cfg.Warnings[0] || got.Types[minwon.IncidentAbuse].EndAt != 2 {
			t.Fatalf("stored config %+v, want the whole new policy", got)
		}
	})
	t.Run("DistrictsInherit", func(t *testing.T) {
		v := must(f.c.Policy("sup", "jung"))
		if v.Source != center.PolicyInherited || v.From != "city" || v.Config.Warnings[0] != cfg.Warnings[0] {
			t.Fatalf("district view %s from %q, want inherited from city", v.Source, v.From)
		}
		if v := must(f.c.Policy("admin", "other")); v.Source != center.PolicyDefault {
			t.Fatalf("an unrelated tenant got %s", v.Source)
		}
		own := policy.DefaultConfig()
		own.Warnings[0] = "중구 경고"
		must(f.c.SetPolicy(f.ctx, "admin", "jung", rawPolicy(t, own)))
		if v := must(f.c.Policy("sup", "jung")); v.Source != center.PolicyOwn || v.Config.Warnings[0] != "중구 경고" {
			t.Fatalf("district with its own policy: %s %q", v.Source, v.Config.Warnings[0])
		}
		if v := must(f.c.Policy("sup", "city")); v.Config.Warnings[0] != cfg.Warnings[0] {
			t.Fatal("the district's policy changed the city's")
		}
	})
	t.Run("SurvivesRestart", func(t *testing.T) {
		f.restart(center.Config{})
		v := must(f.c.Policy("admin", "city"))
		if v.Source != center.PolicyOwn || v.Config.Types[minwon.IncidentAbuse].EndAt != 2 || v.UpdatedBy != "admin" {
			t.Fatalf("after restart: %s end_at %d by %q", v.Source, v.Config.Types[minwon.IncidentAbuse].EndAt, v.UpdatedBy)
		}
	})
	t.Run("ResetFollowsTheParentOrTheDefaults", func(t *testing.T) {
		if v := must(f.c.ResetPolicy(f.ctx, "admin", "jung")); v.Source != center.PolicyInherited {
			t.Fatalf("reset district: %s, want inherited", v.Source)
		}
		if v := must(f.c.ResetPolicy(f.ctx, "admin", "city")); v.Source != center.PolicyDefault {
			t.Fatalf("reset city: %s, want default", v.Source)
		}
		f.restart(center.Config{})
		if v := must(f.c.Policy("admin", "jung")); v.Source != center.PolicyDefault {
			t.Fatalf("after restart the district is %s, want default", v.Source)
		}
	})
}

func TestCallerIdentityIsSaltedPerTenant(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "other", Name: "다른시", EntryPoints: []string{"other"}, DefaultQueue: "o-general"})))
	ok(t, second(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "o-general", TenantID: "other", Name: "일반"})))
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "jung", ParentID: "city", Name: "중구", Kind: minwon.TenantDistrict, EntryPoints: []string{"hanbit-jung"}, DefaultQueue: "general"})))
	const visitor = "visitor-key-8f3a2c"
	chat := func(entry string) string {
		t.Helper()
		ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: entry, Visitor: visitor})
		ok(t, err)
		return ct.CitizenID
	}
	a1, a2, other, district := chat("hanbit"), chat("hanbit"), chat("other"), chat("hanbit-jung")
	if a1 != a2 {
		t.Fatal("one visitor got two identities in one tenant")
	}
	if a1 == other {
		t.Fatal("one visitor has the same identity in two tenants")
	}
	if district != a1 {
		t.Fatal("a district does not know the city's caller")
	}
	if id := must(f.c.CitizenIdentity("city", minwon.ChannelChat, visitor)); id != a1 {
		t.Fatal("CitizenIdentity differs from the chat's identity")
	}
	t.Run("TheSaltSurvivesRestart", func(t *testing.T) {
		f.restart(center.Config{})
		if chat("hanbit") != a1 || chat("other") != other {
			t.Fatal("identities changed across a restart")
		}
	})
	t.Run("NoRawAccountIsStoredOrShown", func(t *testing.T) {
		for _, ev := range must(f.store.Events(f.ctx, minwon.EventFilter{})) {
			if strings.Contains(string(ev.Data), visitor) {
				t.Fatalf("%s event holds the visitor key: %s", ev.Type, ev.Data)
			}
		}
		for _, ten := range must(f.store.Tenants(f.ctx)) {
			b := must(json.Marshal(ten))
			if strings.Contains(string(b), "salt") || len(ten.Salt) == 0 {
				t.Fatalf("tenant %s: salt %d bytes, JSON %s", ten.ID, len(ten.Salt), b)
			}
			if s := fmt.Sprintf("%v %s %x %+v", ten.Salt, ten.Salt, ten.Salt, *ten); strings.Contains(s, fmt.Sprintf("%x", []byte(ten.Salt))) {
				t.Fatal("the salt prints")
			}
		}
	})
}

// A tenant stored before salts existed gets one at the next start, as an
// event, and keeps it.
func TestCallerIdentitySaltForOldTenants(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ev := minwon.NewEvent(minwon.EventTenantSaved, f.clock.Now(), minwon.Tenant{ID: "old", Name: "옛 센터", Kind: minwon.TenantCity, EntryPoints: []string{"old"}, DefaultQueue: "old-q"})
	ev.TenantID = "old"
	q := minwon.NewEvent(minwon.EventQueueSaved, f.clock.Now(), minwon.Queue{ID: "old-q", TenantID: "old", Name: "일반", OfferTimeout: 20 * time.Second})
	q.TenantID = "old"
	ok(t, f.store.Append(f.ctx, ev, q))
	before := countEvents(t, f, minwon.EventTenantSalt)
	f.restart(center.Config{})
	if n := countEvents(t, f, minwon.EventTenantSalt); n != before+1 {
		t.Fatalf("%d salt events after restart, want %d", n, before+1)
	}
	id := must(f.c.CitizenIdentity("old", minwon.ChannelChat, "v"))
	f.restart(center.Config{})
	if n := countEvents(t, f, minwon.EventTenantSalt); n != before+1 {
		t.Fatalf("a second restart stored another salt (%d events)", n)
	}
	if must(f.c.CitizenIdentity("old", minwon.ChannelChat, "v")) != id {
		t.Fatal("the generated salt did not survive")
	}
}

func TestRegisterForgetsDaily(t *testing.T) {
	f := mustCenter(t, center.Config{})
	f.staff()
	// A policy whose longest window is 30 days, so the rebuild after a
	// restart (a year) still reads the strikes forgetting dropped.
	cfg := policy.DefaultConfig()
	for typ, r := range cfg.Types {
		if r.StrikeWindow > 0 {
			r.StrikeWindow = 30 * 24 * time.Hour
			cfg.Types[typ] = r
		}
	}
	cfg.DrunkLong.Window = 20 * 24 * time.Hour
	must(f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, cfg)))
	now := f.clock.Now() // 2026-11-23 10:00 UTC, 19:00 in Seoul
	strike := func(caller string, age time.Duration) *minwon.Event {
		ev := minwon.NewEvent(minwon.EventStrikeRecorded, now.Add(-age), minwon.Strike{CallerID: caller, Type: minwon.IncidentAbuse, IncidentID: minwon.NewID(), At: now.Add(-age)})
		ev.TenantID = "city"
		return ev
	}
	ok(t, f.store.Append(f.ctx, strike("old", 40*24*time.Hour), strike("young", 10*24*time.Hour), strike("young", 29*24*time.Hour)))
	f.restart(center.Config{})
	if f.c.CallerStrikes("old") != 1 || f.c.CallerStrikes("young") != 2 {
		t.Fatal("strikes not rebuilt")
	}
	next, ok2 := f.c.NextDeadline()
	if want := time.Date(2026, 11, 24, 4, 0, 0, 0, f.c.Location()); !ok2 || !next.Equal(want) {
		t.Fatalf("next deadline %v, want the 04:00 run %v", next, want)
	}
	ok(t, f.c.Tick(f.ctx))
	if f.c.CallerStrikes("old") != 1 || countEvents(t, f, minwon.EventCallerForgotten) != 0 {
		t.Fatal("forgot before 04:00")
	}
	f.clock.Add(9*time.Hour + time.Second) // 04:00:01 in Seoul
	ok(t, f.c.Tick(f.ctx))
	ok(t, f.c.Tick(f.ctx))
	if f.c.CallerStrikes("old") != 0 {
		t.Fatal("a strike older than the longest window is still there")
	}
	if f.c.CallerStrikes("young") != 2 {
		t.Fatalf("%d young strikes left, want 2", f.c.CallerStrikes("young"))
	}
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventCallerForgotten}}))
	if len(evs) != 1 {
		t.Fatalf("%d forgetting events, want one run", len(evs))
	}
	var run minwon.RegisterForgotten
	ok(t, evs[0].Decode(&run))
	if want := time.Date(2026, 11, 24, 4, 0, 0, 0, f.c.Location()); !run.Due.Equal(want) || !run.Before.Equal(want.Add(-30*24*time.Hour)) {
		t.Fatalf("run %+v, want due %v and before 30 days earlier", run, want)
	}
	t.Run("ARestartedNodeAgrees", func(t *testing.T) {
		f.restart(center.Config{})
		if f.c.CallerStrikes("old") != 0 || f.c.CallerStrikes("young") != 2 {
			t.Fatalf("after restart old %d young %d, want 0 and 2", f.c.CallerStrikes("old"), f.c.CallerStrikes("young"))
		}
		if next, _ := f.c.NextDeadline(); !next.Equal(time.Date(2026, 11, 25, 4, 0, 0, 0, f.c.Location())) {
			t.Fatalf("next run %v, want tomorrow 04:00", next)
		}
	})
	t.Run("AnotherNodesRunIsNotRepeated", func(t *testing.T) {
		// A second node on the same store ran tomorrow's first.
		f.clock.Add(24 * time.Hour)
		due := time.Date(2026, 11, 25, 4, 0, 0, 0, f.c.Location())
		ev := minwon.NewEvent(minwon.EventCallerForgotten, f.clock.Now(), minwon.RegisterForgotten{Due: due, Before: due.Add(-30 * 24 * time.Hour)})
		ev.ID = "forget-20261125"
		ok(t, f.store.Append(f.ctx, ev))
		ok(t, f.c.Tick(f.ctx))
		if n := countEvents(t, f, minwon.EventCallerForgotten); n != 2 {
			t.Fatalf("%d runs stored, want 2 (one per day)", n)
		}
		if f.c.CallerStrikes("young") != 1 { // the 29-day-old one is now 31 days old
			t.Fatalf("%d young strikes, want 1", f.c.CallerStrikes("young"))
		}
	})
}
