package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/demo"
)

func TestParseSimulateFlags(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		cfg, err := parseSimulateFlags(nil, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.URL.String() != "http://127.0.0.1:8120" || cfg.Rate != 6 || cfg.MaxOpen != 200 || cfg.Duration != 0 {
			t.Errorf("defaults %+v", cfg)
		}
		if !slices.Equal(cfg.Entries, demo.ChatEntries()) || cfg.Entries[0] != "hanbit" || len(cfg.Entries) != 6 {
			t.Errorf("default entries %v", cfg.Entries)
		}
	})
	t.Run("Custom", func(t *testing.T) {
		cfg, err := parseSimulateFlags([]string{"--url", "https://120.example/base", "--rate", "0.5",
			"--entries", " hanbit-jung, ,gangnam ", "--duration", "90s", "--max-open", "3", "--seed", "7"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := simConfig{URL: cfg.URL, Rate: 0.5, Entries: []string{"hanbit-jung", "gangnam"}, Duration: 90 * time.Second, MaxOpen: 3, Seed: 7}
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("got %+v, want %+v", cfg, want)
		}
		if got := (&simulator{base: cfg.URL}).chatURL("hanbit-jung"); got != "https://120.example/base/ws/chat?entry=hanbit-jung" {
			t.Errorf("chat URL %s", got)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"ZeroRate", []string{"--rate", "0"}, "--rate"},
		{"NegativeRate", []string{"--rate", "-1"}, "--rate"},
		{"NaNRate", []string{"--rate", "NaN"}, "--rate"},
		{"ZeroMaxOpen", []string{"--max-open", "0"}, "--max-open"},
		{"NegativeDuration", []string{"--duration", "-1s"}, "--duration"},
		{"NoEntries", []string{"--entries", " , "}, "--entries"},
		{"BadScheme", []string{"--url", "ftp://127.0.0.1"}, "scheme"},
		{"NoHost", []string{"--url", "http://"}, "no host"},
		{"UnknownFlag", []string{"--nope"}, "not defined"},
		{"StrayArgument", []string{"extra"}, "unexpected argument"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSimulateFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
			if minwon.ErrorCode(err) != minwon.EINVALID {
				t.Errorf("error code %q, want %q so main shows the message", minwon.ErrorCode(err), minwon.EINVALID)
			}
		})
	}
	t.Run("HelpIsNotAnError", func(t *testing.T) {
		var usage bytes.Buffer
		if err := runSimulate(context.Background(), []string{"-h"}, io.Discard, &usage); err != nil {
			t.Errorf("runSimulate -h = %v", err)
		}
		if !strings.Contains(usage.String(), "--max-open") && !strings.Contains(usage.String(), "-max-open") {
			t.Errorf("usage %q does not list the flags", usage.String())
		}
	})
}

func TestNextArrival(t *testing.T) {
	for _, rate := range []float64{0.5, 6, 120} {
		rng := rand.New(rand.NewPCG(1, 2))
		const n = 20000
		var sum, sumSq float64
		for range n {
			d := nextArrival(rng, rate)
			if d < 0 {
				t.Fatalf("negative gap %v", d)
			}
			sum += d.Seconds()
			sumSq += d.Seconds() * d.Seconds()
		}
		mean := sum / n
		// Exponential gaps: mean 60/rate seconds and a standard deviation
		// equal to the mean, which is what makes arrivals Poisson.
		want := 60 / rate
		if math.Abs(mean-want)/want > 0.03 {
			t.Errorf("rate %v: mean gap %.3fs, want %.3fs", rate, mean, want)
		}
		if sd := math.Sqrt(sumSq/n - mean*mean); math.Abs(sd-want)/want > 0.05 {
			t.Errorf("rate %v: gap standard deviation %.3fs, want about %.3fs", rate, sd, want)
		}
	}
	a, b := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
	for range 100 {
		if nextArrival(a, 6) != nextArrival(b, 6) {
			t.Fatal("same seed, different arrivals")
		}
	}
}

