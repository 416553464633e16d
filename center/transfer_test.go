package center_test

import (
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// callFixture is a center with a 120 number, a department with a SIP
// line, and kim on a call that kim answered.
func callFixture(t *testing.T) (*fixture, *minwon.Contact) {
	t.Helper()
	f := mustCenter(t, center.Config{ACW: time.Nanosecond})
	ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit", "120", "02-120-1000"}, DefaultQueue: "general"})))
	ok(t, second(f.c.SaveDepartment(f.ctx, "", minwon.Department{ID: "water", TenantID: "city", Name: "상수도사업본부", SIPURI: "sip:desk@127.0.0.1:5099"})))
	f.ready("kim")
	ct := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01011112222"}))
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	return f, ct
}

// history lists the types of the contact's stored events.
func (f *fixture) history(contactID string) []minwon.EventType {
	evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: contactID}))
	var out []minwon.EventType
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

func (f *fixture) has(contactID string, want ...minwon.EventType) {
	f.t.Helper()
	got := f.history(contactID)
	i := 0
	for _, typ := range got {
		if i < len(want) && typ == want[i] {
			i++
		}
	}
	if i != len(want) {
		f.t.Fatalf("history %v lacks %v in order", got, want)
	}
}

func TestTransferRules(t *testing.T) {
	cases := []struct {
		name string
		req  center.TransferRequest
		code string
	}{
		{"NoTarget", center.TransferRequest{}, minwon.EINVALID},
		{"TwoTargets", center.TransferRequest{ToQueue: "general", ToAgent: "lee"}, minwon.EINVALID},
		{"UnknownMode", center.TransferRequest{Mode: "warm", ToAgent: "lee"}, minwon.EINVALID},
		{"AttendedToAQueue", center.TransferRequest{Mode: minwon.TransferAttended, ToQueue: "general"}, minwon.EINVALID},
		{"UnknownQueue", center.TransferRequest{ToQueue: "nope"}, minwon.ENOTFOUND},
		{"ToSelf", center.TransferRequest{ToAgent: "kim"}, minwon.ENOTFOUND},
		{"ToALoggedOutCounselor", center.TransferRequest{ToAgent: "park"}, minwon.ECONFLICT},
		{"DepartmentWithoutSummary", center.TransferRequest{ToDepartment: "water"}, minwon.EINVALID},
		{"DepartmentWithoutALine", center.TransferRequest{ToDepartment: "parking", Summary: "불법 주차"}, minwon.EINVALID},
		{"UnknownDepartment", center.TransferRequest{ToDepartment: "nope", Summary: "x"}, minwon.EINVALID},
	}
	f, ct := callFixture(t)
	f.ready("lee")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.StartTransfer(f.ctx, "kim", ct.ID, tc.req)
			wantCode(t, err, tc.code)
			if _, _, pending := f.c.TransferOf(ct.ID); pending {
				t.Fatal("a refused transfer left one pending")
			}
		})
	}
	t.Run("NotYourCall", func(t *testing.T) {
		_, err := f.c.StartTransfer(f.ctx, "lee", ct.ID, center.TransferRequest{ToQueue: "general"})
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	t.Run("ChatsAreNotCalls", func(t *testing.T) {
		chat := f.chat()
		must(f.c.Accept(f.ctx, "lee", chat.ID))
		_, err := f.c.StartTransfer(f.ctx, "lee", chat.ID, center.TransferRequest{ToQueue: "general"})
		wantCode(t, err, minwon.EINVALID)
	})
	t.Run("OneAtATime", func(t *testing.T) {
		must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToDepartment: "water", Summary: "누수 신고"}))
		_, err := f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToQueue: "general"})
		wantCode(t, err, minwon.ECONFLICT)
		_, err = f.c.Transfer(f.ctx, "kim", ct.ID, "general", "", "")
		wantCode(t, err, minwon.ECONFLICT)
	})
	t.Run("BadSIPDestinationIsRefused", func(t *testing.T) {
		for _, u := range []string{"http://x", "sip:a b@host", "sip:<x>@h", "tel:120"} {
			_, err := f.c.SaveDepartment(f.ctx, "", minwon.Department{ID: "bad", TenantID: "city", Name: "x", SIPURI: u})
			wantCode(t, err, minwon.EINVALID)
		}
	})
}

