package bot

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/minwon/minwon/kb"
)

func testIndex() *kb.Index {
	return kb.NewIndex([]kb.Article{
		{
			ID: "passport-issue", Title: "여권 발급 신청", Category: "민원서류",
			Body: "여권은 시청 민원여권과나 구청 민원실 여권 창구에서 신청하시면 돼요. 신분증과 최근 6개월 안에 찍은 여권용 사진 한 장을 챙겨 오세요. " +
				"발급까지는 보통 일주일쯤 걸려요. 만 18세 미만은 법정대리인 동의서가 필요해요.",
			Questions: []string{"여권 새로 만들려면 어디로 가요?"},
			Tags:      []string{"여권사진", "긴급여권"},
		},
		{
			ID: "passport-lost", Title: "여권 분실 신고와 재발급",
			Body:      "여권을 잃어버리셨으면 먼저 시청이나 구청 여권 창구, 또는 정부24에서 분실 신고를 하세요. 분실 신고한 여권은 찾아도 다시 쓸 수 없어요.",
			Questions: []string{"여권 잃어버렸어요"},
		},
		{
			ID: "parking-fine", Title: "주정차 위반 과태료 납부와 의견진술",
			Body:      "과태료는 고지서의 가상계좌나 위택스에서 내시면 돼요. 의견진술 기간 안에 미리 내시면 20% 감경돼요.",
			Questions: []string{"주차 딱지 어떻게 내요?"},
			Tags:      []string{"딱지", "과태료"},
		},
		{
			ID: "bulky-waste", Title: "대형폐기물 배출 신고",
			Body:      "소파나 장롱 같은 큰 물건은 구청 홈페이지에서 배출 신고를 하고 수수료를 낸 다음, 신고필증 번호를 붙여 내놓으시면 돼요.",
			Questions: []string{"소파 버리려면 어떻게 해요?"},
			Tags:      []string{"가구", "폐가전"},
		},
	})
}

func newTestBot() *Bot { return New(testIndex(), DefaultOptions()) }

// turn is one message of a conversation and what the bot must do with it.
type turn struct {
	say     string
	kind    Kind
	article string // "" to not check
	reason  string
	handoff bool
	text    string // a substring the reply must hold
	check   func(t *testing.T, r Reply)
}

