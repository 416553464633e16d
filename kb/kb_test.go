package kb

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/minwon/minwon"
)

// testArticles is a small knowledge base whose wording each test relies on.
func testArticles() []Article {
	return []Article{
		{
			ID: "passport", Title: "여권 발급 신청", Category: "민원서류", Department: "민원여권과",
			Body: "여권은 시청 민원여권과나 구청 민원실에서 신청하시면 돼요. 신분증과 여권용 사진 한 장을 " +
				"꼭 챙겨 오시라고 안내해 주세요. 보통 발급까지 일주일쯤 걸리고, 급하시면 긴급 여권을 " +
				"따로 문의하시면 돼요.",
			Questions: []string{"여권 만들려면 어디로 가요?", "여권 사진 규격이 있나요?"},
		},
		{
			ID: "parking-fine", Title: "주정차 과태료 납부", Category: "주차", Department: "주차관리과",
			Body:      "고지서에 적힌 가상계좌로 내시거나 위택스에서 카드로 내시면 돼요. 의견진술 기간 안에 내시면 20% 감경돼요.",
			Questions: []string{"주차 딱지 벌금 어떻게 내요?"},
		},
		{
			ID: "parking-report", Title: "불법 주정차 신고", Category: "주차", Department: "주차관리과",
			Body: "안전신문고 앱으로 1분 간격 사진 두 장을 찍어 올리시면 돼요. 소화전, 교차로 모퉁이, " +
				"버스정류소, 횡단보도는 주민신고 대상이라 바로 과태료가 나가요. 주차 과태료 문의는 주차관리과로 안내해 주세요.",
			Questions: []string{"불법주차 신고는 어떻게 해요?"},
		},
		{
			ID: "bulky-waste", Title: "대형폐기물 배출 신고", Category: "환경", Department: "자원순환과",
			Body: "장롱이나 소파 같은 큰 물건은 구청 홈페이지에서 배출 신고를 하고 수수료를 내신 다음, " +
				"신고필증 번호를 물건에 붙여 내놓으시면 돼요.",
			Questions: []string{"소파 버리려면 어떻게 해요?", "침대 매트리스 버리는 법"},
			Tags:      []string{"가구", "폐가전"},
		},
	}
}

func mustIndex(t *testing.T) *Index {
	t.Helper()
	x := NewIndex(testArticles())
	if x.Len() != 4 {
		t.Fatalf("Len = %d, want 4", x.Len())
	}
	return x
}

func ids(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Article.ID
	}
	return out
}

func TestSearch(t *testing.T) {
	x := mustIndex(t)
	// Conjoining jamo for "여권", as a macOS keyboard may send it.
	decomposed := "\u110b\u1167\u1100\u116f\u11ab"

	tests := []struct {
		name  string
		query string
		limit int
		first string // ID expected first; "" means no results
		count int    // expected number of results; -1 means any
	}{
		{"MatchesWithoutSpaces", "여권발급", 0, "passport", -1},
		{"MatchesWithExtraSpaces", "여 권 발 급", 0, "passport", -1},
		{"MatchesCitizenWording", "소파버리려면", 0, "bulky-waste", -1},
		{"MatchesTag", "폐가전", 0, "bulky-waste", 1},
		{"IgnoresPunctuationAndCase", "  여권?! ", 0, "passport", -1},
		{"ComposesJamo", decomposed, 0, "passport", -1},
		{"SingleSyllable", "권", 0, "passport", 1},
		{"BoostsTitleOverBody", "주정차과태료", 0, "parking-fine", -1},
		{"BoostsTitleOverBodyReversed", "불법주정차", 0, "parking-report", -1},
		{"NothingForNonsense", "zqxjvw", 0, "", 0},
		{"NothingForUnknownHangul", "뷁쉛꿻", 0, "", 0},
		{"NothingForEmpty", "", 0, "", 0},
		{"NothingForPunctuation", "?!… ", 0, "", 0},
		{"Limit", "주차", 1, "parking-fine", 1},
		{"NoLimit", "주차", 0, "parking-fine", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Search(tt.query, tt.limit)
			if tt.count >= 0 && len(got) != tt.count {
				t.Fatalf("Search(%q) = %v, want %d results", tt.query, ids(got), tt.count)
			}
			if tt.first == "" {
				return
			}
			if len(got) == 0 || got[0].Article.ID != tt.first {
				t.Fatalf("Search(%q) = %v, want %s first", tt.query, ids(got), tt.first)
			}
			for i, r := range got {
				if r.Score <= 0 || r.Score > 1 {
					t.Errorf("result %d score %v outside (0, 1]", i, r.Score)
				}
				if i > 0 && r.Score > got[i-1].Score {
					t.Errorf("results not sorted by score: %v", got)
				}
			}
		})
	}
}