func TestBlindTransferToQueue(t *testing.T) {
	f, ct := callFixture(t)
	ok(t, f.c.SaveMemo(f.ctx, "kim", ct.ID, "요금 문의, 주소 확인함"))
	f.ready("lee")
	tr := must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToQueue: "english", Note: "요금 담당으로"}))
	if tr.Mode != minwon.TransferBlind || tr.FromAgent != "kim" {
		t.Fatalf("transfer %+v", tr)
	}
	if to := f.c.OfferedTo(ct.ID); to != "lee" {
		t.Fatalf("offered to %q, want lee", to)
	}
	if s := f.state("kim"); s != minwon.AgentAvailable {
		t.Fatalf("kim is %s, want available", s)
	}
	got := must(f.c.Accept(f.ctx, "lee", ct.ID))
	if got.Memo != "요금 문의, 주소 확인함" {
		t.Fatalf("the memo did not travel along: %q", got.Memo)
	}
	staff := must(f.c.Messages(f.ctx, ct.ID, 0, true))
	if len(staff) != 1 || !strings.Contains(staff[0].Text, "요금 담당으로") {
		t.Fatalf("transfer note %+v", staff)
	}
	f.has(ct.ID, minwon.EventTransferStarted, minwon.EventContactTransfered, minwon.EventContactQueued, minwon.EventTransferCompleted, minwon.EventContactAnswered)
}

func TestTransferToCounselor(t *testing.T) {
	t.Run("BlindCompletesWhenThePhoneAnswers", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		tr := must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"}))
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "kim" {
			t.Fatalf("the call is %s's before lee answers, want kim's", live.AgentID)
		}
		ok(t, f.c.TransferAnswered(f.ctx, ct.ID, tr.ID))
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "lee" || live.State != minwon.ContactActive {
			t.Fatalf("after the answer: %+v", live)
		}
		if s := f.state("kim"); s != minwon.AgentAvailable {
			t.Fatalf("kim is %s", s)
		}
		if _, _, pending := f.c.TransferOf(ct.ID); pending {
			t.Fatal("still pending after completion")
		}
		f.has(ct.ID, minwon.EventTransferStarted, minwon.EventTransferAnswered, minwon.EventContactTransfered, minwon.EventTransferCompleted)
	})
	t.Run("NoAnswerStaysWithTheFirstCounselor", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		tr := must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"}))
		ok(t, f.c.CancelTransfer(f.ctx, "", ct.ID, tr.ID, "no answer"))
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "kim" || live.State != minwon.ContactActive {
			t.Fatalf("after no answer: %+v", live)
		}
		wantCode(t, f.c.TransferAnswered(f.ctx, ct.ID, tr.ID), minwon.ECONFLICT)
		f.has(ct.ID, minwon.EventTransferStarted, minwon.EventTransferCancelled)
	})
	t.Run("TargetOnAnotherCallIsRefused", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		other := must(f.c.StartCall(f.ctx, center.CallRequest{Number: "120", Caller: "01099998888"}))
		must(f.c.Accept(f.ctx, "lee", other.ID))
		_, err := f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"})
		wantCode(t, err, minwon.ECONFLICT)
	})
	t.Run("AttendedWaitsForTheCounselor", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToAgent: "lee"}))
		wantCode(t, f.c.CompleteTransfer(f.ctx, "kim", ct.ID), minwon.ECONFLICT) // not answered yet
		tr, _, _ := f.c.TransferOf(ct.ID)
		ok(t, f.c.TransferAnswered(f.ctx, ct.ID, tr.ID))
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "kim" {
			t.Fatalf("an attended transfer moved on the answer alone: %+v", live)
		}
		wantCode(t, f.c.CompleteTransfer(f.ctx, "lee", ct.ID), minwon.EFORBIDDEN)
		ok(t, f.c.CompleteTransfer(f.ctx, "kim", ct.ID))
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "lee" {
			t.Fatalf("after completion: %+v", live)
		}
	})
	t.Run("AttendedCancelGoesBackToTheCaller", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		tr := must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToAgent: "lee"}))
		ok(t, f.c.TransferAnswered(f.ctx, ct.ID, tr.ID))
		ok(t, f.c.CancelTransfer(f.ctx, "kim", ct.ID, "", ""))
		wantCode(t, f.c.CancelTransfer(f.ctx, "kim", ct.ID, "", ""), minwon.ECONFLICT)
		if live := must(f.c.Contact(f.ctx, ct.ID)); live.AgentID != "kim" {
			t.Fatalf("after cancel: %+v", live)
		}
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventTransferCancelled}}))
		if len(evs) != 1 || evs[0].ActorID != "kim" {
			t.Fatalf("cancel events %+v", evs)
		}
	})
	t.Run("CallerHangingUpCancels", func(t *testing.T) {
		f, ct := callFixture(t)
		f.ready("lee")
		must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"}))
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		f.has(ct.ID, minwon.EventTransferStarted, minwon.EventTransferCancelled, minwon.EventContactEnded)
	})
}

