package kb

import (
	"github.com/minwon/minwon/korean"
)

// folded is text reduced to what search compares: lower-case letters and
// digits with spaces and punctuation removed, so "여권 발급" and "여권발급" fold
// to the same runes. start and end map each rune back to byte offsets in the
// source, which is how a snippet is cut from the original text.
type folded struct {
	runes      []rune
	start, end []int
}

// fold reduces s for searching with the project's one Korean folding
// (package korean): letters lower-cased, digits kept, spaces and punctuation
// dropped, jamo composed into syllables. The offsets are filled either way;
// offsets=false only tells that the caller ignores them.
func fold(s string, offsets bool) folded {
	t := korean.Fold(s, korean.Digits)
	if !offsets {
		return folded{runes: t.Runes}
	}
	return folded{runes: t.Runes, start: t.Start, end: t.End}
}

// A key is what the index is looked up by, packed into an integer so that
// building and searching allocate no strings: one rune (for one-syllable
// queries), two adjacent runes, or, with initialsKey set, the initial
// consonants (초성) of two adjacent runes.
type key uint64

const initialsKey key = 1 << 63

func unigram(r rune) key       { return key(uint32(r)) << 32 }
func bigram(a, b rune) key     { return key(uint32(a))<<32 | key(uint32(b)) }
func initialsOf(a, b rune) key { return initialsKey | bigram(korean.Initial(a), korean.Initial(b)) }

// runes returns the runes of a key, the second 0 for a unigram.
func (k key) runes() (rune, rune) { return rune(uint32(k &^ initialsKey >> 32)), rune(uint32(k)) }

// eachIndexKey calls fn for every key a field is indexed under: each rune,
// each bigram and, when initials, each bigram of initial consonants. Keys may
// repeat.
func eachIndexKey(rs []rune, initials bool, fn func(key)) {
	for i, r := range rs {
		fn(unigram(r))
		if i+1 < len(rs) {
			fn(bigram(r, rs[i+1]))
			if initials {
				fn(initialsOf(r, rs[i+1]))
			}
		}
	}
}
