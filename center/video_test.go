package center_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// mustSignCenter adds a sign-language queue and its counselors to the test
// center: sua signs, nari signs but takes no video, kim does not sign.
func mustSignCenter(t *testing.T) *fixture {
	f := mustCenter(t, center.Config{})
	ok(t, second(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "sign", TenantID: "city", Name: "수어", Skills: []string{minwon.SkillSign}, OfferTimeout: 20 * time.Second})))
	for _, u := range []minwon.User{
		{ID: "sua", Login: "sua", Name: "장수아", Skills: []string{"lang:ko", minwon.SkillSign}},
		{ID: "nari", Login: "nari", Name: "고나리", Skills: []string{"lang:ko", minwon.SkillSign}, Capacity: map[minwon.Channel]int{minwon.ChannelChat: 3}},
	} {
		u.TenantID, u.Roles = "city", []minwon.Role{minwon.RoleCounselor}
		ok(t, second(f.c.SaveUser(f.ctx, "", u, "password123")))
	}
	return f
}

func (f *fixture) videoContact() *minwon.Contact {
	ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-sign", Video: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return ct
}

func TestVideoRouting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ready []string
		busy  bool // sua already has a video contact
		want  string
	}{
		{"NotOfferedWithoutTheSkill", []string{"kim", "lee"}, false, ""},
		{"OfferedOnlyToTheSkilled", []string{"kim", "lee", "sua"}, false, "sua"},
		{"NotOfferedWithoutVideoCapacity", []string{"kim", "nari"}, false, ""},
		{"NotOfferedBeyondOneVideo", []string{"kim", "sua"}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustSignCenter(t)
			f.ready(tc.ready...)
			if tc.busy {
				first := f.videoContact()
				must(f.c.Accept(f.ctx, "sua", first.ID))
			}
			ct := f.videoContact()
			if ct.Channel != minwon.ChannelVideo || ct.QueueID != "sign" || ct.State == minwon.ContactBot {
				t.Fatalf("video contact %+v", ct)
			}
			if got := f.c.OfferedTo(ct.ID); got != tc.want {
				t.Fatalf("offered to %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("MediaOnlyWhileActiveAndOnlyForItsCounselor", func(t *testing.T) {
		f := mustSignCenter(t)
		f.ready("sua")
		ct := f.videoContact()
		_, err := f.c.VideoContact(ct.ID, minwon.VideoCitizen, "")
		wantCode(t, err, minwon.ECONFLICT)
		must(f.c.Accept(f.ctx, "sua", ct.ID))
		must(f.c.VideoContact(ct.ID, minwon.VideoCitizen, ""))
		must(f.c.VideoContact(ct.ID, minwon.VideoAgent, "sua"))
		_, err = f.c.VideoContact(ct.ID, minwon.VideoAgent, "kim")
		wantCode(t, err, minwon.EFORBIDDEN)
		_, err = f.c.VideoContact(f.chat().ID, minwon.VideoCitizen, "")
		wantCode(t, err, minwon.ENOTFOUND)

		ok(t, f.c.RecordVideo(f.ctx, ct.ID, false, minwon.VideoLeg{Side: minwon.VideoAgent, Seconds: 61.5, Reason: "ended"}))
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventVideoEnded}}))
		var leg minwon.VideoLeg
		if len(evs) != 1 || evs[0].ContactID != ct.ID || evs[0].AgentID != "sua" || evs[0].Decode(&leg) != nil || leg.Seconds != 61.5 {
			t.Fatalf("stored video events %+v", evs)
		}
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		_, err = f.c.VideoContact(ct.ID, minwon.VideoAgent, "sua")
		wantCode(t, err, minwon.ECONFLICT)
	})
	t.Run("ADistrictUsesTheCitysSignQueue", func(t *testing.T) {
		f := mustSignCenter(t)
		ok(t, second(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "jung", ParentID: "city", Kind: minwon.TenantDistrict, Name: "중구", EntryPoints: []string{"jung"}, DefaultQueue: "general"})))
		ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "jung", Video: true})
		if err != nil || ct.TenantID != "jung" || ct.QueueID != "sign" {
			t.Fatalf("district video contact %+v %v", ct, err)
		}
	})
	t.Run("NoSignQueueIsUnavailable", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		_, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Video: true})
		wantCode(t, err, minwon.EUNAVAILABLE)
	})
}
