package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/internal/pgtest"
	"github.com/minwon/minwon/sqldb"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		crashChild() // re-executed by TestCrashKeepsAcknowledgedEvents
		return
	}
	pgtest.Main(m)
}

// forEachDSN runs fn once per backend: SQLite in a temporary directory and
// PostgreSQL in a fresh database. Every storage test goes through it.
func forEachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "minwon.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.DSN(t)) })
}

// forEachBackend runs fn once per backend with a migrated, open store.
func forEachBackend(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	forEachDSN(t, func(t *testing.T, dsn string) { fn(t, mustOpen(t, dsn)) })
}

func mustOpen(t testing.TB, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.OpenMigrated(context.Background(), dsn, testLogger(t))
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// testLogger shows the store's warnings and errors in the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// base is the tests' clock: whole microseconds, which both backends keep.
var base = time.Date(2025, 3, 1, 9, 0, 0, 123456000, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// event builds an event at base+d, with envelope fields set by opts.
func event(typ minwon.EventType, d time.Duration, data any, opts ...func(*minwon.Event)) *minwon.Event {
	ev := minwon.NewEvent(typ, at(d), data)
	for _, o := range opts {
		o(ev)
	}
	return ev
}

func tenant(id string) func(*minwon.Event)  { return func(e *minwon.Event) { e.TenantID = id } }
func contact(id string) func(*minwon.Event) { return func(e *minwon.Event) { e.ContactID = id } }
func agent(id string) func(*minwon.Event)   { return func(e *minwon.Event) { e.AgentID = id } }
func queue(id string) func(*minwon.Event)   { return func(e *minwon.Event) { e.QueueID = id } }
func actor(id string) func(*minwon.Event)   { return func(e *minwon.Event) { e.ActorID = id } }

func mustAppend(t testing.TB, db *sqldb.DB, evs ...*minwon.Event) {
	t.Helper()
	if err := db.Append(context.Background(), evs...); err != nil {
		t.Fatalf("append: %v", err)
	}
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := minwon.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func wantEqual(t testing.TB, what string, got, want any) {
	t.Helper()
	switch got.(type) {
	case *minwon.Event, []*minwon.Event:
		// Events compare as JSON, which carries every field: one built in
		// this process also keeps its payload for Decode, which is no part
		// of what a store holds.
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		got, want = string(g), string(w)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func ptr[T any](v T) *T { return &v }

var ctx = context.Background()

func newContact(id, tenantID, citizen string, created time.Duration) *minwon.Contact {
	return &minwon.Contact{ID: id, TenantID: tenantID, Channel: minwon.ChannelChat, State: minwon.ContactWaiting,
		EntryPoint: "seoul", CitizenID: citizen, Language: "ko", CreatedAt: at(created)}
}

func createContact(c *minwon.Contact) *minwon.Event {
	return event(minwon.EventContactCreated, c.CreatedAt.Sub(base), c, tenant(c.TenantID), contact(c.ID))
}

func message(contactID string, seq int, from minwon.Sender, text, clientID string) *minwon.Message {
	return &minwon.Message{ID: fmt.Sprintf("m-%s-%d", contactID, seq), ContactID: contactID, Seq: seq, From: from, Text: text,
		ClientID: clientID, At: at(time.Duration(seq) * time.Second)}
}

func sendMessage(m *minwon.Message) *minwon.Event {
	return event(minwon.EventMessageSent, m.At.Sub(base), m, contact(m.ContactID))
}

func TestMigrate(t *testing.T) {
	forEachDSN(t, func(t *testing.T, dsn string) {
		t.Run("TwiceIsHarmless", func(t *testing.T) {
			db := mustOpen(t, dsn)
			mustAppend(t, db, event(minwon.EventTenantSaved, 0, minwon.Tenant{ID: "t1", Name: "서울"}))
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			db2, err := sqldb.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if err := db2.Migrate(ctx); err != nil {
				t.Fatalf("migrate from a second handle: %v", err)
			}
			ts, err := db2.Tenants(ctx)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tenants after migrating again = %v, %v", ts, err)
			}
		})
	})
}

func TestReference(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		t1 := minwon.Tenant{ID: "t1", Name: "서울 120", Kind: minwon.TenantCity, EntryPoints: []string{"seoul", "02-120"},
			DefaultQueue: "q1", Bot: true, CreatedAt: at(0)}
		t2 := minwon.Tenant{ID: "t2", ParentID: "t1", Name: "종로구", Kind: minwon.TenantDistrict, EntryPoints: []string{}, CreatedAt: at(time.Second)}
		d1 := minwon.Department{ID: "d1", TenantID: "t1", Name: "교통정책과", Phone: "02-2133-0000"}
		d2 := minwon.Department{ID: "d2", TenantID: "t2", Name: "주차관리과"}
		q1 := minwon.Queue{ID: "q1", TenantID: "t1", Name: "일반", Skills: []string{"lang:ko"}, Priority: 1, OverflowQueue: "q2",
			OverflowAfter: 90 * time.Second, OfferTimeout: 15 * time.Second, ServiceLevel: 20 * time.Second}
		q2 := minwon.Queue{ID: "q2", TenantID: "t2", Name: "수어", Skills: []string{minwon.SkillSign}}
		mustAppend(t, db,
			event(minwon.EventTenantSaved, 0, t1), event(minwon.EventTenantSaved, 0, t2),
			event(minwon.EventDepartmentSaved, 0, d1), event(minwon.EventDepartmentSaved, 0, d2),
			event(minwon.EventQueueSaved, 0, q1), event(minwon.EventQueueSaved, 0, q2))

		t.Run("Tenants", func(t *testing.T) {
			got, err := db.Tenants(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "tenants", got, []*minwon.Tenant{&t1, &t2})
		})
		t.Run("TenantSavedAgainReplaces", func(t *testing.T) {
			t2b := t2
			t2b.Name, t2b.EntryPoints = "종로구청", []string{"jongno"}
			mustAppend(t, db, event(minwon.EventTenantSaved, 0, t2b))
			got, _ := db.Tenants(ctx)
			wantEqual(t, "tenants", got, []*minwon.Tenant{&t1, &t2b})
		})
		t.Run("Departments", func(t *testing.T) {
			all, err := db.Departments(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "all departments", all, []*minwon.Department{&d1, &d2})
			one, _ := db.Departments(ctx, "t2")
			wantEqual(t, "t2 departments", one, []*minwon.Department{&d2})
		})
		t.Run("Queues", func(t *testing.T) {
			all, err := db.Queues(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			q2.Skills = []string{minwon.SkillSign}
			wantEqual(t, "all queues", all, []*minwon.Queue{&q1, &q2})
			one, _ := db.Queues(ctx, "t1")
			wantEqual(t, "t1 queues", one, []*minwon.Queue{&q1})
		})
		t.Run("EmptyTenantListsNothing", func(t *testing.T) {
			qs, err := db.Queues(ctx, "nope")
			if err != nil || qs == nil || len(qs) != 0 {
				t.Fatalf("queues of an unknown tenant = %#v, %v; want an empty list", qs, err)
			}
		})
	})
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		u1 := minwon.User{ID: "u1", TenantID: "t1", Login: "kim", Name: "김상담", Roles: []minwon.Role{minwon.RoleCounselor},
			Skills: []string{"lang:ko", "lang:en"}, Capacity: minwon.DefaultCapacity(), CreatedAt: at(0)}
		u2 := minwon.User{ID: "u2", TenantID: "t2", Login: "lee", Name: "이주무관", Roles: []minwon.Role{minwon.RoleDepartment},
			DepartmentID: "d1", Disabled: true, CreatedAt: at(time.Minute)}
		mustAppend(t, db, event(minwon.EventUserSaved, 0, u1), event(minwon.EventUserSaved, 0, u2))
		mustAppend(t, db, event(minwon.EventPasswordSet, 0, minwon.PasswordSet{UserID: "u1", Hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}))

		u1.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
		u2.Skills, u2.Capacity = []string{}, map[minwon.Channel]int{}

		t.Run("ByLoginWithPassword", func(t *testing.T) {
			got, err := db.UserByLogin(ctx, "kim")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "user", got, &u1)
		})
		t.Run("ListByTenant", func(t *testing.T) {
			all, err := db.Users(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "all users", all, []*minwon.User{&u1, &u2})
			t2, _ := db.Users(ctx, "t2")
			wantEqual(t, "t2 users", t2, []*minwon.User{&u2})
		})
		t.Run("SavedAgainKeepsPassword", func(t *testing.T) {
			u1b := u1
			u1b.PasswordHash = ""
			u1b.Name = "김선임"
			mustAppend(t, db, event(minwon.EventUserSaved, 0, u1b))
			got, _ := db.UserByLogin(ctx, "kim")
			if got.Name != "김선임" || got.PasswordHash != u1.PasswordHash {
				t.Fatalf("after re-save: name %q hash %q", got.Name, got.PasswordHash)
			}
		})
		t.Run("UnknownLoginNotFound", func(t *testing.T) {
			_, err := db.UserByLogin(ctx, "park")
			wantCode(t, err, minwon.ENOTFOUND)
		})
		t.Run("DuplicateLoginConflict", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventUserSaved, 0, minwon.User{ID: "u3", Login: "kim"}))
			wantCode(t, err, minwon.ECONFLICT)
		})
		t.Run("PasswordForUnknownUserNotFound", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventPasswordSet, 0, minwon.PasswordSet{UserID: "nobody", Hash: "x"}))
			wantCode(t, err, minwon.ENOTFOUND)
		})
	})
}

