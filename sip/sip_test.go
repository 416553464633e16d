package sip_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/sip"
	"github.com/minwon/minwon/sqldb"
)

// needSipp returns sipp's path (Debian package sip-tester).
func needSipp(t testing.TB) string { return needTool(t, "sipp", "sip-tester") }

// needTool returns the path of a SIP peer the tests run. Outside CI a
// machine without it skips; in CI `make test` installs it
// (scripts/deps.sh), so missing there is a failure.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; scripts/deps.sh installs it (Debian package %s)", name, pkg)
		}
		t.Skipf("%s is not installed (apt-get install %s, or run scripts/deps.sh); skipping", name, pkg)
	}
	return p
}

// tone is a short sine, distinct per prompt so nothing depends on espeak-ng.
func tone(hz float64, ms int) prompts.Audio {
	n := prompts.SampleRate * ms / 1000
	b := make([]byte, n*2)
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/prompts.SampleRate))
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func testPrompts() *prompts.Set {
	ko := map[ivr.Prompt]prompts.Audio{}
	for i, p := range ivr.AllPrompts() {
		ko[p] = tone(300+float64(i)*10, 200)
	}
	ko[ivr.Greeting] = tone(440, 300)
	return prompts.FromAudio(map[string]map[ivr.Prompt]prompts.Audio{"ko": ko})
}

type fixture struct {
	t     testing.TB
	ctx   context.Context
	c     *center.Center
	store *sqldb.DB
	board *board.Board
	srv   *sip.Server
	sipp  string
	logs  *lockedBuffer // the server's log, also written to stderr
}

func newFixture(t testing.TB, maxCalls int, opts ...func(*sip.Config)) *fixture {
	t.Helper()
	return newFixtureWith(t, maxCalls, center.Config{}, opts...)
}

