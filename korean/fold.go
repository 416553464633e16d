package korean

import (
	"unicode"
	"unicode/utf8"
)

// Options choose what Fold keeps and how far it reads through disguises.
// The zero value is what search wants from a document: letters lower-cased,
// jamo composed, spaces, symbols and digits dropped.
type Options uint8

const (
	// Digits keeps digits as runes; without it they are dropped and noted as
	// a GapDigit, so 시1발 folds to 시발.
	Digits Options = 1 << iota
	// Squeezed folds stretched letters, as Squeeze does.
	Squeezed
	// Masks keeps masking symbols (씨X, 시*발, 병○) as the rune Mask instead
	// of dropping them, so a matcher can read each as a hidden syllable.
	Masks
	// LookAlikes reads 1, l, I, | and ! between a consonant jamo and Hangul
	// as ㅣ (ㅆ1발), and c before a syllable as 씨 (c발).
	LookAlikes
	// Qwerty reads ASCII letters as keys of a 2-set (두벌식) keyboard, as
	// FromQwerty does (tlqkf → 시발).
	Qwerty
	// SpacedJamo composes jamo typed one per word (ㅆ ㅣ ㅂ ㅏ ㄹ → 씨발).
	SpacedJamo
)

// Mask stands for a masking symbol kept under the Masks option.
const Mask = '*'

// Gap records what Fold dropped just before a rune.
type Gap uint8

const (
	GapSpace  Gap = 1 << iota // white space
	GapSymbol                 // punctuation, symbols, emoji
	GapDigit                  // digits, when Digits is off
)

// Text is folded text: the runes kept, and for each the byte range of the
// source it came from and what was dropped before it. A run of runes i..j-1
// therefore points back at source[Start[i]:End[j-1]], which is how a match
// in folded text marks the original.
type Text struct {
	Runes      []rune
	Start, End []int
	Gaps       []Gap

	items []item // scratch for the first pass, kept for reuse
}

type item struct {
	r          rune
	start, end int
	gap        Gap
	conjFinal  bool // a conjoining trailing consonant
	lone       bool // a jamo standing alone between spaces
}

// Fold returns s folded under opts. Fold(s, Digits) is what search needs:
// letters of any script lower-cased, digits kept, spaces and punctuation
// dropped, jamo composed, with the source offsets of every rune.
func Fold(s string, opts Options) *Text {
	t := new(Text)
	t.Fold(s, opts)
	return t
}

// Fold refolds t from s, reusing its memory; a Text kept per goroutine makes
// folding allocation-free once warm.
func (t *Text) Fold(s string, opts Options) { t.fold(s, opts&^keepAll) }

// Len returns the number of folded runes.
func (t *Text) Len() int { return len(t.Runes) }

// String returns the folded runes as a string.
func (t *Text) String() string { return string(t.Runes) }

// Span returns the source byte range of runes i..j-1.
func (t *Text) Span(i, j int) (start, end int) {
	if i >= j || i >= len(t.Runes) {
		return 0, 0
	}
	return t.Start[i], t.End[j-1]
}

// WordStart reports whether rune i begins a word: it is first, or space or
// punctuation was dropped before it.
func (t *Text) WordStart(i int) bool {
	return i <= 0 || i >= len(t.Runes) || t.Gaps[i]&(GapSpace|GapSymbol) != 0
}

// WordEnd reports whether a word ends just before rune j.
func (t *Text) WordEnd(j int) bool {
	return j >= len(t.Runes) || j <= 0 || t.Gaps[j]&(GapSpace|GapSymbol) != 0
}

// maskSymbols are the characters people write in place of a letter.
func isMaskSymbol(r rune) bool {
	switch r {
	case '*', '＊', '○', '●', '◯', '◎', 'ⓧ', '♡', '♥', '□', '■', '△', '▲', '☆', '★', '◇', '◆', '#', '@', '$', '%', '&', '＠', '＃', '×':
		return true
	}
	return false
}