func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		created := minwon.SessionCreated{TokenHash: "ab12", UserID: "u1", CreatedAt: at(0), ExpiresAt: at(12 * time.Hour)}
		mustAppend(t, db, event(minwon.EventSessionCreated, 0, created, actor("u1")))

		got, err := db.Session(ctx, "ab12")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "session", got, &minwon.Session{TokenHash: "ab12", UserID: "u1", CreatedAt: at(0), ExpiresAt: at(12 * time.Hour)})

		_, err = db.Session(ctx, "ffff")
		wantCode(t, err, minwon.ENOTFOUND)

		mustAppend(t, db, event(minwon.EventSessionEnded, time.Hour, minwon.SessionEnded{TokenHash: "ab12"}))
		_, err = db.Session(ctx, "ab12")
		wantCode(t, err, minwon.ENOTFOUND)

		t.Run("EndTwiceIsHarmless", func(t *testing.T) {
			mustAppend(t, db, event(minwon.EventSessionEnded, time.Hour, minwon.SessionEnded{TokenHash: "ab12"}))
		})
	})
}

func TestAgentStates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db,
			event(minwon.EventAgentPresence, 0, minwon.AgentPresence{Connected: true}, agent("u1"), tenant("t1")),
			event(minwon.EventAgentState, time.Second, minwon.AgentStateChanged{State: minwon.AgentBreak, Reason: "meal", Prev: minwon.AgentOffline}, agent("u1"), tenant("t1")))
		state, reason, connected, err := sqldb.AgentState(ctx, db, "u1")
		if err != nil || state != "break" || reason != "meal" || !connected {
			t.Fatalf("agent state = %q %q %v, %v", state, reason, connected, err)
		}
	})
}

func TestBotContact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		for _, tc := range []struct {
			name     string
			resolved bool
			want     func(c *minwon.Contact)
		}{
			{"ServedByTheBot", true, func(c *minwon.Contact) {
				c.State, c.Resolution, c.EndedAt, c.ClosedAt = minwon.ContactClosed, minwon.ResolvedBot, ptr(at(time.Minute)), ptr(at(time.Minute))
			}},
			{"LeftUnanswered", false, func(c *minwon.Contact) { c.State, c.EndedAt = minwon.ContactAbandoned, ptr(at(time.Minute)) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := newContact("bot-"+tc.name, "t1", "citizen-1", 0)
				c.State = minwon.ContactBot
				mustAppend(t, db, createContact(c))
				got, err := db.Contact(ctx, c.ID)
				if err != nil || got.State != minwon.ContactBot {
					t.Fatalf("created: %+v %v, want state bot", got, err)
				}
				mustAppend(t, db, event(minwon.EventBotClosed, time.Minute, minwon.BotClosed{Resolved: tc.resolved}, contact(c.ID)))
				want := *c
				tc.want(&want)
				got, err = db.Contact(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, "contact", got, &want)
			})
		}
	})
}

