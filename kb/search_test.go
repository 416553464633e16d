package kb

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// civicArticles adds to testArticles the documents the query-reading rules
// are tested against.
func civicArticles() []Article {
	return append(testArticles(),
		Article{
			ID: "resident-copy", Title: "주민등록등본 발급", Category: "민원서류", Department: "민원여권과",
			Body:      "주민등록등본은 정부24에서 무료로 발급받거나 가까운 주민센터에서 신분증을 내고 받으시면 돼요.",
			Questions: []string{"등본 떼려면 어디로 가요?"},
		},
		Article{
			ID: "move-in", Title: "전입신고 방법", Category: "민원서류", Department: "민원여권과",
			Body:      "이사한 날부터 14일 안에 새 주소지 주민센터나 정부24에서 전입신고를 하시면 돼요.",
			Questions: []string{"이사하면 뭐 해야 돼요?"},
		},
		Article{
			ID: "streetlight", Title: "가로등 고장 신고", Category: "도로", Department: "도로관리과",
			Body: "가로등 기둥에 붙은 관리번호를 알려 주시면 수리 기사가 나가요.",
		},
	)
}

func mustCivic(t *testing.T) *Index {
	t.Helper()
	x := NewIndex(civicArticles())
	x.SetDictionary(Dictionary{"등본": {"주민등록등본"}, "딱지": {"과태료"}, "짐": {"대형폐기물"}})
	return x
}

// TestSearchRules has a subtest per rule of reading a query.
func TestSearchRules(t *testing.T) {
	x := mustCivic(t)
	tests := []struct {
		name     string
		query    string
		first    string
		minScore float64
	}{
		{"IgnoresMissingSpaces", "주민등록등본발급", "resident-copy", 0.99},
		{"IgnoresParticles", "여권을 발급", "passport", 0.99},
		{"IgnoresEndings", "전입신고하려면", "move-in", 0.6},
		{"IgnoresLightVerbAndEnding", "여권 발급받으려면", "passport", 0.99},
		{"IgnoresFillerWords", "여권 발급 어떻게 하나요", "passport", 0.99},
		{"CorrectsAddedFinal", "여권 밝급", "passport", 0.8},
		{"CorrectsChangedVowel", "가로둥 고장", "streetlight", 0.7},
		{"CorrectsDroppedFinal", "여권 바급", "passport", 0.7},
		{"CorrectsSwappedJamo", "여권 박릅", "passport", 0.7},
		{"CompletesSyllableBeingTyped", "주민등록등ㅂ", "resident-copy", 0.7},
		{"ReadsInitialConsonants", "ㅇㄱ ㅂㄱ", "passport", 0.85},
		{"ReadsInitialConsonantsWithoutSpaces", "ㅈㅁㄷㄹㄷㅂ", "resident-copy", 0.85},
		{"ExpandsAbbreviation", "등본", "resident-copy", 0.9},
		{"ExpandsColloquialWord", "딱지", "parking-fine", 0.5},
		{"ExpandsWordInsideSpacelessQuery", "등본발급", "resident-copy", 0.9},
		{"ReadsEnglishModeTyping", "durnjs qkfrmq", "passport", 0.79},
		{"CorrectsTypoInShortQuery", "여궈", "passport", 0.2},
		{"BoostsTitle", "주정차과태료", "parking-fine", 0.99},
		{"BoostsQuestion", "소파 버리려면", "bulky-waste", 0.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Search(tt.query, 5)
			if len(got) == 0 || got[0].Article.ID != tt.first {
				t.Fatalf("Search(%q) = %v, want %s first", tt.query, ids(got), tt.first)
			}
			if got[0].Score < tt.minScore || got[0].Score > 1 {
				t.Errorf("Search(%q) top score %.3f, want in [%.2f, 1]", tt.query, got[0].Score, tt.minScore)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Score > got[i-1].Score {
					t.Errorf("not sorted: %v", got)
				}
			}
		})
	}
}

