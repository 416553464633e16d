package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minwon/minwon"
)

func TestGuardClassify(t *testing.T) {
	in := "안녕하세요 여권 문의요\n씨발 빨리 해\r\n\xff\xfe깨진 줄\n목소리 섹시하네 만나자\n\n찾아가서 죽여버린다\n죽을 것 같아요" // no final newline
	var out bytes.Buffer
	if err := guardClassify(context.Background(), nil, strings.NewReader(in), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Text     *string  `json:"text"`
		Label    string   `json:"label"`
		Score    *float64 `json:"score"`
		Span     []int    `json:"span"`
		Distress bool     `json:"distress"`
		Line     int      `json:"line"`
		Error    string   `json:"error"`
	}
	var got []line
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		got = append(got, l)
	}
	want := []struct {
		label, text, span string
		err, distress     bool
	}{
		{label: "none", text: "안녕하세요 여권 문의요"},
		{label: "profanity", text: "씨발 빨리 해", span: "씨발"},
		{err: true},
		{label: "sexual", text: "목소리 섹시하네 만나자"},
		{label: "none", text: ""},
		{label: "threat", text: "찾아가서 죽여버린다", span: "죽여버린"},
		{label: "none", text: "죽을 것 같아요", distress: true},
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines out, want %d:\n%s", len(got), len(want), out.String())
	}
	for i, w := range want {
		g := got[i]
		if w.err {
			if g.Error == "" || g.Line != i+1 || g.Text != nil {
				t.Errorf("line %d: %+v, want an error object for line %d", i+1, g, i+1)
			}
			continue
		}
		if g.Text == nil || *g.Text != w.text || g.Label != w.label || g.Score == nil || *g.Score < 0 || *g.Score > 1 || g.Distress != w.distress {
			t.Errorf("line %d: %+v, want label %s text %q distress %v", i+1, g, w.label, w.text, w.distress)
			continue
		}
		if w.span != "" && (len(g.Span) != 2 || w.text[g.Span[0]:g.Span[1]] != w.span) {
			t.Errorf("line %d: span %v, want the bytes of %q", i+1, g.Span, w.span)
		}
	}
}

func TestGuardEval(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "set.tsv")
	os.WriteFile(file, []byte("profanity\tㅅㅂ 빨리 해\nnone\t주차 문의드려요\nthreat\t찾아가서 죽여버린다\nnone\t가로등이 꺼져 있어요\n"), 0o644)
	var out bytes.Buffer
	if err := guardEval(context.Background(), []string{file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 rows (tsv)", "precision", "recall", "F1", "profanity ", "threat ", "abusive ", "false warnings on clean rows: 0 of 2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	err := guardEval(context.Background(), []string{filepath.Join(dir, "missing.tsv")}, io.Discard, io.Discard)
	if minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("missing file: %v", err)
	}

	// A TSV is judged in the counselor domain unless told otherwise; a
	// forced public domain adds the counselor summary line.
	if !strings.Contains(out.String(), "domain counsel") || strings.Contains(out.String(), "counsel domain (what the center uses") {
		t.Errorf("default domain:\n%s", out.String())
	}
	out.Reset()
	if err := guardEval(context.Background(), []string{"--domain", "beep", file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "domain beep") || !strings.Contains(out.String(), "counsel domain (what the center uses") {
		t.Errorf("--domain beep:\n%s", out.String())
	}
	err = guardEval(context.Background(), []string{"--domain", "twitter", file}, io.Discard, io.Discard)
	if minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("unknown domain: %v", err)
	}
}

// TestGuardTrain trains on a few examples of our own into a temporary
// model, then classifies with it.
func TestGuardTrain(t *testing.T) {
	dir := t.TempDir()
	examples := filepath.Join(dir, "examples")
	os.Mkdir(examples, 0o755)
	os.WriteFile(filepath.Join(examples, "a.tsv"), []byte("none\t주차 문의드립니다\nnone\t여권 발급 어디서 해요\nprofanity\t이 멍청한 놈아\nsexual\t오늘 밤 같이 있을래\nthreat\t두고 봐라 가만 안 있는다\n"), 0o644)
	extra := filepath.Join(dir, "decisions.jsonl")
	os.WriteFile(extra, []byte("{\"text\":\"해삼 같은 놈\",\"label\":\"profanity\"}\n"), 0o644)
	model := filepath.Join(dir, "guard.model")
	var out bytes.Buffer
	args := []string{"--data", "", "--examples", examples, "--extra", extra, "--out", model, "--bits", "12", "--iters", "20"}
	if err := guardTrain(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "wrote "+model) || !strings.Contains(out.String(), "decisions.jsonl") {
		t.Errorf("train output:\n%s", out.String())
	}
	var cl bytes.Buffer
	if err := guardClassify(context.Background(), []string{"--model", model}, strings.NewReader("ㅅㅂ\n"), &cl, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cl.String(), `"label":"profanity"`) {
		t.Errorf("classify with the trained model: %s", cl.String())
	}
	err := guardTrain(context.Background(), []string{"--data", "", "--examples", filepath.Join(dir, "none"), "--out", model}, io.Discard, io.Discard)
	if minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("train without examples: %v", err)
	}
}

func TestRunGuardUsage(t *testing.T) {
	var stderr bytes.Buffer
	if err := runGuard(context.Background(), nil, io.Discard, &stderr); minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(stderr.String(), "guard classify") {
		t.Errorf("no subcommand: %v, usage %q", err, stderr.String())
	}
	if err := runGuard(context.Background(), []string{"bogus"}, io.Discard, io.Discard); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("unknown subcommand: %v", err)
	}
	if err := runGuard(context.Background(), []string{"classify", "--model", "/nonexistent"}, io.Discard, io.Discard); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("missing model: %v", err)
	}
	if err := runGuard(context.Background(), []string{"classify", "--domain", "twitter"}, io.Discard, io.Discard); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Errorf("unknown domain: %v", err)
	}
}
