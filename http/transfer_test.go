package http_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	mwhttp "github.com/minwon/minwon/http"
)

// fakeDialer stands in for the SIP server.
type fakeDialer struct {
	mu     sync.Mutex
	refuse error
	calls  []minwon.OutboundCall
}

var _ mwhttp.Dialer = (*fakeDialer)(nil)

func (d *fakeDialer) CanDial(string) error { return d.refuse }
func (d *fakeDialer) Dial(_ *minwon.Contact, oc minwon.OutboundCall) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, oc)
	return nil
}

func TestCallOut(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	kim := e.login("counselor01")
	dept := e.login("dept01")
	t.Run("NoPhoneChannelIsUnavailable", func(t *testing.T) {
		if code := kim.do("POST", "/api/calls", map[string]string{"number": "010-1234-5678"}, nil); code != 503 {
			t.Fatalf("status %d", code)
		}
	})
	d := &fakeDialer{}
	e.srv.SetDialer(d)
	t.Run("BadNumberIsInvalid", func(t *testing.T) {
		for _, n := range []string{"119", "abc", "+1 202 555 0100", ""} {
			if code := kim.do("POST", "/api/calls", map[string]string{"number": n}, nil); code != 400 {
				t.Errorf("%q: status %d", n, code)
			}
		}
	})
	t.Run("RefusedByThePhoneChannelCreatesNoContact", func(t *testing.T) {
		d.refuse = minwon.Errorf(minwon.EUNAVAILABLE, "your phone is not registered")
		defer func() { d.refuse = nil }()
		if code := kim.do("POST", "/api/calls", map[string]string{"number": "010-1234-5678"}, nil); code != 503 {
			t.Fatalf("status %d", code)
		}
		if n := len(e.center.LiveContacts(kim.id)); n != 0 {
			t.Fatalf("%d contacts left behind", n)
		}
	})
	for _, who := range []*staff{kim, dept} {
		var ct minwon.Contact
		if code := who.do("POST", "/api/calls", map[string]string{"number": "010-1234-5678"}, &ct); code != 200 {
			t.Fatalf("%s: status %d", who.id, code)
		}
		if ct.AgentID != who.id || ct.Channel != minwon.ChannelVoice {
			t.Fatalf("contact %+v", ct)
		}
	}
	if len(d.calls) != 2 || d.calls[0].Number != "01012345678" || d.calls[0].From != "120" {
		t.Fatalf("dialled %+v", d.calls)
	}
}

func TestCallTransferEndpoints(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	ctx := context.Background()
	kim, lee := e.login("counselor01"), e.login("counselor02")
	for _, id := range []string{kim.id, lee.id} {
		if err := e.center.Connect(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.center.SetState(ctx, id, minwon.AgentAvailable, ""); err != nil {
			t.Fatal(err)
		}
	}
	ct, err := e.center.StartCall(ctx, center.CallRequest{Number: "120", Caller: "01011112222"})
	if err != nil {
		t.Fatal(err)
	}
	taker := e.center.OfferedTo(ct.ID)
	me, other := kim, lee
	if taker == lee.id {
		me, other = lee, kim
	}
	if code := me.do("POST", "/api/contacts/"+ct.ID+"/accept", nil, nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	path := "/api/contacts/" + ct.ID + "/call-transfer"
	// The target's desk hears that the call rings for it, so a softphone
	// there connects before the call is its own, and when it stops.
	targetDesk := mustDial(t, wsURL(e, "/ws/desk"), other.c)
	targetDesk.await("the desk's state, once it is registered", typ("state"))
	ring := func(on bool) func(frame) bool {
		return func(f frame) bool {
			return f["type"] == "transfer_ring" && f["contact_id"] == ct.ID && f["ringing"] == on
		}
	}
	if code := me.do("POST", path, map[string]any{"mode": "attended", "queue_id": "general"}, nil); code != 400 {
		t.Fatalf("attended to a queue: %d", code)
	}
	if code := other.do("POST", path, map[string]any{"agent_id": me.id}, nil); code != 403 {
		t.Fatalf("someone else's call: %d", code)
	}
	var v struct {
		Transfer *minwon.TransferStarted `json:"transfer"`
		Answered bool                    `json:"answered"`
	}
	if code := me.do("POST", path, map[string]any{"mode": "attended", "agent_id": other.id, "note": "요금 건"}, &v); code != 200 || v.Transfer == nil || v.Transfer.ToAgent != other.id {
		t.Fatalf("start: %d %+v", code, v)
	}
	targetDesk.await("the transfer ringing at the target's desk", ring(true))
	v.Transfer = nil
	if code := me.do("GET", path, nil, &v); code != 200 || v.Transfer == nil || v.Answered {
		t.Fatalf("get: %d %+v", code, v)
	}
	if code := me.do("POST", path+"/complete", nil, nil); code != 409 {
		t.Fatalf("complete before the answer: %d", code)
	}
	if code := me.do("POST", path+"/cancel", nil, nil); code != 204 {
		t.Fatalf("cancel: %d", code)
	}
	targetDesk.await("the ringing stopping at the target's desk", ring(false))
	v.Transfer = nil
	if code := me.do("GET", path, nil, &v); code != 200 || v.Transfer != nil {
		t.Fatalf("after cancel: %d %+v", code, v)
	}
}

// TestOutboundWarnWaitsForTheAnswer: on a call out, the protection
// buttons wait for the citizen to answer: a press before it is a 409
// that the desk shows, not a warning nobody hears; the desk is told of
// the answer (call_connected) and the buttons arm.
func TestOutboundWarnWaitsForTheAnswer(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	kim := e.login("counselor01")
	e.srv.SetDialer(&fakeDialer{})
	desk := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
	desk.await("the desk's state, once it is registered", typ("state"))
	var ct minwon.Contact
	if code := kim.do("POST", "/api/calls", map[string]string{"number": "010-1234-5678"}, &ct); code != 200 {
		t.Fatalf("call out: %d", code)
	}
	path := "/api/contacts/" + ct.ID
	var p center.DeskProtection
	if code := kim.do("GET", path+"/protection", nil, &p); code != 200 || p.Connected || p.Warn || p.End {
		t.Fatalf("protection while the citizen's phone rings: %d %+v", code, p)
	}
	for _, press := range []string{"/warn", "/end-notice"} {
		if code := kim.do("POST", path+press, map[string]string{"type": "abuse"}, nil); code != 409 {
			t.Fatalf("%s before the answer: %d, want 409", press, code)
		}
	}
	if err := e.center.OutboundConnected(t.Context(), ct.ID); err != nil {
		t.Fatal(err)
	}
	desk.await("the answer", func(f frame) bool { return f["type"] == "call_connected" && f["contact_id"] == ct.ID })
	if code := kim.do("GET", path+"/protection", nil, &p); code != 200 || !p.Connected || !p.Warn {
		t.Fatalf("protection after the answer: %d %+v", code, p)
	}
	if code := kim.do("POST", path+"/warn", map[string]string{"type": "abuse"}, &p); code != 200 || p.Warnings != 1 {
		t.Fatalf("warn after the answer: %d %+v", code, p)
	}
}
