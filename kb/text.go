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
