package guard

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"sort"
)

// TrainOptions tune training. The zero value means the defaults.
type TrainOptions struct {
	Bits   int     // hash buckets 1<<Bits; default 18
	Epochs int     // passes over the data; default 6
	Rate   float64 // AdaGrad learning rate; default 0.05
	L2     float64 // weight decay; default 1e-6
	Seed   uint64  // shuffling; default 120
	Log    io.Writer
}

func (o *TrainOptions) defaults() {
	if o.Bits == 0 {
		o.Bits = 18
	}
	if o.Epochs == 0 {
		o.Epochs = 6
	}
	if o.Rate == 0 {
		o.Rate = 0.05
	}
	if o.L2 == 0 {
		o.L2 = 1e-6
	}
	if o.Seed == 0 {
		o.Seed = 120
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// row is one training example reduced to bucket indices.
type row struct {
	feats   []uint32
	label   int
	weight  float32
	own     bool            // written for this domain, not a public set
	fold    int             // cross-validation fold, from a hash of the text
	short   bool            // too short for the model alone: Classify scores it 0
	support [numLabels]bool // labels with a root in the text
}

// Train learns a model from the corpus. Training is deterministic: rows are
// deduplicated (the later source wins) and kept in source order, shuffled
// with a fixed seed, and
// the threshold is tuned on five folds chosen by hashing the text; the final
// model is trained on every row.
func Train(c *Corpus, opt TrainOptions) (*Model, error) {
	opt.defaults()
	rows, err := buildRows(c, opt)
	if err != nil {
		return nil, err
	}

	// Tune the threshold on out-of-fold scores: five models, each trained
	// without one fifth of the rows, score that fifth.
	oof := make([]float32, len(rows))
	for k := 0; k < folds; k++ {
		var train []row
		for _, r := range rows {
			if r.fold != k {
				train = append(train, r)
			}
		}
		m := fit(train, opt)
		for i, r := range rows {
			if r.fold == k && !r.short {
				oof[i] = m.abuse(r.feats, r.support)
			}
		}
	}
	threshold := tuneThreshold(rows, oof, opt.Log)

	m := fit(rows, opt)
	m.Threshold = threshold
	fmt.Fprintf(opt.Log, "trained on %d rows; threshold %.2f\n", len(rows), threshold)
	return m, nil
}

// buildRows reduces the corpus to deduplicated rows of bucket indices.
func buildRows(c *Corpus, opt TrainOptions) ([]row, error) {
	lx := defaultLexicon()
	var s scratch
	// A text in several sources is learned once, with the label of the
	// last source that has it: a supervisor's decision (--extra) overrides
	// our examples, which override the public sets.
	owner := make(map[string]int)
	for si := len(c.sources) - 1; si >= 0; si-- {
		for _, e := range c.sources[si].examples {
			if _, ok := owner[e.Text]; !ok {
				owner[e.Text] = si
			}
		}
	}
	var rows []row
	counts := map[string][numLabels]int{}
	for si, src := range c.sources {
		var n [numLabels]int
		for _, e := range src.examples {
			if e.Text == "" || owner[e.Text] != si || c.Held[e.Text] {
				continue
			}
			owner[e.Text] = -1 // once only
			li := labelIndex(e.Label)
			if li < 0 {
				return nil, fmt.Errorf("%s: label %q", src.name, e.Label)
			}
			s.analyze(lx, e.Text)
			r := row{label: li, weight: src.weight, own: src.weight != weightPublic, fold: foldOf(e.Text),
				short: len(s.found) == 0 && s.t.Len() < minModelRunes, support: s.support()}
			for _, h := range s.feats {
				r.feats = append(r.feats, uint32(h>>(64-opt.Bits)))
			}
			rows = append(rows, r)
			n[li]++
		}
		counts[src.name] = n
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no training examples")
	}
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		n := counts[k]
		fmt.Fprintf(opt.Log, "  %-40s none %5d  profanity %5d  sexual %4d  threat %4d\n", k, n[0], n[1], n[2], n[3])
	}
	return rows, nil
}

const folds = 5

func foldOf(text string) int {
	h := fnv.New64a()
	io.WriteString(h, "fold:"+text)
	return int(h.Sum64() % folds)
}

// fit runs AdaGrad on multinomial logistic regression and quantizes the
// weights.
func fit(rows []row, opt TrainOptions) *Model {
	nb := 1 << opt.Bits
	w := make([]float32, nb*numLabels)
	g := make([]float32, nb*numLabels)
	var bias, gb [numLabels]float64

	// Balance the labels: sexual and threat are few, so each of their rows
	// counts more, by the square root of the imbalance to keep precision.
	var total [numLabels]float64
	for _, r := range rows {
		total[r.label] += float64(r.weight)
	}
	var sum float64
	for _, t := range total {
		sum += t
	}
	var classW [numLabels]float64
	for c, t := range total {
		if t > 0 {
			classW[c] = math.Sqrt(sum / (numLabels * t))
		}
	}

	rng := rand.New(rand.NewPCG(opt.Seed, 0x6d696e776f6e))
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	lr, l2 := float32(opt.Rate), float32(opt.L2)
	for epoch := 0; epoch < opt.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, idx := range order {
			r := &rows[idx]
			var z [numLabels]float32
			for c := range z {
				z[c] = float32(bias[c])
			}
			for _, f := range r.feats {
				b := int(f) * numLabels
				for c := 0; c < numLabels; c++ {
					z[c] += w[b+c]
				}
			}
			p := softmax(z)
			scale := float32(r.weight) * float32(classW[r.label])
			var grad [numLabels]float32
			for c := range grad {
				y := float32(0)
				if c == r.label {
					y = 1
				}
				grad[c] = (p[c] - y) * scale
			}
			for _, f := range r.feats {
				b := int(f) * numLabels
				for c := 0; c < numLabels; c++ {
					gc := grad[c] + l2*w[b+c]
					g[b+c] += gc * gc
					w[b+c] -= lr * gc / float32(math.Sqrt(float64(g[b+c]))+1e-6)
				}
			}
			for c := range bias {
				gc := float64(grad[c])
				gb[c] += gc * gc
				bias[c] -= float64(lr) * gc / (math.Sqrt(gb[c]) + 1e-6)
			}
		}
	}
	m := &Model{Bits: opt.Bits}
	for c := range m.Bias {
		m.Bias[c] = float32(bias[c])
	}
	quantize(m, w)
	return m
}