// newFixtureWith is newFixture with a center config (its clock, say).
func newFixtureWith(t testing.TB, maxCalls int, ccfg center.Config, opts ...func(*sip.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), sipp: needSipp(t)}
	db, err := sqldb.Open(f.ctx, filepath.Join(t.TempDir(), "minwon.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.store = db
	bus := inmem.NewBus()
	ccfg.Secret = []byte("sip test secret sip test secret!!")
	f.c = center.New(ccfg, db, bus, nil)
	if err := f.c.Start(f.ctx, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.c.Close() })
	f.board = board.New(board.Config{Now: f.c.Now})
	t.Cleanup(bus.Subscribe(f.board.Apply))
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "city", Name: "한빛시", EntryPoints: []string{"city", "120"}, DefaultQueue: "general"}))
	must(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "general", TenantID: "city", Name: "일반", Skills: []string{"lang:ko"}}))
	must(f.c.SaveQueue(f.ctx, "", minwon.Queue{ID: "english", TenantID: "city", Name: "English", Skills: []string{"lang:en"}}))
	must(f.c.SaveUser(f.ctx, "", minwon.User{ID: "kim", TenantID: "city", Login: "kim", Name: "김상담", Roles: []minwon.Role{minwon.RoleCounselor}, Skills: []string{"lang:ko"}}, "password123"))

	cfg := sip.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.MaxCalls = maxCalls
	cfg.Prompts = testPrompts()
	cfg.IVR.MenuTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	f.logs = &lockedBuffer{}
	srv, err := sip.New(cfg, f.c, bus, slog.New(slog.NewTextHandler(io.MultiWriter(os.Stderr, f.logs), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f.srv = srv
	return f
}

func freePort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// sipp runs one sipp call against the server and returns its error and output.
func (f *fixture) runSipp(ctx context.Context, scenario, number, transport string, extra ...string) ([]byte, error) {
	dir := f.t.TempDir()
	args := []string{"-sf", filepath.Join("testdata", scenario), "-s", number, "-i", "127.0.0.1",
		"-p", strconv.Itoa(freePort(f.t)), "-mp", strconv.Itoa(freePort(f.t)), "-t", transport,
		"-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "err.log")}
	args = append(append(args, extra...), f.srv.Addr())
	cmd := exec.CommandContext(ctx, f.sipp, args...)
	cmd.Dir = "."
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if b, rerr := os.ReadFile(filepath.Join(dir, "err.log")); rerr == nil {
			out.Write(b)
		}
	}
	return out.Bytes(), err
}

// rtpPeer is the caller's media: it counts the RTP the server sends and
// sends RFC 4733 telephone events back.
type rtpPeer struct {
	conn    *net.UDPConn
	mu      sync.Mutex
	packets int
	types   map[uint8]int
	marked  map[byte]int // packets whose payload is one repeated byte
	from    *net.UDPAddr
	seq     uint16
	ts      uint32
	audio   []byte // the last second of PCMU payloads heard (coach_test.go)
}

func newRTPPeer(t testing.TB) *rtpPeer {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &rtpPeer{conn: conn, types: map[uint8]int{}, marked: map[byte]int{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if n < 12 || buf[0]>>6 != 2 {
				continue
			}
			p.mu.Lock()
			p.packets++
			p.types[buf[1]&0x7f]++
			if n > 12 && bytes.Count(buf[12:n], buf[12:13]) == n-12 {
				p.marked[buf[12]]++
			}
			if buf[1]&0x7f == 0 {
				p.audio = append(p.audio, buf[12:n]...)
				p.audio = p.audio[max(0, len(p.audio)-prompts.SampleRate):]
			}
			p.from = from
			p.mu.Unlock()
		}
	}()
	return p
}

// sendVoice sends one 20 ms PCMU packet whose samples are all b.
func (p *rtpPeer) sendVoice(b byte) {
	_, _, to := p.count()
	if to == nil {
		return
	}
	pkt := p.nextVoicePacket()
	for i := 12; i < len(pkt); i++ {
		pkt[i] = b
	}
	p.conn.WriteToUDP(pkt, to)
}

// nextVoicePacket is the caller's next 20 ms PCMU packet, header filled in
// and the payload left for the sender.
func (p *rtpPeer) nextVoicePacket() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	p.ts += 160
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 0
	binary.BigEndian.PutUint16(pkt[2:], p.seq)
	binary.BigEndian.PutUint32(pkt[4:], p.ts)
	binary.BigEndian.PutUint32(pkt[8:], 0x4d494e57)
	return pkt
}

// heard counts received PCMU packets whose payload is all b.
func (p *rtpPeer) heard(b byte) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.marked[b]
}

func (p *rtpPeer) port() string { return strconv.Itoa(p.conn.LocalAddr().(*net.UDPAddr).Port) }

func (p *rtpPeer) count() (int, map[uint8]int, *net.UDPAddr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	types := map[uint8]int{}
	for k, v := range p.types {
		types[k] = v
	}
	return p.packets, types, p.from
}

// sendDigit sends one key as RFC 4733 events (payload type 101): three
// updates and the three end packets RFC 4733 recommends.
func (p *rtpPeer) sendDigit(digit byte) error {
	_, _, to := p.count()
	if to == nil {
		return fmt.Errorf("no RTP from the server yet")
	}
	event := map[byte]byte{'0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9, '*': 10, '#': 11}[digit]
	p.seq++
	p.ts += 1600
	for i := range 6 {
		pkt := make([]byte, 16)
		pkt[0] = 0x80
		pkt[1] = 101
		if i == 0 {
			pkt[1] |= 0x80 // marker: a new event
		}
		binary.BigEndian.PutUint16(pkt[2:], p.seq+uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], p.ts)
		binary.BigEndian.PutUint32(pkt[8:], 0x4d494e57)
		pkt[12] = event
		pkt[13] = 10 // volume
		dur := uint16(160 * (i + 1))
		if i >= 3 {
			pkt[13] |= 0x80 // end
			dur = 160 * 4
		}
		binary.BigEndian.PutUint16(pkt[14:], dur)
		if _, err := p.conn.WriteToUDP(pkt, to); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond) // real-time pacing of a phone's key press
	}
	p.seq += 6
	return nil
}

