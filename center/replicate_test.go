package center_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
	"github.com/minwon/minwon/sqldb"
)

// Configuration saved on one node reaches the memory of another on the same
// store and bus: users (new, disabled, re-skilled, a new password), queues,
// tenants with their salts, and the interpreter pool. Without it the other
// node served a new counselor "please log in", kept a disabled one working,
// and routed by the skills it had loaded at start.
func TestConfigurationReachesAnotherNode(t *testing.T) {
	f := mustCenter(t, center.Config{})
	db, err := sqldb.Open(f.ctx, f.path, nil)
	ok(t, err)
	t.Cleanup(func() { db.Close() })
	other := center.New(center.Config{Now: f.clock.Now, Secret: []byte("test secret test secret test secret")}, db, f.bus, nil)
	applied := make(chan string, 64)
	t.Cleanup(f.bus.Subscribe(func(ev *minwon.Event) {
		other.ApplyConfigEvent(ev)
		f.c.ApplyConfigEvent(ev) // the node's own copy comes back too
		applied <- ev.ID
	}))
	ok(t, other.Start(f.ctx, false))
	// settle waits until the bus has handed over every event stored so far.
	settle := func() {
		t.Helper()
		evs := must(f.store.Events(f.ctx, minwon.EventFilter{}))
		last := evs[len(evs)-1].ID
		for {
			select {
			case id := <-applied:
				if id == last {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("event %s never reached the other node", last)
			}
		}
	}

	choi := minwon.User{ID: "choi", Login: "choi", Name: "최상담", TenantID: "city", Roles: []minwon.Role{minwon.RoleCounselor}, Skills: []string{"lang:ko"}}
	ok(t, second(f.c.SaveUser(f.ctx, "admin", choi, "password123")))
	settle()
	u := other.User("choi")
	if u == nil || u.Name != "최상담" || u.PasswordHash == "" {
		t.Fatalf("the other node's choi = %+v, want the new counselor with a password", u)
	}
	if mine := f.c.User("choi"); mine == nil || mine.PasswordHash != u.PasswordHash {
		t.Fatal("the saving node lost choi's password hash to the bus's copy of its own user.saved")
	}

	t.Run("RoutesToTheNewCounselor", func(t *testing.T) {
		ok(t, other.Connect(f.ctx, "choi"))
		must(other.SetState(f.ctx, "choi", minwon.AgentAvailable, ""))
		ct, _, err := other.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v-replicate"})
		ok(t, err)
		if got := other.OfferedTo(ct.ID); got != "choi" {
			t.Fatalf("offered to %q on the other node, want choi", got)
		}
	})

	t.Run("NewPassword", func(t *testing.T) {
		before := other.User("choi").PasswordHash
		ok(t, second(f.c.SaveUser(f.ctx, "admin", choi, "another password 456")))
		settle()
		if after := other.User("choi").PasswordHash; after == before || after == "" {
			t.Fatal("the other node kept choi's old password hash")
		}
	})

	t.Run("Disabled", func(t *testing.T) {
		d := choi
		d.Disabled = true
		ok(t, second(f.c.SaveUser(f.ctx, "admin", d, "")))
		settle()
		if u := other.User("choi"); u == nil || !u.Disabled || u.PasswordHash == "" {
			t.Fatalf("the other node's choi = %+v, want disabled (the hash kept)", u)
		}
	})

	t.Run("QueueSkills", func(t *testing.T) {
		ok(t, second(f.c.SaveQueue(f.ctx, "admin", minwon.Queue{ID: "english", TenantID: "city", Name: "영어 상담", Skills: []string{"lang:en", "lang:ko"}, OfferTimeout: 20 * time.Second})))
		settle()
		for _, q := range other.Queues() {
			if q.ID == "english" {
				if q.Name != "영어 상담" || len(q.Skills) != 2 {
					t.Fatalf("the other node's english queue = %+v", q)
				}
				return
			}
		}
		t.Fatal("the other node has no english queue")
	})

	t.Run("NewTenantAndItsSalt", func(t *testing.T) {
		ok(t, second(f.c.SaveTenant(f.ctx, "admin", minwon.Tenant{ID: "jung", Name: "중구", ParentID: "city", EntryPoints: []string{"jung"}, DefaultQueue: "general"})))
		settle()
		got, found := other.TenantByEntry("jung")
		if !found || got.Name != "중구" {
			t.Fatalf("the other node's tenant at entry jung = %+v, %v", got, found)
		}
		mine := must(f.c.CitizenIdentity("jung", minwon.ChannelVoice, "01012345678"))
		theirs, err := other.CitizenIdentity("jung", minwon.ChannelVoice, "01012345678")
		if err != nil || theirs != mine {
			t.Fatalf("a caller of the new tenant is %q on the other node, %q here (%v): one caller, two registers", theirs, mine, err)
		}
		ok(t, second(f.c.SaveTenant(f.ctx, "admin", minwon.Tenant{ID: "jung", Name: "서울 중구", ParentID: "city", EntryPoints: []string{"jung"}, DefaultQueue: "general"})))
		settle()
		if got, _ := other.TenantByEntry("jung"); got.Name != "서울 중구" {
			t.Fatalf("renamed tenant on the other node = %q", got.Name)
		}
		if theirs, _ := other.CitizenIdentity("jung", minwon.ChannelVoice, "01012345678"); theirs != mine {
			t.Fatal("a rename changed the tenant's salt on the other node")
		}
	})

	t.Run("ProtectionPolicy", func(t *testing.T) {
		f.staff()
		cfg := policy.DefaultConfig()
		cfg.Warnings[0] = "다른 노드에서 바꾼 첫 경고입니다."
		ok(t, second(f.c.SetPolicy(f.ctx, "admin", "city", rawPolicy(t, cfg))))
		settle()
		v := must(other.Policy("admin", "city"))
		if v.Source != center.PolicyOwn || v.Config.Warnings[0] != cfg.Warnings[0] {
			t.Fatalf("the other node's policy %s %q", v.Source, v.Config.Warnings[0])
		}
		ok(t, second(f.c.ResetPolicy(f.ctx, "admin", "city")))
		settle()
		if v := must(other.Policy("admin", "city")); v.Source != center.PolicyDefault {
			t.Fatalf("after the reset the other node's policy is %s", v.Source)
		}
	})

	t.Run("Interpreter", func(t *testing.T) {
		ok(t, second(f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{ID: "vi1", TenantID: "city", Name: "응웬 통역", Languages: []string{"vi"}, Address: "sip:vi@interpret.example.org"})))
		settle()
		var found bool
		for _, in := range other.Interpreters("city") {
			found = found || in.ID == "vi1" && in.Languages[0] == "vi"
		}
		if !found {
			t.Fatal("the interpreter saved on one node is not in the other's pool")
		}
	})
}
