package guard_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minwon/minwon/guard"
)

func TestReadExamples(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		format guard.Format
		want   []guard.Example
	}{
		{"BEEP", "comments\tcontain_gender_bias\tbias\thate\n좋은 노래\tFalse\tnone\tnone\n나쁜 놈\tFalse\tnone\toffensive\n혐오\tTrue\tgender\thate\n",
			guard.FormatBEEP, []guard.Example{{"좋은 노래", guard.None}, {"나쁜 놈", guard.Profanity}, {"혐오", guard.Profanity}}},
		{"KMHaS", "document\tlabel\n좋다\t8\n\"따옴표 \"\"안\"\" 글\"\t1,3\n",
			guard.FormatKMHaS, []guard.Example{{"좋다", guard.None}, {"따옴표 \"안\" 글", guard.Profanity}}},
		{"Curse", "좋은 글|0\n파이프 | 안에|1\n",
			guard.FormatCurse, []guard.Example{{"좋은 글", guard.None}, {"파이프 | 안에", guard.Profanity}}},
		{"TSVLabelFirst", "# comment\nsexual\t만나자\n\nnone\t안녕하세요\n",
			guard.FormatTSV, []guard.Example{{"만나자", guard.Sexual}, {"안녕하세요", guard.None}}},
		{"TSVLabelLast", "죽여버린다\tthreat\n안녕\t0\n",
			guard.FormatTSV, []guard.Example{{"죽여버린다", guard.Threat}, {"안녕", guard.None}}},
		{"JSONL", "{\"text\":\"씨발\",\"label\":\"profanity\"}\n{\"text\":\"네\",\"label\":\"none\"}\n",
			guard.FormatJSONL, []guard.Example{{"씨발", guard.Profanity}, {"네", guard.None}}},
		{"CRLF", "none\t안녕\r\nprofanity\t씨발\r\n",
			guard.FormatTSV, []guard.Example{{"안녕", guard.None}, {"씨발", guard.Profanity}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := guard.ReadExamples([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if f != tt.format {
				t.Errorf("format %s, want %s", f, tt.format)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
	t.Run("RejectsUnknownLabels", func(t *testing.T) {
		for _, in := range []string{"maybe\t글\n", "{\"text\":\"a\",\"label\":\"rude\"}\n", "no tab here\n"} {
			if _, _, err := guard.ReadExamples([]byte(in)); err == nil {
				t.Errorf("ReadExamples(%q) gave no error", in)
			}
		}
	})
}

func TestHeldOutSplits(t *testing.T) {
	n, held := 5000, 0
	for i := range n {
		s := strings.Repeat("가", i%7) + string(rune('가'+i))
		if guard.KMHaSHeldOut(s) {
			held++
		}
		if guard.KMHaSHeldOut(s) != guard.KMHaSHeldOut(s) {
			t.Fatal("split not deterministic")
		}
	}
	if held < n/5-200 || held > n/5+200 {
		t.Errorf("%d of %d held out, want about a fifth", held, n)
	}
}

// TestModelFile checks the shipped model loads, round-trips byte for byte,
// and that a corrupt or foreign file is refused.
func TestModelFile(t *testing.T) {
	m, err := guard.DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	if th := m.Thresholds[guard.Counsel]; th <= 0 || th >= 1 {
		t.Errorf("threshold %v", m.Thresholds)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("model/guard.model")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), shipped) {
		t.Error("rewriting the shipped model changes its bytes")
	}
	if _, err := guard.ReadModel(bytes.NewReader([]byte("not a model"))); err == nil {
		t.Error("ReadModel accepted garbage")
	}
	if _, err := guard.ReadModel(bytes.NewReader(shipped[:len(shipped)/2])); err == nil {
		t.Error("ReadModel accepted a truncated model")
	}
	if _, err := os.Stat("model/NOTICE"); err != nil {
		t.Errorf("the model ships without its NOTICE: %v", err)
	}
}

// TestTrainDeterministic trains twice on our own examples alone (small and
// fast) and wants the same bytes, then checks the extra file is read.
func TestTrainDeterministic(t *testing.T) {
	train := func(extra []string) []byte {
		c, err := guard.LoadCorpus("", "testdata/train", extra)
		if err != nil {
			t.Fatal(err)
		}
		m, err := guard.Train(c, guard.TrainOptions{Bits: 14, Iters: 30})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		m.WriteTo(&buf)
		return buf.Bytes()
	}
	a, b := train(nil), train(nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings on the same data differ")
	}
	extra := filepath.Join(t.TempDir(), "decisions.jsonl")
	os.WriteFile(extra, []byte("{\"text\":\"상담원 바보 멍청이 해삼 말미잘\",\"label\":\"profanity\"}\n{\"text\":\"해삼 말미잘 요리법 알려주세요\",\"label\":\"none\"}\n"), 0o644)
	if bytes.Equal(a, train([]string{extra})) {
		t.Error("the extra file did not change the model")
	}
}

// datasets returns the shared datasets folder, or skips the test.
func datasets(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "datasets")
	if d := os.Getenv("MINWON_DATASETS"); d != "" { // a worktree away from ../shared
		dir = d
	}
	if _, err := os.Stat(filepath.Join(dir, guard.PathBEEPDev)); err != nil {
		t.Skipf("public datasets not found at %s (a fresh clone has none): %v", dir, err)
	}
	return dir
}

// TestDatasets reads every public set and checks the row counts and label
// mapping the dataset READMEs give.
func TestDatasets(t *testing.T) {
	dir := datasets(t)
	tests := []struct {
		path          string
		rows, abusive int
	}{
		{guard.PathBEEPTrain, 7896, 1911 + 2499},
		{guard.PathBEEPDev, 471, 122 + 189},
		{guard.PathCurse, 5825, 2044},
		{guard.PathKMHaS, 8776, 8776 - 4887},
	}
	for _, tt := range tests {
		ex, _, err := guard.ReadExamplesFile(filepath.Join(dir, tt.path))
		if err != nil {
			t.Fatal(err)
		}
		abusive := 0
		for _, e := range ex {
			if e.Label != guard.None {
				abusive++
			}
		}
		if len(ex) != tt.rows || abusive != tt.abusive {
			t.Errorf("%s: %d rows, %d abusive; want %d, %d", tt.path, len(ex), abusive, tt.rows, tt.abusive)
		}
	}
}

// TestHeldOutQuality guards against a model that fell apart: the figures
// are well below what the shipped model scores (see bench/RESULTS.md). The
// public sets are judged in their own domains, and BEEP also in the
// counselor's, where precision is what matters.
func TestHeldOutQuality(t *testing.T) {
	dir := datasets(t)
	c := mustDefault(t)
	km, _, err := guard.ReadExamplesFile(filepath.Join(dir, guard.PathKMHaS))
	if err != nil {
		t.Fatal(err)
	}
	var held []guard.Example
	for _, e := range km {
		if guard.KMHaSHeldOut(e.Text) {
			held = append(held, e)
		}
	}
	if _, _, f, _, _ := c.ForDomain(guard.KMHaS).Evaluate(held).Abusive(); f < 0.74 {
		t.Errorf("K-MHaS held-out abusive F1 %.3f < 0.74", f)
	}
	cu, _, err := guard.ReadExamplesFile(filepath.Join(dir, guard.PathCurse))
	if err != nil {
		t.Fatal(err)
	}
	held = held[:0]
	for _, e := range cu {
		if guard.CurseHeldOut(e.Text) {
			held = append(held, e)
		}
	}
	if _, _, f, _, _ := c.ForDomain(guard.Curse).Evaluate(held).Abusive(); f < 0.80 {
		t.Errorf("2runo held-out abusive F1 %.3f < 0.80", f)
	}
	beep, _, err := guard.ReadExamplesFile(filepath.Join(dir, guard.PathBEEPDev))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, f, _, _ := c.ForDomain(guard.BEEP).Evaluate(beep).Abusive(); f < 0.82 {
		t.Errorf("BEEP dev abusive F1 in the BEEP domain %.3f < 0.82", f)
	}
	if p, _, _, _, _ := c.Evaluate(beep).Abusive(); p < 0.85 {
		t.Errorf("BEEP dev abusive precision in the counselor domain %.3f < 0.85", p)
	}
}

// TestEvalSetsKeptApart makes sure no evaluation line is also a training
// line, so the figures on our own sets are not recall of training data.
func TestEvalSetsKeptApart(t *testing.T) {
	train := map[string]string{}
	files, _ := filepath.Glob("testdata/train/*.tsv")
	for _, f := range files {
		for _, e := range mustRead(t, f) {
			train[e.Text] = f
		}
	}
	for _, f := range []string{"testdata/obfuscation.tsv", "testdata/traps.tsv", "testdata/civil.tsv", "testdata/routine.tsv", "testdata/fresh.tsv"} {
		for _, e := range mustRead(t, f) {
			if g, ok := train[e.Text]; ok {
				t.Errorf("%s: %q is also in %s", f, e.Text, g)
			}
		}
	}
}

// TestExtraOverrides checks a supervisor's decision wins over the label the
// same text has elsewhere: after rejecting a warning on a text and
// retraining, the text is clean.
func TestExtraOverrides(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own")
	os.Mkdir(own, 0o755)
	text := "해삼 말미잘 같은 놈"
	var b strings.Builder
	for range 30 {
		b.WriteString("profanity\t" + text + "\n")
	}
	b.WriteString("none\t주차 문의드립니다\nnone\t여권 발급 어디서 해요\nprofanity\t이 멍청한 놈아\n")
	os.WriteFile(filepath.Join(own, "a.tsv"), []byte(b.String()), 0o644)
	extra := filepath.Join(dir, "decisions.jsonl")
	os.WriteFile(extra, []byte("{\"text\":\""+text+"\",\"label\":\"none\"}\n"), 0o644)
	c, err := guard.LoadCorpus("", own, []string{extra})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := guard.Train(c, guard.TrainOptions{Bits: 12, Iters: 30, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "decisions.jsonl") || !strings.Contains(log.String(), "none     1") {
		t.Errorf("the extra file's row was not trained as none:\n%s", log.String())
	}
}