// TestScoreMeaning checks that Score compares across queries, which the bot
// relies on to decide between answering, asking and handing off.
func TestScoreMeaning(t *testing.T) {
	x := mustCivic(t)
	top := func(q string) float64 {
		if r := x.Search(q, 1); len(r) > 0 {
			return r[0].Score
		}
		return 0
	}
	t.Run("UnrelatedWordsScoreLow", func(t *testing.T) {
		for _, q := range []string{"오늘 날씨 좋네요", "축구 경기 결과", "맛집 추천해 주세요", "zqxjvw"} {
			if s := top(q); s > 0.3 {
				t.Errorf("Search(%q) top score %.3f, want <= 0.3", q, s)
			}
		}
	})
	t.Run("ExactBeatsTypo", func(t *testing.T) {
		if a, b := top("여권 발급"), top("여권 밝급"); !(a > b) {
			t.Errorf("exact %.3f, typo %.3f", a, b)
		}
	})
	t.Run("WhollyCorrectedQueryIsUnsure", func(t *testing.T) {
		if s := top("여궈"); s > 0.45 {
			t.Errorf("Search(여궈) top score %.3f, want <= 0.45: a guess", s)
		}
	})
	t.Run("TitleBeatsBodyOnly", func(t *testing.T) {
		if a, b := top("가로등 고장"), top("관리번호"); !(a > b) {
			t.Errorf("title %.3f, body %.3f", a, b)
		}
	})
	t.Run("PartlyKnownQueryScoresBelowKnown", func(t *testing.T) {
		if a, b := top("여권 발급"), top("여권 발급 우주정거장 화성탐사"); !(a > b) || b > 0.6 {
			t.Errorf("known %.3f, half unknown %.3f", a, b)
		}
	})
}

