package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
)

const guardUsage = `minwon guard — the counselor-protection classifier

  minwon guard classify [--model FILE] [--domain D]
      read UTF-8 lines on stdin, write one JSON object per line:
      {"text": "...", "label": "profanity|sexual|threat|none", "score": 0.0}
      in the counselor domain, or in D (beep, kmhas, curse) to compare.
  minwon guard eval [--model FILE] [--all] [--domain D] FILE...
      print precision, recall and F1 per label. FILE may be BEEP (train.tsv,
      dev.tsv), K-MHaS (kmhas_*.txt) and 2runo (dataset.txt) — of these two only
      the fifth kept out of training unless --all — label<TAB>text TSV or
      {"text","label"} JSONL. A public set is judged with its own domain's
      weights and threshold (beep, kmhas, curse) and summarised in the
      counselor domain too; other files in the counselor domain (counsel).
      --domain forces one.
  minwon guard train [--data DIR] [--examples DIR] [--extra FILE]... [--out FILE]
      train the model on the public sets in DIR (default ../shared/datasets
      beside the repository), our examples (guard/testdata/train) and extra
      labelled files such as supervisors' decisions; writes guard/model/guard.model.
  minwon guard decisions [--data DIR] [--db URL] [--tenant ID] [--out FILE]
      write supervisors' reviews of incidents as JSONL for train --extra: the
      words of confirmed incidents with their label, of dismissed ones as none.
`

func runGuard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, guardUsage)
		return minwon.Errorf(minwon.EINVALID, "guard: no subcommand given")
	}
	switch args[0] {
	case "classify":
		return guardClassify(ctx, args[1:], os.Stdin, stdout, stderr)
	case "eval":
		return guardEval(ctx, args[1:], stdout, stderr)
	case "train":
		return guardTrain(ctx, args[1:], stdout, stderr)
	case "decisions":
		return guardDecisions(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, guardUsage)
		return nil
	}
	fmt.Fprint(stderr, guardUsage)
	return minwon.Errorf(minwon.EINVALID, "guard: unknown subcommand %q", args[0])
}

// loadClassifier returns the classifier with the model in path, or the
// shipped one when path is "".
func loadClassifier(path string) (*guard.Classifier, error) {
	if path == "" {
		c, err := guard.Default()
		if err != nil {
			return nil, fmt.Errorf("load model: %w", err)
		}
		return c, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "cannot open model: %v", err)
	}
	defer f.Close()
	m, err := guard.ReadModel(f)
	if err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "%s: %v", path, err)
	}
	return guard.New(m), nil
}

// classifyLine is the operator contract of `minwon guard classify`; Start,
// End and Distress are added only when they say something.
type classifyLine struct {
	Text     string  `json:"text"`
	Label    string  `json:"label"`
	Score    float64 `json:"score"`
	Span     []int   `json:"span,omitempty"`
	Distress bool    `json:"distress,omitempty"`
}

