package sip_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
)

// phones is a fixture whose counselors kim and lee have sipp phones on
// their own ports, lee speaking English too, and a department "water"
// whose line is another sipp.
type phones struct {
	*fixture
	kim, lee, dept int
}

func newPhones(t *testing.T, opts ...func(*sip.Config)) *phones {
	t.Helper()
	p := &phones{kim: freePort(t), lee: freePort(t), dept: freePort(t)}
	opts = append(opts, func(c *sip.Config) {
		c.Endpoint = func(agent string) (string, bool) {
			switch agent {
			case "kim":
				return "sip:kim@127.0.0.1:" + strconv.Itoa(p.kim), true
			case "lee":
				return "sip:lee@127.0.0.1:" + strconv.Itoa(p.lee), true
			}
			return "", false
		}
	})
	p.fixture = newFixture(t, 10, opts...)
	if _, err := p.c.SaveUser(p.ctx, "", minwon.User{ID: "lee", TenantID: "city", Login: "lee", Name: "이상담", Roles: []minwon.Role{minwon.RoleCounselor}, Skills: []string{"lang:ko", "lang:en"}}, "password123"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.SaveDepartment(p.ctx, "", minwon.Department{ID: "water", TenantID: "city", Name: "상수도사업본부", SIPURI: "sip:desk@127.0.0.1:" + strconv.Itoa(p.dept)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// uas runs a sipp scenario from testdata as a UAS on port, echoing RTP.
func (f *fixture) uas(t testing.TB, scenario string, port int) <-chan error {
	done := make(chan error, 1)
	cmd := exec.Command(f.sipp, "-sf", filepath.Join("testdata", scenario), "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(freePort(t)),
		"-rtp_echo", "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin")
	go func() {
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		done <- err
	}()
	return done
}

// connected puts a caller through to kim, bridged to kim's echoing phone.
func (p *phones) connected(t *testing.T) (*minwon.Contact, *rtpPeer, <-chan error, <-chan error) {
	t.Helper()
	p.available(t, "kim")
	kimDone := p.echoPhone(t, p.kim)
	peer := newRTPPeer(t)
	callerDone := p.callUntilBye(peer)
	ct := p.awaitOffer(t, peer, "kim")
	if _, err := p.c.Accept(p.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	p.hearsEcho(t, peer, "kim's phone")
	return ct, peer, callerDone, kimDone
}

// hearsEcho waits until the caller's voice comes back through a bridge.
func (p *phones) hearsEcho(t *testing.T, peer *rtpPeer, who string) {
	t.Helper()
	n := peer.heard(0x3c)
	eventually(t, "the caller hears "+who, 8*time.Second, func() bool {
		peer.sendVoice(0x3c)
		return peer.heard(0x3c) > n+2
	})
}

// onHold checks that nothing carries the caller's voice back for a while.
func onHold(t *testing.T, peer *rtpPeer) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // echoes already on the way arrive
	n := peer.heard(0x3c)
	for range 15 {
		peer.sendVoice(0x3c)
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if got := peer.heard(0x3c); got != n {
		t.Fatalf("the caller on hold heard their voice back %d times", got-n)
	}
}

func ended(t *testing.T, name string, ch <-chan error) {
	t.Helper()
	awaitHangups(t, map[string]<-chan error{name: ch})
}

func TestBlindTransferToQueueReachesTheNextCounselor(t *testing.T) {
	p := newPhones(t)
	ct, peer, callerDone, kimDone := p.connected(t)
	leeDone := p.echoPhone(t, p.lee)
	p.available(t, "lee")
	if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{ToQueue: "english", Note: "영어 상담"}); err != nil {
		t.Fatal(err)
	}
	ended(t, "counselor kim's phone", kimDone)
	eventually(t, "the call is offered to lee", 5*time.Second, func() bool { return p.c.OfferedTo(ct.ID) == "lee" })
	onHold(t, peer)
	if _, err := p.c.Accept(p.ctx, "lee", ct.ID); err != nil {
		t.Fatal(err)
	}
	p.hearsEcho(t, peer, "lee's phone")
	if _, err := p.c.EndChat(p.ctx, "lee", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor lee": leeDone})
}

func TestTransferToDepartmentLine(t *testing.T) {
	p := newPhones(t)
	ct, peer, callerDone, kimDone := p.connected(t)
	deptDone := p.uas(t, "department_uas.xml", p.dept)
	tr, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{ToDepartment: "water", Summary: "계량기 동파 신고, 주소 확인함"})
	if err != nil {
		t.Fatal(err)
	}
	ended(t, "counselor kim's phone", kimDone)
	p.hearsEcho(t, peer, "the department's line")
	live, err := p.c.Contact(p.ctx, ct.ID)
	if err != nil || live.State != minwon.ContactWrapUp {
		t.Fatalf("the contact after the department answered: %+v %v", live, err)
	}
	hs, err := p.store.Handoffs(p.ctx, minwon.HandoffFilter{DepartmentID: "water"})
	if err != nil || len(hs) != 1 || hs[0].ID != tr.HandoffID || hs[0].Summary != "계량기 동파 신고, 주소 확인함" {
		t.Fatalf("handoffs %+v %v", hs, err)
	}
	// The department hangs up; the caller hears the goodbye and is hung up.
	awaitHangups(t, map[string]<-chan error{"department": deptDone, "caller": callerDone})
}

func TestAttendedTransfer(t *testing.T) {
	t.Run("Complete", func(t *testing.T) {
		p := newPhones(t)
		ct, peer, callerDone, kimDone := p.connected(t)
		leeDone := p.echoPhone(t, p.lee)
		p.available(t, "lee")
		if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToAgent: "lee"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "lee's phone answers the consultation", 8*time.Second, func() bool {
			_, answered, _ := p.c.TransferOf(ct.ID)
			return answered
		})
		onHold(t, peer) // counselors talk, the caller holds
		if err := p.c.CompleteTransfer(p.ctx, "kim", ct.ID); err != nil {
			t.Fatal(err)
		}
		ended(t, "counselor kim's phone", kimDone)
		p.hearsEcho(t, peer, "lee's phone")
		if live, _ := p.c.Contact(p.ctx, ct.ID); live.AgentID != "lee" {
			t.Fatalf("the call is %q's", live.AgentID)
		}
		if _, err := p.c.EndChat(p.ctx, "lee", ct.ID); err != nil {
			t.Fatal(err)
		}
		awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor lee": leeDone})
	})
	t.Run("Cancel", func(t *testing.T) {
		p := newPhones(t)
		ct, peer, callerDone, kimDone := p.connected(t)
		leeDone := p.echoPhone(t, p.lee)
		p.available(t, "lee")
		if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToAgent: "lee"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "lee's phone answers the consultation", 8*time.Second, func() bool {
			_, answered, _ := p.c.TransferOf(ct.ID)
			return answered
		})
		if err := p.c.CancelTransfer(p.ctx, "kim", ct.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		ended(t, "counselor lee's phone", leeDone)
		p.hearsEcho(t, peer, "kim's phone again")
		if _, err := p.c.EndChat(p.ctx, "kim", ct.ID); err != nil {
			t.Fatal(err)
		}
		awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor kim": kimDone})
	})
}

// TestOutboundCallFromTheCenterNumber: kim calls a citizen; minwon places
// the INVITE on the trunk (a sipp UAS that insists on the center's number
// in From), plays the recording notice, and bridges kim's phone.
func TestOutboundCallFromTheCenterNumber(t *testing.T) {
	trunk := freePort(t)
	dir := t.TempDir()
	keys, err := recording.ParseKeyring("t1:" + hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	p := newPhones(t, func(c *sip.Config) {
		c.Trunk = "sip:127.0.0.1:" + strconv.Itoa(trunk)
		c.RecordingDir, c.RecordingKeys = dir, keys
	})
	if _, err := p.c.SaveTenant(p.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"city", "120-1000", "120"}, DefaultQueue: "general"}); err != nil {
		t.Fatal(err)
	}
	p.available(t, "kim")
	kimDone := p.echoPhone(t, p.kim)
	citizenDone := p.uas(t, "trunk_uas.xml", trunk)
	if err := p.srv.CanDial("kim"); err != nil {
		t.Fatal(err)
	}
	ct, call, err := p.c.StartOutbound(p.ctx, "kim", "010-2345-6789")
	if err != nil {
		t.Fatal(err)
	}
	if call.From != "1201000" {
		t.Fatalf("calling from %q", call.From)
	}
	if err := p.srv.Dial(ct, call); err != nil {
		t.Fatal(err)
	}
	// The citizen (trunk) hangs up after a while; kim's phone is let go
	// and the contact waits for kim's wrap-up.
	select { // the trunk holds the call 6 s after the notice and the ring
	case err := <-citizenDone:
		if err != nil {
			t.Fatalf("trunk sipp: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the outbound call did not end")
	}
	ended(t, "counselor kim's phone", kimDone)
	eventually(t, "the outbound contact ends", 5*time.Second, func() bool {
		live, err := p.c.Contact(p.ctx, ct.ID)
		return err == nil && live.State == minwon.ContactWrapUp
	})
	// Recorded like an inbound call, the notice first: it is on our side.
	var rec minwon.Recording
	eventually(t, "the recording is stored", 5*time.Second, func() bool {
		evs, err := p.store.Events(p.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventRecordingStored}})
		return err == nil && len(evs) == 1 && evs[0].Decode(&rec) == nil
	})
	noticeHz := 0.0
	for i, pr := range ivr.AllPrompts() {
		if pr == ivr.Notice {
			noticeHz = 300 + float64(i)*10
		}
	}
	rep, err := recording.Analyze(bytes.NewReader(readRecording(t, dir, keys, rec)), noticeHz)
	if err != nil {
		t.Fatal(err)
	}
	if right := rep.Channels[1]; right.Tones[noticeHz] < 0.005 {
		t.Errorf("the recording notice is not in the outbound call's recording: %+v", right)
	}
	t.Run("NoTrunkNoCall", func(t *testing.T) {
		q := newFixture(t, 10)
		if err := q.srv.CanDial("kim"); minwon.ErrorCode(err) != minwon.EUNAVAILABLE {
			t.Fatalf("CanDial without a trunk: %v", err)
		}
	})
}

// TestBlindTransferNoAnswerRingsTheCounselorAgain: lee's phone rings and
// nobody picks up; after the ring time the caller goes back to kim, whose
// phone (released by the blind transfer) rings again.
func TestBlindTransferNoAnswerRingsTheCounselorAgain(t *testing.T) {
	p := newPhones(t, func(c *sip.Config) { c.TransferRing = 2 * time.Second })
	ct, peer, callerDone, kimDone := p.connected(t)
	leeDone := p.uas(t, "ring_no_answer.xml", p.lee)
	p.available(t, "lee")
	if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"}); err != nil {
		t.Fatal(err)
	}
	ended(t, "counselor kim's phone, released", kimDone)
	kimAgain := p.echoPhone(t, p.kim)
	ended(t, "lee's unanswered phone", leeDone)
	p.hearsEcho(t, peer, "kim's phone again")
	if live, _ := p.c.Contact(p.ctx, ct.ID); live.AgentID != "kim" || live.State != minwon.ContactActive {
		t.Fatalf("after no answer: %+v", live)
	}
	evs, err := p.store.Events(p.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventTransferCancelled}})
	var st minwon.TransferStep
	if err != nil || len(evs) != 1 || evs[0].Decode(&st) != nil || !strings.Contains(st.Reason, "no answer") {
		t.Fatalf("cancelled events %+v %v", evs, err)
	}
	if _, err := p.c.EndChat(p.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor kim": kimAgain})
}

