// Package demo is the demo center: 한빛시 (Hanbit City), a fictional city with
// five districts, its departments, queues, staff and a knowledge base written
// for it. It lets a new install, a screenshot or a load test start from a
// center that looks like a real 120, and gives tests and docs fixed IDs to
// refer to. Every name, number and rule in it is invented.
package demo

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/minwon/minwon"
)

// Password is the one password every demo login shares; it is documented in
// README.md and must never be used outside a demo.
const Password = "minwon120!"

// bcryptCost is bcrypt.DefaultCost, spelled out so a change upstream cannot
// silently slow down or weaken the demo.
const bcryptCost = 10

// IDs the rest of the project, its tests and its docs may refer to.
const (
	TenantID = "hanbit" // the city center; also its chat entry point

	QueueGeneral     = "q-general"     // Korean, everyone
	QueueInterpreter = "q-interpreter" // Korean counselor with a volunteer interpreter on the line
	QueueEnglish     = "q-en"
	QueueChinese     = "q-zh"
	QueueVietnamese  = "q-vi"
	QueueSign        = "q-sign"  // sign-language video
	QueueAbuse       = "q-abuse" // dedicated team for abusive callers

	// The water authority's 121 rings into the center (as Seoul's does into
	// 120): a client tenant with its own number and queue.
	TenantWater = "hanbit-water"
	QueueWater  = "q-water"
	NumberWater = "121"

	DeptParking   = "d-parking"
	DeptRecycling = "d-recycling"
)

// Timings of every demo queue: a counselor has 20 s to take an offer, and a
// contact answered within 20 s counts toward the service level.
const (
	offerTimeout         = 20 * time.Second
	serviceLevel         = 20 * time.Second
	districtOverflow     = 30 * time.Second // a district queue spills into the general one
	foreignOverflowAfter = 60 * time.Second // a language queue spills to interpreter-assisted Korean
)

// district is one of the city's districts: a sub-tenant with its own chat
// entry point, dialled number and queue. A call to the number rings the
// district's queue; the city itself answers on 120.
type district struct {
	TenantID string // also its chat entry point
	Name     string
	Number   string // dialled number
	QueueID  string
}

// districts of 한빛시, in the order they are seeded.
var districts = []district{
	{"hanbit-jung", "한빛시 중구", "02-120-1001", "q-jung"},
	{"hanbit-dong", "한빛시 동구", "02-120-1002", "q-dong"},
	{"hanbit-seo", "한빛시 서구", "02-120-1003", "q-seo"},
	{"hanbit-nam", "한빛시 남구", "02-120-1004", "q-nam"},
	{"hanbit-buk", "한빛시 북구", "02-120-1005", "q-buk"},
}

// ChatEntries returns the chat entry points of the city and its districts.
func ChatEntries() []string {
	out := []string{TenantID}
	for _, d := range districts {
		out = append(out, d.TenantID)
	}
	return out
}

// departments of the city. Articles in kb.jsonl name them by Name.
var departments = []minwon.Department{
	{ID: "d-traffic", Name: "교통정책과"},
	{ID: DeptParking, Name: "주차관리과"},
	{ID: "d-road", Name: "도로관리과"},
	{ID: DeptRecycling, Name: "자원순환과"},
	{ID: "d-environment", Name: "환경정책과"},
	{ID: "d-tax", Name: "세무과"},
	{ID: "d-welfare", Name: "복지정책과"},
	{ID: "d-health", Name: "보건소"},
	{ID: "d-civil", Name: "민원여권과"},
	{ID: "d-building", Name: "건축과"},
	{ID: "d-water", Name: "상수도사업본부"},
	{ID: "d-safety", Name: "안전총괄과"},
	{ID: "d-culture", Name: "문화체육과"},
}

// staff is a login to seed. Every agent gets minwon.DefaultCapacity (three
// chats, one call, and the video the sign-language queue needs); staff
// without skills take no contacts.
type staff struct {
	login  string
	name   string
	roles  []minwon.Role
	skills []string
	dept   string
}

const ko = "lang:ko"

var (
	counselor  = []minwon.Role{minwon.RoleCounselor}
	supervisor = []minwon.Role{minwon.RoleSupervisor, minwon.RoleCounselor}
)