func TestContactLife(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		c := newContact("c1", "t1", "citizen-1", 0)
		c.CitizenName = "홍길동"
		check := func(t *testing.T, want *minwon.Contact) {
			t.Helper()
			got, err := db.Contact(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "contact", got, want)
		}
		steps := []struct {
			name   string
			events []*minwon.Event
			change func(c *minwon.Contact)
		}{
			{"Created", []*minwon.Event{createContact(c)}, func(*minwon.Contact) {}},
			{"Queued", []*minwon.Event{event(minwon.EventContactQueued, time.Second, minwon.ContactQueued{Reason: "new"}, contact("c1"), queue("q1"))},
				func(c *minwon.Contact) { c.QueueID = "q1" }},
			{"Offered", []*minwon.Event{event(minwon.EventContactOffered, 2*time.Second, minwon.ContactOffered{ExpiresAt: at(17 * time.Second)}, contact("c1"), agent("a1"))},
				func(c *minwon.Contact) { c.State, c.AgentID = minwon.ContactRinging, "a1" }},
			{"OfferLapsed", []*minwon.Event{event(minwon.EventOfferExpired, 17*time.Second, nil, contact("c1"), agent("a1"))},
				func(c *minwon.Contact) { c.State, c.AgentID = minwon.ContactWaiting, "" }},
			{"OfferedAgain", []*minwon.Event{event(minwon.EventContactOffered, 18*time.Second, minwon.ContactOffered{ExpiresAt: at(33 * time.Second)}, contact("c1"), agent("a2"))},
				func(c *minwon.Contact) { c.State, c.AgentID = minwon.ContactRinging, "a2" }},
			{"Answered", []*minwon.Event{event(minwon.EventContactAnswered, 20*time.Second, nil, contact("c1"), agent("a2"))},
				func(c *minwon.Contact) { c.State, c.AnsweredAt = minwon.ContactActive, ptr(at(20*time.Second)) }},
			{"Messages", []*minwon.Event{
				sendMessage(message("c1", 1, minwon.FromCitizen, "불법주차 신고하려고요", "k1")),
				sendMessage(message("c1", 2, minwon.FromAgent, "네, 위치를 알려주시겠어요?", "k2")),
			}, func(*minwon.Contact) {}},
			{"Transferred", []*minwon.Event{event(minwon.EventContactTransfered, 40*time.Second, minwon.ContactTransferred{FromAgent: "a2", ToAgent: "a3"}, contact("c1"))},
				func(c *minwon.Contact) { c.AgentID = "a3" }},
			{"Memo", []*minwon.Event{event(minwon.EventMemoSaved, 50*time.Second, minwon.MemoSaved{Text: "강남구 역삼동, 소화전 앞"}, contact("c1"))},
				func(c *minwon.Contact) { c.Memo = "강남구 역삼동, 소화전 앞" }},
			{"Ended", []*minwon.Event{event(minwon.EventContactEnded, time.Minute, minwon.ContactEnded{By: minwon.FromCitizen}, contact("c1"))},
				func(c *minwon.Contact) { c.State, c.EndedAt = minwon.ContactWrapUp, ptr(at(time.Minute)) }},
			{"Wrapped", []*minwon.Event{event(minwon.EventContactWrapped, 2*time.Minute, minwon.ContactWrapped{Category: "주차", Resolution: minwon.ResolvedHandoff, DepartmentID: "d1", Summary: "불법주차 신고 이관"}, contact("c1"))},
				func(c *minwon.Contact) {
					c.State, c.ClosedAt = minwon.ContactClosed, ptr(at(2*time.Minute))
					c.Category, c.Resolution, c.DepartmentID, c.Summary = "주차", minwon.ResolvedHandoff, "d1", "불법주차 신고 이관"
				}},
			{"Rated", []*minwon.Event{event(minwon.EventContactRated, 3*time.Minute, minwon.ContactRated{Rating: 5, Comment: "친절했어요"}, contact("c1"))},
				func(c *minwon.Contact) { c.Rating, c.RatingComment = 5, "친절했어요" }},
		}
		want := *c
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				mustAppend(t, db, s.events...)
				s.change(&want)
				check(t, &want)
			})
		}
		t.Run("MessagesInOrder", func(t *testing.T) {
			got, err := db.Messages(ctx, "c1", 0)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "messages", got, []*minwon.Message{
				message("c1", 1, minwon.FromCitizen, "불법주차 신고하려고요", "k1"),
				message("c1", 2, minwon.FromAgent, "네, 위치를 알려주시겠어요?", "k2"),
			})
		})
		t.Run("UnknownContactNotFound", func(t *testing.T) {
			_, err := db.Contact(ctx, "c404")
			wantCode(t, err, minwon.ENOTFOUND)
		})
	})
}

func TestContactAbandoned(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		c := newContact("c1", "t1", "citizen-1", 0)
		mustAppend(t, db, createContact(c),
			event(minwon.EventContactQueued, 0, minwon.ContactQueued{Reason: "new"}, contact("c1"), queue("q1")),
			event(minwon.EventContactEnded, 45*time.Second, minwon.ContactEnded{By: minwon.FromCitizen, Reason: "hung up"}, contact("c1")))
		got, err := db.Contact(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		want := *c
		want.QueueID, want.State, want.EndedAt = "q1", minwon.ContactAbandoned, ptr(at(45*time.Second))
		wantEqual(t, "contact", got, &want)
	})
}

func TestContactsFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		c1 := newContact("c1", "t1", "cit-a", 0)
		c2 := newContact("c2", "t1", "cit-b", time.Hour)
		c3 := newContact("c3", "t1", "cit-a", 2*time.Hour)
		c4 := newContact("c4", "t2", "cit-a", 3*time.Hour)
		c5 := newContact("c5", "t1", "cit-c", 4*time.Hour)
		for _, c := range []*minwon.Contact{c1, c2, c3, c4, c5} {
			mustAppend(t, db, createContact(c))
		}
		mustAppend(t, db,
			event(minwon.EventContactOffered, 0, minwon.ContactOffered{}, contact("c3"), agent("a1")),
			event(minwon.EventContactAnswered, 0, nil, contact("c3"), agent("a1")),
			event(minwon.EventContactEnded, time.Minute, minwon.ContactEnded{}, contact("c2")))

		ids := func(t *testing.T, f minwon.ContactFilter) []string {
			t.Helper()
			cs, err := db.Contacts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    minwon.ContactFilter
			want []string
		}{
			{"AllNewestFirst", minwon.ContactFilter{}, []string{"c5", "c4", "c3", "c2", "c1"}},
			{"Tenant", minwon.ContactFilter{TenantID: "t2"}, []string{"c4"}},
			{"Citizen", minwon.ContactFilter{CitizenID: "cit-a"}, []string{"c4", "c3", "c1"}},
			{"CitizenInTenant", minwon.ContactFilter{TenantID: "t1", CitizenID: "cit-a"}, []string{"c3", "c1"}},
			{"Agent", minwon.ContactFilter{AgentID: "a1"}, []string{"c3"}},
			{"States", minwon.ContactFilter{States: []minwon.ContactState{minwon.ContactActive, minwon.ContactAbandoned}}, []string{"c3", "c2"}},
			{"FromInclusive", minwon.ContactFilter{From: at(2 * time.Hour)}, []string{"c5", "c4", "c3"}},
			{"ToExclusive", minwon.ContactFilter{To: at(2 * time.Hour)}, []string{"c2", "c1"}},
			{"Window", minwon.ContactFilter{From: at(time.Hour), To: at(3*time.Hour + time.Microsecond)}, []string{"c4", "c3", "c2"}},
			{"Limit", minwon.ContactFilter{CitizenID: "cit-a", Limit: 2}, []string{"c4", "c3"}},
			{"NoMatch", minwon.ContactFilter{CitizenID: "nobody"}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantEqual(t, "contact IDs", ids(t, tt.f), tt.want) })
		}
	})
}

func TestMessagesAfterSeq(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)), createContact(newContact("c2", "t1", "y", 0)))
		var want []*minwon.Message
		for i := 1; i <= 5; i++ {
			m := message("c1", i, minwon.FromCitizen, fmt.Sprintf("message %d", i), "")
			want = append(want, m)
			mustAppend(t, db, sendMessage(m))
		}
		mustAppend(t, db, sendMessage(message("c2", 1, minwon.FromCitizen, "other contact", "")))
		for _, after := range []int{0, 3, 5} {
			t.Run(fmt.Sprintf("After%d", after), func(t *testing.T) {
				got, err := db.Messages(ctx, "c1", after)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, "messages", got, append([]*minwon.Message{}, want[after:]...))
			})
		}
		t.Run("DuplicateSeqConflict", func(t *testing.T) {
			m := message("c1", 3, minwon.FromAgent, "same seq", "")
			m.ID = "other-id"
			wantCode(t, db.Append(ctx, sendMessage(m)), minwon.ECONFLICT)
		})
		t.Run("UnknownContactNotFound", func(t *testing.T) {
			wantCode(t, db.Append(ctx, sendMessage(message("c404", 1, minwon.FromCitizen, "hello", ""))), minwon.ENOTFOUND)
		})
	})
}

func TestHandoffs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)), createContact(newContact("c2", "t1", "y", 0)))
		h1 := minwon.Handoff{ID: "h1", TenantID: "t1", ContactID: "c1", DepartmentID: "d1", Summary: "도로 파손 신고", Note: "사진 있음",
			State: minwon.HandoffOpen, CreatedBy: "a1", CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)}
		h2 := minwon.Handoff{ID: "h2", TenantID: "t1", ContactID: "c2", DepartmentID: "d2", Summary: "가로등 고장",
			State: minwon.HandoffOpen, CreatedBy: "a1", CreatedAt: at(2 * time.Minute), UpdatedAt: at(2 * time.Minute)}
		mustAppend(t, db, event(minwon.EventHandoffCreated, time.Minute, h1, contact("c1")), event(minwon.EventHandoffCreated, 2*time.Minute, h2, contact("c2")))

		mustAppend(t, db, event(minwon.EventHandoffUpdated, 3*time.Minute, minwon.HandoffUpdated{ID: "h1", State: minwon.HandoffAccepted}, actor("officer")))
		h1.State, h1.UpdatedAt = minwon.HandoffAccepted, at(3*time.Minute)
		got, _ := db.Handoffs(ctx, minwon.HandoffFilter{ContactID: "c1"})
		wantEqual(t, "accepted hand-off", got, []*minwon.Handoff{&h1})

		mustAppend(t, db, event(minwon.EventHandoffUpdated, 4*time.Minute, minwon.HandoffUpdated{ID: "h1", State: minwon.HandoffDone, Reply: "보수 완료"}, actor("officer")))
		h1.State, h1.UpdatedAt, h1.Reply = minwon.HandoffDone, at(4*time.Minute), "보수 완료"

		tests := []struct {
			name string
			f    minwon.HandoffFilter
			want []*minwon.Handoff
		}{
			{"AllNewestFirst", minwon.HandoffFilter{}, []*minwon.Handoff{&h2, &h1}},
			{"Department", minwon.HandoffFilter{DepartmentID: "d1"}, []*minwon.Handoff{&h1}},
			{"Open", minwon.HandoffFilter{States: []minwon.HandoffState{minwon.HandoffOpen}}, []*minwon.Handoff{&h2}},
			{"DepartmentAndState", minwon.HandoffFilter{DepartmentID: "d1", States: []minwon.HandoffState{minwon.HandoffOpen}}, []*minwon.Handoff{}},
			{"Tenant", minwon.HandoffFilter{TenantID: "t1", Limit: 1}, []*minwon.Handoff{&h2}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.Handoffs(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, "hand-offs", got, tt.want)
			})
		}
		t.Run("UpdateUnknownNotFound", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventHandoffUpdated, 0, minwon.HandoffUpdated{ID: "h404", State: minwon.HandoffDone}))
			wantCode(t, err, minwon.ENOTFOUND)
		})
	})
}

