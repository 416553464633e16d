package demo_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/demo"
	"github.com/minwon/minwon/kb"
)

// fakeStore keeps appended events and answers Tenants from them; every
// other Store method panics through the nil embedded interface.
type fakeStore struct {
	minwon.Store
	events    []*minwon.Event
	appendErr error
	tenantErr error
}

var _ minwon.Store = (*fakeStore)(nil)

func (s *fakeStore) Append(_ context.Context, evs ...*minwon.Event) error {
	if s.appendErr != nil {
		return s.appendErr
	}
	s.events = append(s.events, evs...)
	return nil
}

func (s *fakeStore) Tenants(context.Context) ([]*minwon.Tenant, error) {
	if s.tenantErr != nil {
		return nil, s.tenantErr
	}
	var out []*minwon.Tenant
	for _, t := range decodeAll[minwon.Tenant](s.events, minwon.EventTenantSaved) {
		out = append(out, &t)
	}
	return out, nil
}

// decodeAll decodes the payloads of the events of one type.
func decodeAll[T any](evs []*minwon.Event, typ minwon.EventType) []T {
	var out []T
	for _, ev := range evs {
		if ev.Type != typ {
			continue
		}
		var v T
		if err := ev.Decode(&v); err != nil {
			panic(err)
		}
		out = append(out, v)
	}
	return out
}

var seedTime = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("KST", 9*3600))

