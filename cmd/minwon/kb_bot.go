package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/bot"
	"github.com/minwon/minwon/demo"
	"github.com/minwon/minwon/kb"
)

// botFlags are the flags `kb ask` and `kb eval` share: where the knowledge
// base is and how the bot is tuned.
type botFlags struct {
	cfg  Config
	opts bot.Options
	llm  bot.LLMConfig
}

// parseBotFlags parses flags before and after the positional arguments
// (`kb eval FILE --demo` as well as `kb eval --demo FILE`), which it returns.
func parseBotFlags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet, *botFlags)) (*botFlags, []string, error) {
	bf := &botFlags{cfg: DefaultConfig(), opts: bot.DefaultOptions(), llm: llmFromEnv()}
	for key, dst := range map[string]*string{"MINWON_DATA": &bf.cfg.Data, "MINWON_DB": &bf.cfg.DB} {
		if v := os.Getenv(key); v != "" {
			*dst = v
		}
	}
	fset := flag.NewFlagSet("kb "+name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&bf.cfg.Data, "data", bf.cfg.Data, "directory holding the knowledge base")
	fset.StringVar(&bf.cfg.DB, "db", bf.cfg.DB, "database URL (postgres://…); default SQLite in --data")
	fset.BoolVar(&bf.cfg.Demo, "demo", false, "answer from the demo center's articles instead of those in --data")
	fset.Float64Var(&bf.opts.AnswerThreshold, "threshold", bf.opts.AnswerThreshold, "score at or above which the bot answers")
	fset.Float64Var(&bf.opts.ClarifyMargin, "margin", bf.opts.ClarifyMargin, "score gap under which the bot asks which article was meant")
	if extra != nil {
		extra(fset, bf)
	}
	var pos []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, nil, minwon.Errorf(minwon.EINVALID, "%v", err)
		}
		rest := fset.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...) // after "--" everything is an argument
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	if t := bf.opts.AnswerThreshold; t < 0 || t > 1 {
		return nil, nil, minwon.Errorf(minwon.EINVALID, "kb %s: --threshold %v is not in 0..1", name, t)
	}
	return bf, pos, nil
}

// index returns the knowledge base the bot answers from: the demo center's
// articles with --demo (so tuning needs no database), else those in --data.
func (bf *botFlags) index(stderr io.Writer) (*kb.Index, error) {
	if bf.cfg.Demo {
		arts, err := demo.Articles()
		if err != nil {
			return nil, err
		}
		return kb.NewIndex(arts), nil
	}
	x, err := loadKB(bf.cfg, newLogger(stderr))
	if err != nil {
		return nil, err
	}
	if x.Len() == 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "the knowledge base in %s is empty: import articles or pass --demo", bf.cfg.Data)
	}
	return x, nil
}

// llmFromEnv reads the optional answer generator's settings:
// MINWON_LLM_URL (an OpenAI-compatible base URL such as
// http://127.0.0.1:11434/v1), MINWON_LLM_MODEL and MINWON_LLM_KEY.
func llmFromEnv() bot.LLMConfig {
	return bot.LLMConfig{URL: os.Getenv("MINWON_LLM_URL"), Model: os.Getenv("MINWON_LLM_MODEL"), Key: os.Getenv("MINWON_LLM_KEY")}
}

