package sqldb_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sqldb"
)

func articleVersion(id string, v int, title string, d time.Duration) minwon.ArticleVersion {
	return minwon.ArticleVersion{ArticleID: id, TenantID: "t1", Version: v, State: minwon.ArticleDraft, AuthorID: "u-writer", CreatedAt: at(d),
		ArticleContent: minwon.ArticleContent{Title: title, Body: "본문 <b>" + title + "</b>", Category: "주차", Department: "주차관리과",
			Tags: []string{"견인"}, Questions: []string{"차가 없어졌어요"}, ValidTo: at(48 * time.Hour)}}
}

func saveArticle(v minwon.ArticleVersion, d time.Duration) *minwon.Event {
	return event(minwon.EventArticleSaved, d, v, tenant(v.TenantID), actor(v.AuthorID))
}

func TestKnowledgeBase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		v1 := articleVersion("tow", 1, "견인 차량 찾기", 0)
		mustAppend(t, db,
			saveArticle(v1, 0),
			event(minwon.EventArticleSubmitted, time.Minute, minwon.ArticleSubmitted{ArticleID: "tow", Version: 1}, actor("u-writer")),
			event(minwon.EventArticlePublished, 2*time.Minute, minwon.ArticleDecided{ArticleID: "tow", Version: 1, Published: &v1}, actor("u-sup")),
		)

		t.Run("PublishedIsLive", func(t *testing.T) {
			a, err := db.Article(ctx, "tow")
			if err != nil {
				t.Fatal(err)
			}
			if a.Live != 1 || a.Latest != 1 || a.Draft != nil || a.Current == nil || a.Current.State != minwon.ArticlePublished {
				t.Fatalf("article = %+v", a)
			}
			wantEqual(t, "published at", a.PublishedAt, at(2*time.Minute))
			c := a.Current
			if c.DecidedBy != "u-sup" || c.AuthorID != "u-writer" || c.Body != "본문 <b>견인 차량 찾기</b>" || !c.ValidTo.Equal(at(48*time.Hour)) || !c.ValidFrom.IsZero() {
				t.Fatalf("current = %+v", c)
			}
			wantEqual(t, "tags", c.Tags, []string{"견인"})
		})

		v2 := articleVersion("tow", 2, "견인 차량 찾기 (개정)", time.Hour)
		v2.AuthorID = "u-other"
		mustAppend(t, db, saveArticle(v2, time.Hour),
			event(minwon.EventArticleSubmitted, time.Hour+time.Minute, minwon.ArticleSubmitted{ArticleID: "tow", Version: 2}, actor("u-other")))

		t.Run("EditKeepsPublishedLive", func(t *testing.T) {
			a, err := db.Article(ctx, "tow")
			if err != nil {
				t.Fatal(err)
			}
			if a.Live != 1 || a.Latest != 2 || a.Current.Version != 1 || a.Draft == nil || a.Draft.State != minwon.ArticlePending {
				t.Fatalf("article = %+v", a)
			}
			pending, err := db.Articles(ctx, minwon.ArticleFilter{Pending: true})
			if err != nil || len(pending) != 1 {
				t.Fatalf("pending = %v, %v", pending, err)
			}
			live, err := db.LiveArticles(ctx)
			if err != nil || len(live) != 1 || live[0].Version != 1 {
				t.Fatalf("live = %+v, %v", live, err)
			}
		})

		mustAppend(t, db, event(minwon.EventArticlePublished, 2*time.Hour, minwon.ArticleDecided{ArticleID: "tow", Version: 2, Published: &v2}, actor("u-sup")))

		t.Run("HistoryListsAuthors", func(t *testing.T) {
			vs, err := db.ArticleVersions(ctx, "tow")
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				V      int
				State  minwon.ArticleState
				Author string
			}
			var got []row
			for _, v := range vs {
				got = append(got, row{v.Version, v.State, v.AuthorID})
			}
			wantEqual(t, "versions", got, []row{{2, minwon.ArticlePublished, "u-other"}, {1, minwon.ArticleSuperseded, "u-writer"}})
		})

		t.Run("Filters", func(t *testing.T) {
			mustAppend(t, db, saveArticle(articleVersion("draft-only", 1, "초안", 3*time.Hour), 3*time.Hour))
			cases := []struct {
				name string
				f    minwon.ArticleFilter
				want []string
			}{
				{"All", minwon.ArticleFilter{}, []string{"draft-only", "tow"}},
				{"Live", minwon.ArticleFilter{Live: true}, []string{"tow"}},
				{"PublishedSince", minwon.ArticleFilter{PublishedSince: at(90 * time.Minute)}, []string{"tow"}},
				{"PublishedSinceLater", minwon.ArticleFilter{PublishedSince: at(3 * time.Hour)}, nil},
				{"ChangedSince", minwon.ArticleFilter{ChangedSince: at(3 * time.Hour)}, []string{"draft-only"}},
				{"Category", minwon.ArticleFilter{Category: "주차"}, []string{"draft-only", "tow"}},
				{"OtherCategory", minwon.ArticleFilter{Category: "교통"}, nil},
				{"Limit", minwon.ArticleFilter{Limit: 1}, []string{"draft-only"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					arts, err := db.Articles(ctx, c.f)
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, a := range arts {
						ids = append(ids, a.ID)
					}
					wantEqual(t, "ids", ids, c.want)
				})
			}
		})

		t.Run("RetireTakesDown", func(t *testing.T) {
			mustAppend(t, db, event(minwon.EventArticleRetired, 4*time.Hour, minwon.ArticleRetirement{ArticleID: "tow", Note: "제도 폐지"}, actor("u-sup")))
			a, err := db.Article(ctx, "tow")
			if err != nil {
				t.Fatal(err)
			}
			if a.Live != 0 || !a.Retired || a.Current.State != minwon.ArticleRetired || a.Current.Note != "제도 폐지" {
				t.Fatalf("article = %+v / %+v", a, a.Current)
			}
			live, err := db.LiveArticles(ctx)
			if err != nil || len(live) != 0 {
				t.Fatalf("live = %v, %v", live, err)
			}
		})

		t.Run("RejectsUnknownVersion", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventArticleSubmitted, 5*time.Hour, minwon.ArticleSubmitted{ArticleID: "tow", Version: 9}))
			wantCode(t, err, minwon.ENOTFOUND)
		})

		t.Run("Dictionary", func(t *testing.T) {
			d, err := db.Dictionary(ctx)
			if err != nil || len(d) != 0 {
				t.Fatalf("empty dictionary = %v, %v", d, err)
			}
			want := map[string][]string{"등본": {"주민등록등본"}, "딱지": {"과태료", "주차위반"}}
			mustAppend(t, db, event(minwon.EventDictionarySaved, 5*time.Hour, minwon.DictionarySaved{Entries: want}))
			d, err = db.Dictionary(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "dictionary", d, want)
		})
	})
}