func TestReply(t *testing.T) {
	hasSuggestion := func(id string) func(*testing.T, Reply) {
		return func(t *testing.T, r Reply) {
			for _, s := range r.Suggestions {
				if s.ArticleID == id {
					return
				}
			}
			t.Errorf("suggestions %v lack %s", r.Suggestions, id)
		}
	}
	tests := []struct {
		name  string
		turns []turn
	}{
		{"AnswersInScope", []turn{
			{say: "소파 버리고 싶은데 어떻게 해요", kind: KindAnswer, article: "bulky-waste", text: "도움이 되었나요?"},
		}},
		{"AnswerIsShortWithTheMatchingSentence", []turn{
			{say: "여권 발급까지 며칠 걸려요", kind: KindAnswer, article: "passport-issue", text: "일주일", check: func(t *testing.T, r Reply) {
				if strings.Contains(r.Text, "법정대리인") {
					t.Errorf("short answer holds the whole article: %q", r.Text)
				}
			}},
		}},
		{"FullArticleOnRequest", []turn{
			{say: "소파 버리려면 어떻게 해요", kind: KindAnswer, article: "bulky-waste"},
			{say: "자세히 알려주세요", kind: KindArticle, article: "bulky-waste", text: "신고필증 번호를 붙여 내놓으시면 돼요", check: func(t *testing.T, r Reply) {
				if !r.Answered() || r.Handoff {
					t.Errorf("full article: Answered %v, Handoff %v", r.Answered(), r.Handoff)
				}
			}},
			{say: "네 감사합니다", kind: KindClosing},
		}},
		{"ClarifiesThenPicksByNumber", []turn{
			{say: "여권", kind: KindClarify, text: "2. ", check: func(t *testing.T, r Reply) {
				if len(r.Options) != 2 || r.Answered() || r.Handoff {
					t.Errorf("options %v, answered %v, handoff %v", r.Options, r.Answered(), r.Handoff)
				}
			}},
			{say: "2번이요", kind: KindAnswer, article: "passport-lost"},
		}},
		{"ClarifiesThenPicksByWords", []turn{
			{say: "여권", kind: KindClarify},
			{say: "분실 신고요", kind: KindAnswer, article: "passport-lost"},
		}},
		{"ClarifiesThenPicksByOrdinal", []turn{
			{say: "여권 문의요", kind: KindClarify},
			{say: "첫 번째요", kind: KindAnswer, article: "passport-issue"},
		}},
		{"ClarifyRejectedHandsOff", []turn{
			{say: "여권", kind: KindClarify},
			{say: "둘 다 아니에요", kind: KindHandoff, reason: ReasonNotHelpful, handoff: true, check: hasSuggestion("passport-lost")},
		}},
		{"NewQuestionInsteadOfAChoice", []turn{
			{say: "여권", kind: KindClarify},
			{say: "주차 딱지 과태료 어떻게 내요", kind: KindAnswer, article: "parking-fine"},
		}},
		{"DeclinesOutOfScopeTopics", []turn{
			{say: "이번 주 로또 번호 좀 알려줘", kind: KindOutOfScope, handoff: true, text: "어려워요"},
			{say: "프러포즈하기 좋은 장소 추천해줘", kind: KindOutOfScope, handoff: true},
			{say: "일석이조 뜻이 뭐예요", kind: KindOutOfScope, handoff: true},
			{say: "은행 굽는 법 알려주세요", kind: KindOutOfScope, handoff: true},
			{say: "내일 추운데 뭐 입고 나가야 돼요", kind: KindOutOfScope, handoff: true},
		}},
		{"HandsOffWhenUnsure", []turn{
			{say: "고양이가 꾹꾹이를 하는 이유", kind: KindHandoff, reason: ReasonUnsure, handoff: true},
		}},
		{"HandsOffOnRequestWithSuggestions", []turn{
			{say: "소파 버리는 법", kind: KindAnswer, article: "bulky-waste"},
			{say: "상담원 연결해 주세요", kind: KindHandoff, reason: ReasonRequested, handoff: true, check: hasSuggestion("bulky-waste")},
		}},
		{"HandsOffOnRequestFirstThing", []turn{
			{say: "상담원연결", kind: KindHandoff, reason: ReasonRequested, handoff: true},
		}},
		{"NotHelpfulHandsOffWithSuggestions", []turn{
			{say: "주차 딱지 과태료 어떻게 내요", kind: KindAnswer, article: "parking-fine"},
			{say: "아니요 도움이 안 됐어요", kind: KindHandoff, reason: ReasonNotHelpful, handoff: true, check: hasSuggestion("parking-fine")},
		}},
		{"SmallTalk", []turn{
			{say: "안녕하세요", kind: KindSmallTalk, text: "120"},
			{say: "고마워요 ㅎㅎ", kind: KindSmallTalk},
			{say: "너 누구야?", kind: KindSmallTalk, text: "챗봇"},
			{say: "", kind: KindSmallTalk},
			{say: "네", kind: KindSmallTalk, text: "자세히"},
			{say: "??", kind: KindSmallTalk},
		}},
		{"NewQuestionAfterAnAnswer", []turn{
			{say: "소파 버리려면 어떻게 해요", kind: KindAnswer, article: "bulky-waste"},
			{say: "주차 딱지 과태료 자세히 알려주세요", kind: KindAnswer, article: "parking-fine"},
			{say: "아니 근데 여권 분실 신고는 어디서 해요", kind: KindAnswer, article: "passport-lost"},
		}},
		{"GreetingWithAQuestionIsAQuestion", []turn{
			{say: "안녕하세요 여권 잃어버렸는데 분실 신고 어떻게 해요", kind: KindAnswer, article: "passport-lost"},
		}},
		{"BadInputIsReadAsFarAsItGoes", []turn{
			{say: "소파 \xff\xfe버리려면 어떻게 해요", kind: KindAnswer, article: "bulky-waste"},
			{say: strings.Repeat("소파 ", 2000), kind: KindAnswer, article: "bulky-waste"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBot()
			var st State
			for i, tu := range tt.turns {
				// The center keeps State as JSON with the contact; each turn
				// starts from what a restart would read back.
				raw, err := json.Marshal(st)
				if err != nil {
					t.Fatal(err)
				}
				st = State{}
				if err := json.Unmarshal(raw, &st); err != nil {
					t.Fatal(err)
				}
				r := b.Reply(&st, tu.say)
				if r.Kind != tu.kind {
					t.Fatalf("turn %d %q: kind %s, want %s (reply %+v)", i, tu.say, r.Kind, tu.kind, r)
				}
				if tu.article != "" && r.ArticleID != tu.article {
					t.Errorf("turn %d %q: article %s, want %s", i, tu.say, r.ArticleID, tu.article)
				}
				if r.Reason != tu.reason {
					t.Errorf("turn %d %q: reason %q, want %q", i, tu.say, r.Reason, tu.reason)
				}
				if r.Handoff != tu.handoff {
					t.Errorf("turn %d %q: handoff %v, want %v", i, tu.say, r.Handoff, tu.handoff)
				}
				if !strings.Contains(r.Text, tu.text) {
					t.Errorf("turn %d %q: text %q lacks %q", i, tu.say, r.Text, tu.text)
				}
				if tu.check != nil {
					tu.check(t, r)
				}
			}
			if st.Turns != len(tt.turns) {
				t.Errorf("Turns = %d, want %d", st.Turns, len(tt.turns))
			}
		})
	}
}

func TestThresholdTradesAnswersForHandoffs(t *testing.T) {
	q := "소파 버리고 싶은데 신고해야 되나요"
	low := New(testIndex(), Options{AnswerThreshold: 0.05, ClarifyMargin: 0.01})
	if r := low.Ask(q); !r.Answered() {
		t.Fatalf("low threshold: %+v, want an answer", r)
	}
	high := New(testIndex(), Options{AnswerThreshold: 0.99, ClarifyMargin: 0.01})
	r := high.Ask(q)
	if r.Answered() || r.Kind != KindHandoff || r.Reason != ReasonUnsure {
		t.Fatalf("high threshold: %+v, want an unsure hand-off", r)
	}
	if len(r.Suggestions) == 0 || r.Suggestions[0].ArticleID != "bulky-waste" {
		t.Errorf("hand-off suggestions %v, want bulky-waste first", r.Suggestions)
	}
}

func TestEmptyIndexHandsOff(t *testing.T) {
	r := New(nil, DefaultOptions()).Ask("여권 잃어버렸어요")
	if r.Kind != KindHandoff || r.Reason != ReasonUnsure || len(r.Suggestions) != 0 {
		t.Errorf("reply %+v, want an unsure hand-off without suggestions", r)
	}
}

func TestChoice(t *testing.T) {
	opts := []Suggestion{{ArticleID: "a", Title: "여권 발급 신청"}, {ArticleID: "b", Title: "여권 분실 신고와 재발급"}, {ArticleID: "c", Title: "주정차 과태료"}}
	for _, tt := range []struct {
		say  string
		want int
	}{
		{"1", 0}, {"2번", 1}, {" 3 ", 2}, {"두 번째요", 1}, {"셋째", 2}, {"마지막 거요", 2}, {"첫번째", 0},
		{"분실이요", 1}, {"과태료 문의", 2}, {"여권", -1}, {"모르겠어요", -1}, {"", -1}, {"9번", -1},
	} {
		if got := choice(tt.say, opts); got != tt.want {
			t.Errorf("choice(%q) = %d, want %d", tt.say, got, tt.want)
		}
	}
}

func TestShortAnswer(t *testing.T) {
	a, _ := testIndex().Get("passport-issue")
	got := ShortAnswer(a, "미성년자 동의서 필요해요? 법정대리인")
	if !strings.HasPrefix(got, "여권은 시청") || !strings.Contains(got, "법정대리인") {
		t.Errorf("ShortAnswer = %q, want the opening sentence and the one about 법정대리인", got)
	}
	if n := len([]rune(got)); n > ShortAnswerRunes {
		t.Errorf("ShortAnswer is %d runes, over %d", n, ShortAnswerRunes)
	}
}

// TestCuesSpareCityQuestions keeps the phrase lists from swallowing real
// questions: no in-scope question of the question sets may be read as small
// talk, an out-of-scope topic or a request for a person.
func TestCuesSpareCityQuestions(t *testing.T) {
	extra := []string{"영어로 상담 받을 수 있어요?", "주식회사 건축물대장 발급", "코인세탁소 소음 신고", "축구장 대관하고 싶어요", "야구장 예약", "카톡으로 120 상담 되나요", "은행에서 수도요금 낼 수 있나요"}
	for _, file := range []string{"testdata/dev.jsonl", "testdata/test.jsonl"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		qs := extra
		for _, line := range strings.Split(string(data), "\n") {
			var l struct {
				Question  string `json:"question"`
				ArticleID string `json:"article_id"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.ArticleID != "" {
				qs = append(qs, l.Question)
			}
		}
		if len(qs) < 100+len(extra) {
			t.Fatalf("%s: %d in-scope questions, want ≥ 100", file, len(qs)-len(extra))
		}
		for _, q := range qs {
			f := fold(q)
			if k := smallTalk(f); k != "" || outOfScopeTopic(f) || wantsHuman(f) {
				t.Errorf("%q: small talk %q, out of scope %v, wants a person %v", q, k, outOfScopeTopic(f), wantsHuman(f))
			}
		}
	}
}

func TestFollowUpsAreShort(t *testing.T) {
	for _, tt := range []struct {
		say      string
		feedback int
		more     bool
	}{
		{"네", 1, false}, {"네 감사합니다", 1, false}, {"도움이 됐어요", 1, false}, {"알겠습니다 ㅎㅎ", 1, false},
		{"아니요", -1, false}, {"아니요 도움이 안 됐어요", -1, false}, {"별로요 ㅠㅠ", -1, false}, {"잘 모르겠어요", -1, false},
		{"아니 왜 버스가 안 와요", 0, false}, {"네 그리고 전입신고는 어떻게 해요", 0, false},
		{"자세히 알려주세요", 0, true}, {"전체 내용 보여주세요", 0, true}, {"더 자세히요", 0, true},
		{"전입신고 자세히 알려주세요", 0, false}, {"여권 발급 전체 비용", 0, false},
	} {
		f := fold(tt.say)
		if got := feedback(f); got != tt.feedback {
			t.Errorf("feedback(%q) = %d, want %d", tt.say, got, tt.feedback)
		}
		if got := wantsMore(f); got != tt.more {
			t.Errorf("wantsMore(%q) = %v, want %v", tt.say, got, tt.more)
		}
	}
}
