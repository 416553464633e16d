package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/demo"
)

// simConfig is what the simulate subcommand's flags set.
type simConfig struct {
	URL      *url.URL      // base URL of a minwon server
	Rate     float64       // new citizen chats per minute, on average
	Entries  []string      // chat entry points, picked uniformly
	Duration time.Duration // 0 runs until the context ends
	MaxOpen  int           // ceiling on concurrent sessions
	Seed     uint64        // 0 picks one from the clock
}

// Pacing of the summary log and of a citizen's last moments.
const (
	simSummaryEvery = 10 * time.Second
	simDialTimeout  = 10 * time.Second
	simWriteTimeout = 10 * time.Second
	simLeaveTimeout = 2 * time.Second  // saying goodbye when the simulator stops
	simRatedTimeout = 10 * time.Second // waiting for the server to confirm a rating
	simMaxIdle      = 10 * time.Minute // a counselor who never ends the chat
	simTypingLead   = 2 * time.Second  // "typing…" shows this long before a line
)

// runSimulate is the "minwon simulate" subcommand: it plays citizens who chat
// with a running minwon server, arriving at random (Poisson) at --rate per
// minute, so a demo, a screenshot or a shift rehearsal has live traffic. It
// returns nil when ctx ends or --duration has passed.
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseSimulateFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage asked for has been printed
	} else if err != nil {
		return err
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	sim := &simulator{
		base: cfg.URL,
		log:  slog.New(slog.NewTextHandler(stdout, nil)),
	}
	sim.log.Info("simulate starting", "url", cfg.URL.String(), "rate_per_min", cfg.Rate,
		"entries", strings.Join(cfg.Entries, ","), "max_open", cfg.MaxOpen, "seed", seed)
	sim.run(ctx, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), cfg)
	return nil
}

// parseSimulateFlags reads the subcommand's flags; usage and flag errors go
// to stderr. Bad flags are EINVALID errors, so main shows their message.
func parseSimulateFlags(args []string, stderr io.Writer) (simConfig, error) {
	fs := flag.NewFlagSet("minwon simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8120", "base URL of the minwon server")
	rate := fs.Float64("rate", 6, "new citizen chats per minute, on average")
	entries := fs.String("entries", strings.Join(demo.ChatEntries(), ","), "comma-separated chat entry points")
	duration := fs.Duration("duration", 0, "how long to run; 0 runs until interrupted")
	maxOpen := fs.Int("max-open", 200, "most citizen sessions open at once; arrivals beyond it are skipped")
	seed := fs.Uint64("seed", 0, "random seed, to replay the same traffic; 0 picks one")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: minwon simulate [flags]\n\nPlays citizens chatting with a minwon server.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return simConfig{}, err
	} else if err != nil {
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: %v", err)
	}
	if fs.NArg() > 0 {
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: unexpected argument %q", fs.Arg(0))
	}

	cfg := simConfig{Rate: *rate, Duration: *duration, MaxOpen: *maxOpen, Seed: *seed}
	u, err := url.Parse(*rawURL)
	if err != nil {
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --url: %v", err)
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --url %q: scheme must be http, https, ws or wss", *rawURL)
	}
	if u.Host == "" {
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --url %q has no host", *rawURL)
	}
	cfg.URL = u
	for _, e := range strings.Split(*entries, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cfg.Entries = append(cfg.Entries, e)
		}
	}
	switch {
	case len(cfg.Entries) == 0:
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --entries names no entry point")
	case !(cfg.Rate > 0) || cfg.Rate > 60_000: // !(>) also rejects NaN
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --rate %v must be above 0 and at most 60000", cfg.Rate)
	case cfg.MaxOpen < 1:
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --max-open %d must be at least 1", cfg.MaxOpen)
	case cfg.Duration < 0:
		return simConfig{}, minwon.Errorf(minwon.EINVALID, "simulate: --duration %v is negative", cfg.Duration)
	}
	return cfg, nil
}

// nextArrival returns the wait until the next citizen: exponentially
// distributed gaps make the arrivals a Poisson process, which is how
// independent callers reach a real center.
func nextArrival(rng *rand.Rand, perMinute float64) time.Duration {
	return time.Duration(rng.ExpFloat64() * float64(time.Minute) / perMinute)
}

