package kb

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
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

// How much a match is worth when the query had to be read differently to
// find it, relative to the query as typed. A correction is a guess, so an
// article matching the words as typed ranks above one matching a guess.
const (
	factorSynonym  = 0.95 // a dictionary word replaced by what articles say
	factorInitials = 0.9  // initial consonants, which many words share
	factorTypo     = 0.8  // one jamo changed, swapped or still being typed
	// factorAllGuessed is applied besides when no pair of the query is in
	// the index as typed.
	factorAllGuessed = 0.5
)

// maxTypoAlternatives bounds the corrections tried for one unknown pair of
// syllables; the commonest in the index are kept.
const maxTypoAlternatives = 4

// maxVariants bounds the readings of one query (as typed, and one per
// dictionary replacement).
const maxVariants = 8

// deltaMax is how many articles Upsert keeps in the small segment it
// rebuilds on every save before it folds them into the main one.
const deltaMax = 256

// SnippetRunes is the length of a snippet, in characters.
const SnippetRunes = 80

// Span is a byte range [Start, End) of a string: where a highlight goes.
// The UI marks these ranges as text; nothing in a Result is HTML.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Result is one search hit.
type Result struct {
	Article *Article // shared with the index: read it, do not modify it
	// Score is in 0..1 and means the same for every query: the share of the
	// query found in the article, each part of the query weighted by how
	// rare it is in the knowledge base (idf) and counted in full in the
	// title, 2/3 in a question or tag and 1/3 in the body only. A part found
	// only after a correction counts less (synonym ×0.95, initial consonants
	// ×0.9, typo or English-mode typing ×0.8, and ×0.5 again when nothing
	// of the query was found as typed). 1 means every syllable pair of the query is in the
	// title as typed; a query of words the knowledge base does not hold
	// scores near 0, because the parts found nowhere still count in the
	// whole.
	Score float64
	// Snippet is plain text from the body around the best match, with "…"
	// where it was cut; the caller escapes it for display.
	Snippet string
	// Highlights are the byte ranges of Snippet that match the query, in
	// order and not overlapping.
	Highlights []Span
	// TitleHighlights are the byte ranges of Article.Title that match.
	TitleHighlights []Span
}

// Index searches articles. The zero Index is empty and ready to use. It is
// safe for concurrent use: searches read an immutable snapshot without
// locking, and Replace, Upsert and Remove build a new one and swap it in, so
// a reader never sees a half-built index and never waits for a writer.
type Index struct {
	snap atomic.Pointer[snapshot]
	dict atomic.Pointer[dictionary]

	mu          sync.Mutex // serialises writers
	gen         uint64     // counts Replace calls, so a compaction they overtook is dropped
	compacting  bool
	pending     []change       // made since the running compaction began
	compactions sync.WaitGroup // for tests
}

// snapshot is a large base segment built by Replace, a small delta segment
// rebuilt by each Upsert, and the base articles the delta supersedes or that
// were removed. Documents are numbered base first, then delta.
type snapshot struct {
	base, delta *segment
	dead        []uint64 // bitset over base documents
	live        int
}

type segment struct {
	arts  []Article
	byID  map[string]int32
	keys  map[key]int32 // key → index into lists
	lists []plist
}

// plist records the articles holding a key, in article order, each with the
// weight of the best field it is in.
type plist struct {
	docs    []int32
	weights []uint8
}

var emptySegment = &segment{byID: map[string]int32{}, keys: map[key]int32{}}

func (s *snapshot) isDead(doc int32) bool {
	return int(doc) < len(s.base.arts) && s.dead != nil && s.dead[doc>>6]&(1<<(doc&63)) != 0
}

func (s *snapshot) article(doc int32) *Article {
	if n := int32(len(s.base.arts)); doc >= n {
		return &s.delta.arts[doc-n]
	}
	return &s.base.arts[doc]
}

// df is the number of articles holding k. Superseded base articles still
// count until the next rebuild, which only shifts idf a little.
func (s *snapshot) df(k key) int {
	n := 0
	if i, ok := s.base.keys[k]; ok {
		n += len(s.base.lists[i].docs)
	}
	if i, ok := s.delta.keys[k]; ok {
		n += len(s.delta.lists[i].docs)
	}
	return n
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
	ns := newSnapshot(articles)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.gen++
	x.snap.Store(ns)
}

