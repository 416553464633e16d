package center_test

import (
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/kb"
)

// kbFixture is a center with a writer, a supervisor and an admin, and a
// search index fed from its bus.
type kbFixture struct {
	*fixture
	feed    *kb.Feed
	applied chan minwon.EventType
}

func mustKB(t *testing.T) *kbFixture {
	f := mustCenter(t, center.Config{})
	for _, u := range []minwon.User{
		{ID: "sup", Login: "sup", Name: "최감독", Roles: []minwon.Role{minwon.RoleSupervisor}},
		{ID: "adm", Login: "adm", Name: "관리자", Roles: []minwon.Role{minwon.RoleAdmin}},
		{ID: "dept", Login: "dept", Name: "주차담당", Roles: []minwon.Role{minwon.RoleDepartment}, DepartmentID: "parking"},
	} {
		u.TenantID = "city"
		ok(t, second(f.c.SaveUser(f.ctx, "", u, "password123")))
	}
	k := &kbFixture{fixture: f, feed: kb.NewFeed(new(kb.Index), f.clock.Now), applied: make(chan minwon.EventType, 100)}
	t.Cleanup(f.bus.Subscribe(func(ev *minwon.Event) {
		k.feed.Apply(ev)
		k.applied <- ev.Type
	}))
	ok(t, k.feed.Load(f.ctx, f.store))
	return k
}

// await waits for the feed to have applied an event of type typ: the bus
// delivers on its own goroutine. It waits on the delivery, not on a timer.
func (k *kbFixture) await(typ minwon.EventType) {
	k.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case got := <-k.applied:
			if got == typ {
				return
			}
		case <-timeout:
			k.t.Fatalf("no %s event reached the feed", typ)
		}
	}
}

func (k *kbFixture) searchIDs(q string) []string {
	var ids []string
	for _, r := range k.feed.Index().Search(q, 10) {
		ids = append(ids, r.Article.ID)
	}
	return ids
}

var towing = minwon.ArticleContent{Title: "견인 차량 찾기", Body: "견인된 차는 견인차량 보관소에서 찾으시면 돼요.", Category: "주차", Department: "주차관리과",
	Questions: []string{"차가 없어졌어요"}}