// eventually polls cond until it holds or the deadline passes; it waits on
// real network peers, not on timers of the code under test.
func eventually(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) voiceContacts() []*minwon.Contact {
	var out []*minwon.Contact
	for _, ct := range f.c.AllLive() {
		if ct.Channel == minwon.ChannelVoice {
			out = append(out, ct)
		}
	}
	return out
}

func TestCallThroughIVRIntoQueue(t *testing.T) {
	f := newFixture(t, 10)
	peer := newRTPPeer(t)
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := f.runSipp(ctx, "caller.xml", "120", "u1", "-set", "rtpport", peer.port(), "-d", "3000")
		done <- result{out, err}
	}()

	t.Run("CallerHearsTheGreeting", func(t *testing.T) {
		eventually(t, "the greeting's RTP arrives", 5*time.Second, func() bool { n, _, _ := peer.count(); return n >= 10 })
		_, types, _ := peer.count()
		if types[0] < 10 {
			t.Fatalf("payload types %v, want PCMU (0)", types)
		}
	})
	t.Run("KeyTwoQueuesOnTheEnglishQueue", func(t *testing.T) {
		// Keys before the menu are ignored, so the caller presses 2 until
		// the call is queued, as an impatient caller would.
		eventually(t, "the call is queued", 5*time.Second, func() bool {
			if len(f.voiceContacts()) > 0 {
				return true
			}
			if err := peer.sendDigit('2'); err != nil {
				t.Fatal(err)
			}
			return false
		})
		cs := f.voiceContacts()
		if len(cs) != 1 || cs[0].QueueID != "english" || cs[0].Language != "en" || cs[0].State != minwon.ContactWaiting || cs[0].EntryPoint != "120" {
			t.Fatalf("voice contacts %+v, want one queued on english", cs)
		}
	})
	contacts := f.voiceContacts()
	t.Run("HangupWhileQueuedIsAbandoned", func(t *testing.T) {
		r := <-done
		if r.err != nil {
			t.Fatalf("sipp: %v\n%s", r.err, r.out)
		}
		if len(contacts) == 0 {
			t.Fatal("the call made no contact to follow")
		}
		eventually(t, "the contact is abandoned", 5*time.Second, func() bool {
			ct, err := f.store.Contact(f.ctx, contacts[0].ID)
			return err == nil && ct.State == minwon.ContactAbandoned
		})
		eventually(t, "the board counts it", 2*time.Second, func() bool { return f.board.Snapshot().Today.Abandoned == 1 })
		eventually(t, "the call is gone", 2*time.Second, func() bool { return f.srv.Active() == 0 })
	})
}

func TestUnknownNumberIs404(t *testing.T) {
	f := newFixture(t, 10)
	for _, tr := range []string{"u1", "t1"} {
		t.Run(map[string]string{"u1": "UDP", "t1": "TCP"}[tr], func(t *testing.T) {
			out, err := f.runSipp(f.ctx, "refused_404.xml", "999", tr)
			if err != nil {
				t.Fatalf("sipp: %v\n%s", err, out)
			}
		})
	}
	if n := len(f.c.AllLive()); n != 0 {
		t.Fatalf("%d contacts for refused calls", n)
	}
}

func TestCeilingIs503(t *testing.T) {
	f := newFixture(t, 1)
	peer := newRTPPeer(t)
	done := make(chan error, 1)
	var out []byte
	go func() {
		var err error
		out, err = f.runSipp(f.ctx, "caller.xml", "120", "u1", "-set", "rtpport", peer.port(), "-d", "1500")
		done <- err
	}()
	eventually(t, "the first call is up", 5*time.Second, func() bool { return f.srv.Active() == 1 })
	if o, err := f.runSipp(f.ctx, "refused_503.xml", "120", "u1"); err != nil {
		t.Fatalf("second call over the ceiling of one: %v\n%s", err, o)
	}
	if err := <-done; err != nil {
		t.Fatalf("first call: %v\n%s", err, out)
	}
	t.Run("DrainingIs503", func(t *testing.T) {
		f.srv.Drain()
		if o, err := f.runSipp(f.ctx, "refused_503.xml", "120", "t1"); err != nil {
			t.Fatalf("call while draining: %v\n%s", err, o)
		}
	})
}