func TestNewPlan(t *testing.T) {
	entries := []string{"hanbit", "hanbit-jung", "hanbit-buk"}
	rng := rand.New(rand.NewPCG(42, 42))
	const n = 5000
	var satisfied int
	usedEntries := map[string]bool{}
	for range n {
		p := newPlan(rng, entries)
		usedEntries[p.Entry] = true
		if !slices.Contains(entries, p.Entry) {
			t.Fatalf("entry %q not offered", p.Entry)
		}
		if len(p.Questions) < 1 || len(p.Questions) > 3 {
			t.Fatalf("%d questions", len(p.Questions))
		}
		if len(p.FollowUps) < 1 || len(p.FollowUps) > 2 {
			t.Fatalf("%d follow-ups", len(p.FollowUps))
		}
		if p.Patience < time.Minute || p.Patience > 5*time.Minute {
			t.Fatalf("patience %v", p.Patience)
		}
		if p.Rating < 1 || p.Rating > 5 {
			t.Fatalf("rating %d", p.Rating)
		}
		if p.Rating >= 4 {
			satisfied++
		}
		if p.MaxIdle <= 0 || p.RatingPause <= 0 {
			t.Fatalf("max idle %v, rating pause %v", p.MaxIdle, p.RatingPause)
		}
		for _, l := range append(slices.Clone(p.Questions), p.FollowUps...) {
			if l.Pause <= 0 || l.Pause > 20*time.Second || strings.TrimSpace(l.Text) == "" {
				t.Fatalf("line %+v", l)
			}
		}
		// The questions are the start of one topic, in order.
		first := strings.TrimPrefix(p.Questions[0].Text, "안녕하세요 ")
		i := slices.IndexFunc(citizenTopics, func(lines []string) bool { return lines[0] == first })
		if i < 0 {
			t.Fatalf("first question %q opens no topic", p.Questions[0].Text)
		}
		for j, q := range p.Questions[1:] {
			if q.Text != citizenTopics[i][j+1] {
				t.Fatalf("question %q out of topic order", q.Text)
			}
		}
	}
	if len(usedEntries) != len(entries) {
		t.Errorf("entries used %v", usedEntries)
	}
	if share := float64(satisfied) / n; share < 0.8 || share > 0.9 {
		t.Errorf("%.0f%% rated 4 or 5, want about 85%%", share*100)
	}

	a, b := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
	for range 50 {
		if pa, pb := newPlan(a, entries), newPlan(b, entries); !reflect.DeepEqual(pa, pb) {
			t.Fatalf("same seed, different plans:\n%+v\n%+v", pa, pb)
		}
	}
}

func TestCitizenLines(t *testing.T) {
	var n int
	for _, topic := range citizenTopics {
		if len(topic) < 1 || len(topic) > 3 {
			t.Errorf("topic %q has %d lines, want 1 to 3", topic[0], len(topic))
		}
		n += len(topic)
	}
	all := slices.Concat(slices.Concat(citizenTopics...), citizenFollowUps, citizenComments)
	for _, s := range all {
		if err := minwon.ValidateText(s, minwon.MaxMessageBytes); err != nil || s == "" {
			t.Errorf("line %q: %v", s, err)
		}
	}
	if n < 40 {
		t.Errorf("%d question lines, want at least 40", n)
	}
}

// chatPeer is the server's side of one fake citizen chat.
type chatPeer struct {
	t    *testing.T
	conn *websocket.Conn
	r    *http.Request
}

// recv returns the next frame the citizen sent other than "typing"; ok is
// false when none came in time or the socket closed.
func (p *chatPeer) recv() (f citizenFrame, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := p.conn.Read(ctx)
		if err != nil {
			return citizenFrame{}, false
		}
		if err := json.Unmarshal(b, &f); err != nil {
			p.t.Errorf("citizen sent %s: %v", b, err)
			return citizenFrame{}, false
		}
		if f.Type != "typing" {
			return f, true
		}
	}
}

// expect receives a frame and checks its type and text.
func (p *chatPeer) expect(typ, text string) citizenFrame {
	f, ok := p.recv()
	if !ok || f.Type != typ || f.Text != text {
		p.t.Errorf("citizen sent %+v (ok %v), want %s %q", f, ok, typ, text)
	}
	return f
}

func (p *chatPeer) send(v any) {
	b, _ := json.Marshal(v)
	if err := p.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		p.t.Errorf("send %s: %v", b, err)
	}
}