func TestArticleApproval(t *testing.T) {
	k := mustKB(t)
	ctx := k.ctx

	t.Run("DepartmentOfficersCannotWrite", func(t *testing.T) {
		_, err := k.c.SaveArticle(ctx, "dept", "tow", towing)
		wantCode(t, err, minwon.EFORBIDDEN)
	})

	v1 := must(k.c.SaveArticle(ctx, "kim", "tow", towing))
	if v1.Version != 1 || v1.State != minwon.ArticleDraft || v1.AuthorID != "kim" {
		t.Fatalf("v1 = %+v", v1)
	}
	t.Run("CounselorsCannotApprove", func(t *testing.T) {
		_, err := k.c.ApproveArticle(ctx, "kim", "tow", 1)
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	t.Run("DraftIsNotSearchable", func(t *testing.T) {
		if ids := k.searchIDs("견인"); len(ids) != 0 {
			t.Fatalf("search = %v", ids)
		}
	})
	ok(t, second(k.c.SubmitArticle(ctx, "kim", "tow", 1)))
	t.Run("SubmitTwiceConflicts", func(t *testing.T) {
		_, err := k.c.SubmitArticle(ctx, "kim", "tow", 1)
		wantCode(t, err, minwon.ECONFLICT)
	})
	k.clock.Add(time.Minute)
	ok(t, second(k.c.ApproveArticle(ctx, "sup", "tow", 1)))
	k.await(minwon.EventArticlePublished)
	t.Run("PublishedIsSearchable", func(t *testing.T) {
		if ids := k.searchIDs("견인"); len(ids) != 1 || ids[0] != "tow" {
			t.Fatalf("search = %v", ids)
		}
	})

	t.Run("EditKeepsPublishedLiveUntilApproved", func(t *testing.T) {
		edit := towing
		edit.Body = "견인된 차는 한빛 견인차량 보관소(02-120-7000)에서 찾으시면 돼요."
		v2 := must(k.c.SaveArticle(ctx, "lee", "tow", edit))
		if v2.Version != 2 {
			t.Fatalf("v2 = %+v", v2)
		}
		if a, _ := k.feed.Index().Get("tow"); a == nil || a.Body != towing.Body {
			t.Fatalf("live article = %+v", a)
		}
		_, err := k.c.ApproveArticle(ctx, "sup", "tow", 1)
		wantCode(t, err, minwon.ECONFLICT) // only the open draft can be decided
		_, err = k.c.RejectArticle(ctx, "sup", "tow", 2, "")
		wantCode(t, err, minwon.EINVALID)
		ok(t, second(k.c.RejectArticle(ctx, "sup", "tow", 2, "전화번호 확인 필요")))

		v3 := must(k.c.SaveArticle(ctx, "lee", "tow", edit))
		k.clock.Add(time.Minute)
		ok(t, second(k.c.ApproveArticle(ctx, "sup", "tow", v3.Version)))
		k.await(minwon.EventArticlePublished)
		if a, _ := k.feed.Index().Get("tow"); a == nil || a.Body != edit.Body {
			t.Fatalf("live article = %+v", a)
		}
		vs := must(k.store.ArticleVersions(ctx, "tow"))
		var got []string
		for _, v := range vs {
			got = append(got, string(v.State)+":"+v.AuthorID+":"+v.DecidedBy)
		}
		if strings.Join(got, " ") != "published:lee:sup rejected:lee:sup superseded:kim:sup" {
			t.Fatalf("history = %v", got)
		}
	})

	t.Run("RetireRemovesFromSearch", func(t *testing.T) {
		err := k.c.RetireArticle(ctx, "kim", "tow", "폐지")
		wantCode(t, err, minwon.EFORBIDDEN)
		ok(t, k.c.RetireArticle(ctx, "sup", "tow", "폐지"))
		k.await(minwon.EventArticleRetired)
		if ids := k.searchIDs("견인"); len(ids) != 0 {
			t.Fatalf("search = %v", ids)
		}
		wantCode(t, k.c.RetireArticle(ctx, "sup", "tow", "again"), minwon.ECONFLICT)
	})
}

func TestArticleValidityWindow(t *testing.T) {
	k := mustKB(t)
	ctx := k.ctx
	now := k.clock.Now()
	fee := towing
	fee.Title, fee.Body = "견인료 인상 안내", "7월부터 견인료가 올라요."
	fee.ValidFrom, fee.ValidTo = now.Add(time.Hour), now.Add(2*time.Hour)
	v := must(k.c.SaveArticle(ctx, "sup", "fee", fee))
	ok(t, second(k.c.ApproveArticle(ctx, "sup", "fee", v.Version)))
	k.await(minwon.EventArticlePublished)

	steps := []struct {
		name  string
		at    time.Duration
		found bool
	}{
		{"BeforeValidFrom", 59 * time.Minute, false},
		{"AtValidFrom", time.Hour, true},
		{"Inside", 90 * time.Minute, true},
		{"AtValidTo", 2 * time.Hour, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			k.clock.Add(now.Add(s.at).Sub(k.clock.Now()))
			k.feed.Refresh()
			if got := len(k.searchIDs("견인료")) == 1; got != s.found {
				t.Fatalf("found = %v at +%v", got, s.at)
			}
		})
	}
	if _, ok := k.feed.NextChange(); ok {
		t.Fatal("a boundary is left after the window closed")
	}

	t.Run("InvalidWindow", func(t *testing.T) {
		bad := fee
		bad.ValidTo = bad.ValidFrom
		_, err := k.c.SaveArticle(ctx, "kim", "bad", bad)
		wantCode(t, err, minwon.EINVALID)
	})
}

func TestImportArticles(t *testing.T) {
	k := mustKB(t)
	ctx := k.ctx
	arts := []kb.Article{
		{ID: "a", Title: "가", Body: "첫째"},
		{ID: "b", Title: "나", Body: "둘째 <script>alert(1)</script>"},
	}
	t.Run("PublishNeedsSupervisor", func(t *testing.T) {
		_, err := k.c.ImportArticles(ctx, "kim", arts, true, nil)
		wantCode(t, err, minwon.EFORBIDDEN)
	})
	t.Run("BadArticleImportsNothing", func(t *testing.T) {
		bad := append([]kb.Article{}, arts...)
		bad = append(bad, kb.Article{ID: "c d", Title: "잘못된 아이디"})
		_, err := k.c.ImportArticles(ctx, "sup", bad, true, nil)
		wantCode(t, err, minwon.EINVALID)
		if !strings.Contains(err.Error(), "article 3") {
			t.Fatalf("err = %v", err)
		}
		if as := must(k.store.Articles(ctx, minwon.ArticleFilter{})); len(as) != 0 {
			t.Fatalf("imported %d articles", len(as))
		}
	})
	var calls int
	res := must(k.c.ImportArticles(ctx, "sup", arts, true, func(done, total int) { calls++ }))
	if res.Created != 2 || calls != 2 {
		t.Fatalf("result = %+v, progress calls %d", res, calls)
	}
	k.await(minwon.EventArticlePublished)
	k.await(minwon.EventArticlePublished)
	if a, _ := k.feed.Index().Get("b"); a == nil || a.Body != arts[1].Body {
		t.Fatalf("b = %+v", a)
	}
	t.Run("SameIDUpdates", func(t *testing.T) {
		again := []kb.Article{arts[0], {ID: "b", Title: "나", Body: "둘째, 고침"}}
		res := must(k.c.ImportArticles(ctx, "sup", again, true, nil))
		if res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("result = %+v", res)
		}
		h := must(k.store.Article(ctx, "b"))
		if h.Live != 2 || h.Current.Body != "둘째, 고침" {
			t.Fatalf("b = %+v", h.Current)
		}
	})
	t.Run("DraftImportLeavesLive", func(t *testing.T) {
		res := must(k.c.ImportArticles(ctx, "kim", []kb.Article{{ID: "a", Title: "가", Body: "첫째, 초안"}}, false, nil))
		if res.Updated != 1 {
			t.Fatalf("result = %+v", res)
		}
		h := must(k.store.Article(ctx, "a"))
		if h.Live != 1 || h.Draft == nil || h.Draft.Body != "첫째, 초안" {
			t.Fatalf("a = %+v", h)
		}
	})
}

func TestDictionary(t *testing.T) {
	k := mustKB(t)
	_, err := k.c.SaveDictionary(k.ctx, "sup", map[string][]string{"딱지": {"과태료"}})
	wantCode(t, err, minwon.EFORBIDDEN)
	_, err = k.c.SaveDictionary(k.ctx, "adm", map[string][]string{"딱지": {" "}})
	wantCode(t, err, minwon.EINVALID)
	d := must(k.c.SaveDictionary(k.ctx, "adm", map[string][]string{" 딱지 ": {"과태료", "과태료", "주차위반"}}))
	k.await(minwon.EventDictionarySaved)
	if got := k.feed.Index().Dictionary()["딱지"]; strings.Join(got, ",") != "과태료,주차위반" || len(d) != 1 {
		t.Fatalf("dictionary = %v", k.feed.Index().Dictionary())
	}
}
