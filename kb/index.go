package kb

import (
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Field weights: a query found in the title or in a citizen's own wording of
// the question is a better answer than one that only appears in the body.
const (
	weightTitle    = 3
	weightQuestion = 2
	weightTag      = 2
	weightBody     = 1
	weightMax      = weightTitle
)

// SnippetRunes is the length of a snippet, in characters.
const SnippetRunes = 80

// Result is one search hit.
type Result struct {
	Article *Article // shared with the index: read it, do not modify it
	// Score is in 0..1: 1 when every bigram of the query is in the title,
	// less for matches in weaker fields and for query bigrams found nowhere.
	Score float64
	// Snippet is plain text from the body around the best match, with "…"
	// where it was cut; the caller escapes it for display.
	Snippet string
}

// Index searches articles. The zero Index is empty and ready to use. It is
// safe for concurrent use: searches read an
// immutable snapshot and Replace swaps in a new one, so a reader never sees a
// half-built index and never waits for a rebuild.
type Index struct {
	snap atomic.Pointer[snapshot]
	dict atomic.Pointer[Dictionary]
}

type snapshot struct {
	arts     []Article
	byID     map[string]int
	postings map[string][]posting // gram → articles containing it, in article order
}

// posting records that an article holds a gram, with the weight of the best
// field it is in.
type posting struct {
	doc    int32
	weight uint8
}

// NewIndex builds an index of articles.
func NewIndex(articles []Article) *Index {
	x := new(Index)
	x.Replace(articles)
	return x
}

// Replace rebuilds the index from articles and swaps it in atomically. The
// articles are copied. When two share an ID the later one wins, as a later
// save of an article replaces the earlier.
func (x *Index) Replace(articles []Article) {
	x.snap.Store(build(articles))
}

func build(articles []Article) *snapshot {
	s := &snapshot{byID: make(map[string]int, len(articles)), postings: make(map[string][]posting)}
	for _, a := range articles {
		a.Tags = slices.Clone(a.Tags)
		a.Questions = slices.Clone(a.Questions)
		if i, ok := s.byID[a.ID]; ok {
			s.arts[i] = a
			continue
		}
		s.byID[a.ID] = len(s.arts)
		s.arts = append(s.arts, a)
	}

	best := make(map[string]uint8)
	for doc := range s.arts {
		a := &s.arts[doc]
		clear(best)
		add := func(text string, w uint8) {
			eachIndexGram(fold(text, false).runes, func(g string) {
				if best[g] < w {
					best[g] = w
				}
			})
		}
		add(a.Title, weightTitle)
		for _, q := range a.Questions {
			add(q, weightQuestion)
		}
		for _, t := range a.Tags {
			add(t, weightTag)
		}
		add(a.Body, weightBody)
		for g, w := range best {
			s.postings[g] = append(s.postings[g], posting{doc: int32(doc), weight: w})
		}
	}
	return s
}

// load returns the current snapshot; a zero Index is an empty one.
func (x *Index) load() *snapshot {
	if s := x.snap.Load(); s != nil {
		return s
	}
	return &snapshot{}
}

// Len returns the number of articles indexed.
func (x *Index) Len() int { return len(x.load().arts) }

// Get returns the article with the given ID. The article is shared with the
// index: read it, do not modify it.
func (x *Index) Get(id string) (*Article, bool) {
	s := x.load()
	i, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return &s.arts[i], true
}

// Search returns the articles matching query, best first, at most limit of
// them (all when limit <= 0). Spacing, punctuation and case are ignored, so
// "여권발급" finds "여권 발급". A query with no letters or digits finds nothing.
func (x *Index) Search(query string, limit int) []Result {
	s := x.load()
	q := fold(query, false).runes
	if len(q) == 0 || len(s.arts) == 0 {
		return nil
	}
	gs := queryGrams(q)

	// Rare grams say more about which article is meant than common ones.
	// Grams found nowhere still count in the total, so a query that is
	// mostly unknown scores low even where its known part matches.
	idf := make(map[string]float64, len(gs))
	var total float64
	scores := make(map[int32]float64)
	n := float64(len(s.arts))
	for _, g := range gs {
		ps := s.postings[g]
		w := math.Log(1 + n/float64(len(ps)+1))
		idf[g] = w
		total += w * weightMax
		for _, p := range ps {
			scores[p.doc] += w * float64(p.weight)
		}
	}
	if len(scores) == 0 {
		return nil
	}

	docs := make([]int32, 0, len(scores))
	for d := range scores {
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(a, b int32) int {
		if scores[a] != scores[b] {
			if scores[a] > scores[b] {
				return -1
			}
			return 1
		}
		return int(a - b) // ties keep the articles' order, so results are stable
	})
	if limit > 0 && len(docs) > limit {
		docs = docs[:limit]
	}

	out := make([]Result, len(docs))
	for i, d := range docs {
		a := &s.arts[d]
		out[i] = Result{Article: a, Score: scores[d] / total, Snippet: snippet(a.Body, idf)}
	}
	return out
}

// snippet cuts about SnippetRunes characters of body around the densest
// cluster of query grams, or its start when none is in the body.
func snippet(body string, idf map[string]float64) string {
	f := fold(body, true)
	spanStart, spanEnd := 0, 0
	if a, b, ok := bestSpan(f, idf); ok {
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
	return text
}

// bestSpan finds the window of folded runes holding the greatest idf weight
// of distinct query grams, and returns its first and last rune.
func bestSpan(f folded, idf map[string]float64) (first, last int, ok bool) {
	k := 2
	for g := range idf {
		k = utf8.RuneCountInString(g) // all query grams have the same length
		break
	}
	type hit struct {
		pos int
		g   string
	}
	var hits []hit
	for i := 0; i+k <= len(f.runes); i++ {
		if g := string(f.runes[i : i+k]); idf[g] > 0 {
			hits = append(hits, hit{i, g})
		}
	}
	if len(hits) == 0 {
		return 0, 0, false
	}

	const window = SnippetRunes / 2 // folded runes; the original has spaces besides
	count := make(map[string]int)
	var sum, bestSum float64
	lo := 0
	for hi, h := range hits {
		if count[h.g]++; count[h.g] == 1 {
			sum += idf[h.g]
		}
		for hits[hi].pos-hits[lo].pos+k > window {
			g := hits[lo].g
			if count[g]--; count[g] == 0 {
				sum -= idf[g]
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

// Dictionary maps a word citizens use to the words the articles use:
// abbreviations and colloquial names (등본 → 주민등록등본, 딱지 → 과태료).
// Administrators edit it; search expands a query with it.
type Dictionary map[string][]string

// SetDictionary replaces the synonym dictionary searches expand queries
// with. The map is copied.
func (x *Index) SetDictionary(d Dictionary) {
	c := make(Dictionary, len(d))
	for k, v := range d {
		c[k] = slices.Clone(v)
	}
	x.dict.Store(&c)
}

// Dictionary returns the current synonym dictionary; do not modify it.
func (x *Index) Dictionary() Dictionary {
	if d := x.dict.Load(); d != nil {
		return *d
	}
	return nil
}
