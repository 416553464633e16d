// Package korean is the one place minwon handles Korean text: composing
// jamo into syllables, splitting syllables into jamo, initial consonants
// (초성), folding text for matching with offsets back to the source,
// squeezing stretched letters, reading English-keyboard typing as 2-set
// (두벌식) Hangul and a jamo-level edit distance. Knowledge-base search, the
// bot and the guard share it so that "여권 발급" and "ㅇㅕ권발급" mean the same
// everywhere.
package korean

import (
	"strings"
	"unicode/utf8"
)

// Hangul syllable arithmetic from the Unicode standard, chapter 3.12.
const (
	syllableBase = 0xAC00
	syllableLast = 0xD7A3
	vowelCount   = 21
	finalCount   = 28 // including "no final"
	perInitial   = vowelCount * finalCount
)

// Compatibility jamo, the letters a Korean keyboard types on their own.
var (
	initialJamo = [19]rune{'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'}
	vowelJamo   = [21]rune{'ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ', 'ㅟ', 'ㅠ', 'ㅡ', 'ㅢ', 'ㅣ'}
	finalJamo   = [28]rune{0, 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'}
)

const (
	jamoFirst = 0x3131 // ㄱ
	jamoLast  = 0x3163 // ㅣ
	jamoSpan  = jamoLast - jamoFirst + 1
)

// Reverse tables indexed by r-jamoFirst; -1 where the jamo has no such role.
var initialIndex, vowelIndex, finalIndex [jamoSpan]int8

func init() {
	for i := range initialIndex {
		initialIndex[i], vowelIndex[i], finalIndex[i] = -1, -1, -1
	}
	for i, r := range initialJamo {
		initialIndex[r-jamoFirst] = int8(i)
	}
	for i, r := range vowelJamo {
		vowelIndex[r-jamoFirst] = int8(i)
	}
	for i, r := range finalJamo[1:] {
		finalIndex[r-jamoFirst] = int8(i + 1)
	}
}

// Compound vowels and final clusters typed as two keys.
var (
	compoundVowel = map[[2]rune]rune{
		{'ㅗ', 'ㅏ'}: 'ㅘ', {'ㅗ', 'ㅐ'}: 'ㅙ', {'ㅗ', 'ㅣ'}: 'ㅚ',
		{'ㅜ', 'ㅓ'}: 'ㅝ', {'ㅜ', 'ㅔ'}: 'ㅞ', {'ㅜ', 'ㅣ'}: 'ㅟ',
		{'ㅡ', 'ㅣ'}: 'ㅢ',
	}
	finalCluster = map[[2]rune]rune{
		{'ㄱ', 'ㅅ'}: 'ㄳ', {'ㄴ', 'ㅈ'}: 'ㄵ', {'ㄴ', 'ㅎ'}: 'ㄶ',
		{'ㄹ', 'ㄱ'}: 'ㄺ', {'ㄹ', 'ㅁ'}: 'ㄻ', {'ㄹ', 'ㅂ'}: 'ㄼ', {'ㄹ', 'ㅅ'}: 'ㄽ',
		{'ㄹ', 'ㅌ'}: 'ㄾ', {'ㄹ', 'ㅍ'}: 'ㄿ', {'ㄹ', 'ㅎ'}: 'ㅀ', {'ㅂ', 'ㅅ'}: 'ㅄ',
	}
)

// IsSyllable reports whether r is a precomposed Hangul syllable (가–힣).
func IsSyllable(r rune) bool { return r >= syllableBase && r <= syllableLast }

// IsJamo reports whether r is a modern compatibility jamo (ㄱ–ㅣ).
func IsJamo(r rune) bool { return r >= jamoFirst && r <= jamoLast }

// IsConsonant reports whether r is a compatibility consonant, clusters such as
// ㄳ included.
func IsConsonant(r rune) bool { return r >= jamoFirst && r < 'ㅏ' }

// IsVowel reports whether r is a compatibility vowel (ㅏ–ㅣ).
func IsVowel(r rune) bool { return r >= 'ㅏ' && r <= jamoLast }

// IsHangul reports whether r is a syllable or a compatibility jamo.
func IsHangul(r rune) bool { return IsSyllable(r) || IsJamo(r) }

// Split returns the initial consonant, vowel and final consonant of a
// syllable as compatibility jamo; final is 0 for an open syllable. ok is false
// when r is not a syllable.
func Split(r rune) (initial, vowel, final rune, ok bool) {
	if !IsSyllable(r) {
		return 0, 0, 0, false
	}
	n := r - syllableBase
	return initialJamo[n/perInitial], vowelJamo[n%perInitial/finalCount], finalJamo[n%finalCount], true
}

// Join builds a syllable from compatibility jamo; final 0 means none. ok is
// false when the jamo cannot take those places (a vowel as initial, ㄸ as a
// final, …).
func Join(initial, vowel, final rune) (rune, bool) {
	if !IsJamo(initial) || !IsJamo(vowel) {
		return 0, false
	}
	l, v := initialIndex[initial-jamoFirst], vowelIndex[vowel-jamoFirst]
	if l < 0 || v < 0 {
		return 0, false
	}
	t := int8(0)
	if final != 0 {
		if !IsJamo(final) {
			return 0, false
		}
		if t = finalIndex[final-jamoFirst]; t < 0 {
			return 0, false
		}
	}
	return syllableBase + rune(l)*perInitial + rune(v)*finalCount + rune(t), true
}

// Initial returns the initial consonant of a syllable, or r itself when r is
// not a syllable.
func Initial(r rune) rune {
	if !IsSyllable(r) {
		return r
	}
	return initialJamo[(r-syllableBase)/perInitial]
}

// withFinal returns open syllable s closed by final, or false when s already
// has a final or final cannot close a syllable.
func withFinal(s, final rune) (rune, bool) {
	if !IsSyllable(s) || (s-syllableBase)%finalCount != 0 || !IsJamo(final) {
		return 0, false
	}
	t := finalIndex[final-jamoFirst]
	if t < 0 {
		return 0, false
	}
	return s + rune(t), true
}

// fromConjoining maps a conjoining jamo (U+1100 block, as NFD text and some
// IMEs send it) to its compatibility form. final reports a trailing
// consonant, which alone may close a precomposed syllable before it.
func fromConjoining(r rune) (c rune, final, ok bool) {
	switch {
	case r >= 0x1100 && r <= 0x1112:
		return initialJamo[r-0x1100], false, true
	case r >= 0x1161 && r <= 0x1175:
		return vowelJamo[r-0x1161], false, true
	case r >= 0x11A8 && r <= 0x11C2:
		return finalJamo[r-0x11A8+1], true, true
	}
	return 0, false, false
}

// Compose returns s with conjoining jamo and runs of compatibility jamo
// composed into syllables where they form one (ㅆㅣㅂㅏㄹ → 씨발, NFD 한 → 한).
// Jamo that form no syllable (ㅋㅋ, ㅠㅠ, ㅅㅂ) are kept, and a compatibility
// jamo never attaches to a syllable typed before it, so 아ㅋㅋ stays as is.
func Compose(s string) string {
	if !hasJamo(s) {
		return s
	}
	var t Text
	t.fold(s, keepAll)
	return t.String()
}

func hasJamo(s string) bool {
	for _, r := range s {
		if IsJamo(r) || (r >= 0x1100 && r <= 0x11FF) {
			return true
		}
	}
	return false
}

// Decompose returns s with every syllable written as compatibility jamo:
// 씨발 → ㅆㅣㅂㅏㄹ. Compound vowels and final clusters stay one jamo.
func Decompose(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	for _, r := range s {
		if l, v, f, ok := Split(r); ok {
			b.WriteRune(l)
			b.WriteRune(v)
			if f != 0 {
				b.WriteRune(f)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Initials returns s with each syllable replaced by its initial consonant
// (초성): 안녕하세요 → ㅇㄴㅎㅅㅇ. Other characters are kept.
func Initials(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(Initial(r))
	}
	return b.String()
}

// Squeeze folds stretched letters: a syllable that only repeats the vowel of
// the one before it (시이이발 → 시발, 바알 → 발) and runs of one letter longer
// than two (ㅋㅋㅋㅋ → ㅋㅋ; Latin letters to one). Spaces and symbols are kept
// and break a stretch.
func Squeeze(s string) string {
	var t Text
	t.fold(s, keepAll|Squeezed)
	return t.String()
}

// keepAll is the internal option that keeps every character, for the string
// helpers above.
const keepAll Options = 1 << 7

func runeLen(r rune) int {
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return 3
}
