package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/demo"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/internal/pgtest"
	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/sqldb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type env struct {
	t      *testing.T
	url    string
	srv    *mwhttp.Server
	center *center.Center
	store  *sqldb.DB
}

// forEachBackend runs fn against a demo center on SQLite and on PostgreSQL.
func forEachBackend(t *testing.T, cfg mwhttp.Config, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), cfg)) })
	t.Run("postgres", func(t *testing.T) { fn(t, mustServe(t, pgtest.DSN(t), cfg)) })
}

func mustServe(t *testing.T, dsn string, cfg mwhttp.Config) *env {
	t.Helper()
	if cfg.LoginsPerIP == 0 {
		cfg.LoginsPerIP = 1000 // tests log in many times from one address
	}
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := demo.Seed(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	bus := inmem.NewBus()
	c := center.New(center.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), ACW: time.Millisecond, TickEvery: 20 * time.Millisecond}, db, bus, nil)
	if err := c.Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := board.New(board.Config{Now: c.Now, Location: c.Location()})
	t.Cleanup(bus.Subscribe(b.Apply))
	if err := b.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	// The index follows the store's published articles through the bus, as
	// in minwon serve.
	feed := kb.NewFeed(new(kb.Index), c.Now)
	t.Cleanup(bus.Subscribe(feed.Apply))
	if err := feed.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	srv := mwhttp.NewServer(cfg, c, db, bus, b, feed.Index(), nil, nil)
	srv.MarkReady()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, srv: srv, center: c, store: db}
}

// staff is a logged-in browser.
type staff struct {
	e    *env
	c    *http.Client
	csrf string
	id   string
}