func newSnapshot(articles []Article) *snapshot {
	base := buildSegment(dedupe(articles))
	return &snapshot{base: base, delta: emptySegment, live: len(base.arts)}
}

// Upsert adds an article or replaces the one with its ID, without
// rebuilding the whole index: the article goes into a small segment that is
// rebuilt on each call. Past deltaMax articles there, a goroutine folds them
// into a new main segment while searches and saves go on. The article is
// copied.
func (x *Index) Upsert(a Article) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apply(change{a: a, id: a.ID})
}

// Remove drops the article with the given ID and reports whether there was
// one.
func (x *Index) Remove(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.getIn(x.load(), id); !ok {
		return false
	}
	x.apply(change{id: id, remove: true})
	return true
}

// change is one Upsert or Remove, kept while a compaction runs so it can be
// applied again to the new main segment.
type change struct {
	a      Article
	id     string
	remove bool
}

// apply makes c in a new snapshot; x.mu is held.
func (x *Index) apply(c change) {
	s := x.load()
	delta := withChange(s.delta.arts, c)
	x.snap.Store(s.withDelta(delta, c.id))
	if x.compacting {
		x.pending = append(x.pending, c)
		return
	}
	if len(delta) > deltaMax {
		x.compacting, x.pending = true, nil
		x.compactions.Add(1)
		go x.compact(x.load(), x.gen)
	}
}

func withChange(delta []Article, c change) []Article {
	i := slices.IndexFunc(delta, func(a Article) bool { return a.ID == c.id })
	switch {
	case c.remove && i >= 0:
		return slices.Delete(slices.Clone(delta), i, i+1)
	case c.remove:
		return delta
	case i >= 0:
		delta = slices.Clone(delta)
		delta[i] = c.a
		return delta
	}
	return append(slices.Clone(delta), c.a)
}

// compact builds a main segment of every live article of s, then applies
// the changes made meanwhile and swaps it in, unless Replace came first.
func (x *Index) compact(s *snapshot, gen uint64) {
	defer x.compactions.Done()
	all := make([]Article, 0, s.live)
	for _, a := range s.articles() {
		all = append(all, *a)
	}
	ns := newSnapshot(all)

	x.mu.Lock()
	defer x.mu.Unlock()
	x.compacting = false
	if x.gen != gen {
		return
	}
	var delta []Article
	ids := make([]string, 0, len(x.pending))
	for _, c := range x.pending {
		delta = withChange(delta, c)
		ids = append(ids, c.id)
	}
	x.pending = nil
	x.snap.Store(ns.withDelta(delta, ids...))
}

// withDelta returns a snapshot sharing s's base, with delta as its delta and
// the base articles with the given ids marked dead.
func (s *snapshot) withDelta(delta []Article, ids ...string) *snapshot {
	dead := s.dead
	cloned := false
	for _, id := range ids {
		doc, ok := s.base.byID[id]
		if !ok {
			continue
		}
		if !cloned {
			dead, cloned = slices.Clone(dead), true
			if dead == nil {
				dead = make([]uint64, (len(s.base.arts)+63)/64)
			}
		}
		dead[doc>>6] |= 1 << (doc & 63)
	}
	ns := &snapshot{base: s.base, dead: dead}
	ns.delta = buildSegment(dedupe(delta))
	ns.live = len(ns.delta.arts)
	for doc := range s.base.arts {
		if !ns.isDead(int32(doc)) {
			ns.live++
		}
	}
	return ns
}

// dedupe copies articles, the later of two with one ID replacing the
// earlier in its place.
func dedupe(articles []Article) []Article {
	out := make([]Article, 0, len(articles))
	at := make(map[string]int, len(articles))
	for _, a := range articles {
		a.Tags = slices.Clone(a.Tags)
		a.Questions = slices.Clone(a.Questions)
		if i, ok := at[a.ID]; ok {
			out[i] = a
			continue
		}
		at[a.ID] = len(out)
		out = append(out, a)
	}
	return out
}

