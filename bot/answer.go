package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/minwon/minwon/kb"
)

// ShortAnswerRunes bounds a short answer; the whole article is one
// "자세히" away.
const ShortAnswerRunes = 200

// ShortAnswer returns the part of an article's body that answers question:
// its opening sentence, which says what to do, and the sentence sharing the
// most words with the question when that is another one, in body order.
func ShortAnswer(a *kb.Article, question string) string {
	sents := sentences(a.Body)
	if len(sents) == 0 {
		return a.Title
	}
	q := fold(question)
	best, bestN := 0, 0
	for i, s := range sents {
		if n := sharedBigrams(q, fold(s)); n > bestN {
			best, bestN = i, n
		}
	}
	pick := []int{0}
	if best != 0 {
		pick = append(pick, best)
	} else if len(sents) > 1 {
		pick = append(pick, 1)
	}
	var out []string
	n := 0
	for _, i := range pick {
		l := utf8.RuneCountInString(sents[i])
		if n > 0 && n+l > ShortAnswerRunes {
			break
		}
		out = append(out, sents[i])
		n += l + 1
	}
	text := strings.Join(out, " ")
	if utf8.RuneCountInString(text) > ShortAnswerRunes {
		text = string([]rune(text)[:ShortAnswerRunes-1]) + "…"
	}
	return text
}

// sentences splits text after '.', '?', '!' and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i, r := range rs {
		end := false
		switch r {
		case '\n':
			end = true
		case '.', '?', '!':
			// Not a decimal point or a dotted abbreviation: the next rune is a space or the end.
			end = i+1 == len(rs) || rs[i+1] == ' ' || rs[i+1] == '\n'
		}
		if end {
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}
