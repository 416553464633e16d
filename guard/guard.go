// Package guard tells abuse aimed at counselors from the rest: profanity
// (욕설·폭언·모욕), sexual harassment (성희롱) and threats (협박), with a
// score and the span that decided it, and a separate flag for a citizen in
// distress. It reads text through the disguises people use (ㅅㅂ, 씨X, 시1발,
// 씨 발, 시이이발, ㅆㅣㅂㅏㄹ, 쉬벌, tlqkf) with the korean package, matches a
// lexicon of roots that knows the innocent words containing them (시발점,
// 수박씨 발라, 18세, 병신년 1956), and weighs the whole sentence with a
// logistic model over character n-grams trained by `minwon guard train`.
// The model keeps a shared weight per feature and one per Domain, so the
// public sets' annotators (who call mild criticism offensive) do not teach
// the counselor domain their notion of abuse.
package guard

import (
	"sync"

	"github.com/minwon/minwon/korean"
)

// Label is what a text is.
type Label string

const (
	None      Label = "none"
	Profanity Label = "profanity" // 욕설·폭언·모욕
	Sexual    Label = "sexual"    // 성희롱
	Threat    Label = "threat"    // 협박
)

// Labels lists the labels in model order.
var Labels = [numLabels]Label{None, Profanity, Sexual, Threat}

const numLabels = 4