func isASCIILetter(r rune) bool {
	return r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
}

func (t *Text) fold(s string, opts Options) {
	all := opts&keepAll != 0
	items := t.items[:0]
	var gap Gap
	prevHangul := false // the previous kept item was Hangul with at most spaces since
	xRunMask := false   // inside an ASCII run of x/X that reads as masks
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		at := i
		i += w
		if c, final, ok := fromConjoining(r); ok {
			items = append(items, item{r: c, start: at, end: i, gap: gap, conjFinal: final})
			gap, prevHangul = 0, true
			continue
		}
		if IsSyllable(r) {
			// The common case, first: a syllable is kept as it is.
			items = append(items, item{r: r, start: at, end: i, gap: gap})
			gap, prevHangul = 0, true
			continue
		}
		if all {
			if opts&Qwerty != 0 && isASCIILetter(r) {
				r = qwertyJamo(r)
			}
			items = append(items, item{r: r, start: at, end: i})
			continue
		}
		switch {
		case unicode.IsSpace(r):
			gap |= GapSpace
			continue
		case opts&Qwerty != 0 && isASCIILetter(r):
			r = qwertyJamo(r)
		case opts&Masks != 0 && (r == 'x' || r == 'X'):
			if at == 0 || !isASCIILetter(rune(s[at-1])) {
				xRunMask = xRunIsMask(s, at, prevHangul && gap&^GapSpace == 0)
			}
			if xRunMask {
				r = Mask
			}
		case opts&Masks != 0 && isMaskSymbol(r):
			r = Mask
		case opts&LookAlikes != 0 && (r == '1' || r == 'l' || r == 'I' || r == '|' || r == '!') &&
			gap == 0 && len(items) > 0 && IsConsonant(items[len(items)-1].r) && nextIsHangul(s, i):
			r = 'ㅣ'
		case opts&LookAlikes != 0 && (r == 'c' || r == 'C') && (at == 0 || !isASCIILetter(rune(s[at-1]))) && nextIsSyllable(s, i):
			r = '씨'
		case unicode.IsLetter(r):
			r = unicode.ToLower(r)
		case unicode.IsDigit(r):
			if opts&Digits == 0 {
				gap |= GapDigit
				prevHangul = false
				continue
			}
		default:
			gap |= GapSymbol
			prevHangul = false
			continue
		}
		items = append(items, item{r: r, start: at, end: i, gap: gap})
		gap = 0
		prevHangul = IsHangul(r)
	}
	if opts&SpacedJamo != 0 {
		for k := range items {
			items[k].lone = IsJamo(items[k].r) && (k == 0 || items[k].gap != 0) && (k+1 == len(items) || items[k+1].gap != 0)
		}
	}
	t.items = items
	t.Runes, t.Start, t.End, t.Gaps = t.Runes[:0], t.Start[:0], t.End[:0], t.Gaps[:0]
	t.compose(items, opts&Squeezed != 0)
}

// xRunIsMask reports whether the run of ASCII letters starting at s[at:] is
// all x/X and has Hangul on either side, at most a space away (병x, XX같은,
// 씨 X), which is how people mask a syllable; xbox stays a word.
func xRunIsMask(s string, at int, hangulBefore bool) bool {
	j := at
	for j < len(s) && isASCIILetter(rune(s[j])) {
		if s[j] != 'x' && s[j] != 'X' {
			return false
		}
		j++
	}
	for j < len(s) && s[j] == ' ' && j < at+8 {
		j++
	}
	return hangulBefore || nextIsHangul(s, j)
}

func nextIsHangul(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return IsHangul(r)
}

func nextIsSyllable(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return IsSyllable(r)
}

