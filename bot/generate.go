package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/kb"
)

// Generator writes an answer to question from the given articles only. It
// is optional (Options.Generator); the retrieval answer is the default.
type Generator interface {
	Generate(ctx context.Context, question string, articles []*kb.Article) (Generated, error)
}

// Generated is a Generator's answer.
type Generated struct {
	Text string
	// Cited are the IDs of the given articles the answer relies on, in the
	// order cited; never empty unless Declined.
	Cited []string
	// Declined is true when the articles do not support an answer.
	Declined bool
}

// LLMConfig points the bot at an OpenAI-compatible chat-completions server
// (vLLM, Ollama, llama.cpp, a hosted API).
type LLMConfig struct {
	// URL is the server's base, e.g. http://127.0.0.1:11434/v1 (Ollama) or
	// http://127.0.0.1:8000/v1 (vLLM); /chat/completions is appended.
	URL   string `json:"url"`
	Model string `json:"model"`
	Key   string `json:"-"` // bearer token, if the server wants one; never logged
	// Timeout bounds one request (default 10s).
	Timeout time.Duration `json:"timeout"`
}

// LLM is a Generator over an OpenAI-compatible chat-completions endpoint.
type LLM struct {
	cfg    LLMConfig
	client *http.Client
}

var _ Generator = (*LLM)(nil)

// NewLLM returns a generator for cfg. It fails when the URL or model is missing.
func NewLLM(cfg LLMConfig) (*LLM, error) {
	if cfg.URL == "" || cfg.Model == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "llm: url and model are required")
	}
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, minwon.Errorf(minwon.EINVALID, "llm: url %q is not http(s)", cfg.URL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &LLM{cfg: cfg, client: &http.Client{Timeout: cfg.Timeout}}, nil
}

// declineMarker is what the model is told to answer when the articles do not
// support an answer; a fixed token is easier to detect than a polite refusal.
const declineMarker = "NO_ANSWER"

const systemPrompt = `당신은 한빛시 120 민원 상담 챗봇입니다. 아래 [자료]에 적힌 내용만으로 시민의 질문에 답하세요.
- 자료에 없는 내용은 절대 지어내지 마세요. 전화번호, 금액, 기간도 자료에 있는 것만 쓰세요.
- 답은 존댓말로 세 문장 이내로 짧게 쓰세요.
- 근거로 쓴 자료의 ID를 문장 끝에 [ID] 형식으로 꼭 적으세요. 예: ... 하시면 돼요. [passport-issue]
- 자료로 답할 수 없는 질문이면 다른 말 없이 ` + declineMarker + ` 라고만 답하세요.`

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	Stream      bool          `json:"stream"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// MaxGeneratedRunes bounds a generated answer.
const MaxGeneratedRunes = 600

// maxResponseBytes bounds what is read of a server's reply.
const maxResponseBytes = 1 << 20

// Generate asks the model for an answer grounded in articles. An answer that
// cites none of them is treated as an error, so the caller falls back to the
// retrieval answer rather than show something unsupported.
func (l *LLM) Generate(ctx context.Context, question string, articles []*kb.Article) (Generated, error) {
	if len(articles) == 0 {
		return Generated{Declined: true}, nil
	}
	var sb strings.Builder
	sb.WriteString("[자료]\n")
	for _, a := range articles {
		fmt.Fprintf(&sb, "ID: %s\n제목: %s\n내용: %s\n\n", a.ID, a.Title, a.Body)
	}
	sb.WriteString("[질문]\n")
	sb.WriteString(question)
	body, err := json.Marshal(chatRequest{
		Model: l.cfg.Model, Temperature: 0, MaxTokens: 400,
		Messages: []chatMessage{{Role: "system", Content: systemPrompt}, {Role: "user", Content: sb.String()}},
	})
	if err != nil {
		return Generated{}, fmt.Errorf("llm: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(l.cfg.URL, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return Generated{}, fmt.Errorf("llm: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if l.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+l.cfg.Key)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return Generated{}, minwon.Errorf(minwon.EUNAVAILABLE, "llm: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return Generated{}, minwon.Errorf(minwon.EUNAVAILABLE, "llm: read reply: %v", err)
	}
	var cr chatResponse
	if err := json.Unmarshal(data, &cr); err != nil && resp.StatusCode == http.StatusOK {
		return Generated{}, minwon.Errorf(minwon.EUNAVAILABLE, "llm: malformed reply: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := resp.Status
		if cr.Error != nil && cr.Error.Message != "" {
			msg += ": " + cr.Error.Message
		}
		return Generated{}, minwon.Errorf(minwon.EUNAVAILABLE, "llm: %s", msg)
	}
	if len(cr.Choices) == 0 {
		return Generated{}, minwon.Errorf(minwon.EUNAVAILABLE, "llm: reply has no choices")
	}
	return parseGenerated(cr.Choices[0].Message.Content, articles)
}

var citeRE = regexp.MustCompile(`\[([A-Za-z0-9][A-Za-z0-9_.:-]*)\]`)

// parseGenerated reads the model's text: the decline marker, or an answer
// whose [ID] citations are kept when they name a given article and removed
// from the text either way (the bot shows titles instead).
func parseGenerated(content string, articles []*kb.Article) (Generated, error) {
	content = strings.TrimSpace(content)
	if content == "" {
		return Generated{}, errors.New("llm: empty answer")
	}
	if strings.Contains(content, declineMarker) {
		return Generated{Declined: true}, nil
	}
	given := make(map[string]bool, len(articles))
	for _, a := range articles {
		given[a.ID] = true
	}
	var cited []string
	seen := make(map[string]bool)
	for _, m := range citeRE.FindAllStringSubmatch(content, -1) {
		if id := m[1]; given[id] && !seen[id] {
			seen[id] = true
			cited = append(cited, id)
		}
	}
	if len(cited) == 0 {
		return Generated{}, errors.New("llm: answer cites none of the articles")
	}
	text := citeRE.ReplaceAllStringFunc(content, func(s string) string {
		if given[s[1:len(s)-1]] {
			return ""
		}
		return s
	})
	text = strings.Join(strings.Fields(text), " ")
	text = strings.ReplaceAll(text, " .", ".")
	// A model that rambles is cut: the citizen asked for a short answer and
	// the article is one "자세히" away.
	if rs := []rune(text); len(rs) > MaxGeneratedRunes {
		text = string(rs[:MaxGeneratedRunes-1]) + "…"
	}
	return Generated{Text: text, Cited: cited}, nil
}