// chatServer serves /ws/chat on 127.0.0.1 and plays script for every
// citizen; the script's connection is closed when it returns.
func chatServer(t *testing.T, script func(p *chatPeer)) *simulator {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws/chat" {
			http.NotFound(w, r)
			return
		}
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer conn.CloseNow()
		p := &chatPeer{t: t, conn: conn, r: r}
		p.send(map[string]any{"type": "welcome", "contact_id": "c1", "resume": "r1", "tenant_name": "한빛시 120", "messages": []any{}})
		script(p)
	}))
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	cfg, err := parseSimulateFlags([]string{"--url", srv.URL}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return &simulator{base: cfg.URL, log: slog.New(slog.DiscardHandler)}
}

// quickPlan is a citizen with millisecond pauses and long patience.
func quickPlan() citizenPlan {
	ms := time.Millisecond
	return citizenPlan{
		Entry:       "hanbit-jung",
		Questions:   []citizenLine{{ms, "여권 발급 어디서해요"}, {ms, "며칠 걸려요?"}},
		FollowUps:   []citizenLine{{ms, "감사합니다"}},
		Patience:    time.Minute,
		RatingPause: ms,
		Rating:      5,
		Comment:     "친절해요",
		MaxIdle:     time.Minute,
		BotPause:    ms,
	}
}

func agentMessage(text string) map[string]any {
	return map[string]any{"type": "message", "message": minwon.Message{ID: "m", From: minwon.FromAgent, Text: text}}
}

func TestCitizen(t *testing.T) {
	t.Run("AnsweredFollowsUpAndRates", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			if got := p.r.URL.Query().Get("entry"); got != "hanbit-jung" {
				t.Errorf("entry %q", got)
			}
			q1 := p.expect("message", "여권 발급 어디서해요")
			if q1.ClientID == "" {
				t.Error("message without client_id")
			}
			// The echo of the citizen's own line must not count as an answer.
			p.send(map[string]any{"type": "message", "message": minwon.Message{From: minwon.FromCitizen, Text: q1.Text, ClientID: q1.ClientID}})
			p.send(map[string]any{"type": "queue", "position": 1, "wait_secs": 3})
			p.expect("message", "며칠 걸려요?")
			p.send(map[string]any{"type": "agent", "name": "김하늘"})
			p.send(agentMessage("구청 민원실에서 하시면 돼요"))
			p.expect("message", "감사합니다")
			p.send(agentMessage("더 궁금하신 건 없으세요?")) // no follow-up left: silence
			p.send(map[string]any{"type": "ended"})
			if f, _ := p.recv(); f.Type != "rating" || f.Rating != 5 || f.Comment != "친절해요" {
				t.Errorf("got %+v, want the rating", f)
			}
			p.send(map[string]any{"type": "rated"})
			if f, ok := p.recv(); ok {
				t.Errorf("citizen sent %+v after the survey", f)
			}
		})
		if err := sim.citizen(context.Background(), quickPlan()); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"opened": 1, "answered": 1, "rated": 1, "abandoned": 0, "open": 0})
	})

	t.Run("TakesTheBotsAnswerAndLeaves", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			p.expect("message", "여권 발급 어디서해요")
			p.send(map[string]any{"type": "message", "message": minwon.Message{From: minwon.FromBot, Text: "구청 민원실로 가시면 돼요. 도움이 되었나요?"}})
			p.send(map[string]any{"type": "bot", "kind": "answer", "feedback": true})
			// The second question waits: nobody but the bot is there yet.
			p.expect("message", "예")
			p.send(map[string]any{"type": "bot", "kind": "closing"})
			p.expect("leave", "")
			p.send(map[string]any{"type": "ended", "by_bot": true})
			if f, ok := p.recv(); ok {
				t.Errorf("citizen sent %+v after the bot closed the chat", f)
			}
		})
		plan := quickPlan()
		plan.Questions[1].Pause = 300 * time.Millisecond
		plan.BotHelped = true
		if err := sim.citizen(context.Background(), plan); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"opened": 1, "bot_resolved": 1, "answered": 0, "abandoned": 0, "rated": 0})
	})

	t.Run("AsksTheBotForACounselor", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			p.expect("message", "여권 발급 어디서해요")
			p.send(map[string]any{"type": "bot", "kind": "answer", "feedback": true})
			p.expect("message", "상담원 연결해 주세요")
			p.send(map[string]any{"type": "bot", "kind": "handoff"})
			p.send(map[string]any{"type": "queued"})
			// Handed over: the questions go on for the counselor.
			p.expect("message", "며칠 걸려요?")
			p.send(map[string]any{"type": "agent", "name": "김하늘"})
			p.send(agentMessage("일주일쯤 걸려요"))
			p.expect("message", "감사합니다")
			p.send(map[string]any{"type": "ended"})
			if f, _ := p.recv(); f.Type != "rating" {
				t.Errorf("got %+v, want the rating", f)
			}
			p.send(map[string]any{"type": "rated"})
		})
		plan := quickPlan()
		plan.Questions[1].Pause = 300 * time.Millisecond
		if err := sim.citizen(context.Background(), plan); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"opened": 1, "bot_resolved": 0, "answered": 1, "rated": 1})
	})

	t.Run("AbandonsAfterPatience", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			p.send(map[string]any{"type": "queue", "position": 4, "wait_secs": 90})
			p.expect("message", "여권 발급 어디서해요")
			p.expect("message", "며칠 걸려요?")
			p.expect("leave", "")
		})
		plan := quickPlan()
		plan.Questions[1].Pause = 20 * time.Millisecond
		plan.Patience = 60 * time.Millisecond
		if err := sim.citizen(context.Background(), plan); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"opened": 1, "answered": 0, "abandoned": 1, "open": 0})
	})

	t.Run("LeavesWhenStopped", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		sim := chatServer(t, func(p *chatPeer) {
			p.expect("message", "여권 발급 어디서해요")
			cancel()
			p.expect("leave", "")
		})
		plan := quickPlan()
		plan.Questions = plan.Questions[:1]
		if err := sim.citizen(ctx, plan); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"opened": 1, "abandoned": 0, "failed": 0, "open": 0})
	})

	t.Run("LeavesASilentCounselor", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			p.expect("message", "여권 발급 어디서해요")
			p.send(agentMessage("확인해 볼게요"))
			p.expect("message", "감사합니다")
			p.expect("leave", "")
		})
		plan := quickPlan()
		plan.Questions = plan.Questions[:1]
		plan.MaxIdle = 100 * time.Millisecond
		if err := sim.citizen(context.Background(), plan); err != nil {
			t.Fatal(err)
		}
		assertStats(t, sim, map[string]int64{"answered": 1, "rated": 0, "abandoned": 0})
	})

	t.Run("FailsWhenServerHangsUp", func(t *testing.T) {
		sim := chatServer(t, func(p *chatPeer) {
			p.expect("message", "여권 발급 어디서해요")
		})
		plan := quickPlan()
		plan.Questions = plan.Questions[:1]
		if err := sim.citizen(context.Background(), plan); err == nil {
			t.Fatal("no error when the server closed mid-chat")
		}
	})
}

