package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The test binary doubles as the server: with MINWON_TEST_MAIN set it runs
// main's command line instead of the tests, so crash tests kill a real
// process without a separate build.
func TestMain(m *testing.M) {
	if args := os.Getenv("MINWON_TEST_MAIN"); args != "" {
		if err := run(context.Background(), strings.Fields(args), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "minwon:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var servingRE = regexp.MustCompile(`serving on (http://[0-9.:]+)`)

// startServer runs `minwon serve` in a child process and returns its URL.
func startServer(t *testing.T, args string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "MINWON_TEST_MAIN=serve "+args)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case u := <-found:
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start: %s", stderr.String())
	}
	return nil, ""
}

func TestFirstStartNeedsAdminPassword(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--http", "127.0.0.1:0"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--admin-password") {
		t.Fatalf("serve on an empty store without a password: %v", err)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "minwon ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate", "--data", dir}, &out, io.Discard); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func (c *client) call(method, path string, body, out any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		json.Unmarshal(data, out)
	}
}

func login(t *testing.T, base, user string) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var me struct{ CSRF string }
	c.call("POST", "/api/login", map[string]string{"login": user, "password": "minwon120!"}, &me)
	c.csrf = me.CSRF
	return c
}

type conn struct {
	c  *websocket.Conn
	in chan map[string]any
}

func dialWS(t *testing.T, url string, hc *http.Client) *conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(16 << 20)
	w := &conn{c: c, in: make(chan map[string]any, 1000)}
	go func() {
		defer close(w.in)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f map[string]any
			json.Unmarshal(data, &f)
			w.in <- f
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return w
}

func (w *conn) await(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-w.in:
			if !ok {
				t.Fatalf("closed waiting for %s", what)
			}
			if match(f) {
				return f
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestKill9KeepsAcknowledgedMessages kills the server mid-conversation and
// checks that every message acknowledged to the citizen is there after a
// restart and that the same conversation continues.
func TestKill9KeepsAcknowledgedMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	args := "--demo --bot=false --data " + data + " --http 127.0.0.1:0" // counselors answer at once
	srv, base := startServer(t, args)
	ws := "ws" + strings.TrimPrefix(base, "http")

	agent := login(t, base, "counselor01")
	desk := dialWS(t, ws+"/ws/desk", agent.http)
	agent.call("POST", "/api/agent/state", map[string]string{"state": "available"}, nil)
	citizen := dialWS(t, ws+"/ws/chat?entry=hanbit&visitor=crash", nil)
	welcome := citizen.await(t, "welcome", func(f map[string]any) bool { return f["type"] == "welcome" })
	contact, resume := welcome["contact_id"].(string), welcome["resume"].(string)
	desk.await(t, "offer", func(f map[string]any) bool { return f["type"] == "offer" })
	agent.call("POST", "/api/contacts/"+contact+"/accept", nil, nil)

	// The citizen sends as fast as it can; a message counts as acknowledged
	// when its echo (sent only after it is stored) arrives.
	acked := map[string]bool{}
	stop := time.After(1500 * time.Millisecond)
	var sent int
loop:
	for {
		select {
		case <-stop:
			break loop
		default:
		}
		text := fmt.Sprintf("메시지 %d", sent)
		b, _ := json.Marshal(map[string]any{"type": "message", "client_id": fmt.Sprint("k", sent), "text": text})
		if citizen.c.Write(context.Background(), websocket.MessageText, b) != nil {
			break
		}
		sent++
		if sent < 10 {
			time.Sleep(150 * time.Millisecond) // inside the per-connection message rate
		} else if sent == 25 {
			break loop // the last 15 go out as one burst, so the kill finds some in flight
		}
	drain:
		for {
			select {
			case f := <-citizen.in:
				if m, ok := f["message"].(map[string]any); ok {
					acked[m["text"].(string)] = true
				}
			default:
				break drain
			}
		}
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	for f := range citizen.in { // frames that arrived before the kill
		if m, ok := f["message"].(map[string]any); ok {
			acked[m["text"].(string)] = true
		}
	}
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged before the kill")
	}
	t.Logf("sent %d, acknowledged %d before kill -9", sent, len(acked))

	_, base = startServer(t, args)
	ws = "ws" + strings.TrimPrefix(base, "http")
	again := dialWS(t, ws+"/ws/chat?entry=hanbit&resume="+resume, nil)
	w := again.await(t, "welcome after restart", func(f map[string]any) bool { return f["type"] == "welcome" })
	if w["contact_id"] != contact {
		t.Fatalf("resumed contact %v, want %s", w["contact_id"], contact)
	}
	stored := map[string]int{}
	for _, m := range w["messages"].([]any) {
		stored[m.(map[string]any)["text"].(string)]++
	}
	for text := range acked {
		if stored[text] != 1 {
			t.Errorf("acknowledged %q stored %d times after restart", text, stored[text])
		}
	}
	// The conversation continues with the same counselor.
	agent = login(t, base, "counselor01")
	desk = dialWS(t, ws+"/ws/desk", agent.http)
	agent.call("POST", "/api/contacts/"+contact+"/messages", map[string]string{"text": "다시 연결됐어요", "client_id": "after"}, nil)
	again.await(t, "reply after restart", func(f map[string]any) bool {
		m, _ := f["message"].(map[string]any)
		return m["text"] == "다시 연결됐어요"
	})
}