func TestSearchScoresFullTitleMatchAsOne(t *testing.T) {
	x := mustIndex(t)
	got := x.Search("대형폐기물 배출신고", 1)
	if len(got) != 1 || got[0].Score != 1 {
		t.Fatalf("got %+v, want bulky-waste with score 1", got)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("처음에는 관계없는 이야기가 한참 이어져요. ", 8) +
		"여권 발급은 민원여권과에서 하시면 돼요. " +
		strings.Repeat("뒤에도 관계없는 이야기가 계속 이어져요. ", 8)
	tests := []struct {
		name, body, query, want string
		cutBefore, cutAfter     bool
	}{
		{"ContainsMatchInMiddle", long, "여권발급", "여권 발급", true, true},
		{"StartsAtBeginningWhenMatchIsThere", "여권 발급은 이렇게 해요. " + long, "여권발급", "여권 발급은 이렇게", false, true},
		{"EndsAtEndWhenMatchIsThere", long + " 마지막으로 사진 규격을 확인하세요.", "사진규격", "사진 규격을 확인하세요.", true, false},
		{"ShortBodyWhole", "짧은 본문이에요.", "본문", "짧은 본문이에요.", false, false},
		{"BodyStartWhenOnlyTitleMatches", long, "제목에만있는말", "처음에는 관계없는", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex([]Article{{ID: "a", Title: "제목에만 있는 말", Body: tt.body}})
			got := x.Search(tt.query, 1)
			if len(got) != 1 {
				t.Fatalf("Search(%q) found %d", tt.query, len(got))
			}
			s := got[0].Snippet
			if !strings.Contains(s, tt.want) {
				t.Errorf("snippet %q does not contain %q", s, tt.want)
			}
			if n := utf8.RuneCountInString(s); n > SnippetRunes+2 {
				t.Errorf("snippet has %d runes, want at most %d", n, SnippetRunes+2)
			}
			if got := strings.HasPrefix(s, "…"); got != tt.cutBefore {
				t.Errorf("snippet %q: cut before = %v, want %v", s, got, tt.cutBefore)
			}
			if got := strings.HasSuffix(s, "…"); got != tt.cutAfter {
				t.Errorf("snippet %q: cut after = %v, want %v", s, got, tt.cutAfter)
			}
		})
	}
}

func TestGet(t *testing.T) {
	x := mustIndex(t)
	if a, ok := x.Get("parking-fine"); !ok || a.Title != "주정차 과태료 납부" {
		t.Errorf("Get(parking-fine) = %v, %v", a, ok)
	}
	if _, ok := x.Get("nope"); ok {
		t.Error("Get(nope) found something")
	}
	var zero Index
	if _, ok := zero.Get("passport"); ok || zero.Search("여권", 5) != nil || zero.Len() != 0 {
		t.Error("zero Index is not empty")
	}
}

