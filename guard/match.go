package guard

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/minwon/minwon/korean"
)

// Keys: what the lexicon compares. Tense and plain consonants are one key
// (씨/시, 빨/발, 끼/기), and so are vowels people swap when they disguise a
// word or only hear it (씌, 쒸, 쉬 → 시; 세, 쉐 → 새). Finals stay, so 좆 and
// 좇 (to follow) are different keys.
var syllableKeys [0xD7A3 - 0xAC00 + 1]rune

func init() {
	for r := rune(0xAC00); r <= 0xD7A3; r++ {
		l, v, f, _ := korean.Split(r)
		k, _ := korean.Join(plainConsonant(l), nearVowel(v), f)
		syllableKeys[r-0xAC00] = k
	}
}

func key(r rune) rune {
	if korean.IsSyllable(r) {
		return syllableKeys[r-0xAC00]
	}
	if korean.IsConsonant(r) {
		return plainConsonant(r)
	}
	return r
}

func plainConsonant(c rune) rune {
	switch c {
	case 'ㄲ':
		return 'ㄱ'
	case 'ㄸ':
		return 'ㄷ'
	case 'ㅃ':
		return 'ㅂ'
	case 'ㅆ':
		return 'ㅅ'
	case 'ㅉ':
		return 'ㅈ'
	}
	return c
}

func nearVowel(v rune) rune {
	switch v {
	case 'ㅢ', 'ㅟ':
		return 'ㅣ'
	case 'ㅔ', 'ㅖ', 'ㅒ', 'ㅞ', 'ㅙ':
		return 'ㅐ'
	}
	return v
}

// A root compiled from its definition.
type root struct {
	rootDef
	name   string   // the first spelling, for reports
	spells [][]rune // exact roots: the spellings accepted, not just their sound
}

// lexiconTrie holds every root spelling as a path of keys.
type lexiconTrie struct {
	roots  []root
	edges  edgeMap
	kids   [][]int32          // children of each node, for a masked syllable
	byInit map[uint64][]int32 // node<<32|initial: children whose key starts with it, for ㅅㅂ
	ends   [][]int16          // roots ending at each node
	first  []uint64           // bit per syllable key that begins a root
}

func (lx *lexiconTrie) starts(k rune) bool {
	n := k - 0xAC00
	return lx.first[n>>6]&(1<<(n&63)) != 0
}

func compileLexicon(defs []rootDef) (*lexiconTrie, error) {
	lx := &lexiconTrie{byInit: make(map[uint64][]int32), kids: [][]int32{nil}, ends: [][]int16{nil}}
	edges := make(map[uint64]int32)
	for ri, d := range defs {
		seqs, err := expand(d.pat)
		if err != nil {
			return nil, fmt.Errorf("root %q: %w", d.pat, err)
		}
		r := root{rootDef: d, name: string(seqs[0])}
		for k, seq := range seqs {
			// Spell the root as text is folded, so a squeezed 지가않 (갆)
			// still meets 지가않.
			seqs[k] = korean.Fold(string(seq), korean.Squeezed).Runes
		}
		if d.flags&exact != 0 {
			r.spells = seqs
		}
		lx.roots = append(lx.roots, r)
		for _, seq := range seqs {
			node := int32(0)
			for _, c := range seq {
				k := uint64(node)<<32 | uint64(key(c))
				child, ok := edges[k]
				if !ok {
					child = int32(len(lx.kids))
					lx.kids = append(lx.kids, nil)
					lx.ends = append(lx.ends, nil)
					edges[k] = child
					lx.kids[node] = append(lx.kids[node], child)
					if kc := key(c); korean.IsSyllable(kc) {
						ik := uint64(node)<<32 | uint64(korean.Initial(kc))
						lx.byInit[ik] = append(lx.byInit[ik], child)
					}
				}
				node = child
			}
			dup := false
			for _, e := range lx.ends[node] {
				dup = dup || int(e) == ri
			}
			if !dup {
				lx.ends[node] = append(lx.ends[node], int16(ri))
			}
		}
	}
	lx.edges = newEdgeMap(edges)
	lx.first = make([]uint64, (0xD7A3-0xAC00)/64+1)
	for _, c := range lx.kids[0] {
		for k, v := range edges {
			if v == c && k>>32 == 0 && korean.IsSyllable(rune(k)) {
				n := rune(k) - 0xAC00
				lx.first[n>>6] |= 1 << (n & 63)
			}
		}
	}
	return lx, nil
}

// expand lists every spelling of a pattern: runes, [alternatives], and ? after
// either for an optional element.
func expand(pat string) ([][]rune, error) {
	type elem struct {
		alts []rune
		opt  bool
	}
	var elems []elem
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '[':
			j := i + 1
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j == len(rs) || j == i+1 {
				return nil, fmt.Errorf("bad [ ] at %d", i)
			}
			elems = append(elems, elem{alts: rs[i+1 : j]})
			i = j
		case '?':
			if len(elems) == 0 {
				return nil, fmt.Errorf("? with nothing before it")
			}
			elems[len(elems)-1].opt = true
		case ']':
			return nil, fmt.Errorf("stray ] at %d", i)
		default:
			elems = append(elems, elem{alts: rs[i : i+1]})
		}
	}
	out := [][]rune{nil}
	for _, e := range elems {
		var next [][]rune
		for _, prefix := range out {
			for _, a := range e.alts {
				next = append(next, append(append([]rune(nil), prefix...), a))
			}
			if e.opt {
				next = append(next, prefix)
			}
		}
		out = next
	}
	if len(out) == 0 || len(out[0]) == 0 {
		return nil, fmt.Errorf("empty pattern")
	}
	return out, nil
}