var users = []staff{
	{"counselor01", "김하늘", counselor, []string{ko}, ""},
	{"counselor02", "이서윤", counselor, []string{ko}, ""},
	{"counselor03", "박도현", counselor, []string{ko}, ""},
	{"counselor04", "최유진", counselor, []string{ko}, ""},
	{"counselor05", "정민서", counselor, []string{ko, "lang:en"}, ""},
	{"counselor06", "강지호", counselor, []string{ko, "lang:zh"}, ""},
	{"counselor07", "윤하린", counselor, []string{ko, "lang:vi"}, ""},
	{"counselor08", "장수아", counselor, []string{ko, minwon.SkillSign}, ""},
	{"counselor09", "임태윤", counselor, []string{ko, minwon.SkillAbuse}, ""},
	{"counselor10", "한예린", counselor, []string{ko, minwon.SkillAbuse}, ""},
	{"counselor11", "오승민", counselor, []string{ko, "lang:en"}, ""},
	{"counselor12", "서지안", counselor, []string{ko}, ""},
	{"counselor13", "신동건", counselor, []string{ko}, ""},
	{"counselor14", "권나연", counselor, []string{ko}, ""},
	{"counselor15", "황보람", counselor, []string{ko}, ""},
	{"counselor16", "안시우", counselor, []string{ko}, ""},
	{"counselor17", "송채원", counselor, []string{ko}, ""},
	{"counselor18", "류건우", counselor, []string{ko}, ""},
	{"counselor19", "홍다은", counselor, []string{ko, minwon.SkillSign}, ""},
	{"counselor20", "전우진", counselor, []string{ko}, ""},
	{"supervisor01", "배정희", supervisor, []string{ko, minwon.SkillAbuse}, ""},
	{"supervisor02", "조현석", supervisor, []string{ko, "lang:en"}, ""},
	{"admin", "관리자", []minwon.Role{minwon.RoleAdmin}, nil, ""},
	{"dept01", "문경수", []minwon.Role{minwon.RoleDepartment}, nil, DeptParking},
	{"dept02", "남궁혜진", []minwon.Role{minwon.RoleDepartment}, nil, DeptRecycling},
}

// UserID returns the ID a demo login is seeded with.
func UserID(login string) string { return "u-" + login }

// Seed appends the events that build the demo center, all in one Append so
// that a failure leaves the store as it was. It does nothing and returns nil
// when the store already has a tenant, so it is safe on every start.
func Seed(ctx context.Context, store minwon.Store, now time.Time) error {
	tenants, err := store.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("seed demo: list tenants: %w", err)
	}
	if len(tenants) > 0 {
		return nil
	}
	evs, err := events(now)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if err := store.Append(ctx, evs...); err != nil {
		return fmt.Errorf("seed demo: append: %w", err)
	}
	return nil
}

