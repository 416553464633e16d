package demo

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/minwon/minwon/kb"
)

// kbJSONL is the demo knowledge base, one article per line, written for
// 한빛시 in the spoken style of a 120 counselor manual.
//
//go:embed kb.jsonl
var kbJSONL []byte

// Articles parses the demo knowledge base. Each call returns fresh articles
// the caller may modify.
func Articles() ([]kb.Article, error) {
	arts, err := kb.LoadJSONL(bytes.NewReader(kbJSONL))
	if err != nil {
		return nil, fmt.Errorf("demo articles: %w", err)
	}
	return arts, nil
}
