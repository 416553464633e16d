package center_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/sqldb"
)

// clock is a settable clock for tests; nothing here sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	store *sqldb.DB
	path  string
	c     *center.Center
	bus   *inmem.Bus
}

// mustCenter opens a center on a fresh SQLite store with one tenant, a
// general queue (ko), an English queue and three counselors.
func mustCenter(t *testing.T, cfg center.Config) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), clock: &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}}
	f.path = filepath.Join(t.TempDir(), "minwon.db")
	f.open(cfg)
	ctx := f.ctx
	ok(t, second(f.c.SaveTenant(ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"hanbit"}, DefaultQueue: "general"})))
	ok(t, second(f.c.SaveQueue(ctx, "", minwon.Queue{ID: "general", TenantID: "city", Name: "일반", Skills: []string{"lang:ko"}, OfferTimeout: 20 * time.Second})))
	ok(t, second(f.c.SaveQueue(ctx, "", minwon.Queue{ID: "english", TenantID: "city", Name: "English", Skills: []string{"lang:en"}, OfferTimeout: 20 * time.Second})))
	ok(t, second(f.c.SaveDepartment(ctx, "", minwon.Department{ID: "parking", TenantID: "city", Name: "주차관리과"})))
	for _, u := range []minwon.User{
		{ID: "kim", Login: "kim", Name: "김상담", Skills: []string{"lang:ko"}},
		{ID: "lee", Login: "lee", Name: "이상담", Skills: []string{"lang:ko", "lang:en"}},
		{ID: "park", Login: "park", Name: "박상담", Skills: []string{"lang:ko"}, Capacity: map[minwon.Channel]int{minwon.ChannelChat: 1}},
	} {
		u.TenantID, u.Roles = "city", []minwon.Role{minwon.RoleCounselor}
		ok(t, second(f.c.SaveUser(ctx, "", u, "password123")))
	}
	return f
}

func (f *fixture) open(cfg center.Config) {
	t := f.t
	db, err := sqldb.Open(f.ctx, f.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(f.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.store = db
	cfg.Now = f.clock.Now
	if cfg.Secret == nil {
		cfg.Secret = []byte("test secret test secret test secret")
	}
	f.bus = inmem.NewBus()
	f.c = center.New(cfg, db, f.bus, nil)
	if err := f.c.Start(f.ctx, false); err != nil {
		t.Fatal(err)
	}
}

// restart simulates a crash: a new center on the same database file.
func (f *fixture) restart(cfg center.Config) {
	f.store.Close()
	f.open(cfg)
}

// must returns v or stops the test binary with err: Go can't pass a
// multi-value call alongside t, and these calls are all expected to succeed.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func second[T any](_ T, err error) error { return err }

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if minwon.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func (f *fixture) ready(ids ...string) {
	for _, id := range ids {
		ok(f.t, f.c.Connect(f.ctx, id))
		must(f.c.SetState(f.ctx, id, minwon.AgentAvailable, ""))
	}
}

func (f *fixture) chat() *minwon.Contact {
	ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Visitor: "v1"})
	if err != nil {
		f.t.Fatal(err)
	}
	return ct
}

func (f *fixture) state(id string) minwon.AgentState {
	st, _ := f.c.Agent(id)
	return st.State
}

