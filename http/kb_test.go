package http_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/bot"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/kb"
)

type progressLine struct {
	Stage  string `json:"stage"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
	Result *struct {
		Created, Updated, Unchanged int
	} `json:"result"`
	Error *struct{ Code, Message string } `json:"error"`
}

// upload posts a raw body and returns the status with the NDJSON lines or
// the error body.
func (s *staff) upload(path, ctype string, body []byte) (int, []progressLine, string) {
	s.e.t.Helper()
	req, _ := http.NewRequest("POST", s.e.url+path, bytes.NewReader(body))
	req.Header.Set("X-CSRF-Token", s.csrf)
	req.Header.Set("Content-Type", ctype)
	resp, err := s.c.Do(req)
	if err != nil {
		s.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, nil, string(data)
	}
	var lines []progressLine
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var p progressLine
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			s.e.t.Fatalf("progress line %q: %v", sc.Text(), err)
		}
		lines = append(lines, p)
	}
	return 200, lines, ""
}

func (s *staff) get(path string) (int, []byte) {
	s.e.t.Helper()
	resp, err := s.c.Get(s.e.url + path)
	if err != nil {
		s.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// awaitArticle waits until the search index, fed from the bus, serves the
// article with the given body.
func awaitArticle(t *testing.T, s *staff, id, body string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var a kb.Article
		if code := s.do("GET", "/api/kb/articles/"+id, nil, &a); code == 200 && a.Body == body {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("article %s never served with body %q", id, body)
		}
		time.Sleep(5 * time.Millisecond) // the bus delivers on its own goroutine
	}
}

func countArticles(t *testing.T, s *staff) int {
	var arts []minwon.Article
	if code := s.do("GET", "/api/kb/articles", nil, &arts); code != 200 {
		t.Fatalf("list: %d", code)
	}
	return len(arts)
}

func TestKBImport(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		sup := e.login("supervisor01")
		kim := e.login("counselor01")
		before := countArticles(t, sup)
		body := "견인된 차는 <script>alert('x')</script> 보관소에서 찾으세요 & 끝."
		line := func(b string) string {
			return fmt.Sprintf(`{"id": "tow-found", "title": "견인 차량 찾기", "body": %q, "category": "주차", "department": "주차관리과", "questions": ["차가 없어졌어요"]}`, b)
		}

		t.Run("CounselorCannotPublish", func(t *testing.T) {
			code, _, _ := kim.upload("/api/kb/import?format=jsonl&publish=true", "application/x-ndjson", []byte(line(body)))
			if code != 403 {
				t.Fatalf("status %d", code)
			}
		})

		t.Run("PublishedImportIsSearchable", func(t *testing.T) {
			code, lines, msg := sup.upload("/api/kb/import?format=jsonl&publish=true", "application/x-ndjson", []byte(line(body)+"\n"))
			if code != 200 {
				t.Fatalf("status %d: %s", code, msg)
			}
			last := lines[len(lines)-1]
			if last.Stage != "done" || last.Result == nil || last.Result.Created != 1 || lines[0].Stage != "parsed" {
				t.Fatalf("lines = %+v", lines)
			}
			awaitArticle(t, kim, "tow-found", body) // HTML in the body comes back as the same text
		})

		t.Run("SameIDUpdates", func(t *testing.T) {
			code, lines, msg := sup.upload("/api/kb/import?format=jsonl&publish=true", "application/x-ndjson", []byte(line("고친 안내")))
			if code != 200 {
				t.Fatalf("status %d: %s", code, msg)
			}
			if r := lines[len(lines)-1].Result; r == nil || r.Updated != 1 || r.Created != 0 {
				t.Fatalf("lines = %+v", lines)
			}
			awaitArticle(t, kim, "tow-found", "고친 안내")
			var h struct {
				Versions []minwon.ArticleVersion `json:"versions"`
			}
			kim.do("GET", "/api/kb/articles/tow-found/versions", nil, &h)
			if len(h.Versions) != 2 || h.Versions[0].AuthorID != sup.id {
				t.Fatalf("versions = %+v", h.Versions)
			}
		})

		bad := []struct {
			name, format string
			body         []byte
			status       int
			want         string
		}{
			{"Malformed", "jsonl", []byte(line("a") + "\n{\"id\": \"x\", \"title\": \n"), 400, "line 2"},
			{"NotUTF8", "jsonl", []byte(`{"id": "x", "title": "` + "\xff\xfe" + `"}`), 400, "not valid UTF-8"},
			{"UnknownField", "jsonl", []byte(`{"id": "x", "title": "t", "question": ["q"]}`), 400, "unknown field"},
			{"CSVMissingTitle", "csv", []byte("id,title\nx,\n"), 400, "line 2"},
			{"UnknownFormat", "xlsx", []byte("x"), 400, "unknown import format"},
			{"Oversized", "jsonl", bytes.Repeat([]byte(line("a")+"\n"), mwhttp.MaxImportBytes/len(line("a"))+10), 413, "larger than"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				code, _, msg := sup.upload("/api/kb/import?publish=true&format="+c.format, "text/plain", c.body)
				if code != c.status || !strings.Contains(msg, c.want) {
					t.Fatalf("status %d %s, want %d with %q", code, msg, c.status, c.want)
				}
				if n := countArticles(t, sup); n != before+1 {
					t.Fatalf("%d articles after a failed import, want %d", n, before+1)
				}
			})
		}

		t.Run("MarkdownFiles", func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for i, md := range []string{
				"---\nid: md-one\ncategory: 생활\n---\n# 첫째 안내\n\n첫째 본문\n",
				"---\nid: md-two\nquestions:\n  - 둘째는요?\n---\n# 둘째 안내\n\n둘째 본문\n",
			} {
				fw, _ := mw.CreateFormFile("file", fmt.Sprintf("%d.md", i))
				fw.Write([]byte(md))
			}
			mw.Close()
			code, lines, msg := sup.upload("/api/kb/import", mw.FormDataContentType(), buf.Bytes())
			if code != 200 {
				t.Fatalf("status %d: %s", code, msg)
			}
			if r := lines[len(lines)-1].Result; r == nil || r.Created != 2 {
				t.Fatalf("lines = %+v", lines)
			}
			var arts []minwon.Article
			sup.do("GET", "/api/kb/articles?pending=false&q=안내", nil, &arts)
			var h struct {
				Article minwon.Article `json:"article"`
			}
			sup.do("GET", "/api/kb/articles/md-two/versions", nil, &h)
			if h.Article.Live != 0 || h.Article.Draft == nil || h.Article.Draft.Questions[0] != "둘째는요?" {
				t.Fatalf("md-two = %+v", h.Article)
			}
		})

		t.Run("ExportRoundTrip", func(t *testing.T) {
			for _, format := range []string{"jsonl", "csv"} {
				code, data := sup.get("/api/kb/export?format=" + format)
				if code != 200 {
					t.Fatalf("%s export: %d %s", format, code, data)
				}
				arts, err := kb.ParseImport(format, "export."+format, data)
				if err != nil {
					t.Fatalf("%s export does not import: %v", format, err)
				}
				var found bool
				for _, a := range arts {
					found = found || a.ID == "tow-found" && a.Body == "고친 안내"
				}
				if !found || len(arts) != before+1 {
					t.Fatalf("%s export: %d articles, tow-found %v", format, len(arts), found)
				}
			}
			if code, data := sup.get("/api/kb/export?format=md"); code != 200 || !bytes.HasPrefix(data, []byte("PK")) {
				t.Fatalf("md export: %d", code)
			}
		})
	})
}

func TestKBApprovalAPI(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		sup := e.login("supervisor01")
		var v minwon.ArticleVersion
		req := map[string]any{"id": "snow", "title": "폭설 제설 안내", "body": "제설 작업은 간선도로부터 해요.", "category": "안전", "submit": true}
		if code := kim.do("POST", "/api/kb/articles", req, &v); code != 200 || v.State != minwon.ArticlePending {
			t.Fatalf("save: %d %+v", code, v)
		}
		var pending []minwon.Article
		sup.do("GET", "/api/kb/articles?pending=true", nil, &pending)
		if len(pending) != 1 || pending[0].ID != "snow" {
			t.Fatalf("pending = %+v", pending)
		}
		if code := kim.do("POST", "/api/kb/articles/snow/approve", map[string]any{"version": 1}, nil); code != 403 {
			t.Fatalf("counselor approve: %d", code)
		}
		if code := sup.do("POST", "/api/kb/articles/snow/approve", map[string]any{"version": 1}, &v); code != 200 || v.State != minwon.ArticlePublished {
			t.Fatalf("approve: %d %+v", code, v)
		}
		awaitArticle(t, kim, "snow", "제설 작업은 간선도로부터 해요.")

		t.Run("ChangedToday", func(t *testing.T) {
			var today []minwon.Article
			kim.do("GET", "/api/kb/articles?live=true&published_since=today", nil, &today)
			var ids []string
			for _, a := range today {
				ids = append(ids, a.ID)
			}
			// The demo manual was seeded today too; the new one is first.
			if len(ids) == 0 || ids[0] != "snow" {
				t.Fatalf("changed today = %v", ids)
			}
		})

		t.Run("Dictionary", func(t *testing.T) {
			body := map[string]any{"entries": map[string][]string{"눈": {"폭설", "제설"}}}
			if code := sup.do("PUT", "/api/kb/dictionary", body, nil); code != 403 {
				t.Fatalf("supervisor edits dictionary: %d", code)
			}
			adm := e.login("admin")
			if code := adm.do("PUT", "/api/kb/dictionary", body, nil); code != 200 {
				t.Fatalf("admin edits dictionary: %d", code)
			}
			var d struct {
				Entries map[string][]string `json:"entries"`
			}
			kim.do("GET", "/api/kb/dictionary", nil, &d)
			if len(d.Entries["눈"]) != 2 {
				t.Fatalf("dictionary = %+v", d)
			}
		})
	})
}

// TestKBArticleShortAnswer checks that an article comes with the short answer
// the bot would give from it to ?q=, which the desk's assist panel inserts.
func TestKBArticleShortAnswer(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		const q = "여권 사진 규격이 따로 있나요?"
		var a struct {
			kb.Article
			Short string `json:"short"`
		}
		if code := kim.do("GET", "/api/kb/articles/passport-issue?q="+url.QueryEscape(q), nil, &a); code != 200 {
			t.Fatalf("status %d", code)
		}
		want := bot.ShortAnswer(&a.Article, q)
		if a.Short == "" || a.Short != want {
			t.Fatalf("short = %q, want the bot's %q", a.Short, want)
		}
		if !strings.Contains(a.Body, strings.TrimSuffix(strings.SplitN(a.Short, " ", 2)[0], "…")) {
			t.Errorf("short %q does not come from the body", a.Short)
		}
	})
}
