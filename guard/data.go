package guard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Example is one labelled text, for training or evaluation.
type Example struct {
	Text  string `json:"text"`
	Label Label  `json:"label"`
}

// Format is a labelled-file layout ReadExamples understands.
type Format string

const (
	FormatBEEP  Format = "beep"  // kocohub/korean-hate-speech TSV: comments … hate
	FormatKMHaS Format = "kmhas" // adlnlp/K-MHaS TSV: document, label list (quoted)
	FormatCurse Format = "curse" // 2runo/Curse-detection-data: text|0 or text|1
	FormatTSV   Format = "tsv"   // label<TAB>text or text<TAB>label, # comments
	FormatJSONL Format = "jsonl" // {"text": …, "label": …} per line
)

// The public sets label abuse without our kinds, so their abusive rows
// count as profanity (욕설·폭언·모욕); only our own examples teach sexual
// and threat.

// ReadExamplesFile reads a labelled file of any known format.
func ReadExamplesFile(path string) ([]Example, Format, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	ex, f, err := ReadExamples(b)
	if err != nil {
		return nil, f, fmt.Errorf("%s: %w", path, err)
	}
	return ex, f, nil
}

// ReadExamples detects the format of b and reads its examples.
func ReadExamples(b []byte) ([]Example, Format, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	first, _, _ := bytes.Cut(b, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	switch {
	case bytes.HasPrefix(first, []byte("comments\t")) && bytes.HasSuffix(first, []byte("\thate")):
		ex, err := readBEEP(b)
		return ex, FormatBEEP, err
	case string(first) == "document\tlabel":
		ex, err := readKMHaS(b)
		return ex, FormatKMHaS, err
	case bytes.HasPrefix(bytes.TrimSpace(first), []byte("{")):
		ex, err := readJSONL(b)
		return ex, FormatJSONL, err
	case !bytes.Contains(first, []byte("\t")) && (bytes.HasSuffix(first, []byte("|0")) || bytes.HasSuffix(first, []byte("|1"))):
		ex, err := readCurse(b)
		return ex, FormatCurse, err
	}
	ex, err := readTSV(b)
	return ex, FormatTSV, err
}

func abusive(yes bool) Label {
	if yes {
		return Profanity
	}
	return None
}

func readBEEP(b []byte) ([]Example, error) {
	var out []Example
	for n, line := range splitLines(b)[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			return nil, fmt.Errorf("line %d: %d columns, want 4", n+2, len(cols))
		}
		switch cols[3] {
		case "hate", "offensive", "none":
		default:
			return nil, fmt.Errorf("line %d: hate label %q", n+2, cols[3])
		}
		out = append(out, Example{Text: cols[0], Label: abusive(cols[3] != "none")})
	}
	return out, nil
}

func readKMHaS(b []byte) ([]Example, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, 2
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, rec := range recs[1:] {
		// Class 8 is "not hate speech"; every other class is hate.
		out = append(out, Example{Text: rec[0], Label: abusive(rec[1] != "8")})
	}
	return out, nil
}

func readCurse(b []byte) ([]Example, error) {
	var out []Example
	for n, line := range splitLines(b) {
		k := strings.LastIndexByte(line, '|') // the text may hold a | itself
		if k < 0 || (line[k+1:] != "0" && line[k+1:] != "1") {
			return nil, fmt.Errorf("line %d: no |0 or |1 at the end", n+1)
		}
		out = append(out, Example{Text: strings.TrimSpace(line[:k]), Label: abusive(line[k+1:] == "1")})
	}
	return out, nil
}