func TestHighlights(t *testing.T) {
	x := mustCivic(t)
	marked := func(s string, spans []Span) []string {
		var out []string
		for i, sp := range spans {
			if sp.Start < 0 || sp.End > len(s) || sp.Start >= sp.End || i > 0 && sp.Start < spans[i-1].End {
				t.Fatalf("bad span %v in %q (%v)", sp, s, spans)
			}
			out = append(out, s[sp.Start:sp.End])
		}
		return out
	}
	tests := []struct {
		name, query, id string
		title, snippet  string // expected among the marked ranges; "" skips
	}{
		{"MarksTitleAcrossSpace", "여권발급", "passport", "여권 발급", ""},
		{"MarksSnippet", "신분증", "resident-copy", "", "신분증"},
		{"MarksTypoCorrection", "여권 밝급", "passport", "여권 발급", ""},
		{"MarksInitials", "ㅇㄱㅂㄱ", "passport", "여권 발급", ""},
		{"MarksSynonym", "딱지", "parking-fine", "과태료", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Search(tt.query, 5)
			var r *Result
			for i := range got {
				if got[i].Article.ID == tt.id {
					r = &got[i]
				}
			}
			if r == nil {
				t.Fatalf("Search(%q) = %v, want %s", tt.query, ids(got), tt.id)
			}
			if tt.title != "" {
				if m := marked(r.Article.Title, r.TitleHighlights); !contains(m, tt.title) {
					t.Errorf("title %q marked %q, want %q", r.Article.Title, m, tt.title)
				}
			}
			if tt.snippet != "" {
				if m := marked(r.Snippet, r.Highlights); !contains(m, tt.snippet) {
					t.Errorf("snippet %q marked %q, want %q", r.Snippet, m, tt.snippet)
				}
			}
		})
	}
	t.Run("SpansAreTextNotHTML", func(t *testing.T) {
		y := NewIndex([]Article{{ID: "x", Title: "<b>여권</b> 발급", Body: "<script>여권</script> 안내"}})
		r := y.Search("여권", 1)
		if len(r) != 1 || !strings.Contains(r[0].Snippet, "<script>") {
			t.Fatalf("got %+v", r)
		}
		if m := marked(r[0].Article.Title, r[0].TitleHighlights); len(m) != 1 || m[0] != "여권" {
			t.Errorf("title marked %q", m)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestUpsertRemove(t *testing.T) {
	t.Run("AddsNewArticle", func(t *testing.T) {
		x := mustCivic(t)
		x.Upsert(Article{ID: "pet", Title: "반려동물 등록", Body: "동물병원에서 내장형 칩으로 등록하세요."})
		if got := x.Search("반려동물등록", 1); len(got) != 1 || got[0].Article.ID != "pet" || got[0].Score < 0.99 {
			t.Fatalf("got %v", got)
		}
		if x.Len() != len(civicArticles())+1 {
			t.Errorf("Len %d", x.Len())
		}
	})
	t.Run("ReplacesBaseArticle", func(t *testing.T) {
		x := mustCivic(t)
		x.Upsert(Article{ID: "passport", Title: "여권 재발급 안내", Body: "분실하면 재발급을 신청하세요."})
		if a, ok := x.Get("passport"); !ok || a.Title != "여권 재발급 안내" {
			t.Fatalf("Get = %+v", a)
		}
		got := x.Search("여권", 0)
		n := 0
		for _, r := range got {
			if r.Article.ID == "passport" {
				n++
				if r.Article.Title != "여권 재발급 안내" {
					t.Errorf("old version found: %+v", r.Article)
				}
			}
		}
		if n != 1 {
			t.Errorf("passport found %d times", n)
		}
		if x.Len() != len(civicArticles()) {
			t.Errorf("Len %d", x.Len())
		}
	})
	t.Run("ReplacesDeltaArticle", func(t *testing.T) {
		x := mustCivic(t)
		x.Upsert(Article{ID: "pet", Title: "반려동물 등록"})
		x.Upsert(Article{ID: "pet", Title: "반려견 등록"})
		got := x.Search("반려동물", 0)
		if len(got) != 1 || got[0].Article.Title != "반려견 등록" || got[0].Score > 0.5 {
			t.Errorf("old version found: %+v", got)
		}
		if got := x.Search("반려견", 0); len(got) != 1 || got[0].Score < 0.99 {
			t.Errorf("new version: %+v", got)
		}
	})
	t.Run("RemovesFromBaseAndDelta", func(t *testing.T) {
		x := mustCivic(t)
		x.Upsert(Article{ID: "pet", Title: "반려동물 등록"})
		if !x.Remove("passport") || !x.Remove("pet") || x.Remove("passport") || x.Remove("nope") {
			t.Fatal("Remove results wrong")
		}
		if got := x.Search("여권", 0); len(got) != 0 {
			t.Errorf("removed article found: %v", ids(got))
		}
		if _, ok := x.Get("pet"); ok || x.Len() != len(civicArticles())-1 {
			t.Errorf("Len %d", x.Len())
		}
	})
	t.Run("CompactsPastDeltaMax", func(t *testing.T) {
		x := mustCivic(t)
		for i := range deltaMax + 5 {
			x.Upsert(Article{ID: "n" + string(rune('가'+i)), Title: "새 글 " + string(rune('가'+i))})
		}
		x.Upsert(Article{ID: "passport", Title: "여권 새 제목"})
		x.compactions.Wait()
		x.Upsert(Article{ID: "resident-copy", Title: "등본 새 제목"})
		s := x.load()
		if len(s.delta.arts) > deltaMax {
			t.Errorf("delta holds %d", len(s.delta.arts))
		}
		if x.Len() != len(civicArticles())+deltaMax+5 {
			t.Errorf("Len %d", x.Len())
		}
		if a, _ := x.Get("passport"); a.Title != "여권 새 제목" {
			t.Errorf("Get = %+v", a)
		}
		if a, _ := x.Get("resident-copy"); a.Title != "등본 새 제목" {
			t.Errorf("Get = %+v", a)
		}
		if got := x.Search("여권새제목", 0); len(got) == 0 || got[0].Article.ID != "passport" || got[0].Score < 0.99 {
			t.Errorf("after compaction: %v", ids(got))
		}
		if len(x.Articles()) != x.Len() {
			t.Errorf("Articles %d, Len %d", len(x.Articles()), x.Len())
		}
	})
	t.Run("ReplaceDuringCompactionWins", func(t *testing.T) {
		x := mustCivic(t)
		for i := range deltaMax + 1 {
			x.Upsert(Article{ID: "n" + string(rune('가'+i)), Title: "새 글"})
		}
		x.Replace([]Article{{ID: "only", Title: "하나뿐인 글"}})
		x.compactions.Wait()
		if x.Len() != 1 {
			t.Errorf("Len %d after Replace, want 1", x.Len())
		}
	})
	t.Run("ConcurrentWithSearch", func(t *testing.T) {
		x := mustCivic(t)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for j := range deltaMax + 50 {
					if i == 0 {
						x.Upsert(Article{ID: fmt.Sprint("pet", j), Title: "반려동물 등록 " + string(rune('가'+j))})
						continue
					}
					if got := x.Search("여권발급", 3); len(got) == 0 || got[0].Article.ID != "passport" {
						t.Error("passport not found during Upsert")
						return
					}
				}
			})
		}
		wg.Wait()
		x.compactions.Wait()
		if x.Len() != len(civicArticles())+deltaMax+50 {
			t.Errorf("Len %d", x.Len())
		}
	})
}

func TestUTF16Spans(t *testing.T) {
	text := "😀 여권 발급"
	got := UTF16Spans(text, []Span{{5, 11}, {12, 18}})
	// 😀 is two UTF-16 units, the space one, each syllable one.
	if len(got) != 2 || got[0] != (Span{3, 5}) || got[1] != (Span{6, 8}) {
		t.Errorf("got %v", got)
	}
	if got := UTF16Spans(text, nil); got == nil || len(got) != 0 {
		t.Errorf("nil spans gave %v, want empty", got)
	}
}