type classifyError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func guardClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guard classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "model file (default: the one built in)")
	domain := fs.String("domain", "counsel", "whose weights and threshold: counsel, beep, kmhas or curse")
	if err := fs.Parse(args); err != nil {
		return minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	d, ok := guard.ParseDomain(*domain)
	if !ok {
		return minwon.Errorf(minwon.EINVALID, "guard classify: unknown domain %q (counsel, beep, kmhas, curse)", *domain)
	}
	c, err := loadClassifier(*model)
	if err != nil {
		return err
	}
	if d != guard.Counsel {
		c = c.ForDomain(d)
	}
	in := bufio.NewReaderSize(stdin, 64*1024)
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return err
		}
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			var v any
			if !utf8.Valid(line) {
				v = classifyError{Line: n, Error: "invalid UTF-8"}
			} else {
				r := c.Classify(string(line))
				cl := classifyLine{Text: string(line), Label: string(r.Label), Score: math.Round(r.Score*1000) / 1000, Distress: r.Distress}
				if r.Label != guard.None {
					cl.Span = []int{r.Start, r.End}
				}
				v = cl
			}
			if werr := enc.Encode(v); werr != nil {
				return fmt.Errorf("write result: %w", werr)
			}
		}
		// Answer each line as it comes when the input is interactive.
		if in.Buffered() == 0 || err != nil {
			if ferr := out.Flush(); ferr != nil {
				return fmt.Errorf("write result: %w", ferr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	}
}

func guardEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guard eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "model file (default: the one built in)")
	all := fs.Bool("all", false, "evaluate every K-MHaS and 2runo row, not only the fifth kept out of training")
	domain := fs.String("domain", "", "judge every file in this domain: counsel, beep, kmhas or curse (default: by format)")
	if err := fs.Parse(args); err != nil {
		return minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	if fs.NArg() == 0 {
		return minwon.Errorf(minwon.EINVALID, "guard eval: no file given")
	}
	forced, ok := guard.Counsel, true
	if *domain != "" {
		if forced, ok = guard.ParseDomain(*domain); !ok {
			return minwon.Errorf(minwon.EINVALID, "guard eval: unknown domain %q (counsel, beep, kmhas, curse)", *domain)
		}
	}
	c, err := loadClassifier(*model)
	if err != nil {
		return err
	}
	for i, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		ex, format, err := guard.ReadExamplesFile(path)
		if err != nil {
			return minwon.Errorf(minwon.EINVALID, "%v", err)
		}
		note := ""
		switch format {
		case guard.FormatKMHaS:
			if !*all {
				ex, note = heldOut(ex, guard.KMHaSHeldOut), "; the fifth of rows kept out of training"
			}
			note += "; hate classes 0–7 count as abusive, 8 as none"
		case guard.FormatBEEP:
			note = "; hate and offensive count as abusive"
			if strings.Contains(filepath.Base(path), "train") {
				note += "; WARNING: the model was trained on this file"
			}
		case guard.FormatCurse:
			if !*all {
				ex, note = heldOut(ex, guard.CurseHeldOut), "; the fifth of rows kept out of training"
			}
			note += "; label 1 counts as abusive"
		}
		d := formatDomain[format]
		if *domain != "" {
			d = forced
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s: %d rows (%s%s); domain %s, threshold %.2f\n", path, len(ex), format, note, d, c.ForDomain(d).Threshold())
		start := time.Now()
		m := c.ForDomain(d).Evaluate(ex)
		el := time.Since(start)
		m.WriteReport(stdout)
		if len(ex) > 0 {
			fmt.Fprintf(stdout, "classified in %v (%.1f µs per text)\n", el.Round(time.Millisecond), float64(el.Microseconds())/float64(len(ex)))
		}
		if d != guard.Counsel {
			cm := c.Evaluate(ex)
			p, r, f, _, _ := cm.Abusive()
			warned, clean := cm.FalseWarnings()
			fmt.Fprintf(stdout, "counsel domain (what the center uses, threshold %.2f): abusive precision %.3f recall %.3f F1 %.3f; clean warned %d of %d\n",
				c.Threshold(), p, r, f, warned, clean)
		}
	}
	return nil
}

func guardTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("guard train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := repoRoot()
	def := func(rel string) string {
		if root == "" {
			return ""
		}
		return filepath.Join(root, rel)
	}
	data := fs.String("data", def("../shared/datasets"), "folder of the public datasets; \"\" to train on our examples only")
	examples := fs.String("examples", def("guard/testdata/train"), "folder of our own labelled examples (*.tsv, *.jsonl)")
	out := fs.String("out", def("guard/model/guard.model"), "model file to write")
	var extra []string
	fs.Func("extra", "extra labelled file (JSONL of {\"text\",\"label\"} or TSV), e.g. supervisors' decisions; repeatable", func(s string) error {
		extra = append(extra, s)
		return nil
	})
	var opt guard.TrainOptions
	fs.IntVar(&opt.Bits, "bits", 20, "hash buckets, as a power of two")
	fs.IntVar(&opt.Iters, "iters", 120, "L-BFGS iterations at most")
	fs.Float64Var(&opt.L2, "l2", 1e-3, "L2 penalty on the weights")
	fs.Float64Var(&opt.NB, "nb", 0, "scale features by their log-count ratios with this smoothing (e.g. 1); 0 for none")
	if err := fs.Parse(args); err != nil {
		return minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	if *out == "" || *examples == "" {
		return minwon.Errorf(minwon.EINVALID, "guard train: run inside the repository or give --examples and --out")
	}
	start := time.Now()
	corpus, err := guard.LoadCorpus(*data, *examples, extra)
	if err != nil {
		return minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	opt.Log = stdout
	fmt.Fprintf(stdout, "training on %s, %s and %d extra file(s)\n", *data, *examples, len(extra))
	m, err := guard.Train(corpus, opt)
	if err != nil {
		return minwon.Errorf(minwon.EINVALID, "guard train: %v", err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes) in %v\n", *out, buf.Len(), time.Since(start).Round(time.Millisecond))
	return nil
}

// repoRoot finds the minwon repository around the working directory, or "".
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/minwon/minwon\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// formatDomain is the domain whose labels each file format carries.
var formatDomain = map[guard.Format]guard.Domain{guard.FormatBEEP: guard.BEEP, guard.FormatKMHaS: guard.KMHaS, guard.FormatCurse: guard.Curse}

// heldOut keeps the examples that training never sees, so eval reports on
// unseen rows of a dataset the model also learned from.
func heldOut(ex []guard.Example, kept func(string) bool) []guard.Example {
	out := ex[:0]
	for _, e := range ex {
		if kept(e.Text) {
			out = append(out, e)
		}
	}
	return out
}