func TestReplace(t *testing.T) {
	t.Run("SwapsContent", func(t *testing.T) {
		x := mustIndex(t)
		x.Replace([]Article{{ID: "new", Title: "가로등 고장 신고", Body: "가로등 번호를 알려 주세요."}})
		if got := x.Search("여권", 0); len(got) != 0 {
			t.Errorf("old article still found: %v", ids(got))
		}
		if got := x.Search("가로등", 0); len(got) != 1 || got[0].Article.ID != "new" {
			t.Errorf("new article not found: %v", ids(got))
		}
	})
	t.Run("LaterDuplicateWins", func(t *testing.T) {
		x := NewIndex([]Article{{ID: "a", Title: "옛 제목"}, {ID: "a", Title: "새 제목"}})
		if a, _ := x.Get("a"); x.Len() != 1 || a.Title != "새 제목" {
			t.Errorf("Len %d, Get(a) = %+v", x.Len(), a)
		}
	})
	t.Run("CopiesInput", func(t *testing.T) {
		arts := testArticles()
		x := NewIndex(arts)
		arts[0].Title = "바뀐 제목"
		arts[0].Questions[0] = "바뀐 질문"
		if a, _ := x.Get("passport"); a.Title != "여권 발급 신청" || a.Questions[0] != "여권 만들려면 어디로 가요?" {
			t.Errorf("index shares the caller's article: %+v", a)
		}
	})
	t.Run("ConcurrentWithSearch", func(t *testing.T) {
		x := mustIndex(t)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for j := range 50 {
					if i == 0 {
						x.Replace(testArticles()[:1+j%4])
						continue
					}
					if got := x.Search("여권발급", 3); len(got) == 0 {
						t.Error("passport not found during Replace")
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

func TestLoadJSONL(t *testing.T) {
	t.Run("Parses", func(t *testing.T) {
		in := "\uFEFF" + `{"id":"a","title":"여권 발급","body":"본문","category":"민원서류","department":"민원여권과","questions":["여권 어디서 만들어요?"],"tags":["여권"]}` + "\r\n" +
			"\n   \n" +
			`{"id":"b","title":"가로등 고장"}` + "\n"
		got, err := LoadJSONL(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "a" || got[0].Questions[0] != "여권 어디서 만들어요?" || got[0].Tags[0] != "여권" || got[1].Title != "가로등 고장" {
			t.Fatalf("got %+v", got)
		}
	})

	good := `{"id":"ok","title":"제목"}` + "\n"
	tests := []struct {
		name, in, want string
	}{
		{"MalformedJSON", good + `{"id":"x","title":"제목"` + "\n", "line 2: malformed JSON"},
		{"NotAnObject", `["id"]`, "line 1: malformed JSON"},
		{"TrailingData", `{"id":"x","title":"t"} {"id":"y"}`, "line 1: unexpected data"},
		{"NotUTF8", good + `{"id":"y","title":"t"}` + "\n" + `{"id":"x","title":"` + "\xff\xfe" + `"}`, "line 3: not valid UTF-8"},
		{"MissingID", `{"title":"제목"}`, "line 1: missing id"},
		{"BlankID", `{"id":"  ","title":"제목"}`, "line 1: missing id"},
		{"MissingTitle", good + `{"id":"x","body":"본문"}`, `line 2: article "x": missing title`},
		{"UnknownField", `{"id":"x","title":"t","question":["오타"]}`, `line 1: malformed JSON: json: unknown field "question"`},
		{"WrongType", `{"id":"x","title":"t","questions":"하나"}`, "line 1: malformed JSON"},
		{"DuplicateID", good + "\n" + good, `line 3: id "ok" already used on line 1`},
		{"LineTooLong", good + `{"id":"x","title":"` + strings.Repeat("가", MaxLineBytes/3+1) + `"}`, "line 2: longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadJSONL(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if minwon.ErrorCode(err) != minwon.EINVALID {
				t.Errorf("error code %q, want %q", minwon.ErrorCode(err), minwon.EINVALID)
			}
		})
	}

	t.Run("LineAtLimit", func(t *testing.T) {
		prefix := `{"id":"x","title":"`
		line := prefix + strings.Repeat("a", MaxLineBytes-len(prefix)-2) + `"}`
		got, err := LoadJSONL(strings.NewReader(line + "\r\n"))
		if err != nil || len(got) != 1 {
			t.Fatalf("line of exactly %d bytes: %v, %d articles", len(line), err, len(got))
		}
	})
}

func TestFoldOffsets(t *testing.T) {
	s := "여권 발급, \u1100\u1161\u11a8!"
	f := fold(s, true)
	if got := string(f.runes); got != "여권발급각" {
		t.Fatalf("runes %q", got)
	}
	var back []string
	for i := range f.runes {
		back = append(back, s[f.start[i]:f.end[i]])
	}
	if got := fmt.Sprint(back); got != "[여 권 발 급 \u1100\u1161\u11a8]" {
		t.Errorf("offsets map back to %s", got)
	}
}
