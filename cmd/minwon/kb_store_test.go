package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/sqldb"
)

// kbDataDir returns a data directory whose store holds one center and an
// admin, created the way `minwon serve --admin-password` does.
func kbDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, filepath.Join(dir, "minwon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := center.New(center.Config{Secret: []byte("0123456789abcdef0123456789abcdef")}, db, inmem.NewBus(), nil)
	if err := c.Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := bootstrap(ctx, Config{AdminPassword: "admin-password"}, db, c, io.Discard); err != nil {
		t.Fatal(err)
	}
	c.Close()
	db.Close()
	return dir
}

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("minwon %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

func liveArticles(t *testing.T, dir string) []*minwon.ArticleVersion {
	t.Helper()
	db, err := sqldb.OpenMigrated(context.Background(), filepath.Join(dir, "minwon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vs, err := db.LiveArticles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestKBImportExport(t *testing.T) {
	dir := kbDataDir(t)
	src := filepath.Join(t.TempDir(), "manual.jsonl")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(src, `{"id": "tow", "title": "견인 차량 찾기", "body": "보관소에서 찾으세요. <b>굵게</b>", "category": "주차", "department": "주차관리과", "questions": ["차가 없어졌어요"]}
{"id": "bulky", "title": "대형폐기물 배출", "body": "구청 홈페이지에서 신고하세요.", "category": "환경", "department": "자원순환과", "questions": [], "tags": ["가구"], "valid_to": "2030-01-01T00:00:00+09:00"}
`)
	out, _ := runOK(t, "kb", "import", "--data", dir, "--publish", src)
	if !strings.Contains(out, "2 new") || len(liveArticles(t, dir)) != 2 {
		t.Fatalf("first import: %s", out)
	}

	t.Run("SameIDUpdates", func(t *testing.T) {
		csv := filepath.Join(t.TempDir(), "fix.csv")
		write(csv, "id,title,body,questions\ntow,견인 차량 찾기,보관소(02-120-7000)에서 찾으세요.,차가 없어졌어요|견인됐나요?\n")
		out, _ := runOK(t, "kb", "import", "--data", dir, "--publish", csv)
		if !strings.Contains(out, "1 updated") {
			t.Fatalf("second import: %s", out)
		}
		for _, v := range liveArticles(t, dir) {
			if v.ArticleID == "tow" && (v.Version != 2 || len(v.Questions) != 2) {
				t.Fatalf("tow = %+v", v)
			}
		}
	})

	t.Run("BadLineImportsNothing", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.jsonl")
		write(bad, `{"id": "new-one", "title": "새 안내"}`+"\n"+`{"id": "broken", "title": }`+"\n")
		err := run(context.Background(), []string{"kb", "import", "--data", dir, "--publish", bad}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("err = %v", err)
		}
		if n := len(liveArticles(t, dir)); n != 2 {
			t.Fatalf("%d live articles after a failed import", n)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		for _, format := range []string{"jsonl", "csv", "md"} {
			t.Run(format, func(t *testing.T) {
				tmp := t.TempDir()
				exported := filepath.Join(tmp, "kb."+format)
				if format == "md" {
					exported = filepath.Join(tmp, "kb")
				}
				runOK(t, "kb", "export", "--data", dir, "--format", format, "--out", exported)
				other := kbDataDir(t)
				runOK(t, "kb", "import", "--data", other, "--publish", exported)
				a, b := liveArticles(t, dir), liveArticles(t, other)
				if len(a) != len(b) {
					t.Fatalf("%d articles, want %d", len(b), len(a))
				}
				for i := range a {
					if !sameExported(a[i], b[i]) {
						t.Fatalf("%s round trip:\n got %+v\nwant %+v", format, b[i].ArticleContent, a[i].ArticleContent)
					}
				}
			})
		}
	})

	t.Run("UnknownUserRefused", func(t *testing.T) {
		err := run(context.Background(), []string{"kb", "import", "--data", dir, "--as", "nobody", src}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "nobody") {
			t.Fatalf("err = %v", err)
		}
	})
}

func sameExported(a, b *minwon.ArticleVersion) bool {
	ca, cb := a.ArticleContent, b.ArticleContent
	return a.ArticleID == b.ArticleID && ca.Title == cb.Title && ca.Body == cb.Body && ca.Category == cb.Category &&
		ca.Department == cb.Department && strings.Join(ca.Tags, "|") == strings.Join(cb.Tags, "|") &&
		strings.Join(ca.Questions, "|") == strings.Join(cb.Questions, "|") && ca.ValidTo.Equal(cb.ValidTo) && ca.ValidFrom.Equal(cb.ValidFrom)
}
