package kb

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/minwon/minwon"
)

func formatArticles() []Article {
	arts := testArticles()
	arts[0].ValidFrom = time.Date(2026, 7, 1, 0, 0, 0, 0, kst).UTC()
	arts[0].ValidTo = time.Date(2027, 1, 1, 0, 0, 0, 0, kst).UTC()
	arts[1].Body = "<script>alert(1)</script> 그대로 글자로 보여요, \"따옴표\"도요.\n둘째 줄"
	arts[1].Questions = append(arts[1].Questions, "  앞뒤 공백  ")
	arts[1].Questions[1] = strings.TrimSpace(arts[1].Questions[1])
	for i := range arts {
		if arts[i].Tags == nil {
			arts[i].Tags = nil
		}
	}
	return arts
}

func TestFormatsRoundTrip(t *testing.T) {
	want := formatArticles()
	norm := func(arts []Article) []Article {
		for i := range arts {
			if len(arts[i].Tags) == 0 {
				arts[i].Tags = nil
			}
			if len(arts[i].Questions) == 0 {
				arts[i].Questions = nil
			}
		}
		return arts
	}
	t.Run("JSONL", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteJSONL(&buf, want); err != nil {
			t.Fatal(err)
		}
		got, err := LoadJSONL(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(norm(got), norm(formatArticles())) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("CSV", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, want); err != nil {
			t.Fatal(err)
		}
		got, err := LoadCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(norm(got), norm(formatArticles())) {
			t.Fatalf("got %+v\nwant %+v", got, formatArticles())
		}
	})
	t.Run("Markdown", func(t *testing.T) {
		fsys := fstest.MapFS{}
		for _, a := range want {
			name, data := MarkdownFile(a)
			fsys[name] = &fstest.MapFile{Data: data}
		}
		got, err := LoadMarkdownDir(fsys)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]Article{}
		for _, a := range got {
			byID[a.ID] = a
		}
		for _, w := range norm(formatArticles()) {
			if g := norm([]Article{byID[w.ID]})[0]; !reflect.DeepEqual(g, w) {
				t.Fatalf("got %+v\nwant %+v", g, w)
			}
		}
	})
}

func TestMarkdownFrontMatter(t *testing.T) {
	a, err := ParseMarkdown("tow.md", []byte("---\nid: tow\ncategory: 주차\ndepartment: 주차관리과\ntags: [견인, 보관소]\nquestions:\n  - 차가 없어졌어요\n  - \"견인됐나요?\"\nvalid_from: 2026-07-01\n---\n# 견인 차량 찾기\n\n견인차량 보관소에 문의하세요.\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Article{ID: "tow", Title: "견인 차량 찾기", Body: "견인차량 보관소에 문의하세요.", Category: "주차", Department: "주차관리과",
		Tags: []string{"견인", "보관소"}, Questions: []string{"차가 없어졌어요", "견인됐나요?"}, ValidFrom: time.Date(2026, 6, 30, 15, 0, 0, 0, time.UTC)}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("got %+v\nwant %+v", a, want)
	}
}

func TestImportErrors(t *testing.T) {
	cases := []struct {
		name, format, input, want string
	}{
		{"CSVUnknownColumn", "csv", "id,title,colour\n", "line 1: unknown column"},
		{"CSVMissingTitle", "csv", "id,title\na,A\nb,\n", "line 3: article \"b\": missing title"},
		{"CSVBadQuote", "csv", "id,title\na,\"A\n", "line 2"},
		{"CSVBadDate", "csv", "id,title,valid_to\na,A,next week\n", "line 2: valid_to"},
		{"CSVNotUTF8", "csv", "id,title\na,\xff\xfe\n", "line 2: not valid UTF-8"},
		{"CSVDuplicate", "csv", "id,title\na,A\na,B\n", "line 3: id \"a\" already used on line 2"},
		{"CSVValidityOrder", "csv", "id,title,valid_from,valid_to\na,A,2026-07-01,2026-06-01\n", "valid_to must be after valid_from"},
		{"MarkdownNoFrontMatter", "md", "# 제목\n본문", "x.md line 1: no front matter"},
		{"MarkdownUnknownKey", "md", "---\nid: a\ncolour: red\n---\n", "x.md line 3: unknown key"},
		{"MarkdownUnclosed", "md", "---\nid: a\n", "no closing"},
		{"MarkdownNoTitle", "md", "---\nid: a\n---\n본문만", "missing title"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.format == "csv" {
				_, err = LoadCSV(strings.NewReader(c.input))
			} else {
				_, err = ParseMarkdown("x.md", []byte(c.input))
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || minwon.ErrorCode(err) != minwon.EINVALID {
				t.Fatalf("err = %v, want %q (invalid)", err, c.want)
			}
		})
	}
}
