// Package kb is the counselors' knowledge base: articles written in the
// spoken style of a 120 center manual, loaded from JSON Lines and searched by
// syllable pairs so that Korean spacing does not hide a match, with queries
// read the way citizens type them: particles and endings dropped, one-jamo
// typos corrected, initial consonants (ㅇㄱㅂㄱ) matched and dictionary words
// (등본 → 주민등록등본) replaced. See Index.Search and Result.Score.
package kb

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
)

// Article is one answer a counselor can read out or paste into a chat.
type Article struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Category   string   `json:"category"`   // one of the tenant's wrap-up categories
	Department string   `json:"department"` // name of the department that owns the matter
	Tags       []string `json:"tags,omitempty"`
	// Questions are the ways citizens actually ask; they are searched with
	// nearly the weight of the title because they use the citizens' words.
	Questions []string  `json:"questions"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// ValidFrom and ValidTo bound when the article is in force; zero is
	// unbounded, ValidTo is exclusive. The index holds only articles in force.
	ValidFrom time.Time `json:"valid_from,omitzero"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
}

// MaxLineBytes bounds one line of an import, so that a file without line
// breaks cannot make the loader buffer it whole.
const MaxLineBytes = 1 << 20

// LoadJSONL reads articles, one JSON object per line. Blank lines are
// skipped. Any malformed line fails the whole load with its line number, so
// an import is all or nothing.
func LoadJSONL(r io.Reader) ([]Article, error) {
	sc := bufio.NewScanner(r)
	// Room for a line of MaxLineBytes plus its CR LF; longer lines make the
	// scanner fail with bufio.ErrTooLong.
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes+2)

	var arts []Article
	seen := make(map[string]int) // article ID → line it was defined on
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if n == 1 {
			// Spreadsheet exports on Windows start with a byte order mark.
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(line) > MaxLineBytes {
			return nil, lineErr(n, "longer than %d bytes", MaxLineBytes)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		// encoding/json would silently turn bad bytes into U+FFFD.
		if !utf8.Valid(line) {
			return nil, lineErr(n, "not valid UTF-8")
		}
		a, err := decodeArticle(line)
		if err != nil {
			return nil, lineErr(n, "%s", err)
		}
		if prev, ok := seen[a.ID]; ok {
			return nil, lineErr(n, "id %q already used on line %d", a.ID, prev)
		}
		seen[a.ID] = n
		arts = append(arts, a)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, lineErr(n+1, "longer than %d bytes", MaxLineBytes)
		}
		return nil, fmt.Errorf("read articles: %w", err)
	}
	return arts, nil
}

// decodeArticle parses and checks one line. Unknown fields are rejected: a
// misspelt "question" would otherwise drop an article's questions unnoticed.
func decodeArticle(line []byte) (Article, error) {
	var a Article
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Article{}, fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Article{}, errors.New("unexpected data after the JSON object")
	}
	if err := check(&a); err != nil {
		return Article{}, err
	}
	return a, nil
}

func lineErr(n int, format string, args ...any) error {
	return minwon.Errorf(minwon.EINVALID, "articles line %d: %s", n, fmt.Sprintf(format, args...))
}
