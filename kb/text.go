package kb

import (
	"unicode"
	"unicode/utf8"
)

// folded is text reduced to what search compares: lower-case letters and
// digits with spaces and punctuation removed, so "여권 발급" and "여권발급" fold
// to the same runes. start and end map each rune back to byte offsets in the
// source, which is how a snippet is cut from the original text.
type folded struct {
	runes      []rune
	start, end []int
}

// fold reduces s for searching; with offsets false only runes is filled.
// Hangul typed as conjoining jamo (as macOS and some IMEs send it) is composed
// into syllables here, the one part of NFC that matters for Korean search;
// full Unicode normalisation is left to a later change.
func fold(s string, offsets bool) folded {
	var f folded
	f.runes = make([]rune, 0, len(s)/2)
	if offsets {
		f.start = make([]int, 0, len(s)/2)
		f.end = make([]int, 0, len(s)/2)
	}
	lastEnd := -1 // source offset just past the previous kept rune
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		at := i
		i += w
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		r = unicode.ToLower(r)
		if n := len(f.runes); n > 0 && lastEnd == at {
			if c, ok := composeHangul(f.runes[n-1], r); ok {
				f.runes[n-1] = c
				if offsets {
					f.end[n-1] = i
				}
				lastEnd = i
				continue
			}
		}
		f.runes = append(f.runes, r)
		if offsets {
			f.start = append(f.start, at)
			f.end = append(f.end, i)
		}
		lastEnd = i
	}
	return f
}

// Hangul syllable arithmetic from the Unicode standard, chapter 3.12.
const (
	hangulBase = 0xAC00
	hangulLast = 0xD7A3
	leadBase   = 0x1100
	vowelBase  = 0x1161
	tailBase   = 0x11A7 // one before the first trailing consonant: tail 0 means none
	leadCount  = 19
	vowelCount = 21
	tailCount  = 28
)

// composeHangul joins a leading consonant and a vowel, or an open syllable and
// a trailing consonant, into one precomposed syllable.
func composeHangul(a, b rune) (rune, bool) {
	if a >= leadBase && a < leadBase+leadCount && b >= vowelBase && b < vowelBase+vowelCount {
		return hangulBase + ((a-leadBase)*vowelCount+(b-vowelBase))*tailCount, true
	}
	if a >= hangulBase && a <= hangulLast && (a-hangulBase)%tailCount == 0 &&
		b > tailBase && b < tailBase+tailCount {
		return a + (b - tailBase), true
	}
	return 0, false
}

// queryGrams returns the distinct keys a query is looked up by: its bigrams,
// or the rune itself when there is only one, because a one-syllable query
// ("쓰") has no bigram.
func queryGrams(rs []rune) []string {
	if len(rs) == 1 {
		return []string{string(rs)}
	}
	seen := make(map[string]struct{}, len(rs))
	out := make([]string, 0, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		g := string(rs[i : i+2])
		if _, ok := seen[g]; !ok {
			seen[g] = struct{}{}
			out = append(out, g)
		}
	}
	return out
}

// eachIndexGram calls fn for every key a field is indexed under: each rune,
// so one-syllable queries work, and each bigram. Keys may repeat.
func eachIndexGram(rs []rune, fn func(string)) {
	for i := range rs {
		fn(string(rs[i]))
		if i+1 < len(rs) {
			fn(string(rs[i : i+2]))
		}
	}
}