func TestChatLifecycle(t *testing.T) {
	f := mustCenter(t, center.Config{ACW: 10 * time.Second})
	f.ready("kim")
	ct := f.chat()
	if got := f.c.OfferedTo(ct.ID); got != "kim" {
		t.Fatalf("offered to %q, want kim", got)
	}
	t.Run("CitizenCanWriteWhileQueued", func(t *testing.T) {
		must(f.c.CitizenSend(f.ctx, ct.ID, "c1", "여권 발급 어디서 해요?"))
	})
	t.Run("OnlyTheOfferedAgentAccepts", func(t *testing.T) {
		_, err := f.c.Accept(f.ctx, "lee", ct.ID)
		wantCode(t, err, minwon.ECONFLICT)
	})
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	if s := f.state("kim"); s != minwon.AgentBusy {
		t.Fatalf("kim is %s after accepting, want busy", s)
	}
	t.Run("ResendWithSameClientIDIsNotStoredTwice", func(t *testing.T) {
		a := must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "구청 가면 되나요?"))
		b := must(f.c.CitizenSend(f.ctx, ct.ID, "c2", "구청 가면 되나요?"))
		if a.ID != b.ID {
			t.Fatalf("resend stored twice: %s, %s", a.ID, b.ID)
		}
	})
	t.Run("OtherAgentCannotReply", func(t *testing.T) {
		_, err := f.c.AgentSend(f.ctx, "lee", ct.ID, "x", "hi")
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	must(f.c.AgentSend(f.ctx, "kim", ct.ID, "a1", "네, 가까운 구청 민원실에서 하시면 돼요."))
	msgs := must(f.c.Messages(f.ctx, ct.ID, 0, false))
	if len(msgs) != 3 || msgs[0].Seq != 1 || msgs[2].Seq != 3 || msgs[2].From != minwon.FromAgent {
		t.Fatalf("messages = %+v", msgs)
	}
	ok(t, f.c.SaveMemo(f.ctx, "kim", ct.ID, "여권 발급 장소 문의"))
	t.Run("RatingBeforeEndIsRefused", func(t *testing.T) {
		wantCode(t, f.c.Rate(f.ctx, ct.ID, 5, ""), minwon.ECONFLICT)
	})
	must(f.c.EndChat(f.ctx, "kim", ct.ID))
	t.Run("CitizenCannotWriteAfterEnd", func(t *testing.T) {
		_, err := f.c.CitizenSend(f.ctx, ct.ID, "c3", "감사합니다")
		wantCode(t, err, minwon.ECONFLICT)
	})
	ok(t, f.c.Rate(f.ctx, ct.ID, 5, "친절해요"))
	wantCode(t, f.c.Rate(f.ctx, ct.ID, 4, ""), minwon.ECONFLICT)
	t.Run("WrapUpNeedsAKnownCategory", func(t *testing.T) {
		_, err := f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "없는분류", Resolution: minwon.ResolvedFirstContact})
		wantCode(t, err, minwon.EINVALID)
	})
	closed := must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "민원서류", Resolution: minwon.ResolvedFirstContact, Summary: "여권 발급 안내"}))
	if closed.State != minwon.ContactClosed {
		t.Fatalf("state %s, want closed", closed.State)
	}
	stored := must(f.store.Contact(f.ctx, ct.ID))
	if stored.Category != "민원서류" || stored.Rating != 5 || stored.Memo != "여권 발급 장소 문의" || stored.AnsweredAt == nil {
		t.Fatalf("stored contact = %+v", stored)
	}
	t.Run("AfterContactWorkThenAvailable", func(t *testing.T) {
		if s := f.state("kim"); s != minwon.AgentACW {
			t.Fatalf("kim is %s after wrap-up, want acw", s)
		}
		f.clock.Add(9 * time.Second)
		ok(t, f.c.Tick(f.ctx))
		if s := f.state("kim"); s != minwon.AgentACW {
			t.Fatalf("kim is %s before ACW ended", s)
		}
		f.clock.Add(2 * time.Second)
		ok(t, f.c.Tick(f.ctx))
		if s := f.state("kim"); s != minwon.AgentAvailable {
			t.Fatalf("kim is %s after ACW, want available", s)
		}
	})
}