func TestTransferToDepartment(t *testing.T) {
	f, ct := callFixture(t)
	tr := must(f.c.StartTransfer(f.ctx, "kim", ct.ID, center.TransferRequest{ToDepartment: "water", Summary: "계량기 동파, 주소 확인함", Note: "급함"}))
	if tr.SIPURI != "sip:desk@127.0.0.1:5099" || tr.HandoffID == "" {
		t.Fatalf("transfer %+v", tr)
	}
	hs := must(f.store.Handoffs(f.ctx, minwon.HandoffFilter{DepartmentID: "water"}))
	if len(hs) != 1 || hs[0].ID != tr.HandoffID || hs[0].Summary != "계량기 동파, 주소 확인함" || hs[0].ContactID != ct.ID {
		t.Fatalf("handoffs %+v", hs)
	}
	ok(t, f.c.TransferAnswered(f.ctx, ct.ID, tr.ID))
	live := must(f.c.Contact(f.ctx, ct.ID))
	if live.State != minwon.ContactWrapUp || live.AgentID != "kim" {
		t.Fatalf("after the department answered: %+v", live)
	}
	must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "상하수도", Resolution: minwon.ResolvedHandoff, DepartmentID: "water", Summary: "상수도 이관"}))
	f.has(ct.ID, minwon.EventTransferStarted, minwon.EventHandoffCreated, minwon.EventTransferAnswered, minwon.EventTransferCompleted, minwon.EventContactEnded, minwon.EventContactWrapped)
	deps := must(f.store.Departments(f.ctx, "city"))
	for _, d := range deps {
		if d.ID == "water" && d.SIPURI != "sip:desk@127.0.0.1:5099" {
			t.Fatalf("the SIP line was not stored: %+v", d)
		}
	}
}

func TestCallNumber(t *testing.T) {
	good := map[string]string{
		"010-1234-5678": "01012345678", "02-120-1234": "021201234", "031 123 4567": "0311234567",
		"+82-10-1234-5678": "01012345678", "1588-1234": "15881234", "070.1234.5678": "07012345678",
	}
	for in, want := range good {
		if got, err := center.CallNumber(in); err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "119", "120", "112", "+1-202-555-0100", "00712345678", "010-1234-5678-9", "01012a45678", "sip:x@y", "1234"} {
		if _, err := center.CallNumber(in); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Errorf("%q: %v, want invalid", in, err)
		}
	}
}

