package guard

import (
	"strings"
	"unicode/utf8"

	"github.com/minwon/minwon/korean"
)

// Digits read as a curse: 18 sounds like 씨팔 (십팔), 씨8 and c8 are 씨팔,
// 10새 is 십새. Whether 18 is a number or a curse depends on what stands
// around it: 18세 미만, 18번 버스 and 2018년 are numbers; 아18, 18놈 and
// 씨18 are curses; a bare 18 is left to the model as a weak feature.
type digitHit struct {
	name       string
	start, end int
	strong     bool
}

// numberUnits are counters and units that make the digits before them a
// number.
var numberUnits = []string{
	"시간", "학년", "년생", "년도", "개월", "가지", "인분", "마리", "번지", "번째", "호선", "퍼센트", "프로", "리터",
	"세", "살", "시", "분", "초", "일", "월", "개", "명", "번", "층", "호", "원", "만", "억", "천", "백", "평",
	"도", "동", "회", "차", "대", "건", "장", "권", "위", "기", "학", "주", "달", "인", "곳", "통", "병", "잔",
	"점", "등", "키", "kg", "km", "cm", "mm", "m", "g", "%", "대", "석", "쪽", "줄", "편", "칸", "부", "배",
}

var (
	curseAfter18  = runeSet("놈넘롬새색쉐련뇬럼것아야")
	curseBefore18 = runeSet("아씨시개좆런ㅅㅆ")
	curseBefore8  = runeSet("씨시ㅅㅆ")
	curseAfter10  = runeSet("새쉐쌔색창팔")
)

func digitHits(src string, out []digitHit) []digitHit {
	for a := 0; a < len(src); a++ {
		if !isDigit(src[a]) {
			continue
		}
		b := a
		for b < len(src) && isDigit(src[b]) {
			b++
		}
		run := src[a:b]
		at := a
		a = b
		// Part of a larger number: 1.18, 18:30, 18,000, 제18회.
		if at > 0 && strings.ContainsRune(".,:/-", rune(src[at-1])) && at > 1 && isDigit(src[at-2]) {
			continue
		}
		if b+1 < len(src) && strings.ContainsRune(".,:/", rune(src[b])) && isDigit(src[b+1]) {
			continue
		}
		prev, pw := utf8.DecodeLastRuneInString(src[:at])
		next, nw := utf8.DecodeRuneInString(src[b:])
		if prev == '제' || prev == '第' {
			continue
		}
		switch run {
		case "18":
			rest := strings.TrimLeft(src[b:], " ")
			if isNumberUnit(rest) {
				continue
			}
			h := digitHit{name: "18", start: at, end: b}
			switch {
			case curseAfter18[key(next)] && !((next == '아' || next == '야') && nextIsSyllable(src, b+nw)):
				// 18놈, 18새끼; 18아 only as a call (18아!), not 18아파트.
				h.strong, h.end = true, b+nw
			case curseBefore18[key(prev)] || prev == 'c' || prev == 'C':
				h.strong, h.start = true, at-pw
			case next == '년':
				h.end = b + nw // 18년: years or 씨팔년; the model decides
			case korean.IsHangul(next) || isASCIILetterRune(next):
				continue // 18번째, 18kg: a number in a word we do not know
			}
			out = append(out, h)
		case "8":
			if (curseBefore8[key(prev)] || prev == 'c' || prev == 'C') && !isNumberUnit(src[b:]) {
				out = append(out, digitHit{name: "씨8", start: at - pw, end: b, strong: true})
			}
		case "10":
			if curseAfter10[key(next)] {
				out = append(out, digitHit{name: "10새", start: at, end: b + nw, strong: true})
			}
		}
	}
	return out
}

func isNumberUnit(s string) bool {
	for _, u := range numberUnits {
		if strings.HasPrefix(s, u) {
			return true
		}
	}
	return false
}

func isASCIILetterRune(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

func nextIsSyllable(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return korean.IsSyllable(r)
}