// acceptedCall puts a call to 120 in the queue and has kim, present and
// available, accept it at the desk.
func (e *env) acceptedCall(kim *staff) *minwon.Contact {
	e.t.Helper()
	ctx := context.Background()
	if err := e.center.Connect(ctx, kim.id); err != nil {
		e.t.Fatal(err)
	}
	if code := kim.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); code != 200 {
		e.t.Fatalf("set available: %d", code)
	}
	ct, err := e.center.StartCall(ctx, center.CallRequest{Number: "120", Caller: "01012345678"})
	if err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.center.OfferedTo(ct.ID) != kim.id {
		if time.Now().After(deadline) {
			e.t.Fatal("the call was not offered to counselor01")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := kim.do("POST", "/api/contacts/"+ct.ID+"/accept", nil, nil); code != 200 {
		e.t.Fatalf("accept: %d", code)
	}
	return ct
}

func (e *env) login(login string) *staff {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &staff{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var me struct {
		User minwon.User `json:"user"`
		CSRF string      `json:"csrf"`
	}
	if code := s.do("POST", "/api/login", map[string]string{"login": login, "password": demo.Password}, &me); code != 200 {
		e.t.Fatalf("login %s: %d", login, code)
	}
	s.csrf, s.id = me.CSRF, me.User.ID
	return s
}

func (s *staff) do(method, path string, body, out any) int {
	s.e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.e.url+path, r)
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		s.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			s.e.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	if out == nil && resp.StatusCode >= 400 {
		s.e.t.Logf("%s %s → %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode
}

func wsURL(e *env, path string) string { return "ws" + strings.TrimPrefix(e.url, "http") + path }

type frame map[string]any

// ws is a WebSocket with a reader goroutine.
type ws struct {
	t    *testing.T
	c    *websocket.Conn
	in   chan frame
	done chan error
}

func dial(t *testing.T, url string, client *http.Client) (*ws, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{}
	if client != nil {
		opts.HTTPClient = client
	}
	c, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(1 << 20)
	w := &ws{t: t, c: c, in: make(chan frame, 1000), done: make(chan error, 1)}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				w.done <- err
				close(w.in)
				return
			}
			var f frame
			json.Unmarshal(data, &f)
			w.in <- f
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return w, resp, nil
}

func mustDial(t *testing.T, url string, client *http.Client) *ws {
	t.Helper()
	w, _, err := dial(t, url, client)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return w
}

func (w *ws) send(v any) {
	b, _ := json.Marshal(v)
	if err := w.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

// await returns the first frame for which match is true, within 5 s.
func (w *ws) await(what string, match func(frame) bool) frame {
	w.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f, ok := <-w.in:
			if !ok {
				w.t.Fatalf("connection closed waiting for %s", what)
			}
			if match(f) {
				return f
			}
		case <-timeout:
			w.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func typ(t string) func(frame) bool { return func(f frame) bool { return f["type"] == t } }

func msgText(text string) func(frame) bool {
	return func(f frame) bool {
		m, _ := f["message"].(map[string]any)
		return f["type"] == "message" && m["text"] == text
	}
}

func TestChatOverWebSockets(t *testing.T) {
	forEachBackend(t, mwhttp.Config{}, func(t *testing.T, e *env) {
		kim := e.login("counselor01")
		desk := mustDial(t, wsURL(e, "/ws/desk"), kim.c)
		if code := kim.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); code != 200 {
			t.Fatalf("set available: %d", code)
		}
		citizen := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&visitor=v-1"), nil)
		welcome := citizen.await("welcome", typ("welcome"))
		contactID := welcome["contact_id"].(string)
		resume := welcome["resume"].(string)
		offer := desk.await("offer", typ("offer"))
		if offer["contact"].(map[string]any)["id"] != contactID {
			t.Fatalf("offer for another contact: %v", offer)
		}
		var view struct{ Contact minwon.Contact }
		if code := kim.do("POST", "/api/contacts/"+contactID+"/accept", nil, &view); code != 200 || view.Contact.State != minwon.ContactActive {
			t.Fatalf("accept: %d %+v", code, view.Contact)
		}
		citizen.await("agent joined", typ("agent"))

		hostile := `<img src=x onerror=alert(1)>'); DROP TABLE messages;--`
		citizen.send(frame{"type": "message", "client_id": "c1", "text": "주민등록등본 어디서 떼요?"})
		desk.await("citizen message at the desk", msgText("주민등록등본 어디서 떼요?"))
		citizen.send(frame{"type": "message", "client_id": "c2", "text": hostile})
		desk.await("hostile text delivered verbatim", msgText(hostile))
		desk.send(frame{"type": "message", "contact_id": contactID, "client_id": "a1", "text": "정부24나 무인민원발급기에서 발급하시면 돼요."})
		citizen.await("agent reply", msgText("정부24나 무인민원발급기에서 발급하시면 돼요."))

		t.Run("ResumeReplaysWithoutDuplicates", func(t *testing.T) {
			again := mustDial(t, wsURL(e, "/ws/chat?entry=hanbit&resume="+resume+"&after=1"), nil)
			w := again.await("welcome", typ("welcome"))
			msgs := w["messages"].([]any)
			if w["contact_id"] != contactID || len(msgs) != 2 {
				t.Fatalf("resume got contact %v with %d messages, want 2 after seq 1", w["contact_id"], len(msgs))
			}
			again.send(frame{"type": "message", "client_id": "c1", "text": "주민등록등본 어디서 떼요?"})
			var got []*minwon.Message
			time.Sleep(100 * time.Millisecond) // a duplicate would be stored synchronously before this returns
			got, _ = e.center.Messages(context.Background(), contactID, 0, true)
			if len(got) != 3 {
				t.Fatalf("%d messages stored after a resend, want 3", len(got))
			}
		})
		t.Run("OversizedMessageIsRefusedClearly", func(t *testing.T) {
			citizen.send(frame{"type": "message", "client_id": "big", "text": strings.Repeat("가", 2000)})
			f := citizen.await("error", typ("error"))
			if f["code"] != minwon.ETOOLARGE {
				t.Fatalf("error frame %v", f)
			}
		})
		t.Run("InvalidUTF8FrameIsRefused", func(t *testing.T) {
			citizen.c.Write(context.Background(), websocket.MessageText, []byte("{\"type\":\"message\",\"text\":\"\xff\xfe\"}"))
			f := citizen.await("error", typ("error"))
			if f["code"] != minwon.EINVALID {
				t.Fatalf("error frame %v", f)
			}
		})
		if code := kim.do("POST", "/api/contacts/"+contactID+"/end", nil, nil); code != 200 {
			t.Fatalf("end: %d", code)
		}
		citizen.await("ended", typ("ended"))
		citizen.send(frame{"type": "rating", "rating": 5, "comment": "감사합니다"})
		citizen.await("rated", typ("rated"))
		if code := kim.do("POST", "/api/contacts/"+contactID+"/wrapup", map[string]any{"category": "민원서류", "resolution": "resolved", "summary": "등본 발급 안내"}, nil); code != 200 {
			t.Fatalf("wrapup: %d", code)
		}
		sup := e.login("supervisor01")
		deadline := time.Now().Add(5 * time.Second)
		for {
			var b board.Snapshot
			sup.do("GET", "/api/board", nil, &b)
			if b.Today.Answered == 1 && b.Today.Rated == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("board today = %+v", b.Today)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestAccess(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	anon := &staff{e: e, c: &http.Client{}}
	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		want                    int
	}{
		{"AnonymousIsUnauthorized", "", "GET", "/api/me", nil, 401},
		{"CounselorCannotAdminister", "counselor01", "GET", "/api/users", nil, 403},
		{"CounselorCannotReadBoard", "counselor01", "GET", "/api/board", nil, 403},
		{"SupervisorReadsBoard", "supervisor01", "GET", "/api/board", nil, 200},
		{"AdminListsUsers", "admin", "GET", "/api/users", nil, 200},
		{"OfficerSeesHandoffs", "dept01", "GET", "/api/handoffs", nil, 200},
		{"OfficerCannotTakeChats", "dept01", "POST", "/api/agent/state", map[string]string{"state": "available"}, 403},
		{"UnknownAPIRoute", "admin", "GET", "/api/nope", nil, 404},
		{"MalformedJSON", "admin", "POST", "/api/queues", json.RawMessage(`{"id":`), 400},
		{"UnknownField", "admin", "POST", "/api/queues", map[string]any{"id": "x", "bogus": 1}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := anon
			if tc.who != "" {
				s = e.login(tc.who)
			}
			if got := s.do(tc.method, tc.path, tc.body, nil); got != tc.want {
				t.Fatalf("%s %s as %q = %d, want %d", tc.method, tc.path, tc.who, got, tc.want)
			}
		})
	}
	t.Run("MutationWithoutCSRFIsForbidden", func(t *testing.T) {
		s := e.login("counselor01")
		s.csrf = ""
		if got := s.do("POST", "/api/agent/state", map[string]string{"state": "available"}, nil); got != 403 {
			t.Fatalf("got %d, want 403", got)
		}
	})
	t.Run("WrongPasswordThenRateLimited", func(t *testing.T) {
		var last int
		for i := 0; i < 12; i++ {
			last = anon.do("POST", "/api/login", map[string]string{"login": "counselor05", "password": "wrong"}, nil)
			if i == 0 && last != 401 {
				t.Fatalf("wrong password: %d", last)
			}
		}
		if last != 429 {
			t.Fatalf("after 12 tries: %d, want 429", last)
		}
	})
	t.Run("BodyTooLarge", func(t *testing.T) {
		s := e.login("admin")
		big := map[string]string{"name": strings.Repeat("x", 2<<20)}
		if got := s.do("POST", "/api/tenants", big, nil); got != 413 {
			t.Fatalf("got %d, want 413", got)
		}
	})
	t.Run("EventsHideSecrets", func(t *testing.T) {
		s := e.login("admin")
		var evs []minwon.Event
		s.do("GET", "/api/events?limit=1000", nil, &evs)
		for _, ev := range evs {
			if bytes.Contains(ev.Data, []byte("$2a$")) || bytes.Contains(ev.Data, []byte("token_hash")) {
				t.Fatalf("event %s leaks a secret: %s", ev.Type, ev.Data)
			}
		}
	})
}

func TestOperatorEndpoints(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{})
	get := func(path string) (int, []byte) {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	t.Run("Healthz", func(t *testing.T) {
		if code, _ := get("/healthz"); code != 200 {
			t.Fatalf("healthz %d", code)
		}
	})
	t.Run("Metrics", func(t *testing.T) {
		code, body := get("/metrics")
		if code != 200 || !bytes.Contains(body, []byte("minwon_contacts_waiting")) {
			t.Fatalf("metrics %d: %.200s", code, body)
		}
		// The store's timings: the setup above committed events, so the
		// append histogram has observations.
		m := regexp.MustCompile(`(?m)^minwon_store_append_seconds_count\{dialect="(sqlite|postgres)"\} ([0-9]+)$`).FindSubmatch(body)
		if m == nil || string(m[2]) == "0" {
			t.Fatalf("no store append timings in the metrics: %q", m)
		}
		if !bytes.Contains(body, []byte("minwon_store_batch_seconds_bucket")) || !bytes.Contains(body, []byte("minwon_store_events_total")) {
			t.Fatal("store batch metrics missing")
		}
	})
	t.Run("OpenAPIDescribesEveryRoute", func(t *testing.T) {
		code, body := get("/api/openapi.json")
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if code != 200 || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Fatalf("openapi %d: %.200s", code, body)
		}
		// Every route the server answers must be in the document: walk the
		// routes listed in docs/api.md's tables as an independent list.
		for _, want := range []string{"post /api/login", "get /api/board", "post /api/contacts/{id}/wrapup",
			"post /api/contacts/{id}/whisper", "post /api/contacts/{id}/coach", "delete /api/contacts/{id}/coach", "put /api/users/{id}", "get /api/handoffs/{id}", "get /api/events", "get /healthz"} {
			m, p, _ := strings.Cut(want, " ")
			if _, ok := doc.Paths[p][m]; !ok {
				t.Errorf("openapi lacks %s", want)
			}
		}
		if n := len(e.srv.OpenAPI()["paths"].(map[string]map[string]any)); n < 30 {
			t.Errorf("only %d paths documented", n)
		}
	})
}

func TestFloodAndBadInput(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{ChatPerIP: 5, ChatStartsPerIP: 1000})
	t.Run("UnknownEntry", func(t *testing.T) {
		_, resp, err := dial(t, wsURL(e, "/ws/chat?entry=nowhere"), nil)
		if err == nil || resp == nil || resp.StatusCode != 404 {
			t.Fatalf("dial unknown entry: %v %v", err, resp)
		}
	})
	t.Run("ForgedResume", func(t *testing.T) {
		_, resp, err := dial(t, wsURL(e, "/ws/chat?entry=hanbit&resume=abc.def"), nil)
		if err == nil || resp == nil || resp.StatusCode != 401 {
			t.Fatalf("dial forged resume: %v %v", err, resp)
		}
	})
	var open []*ws
	for i := 0; i < 5; i++ {
		w := mustDial(t, wsURL(e, fmt.Sprintf("/ws/chat?entry=hanbit&visitor=f%d", i)), nil)
		w.await("welcome", typ("welcome"))
		open = append(open, w)
	}
	t.Run("ConnectionsPerAddressAreCapped", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			_, resp, err := dial(t, wsURL(e, "/ws/chat?entry=hanbit"), nil)
			if err == nil || resp == nil || resp.StatusCode != 429 {
				t.Fatalf("connection %d beyond the cap: %v %v", i, err, resp)
			}
		}
	})
	t.Run("OversizedFrameClosesOnlyThatConnection", func(t *testing.T) {
		w := open[0]
		w.c.Write(context.Background(), websocket.MessageText, bytes.Repeat([]byte("a"), 64<<10))
		select {
		case err := <-w.done:
			if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Fatalf("closed with %v, want 1009", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("oversized frame did not close the connection")
		}
		open[1].send(frame{"type": "message", "client_id": "x", "text": "다른 연결은 그대로"})
		open[1].await("echo on another connection", msgText("다른 연결은 그대로"))
	})
	t.Run("GarbageFrames", func(t *testing.T) {
		w := open[2]
		for _, g := range []string{"not json", `{"type":"bogus"}`, `[]`, `{"type":"rating","rating":9}`} {
			w.c.Write(context.Background(), websocket.MessageText, []byte(g))
			w.await("error for "+g, typ("error"))
		}
	})
	if code, _ := http.Get(e.url + "/healthz"); code == nil || code.StatusCode != 200 {
		t.Fatal("server not healthy after bad input")
	}
}

func TestLoginLimitCountsFailuresPerAddress(t *testing.T) {
	e := mustServe(t, filepath.Join(t.TempDir(), "minwon.db"), mwhttp.Config{LoginsPerIP: 3})
	for i := 0; i < 5; i++ {
		e.login(fmt.Sprintf("counselor%02d", i+1)) // a whole shift logging in from one office address
	}
	anon := &staff{e: e, c: &http.Client{}}
	for i := 0; i < 3; i++ {
		if got := anon.do("POST", "/api/login", map[string]string{"login": fmt.Sprintf("counselor%02d", 10+i), "password": "wrong"}, nil); got != 401 {
			t.Fatalf("failure %d: %d", i, got)
		}
	}
	if got := anon.do("POST", "/api/login", map[string]string{"login": "counselor15", "password": demo.Password}, nil); got != 429 {
		t.Fatalf("after 3 failures from one address: %d, want 429", got)
	}
}
