package kb

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/minwon/minwon/korean"
)

// foldBuf folds text reusing its memory.
type foldBuf struct{ t korean.Text }

func (b *foldBuf) fold(s string) []rune {
	b.t.Fold(s, korean.Digits)
	return b.t.Runes
}

// variant is one reading of a query: as typed (less particles, endings and
// filler words), with a dictionary word replaced, or as initial consonants.
type variant struct {
	factor float64
	units  []unit
	total  float64 // Σ unit weight × weightMax: what a perfect title match scores
	ws     map[key]float64
}

// unit is one part of the query (a pair of syllables, or the one syllable
// of a one-syllable query) with the keys that count as finding it.
type unit struct {
	weight float64
	alts   []alt
}

type alt struct {
	k      key
	factor float32
}

// queryRunes folds a query and drops what does not say what it is about:
// filler words (어떻게, 알려주세요) and the particle or ending of each word
// (여권을 → 여권, 신청하려면 → 신청). The words are joined again without
// spaces, as spacing is ignored. When nothing would be left the query is
// kept folded as typed.
func queryRunes(query string) []rune {
	t := korean.Fold(query, korean.Digits)
	var out []rune
	for i := 0; i < len(t.Runes); {
		j := i + 1
		for !t.WordEnd(j) {
			j++
		}
		w := string(t.Runes[i:j])
		if !korean.IsFiller(w) {
			out = append(out, []rune(korean.TrimEnding(w))...)
		}
		i = j
	}
	if len(out) == 0 {
		return t.Runes
	}
	return out
}

// variants returns the readings of query to search for.
func (s *snapshot) variants(query string, d *dictionary) []variant {
	q := queryRunes(query)
	if len(q) == 0 {
		return nil
	}
	if korean.IsInitials(q) {
		return []variant{s.initialsVariant(q)}
	}
	vs := []variant{s.textVariant(q, 1)}
	// Typed with the keyboard left in English mode (durnjs → 여권).
	if hasASCIILetter(q) {
		if k := queryRunes(korean.FromQwerty(query)); slices.ContainsFunc(k, korean.IsSyllable) {
			vs = append(vs, s.textVariant(k, factorTypo))
		}
	}
	if d == nil {
		return vs
	}
	for _, e := range d.entries {
		at := index(q, e.word)
		if at < 0 {
			continue
		}
		for _, a := range e.alts {
			if index(q, a) >= 0 {
				continue // the query already says it
			}
			if len(vs) == maxVariants {
				return vs
			}
			r := slices.Concat(q[:at], a, q[at+len(e.word):])
			vs = append(vs, s.textVariant(r, factorSynonym))
		}
	}
	return vs
}

func hasASCIILetter(rs []rune) bool {
	return slices.ContainsFunc(rs, func(r rune) bool { return 'a' <= r && r <= 'z' })
}