// TestCallbackIsDialledThroughTheTrunk: with the phone channel as the
// center's callback dialer, kim accepting a booked callback gets the call
// placed from the center's number on the callback's own contact and
// bridged to kim's phone; the citizen hanging up leaves the task to kim's
// report.
func TestCallbackIsDialledThroughTheTrunk(t *testing.T) {
	trunk := freePort(t)
	p := newPhones(t, func(c *sip.Config) { c.Trunk = "sip:127.0.0.1:" + strconv.Itoa(trunk) })
	if _, err := p.c.SaveTenant(p.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"city", "120-1000", "120"}, DefaultQueue: "general"}); err != nil {
		t.Fatal(err)
	}
	p.c.SetCallbackDialer(p.srv)
	ct, err := p.c.StartCall(p.ctx, center.CallRequest{Number: "120", Caller: "010-2345-6789"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.c.RequestCallback(p.ctx, ct.ID, "01023456789"); err != nil {
		t.Fatal(err)
	}
	kimDone := p.echoPhone(t, p.kim)
	citizenDone := p.uas(t, "trunk_uas.xml", trunk) // insists on From 1201000
	p.available(t, "kim")
	eventually(t, "the callback is offered to kim", 5*time.Second, func() bool { return p.c.OfferedTo(ct.ID) == "kim" })
	if _, err := p.c.Accept(p.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	sippDone(t, citizenDone, 30*time.Second, "the callback's call did not end")
	ended(t, "counselor kim's phone", kimDone)
	if cb := p.c.Callback(ct.ID); cb == nil || !cb.Dialled || cb.Status != minwon.CallbackWaiting {
		t.Fatalf("callback after the call %+v, want dialled and waiting for kim's report", cb)
	}
	if live, _ := p.c.Contact(p.ctx, ct.ID); live.State != minwon.ContactActive || live.AgentID != "kim" {
		t.Fatalf("the callback's contact after the call: %+v", live)
	}
	done, err := p.c.FinishCallback(p.ctx, "kim", ct.ID, true, "통화함")
	if err != nil || done.State != minwon.ContactWrapUp {
		t.Fatalf("kim's report: %+v %v", done, err)
	}
}