func TestCounselorAnswersAndEnds(t *testing.T) {
	f := newFixture(t, 10)
	f.available(t, "kim")
	peer := newRTPPeer(t)
	done := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	if ct.QueueID != "general" || ct.Language != "ko" {
		t.Fatalf("contact %+v, want the Korean queue", ct)
	}
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.c.Agent("kim"); st.State != minwon.AgentBusy {
		t.Fatalf("kim is %s on a call, want busy", st.State)
	}
	// Ending the contact at the desk hangs up the caller after the goodbye.
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	sippDone(t, done, 10*time.Second, "the caller was not hung up")
	stored, err := f.store.Contact(f.ctx, ct.ID)
	if err != nil || stored.State != minwon.ContactWrapUp || stored.AnsweredAt == nil {
		t.Fatalf("stored %+v %v, want answered and in wrap-up", stored, err)
	}
	if a := f.board.Snapshot().Today; a.Answered != 1 || a.Abandoned != 0 {
		t.Fatalf("board answered %d abandoned %d", a.Answered, a.Abandoned)
	}
}

// TestBridgeToCounselorPhone puts sipp in the counselor's place: a UAS that
// answers and echoes RTP. Audio the caller sends after the counselor
// accepts must come back through the bridge.
func TestBridgeToCounselorPhone(t *testing.T) {
	agentPort := freePort(t)
	f := newFixture(t, 10, func(c *sip.Config) {
		c.Endpoint = func(agent string) (string, bool) {
			if agent != "kim" {
				return "", false
			}
			return "sip:kim@127.0.0.1:" + strconv.Itoa(agentPort), true
		}
	})
	f.available(t, "kim")
	agentDone := f.echoPhone(t, agentPort)
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	// Before the counselor accepts, nothing carries the caller's voice back.
	for range 10 {
		peer.sendVoice(0x3c)
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := peer.heard(0x3c); n != 0 {
		t.Fatalf("the caller heard their own voice %d times before a counselor answered", n)
	}
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	// The caller talks; the counselor's phone echoes; the caller hears it.
	eventually(t, "the caller hears the counselor's side", 8*time.Second, func() bool {
		peer.sendVoice(0x3c)
		return peer.heard(0x3c) > 0
	})
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone, "counselor": agentDone})
}

func (f *fixture) register(scenario, login, password string, phonePort, expires int) ([]byte, error) {
	return f.runSipp(f.ctx, scenario, login, "u1", "-au", login, "-ap", password,
		"-set", "login", login, "-set", "phoneport", strconv.Itoa(phonePort), "-set", "expires", strconv.Itoa(expires))
}

// TestRegisteredPhone: a counselor's phone registers with digest auth
// against the SIP password, presence follows the registration, and a call
// the counselor accepts rings that phone.
func TestRegisteredPhone(t *testing.T) {
	f := newFixture(t, 10)
	if err := f.c.SetSIPPassword(f.ctx, "", "kim", "phone-secret-1"); err != nil {
		t.Fatal(err)
	}
	connected := func() bool { st, _ := f.c.Agent("kim"); return st.Connected }
	phonePort := freePort(t)
	t.Run("WrongPasswordIsForbidden", func(t *testing.T) {
		if out, err := f.register("register_refused.xml", "kim", "not-the-password", phonePort, 300); err != nil {
			t.Fatalf("sipp: %v\n%s", err, out)
		}
		if connected() {
			t.Fatal("a refused phone made kim present")
		}
	})
	t.Run("UnknownLoginIsForbidden", func(t *testing.T) {
		if out, err := f.register("register_refused.xml", "nobody", "phone-secret-1", phonePort, 300); err != nil {
			t.Fatalf("sipp: %v\n%s", err, out)
		}
	})
	if out, err := f.register("register.xml", "kim", "phone-secret-1", phonePort, 300); err != nil {
		t.Fatalf("register: %v\n%s", err, out)
	}
	if !connected() {
		t.Fatal("kim is not present after the phone registered")
	}
	if _, err := f.c.SetState(f.ctx, "kim", minwon.AgentAvailable, ""); err != nil {
		t.Fatal(err)
	}
	phoneDone := f.echoPhone(t, phonePort)
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the caller hears the counselor's phone", 8*time.Second, func() bool {
		peer.sendVoice(0x3c)
		return peer.heard(0x3c) > 0
	})
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-phoneDone:
		if err != nil {
			t.Fatalf("phone sipp: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the counselor's phone was not hung up")
	}
	if err := <-callerDone; err != nil {
		t.Fatalf("caller sipp: %v", err)
	}
	t.Run("UnregisterEndsPresence", func(t *testing.T) {
		if out, err := f.register("register.xml", "kim", "phone-secret-1", phonePort, 0); err != nil {
			t.Fatalf("unregister: %v\n%s", err, out)
		}
		if connected() {
			t.Fatal("kim is still present after the phone unregistered")
		}
	})
}