// citizenTopics are what simulated citizens ask about, matching the demo
// knowledge base. Each is a sequence of lines in the order a person would
// type them, in the spelling and spacing people really use.
var citizenTopics = [][]string{
	{"여권 새로 만들려면 어디로 가야돼요?", "사진은 아무거나 가져가도 되나요", "며칠이나 걸려요? 다음달에 출국이라서요"},
	{"여권을 잃어버렸는데 어떡하죠", "재발급도 같은날 신청 되나요?"},
	{"등본 떼야 하는데 주말에도 되나요", "무인발급기 시청에 있어요?"},
	{"이사왔는데 전입신고 어디서해요", "인터넷으로도 되요?"},
	{"집앞에 차가 맨날 막고있어요 신고하고싶은데요", "사진은 몇장 찍어야돼요?"},
	{"주차딱지 끊겼는데 이거 어떻게 내요", "좀 억울한데 이의신청 되나요?"},
	{"공영주차장 한시간에 얼마에요?", "경차도 할인되나요"},
	{"쇼파 버리려면 어떻게해야되요?", "스티커는 어디서 사요"},
	{"닭뼈 음식물쓰레기에 버려도 되요?", "음쓰 봉투는 어디서 팔아요"},
	{"수도요금이 평소보다 세배 나왔어요", "누수면 감면 되나요?"},
	{"갑자기 물이 안나와요 단수인가요?"},
	{"지금 문연 약국 있나요 애가 열이나서요", "소아과도 하는데 있어요?"},
	{"7번버스 배차간격이 너무 길어요", "막차는 몇시에요?"},
	{"도로에 구멍이 크게 패여있어요 위험해요", "위치는 한빛초등학교 앞이에요"},
	{"골목 가로등이 일주일째 꺼져있어요"},
	{"자동차세 미리 내면 할인된다던데 맞나요?", "지금 신청해도 되요?"},
	{"세금이 밀렸는데 나눠서 내도 되나요"},
	{"어머니 기초연금 신청하려는데요", "자식이 소득있으면 못받나요?"},
	{"아기 낳으면 지원금 나오나요", "어디서 신청해요?"},
	{"옆에 공사장 소음때문에 아침부터 못자겠어요"},
	{"재난문자 왔는데 대피소 어디에요?"},
	{"무더위쉼터 주말에도 하나요", "동구에 있는거요"},
	{"청년월세지원 저도 받을수 있나요", "서류 뭐 필요해요"},
	{"풋살장 주말에 빌리고 싶은데요"},
	{"강아지 등록 안하면 벌금나와요?"},
	{"건축물대장 어디서떼요"},
	{"사거리에 불법현수막이 너무 많아요"},
}

// citizenFollowUps answer a counselor once the questions are out.
var citizenFollowUps = []string{
	"아 네 알겠습니다",
	"감사합니다 ㅎㅎ",
	"혹시 온라인으로도 되나요?",
	"몇시까지 하나요?",
	"네 그럼 그렇게 할게요",
	"친절하게 알려주셔서 감사해요",
	"담당부서 전화번호도 알 수 있을까요?",
	"네네 확인해볼게요",
	"아 그렇구나.. 몰랐어요",
	"그럼 내일 가보면 되겠네요",
}

// citizenComments sometimes come with a rating.
var citizenComments = []string{"친절하게 알려주셔서 감사합니다", "빨리 연결돼서 좋았어요", "설명이 쉬웠어요", "대기가 좀 길었어요"}

// citizenLine is one thing a citizen types, after a pause.
type citizenLine struct {
	Pause time.Duration
	Text  string
}

// citizenPlan is everything a simulated citizen will do, drawn up front so
// the session itself needs no randomness and a seed replays the same traffic.
type citizenPlan struct {
	Entry       string
	Questions   []citizenLine // 1–3, sent while waiting or talking
	FollowUps   []citizenLine // 1–2, each after a counselor's message
	Patience    time.Duration // unanswered this long, the citizen leaves
	RatingPause time.Duration
	Rating      int // 1..5, mostly 4 or 5
	Comment     string
	MaxIdle     time.Duration // answered but silent this long, the citizen leaves
	// BotHelped: where the center's bot answers first, this citizen takes
	// its answer ("예") and leaves; otherwise they ask for a counselor.
	BotHelped bool
	BotPause  time.Duration // reading the bot's reply before answering it
}