func TestNotices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		n1 := minwon.Notice{ID: "n1", TenantID: "t1", Title: "오늘의 브리핑", Body: "폭설 예보: 제설 문의 급증 예상", AuthorID: "s1",
			CreatedAt: at(0), ExpiresAt: at(24 * time.Hour)}
		n2 := minwon.Notice{ID: "n2", TenantID: "t1", Title: "상시 공지", Body: "개인정보 처리 지침", AuthorID: "s1", CreatedAt: at(time.Hour)}
		n3 := minwon.Notice{ID: "n3", TenantID: "t2", Title: "구청 공지", Body: "…", AuthorID: "s2", CreatedAt: at(2 * time.Hour), ExpiresAt: at(3 * time.Hour)}
		mustAppend(t, db, event(minwon.EventNoticePosted, 0, n1, tenant("t1")), event(minwon.EventNoticePosted, time.Hour, n2, tenant("t1")),
			event(minwon.EventNoticePosted, 2*time.Hour, n3, tenant("t2")))
		mustAppend(t, db,
			event(minwon.EventNoticeRead, 3*time.Hour, minwon.NoticeRead{NoticeID: "n1"}, actor("u2")),
			event(minwon.EventNoticeRead, 4*time.Hour, minwon.NoticeRead{NoticeID: "n1"}, actor("u1")),
			event(minwon.EventNoticeRead, 5*time.Hour, minwon.NoticeRead{NoticeID: "n1"}, actor("u2")), // twice: counted once
			event(minwon.EventNoticeRead, 5*time.Hour, minwon.NoticeRead{NoticeID: "n3"}, actor("u9")))
		n1.ReadBy, n2.ReadBy, n3.ReadBy = []string{"u2", "u1"}, []string{}, []string{"u9"}

		tests := []struct {
			name     string
			tenant   string
			activeAt time.Time
			want     []*minwon.Notice
		}{
			{"ActiveInTenant", "t1", at(5 * time.Hour), []*minwon.Notice{&n2, &n1}},
			{"ExpiredLeftOut", "t1", at(24 * time.Hour), []*minwon.Notice{&n2}},
			{"AllTenants", "", at(150 * time.Minute), []*minwon.Notice{&n3, &n2, &n1}},
			{"AnyTime", "t2", time.Time{}, []*minwon.Notice{&n3}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.Notices(ctx, tt.tenant, tt.activeAt)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, "notices", got, tt.want)
			})
		}
		t.Run("ReadUnknownNotFound", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventNoticeRead, 0, minwon.NoticeRead{NoticeID: "n404"}, actor("u1")))
			wantCode(t, err, minwon.ENOTFOUND)
		})
	})
}

func TestEventsFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)), createContact(newContact("c2", "t2", "y", 0)))
		mustAppend(t, db,
			event(minwon.EventContactQueued, time.Minute, minwon.ContactQueued{Reason: "new"}, tenant("t1"), contact("c1"), queue("q1")),
			event(minwon.EventContactQueued, 2*time.Minute, minwon.ContactQueued{Reason: "new"}, tenant("t2"), contact("c2"), queue("q2")),
			event(minwon.EventMonitor, 3*time.Minute, minwon.Monitor{On: true}, tenant("t1"), contact("c1"), actor("s1")),
			event(minwon.EventAgentState, 4*time.Minute, minwon.AgentStateChanged{State: minwon.AgentAvailable}, tenant("t1"), agent("a1")))
		all, err := db.Events(ctx, minwon.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 6 {
			t.Fatalf("%d events, want 6", len(all))
		}
		seq := func(i int) int64 { return all[i].Seq }
		seqs := func(t *testing.T, f minwon.EventFilter) []int64 {
			t.Helper()
			evs, err := db.Events(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, e := range evs {
				out = append(out, e.Seq)
			}
			return out
		}
		tests := []struct {
			name string
			f    minwon.EventFilter
			want []int64
		}{
			{"Tenant", minwon.EventFilter{TenantID: "t1"}, []int64{seq(0), seq(2), seq(4), seq(5)}},
			{"Contact", minwon.EventFilter{ContactID: "c2"}, []int64{seq(1), seq(3)}},
			{"AfterSeq", minwon.EventFilter{AfterSeq: seq(3)}, []int64{seq(4), seq(5)}},
			{"From", minwon.EventFilter{From: at(2 * time.Minute)}, []int64{seq(3), seq(4), seq(5)}},
			{"To", minwon.EventFilter{To: at(time.Minute)}, []int64{seq(0), seq(1)}},
			{"Range", minwon.EventFilter{From: at(time.Minute), To: at(3 * time.Minute)}, []int64{seq(2), seq(3)}},
			{"Types", minwon.EventFilter{Types: []minwon.EventType{minwon.EventMonitor, minwon.EventAgentState}}, []int64{seq(4), seq(5)}},
			{"Limit", minwon.EventFilter{TenantID: "t1", Limit: 2}, []int64{seq(0), seq(2)}},
			{"Combined", minwon.EventFilter{TenantID: "t1", ContactID: "c1", AfterSeq: seq(0), Types: []minwon.EventType{minwon.EventContactQueued}}, []int64{seq(2)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantEqual(t, "seqs", seqs(t, tt.f), tt.want) })
		}
		t.Run("RoundTrip", func(t *testing.T) {
			want := event(minwon.EventMonitor, 5*time.Minute, minwon.Monitor{On: false}, tenant("t1"), contact("c1"), actor("s1"), agent("a1"), queue("q1"))
			mustAppend(t, db, want)
			got, err := db.Events(ctx, minwon.EventFilter{AfterSeq: want.Seq - 1})
			if err != nil || len(got) != 1 {
				t.Fatalf("events = %v, %v", got, err)
			}
			wantEqual(t, "event", got[0], want)
		})
	})
}

