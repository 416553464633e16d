package guard

import (
	"strings"

	"github.com/minwon/minwon/korean"
)

// featureSchema names the feature extraction a model was trained with; a
// model of another schema is refused rather than silently misread. Bump it
// when features change.
const featureSchema = 2

// found is a root or digit curse after resolution, in source bytes.
type found struct {
	label      Label
	name       string
	start, end int
	strong     bool
	distress   bool
	disguised  bool
	quoted     bool
}

// scratch is one goroutine's working memory for Classify and training.
type scratch struct {
	t, q        korean.Text
	keys, qk    []rune
	open, moved []rune
	raw, res    []match
	digits      []digitHit
	found       []found
	protect     []bool
	seq         []rune
	seqAt       []int32
	feats       []uint64
	spans       [][2]int32 // folded rune range of each n-gram feature; -1 for others
	wantSpans   bool
	domain      Domain // whose copy of each feature is added to the shared one
}

// Boundary runes in the n-gram sequence.
const (
	boundary    = ' '
	placeholder = '□' // an innocent word (시발점) stands as one neutral rune
)

// analyze folds text, finds roots and digit curses, and computes the
// feature hashes the model scores.
func (s *scratch) analyze(lx *lexiconTrie, text string, d Domain) {
	s.domain = d
	s.t.Fold(text, foldOptions)
	s.keys = appendKeys(s.keys[:0], s.t.Runes)
	sc := scanner{lx: lx, t: &s.t, keys: s.keys, src: text}
	sc.link(s.open, s.moved)
	s.open, s.moved = sc.open, sc.moved
	s.raw = sc.scan(s.raw[:0])
	s.res = resolve(lx, s.raw, s.res[:0])
	s.digits = digitHits(text, s.digits[:0])

	s.found = s.found[:0]
	s.protect = s.protect[:0]
	for range s.t.Runes {
		s.protect = append(s.protect, false)
	}
	for _, m := range s.res {
		r := &lx.roots[m.root]
		if r.flags&innocent != 0 {
			for k := m.i; k < m.j; k++ {
				s.protect[k] = true
			}
			continue
		}
		f := found{label: labelOrNone(r.label), name: r.name, start: s.t.Start[m.i], end: s.t.End[m.j-1],
			strong: r.flags&strong != 0, distress: r.flags&distress != 0, disguised: m.disguised}
		if f.strong && quoted(text, f.end) {
			// "죽여버린다고 협박해요": reported, not said to the counselor;
			// the model weighs it with the rest.
			f.strong, f.quoted = false, true
		}
		s.found = append(s.found, f)
	}
	if hasLatinWord(text) {
		// Hangul typed with the keyboard left in English: tlqkf → 시발. Only
		// whole spellings that begin a Latin word count.
		s.q.Fold(text, korean.Qwerty|korean.Squeezed)
		s.qk = appendKeys(s.qk[:0], s.q.Runes)
		qs := scanner{lx: lx, t: &s.q, keys: s.qk, src: text, literalOnly: true}
		s.raw = qs.scan(s.raw[:0])
		s.res = resolve(lx, s.raw, s.res[:0])
		for _, m := range s.res {
			r := &lx.roots[m.root]
			if r.flags&innocent != 0 || !startsLatinWord(text, s.q.Start[m.i]) {
				continue
			}
			s.found = append(s.found, found{label: labelOrNone(r.label), name: r.name, start: s.q.Start[m.i], end: s.q.End[m.j-1],
				strong: r.flags&strong != 0, distress: r.flags&distress != 0, disguised: true})
		}
	}
	for _, d := range s.digits {
		s.found = append(s.found, found{label: Profanity, name: d.name, start: d.start, end: d.end, strong: d.strong, disguised: true})
	}
	s.features(false)
}

// quotatives end a reported utterance: 죽인다고, 씨발이라고, 하자는.
var quotatives = []string{"다고", "라고", "냐고", "자고", "다는", "라는", "냐는", "자는", "다며", "라며", "대요", "래요", "댔", "랬"}

// quoted reports whether the word around a match, from byte end to the next
// space or punctuation, carries a quotative ending.
func quoted(text string, end int) bool {
	rest := text[end:]
	if k := strings.IndexAny(rest, " \t.,!?\"'“”‘’"); k >= 0 {
		rest = rest[:k]
	}
	if len(rest) > 24 {
		return false
	}
	for _, q := range quotatives {
		if strings.Contains(rest, q) {
			return true
		}
	}
	return false
}

func labelOrNone(l Label) Label {
	if l == "" {
		return None
	}
	return l
}

