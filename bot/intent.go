package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/minwon/minwon/korean"
)

// The bot recognises what a turn is for from phrases of folded text (spaces
// and punctuation dropped, lower case), so "상담원 연결" and "상담원연결해주세요"
// read alike. The lists are what citizens type in 120 web chats.

var humanPhrases = []string{
	"상담원", "상담사", "상담선생님", "직원연결", "직원이랑", "직원분", "사람이랑", "사람하고", "사람과",
	"사람연결", "사람바꿔", "사람좀", "진짜사람", "실제사람", "담당자연결", "담당자바꿔", "담당자랑통화",
	"전화연결", "통화하고싶", "연결해주세요", "연결해줘", "연결부탁", "agent", "human", "operator",
}

// Small talk: a message made only of these (and laughter, emoticons) gets a
// friendly word back, not a search.
var (
	greetings = []string{"안녕하세요", "안녕하십니까", "안녕", "하이", "반가워요", "반갑습니다", "반가워", "hello", "hi", "여보세요", "저기요", "계세요"}
	thanks    = []string{"감사합니다", "감사해요", "감사", "고맙습니다", "고마워요", "고마워", "땡큐", "thankyou", "thanks", "수고하세요", "수고하셨습니다", "수고많으세요", "수고"}
	farewells = []string{"안녕히계세요", "잘있어요", "잘있어", "다음에또", "바이바이", "bye"}
	aboutBot  = []string{"너누구야", "누구세요", "누구야", "너사람이야", "로봇이야", "챗봇이야", "사람이야", "뭐할수있어", "뭘할수있어", "뭐해줄수있어", "너이름이뭐야", "이름이뭐야"}
	fillers   = []string{"ㅋ", "ㅎ", "ㅠ", "ㅜ", "ㅇㅇ", "네", "예", "요", "님", "봇아", "봇", "챗봇", "너", "는", "도", "정말", "진짜", "너무", "많이", "오늘도", "들"}
)

// Out-of-scope topics: things citizens do ask a city's chatbot that are no
// business of a 120 center. A phrase here means decline even when some word
// of the message happens to match an article.
var outOfScope = []string{
	"로또", "복권", "당첨번호", "당첨될", "1등번호",
	"프러포즈", "프로포즈", "청혼", "고백하기", "고백할", "데이트코스", "데이트장소", "데이트하기",
	"사자성어", "속담", "고사성어", "무슨뜻", "뜻이뭐", "뜻알려", "영어로뭐야", "영어로뭐예요", "영어로뭐라고",
	"뭐입", "뭘입", "입고나가", "입어야", "코디", "옷차림", "패딩입",
	"은행굽", "은행볶", "은행까", "은행껍질", "은행먹", "은행줍", "은행열매",
	"레시피", "끓이는법", "맛있게", "맛집", "요리법", "반찬",
	"주식사", "주식뭐", "주식오", "주식전망", "주식투자", "주식추천", "주식살", "비트코인", "가상화폐", "투자할", "부동산전망", "집값오를",
	"운세", "타로", "사주", "궁합", "꿈해몽", "별자리",
	"노래불러", "노래추천", "영화추천", "드라마추천", "책추천", "농담", "개그", "심심해", "놀아줘", "재밌는얘기",
	"숙제", "문법", "수학문제", "번역해", "써줘", "작성해줘", "축사",
	"경기결과", "누가이겼", "골넣", "스코어",
	"다이어트", "연애", "헤어졌", "여자친구", "남자친구",
	"게임", "넷플릭스", "유튜브", "아이폰", "갤럭시", "인스타",
	"대통령누구", "우주", "점심뭐", "저녁뭐", "뭐먹을까", "배고파", "사랑해",
}

// Feedback to "도움이 되었나요?".
var (
	notHelpful = []string{"아니요", "아니오", "아뇨", "아니", "도움안", "도움이안", "도움이하나도", "안됐", "안되었", "별로", "모르겠", "이해가안", "그게아니", "그거아니", "틀렸", "다른거", "해결안", "소용없", "ㄴㄴ"}
	helpful    = []string{"네", "예", "응", "ㅇㅇ", "도움됐", "도움이됐", "도움되었", "도움이되었", "도움이많이", "감사", "고마", "알겠", "알았", "됐어요", "해결", "좋아요", "좋네요", "굿", "최고", "덕분"}
)

// Requests for the whole article after a short answer.
var morePhrases = []string{"자세히", "자세한", "전체", "전문", "원문", "더알려", "더보여", "다보여", "다알려", "끝까지", "더자세", "더설명", "전부보여", "나머지"}

// fold reduces text as search does; intent phrases are written folded.
func fold(text string) string { return string(korean.Fold(text, korean.Digits).Runes) }

func containsAny(f string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(f, p) {
			return true
		}
	}
	return false
}

// stripAll removes every occurrence of the phrases, longest first as listed
// by the caller, and returns what is left.
func stripAll(f string, lists ...[]string) string {
	for _, l := range lists {
		for _, p := range l {
			f = strings.ReplaceAll(f, p, "")
		}
	}
	return f
}

