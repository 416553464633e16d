package center_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/demo"
)

func TestDialledNumber(t *testing.T) {
	for in, want := range map[string]string{
		"120": "120", "02-120-1001": "021201001", "+82-2-120-1001": "021201001", "+82 2 120 1001": "021201001",
		"<sip:121@x>": "121", "": "", "anonymous": "", "+1 311": "1311",
	} {
		if got := center.DialledNumber(in); got != want {
			t.Errorf("DialledNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCalls(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit", "120", "02-120-1000"}, DefaultQueue: "general"})))
	t.Run("NumbersFindTheirTenant", func(t *testing.T) {
		for _, n := range []string{"120", "021201000", "+82-2-120-1000"} {
			if tn, _, ok := f.c.TenantByNumber(n); !ok || tn.ID != "city" {
				t.Errorf("%s: %v %v", n, tn, ok)
			}
		}
		for _, n := range []string{"121", "hanbit", "", "1200"} {
			if _, _, ok := f.c.TenantByNumber(n); ok {
				t.Errorf("%q rings a tenant", n)
			}
		}
	})
	t.Run("UnknownNumberIsNotFound", func(t *testing.T) {
		_, err := f.c.StartCall(f.ctx, center.CallRequest{Number: "999", Caller: "01012345678"})
		wantCode(t, err, minwon.ENOTFOUND)
	})
	t.Run("LanguageChoosesTheQueue", func(t *testing.T) {
		ct := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "010-1234-5678", Language: "en"}))
		if ct.QueueID != "english" || ct.Channel != minwon.ChannelVoice || ct.State != minwon.ContactWaiting || ct.EntryPoint != "120" {
			t.Fatalf("contact %+v", ct)
		}
		if ct.CitizenID == "" || ct.CitizenID == "01012345678" {
			t.Fatalf("citizen id %q is not a salted hash", ct.CitizenID)
		}
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
	})
	t.Run("OneCallPerCounselorAndHangupAbandons", func(t *testing.T) {
		f.ready("kim")
		a := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01011112222"}))
		b := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01033334444"}))
		if f.c.OfferedTo(a.ID) != "kim" || f.c.OfferedTo(b.ID) != "" {
			t.Fatalf("offers: a→%q b→%q, want only a to kim", f.c.OfferedTo(a.ID), f.c.OfferedTo(b.ID))
		}
		must(f.c.Accept(f.ctx, "kim", a.ID))
		if f.c.OfferedTo(b.ID) != "" {
			t.Fatal("a second call was offered to a counselor on a call")
		}
		if p, ok := f.c.Position(b.ID); !ok || p.Position != 1 {
			t.Fatalf("position %+v %v", p, ok)
		}
		ok(t, f.c.CitizenLeave(f.ctx, b.ID))
		stored := must(f.store.Contact(f.ctx, b.ID))
		if stored.State != minwon.ContactAbandoned {
			t.Fatalf("hung up while queued: %s, want abandoned", stored.State)
		}
		ok(t, f.c.CitizenLeave(f.ctx, a.ID))
		if st := must(f.store.Contact(f.ctx, a.ID)).State; st != minwon.ContactWrapUp {
			t.Fatalf("hung up while talking: %s, want wrap-up", st)
		}
	})
	t.Run("DrainingRefusesCalls", func(t *testing.T) {
		ok(t, f.c.AcceptingCalls())
		f.c.Drain()
		wantCode(t, f.c.AcceptingCalls(), minwon.EUNAVAILABLE)
		_, err := f.c.StartCall(f.ctx, center.CallRequest{Number: "120"})
		wantCode(t, err, minwon.EUNAVAILABLE)
	})
}

func TestCallCeiling(t *testing.T) {
	f := mustCenter(t, center.Config{MaxLive: 1})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"120"}, DefaultQueue: "general"})))
	must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120"}))
	wantCode(t, f.c.AcceptingCalls(), minwon.EUNAVAILABLE)
	_, err := f.c.StartCall(f.ctx, center.CallRequest{Number: "120"})
	wantCode(t, err, minwon.EUNAVAILABLE)
}

// TestDemoNumbers checks the demo's dialled numbers: 120 rings the city's
// general queue, a district's number its own queue, 121 the water authority.
func TestDemoNumbers(t *testing.T) {
	f := &fixture{t: t, ctx: context.Background(), clock: &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}}
	f.path = filepath.Join(t.TempDir(), "minwon.db")
	f.open(center.Config{})
	ok(t, demo.Seed(f.ctx, f.store, f.clock.Now()))
	ok(t, f.c.Reload(f.ctx))
	for number, want := range map[string]string{"120": demo.QueueGeneral, "02-120-1003": "q-seo", "021201001": "q-jung", demo.NumberWater: demo.QueueWater} {
		ct, err := f.c.StartCall(f.ctx, center.CallRequest{Number: number, Caller: "0212345678"})
		if err != nil || ct.QueueID != want {
			t.Errorf("%s: %v %v, want queue %s", number, ct, err, want)
		}
	}
	ct := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "121", Language: "vi"}))
	if ct.QueueID != demo.QueueVietnamese || ct.TenantID != demo.TenantWater {
		t.Errorf("121 in Vietnamese: tenant %s queue %s, want the water tenant on the city's Vietnamese queue", ct.TenantID, ct.QueueID)
	}
}

func TestSIPPassword(t *testing.T) {
	f := mustCenter(t, center.Config{})
	wantCode(t, f.c.SetSIPPassword(f.ctx, "", "kim", "short"), minwon.EINVALID)
	wantCode(t, f.c.SetSIPPassword(f.ctx, "", "nobody", "long enough"), minwon.ENOTFOUND)
	ok(t, f.c.SetSIPPassword(f.ctx, "", "kim", "first-secret"))
	ok(t, f.c.SetSIPPassword(f.ctx, "", "kim", "second-secret"))
	creds := must(f.c.SIPCredentials(f.ctx))
	if len(creds) != 1 || creds["kim"].UserID != "kim" || creds["kim"].HA1 != center.SIPHA1("kim", "second-secret") {
		t.Fatalf("credentials %+v, want kim's latest", creds)
	}
	for _, ev := range must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventSIPPasswordSet}})) {
		if strings.Contains(string(ev.Data), "secret") {
			t.Fatalf("a SIP password in the clear: %s", ev.Data)
		}
	}
}
