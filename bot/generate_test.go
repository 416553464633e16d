package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLLM is a local server speaking the OpenAI chat-completions protocol;
// reply decides what it answers to each request.
type fakeLLM struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []chatRequest
	auth  []string
	reply func(w http.ResponseWriter, r *http.Request, req chatRequest)
}

func newFakeLLM(t *testing.T, reply func(w http.ResponseWriter, r *http.Request, req chatRequest)) *fakeLLM {
	f := &fakeLLM{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		f.reply(w, r, req)
	}))
	t.Cleanup(f.Close)
	return f
}

func answerWith(content string) func(http.ResponseWriter, *http.Request, chatRequest) {
	return func(w http.ResponseWriter, _ *http.Request, _ chatRequest) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "model": "test",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": content}}},
		})
	}
}

func llmBot(t *testing.T, f *fakeLLM) *Bot {
	t.Helper()
	g, err := NewLLM(LLMConfig{URL: f.URL + "/v1", Model: "qwen2.5-7b-instruct", Key: "sekrit"})
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Generator = g
	return New(testIndex(), o)
}

const sofa = "소파 버리고 싶은데 어떻게 해요"

func TestGeneratorCitesTheArticles(t *testing.T) {
	f := newFakeLLM(t, answerWith("구청 홈페이지에서 배출 신고를 하고 수수료를 내신 뒤 신고필증 번호를 붙여 내놓으시면 돼요 [bulky-waste]. [made-up-id]"))
	r := llmBot(t, f).Ask(sofa)
	if r.Kind != KindAnswer || !r.Generated || !r.Answered() {
		t.Fatalf("reply %+v, want a generated answer", r)
	}
	if len(r.Cited) != 1 || r.Cited[0] != "bulky-waste" || r.ArticleID != "bulky-waste" {
		t.Errorf("cited %v, article %s; want only bulky-waste", r.Cited, r.ArticleID)
	}
	if strings.Contains(r.Text, "[bulky-waste]") || !strings.Contains(r.Text, "출처: 대형폐기물 배출 신고") || !strings.Contains(r.Text, "도움이 되었나요?") {
		t.Errorf("text %q: want the citation shown as the title, then the feedback question", r.Text)
	}

	if len(f.reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(f.reqs))
	}
	req := f.reqs[0]
	if req.Model != "qwen2.5-7b-instruct" || f.auth[0] != "Bearer sekrit" || req.Stream {
		t.Errorf("model %q, auth %q, stream %v", req.Model, f.auth[0], req.Stream)
	}
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
		t.Fatalf("messages %+v, want system then user", req.Messages)
	}
	if !strings.Contains(req.Messages[0].Content, declineMarker) {
		t.Errorf("system prompt does not say how to decline: %q", req.Messages[0].Content)
	}
	user := req.Messages[1].Content
	if !strings.Contains(user, "ID: bulky-waste") || !strings.Contains(user, "신고필증") || !strings.Contains(user, sofa) {
		t.Errorf("user message lacks the article or the question: %q", user)
	}
}

func TestGeneratorDeclines(t *testing.T) {
	f := newFakeLLM(t, answerWith(declineMarker))
	r := llmBot(t, f).Ask(sofa)
	if r.Kind != KindHandoff || !r.Handoff || r.Reason != ReasonUnsure || r.Answered() {
		t.Fatalf("reply %+v, want an unsure hand-off", r)
	}
	if len(r.Suggestions) == 0 || r.Suggestions[0].ArticleID != "bulky-waste" {
		t.Errorf("suggestions %v, want bulky-waste for the counselor", r.Suggestions)
	}
}

func TestGeneratorFallsBackToRetrieval(t *testing.T) {
	tests := []struct {
		name  string
		reply func(http.ResponseWriter, *http.Request, chatRequest)
	}{
		{"ServerError", func(w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			http.Error(w, `{"error":{"message":"model not loaded"}}`, http.StatusServiceUnavailable)
		}},
		{"MalformedReply", func(w http.ResponseWriter, _ *http.Request, _ chatRequest) { w.Write([]byte("{not json")) }},
		{"NoChoices", func(w http.ResponseWriter, _ *http.Request, _ chatRequest) { w.Write([]byte(`{"choices":[]}`)) }},
		{"EmptyAnswer", answerWith("   ")},
		{"NoCitation", answerWith("소파는 그냥 길에 내놓으시면 돼요.")},
		{"CitesAnArticleNotGiven", answerWith("그냥 내놓으세요. [passport-lost]")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLLM(t, tt.reply)
			r := llmBot(t, f).Ask(sofa)
			if r.Kind != KindAnswer || r.Generated || r.ArticleID != "bulky-waste" || !strings.Contains(r.Text, "신고") {
				t.Fatalf("reply %+v, want the retrieval answer", r)
			}
			if len(f.reqs) != 1 {
				t.Errorf("%d requests, want 1", len(f.reqs))
			}
		})
	}

	t.Run("Timeout", func(t *testing.T) {
		// The server never answers; the context's deadline has passed, so
		// the request fails at once without the test waiting on a timer.
		release := make(chan struct{})
		f := newFakeLLM(t, func(http.ResponseWriter, *http.Request, chatRequest) { <-release })
		defer close(release)
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		var st State
		r := llmBot(t, f).ReplyContext(ctx, &st, sofa)
		if r.Kind != KindAnswer || r.Generated || r.ArticleID != "bulky-waste" {
			t.Fatalf("reply %+v, want the retrieval answer", r)
		}
	})

	t.Run("Unreachable", func(t *testing.T) {
		f := newFakeLLM(t, answerWith("x"))
		b := llmBot(t, f)
		f.Close()
		if r := b.Ask(sofa); r.Kind != KindAnswer || r.Generated {
			t.Fatalf("reply %+v, want the retrieval answer", r)
		}
	})
}

func TestGeneratorNotAskedWhenRetrievalIsUnsure(t *testing.T) {
	f := newFakeLLM(t, answerWith("무엇이든 [bulky-waste]"))
	r := llmBot(t, f).Ask("이번 주 로또 번호 알려줘")
	if r.Answered() || len(f.reqs) != 0 {
		t.Fatalf("reply %+v after %d requests; the model must not be asked to answer what retrieval declines", r, len(f.reqs))
	}
}

func TestGeneratedAnswerIsBounded(t *testing.T) {
	f := newFakeLLM(t, answerWith(strings.Repeat("배출 신고를 하세요. ", 200)+"[bulky-waste]"))
	r := llmBot(t, f).Ask(sofa)
	if !r.Generated {
		t.Fatalf("reply %+v, want a generated answer", r)
	}
	if body, _, _ := strings.Cut(r.Text, "\n\n출처"); len([]rune(body)) > MaxGeneratedRunes {
		t.Errorf("generated answer is %d runes, over %d", len([]rune(body)), MaxGeneratedRunes)
	}
}

func TestNewLLMRejectsBadConfig(t *testing.T) {
	for _, c := range []LLMConfig{{}, {URL: "http://127.0.0.1:1/v1"}, {Model: "m"}, {URL: "ftp://x", Model: "m"}} {
		if _, err := NewLLM(c); err == nil {
			t.Errorf("NewLLM(%+v) succeeded", c)
		}
	}
}
