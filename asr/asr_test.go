package asr_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/minwon/minwon/asr"
)

// fakeVosk speaks the Vosk server protocol: a config text frame, binary
// PCM, {"eof":1}. For every second of audio it answers with the next of
// its scripted utterances, partials in between; at eof it sends what is
// left of the script as the last result and closes.
type fakeVosk struct {
	t      *testing.T
	script []string
	// refuse answers this many dials with 503 before accepting.
	refuse atomic.Int32
	// cut closes a connection after this many bytes of audio, once.
	cut atomic.Int64

	mu     sync.Mutex
	next   int
	audio  []byte // every byte received, in order, across connections
	rates  []int
	eofs   int
	conns  int
	closed bool
}

func (f *fakeVosk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.refuse.Add(-1) >= 0 {
		http.Error(w, "loading the model", http.StatusServiceUnavailable)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	f.mu.Lock()
	f.conns++
	f.mu.Unlock()
	ctx := r.Context()
	typ, b, err := conn.Read(ctx)
	var cfg struct {
		Config struct {
			SampleRate int `json:"sample_rate"`
		} `json:"config"`
	}
	if err != nil || typ != websocket.MessageText || json.Unmarshal(b, &cfg) != nil {
		f.t.Errorf("first frame %v %q %v, want the config", typ, b, err)
		return
	}
	f.mu.Lock()
	f.rates = append(f.rates, cfg.Config.SampleRate)
	f.mu.Unlock()
	got := 0
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageText {
			if string(b) != `{"eof":1}` {
				f.t.Errorf("text frame %q, want eof", b)
			}
			f.mu.Lock()
			f.eofs++
			rest := strings.Join(f.script[f.next:], " ")
			f.next = len(f.script)
			f.mu.Unlock()
			conn.Write(ctx, websocket.MessageText, result(rest, 9))
			conn.Close(websocket.StatusNormalClosure, "")
			return
		}
		f.mu.Lock()
		f.audio = append(f.audio, b...)
		before := got
		got += len(b)
		reply := []byte(`{"partial":"..."}`)
		if got/16000 > before/16000 && f.next < len(f.script) {
			reply = result(f.script[f.next], float64(got/16000))
			f.next++
		}
		f.mu.Unlock()
		if c := f.cut.Load(); c > 0 && int64(got) >= c && f.cut.CompareAndSwap(c, 0) {
			return // the recognizer crashed
		}
		if err := conn.Write(ctx, websocket.MessageText, reply); err != nil {
			return
		}
	}
}

func result(text string, at float64) []byte {
	b, _ := json.Marshal(map[string]any{"text": text, "result": []map[string]any{
		{"word": "w", "start": at - 0.5, "end": at - 0.2, "conf": 0.9},
		{"word": "w", "start": at - 0.2, "end": at, "conf": 0.7},
	}})
	return b
}

func (f *fakeVosk) received() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.audio...)
}

func newFake(t *testing.T, script ...string) (*fakeVosk, string) {
	f := &fakeVosk{t: t, script: script}
	srv := httptest.NewServer(f) // 127.0.0.1, a free port
	t.Cleanup(srv.Close)
	return f, "ws" + strings.TrimPrefix(srv.URL, "http")
}

// frame is 20 ms of 8 kHz PCM whose every sample is n, so the fake can
// tell which frames arrived.
func frame(n int) []byte {
	b := make([]byte, 320)
	for i := 0; i < len(b); i += 2 {
		binary.LittleEndian.PutUint16(b[i:], uint16(n))
	}
	return b
}

type segments struct {
	mu  sync.Mutex
	got []asr.Segment
}

func (s *segments) add(seg asr.Segment) {
	s.mu.Lock()
	s.got = append(s.got, seg)
	s.mu.Unlock()
}

