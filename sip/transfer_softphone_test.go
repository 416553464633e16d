package sip_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/sip"
	"github.com/minwon/minwon/softphone"
)

// softPhones is the phones fixture with the desks' softphone hub: a
// counselor whose softphone is on is reached there before their SIP phone.
func softPhones(t *testing.T) (*phones, *softphone.Hub) {
	t.Helper()
	hub, err := softphone.New(softphone.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hub.Close)
	return newPhones(t, func(c *sip.Config) { c.Softphones = hub }), hub
}

// pickUp answers the call of contactID ringing agent's softphone with a
// pion peer, as their desk does.
func pickUp(t *testing.T, ctx context.Context, hub *softphone.Hub, agent, contactID string) *browser {
	t.Helper()
	br := newBrowser(t, webrtc.MimeTypePCMU)
	answer, err := hub.Answer(ctx, agent, contactID, br.offer(t))
	if err != nil {
		t.Fatalf("%s's softphone: %v", agent, err)
	}
	br.answer(t, answer)
	return br
}

// TestAttendedTransferBetweenSoftphones: kim takes the call on the
// browser softphone and consults lee, whose softphone is on too; the two
// desktops talk while the caller holds, and on completion the caller is
// lee's, kim's softphone let go.
func TestAttendedTransferBetweenSoftphones(t *testing.T) {
	p, hub := softPhones(t)
	defer hub.Register("kim")()
	defer hub.Register("lee")()
	p.available(t, "kim")
	peer := newRTPPeer(t)
	callerDone := p.callUntilBye(peer)
	ct := p.awaitOffer(t, peer, "kim")
	if _, err := p.c.Accept(p.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	kim := pickUp(t, ctx, hub, "kim", ct.ID)
	eventually(t, "the caller and kim's softphone hear each other", 10*time.Second, func() bool {
		peer.sendVoice(0x3c)
		kim.say(0x5a)
		time.Sleep(20 * time.Millisecond)
		return kim.heardOf(0x3c) > 5 && peer.heard(0x5a) > 5
	})

	p.available(t, "lee")
	if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{Mode: minwon.TransferAttended, ToAgent: "lee"}); err != nil {
		t.Fatal(err)
	}
	lee := pickUp(t, ctx, hub, "lee", ct.ID) // the same call on a second desktop
	eventually(t, "lee's softphone answers the consultation", 8*time.Second, func() bool {
		_, answered, _ := p.c.TransferOf(ct.ID)
		return answered
	})
	eventually(t, "the counselors hear each other", 10*time.Second, func() bool {
		kim.say(0x61)
		lee.say(0x62)
		time.Sleep(20 * time.Millisecond)
		return lee.heardOf(0x61) > 5 && kim.heardOf(0x62) > 5
	})
	if a, b := peer.heard(0x61), peer.heard(0x62); a != 0 || b != 0 {
		t.Fatalf("the caller on hold heard kim %d times and lee %d times", a, b)
	}

	if err := p.c.CompleteTransfer(p.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the caller and lee's softphone hear each other", 10*time.Second, func() bool {
		peer.sendVoice(0x3e)
		lee.say(0x63)
		time.Sleep(20 * time.Millisecond)
		return lee.heardOf(0x3e) > 5 && peer.heard(0x63) > 5
	})
	eventually(t, "kim's softphone is let go", 5*time.Second, func() bool {
		_, err := hub.Control("kim", ct.ID, softphone.Control{Action: "hold"})
		return minwon.ErrorCode(err) == minwon.ENOTFOUND
	})
	if live, _ := p.c.Contact(p.ctx, ct.ID); live.AgentID != "lee" {
		t.Fatalf("the call is %q's", live.AgentID)
	}
	if _, err := p.c.EndChat(p.ctx, "lee", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone})
}

// TestBlindTransferFromAPhoneToASoftphone: kim's SIP phone passes the call
// to lee, who takes it on the browser softphone.
func TestBlindTransferFromAPhoneToASoftphone(t *testing.T) {
	p, hub := softPhones(t)
	ct, peer, callerDone, kimDone := p.connected(t)
	defer hub.Register("lee")()
	p.available(t, "lee")
	if _, err := p.c.StartTransfer(p.ctx, "kim", ct.ID, center.TransferRequest{ToAgent: "lee"}); err != nil {
		t.Fatal(err)
	}
	ended(t, "counselor kim's phone", kimDone)
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	lee := pickUp(t, ctx, hub, "lee", ct.ID)
	eventually(t, "the caller and lee's softphone hear each other", 10*time.Second, func() bool {
		peer.sendVoice(0x3e)
		lee.say(0x63)
		time.Sleep(20 * time.Millisecond)
		return lee.heardOf(0x3e) > 5 && peer.heard(0x63) > 5
	})
	eventually(t, "the call is lee's", 5*time.Second, func() bool {
		live, err := p.c.Contact(p.ctx, ct.ID)
		return err == nil && live.AgentID == "lee"
	})
	if _, err := hub.Control("lee", ct.ID, softphone.Control{Action: "hangup"}); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone})
	eventually(t, "the contact ends as lee's", 5*time.Second, func() bool {
		stored, err := p.store.Contact(p.ctx, ct.ID)
		return err == nil && stored.State == minwon.ContactWrapUp && stored.AgentID == "lee"
	})
}