func TestSeq(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		var last int64
		for i := range 20 {
			evs := make([]*minwon.Event, 1+i%3)
			for j := range evs {
				evs[j] = event("test.tick", 0, map[string]int{"i": i, "j": j})
			}
			mustAppend(t, db, evs...)
			for _, ev := range evs {
				if ev.Seq <= last {
					t.Fatalf("seq %d after %d", ev.Seq, last)
				}
				last = ev.Seq
			}
		}
		t.Run("ConsecutiveWithinAppend", func(t *testing.T) {
			a, b, c := event("test.tick", 0, nil), event("test.tick", 0, nil), event("test.tick", 0, nil)
			mustAppend(t, db, a, b, c)
			if b.Seq != a.Seq+1 || c.Seq != b.Seq+1 {
				t.Fatalf("seqs %d %d %d", a.Seq, b.Seq, c.Seq)
			}
		})
	})
}

func TestAppendRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)))
		count := func(t *testing.T) int {
			evs, err := db.Events(ctx, minwon.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		bad := []struct {
			name string
			evs  []*minwon.Event
			code string
		}{
			{"Ephemeral", []*minwon.Event{event(minwon.EventTyping, 0, minwon.Typing{From: minwon.FromCitizen}, contact("c1"))}, minwon.EINVALID},
			{"NilEvent", []*minwon.Event{nil}, minwon.EINVALID},
			{"NoID", []*minwon.Event{{Type: "test.x", At: base}}, minwon.EINVALID},
			{"MalformedPayload", []*minwon.Event{{ID: minwon.NewID(), Type: minwon.EventMessageSent, At: base, Data: json.RawMessage(`{"id":`)}}, minwon.EINVALID},
			{"WrongPayloadShape", []*minwon.Event{{ID: minwon.NewID(), Type: minwon.EventContactRated, ContactID: "c1", At: base, Data: json.RawMessage(`{"rating":"five"}`)}}, minwon.EINVALID},
			{"DuplicateEventID", []*minwon.Event{{ID: "dup", Type: "test.x", At: base}, {ID: "dup", Type: "test.x", At: base}}, minwon.ECONFLICT},
			{"MemoForUnknownContact", []*minwon.Event{event(minwon.EventMemoSaved, 0, minwon.MemoSaved{Text: "x"}, contact("c404"))}, minwon.ENOTFOUND},
			{"LaterEventOfGroupBad", []*minwon.Event{
				event("test.x", 0, nil), sendMessage(message("c1", 1, minwon.FromCitizen, "ok", "")),
				event(minwon.EventContactEnded, 0, minwon.ContactEnded{}, contact("c404")),
			}, minwon.ENOTFOUND},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				before := count(t)
				wantCode(t, db.Append(ctx, tt.evs...), tt.code)
				if after := count(t); after != before {
					t.Fatalf("a refused append stored %d events", after-before)
				}
				for _, ev := range tt.evs {
					if ev != nil && ev.Seq != 0 {
						t.Fatalf("a refused event got seq %d", ev.Seq)
					}
				}
			})
		}
		t.Run("RefusedGroupLeavesNoReadModel", func(t *testing.T) {
			msgs, _ := db.Messages(ctx, "c1", 0)
			if len(msgs) != 0 {
				t.Fatalf("a refused group left %d messages", len(msgs))
			}
		})
		t.Run("UnknownTypeStored", func(t *testing.T) {
			ev := event("future.thing", 0, map[string]string{"k": "v"}, contact("c1"))
			mustAppend(t, db, ev)
			got, err := db.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{"future.thing"}})
			if err != nil || len(got) != 1 || got[0].ID != ev.ID {
				t.Fatalf("unknown event = %v, %v", got, err)
			}
		})
		t.Run("NoEventsIsNoOp", func(t *testing.T) {
			if err := db.Append(ctx); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("CancelledBeforeQueued", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			before := count(t)
			err := db.Append(cctx, event("test.x", 0, nil))
			// Either outcome is a definite one: refused with the context's
			// error and not stored, or stored.
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v", err)
			}
			if after := count(t); (err == nil) != (after == before+1) {
				t.Fatalf("err %v but %d events stored", err, after-before)
			}
		})
	})
}

// TestBatchIsolation puts good and bad appends into one batch: only the bad
// ones fail, and the rest commit together.
func TestBatchIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)), createContact(newContact("c2", "t1", "y", 0)),
			sendMessage(message("c1", 1, minwon.FromCitizen, "first", "client-1")))

		type call struct {
			evs  []*minwon.Event
			code string
		}
		calls := []call{
			// Retrying a message the client already sent: same client_id.
			{[]*minwon.Event{sendMessage(message("c1", 2, minwon.FromCitizen, "first", "client-1"))}, minwon.ECONFLICT},
			{[]*minwon.Event{sendMessage(message("c404", 1, minwon.FromCitizen, "x", ""))}, minwon.ENOTFOUND},
			{[]*minwon.Event{event("test.x", 0, nil), event(minwon.EventMemoSaved, 0, minwon.MemoSaved{Text: "x"}, contact("c404"))}, minwon.ENOTFOUND},
		}
		for i := range 20 {
			calls = append(calls, call{evs: []*minwon.Event{sendMessage(message("c2", i+1, minwon.FromCitizen, fmt.Sprint("good ", i), fmt.Sprint("k", i)))}})
		}
		before := db.Stats()
		release := sqldb.HoldWriter(db)
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Go(func() { errs[i] = db.Append(ctx, c.evs...) })
		}
		for db.Stats().Pending < int64(len(calls)) {
			time.Sleep(time.Millisecond) // waiting for a condition, not a timer
		}
		release()
		wg.Wait()

		for i, c := range calls {
			if got := minwon.ErrorCode(errs[i]); got != c.code {
				t.Errorf("call %d: err %v, want code %q", i, errs[i], c.code)
			}
		}
		after := db.Stats()
		if n := after.Batches - before.Batches; n != 1 {
			t.Errorf("%d batches committed, want 1", n)
		}
		if n := after.Retries - before.Retries; n != 3 {
			t.Errorf("%d retries, want 3 (one per refused append)", n)
		}
		msgs, _ := db.Messages(ctx, "c2", 0)
		if len(msgs) != 20 {
			t.Fatalf("%d good messages stored, want 20", len(msgs))
		}
		msgs, _ = db.Messages(ctx, "c1", 0)
		if len(msgs) != 1 {
			t.Fatalf("contact c1 has %d messages, want 1", len(msgs))
		}
	})
}

func TestAppendConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		const writers, each = 200, 50
		for w := range writers {
			mustAppend(t, db, createContact(newContact(fmt.Sprint("c", w), "t1", "x", 0)))
		}
		before := db.Stats()
		sent := make([][]*minwon.Event, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					ev := sendMessage(message(fmt.Sprint("c", w), i+1, minwon.FromCitizen, "hello", ""))
					if err := db.Append(ctx, ev); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
					sent[w] = append(sent[w], ev)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		after := db.Stats()
		t.Logf("%d appends in %d batches", after.Appends-before.Appends, after.Batches-before.Batches)

		stored, err := db.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventMessageSent}})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != writers*each {
			t.Fatalf("%d events stored, want %d", len(stored), writers*each)
		}
		bySeq := map[int64]string{}
		var last int64
		for _, ev := range stored {
			if ev.Seq <= last {
				t.Fatalf("events out of order: seq %d after %d", ev.Seq, last)
			}
			last = ev.Seq
			bySeq[ev.Seq] = ev.ID
		}
		for w := range writers {
			for i, ev := range sent[w] {
				if bySeq[ev.Seq] != ev.ID {
					t.Fatalf("writer %d event %d: seq %d holds %q, want %q", w, i, ev.Seq, bySeq[ev.Seq], ev.ID)
				}
				if i > 0 && ev.Seq <= sent[w][i-1].Seq {
					t.Fatalf("writer %d: seq went back", w)
				}
			}
			msgs, _ := db.Messages(ctx, fmt.Sprint("c", w), 0)
			if len(msgs) != each {
				t.Fatalf("contact c%d has %d messages, want %d", w, len(msgs), each)
			}
		}
	})
}

func TestReopen(t *testing.T) {
	forEachDSN(t, func(t *testing.T, dsn string) {
		db, err := sqldb.OpenMigrated(ctx, dsn, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		c := newContact("c1", "t1", "x", 0)
		m := message("c1", 1, minwon.FromCitizen, "다시 열어도 남아 있나요?", "k1")
		evs := []*minwon.Event{event(minwon.EventTenantSaved, 0, minwon.Tenant{ID: "t1", Name: "서울"}), createContact(c), sendMessage(m)}
		mustAppend(t, db, evs...)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		t.Run("AppendAfterCloseUnavailable", func(t *testing.T) {
			wantCode(t, db.Append(ctx, event("test.x", 0, nil)), minwon.EUNAVAILABLE)
		})

		db = mustOpen(t, dsn)
		got, err := db.Events(ctx, minwon.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "events", got, evs)
		gc, err := db.Contact(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "contact", gc, c)
		gm, _ := db.Messages(ctx, "c1", 0)
		wantEqual(t, "messages", gm, []*minwon.Message{m})

		next := event("test.x", 0, nil)
		mustAppend(t, db, next)
		if next.Seq <= evs[2].Seq {
			t.Fatalf("seq after reopen %d, not above %d", next.Seq, evs[2].Seq)
		}
	})
}

// TestCloseDrains closes the store while appends are in flight: every
// append either fails with EUNAVAILABLE or is stored.
func TestCloseDrains(t *testing.T) {
	forEachDSN(t, func(t *testing.T, dsn string) {
		db, err := sqldb.OpenMigrated(ctx, dsn, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		const n = 300
		evs := make([]*minwon.Event, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			evs[i] = event("test.x", 0, map[string]int{"i": i})
			wg.Go(func() { errs[i] = db.Append(ctx, evs[i]) })
			if i == n/2 {
				wg.Go(func() {
					if err := db.Close(); err != nil {
						t.Errorf("close: %v", err)
					}
				})
			}
		}
		wg.Wait()

		db = mustOpen(t, dsn)
		stored, err := db.Events(ctx, minwon.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, ev := range stored {
			ids[ev.ID] = true
		}
		acked := 0
		for i, err := range errs {
			switch {
			case err == nil:
				acked++
				if !ids[evs[i].ID] {
					t.Fatalf("acknowledged event %d was lost", i)
				}
			case minwon.ErrorCode(err) == minwon.EUNAVAILABLE:
				if ids[evs[i].ID] {
					t.Fatalf("event %d was refused but stored", i)
				}
			default:
				t.Fatalf("event %d: %v", i, err)
			}
		}
		t.Logf("%d of %d appends acknowledged before close", acked, n)
	})
}

func TestHostileText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		texts := []string{
			`'; DROP TABLE messages; --`,
			`Robert'); DELETE FROM contacts WHERE ('1'='1`,
			`<script>alert("xss")</script><img src=x onerror=alert(1)>`,
			"이모지 👩‍👩‍👧‍👦🙏🏽 and 🇰🇷",
			"불법 주정차 신고합니다. 과태료는 얼마인가요?",
			"ㅎㅏㄴㄱㅡㄹ 자모 분리, 한글 NFD: \u1112\u1161\u11ab",
			`back\slash "double" 'single' ` + "`tick` $1 ? ?? :name @name %s %d",
			"line\nbreak\ttab\r\n\u2028\u2029 zero\u200bwidth",
			strings.Repeat("가", minwon.MaxMessageBytes/3) + "a", // 4000 bytes
			"",
		}
		contactID := `c'1"; --`
		mustAppend(t, db, createContact(newContact(contactID, "t1", `cit"<>'`, 0)))
		for i, text := range texts {
			m := message(contactID, i+1, minwon.FromCitizen, text, fmt.Sprintf("k'%d", i))
			mustAppend(t, db, sendMessage(m))
		}
		if len(texts[8]) != 4000 {
			t.Fatalf("long text is %d bytes", len(texts[8]))
		}
		got, err := db.Messages(ctx, contactID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(texts) {
			t.Fatalf("%d messages, want %d", len(got), len(texts))
		}
		for i, m := range got {
			if m.Text != texts[i] {
				t.Errorf("message %d: got %q, want %q", i, m.Text, texts[i])
			}
		}
		t.Run("MemoAndPayload", func(t *testing.T) {
			ev := event(minwon.EventMemoSaved, 0, minwon.MemoSaved{Text: texts[0] + texts[2] + texts[3]}, contact(contactID))
			mustAppend(t, db, ev)
			c, _ := db.Contact(ctx, contactID)
			if c.Memo != texts[0]+texts[2]+texts[3] || c.CitizenID != `cit"<>'` {
				t.Fatalf("memo %q citizen %q", c.Memo, c.CitizenID)
			}
			evs, _ := db.Events(ctx, minwon.EventFilter{ContactID: contactID, Types: []minwon.EventType{minwon.EventMemoSaved}})
			if len(evs) != 1 || string(evs[0].Data) != string(ev.Data) {
				t.Fatalf("payload changed: %v", evs)
			}
		})
	})
}

func TestTimesKeepMicroseconds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.FixedZone("KST", 9*3600))
		ev := minwon.NewEvent("test.x", at, nil)
		mustAppend(t, db, ev)
		got, _ := db.Events(ctx, minwon.EventFilter{AfterSeq: ev.Seq - 1})
		want := at.UTC().Truncate(time.Microsecond)
		if len(got) != 1 || !got[0].At.Equal(want) || got[0].At.Location() != time.UTC {
			t.Fatalf("at = %v, want %v", got[0].At, want)
		}
	})
}