// available connects agent's desk and makes them available for calls.
func (f *fixture) available(t testing.TB, agent string) {
	t.Helper()
	if err := f.c.Connect(f.ctx, agent); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.SetState(f.ctx, agent, minwon.AgentAvailable, ""); err != nil {
		t.Fatal(err)
	}
}

// echoPhone runs sipp as a counselor's phone on port: it answers one call
// and echoes its audio. The channel gets sipp's result, with its output on
// failure, once the call ends.
func (f *fixture) echoPhone(t testing.TB, port int) <-chan error {
	done := make(chan error, 1)
	cmd := exec.Command(f.sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(freePort(t)),
		"-rtp_echo", "-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		done <- err
		return done
	}
	go func() {
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out.String())
		}
		done <- err
	}()
	// A call sent before sipp has bound its port would be lost to the
	// test's timeout on a loaded machine: wait until the port is bound.
	for deadline := time.Now().Add(10 * time.Second); !udpBound(port) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	return done
}

// udpBound reports whether a UDP socket is bound to port on this machine,
// from the kernel's socket tables, without touching the port.
func udpBound(port int) bool {
	want := fmt.Sprintf(":%04X ", port)
	for _, table := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1]+" ", want) {
				return true
			}
		}
	}
	return false
}

// callUntilBye dials 120 with sipp, its media on peer, and stays on the
// line until the server hangs up. The channel gets sipp's result, with its
// output on failure.
func (f *fixture) callUntilBye(peer *rtpPeer) <-chan error {
	done := make(chan error, 1)
	go func() {
		out, err := f.runSipp(f.ctx, "caller_until_bye.xml", "120", "u1", "-set", "rtpport", peer.port())
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, out)
		}
		done <- err
	}()
	return done
}

// awaitOffer presses 1 (한국어) once the caller hears the IVR and waits
// until the call is offered to agent; it returns the call's contact.
func (f *fixture) awaitOffer(t *testing.T, peer *rtpPeer, agent string) *minwon.Contact {
	t.Helper()
	var offered *minwon.Contact
	eventually(t, "the call is offered to "+agent, 10*time.Second, func() bool {
		for _, ct := range f.voiceContacts() {
			if f.c.OfferedTo(ct.ID) == agent {
				offered = ct
				return true
			}
		}
		if n, _, _ := peer.count(); n > 0 {
			if err := peer.sendDigit('1'); err != nil {
				t.Error(err)
			}
		}
		return false
	})
	return offered
}

// awaitHangups waits for each named sipp to end cleanly: the server hung
// its leg up within 10 s.
func awaitHangups(t *testing.T, legs map[string]<-chan error) {
	t.Helper()
	for name, ch := range legs {
		sippDone(t, ch, 10*time.Second, "the "+name+" was not hung up")
	}
}

// sippDone waits up to d for a sipp run to end, and fails the test with
// why if it does not, or with sipp's error if it failed.
func sippDone(t *testing.T, ch <-chan error, d time.Duration, why string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("sipp: %v", err)
		}
	case <-time.After(d):
		t.Fatal(why)
	}
}