// newGenerator returns the generator for cfg, or nil (retrieval answers,
// the default) when no URL is set. serve can use it the same way.
func newGenerator(cfg bot.LLMConfig) (bot.Generator, error) {
	if cfg.URL == "" {
		return nil, nil
	}
	g, err := bot.NewLLM(cfg)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// askLine is the operator contract of `minwon kb ask`.
type askLine struct {
	Question  string   `json:"question"`
	ArticleID string   `json:"article_id"`
	Title     string   `json:"title"`
	Score     float64  `json:"score"`
	Handoff   bool     `json:"handoff"`
	Kind      bot.Kind `json:"kind"`
	Text      string   `json:"text,omitempty"`
}

func kbAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var withText bool
	bf, pos, err := parseBotFlags("ask", args, stderr, func(fs *flag.FlagSet, bf *botFlags) {
		fs.BoolVar(&withText, "text", false, "include the bot's reply text")
		fs.StringVar(&bf.llm.URL, "llm-url", bf.llm.URL, "OpenAI-compatible chat-completions base URL, e.g. http://127.0.0.1:11434/v1 (env MINWON_LLM_URL); off when empty")
		fs.StringVar(&bf.llm.Model, "llm-model", bf.llm.Model, "model name for --llm-url (env MINWON_LLM_MODEL; key in MINWON_LLM_KEY)")
	})
	if err != nil {
		return err
	}
	if bf.opts.Generator, err = newGenerator(bf.llm); err != nil {
		return err
	}
	x, err := bf.index(stderr)
	if err != nil {
		return err
	}
	b := bot.New(x, bf.opts)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	ask := func(q string) error {
		var st bot.State
		r := b.ReplyContext(ctx, &st, q)
		l := askLine{Question: q, ArticleID: r.ArticleID, Title: r.Title, Score: r.Score, Handoff: !r.Answered(), Kind: r.Kind}
		if withText {
			l.Text = r.Text
		}
		return enc.Encode(l)
	}
	if len(pos) > 0 {
		q := strings.Join(pos, " ")
		if !utf8.ValidString(q) {
			return minwon.Errorf(minwon.EINVALID, "kb ask: question is not valid UTF-8")
		}
		return ask(q)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(string(bytes.TrimSuffix(sc.Bytes(), []byte("\r"))), "\uFEFF"))
		if line == "" {
			continue
		}
		if !utf8.ValidString(line) {
			fmt.Fprintf(stderr, "minwon: kb ask: line %d is not valid UTF-8; read as far as it is\n", n)
			line = strings.ToValidUTF8(line, "")
		}
		if err := ask(line); err != nil {
			return fmt.Errorf("write answer: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return minwon.Errorf(minwon.EINVALID, "kb ask: read questions: %v", err)
	}
	return nil
}

// labelled is one line of an evaluation file.
type labelled struct {
	Question  string  `json:"question"`
	ArticleID *string `json:"article_id"`
}

func loadLabelled(path string) ([]labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "kb eval: %v", err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var l labelled
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, minwon.Errorf(minwon.EINVALID, "%s line %d: %v", path, n, err)
		}
		if strings.TrimSpace(l.Question) == "" || l.ArticleID == nil {
			return nil, minwon.Errorf(minwon.EINVALID, `%s line %d: want {"question": "...", "article_id": "..."} ("" for out-of-scope)`, path, n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "%s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "%s: no questions", path)
	}
	return out, nil
}

// evalResult is the bot's score on a labelled set at one threshold.
type evalResult struct {
	Threshold float64 `json:"threshold"`
	InScope   int     `json:"in_scope"`
	Answered  int     `json:"answered"`
	Correct   int     `json:"correct"`
	Clarified int     `json:"clarified"`
	OutScope  int     `json:"out_of_scope"`
	Declined  int     `json:"declined"`
	// Shares, 0..1.
	AnsweredShare float64 `json:"answered_share"`
	Precision     float64 `json:"precision"`
	DeclineRate   float64 `json:"decline_rate"`
	misses        []string
}

func evaluate(x *kb.Index, opts bot.Options, qs []labelled) evalResult {
	b := bot.New(x, opts)
	r := evalResult{Threshold: opts.AnswerThreshold}
	for _, q := range qs {
		rep := b.Ask(q.Question)
		want := *q.ArticleID
		if want == "" {
			r.OutScope++
			if !rep.Answered() {
				r.Declined++
			} else {
				r.misses = append(r.misses, fmt.Sprintf("answered out-of-scope %q → %s (%.2f)", q.Question, rep.ArticleID, rep.Score))
			}
			continue
		}
		r.InScope++
		switch {
		case rep.Answered():
			r.Answered++
			if rep.ArticleID == want {
				r.Correct++
			} else {
				r.misses = append(r.misses, fmt.Sprintf("wrong %q → %s (%.2f), want %s", q.Question, rep.ArticleID, rep.Score, want))
			}
		case rep.Kind == bot.KindClarify:
			r.Clarified++
			r.misses = append(r.misses, fmt.Sprintf("clarify %q → %s (%.2f), want %s", q.Question, optionIDs(rep.Options), rep.Score, want))
		default:
			r.misses = append(r.misses, fmt.Sprintf("%s %q → %s (%.2f), want %s", rep.Kind, q.Question, rep.ArticleID, rep.Score, want))
		}
	}
	r.AnsweredShare = ratio(r.Answered, r.InScope)
	r.Precision = ratio(r.Correct, r.Answered)
	r.DeclineRate = ratio(r.Declined, r.OutScope)
	return r
}

func optionIDs(opts []bot.Suggestion) string {
	ids := make([]string, len(opts))
	for i, o := range opts {
		ids[i] = o.ArticleID
	}
	return strings.Join(ids, "|")
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func kbEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var misses, asJSON bool
	bf, pos, err := parseBotFlags("eval", args, stderr, func(fs *flag.FlagSet, _ *botFlags) {
		fs.BoolVar(&misses, "misses", false, "list the questions answered wrongly, declined or handed off")
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return minwon.Errorf(minwon.EINVALID, "kb eval: want one labelled question file")
	}
	qs, err := loadLabelled(pos[0])
	if err != nil {
		return err
	}
	x, err := bf.index(stderr)
	if err != nil {
		return err
	}
	cur := evaluate(x, bf.opts, qs)
	var sweep []evalResult
	for t := 0.05; t < 0.905; t += 0.025 {
		o := bf.opts
		o.AnswerThreshold = float64(int(t*1000+0.5)) / 1000
		sweep = append(sweep, evaluate(x, o, qs))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"result": cur, "sweep": sweep})
	}
	w := bufio.NewWriter(stdout)
	fmt.Fprintf(w, "%s: %d in-scope, %d out-of-scope questions; threshold %.3f, margin %.3f\n",
		pos[0], cur.InScope, cur.OutScope, cur.Threshold, bf.opts.ClarifyMargin)
	fmt.Fprintf(w, "in-scope answered without hand-off: %5.1f%% (%d/%d), precision %5.1f%% (%d/%d), clarifying questions %d\n",
		100*cur.AnsweredShare, cur.Answered, cur.InScope, 100*cur.Precision, cur.Correct, cur.Answered, cur.Clarified)
	fmt.Fprintf(w, "out-of-scope handed off or declined:  %5.1f%% (%d/%d)\n\n", 100*cur.DeclineRate, cur.Declined, cur.OutScope)
	fmt.Fprintln(w, "threshold  answered  precision  oos-declined")
	for _, s := range sweep {
		mark := ""
		if s.AnsweredShare >= 0.60 && s.Precision >= 0.95 && s.DeclineRate >= 0.90 {
			mark = "  meets target"
		}
		fmt.Fprintf(w, "%9.3f  %7.1f%%  %8.1f%%  %11.1f%%%s\n", s.Threshold, 100*s.AnsweredShare, 100*s.Precision, 100*s.DeclineRate, mark)
	}
	if misses {
		fmt.Fprintln(w, "\nmisses at the current threshold:")
		for _, m := range cur.misses {
			fmt.Fprintln(w, "  "+m)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