func readJSONL(b []byte) ([]Example, error) {
	var out []Example
	for n, line := range splitLines(b) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e struct {
			Text  string `json:"text"`
			Label string `json:"label"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		l, ok := readLabel(e.Label)
		if !ok {
			return nil, fmt.Errorf("line %d: label %q is not one of none, profanity, sexual, threat", n+1, e.Label)
		}
		out = append(out, Example{Text: e.Text, Label: l})
	}
	return out, nil
}

func readTSV(b []byte) ([]Example, error) {
	var out []Example
	for n, line := range splitLines(b) {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, z, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want label<TAB>text", n+1)
		}
		if l, ok := readLabel(a); ok {
			out = append(out, Example{Text: z, Label: l})
			continue
		}
		k := strings.LastIndexByte(line, '\t')
		if l, ok := readLabel(line[k+1:]); ok {
			out = append(out, Example{Text: line[:k], Label: l})
			continue
		}
		return nil, fmt.Errorf("line %d: no label (none, profanity, sexual, threat) in the first or last column", n+1)
	}
	return out, nil
}

// readLabel accepts our labels and the usual binary spellings.
func readLabel(s string) (Label, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "0", "clean", "ok", "false":
		return None, true
	case "1", "abusive", "abuse", "toxic", "true", "offensive", "hate":
		return Profanity, true
	}
	return ParseLabel(s)
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// KMHaSHeldOut reports whether a K-MHaS document is in the fifth of the
// file kept out of training for evaluation. The split hashes the text, so it
// does not depend on row order and the trainer and `guard eval` agree.
func KMHaSHeldOut(text string) bool {
	h := fnv.New32a()
	io.WriteString(h, text)
	return h.Sum32()%5 == 0
}

// CurseHeldOut reports whether a 2runo comment is in the fifth kept out of
// training, so that community comments with explicit profanity have a
// held-out figure too (the set has no split of its own).
func CurseHeldOut(text string) bool {
	h := fnv.New32a()
	io.WriteString(h, "curse:"+text)
	return h.Sum32()%5 == 0
}

// Dataset paths under the shared datasets folder.
const (
	PathCurse     = "curse-detection-2runo/dataset.txt"
	PathBEEPTrain = "beep-korean-hate-speech/train.tsv"
	PathBEEPDev   = "beep-korean-hate-speech/dev.tsv"
	PathKMHaS     = "kmhas/kmhas_valid.txt"
)

// domainOf tells whose labels each public set carries.
var domainOf = map[string]Domain{PathCurse: Curse, PathBEEPTrain: BEEP, PathKMHaS: KMHaS}

// source is one group of training examples with the weight each carries.
type source struct {
	name     string
	examples []Example
	weight   float32
	domain   Domain
}

// Corpus is what `minwon guard train` learns from.
type Corpus struct {
	sources []source
	// Held are texts kept for evaluation (BEEP dev, the held-out fifths of
	// K-MHaS and 2runo); a training row with the same text is dropped.
	Held map[string]bool
}

// Weights of each kind of example in training. Our own examples are few and
// in the domain (a citizen talking to a counselor), so they count more.
const (
	weightPublic = 1
	weightOwn    = 3
	weightExtra  = 3
)

// LoadCorpus reads the public sets under dataDir (skipped when dataDir is
// ""), our own labelled files (*.tsv, *.jsonl) under ownDir and any extra
// files, such as supervisors' confirmed and rejected incidents.
func LoadCorpus(dataDir, ownDir string, extra []string) (*Corpus, error) {
	c := &Corpus{Held: make(map[string]bool)}
	if dataDir != "" {
		for _, p := range []string{PathCurse, PathBEEPTrain, PathBEEPDev, PathKMHaS} {
			ex, _, err := ReadExamplesFile(filepath.Join(dataDir, p))
			if err != nil {
				return nil, fmt.Errorf("read dataset: %w", err)
			}
			var train []Example
			for _, e := range ex {
				switch {
				case p == PathBEEPDev:
					c.Held[e.Text] = true
				case p == PathKMHaS && KMHaSHeldOut(e.Text), p == PathCurse && CurseHeldOut(e.Text):
					c.Held[e.Text] = true
				default:
					train = append(train, e)
				}
			}
			if p != PathBEEPDev {
				c.sources = append(c.sources, source{name: p, examples: train, weight: weightPublic, domain: domainOf[p]})
			}
		}
	}
	if ownDir != "" {
		files, err := filepath.Glob(filepath.Join(ownDir, "*.tsv"))
		if err != nil {
			return nil, err
		}
		more, _ := filepath.Glob(filepath.Join(ownDir, "*.jsonl"))
		files = append(files, more...)
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("no *.tsv or *.jsonl examples in %s", ownDir)
		}
		for _, f := range files {
			ex, _, err := ReadExamplesFile(f)
			if err != nil {
				return nil, fmt.Errorf("read examples: %w", err)
			}
			c.sources = append(c.sources, source{name: filepath.Base(f), examples: ex, weight: weightOwn})
		}
	}
	for _, f := range extra {
		ex, _, err := ReadExamplesFile(f)
		if err != nil {
			return nil, fmt.Errorf("read extra examples: %w", err)
		}
		c.sources = append(c.sources, source{name: f, examples: ex, weight: weightExtra})
	}
	return c, nil
}