// newPlan draws a citizen.
func newPlan(rng *rand.Rand, entries []string) citizenPlan {
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
	p := citizenPlan{
		Entry:       entries[rng.IntN(len(entries))],
		Patience:    between(time.Minute, 5*time.Minute),
		RatingPause: between(time.Second, 4*time.Second),
		MaxIdle:     simMaxIdle,
		// Seoul's aim is for AI counseling to take half of all contacts.
		BotHelped: rng.IntN(2) == 0,
		BotPause:  between(2*time.Second, 6*time.Second),
	}

	topic := citizenTopics[rng.IntN(len(citizenTopics))]
	n := 1 + rng.IntN(len(topic))
	for i, text := range topic[:n] {
		pause := between(5*time.Second, 20*time.Second)
		if i == 0 {
			pause = between(2*time.Second, 8*time.Second)
			if rng.IntN(3) == 0 {
				text = "안녕하세요 " + text
			}
		}
		p.Questions = append(p.Questions, citizenLine{pause, text})
	}
	for range 1 + rng.IntN(2) {
		text := citizenFollowUps[rng.IntN(len(citizenFollowUps))]
		p.FollowUps = append(p.FollowUps, citizenLine{between(4*time.Second, 15*time.Second), text})
	}

	// Roughly what 120 centers report: nearly everyone satisfied.
	switch r := rng.IntN(100); {
	case r < 55:
		p.Rating = 5
	case r < 85:
		p.Rating = 4
	case r < 95:
		p.Rating = 3
	case r < 98:
		p.Rating = 2
	default:
		p.Rating = 1
	}
	if rng.IntN(4) == 0 {
		p.Comment = citizenComments[rng.IntN(len(citizenComments))]
		if p.Rating < 4 {
			p.Comment = citizenComments[len(citizenComments)-1]
		}
	}
	return p
}

// simStats counts sessions for the summary line.
type simStats struct {
	open, opened, answered, abandoned, rated, failed, skipped atomic.Int64
	botResolved                                               atomic.Int64 // helped by the bot, no counselor needed

	mu      sync.Mutex
	lastErr string // latest failure since the previous summary
}

func (s *simStats) fail(err error) {
	s.failed.Add(1)
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

// simulator plays citizens against one server.
type simulator struct {
	base  *url.URL
	log   *slog.Logger
	stats simStats
}

// run starts citizens until ctx ends, then waits for them to leave.
func (sim *simulator) run(ctx context.Context, rng *rand.Rand, cfg simConfig) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		sim.summary("simulate done")
	}()

	ticker := time.NewTicker(simSummaryEvery)
	defer ticker.Stop()
	open := make(chan struct{}, cfg.MaxOpen) // a slot per open session
	arrive := time.NewTimer(nextArrival(rng, cfg.Rate))
	defer arrive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			sim.summary("simulate")
		case <-arrive.C:
			arrive.Reset(nextArrival(rng, cfg.Rate))
			// Draw the plan even when it is skipped, so that a seed replays
			// the same arrivals whatever the server's speed.
			p := newPlan(rng, cfg.Entries)
			select {
			case open <- struct{}{}:
			default:
				// Skipping, rather than waiting for a slot, keeps the
				// arrival process honest and the load bounded.
				sim.stats.skipped.Add(1)
				continue
			}
			wg.Go(func() {
				defer func() { <-open }()
				if err := sim.citizen(ctx, p); err != nil {
					sim.stats.fail(err)
				}
			})
		}
	}
}