// mustSeed seeds a fresh fake store.
func mustSeed(t *testing.T) *fakeStore {
	t.Helper()
	s := new(fakeStore)
	if err := demo.Seed(context.Background(), s, seedTime); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

func TestSeed(t *testing.T) {
	s := mustSeed(t)
	tenants := decodeAll[minwon.Tenant](s.events, minwon.EventTenantSaved)
	depts := decodeAll[minwon.Department](s.events, minwon.EventDepartmentSaved)
	queues := decodeAll[minwon.Queue](s.events, minwon.EventQueueSaved)
	users := decodeAll[minwon.User](s.events, minwon.EventUserSaved)
	passwords := decodeAll[minwon.PasswordSet](s.events, minwon.EventPasswordSet)

	t.Run("Counts", func(t *testing.T) {
		for _, c := range []struct {
			what      string
			got, want int
		}{
			{"tenants", len(tenants), 7},
			{"departments", len(depts), 13},
			{"queues", len(queues), 13},
			{"users", len(users), 25},
			{"passwords", len(passwords), 25},
			{"published articles", len(decodeAll[minwon.ArticleDecided](s.events, minwon.EventArticlePublished)), 35},
			{"events", len(s.events), 7 + 13 + 13 + 25 + 25 + 2*35},
		} {
			if c.got != c.want {
				t.Errorf("%d %s, want %d", c.got, c.what, c.want)
			}
		}
		count := func(pred func(minwon.User) bool) (n int) {
			for _, u := range users {
				if pred(u) {
					n++
				}
			}
			return n
		}
		has := func(r minwon.Role) func(minwon.User) bool {
			return func(u minwon.User) bool { return slices.Contains(u.Roles, r) }
		}
		if n := count(has(minwon.RoleCounselor)); n != 22 {
			t.Errorf("%d users hold the counselor role, want 20 counselors + 2 supervisors", n)
		}
		if n := count(has(minwon.RoleSupervisor)); n != 2 {
			t.Errorf("%d supervisors, want 2", n)
		}
		if n := count(has(minwon.RoleAdmin)); n != 1 {
			t.Errorf("%d admins, want 1", n)
		}
		if n := count(has(minwon.RoleDepartment)); n != 2 {
			t.Errorf("%d department officers, want 2", n)
		}
	})

	t.Run("Tenants", func(t *testing.T) {
		entries := map[string]string{}
		for _, tn := range tenants {
			wantKind, wantParent := minwon.TenantDistrict, demo.TenantID
			switch tn.ID {
			case demo.TenantID:
				wantKind, wantParent = minwon.TenantCity, ""
			case demo.TenantWater:
				wantKind = minwon.TenantClient
			}
			if tn.Kind != wantKind || tn.ParentID != wantParent {
				t.Errorf("tenant %s: kind %q parent %q, want %q %q", tn.ID, tn.Kind, tn.ParentID, wantKind, wantParent)
			}
			if len(tn.EntryPoints) != 2 {
				t.Errorf("tenant %s: entry points %v, want a chat slug and a number", tn.ID, tn.EntryPoints)
			}
			for _, e := range tn.EntryPoints {
				if other, dup := entries[e]; dup {
					t.Errorf("entry point %q of %s already belongs to %s", e, tn.ID, other)
				}
				entries[e] = tn.ID
			}
			if !tn.CreatedAt.Equal(seedTime) {
				t.Errorf("tenant %s created at %v", tn.ID, tn.CreatedAt)
			}
		}
		for _, e := range append(demo.ChatEntries(), "120", demo.NumberWater) {
			if _, ok := entries[e]; !ok {
				t.Errorf("entry point %q not seeded", e)
			}
		}
		if entries[demo.NumberWater] != demo.TenantWater {
			t.Errorf("121 rings %q, want the water authority", entries[demo.NumberWater])
		}
		if entries["hanbit"] != demo.TenantID {
			t.Errorf("chat entry hanbit routes to %q", entries["hanbit"])
		}
	})

	t.Run("Queues", func(t *testing.T) {
		byID := map[string]minwon.Queue{}
		tenantIDs := map[string]bool{}
		for _, tn := range tenants {
			tenantIDs[tn.ID] = true
		}
		for _, q := range queues {
			if len(q.Skills) == 0 || slices.Contains(q.Skills, "") {
				t.Errorf("queue %s has skills %q", q.ID, q.Skills)
			}
			if q.OfferTimeout != 20*time.Second || q.ServiceLevel != 20*time.Second {
				t.Errorf("queue %s: offer timeout %v, service level %v", q.ID, q.OfferTimeout, q.ServiceLevel)
			}
			if !tenantIDs[q.TenantID] {
				t.Errorf("queue %s belongs to unknown tenant %q", q.ID, q.TenantID)
			}
			if q.OverflowQueue != "" {
				// Overflow targets are seeded first, so a reader of the
				// event log never meets a dangling reference.
				if _, ok := byID[q.OverflowQueue]; !ok || q.OverflowAfter <= 0 {
					t.Errorf("queue %s overflows to %q after %v, not an earlier queue", q.ID, q.OverflowQueue, q.OverflowAfter)
				}
			}
			byID[q.ID] = q
		}
		for _, tn := range tenants {
			if _, ok := byID[tn.DefaultQueue]; !ok {
				t.Errorf("tenant %s default queue %q not seeded", tn.ID, tn.DefaultQueue)
			}
		}
		for id, skill := range map[string]string{
			demo.QueueGeneral: "lang:ko", demo.QueueEnglish: "lang:en", demo.QueueChinese: "lang:zh",
			demo.QueueVietnamese: "lang:vi", demo.QueueSign: minwon.SkillSign, demo.QueueAbuse: minwon.SkillAbuse,
		} {
			if !slices.Equal(byID[id].Skills, []string{skill}) {
				t.Errorf("queue %s skills %v, want [%s]", id, byID[id].Skills, skill)
			}
		}
	})

	t.Run("EverySkillHasAnAgent", func(t *testing.T) {
		for _, q := range queues {
			found := false
			for _, u := range users {
				if u.HasRole(minwon.RoleCounselor) && u.Capacity[minwon.ChannelChat] > 0 && containsAll(u.Skills, q.Skills) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("no agent can serve queue %s (%v)", q.ID, q.Skills)
			}
		}
	})

	t.Run("Users", func(t *testing.T) {
		depts := map[string]bool{}
		for _, d := range decodeAll[minwon.Department](s.events, minwon.EventDepartmentSaved) {
			depts[d.ID] = true
		}
		for _, u := range users {
			if u.ID != demo.UserID(u.Login) {
				t.Errorf("user %s has login %s", u.ID, u.Login)
			}
			for _, r := range u.Roles {
				if !minwon.ValidRole(r) {
					t.Errorf("user %s has role %q", u.ID, r)
				}
			}
			if u.HasRole(minwon.RoleDepartment) != (u.DepartmentID != "") {
				t.Errorf("user %s: roles %v, department %q", u.ID, u.Roles, u.DepartmentID)
			}
			if u.DepartmentID != "" && !depts[u.DepartmentID] {
				t.Errorf("user %s belongs to unknown department %q", u.ID, u.DepartmentID)
			}
			if u.PasswordHash != "" {
				t.Errorf("user %s: password hash in the user.saved payload", u.ID)
			}
		}
		if u := users[slices.IndexFunc(users, func(u minwon.User) bool { return u.Login == "dept01" })]; u.DepartmentID != demo.DeptParking {
			t.Errorf("dept01 works for %q, want %q", u.DepartmentID, demo.DeptParking)
		}
	})

	t.Run("EventFields", func(t *testing.T) {
		ids := map[string]bool{}
		for _, ev := range s.events {
			if ev.TenantID == "" || ev.ID == "" || !ev.At.Equal(seedTime) || ids[ev.ID] {
				t.Errorf("event %s %s: tenant %q, at %v, repeated %v", ev.Type, ev.ID, ev.TenantID, ev.At, ids[ev.ID])
			}
			ids[ev.ID] = true
			switch ev.Type {
			case minwon.EventQueueSaved:
				if ev.QueueID == "" {
					t.Errorf("queue event %s without QueueID", ev.ID)
				}
			case minwon.EventUserSaved, minwon.EventPasswordSet:
				if ev.AgentID == "" {
					t.Errorf("%s event %s without AgentID", ev.Type, ev.ID)
				}
			}
		}
	})

	t.Run("PasswordsVerify", func(t *testing.T) {
		userIDs := map[string]bool{}
		for _, u := range users {
			userIDs[u.ID] = true
		}
		verified := map[string]bool{} // bcrypt is slow: check each distinct hash once
		for _, p := range passwords {
			if !userIDs[p.UserID] {
				t.Errorf("password for unknown user %q", p.UserID)
			}
			delete(userIDs, p.UserID)
			if verified[p.Hash] {
				continue
			}
			if err := bcrypt.CompareHashAndPassword([]byte(p.Hash), []byte(demo.Password)); err != nil {
				t.Errorf("password of %s: %v", p.UserID, err)
			}
			if cost, _ := bcrypt.Cost([]byte(p.Hash)); cost != 10 {
				t.Errorf("bcrypt cost %d, want 10", cost)
			}
			verified[p.Hash] = true
		}
		if len(userIDs) != 0 {
			t.Errorf("users without a password: %v", userIDs)
		}
	})

	t.Run("SecondSeedIsNoOp", func(t *testing.T) {
		n := len(s.events)
		if err := demo.Seed(context.Background(), s, seedTime.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if len(s.events) != n {
			t.Errorf("second Seed appended %d events", len(s.events)-n)
		}
	})
}

func TestSeedErrors(t *testing.T) {
	boom := errors.New("boom")
	for name, s := range map[string]*fakeStore{
		"ListTenants": {tenantErr: boom},
		"Append":      {appendErr: boom},
	} {
		t.Run(name, func(t *testing.T) {
			if err := demo.Seed(context.Background(), s, seedTime); !errors.Is(err, boom) {
				t.Errorf("Seed = %v, want it to wrap %v", err, boom)
			}
		})
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func TestArticles(t *testing.T) {
	arts, err := demo.Articles()
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) < 30 {
		t.Fatalf("%d articles, want at least 30", len(arts))
	}

	// Departments are named, not referenced by ID, in the import format.
	s := mustSeed(t)
	deptNames := map[string]bool{}
	for _, d := range decodeAll[minwon.Department](s.events, minwon.EventDepartmentSaved) {
		deptNames[d.Name] = true
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	sentenceEnd := regexp.MustCompile(`[.?!](\s|$)`)
	ids := map[string]bool{}
	for _, a := range arts {
		if ids[a.ID] {
			t.Errorf("article id %q repeated", a.ID)
		}
		ids[a.ID] = true
		if !kebab.MatchString(a.ID) {
			t.Errorf("article id %q is not kebab-case ASCII", a.ID)
		}
		if !slices.Contains(minwon.Categories, a.Category) {
			t.Errorf("article %s: category %q not in minwon.Categories", a.ID, a.Category)
		}
		if !deptNames[a.Department] {
			t.Errorf("article %s: department %q is not a demo department", a.ID, a.Department)
		}
		if n := len(a.Questions); n < 2 || n > 4 {
			t.Errorf("article %s: %d questions, want 2 to 4", a.ID, n)
		}
		if n := len(sentenceEnd.FindAllString(a.Body, -1)); n < 3 || n > 8 {
			t.Errorf("article %s: %d sentences, want 3 to 8", a.ID, n)
		}
		if strings.Contains(a.Body, "  ") || a.Title == "" {
			t.Errorf("article %s: empty title or doubled spaces", a.ID)
		}
	}

	t.Run("FreshCopies", func(t *testing.T) {
		again, _ := demo.Articles()
		again[0].Title = "바뀜"
		if third, _ := demo.Articles(); third[0].Title == "바뀜" {
			t.Error("Articles shares state between calls")
		}
	})
}

// TestArticlesSearch checks that citizens' everyday wording, spacing
// included or not, finds the right demo article first.
func TestArticlesSearch(t *testing.T) {
	arts, err := demo.Articles()
	if err != nil {
		t.Fatal(err)
	}
	x := kb.NewIndex(arts)
	for _, tt := range []struct{ query, want string }{
		{"여권발급", "passport-issue"},
		{"여권 잃어버렸어요", "passport-lost"},
		{"등본 떼는곳", "resident-registration-copy"},
		{"주차딱지 벌금", "parking-fine-payment"},
		{"불법주차신고", "illegal-parking-report"},
		{"소파 버리는법", "bulky-waste"},
		{"닭뼈 음식물쓰레기", "food-waste"},
		{"수도요금 많이나왔어요", "water-bill"},
		{"일요일 문연약국", "night-holiday-clinic"},
		{"버스 배차간격", "bus-interval"},
		{"포트홀", "pothole-report"},
		{"가로등 고장", "streetlight"},
		{"자동차세 연납", "car-tax-annual"},
		{"기초연금", "basic-pension"},
		{"전입신고", "move-in-report"},
		{"무더위쉼터", "heat-shelter"},
		{"층간소음", "noise-complaint"},
		{"풋살장 예약", "sports-facility-rental"},
		{"강아지 등록", "pet-registration"},
		{"수어상담", "sign-language"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			got := x.Search(tt.query, 3)
			if len(got) == 0 || got[0].Article.ID != tt.want {
				var ids []string
				for _, r := range got {
					ids = append(ids, r.Article.ID)
				}
				t.Errorf("Search(%q) = %v, want %s first", tt.query, ids, tt.want)
			}
		})
	}
}
