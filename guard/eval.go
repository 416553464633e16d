package guard

import (
	"fmt"
	"io"
)

// Confusion counts gold labels against predicted ones.
type Confusion [numLabels][numLabels]int

// Add records one prediction.
func (m *Confusion) Add(gold, pred Label) { m[labelIndex(gold)][labelIndex(pred)]++ }

// Scores returns precision, recall and F1 of label l.
func (m *Confusion) Scores(l Label) (precision, recall, f1 float64, gold, pred int) {
	c := labelIndex(l)
	tp := m[c][c]
	for k := 0; k < numLabels; k++ {
		gold += m[c][k]
		pred += m[k][c]
	}
	return prf(tp, pred, gold)
}

// Abusive returns the scores of "abusive of any kind" against none, the
// measure the public binary sets support.
func (m *Confusion) Abusive() (precision, recall, f1 float64, gold, pred int) {
	tp := 0
	for g := 1; g < numLabels; g++ {
		for p := 1; p < numLabels; p++ {
			tp += m[g][p]
		}
		for k := 0; k < numLabels; k++ {
			gold += m[g][k]
			pred += m[k][g]
		}
	}
	return prf(tp, pred, gold)
}

// FalseWarnings returns how many clean texts were labelled abusive.
func (m *Confusion) FalseWarnings() (warned, clean int) {
	for k := 0; k < numLabels; k++ {
		clean += m[0][k]
	}
	return clean - m[0][0], clean
}

func prf(tp, pred, gold int) (p, r, f float64, g, pr int) {
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if gold > 0 {
		r = float64(tp) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f, gold, pred
}

// Evaluation is the outcome of classifying labelled examples.
type Evaluation struct {
	Confusion
	Threshold float64   // the model's threshold
	Scores    []float64 // Result.Score of each example
	Gold      []bool    // whether each example is abusive
}

// Evaluate classifies every example.
func (c *Classifier) Evaluate(ex []Example) *Evaluation {
	ev := &Evaluation{Threshold: c.Threshold()}
	for _, e := range ex {
		r := c.Classify(e.Text)
		ev.Add(e.Label, r.Label)
		ev.Scores = append(ev.Scores, r.Score)
		ev.Gold = append(ev.Gold, e.Label != None)
	}
	return ev
}

// AbusiveAt returns precision, recall and F1 of abusive against clean had
// the threshold been t. Strong roots score at least StrongScore, so this
// holds for t up to it.
func (ev *Evaluation) AbusiveAt(t float64) (precision, recall, f1 float64) {
	var tp, pred, gold int
	for i, s := range ev.Scores {
		if s >= t {
			pred++
			if ev.Gold[i] {
				tp++
			}
		}
		if ev.Gold[i] {
			gold++
		}
	}
	p, r, f, _, _ := prf(tp, pred, gold)
	return p, r, f
}

// WriteReport prints the confusion report and, where the examples have
// both abusive and clean rows, F1 at other thresholds: what the model would
// score if tuned for this set instead of for counselors.
func (ev *Evaluation) WriteReport(w io.Writer) {
	ev.Confusion.WriteReport(w)
	_, _, _, gold, _ := ev.Abusive()
	if gold == 0 || gold == len(ev.Scores) {
		return
	}
	fmt.Fprintf(w, "abusive F1 by threshold (shipped %.2f):", ev.Threshold)
	bestT, bestF := 0.0, -1.0
	for t := 0.05; t < StrongScore+0.001; t += 0.01 {
		if _, _, f := ev.AbusiveAt(t); f > bestF {
			bestT, bestF = t, f
		}
	}
	for _, t := range []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
		_, _, f := ev.AbusiveAt(t)
		fmt.Fprintf(w, " %.1f→%.3f", t, f)
	}
	fmt.Fprintf(w, "; best %.3f at %.2f (tuned on this set: optimistic)\n", bestF, bestT)
	fmt.Fprintf(w, "labelling every row abusive would score F1 %.3f\n", 2*float64(gold)/float64(gold+len(ev.Scores)))
}

// WriteReport prints precision, recall and F1 per label, abusive against
// clean, and the false-warning rate on clean rows.
func (m *Confusion) WriteReport(w io.Writer) {
	fmt.Fprintf(w, "%-10s %6s %6s %9s %7s %6s\n", "label", "gold", "pred", "precision", "recall", "F1")
	for _, l := range Labels {
		p, r, f, g, pr := m.Scores(l)
		fmt.Fprintf(w, "%-10s %6d %6d %9.3f %7.3f %6.3f\n", l, g, pr, p, r, f)
	}
	p, r, f, g, pr := m.Abusive()
	fmt.Fprintf(w, "%-10s %6d %6d %9.3f %7.3f %6.3f   (profanity|sexual|threat vs none)\n", "abusive", g, pr, p, r, f)
	if _, _, fn, gn, _ := m.Scores(None); g > 0 && gn > 0 {
		fmt.Fprintf(w, "macro-F1 abusive/none %.3f\n", (f+fn)/2)
	}
	if warned, clean := m.FalseWarnings(); clean > 0 {
		fmt.Fprintf(w, "false warnings on clean rows: %d of %d (%.1f%%)\n", warned, clean, 100*float64(warned)/float64(clean))
	}
	fmt.Fprintf(w, "confusion (rows gold, columns predicted: none profanity sexual threat)\n")
	for g, l := range Labels {
		fmt.Fprintf(w, "  %-10s %6d %6d %6d %6d\n", l, m[g][0], m[g][1], m[g][2], m[g][3])
	}
}