func appendKeys(dst []rune, rs []rune) []rune {
	for _, r := range rs {
		dst = append(dst, key(r))
	}
	return dst
}

// hasLatinWord reports whether text has two ASCII letters in a row, the
// least that could be Hangul typed on an English keyboard.
func hasLatinWord(text string) bool {
	for i := 1; i < len(text); i++ {
		if isLetterByte(text[i]) && isLetterByte(text[i-1]) {
			return true
		}
	}
	return false
}

func startsLatinWord(text string, at int) bool {
	return at < len(text) && isLetterByte(text[at]) && (at == 0 || !isLetterByte(text[at-1]))
}

func isLetterByte(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// features fills s.feats: character 1- to 3-grams and whole words of the
// keyed text with word boundaries, and one feature per root found. With
// spans it also fills s.spans, which only the rare model-decided label needs.
func (s *scratch) features(spans bool) {
	s.wantSpans = spans
	s.seq, s.seqAt = s.seq[:0], s.seqAt[:0]
	s.seq, s.seqAt = append(s.seq, boundary), append(s.seqAt, -1)
	for k, r := range s.keys {
		if k > 0 && s.t.Gaps[k]&(korean.GapSpace|korean.GapSymbol) != 0 && s.seq[len(s.seq)-1] != boundary {
			s.seq, s.seqAt = append(s.seq, boundary), append(s.seqAt, -1)
		}
		if s.protect[k] {
			if k > 0 && s.protect[k-1] {
				continue
			}
			r = placeholder
		}
		s.seq, s.seqAt = append(s.seq, r), append(s.seqAt, int32(k))
	}
	if s.seq[len(s.seq)-1] != boundary {
		s.seq, s.seqAt = append(s.seq, boundary), append(s.seqAt, -1)
	}

	s.feats, s.spans = s.feats[:0], s.spans[:0]
	seq := s.seq
	for p := range seq {
		// The 1-, 2- and 3-grams starting at p, hashed in one pass.
		h := uint64(0x9E3779B97F4A7C15)
		a := p
		if s.seqAt[a] < 0 {
			a++
		}
		for n := 1; n <= 3 && p+n <= len(seq); n++ {
			h = (h ^ uint64(seq[p+n-1])) * 0x100000001B3
			if n == 1 && seq[p] == boundary {
				continue
			}
			b := p + n - 1
			if s.seqAt[b] < 0 {
				b--
			}
			if b < a {
				continue
			}
			s.add(h, s.seqAt[a], s.seqAt[b]+1)
		}
	}
	// Whole words, so 개발 as a word is not just its bigram.
	for p := 0; p < len(seq); {
		for p < len(seq) && seq[p] == boundary {
			p++
		}
		q := p
		for q < len(seq) && seq[q] != boundary {
			q++
		}
		if q > p && q-p <= 8 {
			h := uint64(0x9E3779B97F4A7C15) ^ 0x57
			for _, r := range seq[p:q] {
				h = (h ^ uint64(r)) * 0x100000001B3
			}
			s.add(h, s.seqAt[p], s.seqAt[q-1]+1)
		}
		p = q
	}
	for _, f := range s.found {
		s.add(hashString("R", f.name), -1, -1)
		kind := "weak"
		switch {
		case f.distress:
			kind = "distress"
		case f.strong:
			kind = "strong"
		}
		s.add(hashString("L"+string(f.label), kind), -1, -1)
		if f.disguised {
			s.add(hashString("X", string(f.label)), -1, -1)
		}
		if f.quoted {
			s.add(hashString("Q", string(f.label)), -1, -1)
		}
	}
	// Each feature once more in the domain's own copy: the shared copy
	// learns what abuse is everywhere, the domain's copy what one set of
	// annotators calls abuse beyond that (BEEP's "offensive" takes in mild
	// criticism that 2runo's labellers leave clean).
	salt := domainSalt[s.domain]
	for k, n := 0, len(s.feats); k < n; k++ {
		s.feats = append(s.feats, mix(s.feats[k]^salt))
		if s.wantSpans {
			s.spans = append(s.spans, s.spans[k])
		}
	}
}

func (s *scratch) add(h uint64, i, j int32) {
	s.feats = append(s.feats, mix(h))
	if s.wantSpans {
		s.spans = append(s.spans, [2]int32{i, j - 1})
	}
}

func hashString(kind, s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(kind); i++ {
		h = (h ^ uint64(kind[i])) * 0x100000001B3
	}
	h = (h ^ 0xFF) * 0x100000001B3
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 0x100000001B3
	}
	return h
}

// mix spreads a hash's entropy into its top bits, which pick the bucket.
func mix(h uint64) uint64 {
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return h
}