func TestRouting(t *testing.T) {
	t.Run("NothingOfferedWithoutAvailableAgents", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		ct := f.chat()
		if got := f.c.OfferedTo(ct.ID); got != "" {
			t.Fatalf("offered to %s with nobody available", got)
		}
		f.ready("kim")
		if got := f.c.OfferedTo(ct.ID); got != "kim" {
			t.Fatalf("offered to %q once kim is available", got)
		}
	})
	t.Run("MissedOfferSetsAwayAndReoffers", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		f.ready("kim")
		ct := f.chat()
		f.ready("lee")
		first := f.c.OfferedTo(ct.ID)
		f.clock.Add(21 * time.Second)
		ok(t, f.c.Tick(f.ctx))
		if s := f.state(first); s != minwon.AgentAway {
			t.Fatalf("%s is %s after missing the offer, want away", first, s)
		}
		if second := f.c.OfferedTo(ct.ID); second == "" || second == first {
			t.Fatalf("re-offered to %q (first %q)", second, first)
		}
	})
	t.Run("DisconnectedAgentGetsNothingAfterGrace", func(t *testing.T) {
		f := mustCenter(t, center.Config{PresenceGrace: 5 * time.Second})
		f.ready("kim")
		ok(t, f.c.Disconnect(f.ctx, "kim"))
		f.clock.Add(6 * time.Second)
		ok(t, f.c.Tick(f.ctx))
		ct := f.chat()
		if got := f.c.OfferedTo(ct.ID); got != "" {
			t.Fatalf("offered to disconnected %s", got)
		}
		ok(t, f.c.Connect(f.ctx, "kim"))
		if got := f.c.OfferedTo(ct.ID); got != "kim" {
			t.Fatalf("not offered after reconnect: %q", got)
		}
	})
	t.Run("LanguageQueueNeedsTheSkill", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		f.ready("kim")
		ct, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit", Language: "en"})
		ok(t, err)
		if ct.QueueID != "english" || f.c.OfferedTo(ct.ID) != "" {
			t.Fatalf("english chat in %s offered to %q", ct.QueueID, f.c.OfferedTo(ct.ID))
		}
		f.ready("lee")
		if got := f.c.OfferedTo(ct.ID); got != "lee" {
			t.Fatalf("offered to %q, want lee", got)
		}
	})
	t.Run("CapacityIsNeverExceeded", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		f.ready("park") // capacity 1 chat
		a := f.chat()
		must(f.c.Accept(f.ctx, "park", a.ID))
		b := f.chat()
		if got := f.c.OfferedTo(b.ID); got != "" {
			t.Fatalf("second chat offered to %s beyond capacity", got)
		}
	})
	t.Run("AbandonedWhileWaiting", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		ct := f.chat()
		ok(t, f.c.CitizenLeave(f.ctx, ct.ID))
		got := must(f.store.Contact(f.ctx, ct.ID))
		if got.State != minwon.ContactAbandoned {
			t.Fatalf("state %s, want abandoned", got.State)
		}
	})
	t.Run("AdmissionCeiling", func(t *testing.T) {
		f := mustCenter(t, center.Config{MaxLive: 2})
		f.chat()
		f.chat()
		_, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "hanbit"})
		wantCode(t, err, minwon.EUNAVAILABLE)
	})
	t.Run("UnknownEntry", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		_, _, err := f.c.StartChat(f.ctx, center.ChatRequest{Entry: "nowhere"})
		wantCode(t, err, minwon.ENOTFOUND)
	})
	t.Run("PositionOfWaitingCitizens", func(t *testing.T) {
		f := mustCenter(t, center.Config{})
		a, b := f.chat(), f.chat()
		pa, _ := f.c.Position(a.ID)
		pb, _ := f.c.Position(b.ID)
		if pa.Position != 1 || pb.Position != 2 {
			t.Fatalf("positions %d, %d; want 1, 2", pa.Position, pb.Position)
		}
	})
}

func TestTransferAndHandoff(t *testing.T) {
	f := mustCenter(t, center.Config{ACW: time.Nanosecond})
	f.ready("kim")
	ct := f.chat()
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	t.Run("ToQueueRequeuesAndFreesTheAgent", func(t *testing.T) {
		f.ready("lee")
		got := must(f.c.Transfer(f.ctx, "kim", ct.ID, "english", "", "영어 가능한 분께"))
		if got.QueueID != "english" {
			t.Fatalf("queue %s", got.QueueID)
		}
		if to := f.c.OfferedTo(ct.ID); to != "lee" {
			t.Fatalf("offered to %q after transfer, want lee", to)
		}
		if s := f.state("kim"); s != minwon.AgentAvailable {
			t.Fatalf("kim is %s after transferring away, want available", s)
		}
		staff := must(f.c.Messages(f.ctx, ct.ID, 0, true))
		citizen := must(f.c.Messages(f.ctx, ct.ID, 0, false))
		if len(staff) != 1 || !strings.Contains(staff[0].Text, "영어 가능한 분께") || len(citizen) != 0 {
			t.Fatalf("transfer note: staff sees %+v, citizen sees %+v", staff, citizen)
		}
	})
	must(f.c.Accept(f.ctx, "lee", ct.ID))
	t.Run("HandoffRecordReachesTheDepartment", func(t *testing.T) {
		h := must(f.c.Handoff(f.ctx, "lee", ct.ID, "parking", "불법 주차 단속 요청", "현장 확인 필요"))
		hs := must(f.store.Handoffs(f.ctx, minwon.HandoffFilter{DepartmentID: "parking"}))
		if len(hs) != 1 || hs[0].ID != h.ID || hs[0].Summary != "불법 주차 단속 요청" {
			t.Fatalf("handoffs = %+v", hs)
		}
	})
	t.Run("WrapAsHandoffNeedsDepartment", func(t *testing.T) {
		_, err := f.c.Wrap(f.ctx, "lee", ct.ID, center.WrapUp{Category: "주차", Resolution: minwon.ResolvedHandoff})
		wantCode(t, err, minwon.EINVALID)
		must(f.c.Wrap(f.ctx, "lee", ct.ID, center.WrapUp{Category: "주차", Resolution: minwon.ResolvedHandoff, DepartmentID: "parking", Summary: "이관"}))
	})
}

