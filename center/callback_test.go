package center_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
)

// dialer is a fake outbound dialer that writes down what it was asked.
type dialer struct {
	mu    sync.Mutex
	calls []string
	done  chan struct{}
}

func (d *dialer) DialCallback(_ context.Context, agent, contact, number string) error {
	d.mu.Lock()
	d.calls = append(d.calls, agent+" "+contact+" "+number)
	d.mu.Unlock()
	close(d.done)
	return nil
}

var _ center.CallbackDialer = (*dialer)(nil)

func (f *fixture) eventTypes(contactID string, types ...minwon.EventType) []minwon.EventType {
	f.t.Helper()
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: types}))
	var out []minwon.EventType
	for _, ev := range evs {
		if ev.ContactID == contactID {
			out = append(out, ev.Type)
		}
	}
	return out
}

func TestCallback(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit", "120"}, DefaultQueue: "general"})))
	cbEvents := []minwon.EventType{minwon.EventCallbackOffered, minwon.EventCallbackRequested, minwon.EventCallbackCompleted, minwon.EventCallbackFailed}

	t.Run("ThresholdIsPartOfTheHoursAndReachesTheCall", func(t *testing.T) {
		f.ivrTenants()
		if sch, _, _ := f.c.CallSchedule("120"); sch.CallbackAfter != 0 {
			t.Fatalf("callback after %v before any setting, want none", sch.CallbackAfter)
		}
		_, err := f.c.SetHours(f.ctx, "admin", "city", &center.HoursConfig{Hours: calendar.AlwaysOpen(), CallbackAfterMins: -1})
		wantCode(t, err, minwon.EINVALID)
		_, err = f.c.SetHours(f.ctx, "admin", "city", &center.HoursConfig{Hours: calendar.AlwaysOpen(), CallbackAfterMins: center.MaxCallbackAfter + 1})
		wantCode(t, err, minwon.EINVALID)
		v := must(f.c.SetHours(f.ctx, "admin", "city", &center.HoursConfig{Hours: calendar.AlwaysOpen(), CallbackAfterMins: 5}))
		if v.Config.CallbackAfterMins != 5 {
			t.Fatalf("view %+v, want the threshold kept", v.Config)
		}
		if sch, _, _ := f.c.CallSchedule("120"); sch.CallbackAfter != 5*time.Minute {
			t.Fatalf("callback after %v, want 5m", sch.CallbackAfter)
		}
		// A district follows its city's threshold with its hours.
		if sch, _, _ := f.c.CallSchedule("02-120-3000"); sch.CallbackAfter != 5*time.Minute {
			t.Fatalf("district callback after %v, want the city's 5m", sch.CallbackAfter)
		}
	})

	d := &dialer{done: make(chan struct{})}
	ct := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "010-1234-5678"}))
	behind := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01099998888"}))
	t.Run("BadNumbersAndUnknownCallsAreRefused", func(t *testing.T) {
		wantCode(t, f.c.RequestCallback(f.ctx, ct.ID, "anonymous"), minwon.EINVALID)
		wantCode(t, f.c.RequestCallback(f.ctx, ct.ID, "12"), minwon.EINVALID)
		wantCode(t, f.c.RequestCallback(f.ctx, "nope", "01012345678"), minwon.ENOTFOUND)
		wantCode(t, f.c.CallbackOffered(f.ctx, "nope"), minwon.ENOTFOUND)
		if f.c.Callback(ct.ID) != nil {
			t.Fatal("a refused request made a callback")
		}
	})
	t.Run("AcceptedCallbackKeepsItsPlaceWhenTheCallerHangsUp", func(t *testing.T) {
		ok(t, f.c.CallbackOffered(f.ctx, ct.ID))
		ok(t, f.c.RequestCallback(f.ctx, ct.ID, "010-1234-5678"))
		wantCode(t, f.c.RequestCallback(f.ctx, ct.ID, "010-1234-5678"), minwon.ECONFLICT)
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID)) // the IVR hangs up after booking
		if st := must(f.c.Contact(f.ctx, ct.ID)).State; st != minwon.ContactWaiting {
			t.Fatalf("booked callback is %s after the hang-up, want waiting", st)
		}
		if p, _ := f.c.Position(behind.ID); p.Position != 2 {
			t.Fatalf("the call behind is at %d, want 2: the callback kept its place", p.Position)
		}
		cb := f.c.Callback(ct.ID)
		if cb == nil || cb.Number != "01012345678" || cb.Status != minwon.CallbackWaiting {
			t.Fatalf("callback %+v", cb)
		}
	})
	t.Run("SurvivesARestart", func(t *testing.T) {
		f.restart(center.Config{})
		if cb := f.c.Callback(ct.ID); cb == nil || cb.Number != "01012345678" {
			t.Fatalf("callback after restart %+v", cb)
		}
		if p, _ := f.c.Position(ct.ID); p.Position != 1 {
			t.Fatalf("callback at %d after restart, want 1", p.Position)
		}
	})
	t.Run("ReachingTheFrontGivesTheCounselorTheTaskAndDials", func(t *testing.T) {
		f.c.SetCallbackDialer(d)
		f.ready("kim")
		if f.c.OfferedTo(ct.ID) != "kim" {
			t.Fatalf("the callback at the front was offered to %q, want kim", f.c.OfferedTo(ct.ID))
		}
		_, err := f.c.FinishCallback(f.ctx, "kim", ct.ID, true, "")
		wantCode(t, err, minwon.EFORBIDDEN) // offered, not yet accepted
		must(f.c.Accept(f.ctx, "kim", ct.ID))
		select {
		case <-d.done:
		case <-time.After(5 * time.Second):
			t.Fatal("the dialer was not asked")
		}
		if want := "kim " + ct.ID + " 01012345678"; len(d.calls) != 1 || d.calls[0] != want {
			t.Fatalf("dialled %v, want %q", d.calls, want)
		}
		if cb := f.c.Callback(ct.ID); cb == nil || !cb.Dialled {
			t.Fatalf("callback %+v, want dialled", cb)
		}
	})
	t.Run("OnlyItsCounselorReportsItAndOnce", func(t *testing.T) {
		_, err := f.c.FinishCallback(f.ctx, "lee", ct.ID, true, "")
		wantCode(t, err, minwon.EFORBIDDEN)
		done := must(f.c.FinishCallback(f.ctx, "kim", ct.ID, false, "받지 않음"))
		if done.State != minwon.ContactWrapUp {
			t.Fatalf("after the report the contact is %s, want wrap-up", done.State)
		}
		_, err = f.c.FinishCallback(f.ctx, "kim", ct.ID, true, "")
		wantCode(t, err, minwon.ECONFLICT)
		if cb := f.c.Callback(ct.ID); cb == nil || cb.Status != minwon.CallbackFailed || cb.Notes != "받지 않음" {
			t.Fatalf("callback %+v, want failed with the notes", cb)
		}
	})
	t.Run("EveryStepIsAnEvent", func(t *testing.T) {
		got := f.eventTypes(ct.ID, cbEvents...)
		want := []minwon.EventType{minwon.EventCallbackOffered, minwon.EventCallbackRequested, minwon.EventCallbackFailed}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("events %v, want %v", got, want)
		}
		if ended := f.eventTypes(ct.ID, minwon.EventContactEnded); len(ended) != 1 {
			t.Fatalf("%d contact.ended events, want 1", len(ended))
		}
	})
	t.Run("ACallOnTheLineIsNoCallback", func(t *testing.T) {
		ok(t, f.c.CitizenLeave(f.ctx, behind.ID))
		if st := must(f.store.Contact(f.ctx, behind.ID)).State; st != minwon.ContactAbandoned {
			t.Fatalf("a caller on the line hung up: %s, want abandoned", st)
		}
		wantCode(t, f.c.RequestCallback(f.ctx, behind.ID, "01099998888"), minwon.ENOTFOUND)
	})
}