func TestOutboundCall(t *testing.T) {
	f, ct := callFixture(t)
	ok(t, second(f.c.SaveUser(f.ctx, "", minwon.User{ID: "dept1", TenantID: "city", Login: "dept1", Name: "주무관", Roles: []minwon.Role{minwon.RoleDepartment}, DepartmentID: "water"}, "password123")))
	t.Run("BusyCounselorFinishesFirst", func(t *testing.T) {
		_, _, err := f.c.StartOutbound(f.ctx, "kim", "010-1234-5678")
		wantCode(t, err, minwon.ECONFLICT)
	})
	must(f.c.EndChat(f.ctx, "kim", ct.ID))
	must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "기타", Resolution: minwon.ResolvedFirstContact}))
	f.clock.Add(time.Second)
	ok(t, f.c.Tick(f.ctx)) // after-contact work ends
	t.Run("CounselorCallsFromTheCenterNumber", func(t *testing.T) {
		out, call, err := f.c.StartOutbound(f.ctx, "kim", "010-1234-5678")
		ok(t, err)
		if call.Number != "01012345678" || call.From != "1201000" && call.From != "120" {
			t.Fatalf("call %+v", call)
		}
		if out.AgentID != "kim" || out.State != minwon.ContactActive || out.Channel != minwon.ChannelVoice {
			t.Fatalf("contact %+v", out)
		}
		if f.state("kim") != minwon.AgentBusy {
			t.Fatalf("kim is %s during the call", f.state("kim"))
		}
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{ContactID: out.ID, Types: []minwon.EventType{minwon.EventOutboundCall}}))
		var p minwon.OutboundCall
		if len(evs) != 1 || evs[0].Decode(&p) != nil || strings.Contains(string(evs[0].Data), "01012345678") || p.Number != "*******5678" {
			t.Fatalf("the stored outbound event keeps the number: %s", evs[0].Data)
		}
		ok(t, f.c.OutboundEnded(f.ctx, out.ID, "no answer"))
		must(f.c.Wrap(f.ctx, "kim", out.ID, center.WrapUp{Category: "기타", Resolution: minwon.ResolvedFirstContact}))
	})
	t.Run("DepartmentOfficialsCallToo", func(t *testing.T) {
		out, _, err := f.c.StartOutbound(f.ctx, "dept1", "02-120-1234")
		ok(t, err)
		if out.AgentID != "dept1" {
			t.Fatalf("contact %+v", out)
		}
		ok(t, f.c.OutboundEnded(f.ctx, out.ID, "hung up"))
		if live := must(f.c.Contact(f.ctx, out.ID)); live.State != minwon.ContactClosed {
			t.Fatalf("an official's call is %s after it ended, want closed", live.State)
		}
	})
	t.Run("BadNumberIsRefused", func(t *testing.T) {
		_, _, err := f.c.StartOutbound(f.ctx, "lee", "119")
		wantCode(t, err, minwon.EINVALID)
	})
	t.Run("RateLimited", func(t *testing.T) {
		f.ready("lee")
		for i := range center.OutboundLimit {
			out, _, err := f.c.StartOutbound(f.ctx, "lee", "010-5555-0000")
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			ok(t, f.c.OutboundEnded(f.ctx, out.ID, "test"))
			must(f.c.Wrap(f.ctx, "lee", out.ID, center.WrapUp{Category: "기타", Resolution: minwon.ResolvedFirstContact}))
		}
		_, _, err := f.c.StartOutbound(f.ctx, "lee", "010-5555-0000")
		wantCode(t, err, minwon.EUNAVAILABLE)
		f.clock.Add(center.OutboundWindow)
		out, _, err := f.c.StartOutbound(f.ctx, "lee", "010-5555-0000")
		ok(t, err)
		ok(t, f.c.OutboundEnded(f.ctx, out.ID, "test"))
	})
}