// wantsHuman reports whether folded text asks for a person.
func wantsHuman(f string) bool { return containsAny(f, humanPhrases) }

// smallTalk returns which kind of small talk folded text is, or "" when it
// holds anything more: "안녕하세요 여권 잃어버렸어요" is a question.
func smallTalk(f string) string {
	if f == "" {
		return ""
	}
	rest := stripAll(f, farewells, aboutBot, greetings, thanks)
	rest = stripAll(rest, fillers)
	if utf8.RuneCountInString(rest) > 1 {
		return ""
	}
	switch {
	case containsAny(f, farewells):
		return "farewell"
	case containsAny(f, aboutBot):
		return "about"
	case containsAny(f, thanks):
		return "thanks"
	case containsAny(f, greetings):
		return "greeting"
	case strings.Trim(f, "ㅋㅎㅠㅜ") == "":
		return "greeting"
	}
	return ""
}

// outOfScopeTopic reports whether folded text is about something that is not
// a city's business.
func outOfScopeTopic(f string) bool { return containsAny(f, outOfScope) }

// feedback reads a short reply to "도움이 되었나요?": +1 helped, -1 did not,
// 0 when the text is something else (most likely a new question).
func feedback(f string) int {
	if f == "" || utf8.RuneCountInString(f) > 16 {
		return 0
	}
	// "아니 왜 버스가 안 와요" starts like a no but is a question: what is
	// left beside the feedback words must be little more than an ending.
	if rest := stripAll(f, notHelpful, helpful, replyWords); utf8.RuneCountInString(rest) > 3 {
		return 0
	}
	if containsAny(f, notHelpful) {
		return -1
	}
	if containsAny(f, helpful) {
		return 1
	}
	return 0
}

// replyWords are what surrounds a yes, a no or "자세히" in a short reply.
var replyWords = []string{
	"알려주세요", "알려줘요", "알려줘", "보여주세요", "보여줘", "설명해주세요", "말해주세요", "주세요", "부탁해요", "부탁드려요",
	"했어요", "었어요", "었습니다", "습니다", "합니다", "됐어요", "되었어요", "됐네요", "네요", "어요", "해요", "에요", "예요", "이요",
	"하나도", "전혀", "정말", "진짜", "많이", "너무", "그냥", "좀", "잘", "더", "내용", "안내", "그거", "이거", "요", "은", "는", "이", "가", "도", "을", "를",
	"ㅠ", "ㅜ", "ㅎ", "ㅋ",
}

// wantsMore reports whether folded text asks for the whole article rather
// than something new: "자세히 알려주세요" does, "전입신고 자세히 알려주세요" is
// a question about 전입신고.
func wantsMore(f string) bool {
	if utf8.RuneCountInString(f) > 16 || !containsAny(f, morePhrases) {
		return false
	}
	return utf8.RuneCountInString(stripAll(f, morePhrases, replyWords)) <= 2
}

// ordinals name the options of a clarifying question by position.
var ordinals = [][]string{
	{"1", "첫", "하나", "앞에", "위에", "먼저"},
	{"2", "두번", "둘", "두째", "둘째", "다음거", "아래", "뒤에", "두개째"},
	{"3", "세번", "셋", "세째", "셋째", "마지막"},
	{"4", "네번", "넷", "넷째"},
	{"5", "다섯"},
}

// choice picks one of n options from the citizen's answer to a clarifying
// question: by number ("2", "2번", "두 번째") or by the words of a title.
// It returns -1 when the text names none of them.
func choice(text string, opts []Suggestion) int {
	f := fold(text)
	if f == "" {
		return -1
	}
	short := utf8.RuneCountInString(f) <= 8
	if short {
		for i := 0; i < len(opts) && i < len(ordinals); i++ {
			for _, w := range ordinals[i] {
				if strings.HasPrefix(f, w) {
					if i == len(opts)-1 || w != "마지막" {
						return i
					}
				}
			}
		}
		if strings.HasPrefix(f, "마지막") || strings.HasPrefix(f, "뒤에") || strings.HasPrefix(f, "아래") {
			return len(opts) - 1
		}
	}
	// By words: the option whose title shares the most bigrams with the
	// answer, when it is the only one with that many.
	best, bestN, tie := -1, 0, false
	for i, o := range opts {
		n := sharedBigrams(f, fold(o.Title))
		switch {
		case n > bestN:
			best, bestN, tie = i, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if tie || bestN == 0 {
		return -1
	}
	return best
}

func sharedBigrams(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	in := make(map[string]bool, len(rb))
	for i := 0; i+1 < len(rb); i++ {
		in[string(rb[i:i+2])] = true
	}
	n := 0
	seen := make(map[string]bool)
	for i := 0; i+1 < len(ra); i++ {
		g := string(ra[i : i+2])
		if in[g] && !seen[g] {
			seen[g] = true
			n++
		}
	}
	return n
}