func TestRunSimulate(t *testing.T) {
	// Citizens arrive far faster than two slots allow and are never
	// answered, so the ceiling must turn arrivals away.
	sim := chatServer(t, func(p *chatPeer) {
		for {
			if _, ok := p.recv(); !ok {
				return
			}
		}
	})
	var out, errOut bytes.Buffer
	err := runSimulate(context.Background(), []string{"--url", sim.base.String(), "--rate", "6000",
		"--max-open", "2", "--duration", "500ms", "--seed", "1"}, &out, &errOut)
	if err != nil {
		t.Fatalf("runSimulate: %v (stderr %s)", err, errOut.String())
	}
	last := lastLine(out.String())
	if !strings.Contains(last, `msg="simulate done"`) || !strings.Contains(last, "open=0") ||
		!strings.Contains(last, "failed=0") || strings.Contains(last, "skipped=0") {
		t.Errorf("summary %q", last)
	}
	if !strings.Contains(last, "opened=2") {
		t.Errorf("summary %q: want exactly the two slots used", last)
	}
}

func assertStats(t *testing.T, sim *simulator, want map[string]int64) {
	t.Helper()
	st := &sim.stats
	got := map[string]int64{
		"open": st.open.Load(), "opened": st.opened.Load(), "answered": st.answered.Load(),
		"abandoned": st.abandoned.Load(), "rated": st.rated.Load(), "failed": st.failed.Load(),
		"bot_resolved": st.botResolved.Load(),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
