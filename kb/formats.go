package kb

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
)

// The formats articles are imported from and exported to, besides JSON
// Lines: CSV with a header row, and Markdown files with front matter. They
// are described for operators in docs/kb-import.md.

// ListSeparator separates tags and questions within one CSV cell. A
// citizen's question rarely holds a vertical bar; a comma often.
const ListSeparator = "|"

// csvColumns are the CSV columns, in the order Export writes them.
var csvColumns = []string{"id", "title", "body", "category", "department", "tags", "questions", "valid_from", "valid_to"}

// kst is where a bare date (2026-07-01) in CSV or front matter starts: the
// centers this is built for work in Korean time.
var kst = time.FixedZone("KST", 9*3600)

// parseTime reads a validity bound: RFC 3339, or a date meaning its
// midnight in Korean time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, kst); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-07-01) nor an RFC 3339 time", s)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ListSeparator) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// check applies the rules every format shares once an article is read.
func check(a *Article) error {
	a.ID, a.Title = strings.TrimSpace(a.ID), strings.TrimSpace(a.Title)
	switch {
	case a.ID == "":
		return errors.New("missing id")
	case a.Title == "":
		return fmt.Errorf("article %q: missing title", a.ID)
	case !a.ValidTo.IsZero() && !a.ValidTo.After(a.ValidFrom):
		return fmt.Errorf("article %q: valid_to must be after valid_from", a.ID)
	}
	return nil
}

// LoadCSV reads articles from CSV with a header row naming the columns (id
// and title required; see csvColumns). Tags and questions are separated by
// ListSeparator. Any bad row fails the whole load with its line number.
func LoadCSV(r io.Reader) ([]Article, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3) // spreadsheets on Windows write a byte order mark
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	} else if err != nil {
		return nil, csvErr(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(csvColumns, h) {
			return nil, lineErr(1, "unknown column %q (columns: %s)", h, strings.Join(csvColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, lineErr(1, "column %q twice", h)
		}
		col[h] = i
	}
	for _, need := range []string{"id", "title"} {
		if _, ok := col[need]; !ok {
			return nil, lineErr(1, "no %q column", need)
		}
	}
	var arts []Article
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return rec[i]
			}
			return ""
		}
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return nil, lineErr(line, "not valid UTF-8")
			}
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		a := Article{ID: get("id"), Title: get("title"), Body: strings.TrimSpace(get("body")), Category: strings.TrimSpace(get("category")),
			Department: strings.TrimSpace(get("department")), Tags: splitList(get("tags")), Questions: splitList(get("questions"))}
		if a.ValidFrom, err = parseTime(get("valid_from")); err != nil {
			return nil, lineErr(line, "valid_from: %v", err)
		}
		if a.ValidTo, err = parseTime(get("valid_to")); err != nil {
			return nil, lineErr(line, "valid_to: %v", err)
		}
		if err := check(&a); err != nil {
			return nil, lineErr(line, "%v", err)
		}
		if prev, ok := seen[a.ID]; ok {
			return nil, lineErr(line, "id %q already used on line %d", a.ID, prev)
		}
		seen[a.ID] = line
		arts = append(arts, a)
	}
	return arts, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return lineErr(pe.Line, "%v", pe.Err)
	}
	return fmt.Errorf("read CSV: %w", err)
}