// TestCheckpointRewindsWAL is SQLite only: the checkpointer, not the writer,
// copies the WAL back, and it must keep the WAL from growing for ever.
func TestCheckpointRewindsWAL(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "minwon.db"))
	for i := range 3000 { // one commit each, about ten pages a commit
		mustAppend(t, db, event("test.x", 0, map[string]int{"i": i}, tenant("t1")))
	}
	before, err := sqldb.WALPages(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Checkpoint(ctx, db); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db, event("test.x", 0, nil)) // this commit starts the WAL over
	after, err := sqldb.WALPages(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if after > 100 {
		t.Fatalf("WAL holds %d pages after a checkpoint, %d before", after, before)
	}
	t.Logf("WAL %d pages before the checkpoint, %d after", before, after)

	// The checkpointer only asks for the restart; the writer runs it
	// before its next batch, so the checkpointer never holds commits back.
	sqldb.AskRestart(db)
	mustAppend(t, db, event("test.x", 0, nil))
	if sqldb.RestartAsked(db) {
		t.Fatal("the writer committed without running the restart it was asked for")
	}
}

func TestOpenSQLiteDSNForms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "minwon.db")
	db := mustOpen(t, "sqlite:"+path)
	mustAppend(t, db, event(minwon.EventTenantSaved, 0, minwon.Tenant{ID: "t1"}))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, path)
	if ts, err := db.Tenants(ctx); err != nil || len(ts) != 1 {
		t.Fatalf("tenants through the plain path = %v, %v", ts, err)
	}
	if db.Dialect() != sqldb.SQLite {
		t.Fatalf("dialect %s", db.Dialect())
	}
	_, err := sqldb.Open(ctx, "sqlite:", nil)
	wantCode(t, err, minwon.EINVALID)
}

// The events of one Append, and Appends committed in one batch, take Seq in
// the order they were given, whatever statements the batch is written with.
func TestSeqFollowsSubmissionOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		mustAppend(t, db, createContact(newContact("c1", "t1", "x", 0)), createContact(newContact("c2", "t1", "y", 0)))
		one := []*minwon.Event{}
		for i := range 30 {
			one = append(one, sendMessage(message("c1", i+1, minwon.FromCitizen, fmt.Sprint("line ", i), "")))
		}
		release := sqldb.HoldWriter(db)
		var waits []func() error
		w, err := db.Submit(ctx, one...)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
		var each []*minwon.Event
		for i := range 20 {
			ev := sendMessage(message("c2", i+1, minwon.FromAgent, fmt.Sprint("reply ", i), ""))
			each = append(each, ev)
			w, err := db.Submit(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			waits = append(waits, w)
		}
		release()
		for _, w := range waits {
			if err := w(); err != nil {
				t.Fatal(err)
			}
		}
		all := append(append([]*minwon.Event{}, one...), each...)
		for i := 1; i < len(all); i++ {
			if all[i].Seq <= all[i-1].Seq {
				t.Fatalf("event %d got seq %d after %d", i, all[i].Seq, all[i-1].Seq)
			}
		}
		stored, err := db.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventMessageSent}})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(all) {
			t.Fatalf("%d stored, want %d", len(stored), len(all))
		}
		for i, ev := range stored {
			if ev.ID != all[i].ID || ev.Seq != all[i].Seq {
				t.Fatalf("stored %d: %s seq %d, want %s seq %d", i, ev.ID, ev.Seq, all[i].ID, all[i].Seq)
			}
		}
		for _, c := range []struct {
			id string
			n  int
		}{{"c1", 30}, {"c2", 20}} {
			msgs, _ := db.Messages(ctx, c.id, 0)
			if len(msgs) != c.n {
				t.Fatalf("%s: %d messages, want %d", c.id, len(msgs), c.n)
			}
			for i, m := range msgs {
				if m.Seq != i+1 {
					t.Fatalf("%s message %d has seq %d", c.id, i, m.Seq)
				}
			}
		}
	})
}
