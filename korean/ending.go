package korean

import (
	"strings"
	"unicode/utf8"
)

// endings are the particles (조사) and verb endings (어미) citizens put after
// the word that carries the meaning, longest first within each length so the
// longest match wins. A light verb (하다, 받다, 되다) with its ending goes
// with the ending: 신청하려면 → 신청, 발급받으려면 → 발급.
var endings = func() []string {
	list := []string{
		// Light verb + ending, the way questions end.
		"하려고하는데요", "하고싶은데요", "하고싶어요", "받고싶어요", "하려고요", "하려는데요", "하려는데",
		"하려면요", "하려면", "할려면", "받으려면", "받을려면", "되려면", "하는방법", "받는방법", "하는법", "받는법",
		"했는데요", "했는데", "하는데요", "하는데", "해주세요", "해줘요", "해야돼요", "해야해요", "해야하나요",
		"하나요", "하죠", "해요", "했어요", "합니다", "하면", "하기", "하는", "할",
		"받나요", "받아요", "받기", "받는", "받을", "받으면", "되나요", "돼요", "됐어요", "되는", "되면",
		"시키려면", "시켜요",
		// Copula and question endings on nouns.
		"인가요", "이에요", "예요", "인데요", "인데", "입니다", "이요", "은요", "는요", "요",
		// Particles, compound first.
		"에서는", "에서도", "으로는", "에게서", "한테서", "까지는", "부터는", "이라도", "라도",
		"에서", "으로", "에게", "한테", "까지", "부터", "처럼", "보다", "하고", "이랑", "랑",
		"은", "는", "이", "가", "을", "를", "에", "로", "의", "도", "만", "와", "과", "께",
		// Verb endings on their own, after a verb stem the dictionary cannot know.
		"으려면", "려면", "으면", "나요", "어요", "아요", "세요", "는데",
	}
	// Longest first, so 에서는 is tried before 는.
	out := make([]string, 0, len(list))
	for n := 8; n >= 1; n-- {
		for _, e := range list {
			if utf8.RuneCountInString(e) == n {
				out = append(out, e)
			}
		}
	}
	return out
}()

// TrimEnding removes one particle or verb ending from the end of a word, and
// a light verb with it: 여권을 → 여권, 신청하려면 → 신청, 과태료는요 → 과태료.
// At least two syllables are always left, so short nouns that end like a
// particle (나이, 차도) are kept whole: a one-syllable stem is too short to
// search for anyway.
func TrimEnding(word string) string {
	n := utf8.RuneCountInString(word)
	for _, e := range endings {
		if strings.HasSuffix(word, e) && n-utf8.RuneCountInString(e) >= 2 {
			return word[:len(word)-len(e)]
		}
	}
	return word
}

// fillers are words of a question that say how it is asked, not what about:
// a search for "여권 어떻게 만들어요" is a search for 여권.
var fillers = map[string]bool{
	"어떻게": true, "어디서": true, "어디에서": true, "어디로": true, "어디": true, "언제": true, "언제까지": true,
	"무엇": true, "뭐": true, "뭔가요": true, "뭐예요": true, "뭐에요": true, "왜": true, "얼마": true, "얼마나": true,
	"좀": true, "그": true, "저": true, "제가": true, "저는": true, "혹시": true, "그냥": true, "지금": true,
	"알려주세요": true, "알려줘요": true, "알고싶어요": true, "궁금해요": true, "궁금합니다": true, "문의": true,
	"해요": true, "하나요": true, "되나요": true, "있나요": true, "있어요": true, "없나요": true, "가능한가요": true,
	"방법": true, "방법은": true, "하는법": true, "요": true, "네": true, "안녕하세요": true,
	// The way citizens frame a question in a chat window.
	"어떡해요": true, "어떡하죠": true, "어떻게요": true, "얼마예요": true, "뭘": true, "뭐가": true, "무슨": true, "꼭": true, "내가": true, "나": true, "우리": true, "그럼": true, "근데": true, "그런데": true, "아": true, "음": true, "저기": true, "저기요": true, "있잖아요": true, "하죠": true, "하면": true, "해야": true, "해야돼요": true, "해야하나요": true, "돼요": true, "되요": true, "되죠": true, "될까요": true, "있죠": true, "없어요": true, "싶어요": true, "싶은데": true, "싶은데요": true, "알려줘": true, "알고": true, "궁금한데요": true, "문의요": true, "문의드려요": true, "주세요": true, "가능해요": true, "방법이": true, "하는": true, "하는데": true, "거": true, "것": true, "게": true, "수": true, "건가요": true, "거예요": true, "건지": true, "건데": true, "인가요": true, "이에요": true, "예요": true,
}

// IsFiller reports whether a word only frames a question (어떻게, 알려주세요,
// 혹시) and says nothing about what is asked. The word is compared folded.
func IsFiller(word string) bool { return fillers[word] }

// EachNear calls fn with every syllable one jamo away from syllable r: its
// initial, vowel or final replaced by another one, or a final added or
// dropped (발 → 밝, 바, 벌, 팔 …). These are the slips of a 2-set keyboard
// and of spelling. It calls nothing when r is not a syllable.
func EachNear(r rune, fn func(rune)) {
	l, v, f, ok := Split(r)
	if !ok {
		return
	}
	for _, x := range initialJamo {
		if x != l {
			s, _ := Join(x, v, f)
			fn(s)
		}
	}
	for _, x := range vowelJamo {
		if x != v {
			s, _ := Join(l, x, f)
			fn(s)
		}
	}
	for _, x := range finalJamo {
		if x != f {
			s, _ := Join(l, v, x)
			fn(s)
		}
	}
}

// EachWithInitial calls fn with every syllable that begins with consonant c
// (ㅂ → 바, 박, … 빟), which is what a syllable still being typed may become:
// 주민등록등ㅂ is on its way to 등본. It calls nothing when c cannot begin a
// syllable.
func EachWithInitial(c rune, fn func(rune)) {
	if !IsJamo(c) || initialIndex[c-jamoFirst] < 0 {
		return
	}
	base := syllableBase + rune(initialIndex[c-jamoFirst])*perInitial
	for s := base; s < base+perInitial; s++ {
		fn(s)
	}
}

// SwapAcross undoes a transposition of the two jamo either side of a
// syllable boundary: the final of a and the initial of b swap places
// (박릅 → 발급, typing ㄱ before ㄹ). ok is false when a has no final or the
// swap does not give two syllables.
func SwapAcross(a, b rune) (x, y rune, ok bool) {
	al, av, af, ok1 := Split(a)
	bl, bv, bf, ok2 := Split(b)
	if !ok1 || !ok2 || af == 0 || af == bl {
		return 0, 0, false
	}
	x, ok1 = Join(al, av, bl)
	y, ok2 = Join(af, bv, bf)
	return x, y, ok1 && ok2
}

// IsInitials reports whether folded runes rs are only consonant jamo, at
// least two of them: a search typed as initial consonants (ㅇㄱㅂㄱ for 여권발급).
func IsInitials(rs []rune) bool {
	if len(rs) < 2 {
		return false
	}
	for _, r := range rs {
		if !IsConsonant(r) {
			return false
		}
	}
	return true
}