// edgeMap is an open-addressing table from node<<32|key to child node:
// Classify looks one up for nearly every rune, and a Go map costs several
// times more per lookup.
type edgeMap struct {
	keys  []uint64
	vals  []int32
	shift uint
}

func newEdgeMap(m map[uint64]int32) edgeMap {
	size, shift := 16, uint(60)
	for size < 2*len(m) {
		size *= 2
		shift--
	}
	e := edgeMap{keys: make([]uint64, size), vals: make([]int32, size), shift: shift}
	for k, v := range m {
		h := (k * 0x9E3779B97F4A7C15) >> e.shift
		for e.keys[h] != 0 {
			h = (h + 1) & uint64(size-1)
		}
		e.keys[h], e.vals[h] = k, v
	}
	return e
}

func (e *edgeMap) get(node int32, r rune) int32 {
	k := uint64(node)<<32 | uint64(r)
	mask := uint64(len(e.keys) - 1)
	for h := (k * 0x9E3779B97F4A7C15) >> e.shift; ; h = (h + 1) & mask {
		switch e.keys[h] {
		case k:
			return e.vals[h]
		case 0:
			return -1
		}
	}
}

// matchCtx is what a root's check sees of a candidate match: folded runes
// i..j-1 of t, lit of them spelled out (not masked or initials only).
type matchCtx struct {
	t    *korean.Text
	src  string
	i, j int
	lit  int
}

// nextInWord returns the folded rune right after the match when nothing was
// dropped between them, else 0.
func (c *matchCtx) nextInWord() rune {
	if c.j < len(c.t.Runes) && c.t.Gaps[c.j] == 0 {
		return key(c.t.Runes[c.j])
	}
	return 0
}

func (c *matchCtx) prevInWord() rune {
	if c.i > 0 && c.t.Gaps[c.i] == 0 {
		return key(c.t.Runes[c.i-1])
	}
	return 0
}

// followedBy reports whether the source after the match, spaces skipped,
// starts with b.
func (c *matchCtx) followedBy(b byte) bool {
	s := strings.TrimLeft(c.src[c.t.End[c.j-1]:], " \t")
	return s != "" && s[0] == b
}

// continues are syllables that carry an insult on after a spaced-out root
// (씨 발놈, 개 새끼야), so the root need not end its word.
var continues = runeSet("놈넘년련뇬새색쉐끼아야것같롬럼")

// match is one root found in folded text.
type match struct {
	root      int16
	i, j      int // folded runes
	disguised bool
}

// scanner holds one scan's state; Classify keeps one per goroutine.
type scanner struct {
	lx   *lexiconTrie
	t    *korean.Text
	keys []rune
	src  string
	// Only whole spellings count (no initials or masks), for text read
	// through the English keyboard, where stray jamo mean nothing.
	literalOnly bool
	// Linking (연음): a final before a ㅇ-initial syllable is heard as that
	// syllable's initial, so 십알 sounds 시발. open[p] is syllable p without
	// its final and moved[p+1] the next one with it, or 0.
	open, moved []rune
	best        match
	bestLen     int
}

// link fills s.open and s.moved from s.t.
func (s *scanner) link(open, moved []rune) {
	open, moved = open[:0], moved[:0]
	rs := s.t.Runes
	for p := range rs {
		open, moved = append(open, 0), append(moved, 0)
		if p == 0 || s.t.Gaps[p] != 0 {
			continue
		}
		l0, v0, f0, ok0 := korean.Split(rs[p-1])
		l1, v1, f1, ok1 := korean.Split(rs[p])
		if !ok0 || !ok1 || f0 == 0 || f0 == 'ㅇ' || l1 != 'ㅇ' {
			continue
		}
		a, okA := korean.Join(l0, v0, 0)
		b, okB := korean.Join(f0, v1, f1)
		if okA && okB {
			open[p-1], moved[p] = key(a), key(b)
		}
	}
	s.open, s.moved = open, moved
}

// scan appends the longest acceptable match at each start.
func (s *scanner) scan(out []match) []match {
	for i, k := range s.keys {
		if korean.IsSyllable(k) && !s.lx.starts(k) && (s.open == nil || s.open[i] == 0 || !s.lx.starts(s.open[i])) {
			continue // most syllables begin no root; skip the walk
		}
		s.best, s.bestLen = match{root: -1}, 0
		s.walk(i, 0, i, 0, 0, 0, 0, 0)
		if s.best.root >= 0 {
			out = append(out, s.best)
		}
	}
	return out
}

