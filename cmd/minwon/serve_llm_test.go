package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
)

// TestServeBotWritesWithLLM starts `minwon serve` with --llm-url pointing at
// a local server that speaks the chat-completions protocol, and checks that
// a citizen's chat gets the model's answer, citing an article it was given.
func TestServeBotWritesWithLLM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	var calls atomic.Int32
	firstID := regexp.MustCompile(`ID: (\S+)`)
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || req.Model != "local-model" || len(req.Messages) < 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		m := firstID.FindStringSubmatch(req.Messages[len(req.Messages)-1].Content)
		if m == nil {
			http.Error(w, "no articles in the prompt", http.StatusBadRequest)
			return
		}
		calls.Add(1)
		answer := "모델이 쓴 답: 가까운 구청 민원실로 가시면 돼요. [" + m[1] + "]"
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": answer}}}})
	}))
	defer llm.Close()

	_, base := startServer(t, "--demo --data "+t.TempDir()+" --http 127.0.0.1:0 --llm-url "+llm.URL+"/v1 --llm-model local-model")
	ws := "ws" + strings.TrimPrefix(base, "http")
	citizen := dialWS(t, ws+"/ws/chat?entry=hanbit", nil)
	citizen.await(t, "welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
	b, _ := json.Marshal(map[string]any{"type": "message", "client_id": "q1", "text": "여권 새로 만들려면 어디로 가야 돼요?"})
	if err := citizen.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	citizen.await(t, "the model's answer from the bot", func(f map[string]any) bool {
		m, _ := f["message"].(map[string]any)
		text, _ := m["text"].(string)
		return f["type"] == "message" && m["from"] == "bot" && strings.Contains(text, "모델이 쓴 답")
	})
	if calls.Load() == 0 {
		t.Fatal("the model was never asked")
	}
}