func index(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func (s *snapshot) textVariant(q []rune, factor float64) variant {
	v := variant{factor: factor}
	if len(q) == 1 {
		k := unigram(q[0])
		v.units = []unit{{weight: idf(s.live, s.df(k)), alts: []alt{{k, 1}}}}
		v.total = v.units[0].weight * weightMax
		return v
	}
	seen := make(map[key]bool, len(q))
	asTyped := false
	for i := 0; i+1 < len(q); i++ {
		k := bigram(q[i], q[i+1])
		if seen[k] {
			continue
		}
		seen[k] = true
		u := unit{alts: []alt{{k, 1}}}
		df := s.df(k)
		asTyped = asTyped || df > 0
		if df == 0 {
			if typos := s.typos(q[i], q[i+1]); len(typos) > 0 {
				u.alts = typos
				df = s.df(typos[0].k)
			}
		}
		u.weight = idf(s.live, df)
		v.units = append(v.units, u)
		v.total += u.weight * weightMax
	}
	// Where no part of the query is in the knowledge base as typed, every
	// match is a guess (고마워 read as 고마 → 고가 …): it may be shown, but
	// should not be answered with.
	if !asTyped {
		v.factor *= factorAllGuessed
	}
	return v
}

// typos returns the pairs of syllables the index holds that a found-nowhere
// pair a, b may have been meant as, commonest first: one jamo changed,
// added or dropped (밝급 → 발급), the jamo either side of the syllable break
// swapped (박릅 → 발급), or a last syllable still being typed (등ㅂ → 등본).
func (s *snapshot) typos(a, b rune) []alt {
	type cand struct {
		k  key
		df int
	}
	var cs []cand
	try := func(x, y rune) {
		k := bigram(x, y)
		if df := s.df(k); df > 0 {
			cs = append(cs, cand{k, df})
		}
	}
	switch {
	case korean.IsSyllable(a) && korean.IsConsonant(b):
		korean.EachWithInitial(b, func(y rune) { try(a, y) })
	case korean.IsSyllable(a) && korean.IsSyllable(b):
		korean.EachNear(a, func(x rune) { try(x, b) })
		korean.EachNear(b, func(y rune) { try(a, y) })
		if x, y, ok := korean.SwapAcross(a, b); ok {
			try(x, y)
		}
	}
	slices.SortFunc(cs, func(p, q cand) int {
		if p.df != q.df {
			return q.df - p.df
		}
		return cmp.Compare(p.k, q.k)
	})
	out := make([]alt, 0, min(len(cs), maxTypoAlternatives))
	for _, c := range cs[:min(len(cs), maxTypoAlternatives)] {
		out = append(out, alt{c.k, factorTypo})
	}
	return out
}

func (s *snapshot) initialsVariant(q []rune) variant {
	v := variant{factor: factorInitials}
	seen := make(map[key]bool, len(q))
	for i := 0; i+1 < len(q); i++ {
		k := initialsOf(q[i], q[i+1])
		if seen[k] {
			continue
		}
		seen[k] = true
		u := unit{weight: idf(s.live, s.df(k)), alts: []alt{{k, 1}}}
		v.units = append(v.units, u)
		v.total += u.weight * weightMax
	}
	return v
}

// scratch holds the per-document accumulators of one search, pooled so a
// search over 100,000 articles allocates no arrays of that size.
type scratch struct {
	best    []float32 // best score over the variants
	bestVar []uint8   // the variant that gave it
	score   []float32 // the current variant's score
	credit  []float32 // the current unit's credit
	docs    []int32   // documents with best > 0
	vdocs   []int32   // documents the current variant touched
	udocs   []int32   // documents the current unit touched
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (sc *scratch) reset(n int) {
	if len(sc.best) < n {
		sc.best = make([]float32, n)
		sc.bestVar = make([]uint8, n)
		sc.score = make([]float32, n)
		sc.credit = make([]float32, n)
	}
	sc.docs, sc.vdocs, sc.udocs = sc.docs[:0], sc.vdocs[:0], sc.udocs[:0]
}

// Search returns the articles matching query, best first, at most limit of
// them (all when limit <= 0). Spacing, punctuation, case, particles,
// endings and filler words are ignored ("여권을 어떻게 발급받나요" finds "여권
// 발급"); a pair of syllables found nowhere is tried with one jamo
// corrected; a query of initial consonants (ㅇㄱㅂㄱ) matches titles,
// questions and tags by theirs; Latin letters are also read as Hangul typed
// with the keyboard in English mode (durnjs → 여권); and words of the
// dictionary are tried with their replacements. A query with no letters or digits finds nothing.
func (x *Index) Search(query string, limit int) []Result {
	s := x.load()
	if s.live == 0 {
		return nil
	}
	vs := s.variants(query, x.dict.Load())
	if len(vs) == 0 {
		return nil
	}
	n := len(s.base.arts) + len(s.delta.arts)
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.reset(n)
	off := int32(len(s.base.arts))

	for vi, v := range vs {
		for _, u := range v.units {
			for _, a := range u.alts {
				for seg, o := range [2]*segment{s.base, s.delta} {
					i, ok := o.keys[a.k]
					if !ok {
						continue
					}
					l := &o.lists[i]
					shift := int32(0)
					if seg == 1 {
						shift = off
					}
					for j, d := range l.docs {
						d += shift
						if s.isDead(d) {
							continue
						}
						c := a.factor * float32(l.weights[j])
						if sc.credit[d] == 0 {
							sc.udocs = append(sc.udocs, d)
						}
						if c > sc.credit[d] {
							sc.credit[d] = c
						}
					}
				}
			}
			w := float32(u.weight)
			for _, d := range sc.udocs {
				if sc.score[d] == 0 {
					sc.vdocs = append(sc.vdocs, d)
				}
				sc.score[d] += w * sc.credit[d]
				sc.credit[d] = 0
			}
			sc.udocs = sc.udocs[:0]
		}
		scale := float32(v.factor / v.total)
		for _, d := range sc.vdocs {
			sd := sc.score[d] * scale
			sc.score[d] = 0
			if sd > sc.best[d] {
				if sc.best[d] == 0 {
					sc.docs = append(sc.docs, d)
				}
				sc.best[d], sc.bestVar[d] = sd, uint8(vi)
			}
		}
		sc.vdocs = sc.vdocs[:0]
	}
	if len(sc.docs) == 0 {
		return nil
	}

	top := topDocs(sc.docs, sc.best, limit)
	out := make([]Result, len(top))
	for i, d := range top {
		a := s.article(d)
		v := &vs[sc.bestVar[d]]
		out[i] = Result{Article: a, Score: min(1, float64(sc.best[d]))}
		out[i].Snippet, out[i].Highlights = snippet(a.Body, v)
		out[i].TitleHighlights = highlights(a.Title, v)
	}
	for _, d := range sc.docs {
		sc.best[d] = 0
	}
	return out
}

// topDocs returns the limit best documents (all when limit <= 0), best
// first; ties keep the articles' order so results are stable. With a limit
// it keeps a small sorted list instead of sorting every hit, as a common
// word may hit most of 100,000 articles.
func topDocs(docs []int32, score []float32, limit int) []int32 {
	better := func(a, b int32) bool {
		return score[a] > score[b] || score[a] == score[b] && a < b
	}
	if limit <= 0 || limit >= len(docs) {
		out := slices.Clone(docs)
		slices.SortFunc(out, func(a, b int32) int {
			if better(a, b) {
				return -1
			}
			if better(b, a) {
				return 1
			}
			return 0
		})
		return out
	}
	top := make([]int32, 0, limit+1)
	for _, d := range docs {
		if len(top) == limit && !better(d, top[limit-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, d, func(e, t int32) int {
			if better(e, t) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, i, d)
		if len(top) > limit {
			top = top[:limit]
		}
	}
	return top
}

// weights returns, for every key that finds some part of the variant, how
// much finding it is worth; snippets and highlights look for these keys.
func (v *variant) weights() map[key]float64 {
	if v.ws != nil {
		return v.ws
	}
	m := make(map[key]float64)
	for _, u := range v.units {
		for _, a := range u.alts {
			m[a.k] = max(m[a.k], u.weight*float64(a.factor))
		}
	}
	v.ws = m
	return m
}

// keyWidth is the number of runes each key of v covers.
func (v *variant) keyWidth() int {
	if len(v.units) > 0 && len(v.units[0].alts) > 0 {
		if _, b := v.units[0].alts[0].k.runes(); b == 0 {
			return 1
		}
	}
	return 2
}

// keyAt is the key of v's kind at rune i of rs.
func keyAt(rs []rune, i, width int, initials bool) key {
	switch {
	case width == 1:
		return unigram(rs[i])
	case initials:
		return initialsOf(rs[i], rs[i+1])
	}
	return bigram(rs[i], rs[i+1])
}

func (v *variant) initials() bool {
	return len(v.units) > 0 && v.units[0].alts[0].k&initialsKey != 0
}

// highlights returns the byte ranges of text that match v: runs of folded
// runes covered by a matching key, each run mapped back to the source (so
// a run may span the space in "여권 발급").
func highlights(text string, v *variant) []Span {
	if text == "" {
		return nil
	}
	f := korean.Fold(text, korean.Digits)
	w, ini, ws := v.keyWidth(), v.initials(), v.weights()
	mark := make([]bool, len(f.Runes))
	for i := 0; i+w <= len(f.Runes); i++ {
		if ws[keyAt(f.Runes, i, w, ini)] > 0 {
			for j := i; j < i+w; j++ {
				mark[j] = true
			}
		}
	}
	var out []Span
	for i := 0; i < len(mark); {
		if !mark[i] {
			i++
			continue
		}
		j := i
		for j < len(mark) && mark[j] {
			j++
		}
		out = append(out, Span{f.Start[i], f.End[j-1]})
		i = j
	}
	return out
}

// snippet cuts about SnippetRunes characters of body around the densest
// cluster of query keys, or its start when none is in the body, and
// returns it with its highlights.
func snippet(body string, v *variant) (string, []Span) {
	f := fold(body, true)
	spanStart, spanEnd := 0, 0
	if a, b, ok := bestSpan(f, v); ok {
		spanStart, spanEnd = f.start[a], f.end[b]
	}

	// Show a little of what comes before the match, most of what follows.
	start := backRunes(body, spanStart, min(20, max(0, SnippetRunes-utf8.RuneCountInString(body[spanStart:spanEnd]))/2))
	end := fwdRunes(body, start, SnippetRunes)
	if end == len(body) {
		start = min(start, backRunes(body, end, SnippetRunes))
	}
	// Avoid opening or closing on half a word.
	if start > 0 {
		if i := strings.LastIndexAny(body[start:spanStart], ".?!\n"); i >= 0 {
			start += i + 1
		} else if i := strings.IndexAny(body[start:spanStart], " \t"); i >= 0 {
			start += i + 1
		}
	}
	if end < len(body) && spanEnd < end {
		if i := strings.LastIndexAny(body[spanEnd:end], " \t\n"); i >= 0 {
			end = spanEnd + i
		}
	}

	text := strings.Join(strings.Fields(body[start:end]), " ")
	if start > 0 {
		text = "…" + text
	}
	if end < len(body) {
		text += "…"
	}
	return text, highlights(text, v)
}

// bestSpan finds the window of folded runes holding the greatest weight of
// distinct query keys, and returns its first and last rune.
func bestSpan(f folded, v *variant) (first, last int, ok bool) {
	k, ini, ws := v.keyWidth(), v.initials(), v.weights()
	type hit struct {
		pos int
		k   key
	}
	var hits []hit
	for i := 0; i+k <= len(f.runes); i++ {
		if g := keyAt(f.runes, i, k, ini); ws[g] > 0 {
			hits = append(hits, hit{i, g})
		}
	}
	if len(hits) == 0 {
		return 0, 0, false
	}

	const window = SnippetRunes / 2 // folded runes; the original has spaces besides
	count := make(map[key]int)
	var sum, bestSum float64
	lo := 0
	for hi, h := range hits {
		if count[h.k]++; count[h.k] == 1 {
			sum += ws[h.k]
		}
		for hits[hi].pos-hits[lo].pos+k > window {
			g := hits[lo].k
			if count[g]--; count[g] == 0 {
				sum -= ws[g]
			}
			lo++
		}
		if sum > bestSum {
			bestSum, first, last = sum, hits[lo].pos, hits[hi].pos+k-1
		}
	}
	return first, last, true
}

// backRunes returns the offset n runes before off in s, or 0.
func backRunes(s string, off, n int) int {
	for ; n > 0 && off > 0; n-- {
		_, w := utf8.DecodeLastRuneInString(s[:off])
		off -= w
	}
	return off
}

// fwdRunes returns the offset n runes after off in s, or len(s).
func fwdRunes(s string, off, n int) int {
	for ; n > 0 && off < len(s); n-- {
		_, w := utf8.DecodeRuneInString(s[off:])
		off += w
	}
	return off
}

// UTF16Spans converts byte ranges of text into ranges of UTF-16 code units,
// which is how JavaScript indexes a string: the web UI marks highlights with
// these, as text, without parsing HTML. It never returns nil, so JSON gets [].
func UTF16Spans(text string, spans []Span) []Span {
	out := make([]Span, len(spans))
	u, k := 0, 0 // UTF-16 units before byte i; next offset to convert
	at := func(i int) int {
		for k < len(text) && k < i {
			r, w := utf8.DecodeRuneInString(text[k:])
			k += w
			u++
			if r >= 0x10000 {
				u++
			}
		}
		return u
	}
	for j, s := range spans {
		out[j] = Span{at(s.Start), at(s.End)}
	}
	return out
}