// summary logs the counters on one line.
func (sim *simulator) summary(msg string) {
	st := &sim.stats
	st.mu.Lock()
	lastErr := st.lastErr
	st.lastErr = ""
	st.mu.Unlock()
	attrs := []any{
		"open", st.open.Load(), "opened", st.opened.Load(), "answered", st.answered.Load(),
		"abandoned", st.abandoned.Load(), "rated", st.rated.Load(), "failed", st.failed.Load(),
		"skipped", st.skipped.Load(), "bot_resolved", st.botResolved.Load(),
	}
	if lastErr != "" {
		attrs = append(attrs, "last_error", lastErr)
	}
	sim.log.Info(msg, attrs...)
}

// chatURL is the citizen chat WebSocket for an entry point.
func (sim *simulator) chatURL(entry string) string {
	u := sim.base.JoinPath("ws", "chat")
	u.RawQuery = url.Values{"entry": {entry}}.Encode()
	return u.String()
}

// Frames of the citizen chat socket (docs/api.md).
type (
	citizenFrame struct {
		Type     string `json:"type"`
		ClientID string `json:"client_id,omitempty"`
		Text     string `json:"text,omitempty"`
		Rating   int    `json:"rating,omitempty"`
		Comment  string `json:"comment,omitempty"`
	}
	serverFrame struct {
		Type string `json:"type"`
		// Message is a minwon.Message in a "message" frame and the text of
		// an "error" frame.
		Message json.RawMessage `json:"message,omitempty"`
		Code    string          `json:"code,omitempty"`
		// A "bot" frame says what the bot's last line offers; an "ended"
		// frame with ByBot closes a chat the bot resolved.
		Kind     string            `json:"kind,omitempty"`
		Feedback bool              `json:"feedback,omitempty"`
		Options  []json.RawMessage `json:"options,omitempty"`
		ByBot    bool              `json:"by_bot,omitempty"`
	}
)