// events builds the demo center's events in dependency order: tenants, then
// what belongs to them, each queue after the queue it overflows into.
func events(now time.Time) ([]*minwon.Event, error) {
	now = now.UTC()
	var evs []*minwon.Event
	add := func(typ minwon.EventType, data any, set func(*minwon.Event)) {
		ev := minwon.NewEvent(typ, now, data)
		set(ev)
		evs = append(evs, ev)
	}

	city := minwon.Tenant{
		ID: TenantID, Name: "한빛시 120", Kind: minwon.TenantCity,
		EntryPoints: []string{TenantID, "120"}, DefaultQueue: QueueGeneral, Bot: true, CreatedAt: now,
	}
	add(minwon.EventTenantSaved, city, func(ev *minwon.Event) { ev.TenantID = city.ID })
	for _, d := range districts {
		t := minwon.Tenant{
			ID: d.TenantID, ParentID: TenantID, Name: d.Name, Kind: minwon.TenantDistrict,
			EntryPoints: []string{d.TenantID, d.Number}, DefaultQueue: d.QueueID, Bot: true, CreatedAt: now,
		}
		add(minwon.EventTenantSaved, t, func(ev *minwon.Event) { ev.TenantID = t.ID })
	}
	water := minwon.Tenant{
		ID: TenantWater, ParentID: TenantID, Name: "한빛시 상수도사업본부", Kind: minwon.TenantClient,
		EntryPoints: []string{TenantWater, NumberWater}, DefaultQueue: QueueWater, Bot: true, CreatedAt: now,
	}
	add(minwon.EventTenantSaved, water, func(ev *minwon.Event) { ev.TenantID = water.ID })

	for _, d := range departments {
		d.TenantID = TenantID
		add(minwon.EventDepartmentSaved, d, func(ev *minwon.Event) { ev.TenantID = d.TenantID })
	}

	for _, q := range queues() {
		add(minwon.EventQueueSaved, q, func(ev *minwon.Event) { ev.TenantID, ev.QueueID = q.TenantID, q.ID })
	}

	// bcrypt is slow by design: hash the shared password once.
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	for _, s := range users {
		u := minwon.User{
			ID: UserID(s.login), TenantID: TenantID, Login: s.login, Name: s.name,
			Roles: s.roles, DepartmentID: s.dept, Skills: s.skills, CreatedAt: now,
			Capacity: map[minwon.Channel]int{},
		}
		if u.Skills == nil {
			u.Skills = []string{}
		}
		if s.skills != nil { // only agents take contacts
			u.Capacity = minwon.DefaultCapacity()
		}
		add(minwon.EventUserSaved, u, func(ev *minwon.Event) { ev.TenantID, ev.AgentID = u.TenantID, u.ID })
		add(minwon.EventPasswordSet, minwon.PasswordSet{UserID: u.ID, Hash: string(hash)},
			func(ev *minwon.Event) { ev.TenantID, ev.AgentID = u.TenantID, u.ID })
	}

	// The knowledge base goes in published, as an approved manual would be
	// loaded on the first day, written and approved by the demo admin.
	arts, err := Articles()
	if err != nil {
		return nil, err
	}
	admin := UserID("admin")
	for _, a := range arts {
		v := minwon.ArticleVersion{ArticleID: a.ID, TenantID: TenantID, Version: 1, State: minwon.ArticleDraft, AuthorID: admin, CreatedAt: now,
			ArticleContent: minwon.ArticleContent{Title: a.Title, Body: a.Body, Category: a.Category, Department: a.Department,
				Tags: a.Tags, Questions: a.Questions, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo}}
		set := func(ev *minwon.Event) { ev.TenantID, ev.ActorID = TenantID, admin }
		add(minwon.EventArticleSaved, v, set)
		p := v
		p.State, p.DecidedBy, p.DecidedAt = minwon.ArticlePublished, admin, now
		add(minwon.EventArticlePublished, minwon.ArticleDecided{ArticleID: a.ID, Version: 1, Note: "demo", Published: &p}, set)
	}
	return evs, nil
}

// queues returns the demo queues, each after the queue it overflows into.
func queues() []minwon.Queue {
	q := func(id, tenant, name string, prio int, skills ...string) minwon.Queue {
		return minwon.Queue{
			ID: id, TenantID: tenant, Name: name, Skills: skills, Priority: prio,
			OfferTimeout: offerTimeout, ServiceLevel: serviceLevel,
		}
	}
	overflow := func(q minwon.Queue, to string, after time.Duration) minwon.Queue {
		q.OverflowQueue, q.OverflowAfter = to, after
		return q
	}
	// Scarce skills come first: an agent who can serve a foreign-language or
	// sign-language contact should take it before a Korean one anyone can.
	qs := []minwon.Queue{
		q(QueueGeneral, TenantID, "일반 상담", 10, ko),
		q(QueueInterpreter, TenantID, "통역 연계 상담", 20, ko),
		overflow(q(QueueEnglish, TenantID, "영어 상담", 20, "lang:en"), QueueInterpreter, foreignOverflowAfter),
		overflow(q(QueueChinese, TenantID, "중국어 상담", 20, "lang:zh"), QueueInterpreter, foreignOverflowAfter),
		overflow(q(QueueVietnamese, TenantID, "베트남어 상담", 20, "lang:vi"), QueueInterpreter, foreignOverflowAfter),
		q(QueueSign, TenantID, "수어 영상 상담", 30, minwon.SkillSign),
		q(QueueAbuse, TenantID, "특이민원 전담", 10, minwon.SkillAbuse),
	}
	for _, d := range districts {
		qs = append(qs, overflow(q(d.QueueID, d.TenantID, d.Name+" 상담", 10, ko), QueueGeneral, districtOverflow))
	}
	qs = append(qs, overflow(q(QueueWater, TenantWater, "상수도 상담 (121)", 10, ko), QueueGeneral, districtOverflow))
	return qs
}