// compose turns items into t's runes: runs of adjacent compatibility jamo
// become syllables where they form one, a conjoining final closes the
// syllable before it, and with squeeze stretched letters are folded.
func (t *Text) compose(items []item, squeeze bool) {
	adj := func(k int) bool {
		return k < len(items) && (items[k].gap == 0 || items[k].gap == GapSpace && items[k].lone && items[k-1].lone)
	}
	for k := 0; k < len(items); {
		it := items[k]
		if it.conjFinal && it.gap == 0 && len(t.Runes) > 0 {
			// NFD text: a trailing consonant after a precomposed open syllable.
			if c, ok := withFinal(t.Runes[len(t.Runes)-1], it.r); ok {
				t.Runes[len(t.Runes)-1] = c
				t.End[len(t.End)-1] = it.end
				k++
				continue
			}
		}
		if IsConsonant(it.r) && initialIndex[it.r-jamoFirst] >= 0 && adj(k+1) && IsVowel(items[k+1].r) {
			l, v := it.r, items[k+1].r
			j := k + 2
			if adj(j) && IsVowel(items[j].r) {
				if c, ok := compoundVowel[[2]rune{v, items[j].r}]; ok {
					v = c
					j++
				}
			}
			var f rune
			startsNext := func(j int) bool { return adj(j+1) && IsVowel(items[j+1].r) }
			if adj(j) && IsConsonant(items[j].r) && finalIndex[items[j].r-jamoFirst] >= 0 && !startsNext(j) {
				f = items[j].r
				j++
				if adj(j) && IsConsonant(items[j].r) && !startsNext(j) {
					if c, ok := finalCluster[[2]rune{f, items[j].r}]; ok {
						f = c
						j++
					}
				}
			}
			syl, _ := Join(l, v, f)
			t.emit(syl, it.start, items[j-1].end, it.gap, squeeze)
			k = j
			continue
		}
		t.emit(it.r, it.start, it.end, it.gap, squeeze)
		k++
	}
}

// emit appends one rune, folding it into the previous one when squeezing
// and it only stretches that one.
func (t *Text) emit(r rune, start, end int, gap Gap, squeeze bool) {
	n := len(t.Runes)
	if squeeze && gap == 0 && n > 0 && r != Mask && !('0' <= r && r <= '9') {
		last := t.Runes[n-1]
		stretch := false
		if l, v, f, ok := Split(r); ok && l == 'ㅇ' && echoes(last, v) {
			if f == 0 {
				stretch = true
			} else if c, ok := withFinal(last, f); ok {
				t.Runes[n-1] = c
				stretch = true
			}
		} else if IsVowel(r) && IsSyllable(last) {
			stretch = echoes(last, r)
		} else if r == last {
			limit := 2
			if r < utf8.RuneSelf {
				limit = 1
			}
			run := 1
			for k := n - 2; k >= 0 && t.Runes[k] == r && t.Gaps[k+1] == 0; k-- {
				run++
			}
			stretch = run >= limit
		}
		if stretch {
			t.End[n-1] = end
			return
		}
	}
	t.Runes = append(t.Runes, r)
	t.Start = append(t.Start, start)
	t.End = append(t.End, end)
	t.Gaps = append(t.Gaps, gap)
}

// echoes reports whether vowel v only stretches open syllable s: the same
// vowel, or the one a compound vowel ends on (쉬이 → 쉬, 봐아 → 봐).
func echoes(s, v rune) bool {
	_, sv, f, ok := Split(s)
	if !ok || f != 0 {
		return false
	}
	if sv == v {
		return true
	}
	switch sv {
	case 'ㅘ', 'ㅑ':
		return v == 'ㅏ'
	case 'ㅝ', 'ㅕ':
		return v == 'ㅓ'
	case 'ㅛ':
		return v == 'ㅗ'
	case 'ㅠ':
		return v == 'ㅜ'
	case 'ㅟ', 'ㅢ':
		return v == 'ㅣ'
	case 'ㅙ', 'ㅒ':
		return v == 'ㅐ'
	case 'ㅞ', 'ㅖ', 'ㅚ':
		return v == 'ㅔ'
	}
	return false
}