// citizen plays one plan to its end. It returns an error only when the
// session failed; leaving, being abandoned or being stopped are outcomes.
func (sim *simulator) citizen(ctx context.Context, p citizenPlan) error {
	dctx, cancel := context.WithTimeout(ctx, simDialTimeout)
	conn, _, err := websocket.Dial(dctx, sim.chatURL(p.Entry), nil)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("dial %s: %w", p.Entry, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20) // a resumed welcome carries the conversation so far
	sim.stats.opened.Add(1)
	sim.stats.open.Add(1)
	defer sim.stats.open.Add(-1)

	// Read on a context that is never cancelled: coder/websocket closes the
	// connection when a read's context ends, and a stopping citizen must
	// still be able to say it is leaving. CloseNow ends the reader.
	frames := make(chan serverFrame)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done) // runs before CloseNow, so the reader never blocks on frames
	go func() {
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				readErr <- err
				return
			}
			var f serverFrame
			if err := json.Unmarshal(b, &f); err != nil {
				readErr <- fmt.Errorf("decode frame: %w", err)
				return
			}
			select {
			case frames <- f:
			case <-done:
				return
			}
		}
	}()
	send := func(f citizenFrame) error {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), simWriteTimeout)
		defer cancel()
		b, _ := json.Marshal(f) // a struct of strings and ints always marshals
		if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
			return fmt.Errorf("send %s: %w", f.Type, err)
		}
		return nil
	}
	leave := func() {
		// Best effort: the server ends a chat whose socket is gone anyway.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), simLeaveTimeout)
		defer cancel()
		b, _ := json.Marshal(citizenFrame{Type: "leave"})
		_ = conn.Write(wctx, websocket.MessageText, b)
	}

	var (
		asked, followed   int  // lines of the plan sent
		answered, ended   bool // a counselor joined; the chat was ended
		typingC, sayC     <-chan time.Time
		ratingC, giveUpC  <-chan time.Time
		pending           citizenLine // the line sayC will send
		pendingIsFollowUp bool
		withBot           bool // the bot is answering; questions wait for a counselor
		botSayC, leaveC   <-chan time.Time
		botLine           string // what botSayC will send
	)
	schedule := func(l citizenLine, followUp bool) {
		pending, pendingIsFollowUp = l, followUp
		typingC = time.After(max(0, l.Pause-simTypingLead))
		sayC = time.After(l.Pause)
	}
	schedule(p.Questions[0], false)
	patience := time.NewTimer(p.Patience)
	defer patience.Stop()
	idle := time.NewTimer(p.MaxIdle)
	defer idle.Stop()

	for {
		select {
		case <-ctx.Done():
			if !ended {
				leave()
			}
			return nil

		case err := <-readErr:
			if ended {
				return nil // the server may close once the survey is done
			}
			return fmt.Errorf("read: %w", err)

		case <-patience.C:
			if !answered {
				leave()
				sim.stats.abandoned.Add(1)
				conn.Close(websocket.StatusNormalClosure, "")
				return nil
			}

		case <-idle.C:
			if !ended {
				leave()
			}
			return nil

		case <-typingC:
			typingC = nil
			if err := send(citizenFrame{Type: "typing"}); err != nil {
				return err
			}

		case <-sayC:
			sayC = nil
			if err := send(citizenFrame{Type: "message", ClientID: minwon.NewID(), Text: pending.Text}); err != nil {
				return err
			}
			if pendingIsFollowUp {
				followed++
			} else if asked++; asked < len(p.Questions) && !withBot {
				schedule(p.Questions[asked], false)
			}

		case <-botSayC:
			botSayC = nil
			if err := send(citizenFrame{Type: "message", ClientID: minwon.NewID(), Text: botLine}); err != nil {
				return err
			}

		case <-leaveC:
			// Helped by the bot and done: the server closes the chat as
			// resolved by the bot.
			leaveC = nil
			leave()

		case <-ratingC:
			ratingC = nil
			if err := send(citizenFrame{Type: "rating", Rating: p.Rating, Comment: p.Comment}); err != nil {
				return err
			}
			giveUpC = time.After(simRatedTimeout)

		case <-giveUpC:
			return nil // no "rated" came back; the rating may still have counted

		case f := <-frames:
			switch f.Type {
			case "bot":
				if !withBot {
					// The bot took the first question; the rest wait until
					// a counselor is there to read them.
					withBot = true
					if !pendingIsFollowUp {
						typingC, sayC = nil, nil
					}
				}
				switch {
				case f.Kind == "closing":
					leaveC = time.After(p.BotPause)
				case f.Feedback && p.BotHelped:
					botLine = "예"
					botSayC = time.After(p.BotPause)
				case f.Kind == "clarify" && len(f.Options) > 0 && p.BotHelped:
					botLine = "1번"
					botSayC = time.After(p.BotPause)
				case f.Kind != "handoff":
					botLine = "상담원 연결해 주세요"
					botSayC = time.After(p.BotPause)
				}
			case "queued":
				// Handed to a counselor: carry on with the questions.
				withBot, botSayC = false, nil
				if asked < len(p.Questions) && sayC == nil {
					schedule(p.Questions[asked], false)
				}
			case "agent":
				if !answered {
					answered = true
					sim.stats.answered.Add(1)
				}
			case "message":
				var m minwon.Message
				if err := json.Unmarshal(f.Message, &m); err != nil {
					return fmt.Errorf("decode message: %w", err)
				}
				if m.From != minwon.FromAgent {
					continue
				}
				if !answered {
					answered = true
					sim.stats.answered.Add(1)
				}
				idle.Reset(p.MaxIdle)
				// Follow-ups answer the counselor, so only once every
				// question is out and nothing else is about to be typed.
				if asked == len(p.Questions) && followed < len(p.FollowUps) && sayC == nil {
					schedule(p.FollowUps[followed], true)
				}
			case "ended":
				if ended {
					continue
				}
				ended = true
				typingC, sayC, botSayC, leaveC = nil, nil, nil, nil
				if f.ByBot {
					sim.stats.botResolved.Add(1)
					conn.Close(websocket.StatusNormalClosure, "")
					return nil
				}
				if !answered {
					return nil // ended by the system before anyone answered
				}
				ratingC = time.After(p.RatingPause)
			case "rated":
				sim.stats.rated.Add(1)
				conn.Close(websocket.StatusNormalClosure, "")
				return nil
			case "error":
				var text string
				_ = json.Unmarshal(f.Message, &text)
				sim.stats.mu.Lock()
				sim.stats.lastErr = "server: " + f.Code + ": " + text
				sim.stats.mu.Unlock()
			}
		}
	}
}