// walk follows the trie from node over keys p…, counting positions spelled
// out (lit), given as initials only (ini), masked (msk) and mask symbols
// skipped as filler (fill). alt, when not 0, replaces key p (linking).
func (s *scanner) walk(i int, node int32, p, lit, ini, msk, fill int, alt rune) {
	lx := s.lx
	if node != 0 && alt == 0 {
		for _, ri := range lx.ends[node] {
			s.consider(ri, i, p, lit, ini, msk, fill)
		}
	}
	if p == len(s.keys) {
		return
	}
	k := s.keys[p]
	if alt != 0 {
		k = alt
	}
	switch {
	case k == korean.Mask:
		if s.literalOnly {
			return
		}
		for _, c := range lx.kids[node] {
			s.walk(i, c, p+1, lit, ini, msk+1, fill, 0)
		}
		if node != 0 && fill < 3 {
			s.walk(i, node, p+1, lit, ini, msk, fill+1, 0)
		}
	default:
		if c := lx.edges.get(node, k); c >= 0 {
			s.walk(i, c, p+1, lit+1, ini, msk, fill, 0)
		}
		if alt == 0 && s.open != nil && s.open[p] != 0 {
			if c := lx.edges.get(node, s.open[p]); c >= 0 {
				s.walk(i, c, p+1, lit+1, ini, msk, fill, s.moved[p+1])
			}
		}
		if korean.IsConsonant(k) && !s.literalOnly {
			for _, c := range lx.byInit[uint64(node)<<32|uint64(k)] {
				s.walk(i, c, p+1, lit, ini+1, msk, fill, 0)
			}
		}
	}
}

func (s *scanner) consider(ri int16, i, j, lit, ini, msk, fill int) {
	r := &s.lx.roots[ri]
	t := s.t
	if msk > 0 && (r.flags&masks == 0 || lit == 0 || msk >= lit+ini+msk) {
		return
	}
	if ini > 0 && (r.flags&initials == 0 || lit == 0) {
		return // initials alone are listed as roots of their own (ㅅㅂ)
	}
	if r.flags&wordStart != 0 && !t.WordStart(i) {
		return
	}
	if s.literalOnly {
		for _, c := range t.Runes[i:j] {
			if korean.IsJamo(c) {
				return // English read as 2-set jamo: tv is ㅅㅍ, not a root
			}
		}
	}
	gaps := korean.Gap(0)
	for k := i + 1; k < j; k++ {
		gaps |= t.Gaps[k]
	}
	if gaps&korean.GapSpace != 0 && r.flags&phrase == 0 {
		// A word spelled out across spaces (씨 발, 개 새 끼) must stand on its
		// own: 수박씨 발라 and 시 발표 are other words.
		if !t.WordStart(i) || !(t.WordEnd(j) || continues[key(t.Runes[j])]) {
			return
		}
	}
	if r.spells != nil && !spelled(t.Runes[i:j], r.spells) {
		return
	}
	if r.check != nil && !r.check(&matchCtx{t: t, src: s.src, i: i, j: j, lit: lit}) {
		return
	}
	n := j - i
	if n < s.bestLen || (n == s.bestLen && rank(r.flags) <= rank(s.lx.roots[s.best.root].flags)) {
		return
	}
	disguised := ini > 0 || msk > 0 || fill > 0 || gaps != 0
	if !disguised {
		width := 0
		for k := i; k < j; k++ {
			width += utf8.RuneLen(t.Runes[k])
		}
		disguised = t.End[j-1]-t.Start[i] != width // jamo, stretched, keyboard, look-alikes
	}
	s.best, s.bestLen = match{root: ri, i: i, j: j, disguised: disguised}, n
}

// spelled reports whether runes spell one of spells, a mask standing for
// any syllable and a consonant jamo for any syllable it begins.
func spelled(runes []rune, spells [][]rune) bool {
	for _, sp := range spells {
		if len(sp) != len(runes) {
			continue
		}
		ok := true
		for k, r := range runes {
			if r != sp[k] && r != korean.Mask && !(korean.IsConsonant(r) && korean.Initial(sp[k]) == r) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// rank orders roots matching the same span: an innocent reading wins, then
// a strong root.
func rank(f rootFlag) int {
	switch {
	case f&innocent != 0:
		return 3
	case f&strong != 0:
		return 2
	case f&distress != 0:
		return 1
	}
	return 0
}

// resolve appends to out the matches no innocent word overlaps (수박씨 발라
// → no 씨발) and that are not inside a longer one (새끼 inside 개새끼).
func resolve(lx *lexiconTrie, ms, out []match) []match {
	for a, m := range ms {
		keep := true
		for b, o := range ms {
			if a == b {
				continue
			}
			inn := lx.roots[o.root].flags&innocent != 0
			if inn && lx.roots[m.root].flags&innocent == 0 && o.i < m.j && m.i < o.j {
				keep = false
				break
			}
			if !inn && lx.roots[m.root].flags&innocent == 0 && o.i <= m.i && m.j <= o.j && o.j-o.i > m.j-m.i {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, m)
		}
	}
	return out
}