// quantize stores w as int8 with one scale per label, clipping the rare
// weight beyond the 99.99th percentile so the rest keep their precision.
func quantize(m *Model, w []float32) {
	m.W = make([]int8, len(w))
	for c := 0; c < numLabels; c++ {
		var abs []float64
		for i := c; i < len(w); i += numLabels {
			if w[i] != 0 {
				abs = append(abs, math.Abs(float64(w[i])))
			}
		}
		if len(abs) == 0 {
			m.Scale[c] = 1
			continue
		}
		sort.Float64s(abs)
		top := abs[min(len(abs)-1, int(float64(len(abs))*0.9999))]
		m.Scale[c] = float32(top / 127)
		for i := c; i < len(w); i += numLabels {
			q := math.Round(float64(w[i]) / float64(m.Scale[c]))
			m.W[i] = int8(max(-127, min(127, q)))
		}
	}
}

// abuse returns the abuse score Classify would give a row, before roots
// decide.
func (m *Model) abuse(feats []uint32, support [numLabels]bool) float32 {
	var sum [numLabels]int32
	for _, f := range feats {
		w := m.W[int(f)*numLabels:][:numLabels]
		for c := range sum {
			sum[c] += int32(w[c])
		}
	}
	var z [numLabels]float32
	for c := range z {
		z[c] = float32(sum[c])*m.Scale[c] + m.Bias[c]
	}
	a, _ := judge(softmax(z), support)
	return a
}

// Limits the threshold is tuned under, on out-of-fold scores of our own
// examples: at most this share of clean ones warned.
const maxOwnFalseWarnings = 0.01

// tuneThreshold picks the abuse probability from which a text is labelled:
// the best F1 of abusive against clean on the public rows, among thresholds
// that warn at most maxOwnFalseWarnings of our own clean examples (angry and
// distressed citizens, innocent words). Counselors see every warning, so a
// false one costs more than a comment left unflagged.
func tuneThreshold(rows []row, score []float32, log io.Writer) float32 {
	best, bestF, bestFP, bestRecall := float32(0.9), -1.0, 0.0, 0.0
	for t := float32(0.20); t <= 0.951; t += 0.01 {
		var tp, fp, fn, ownFP, ownNeg, ownTP, ownPos float64
		for i, r := range rows {
			pred, abusive := score[i] >= t, r.label != 0
			if r.own {
				if abusive {
					ownPos++
					if pred {
						ownTP++
					}
				} else {
					ownNeg++
					if pred {
						ownFP++
					}
				}
				continue
			}
			switch {
			case pred && abusive:
				tp++
			case pred:
				fp++
			case abusive:
				fn++
			}
		}
		if ownNeg > 0 && ownFP/ownNeg > maxOwnFalseWarnings {
			continue
		}
		if f := 2 * tp / (2*tp + fp + fn); f > bestF {
			best, bestF = t, f
			bestFP, bestRecall = ownFP/max(ownNeg, 1), ownTP/max(ownPos, 1)
		}
	}
	fmt.Fprintf(log, "threshold %.2f (out-of-fold): public F1 abusive vs clean %.3f; own examples: clean warned %.1f%%, abusive caught %.1f%%\n",
		best, bestF, 100*bestFP, 100*bestRecall)
	return best
}