func TestRestartRestoresLiveState(t *testing.T) {
	cfg := center.Config{}
	f := mustCenter(t, cfg)
	f.ready("kim")
	active := f.chat()
	must(f.c.Accept(f.ctx, "kim", active.ID))
	must(f.c.CitizenSend(f.ctx, active.ID, "c1", "안녕하세요"))
	waiting := f.chat()
	f.restart(cfg)

	got := must(f.c.Contact(f.ctx, active.ID))
	if got.State != minwon.ContactActive || got.AgentID != "kim" {
		t.Fatalf("active contact after restart: %+v", got)
	}
	if p, ok := f.c.Position(waiting.ID); !ok || p.Position != 1 {
		t.Fatalf("waiting contact lost its place: %+v %v", p, ok)
	}
	t.Run("MessageSeqContinues", func(t *testing.T) {
		m := must(f.c.CitizenSend(f.ctx, active.ID, "c2", "아직 계세요?"))
		if m.Seq != 2 {
			t.Fatalf("seq %d after restart, want 2", m.Seq)
		}
		again := must(f.c.CitizenSend(f.ctx, active.ID, "c1", "안녕하세요"))
		if again.Seq != 1 {
			t.Fatalf("resend of an acknowledged message stored again as seq %d", again.Seq)
		}
	})
	t.Run("AgentStateSurvives", func(t *testing.T) {
		if s := f.state("kim"); s != minwon.AgentBusy {
			t.Fatalf("kim is %s after restart, want busy", s)
		}
	})
	t.Run("ResumeTokenStillWorks", func(t *testing.T) {
		ct := must(f.c.Resume(f.ctx, f.c.ResumeToken(active.ID)))
		if ct.ID != active.ID {
			t.Fatal("resume found another contact")
		}
		_, err := f.c.Resume(f.ctx, active.ID+".forged")
		wantCode(t, err, minwon.EUNAUTHORIZED)
	})
}

func TestBadInput(t *testing.T) {
	f := mustCenter(t, center.Config{})
	ct := f.chat()
	for _, tc := range []struct {
		name, text, code string
	}{
		{"InvalidUTF8", "\xff\xfe", minwon.EINVALID},
		{"Empty", "   ", minwon.EINVALID},
		{"TooLarge", string(make([]byte, minwon.MaxMessageBytes+1)), minwon.ETOOLARGE},
		{"NUL", "a\x00b", minwon.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.CitizenSend(f.ctx, ct.ID, "", tc.text)
			wantCode(t, err, tc.code)
		})
	}
	t.Run("HTMLIsKeptAsText", func(t *testing.T) {
		m := must(f.c.CitizenSend(f.ctx, ct.ID, "h", `<script>alert(1)</script>'; DROP TABLE messages;--`))
		msgs := must(f.c.Messages(f.ctx, ct.ID, 0, false))
		if msgs[len(msgs)-1].Text != m.Text {
			t.Fatalf("text changed in storage: %q", msgs[len(msgs)-1].Text)
		}
	})
	t.Run("UnknownBreakReason", func(t *testing.T) {
		_, err := f.c.SetState(f.ctx, "kim", minwon.AgentBreak, "nap")
		wantCode(t, err, minwon.EINVALID)
	})
}

func TestNoAfterContactWork(t *testing.T) {
	f := mustCenter(t, center.Config{}) // ACW zero: straight back to available
	f.ready("kim")
	ct := f.chat()
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	must(f.c.Wrap(f.ctx, "kim", ct.ID, center.WrapUp{Category: "생활", Resolution: minwon.ResolvedFirstContact}))
	if s := f.state("kim"); s != minwon.AgentAvailable {
		t.Fatalf("kim is %s after wrap-up without ACW, want available", s)
	}
}

func TestReloadKeepsConnectedDesks(t *testing.T) {
	f := mustCenter(t, center.Config{PresenceGrace: time.Second})
	f.ready("kim")
	ok(t, f.c.Reload(f.ctx)) // as after a failed write
	f.clock.Add(5 * time.Second)
	ok(t, f.c.Tick(f.ctx))
	if st, _ := f.c.Agent("kim"); !st.Connected {
		t.Fatal("kim's desk counted as gone after a reload")
	}
	ct := f.chat()
	if got := f.c.OfferedTo(ct.ID); got != "kim" {
		t.Fatalf("offered to %q after reload, want kim", got)
	}
}