// WriteCSV writes articles as CSV with a header row, readable by LoadCSV.
func WriteCSV(w io.Writer, arts []Article) error {
	cw := csv.NewWriter(w)
	cw.Write(csvColumns)
	for _, a := range arts {
		cw.Write([]string{a.ID, a.Title, a.Body, a.Category, a.Department, strings.Join(a.Tags, ListSeparator),
			strings.Join(a.Questions, ListSeparator), formatTime(a.ValidFrom), formatTime(a.ValidTo)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSONL writes articles one JSON object per line, readable by LoadJSONL.
func WriteJSONL(w io.Writer, arts []Article) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // bodies are text; keep "<" readable in the file
	for _, a := range arts {
		a.UpdatedAt = time.Time{}
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("write article %s: %w", a.ID, err)
		}
	}
	return nil
}

// ParseMarkdown reads one article from a Markdown file: front matter
// between "---" lines (id, title, category, department, tags, questions,
// valid_from, valid_to), then the body. Without a title in the front
// matter, a first "# " heading is the title. name is used in errors.
func ParseMarkdown(name string, data []byte) (Article, error) {
	fail := func(line int, format string, args ...any) (Article, error) {
		return Article{}, minwon.Errorf(minwon.EINVALID, "%s line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(data) {
		return fail(1, "not valid UTF-8")
	}
	text := strings.ReplaceAll(strings.TrimPrefix(string(data), "\uFEFF"), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return fail(1, "no front matter: the file must start with a line \"---\"")
	}
	var a Article
	var list *[]string // the key whose "- item" lines follow
	end := -1
	for i := 1; i < len(lines); i++ {
		ln := strings.TrimRight(lines[i], " \t")
		if strings.TrimSpace(ln) == "---" {
			end = i
			break
		}
		if strings.TrimSpace(ln) == "" || strings.HasPrefix(strings.TrimSpace(ln), "#") {
			continue
		}
		if item, ok := strings.CutPrefix(strings.TrimSpace(ln), "- "); ok && list != nil {
			*list = append(*list, unquote(item))
			continue
		}
		key, val, ok := strings.Cut(ln, ":")
		if !ok {
			return fail(i+1, "expected \"key: value\"")
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		list = nil
		var err error
		switch key {
		case "id":
			a.ID = unquote(val)
		case "title":
			a.Title = unquote(val)
		case "category":
			a.Category = unquote(val)
		case "department":
			a.Department = unquote(val)
		case "tags", "questions":
			dst := &a.Tags
			if key == "questions" {
				dst = &a.Questions
			}
			if val == "" {
				list = dst
			} else if inner, ok := strings.CutPrefix(val, "["); ok && strings.HasSuffix(inner, "]") {
				for _, p := range strings.Split(strings.TrimSuffix(inner, "]"), ",") {
					if p = unquote(strings.TrimSpace(p)); p != "" {
						*dst = append(*dst, p)
					}
				}
			} else {
				*dst = splitList(val)
			}
		case "valid_from":
			a.ValidFrom, err = parseTime(unquote(val))
		case "valid_to":
			a.ValidTo, err = parseTime(unquote(val))
		default:
			return fail(i+1, "unknown key %q", key)
		}
		if err != nil {
			return fail(i+1, "%s: %v", key, err)
		}
	}
	if end < 0 {
		return fail(len(lines), "the front matter has no closing \"---\"")
	}
	body := strings.TrimSpace(strings.Join(lines[end+1:], "\n"))
	if h, rest, ok := strings.Cut(body, "\n"); strings.HasPrefix(body, "# ") {
		if !ok {
			h, rest = body, ""
		}
		if a.Title == "" {
			a.Title = strings.TrimSpace(strings.TrimPrefix(h, "# "))
		}
		if strings.TrimSpace(strings.TrimPrefix(h, "# ")) == a.Title {
			body = strings.TrimSpace(rest)
		}
	}
	a.Body = body
	if err := check(&a); err != nil {
		return fail(1, "%v", err)
	}
	return a, nil
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// LoadMarkdownDir reads every *.md file of a folder (not its subfolders),
// in name order. Any bad file fails the load with its name and line.
func LoadMarkdownDir(fsys fs.FS) ([]Article, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, fmt.Errorf("list Markdown files: %w", err)
	}
	slices.Sort(names)
	var arts []Article
	seen := map[string]string{}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		if len(data) > MaxLineBytes {
			return nil, minwon.Errorf(minwon.ETOOLARGE, "%s: larger than %d bytes", n, MaxLineBytes)
		}
		a, err := ParseMarkdown(n, data)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[a.ID]; ok {
			return nil, minwon.Errorf(minwon.EINVALID, "%s: id %q already used in %s", n, a.ID, prev)
		}
		seen[a.ID] = n
		arts = append(arts, a)
	}
	return arts, nil
}

// MarkdownFile renders an article as a Markdown file ParseMarkdown reads
// back, and the file name it should have.
func MarkdownFile(a Article) (name string, data []byte) {
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "id: %s\n", a.ID)
	fmt.Fprintf(&b, "title: %s\n", quoteIfNeeded(a.Title))
	fmt.Fprintf(&b, "category: %s\n", quoteIfNeeded(a.Category))
	fmt.Fprintf(&b, "department: %s\n", quoteIfNeeded(a.Department))
	for _, l := range []struct {
		key  string
		vals []string
	}{{"tags", a.Tags}, {"questions", a.Questions}} {
		if len(l.vals) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:\n", l.key)
		for _, v := range l.vals {
			fmt.Fprintf(&b, "  - %s\n", quoteIfNeeded(v))
		}
	}
	if !a.ValidFrom.IsZero() {
		fmt.Fprintf(&b, "valid_from: %s\n", formatTime(a.ValidFrom))
	}
	if !a.ValidTo.IsZero() {
		fmt.Fprintf(&b, "valid_to: %s\n", formatTime(a.ValidTo))
	}
	b.WriteString("---\n")
	b.WriteString(a.Body)
	b.WriteString("\n")
	return path.Base(a.ID) + ".md", []byte(b.String())
}

// quoteIfNeeded keeps a value that unquote would change, or that is empty,
// intact through a round trip.
func quoteIfNeeded(s string) string {
	if unquote(s) != s || s != strings.TrimSpace(s) {
		return `"` + s + `"`
	}
	return s
}

// ParseImport reads articles in the given format ("jsonl", "csv" or "md"),
// guessing it from name's extension when format is empty.
func ParseImport(format, name string, data []byte) ([]Article, error) {
	if format == "" {
		switch strings.ToLower(path.Ext(name)) {
		case ".jsonl", ".ndjson", ".json":
			format = "jsonl"
		case ".csv":
			format = "csv"
		case ".md", ".markdown":
			format = "md"
		}
	}
	switch format {
	case "jsonl":
		return LoadJSONL(bytes.NewReader(data))
	case "csv":
		return LoadCSV(bytes.NewReader(data))
	case "md":
		a, err := ParseMarkdown(name, data)
		if err != nil {
			return nil, err
		}
		return []Article{a}, nil
	}
	return nil, minwon.Errorf(minwon.EINVALID, "unknown import format %q: use jsonl, csv or md", format)
}