func (s *segments) texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, g := range s.got {
		out = append(out, g.Text)
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestStreamTranscribes(t *testing.T) {
	f, url := newFake(t, "수도 요금 문의드립니다", "이 씨발 뭐하는 거야", "끝")
	c, err := asr.New(asr.Config{URL: url}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var segs segments
	s := c.Open(context.Background(), nil, segs.add)
	for i := range 100 { // 2 s
		s.Write(frame(i))
	}
	eventually(t, "two segments", func() bool { return len(segs.texts()) >= 2 })
	s.Close()
	if got := strings.Join(segs.texts(), "|"); got != "수도 요금 문의드립니다|이 씨발 뭐하는 거야|끝" {
		t.Fatalf("segments %q", got)
	}
	first := segs.got[0]
	if first.Start != 500*time.Millisecond || first.End != time.Second || first.Confidence < 0.79 || first.Confidence > 0.81 {
		t.Errorf("segment timing %+v, want 0.5–1 s at 0.8", first)
	}
	audio := f.received()
	if len(audio) != 100*320 || binary.LittleEndian.Uint16(audio[len(audio)-2:]) != 99 {
		t.Fatalf("recognizer got %d bytes, want every frame in order", len(audio))
	}
	if f.rates[0] != 8000 || f.eofs != 1 || s.Dropped() != 0 {
		t.Fatalf("rate %v eofs %d dropped %d", f.rates, f.eofs, s.Dropped())
	}
}

func TestStreamReconnects(t *testing.T) {
	f, url := newFake(t, "하나", "둘")
	f.refuse.Store(2)    // the recognizer is still starting
	f.cut.Store(8 * 320) // then it crashes mid-call
	c, err := asr.New(asr.Config{URL: url, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var segs segments
	s := c.Open(context.Background(), nil, segs.add)
	for i := range 100 {
		s.Write(frame(i))
		if i == 10 {
			eventually(t, "the crash", func() bool { return f.cut.Load() == 0 })
		}
	}
	eventually(t, "a second connection", func() bool { return s.Dials() >= 2 })
	s.Close()
	if s.Dials() != 2 {
		t.Fatalf("%d connections, want 2", s.Dials())
	}
	if got := strings.Join(segs.texts(), "|"); !strings.Contains(got, "하나") {
		t.Fatalf("segments %q after the reconnect", got)
	}
	// What was buffered while the recognizer was away went on after it.
	audio := f.received()
	if last := binary.LittleEndian.Uint16(audio[len(audio)-2:]); last != 99 {
		t.Fatalf("last frame sent %d, want 99", last)
	}
}

func TestStreamDropsOldestWhenTheRecognizerLags(t *testing.T) {
	f, url := newFake(t, "마지막")
	f.refuse.Store(1 << 30) // away until told
	c, err := asr.New(asr.Config{URL: url, Buffer: 200 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var segs segments
	s := c.Open(context.Background(), nil, segs.add)
	for i := range 50 { // 1 s into a 200 ms buffer; Write must not wait
		s.Write(frame(i))
	}
	if want := int64(40 * 320); s.Dropped() != want {
		t.Fatalf("dropped %d bytes, want %d (the oldest 800 ms)", s.Dropped(), want)
	}
	f.refuse.Store(0)
	eventually(t, "the recognizer connects", func() bool { return s.Dials() == 1 })
	s.Close()
	audio := f.received()
	if len(audio) != 10*320 || binary.LittleEndian.Uint16(audio) != 40 {
		t.Fatalf("recognizer got %d bytes starting at frame %d, want the newest 10 frames from 40", len(audio), binary.LittleEndian.Uint16(audio))
	}
	if got := segs.texts(); len(got) != 1 || got[0] != "마지막" {
		t.Fatalf("segments %q", got)
	}
}

func TestCloseWithoutRecognizer(t *testing.T) {
	// Nothing listens there: Close gives up after its wait, the call goes on.
	c, err := asr.New(asr.Config{URL: "ws://127.0.0.1:1", Final: 50 * time.Millisecond, MinBackoff: time.Millisecond}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	s := c.Open(context.Background(), nil, func(asr.Segment) { t.Error("a segment from nowhere") })
	s.Write(frame(1))
	s.Close()
}

func TestNewRejectsBadAddress(t *testing.T) {
	for _, u := range []string{"", "http://127.0.0.1:2700", "ws://", "127.0.0.1:2700", "ws://h:1/%zz"} {
		t.Run(fmt.Sprintf("%q", u), func(t *testing.T) {
			if _, err := asr.New(asr.Config{URL: u}, nil); err == nil {
				t.Fatalf("%q accepted", u)
			}
		})
	}
}