func buildSegment(arts []Article) *segment {
	s := &segment{arts: arts, byID: make(map[string]int32, len(arts)), keys: make(map[key]int32)}
	best := make(map[key]uint8)
	var t foldBuf
	for doc := range s.arts {
		a := &s.arts[doc]
		s.byID[a.ID] = int32(doc)
		clear(best)
		add := func(text string, w uint8, initials bool) {
			eachIndexKey(t.fold(text), initials, func(k key) {
				if best[k] < w {
					best[k] = w
				}
			})
		}
		// Initial consonants are indexed for the short fields only: people
		// type 초성 for a title or a question, and a body's initials would
		// match nearly any consonant string.
		add(a.Title, weightTitle, true)
		for _, q := range a.Questions {
			add(q, weightQuestion, true)
		}
		for _, tag := range a.Tags {
			add(tag, weightTag, true)
		}
		add(a.Body, weightBody, false)
		for k, w := range best {
			i, ok := s.keys[k]
			if !ok {
				i = int32(len(s.lists))
				s.keys[k] = i
				s.lists = append(s.lists, plist{})
			}
			l := &s.lists[i]
			l.docs = append(l.docs, int32(doc))
			l.weights = append(l.weights, w)
		}
	}
	// Documents were added in order, but map iteration is not: each list
	// is already sorted by document because doc only grows.
	return s
}

// load returns the current snapshot; a zero Index is an empty one.
func (x *Index) load() *snapshot {
	if s := x.snap.Load(); s != nil {
		return s
	}
	return &snapshot{base: emptySegment, delta: emptySegment}
}

// Len returns the number of articles indexed.
func (x *Index) Len() int { return x.load().live }

// Get returns the article with the given ID. The article is shared with the
// index: read it, do not modify it.
func (x *Index) Get(id string) (*Article, bool) { return x.getIn(x.load(), id) }

func (x *Index) getIn(s *snapshot, id string) (*Article, bool) {
	if i, ok := s.delta.byID[id]; ok {
		return &s.delta.arts[i], true
	}
	if i, ok := s.base.byID[id]; ok && !s.isDead(i) {
		return &s.base.arts[i], true
	}
	return nil, false
}

// Articles returns every article indexed, in index order; they are shared
// with the index: read them, do not modify them.
func (x *Index) Articles() []*Article { return x.load().articles() }

func (s *snapshot) articles() []*Article {
	out := make([]*Article, 0, s.live)
	for doc := range s.base.arts {
		if !s.isDead(int32(doc)) {
			out = append(out, &s.base.arts[doc])
		}
	}
	for i := range s.delta.arts {
		out = append(out, &s.delta.arts[i])
	}
	return out
}

// idf weighs a key by how few articles hold it: rare keys say more about
// which article is meant. A key held by none gets the largest weight, so a
// query that is mostly unknown scores low even where its known part matches.
func idf(live, df int) float64 { return math.Log(1 + float64(live)/float64(df+1)) }

// Dictionary maps a word citizens use to the words the articles use:
// abbreviations and colloquial names (등본 → 주민등록등본, 딱지 → 과태료).
// Administrators edit it; search expands a query with it.
type Dictionary map[string][]string

// dictionary is a Dictionary with its words folded as queries are.
type dictionary struct {
	raw     Dictionary
	entries []dictEntry
}

type dictEntry struct {
	word []rune
	alts [][]rune
}

// SetDictionary replaces the synonym dictionary searches expand queries
// with. The map is copied. A query holding a word of the dictionary is also
// searched with each of its replacements, and an article found that way
// scores a little below one matching the query as typed.
func (x *Index) SetDictionary(d Dictionary) {
	c := &dictionary{raw: make(Dictionary, len(d))}
	for k, v := range d {
		c.raw[k] = slices.Clone(v)
		w := fold(k, false).runes
		if len(w) == 0 {
			continue
		}
		e := dictEntry{word: w}
		for _, alt := range v {
			if a := fold(alt, false).runes; len(a) > 0 && !slices.Equal(a, w) {
				e.alts = append(e.alts, a)
			}
		}
		if len(e.alts) > 0 {
			c.entries = append(c.entries, e)
		}
	}
	// Longer words first, so 주차딱지 is replaced before 딱지.
	slices.SortFunc(c.entries, func(a, b dictEntry) int { return len(b.word) - len(a.word) })
	x.dict.Store(c)
}

// Dictionary returns the current synonym dictionary; do not modify it.
func (x *Index) Dictionary() Dictionary {
	if d := x.dict.Load(); d != nil {
		return d.raw
	}
	return nil
}