func labelIndex(l Label) int {
	for i, x := range Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// ParseLabel reads a label name.
func ParseLabel(s string) (Label, bool) {
	if i := labelIndex(Label(s)); i >= 0 {
		return Labels[i], true
	}
	return "", false
}

// Domain names whose notion of abuse the model applies. The model has a
// shared weight for every feature and one more per domain, learned from
// that domain's rows only: the public sets were labelled by different
// people to different rules, and counselor protection is a domain of its
// own, taught by minwon's examples and supervisors' decisions.
type Domain uint8

const (
	Counsel Domain = iota // a citizen talking to a counselor: what the center uses
	BEEP                  // news comments, kocohub/korean-hate-speech labels
	KMHaS                 // news comments, K-MHaS labels
	Curse                 // community comments, 2runo labels
	numDomains
)

var domainNames = [numDomains]string{"counsel", "beep", "kmhas", "curse"}

func (d Domain) String() string {
	if d < numDomains {
		return domainNames[d]
	}
	return "domain?"
}

// ParseDomain reads a domain name.
func ParseDomain(s string) (Domain, bool) {
	for d, n := range domainNames {
		if n == s {
			return Domain(d), true
		}
	}
	return 0, false
}

// domainSalt makes each domain's copy of a feature hash apart.
var domainSalt = [numDomains]uint64{0x5A17C0DE00000001, 0x5A17C0DE0000BEEF, 0x5A17C0DE00004B4D, 0x5A17C0DE00000001}

// Hit is one lexicon root found in the text.
type Hit struct {
	Label Label  `json:"label"` // none for a distress phrase
	Root  string `json:"root"`  // the root's plain spelling, e.g. 시발
	Start int    `json:"start"` // byte offsets into the original text
	End   int    `json:"end"`
	// Strong roots decide the label alone; weak ones only inform the model.
	Strong bool `json:"strong"`
	// Disguised: written with initials, masks, spaces, symbols or digits
	// inside, stretched, as jamo, look-alikes or on an English keyboard.
	Disguised bool `json:"disguised"`
}

// Result is the verdict on one text.
type Result struct {
	Label Label `json:"label"`
	// Score is the estimated probability that the text is abusive, 0..1.
	// Label is not none when Score reached the model's threshold or a
	// strong root decided (then Score is at least StrongScore). Texts of
	// fewer than 4 letters with no root in them score 0.
	Score float64 `json:"score"`
	// Start and End are the byte offsets in the original text of the words
	// that decided the label; both 0 when Label is none.
	Start int `json:"start"`
	End   int `json:"end"`
	// Distress marks a citizen who may harm themselves ("죽고 싶어요",
	// "죽을 것 같아요"): not abuse, but a reason to offer help.
	Distress bool  `json:"distress,omitempty"`
	Hits     []Hit `json:"hits,omitempty"`
}

// StrongScore is the least Score given when a strong root decides.
const StrongScore = 0.9

// minModelRunes is the least folded length the model judges alone; a
// shorter text with no root found scores 0.
const minModelRunes = 4

// Classifier labels text with a lexicon and a trained model. It is safe for
// concurrent use.
type Classifier struct {
	lx     *lexiconTrie
	model  *Model
	domain Domain
	pool   sync.Pool
}

// New returns a classifier using model in the counselor domain.
func New(model *Model) *Classifier { return newClassifier(model, Counsel) }

func newClassifier(model *Model, d Domain) *Classifier {
	c := &Classifier{lx: defaultLexicon(), model: model, domain: d}
	c.pool.New = func() any { return new(scratch) }
	return c
}

// ForDomain returns a classifier with the same model that applies domain
// d's weights and threshold, to measure the model on a public set the way
// that set's annotators labelled. The center always uses Counsel.
func (c *Classifier) ForDomain(d Domain) *Classifier { return newClassifier(c.model, d) }

// Domain reports whose weights and threshold c applies.
func (c *Classifier) Domain() Domain { return c.domain }

// Threshold is the abuse score from which c labels a text.
func (c *Classifier) Threshold() float64 { return float64(c.model.Thresholds[c.domain]) }

var (
	lexiconOnce = sync.OnceValue(func() *lexiconTrie {
		lx, err := compileLexicon(lexicon)
		if err != nil {
			panic("guard: " + err.Error()) // the lexicon is source code; tests catch this
		}
		return lx
	})
	defaultOnce = sync.OnceValues(func() (*Classifier, error) {
		m, err := DefaultModel()
		if err != nil {
			return nil, err
		}
		return New(m), nil
	})
)

func defaultLexicon() *lexiconTrie { return lexiconOnce() }

// Default returns the classifier with the model shipped in the package.
func Default() (*Classifier, error) { return defaultOnce() }

// Classify labels text with the shipped model. It panics if that model does
// not load, which the package's tests rule out.
func Classify(text string) Result {
	c, err := Default()
	if err != nil {
		panic("guard: " + err.Error())
	}
	return c.Classify(text)
}

// Classify labels one utterance or message.
func (c *Classifier) Classify(text string) Result {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	s.analyze(c.lx, text, c.domain)

	var z [numLabels]float32
	c.model.logits(s.feats, &z)
	abuse, li := judge(softmax(z), s.support())
	res := Result{Label: None, Score: float64(abuse)}

	best := -1
	for k := range s.found {
		f := &s.found[k]
		if f.distress {
			res.Distress = true
		}
		if f.strong && f.label != None && (best < 0 || severity(f.label) > severity(s.found[best].label)) {
			best = k
		}
	}
	switch {
	case best >= 0:
		f := s.found[best]
		res.Label, res.Start, res.End = f.label, f.start, f.end
		res.Score = max(res.Score, StrongScore)
	case len(s.found) == 0 && s.t.Len() < minModelRunes:
		// Too little text for the model to judge ("네", "?"); the lexicon
		// alone decides short utterances.
		res.Score = 0
	case res.Score >= float64(c.model.Thresholds[c.domain]):
		res.Label = Labels[li]
		res.Start, res.End = s.decidingSpan(c.model, li)
	}
	if len(s.found) > 0 {
		res.Hits = make([]Hit, 0, len(s.found))
		for _, f := range s.found {
			res.Hits = append(res.Hits, Hit{Label: f.label, Root: f.name, Start: f.start, End: f.end, Strong: f.strong, Disguised: f.disguised})
		}
	}
	return res
}

// unsupported is how much the model's belief in sexual harassment or a
// threat counts when no root of that kind is in the text. Both labels carry
// the heaviest sanctions (one strike for sexual harassment), and with few
// examples to learn from the model alone overreaches ("수어 상담 어떻게
// 해요?" once scored sexual).
const unsupported = 0.6

// judge turns the model's label probabilities into the abuse score and the
// most likely abusive label, discounting sexual and threat where no root of
// that kind supports them.
func judge(p [numLabels]float32, support [numLabels]bool) (abuse float32, label int) {
	label = 1
	best := float32(-1)
	for c := 1; c < numLabels; c++ {
		q := p[c]
		if c != 1 && !support[c] {
			q *= unsupported
		}
		abuse += q
		if q > best {
			best, label = q, c
		}
	}
	return abuse, label
}

// strongRoot reports whether a strong root of an abusive label was found,
// which decides the label whatever the model says.
func (s *scratch) strongRoot() bool {
	for _, f := range s.found {
		if f.strong && f.label != None {
			return true
		}
	}
	return false
}

// support reports which labels have a root, strong or weak, in the text.
func (s *scratch) support() (sup [numLabels]bool) {
	for _, f := range s.found {
		sup[labelIndex(f.label)] = true
	}
	return sup
}

// severity orders labels when a text has strong roots of several kinds:
// sexual harassment ends a contact at once, a threat is next.
func severity(l Label) int {
	switch l {
	case Sexual:
		return 3
	case Threat:
		return 2
	case Profanity:
		return 1
	}
	return 0
}

// decidingSpan returns the source bytes that most pushed the text to label
// li: a weak root of that label if there is one, else the n-gram whose
// weight for li over none is largest.
func (s *scratch) decidingSpan(m *Model, li int) (int, int) {
	for _, f := range s.found {
		if f.label == Labels[li] {
			return f.start, f.end
		}
	}
	s.features(true)
	bestW, bi, bj := float32(0), -1, -1
	for k, h := range s.feats {
		if s.spans[k][0] < 0 {
			continue
		}
		if w := m.weight(h, li) - m.weight(h, 0); bi < 0 || w > bestW {
			bestW, bi, bj = w, int(s.spans[k][0]), int(s.spans[k][1])
		}
	}
	if bi < 0 {
		return 0, 0
	}
	return s.t.Start[bi], s.t.End[bj]
}

// foldOptions is how the guard folds text: stretched letters squeezed, masks
// kept as wildcards, look-alike letters read as jamo.
const foldOptions = korean.Squeezed | korean.Masks | korean.LookAlikes | korean.SpacedJamo
