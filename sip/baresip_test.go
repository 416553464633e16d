package sip_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
)

// needBaresip returns baresip's path (Debian package baresip-core).
func needBaresip(t testing.TB) string { return needTool(t, "baresip", "baresip-core") }

// baresip is one real baresip process on loopback with its own config
// directory: no sound card, a sine tone as its microphone, what it hears
// and what it sends dumped to WAV files (the sndfile module), and driven
// over its TCP control socket (ctrl_tcp).
type baresip struct {
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
	ctrl net.Conn
	rd   *bufio.Reader
	out  *lockedBuffer

	mu     sync.Mutex
	events []map[string]any
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBaresip runs baresip with account (one line of its accounts file)
// and a sine of hz as its audio source.
func startBaresip(t testing.TB, bin, account string, sipPort, hz int) *baresip {
	t.Helper()
	dir := t.TempDir()
	ctrlPort := freeTCPPort(t)
	cfg := strings.Join([]string{
		"poll_method epoll",
		"sip_listen 127.0.0.1:" + strconv.Itoa(sipPort),
		"sip_trans_def udp",
		"net_interface 127.0.0.1",
		"audio_player aubridge,nil",
		"audio_source aufile," + filepath.Join(dir, "mic.wav"),
		"audio_alert aubridge,nil",
		"audio_srate 8000",
		"audio_channels 1",
		"audio_level no",
		"rtp_stats no",
		"module_path /usr/lib/baresip/modules",
		"module g711.so",
		"module aufile.so",
		"module aubridge.so",
		"module sndfile.so",
		"module_app account.so",
		"module_app menu.so",
		"module_app ctrl_tcp.so",
		"ctrl_tcp_listen 127.0.0.1:" + strconv.Itoa(ctrlPort),
		"snd_path " + dir,
		"",
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "mic.wav"), wavOf(tone(float64(hz), 20000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	b := &baresip{t: t, dir: dir, out: &lockedBuffer{}}
	b.cmd = exec.Command(bin, "-f", dir, "-v")
	b.cmd.Dir = dir
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		if t.Failed() {
			t.Logf("baresip %s output:\n%s", dir, b.out.String())
		}
	})
	eventually(t, "baresip's control socket is up", 5*time.Second, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(ctrlPort))
		if err != nil {
			return false
		}
		b.ctrl, b.rd = c, bufio.NewReader(c)
		return true
	})
	go b.readEvents()
	return b
}

// freeSIPPort is a loopback port free on both UDP and TCP now, as
// baresip's sip_listen binds both: a port only free on UDP was taken on
// TCP by some test's outgoing connection in a clean-clone run.
func freeSIPPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		u.Close()
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no loopback port free on both UDP and TCP")
	return 0
}

// freeTCPPort is a loopback TCP port nothing listens on now.
func freeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// command sends one control command (a netstring of JSON).
func (b *baresip) command(cmd, params string) {
	b.t.Helper()
	msg, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": cmd})
	if _, err := fmt.Fprintf(b.ctrl, "%d:%s,", len(msg), msg); err != nil {
		b.t.Fatalf("baresip %s: %v", cmd, err)
	}
}

// readEvents collects the control socket's events and responses.
func (b *baresip) readEvents() {
	for {
		lenStr, err := b.rd.ReadString(':')
		if err != nil {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(lenStr[:len(lenStr)-1]))
		if err != nil || n < 0 || n > 1<<20 {
			return
		}
		buf := make([]byte, n+1)
		if _, err := io.ReadFull(b.rd, buf); err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(buf[:n], &m) == nil {
			b.mu.Lock()
			b.events = append(b.events, m)
			b.mu.Unlock()
		}
	}
}

// saw reports whether baresip reported an event of type typ ("CALL_ESTABLISHED").
func (b *baresip) saw(typ string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.events {
		if e["type"] == typ {
			return true
		}
	}
	return false
}

// heard reads the WAV baresip's sndfile module wrote of what it received
// (dir "dec") or sent ("enc"), as 16-bit samples.
func (b *baresip) heard(dir string) []int16 {
	b.t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-"+dir+".wav"))
	var out []int16
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			b.t.Fatal(err)
		}
		i := bytes.Index(data, []byte("data"))
		if i < 0 || i+8 > len(data) {
			continue
		}
		pcm := data[i+8:]
		for j := 0; j+1 < len(pcm); j += 2 {
			out = append(out, int16(uint16(pcm[j])|uint16(pcm[j+1])<<8))
		}
	}
	return out
}

// toneWindows counts the 100 ms windows of pcm whose energy is mostly at hz
// (Goertzel power against the window's total): how long that tone was heard.
func toneWindows(pcm []int16, hz float64) int {
	const win = 800 // 100 ms at 8 kHz
	n := 0
	coeff := 2 * math.Cos(2*math.Pi*hz/8000)
	for off := 0; off+win <= len(pcm); off += win {
		var s1, s2, total float64
		for _, v := range pcm[off : off+win] {
			x := float64(v)
			s := x + coeff*s1 - s2
			s2, s1 = s1, s
			total += x * x
		}
		power := s1*s1 + s2*s2 - coeff*s1*s2 // |X(hz)|², about total·win/2 for a pure tone
		if total > win*100*100 && power > 0.5*total*win/2 {
			n++
		}
	}
	return n
}

// The tones the two phones send. Prompts in the test catalogue are tones
// of 300 Hz up to about 1.3 kHz, so these are told apart from them.
const (
	citizenHz   = 1800
	counselorHz = 2600
	greetingHz  = 440 // testPrompts' greeting
)

// callerAccount is a citizen's phone: no registration, PCMU only, caller
// ID 01012345678.
const callerAccount = "<sip:01012345678@127.0.0.1>;regint=0;audio_codecs=PCMU"

// TestBaresipCitizen: baresip dials the center as a citizen, hears the
// IVR, chooses English with a key, is queued, and then takes the callback
// offer: the call ends and the contact keeps its place as a callback.
func TestBaresipCitizen(t *testing.T) {
	bin := needBaresip(t)
	f := newFixture(t, 10)
	if _, err := f.c.SaveUser(f.ctx, "", minwon.User{ID: "admin", TenantID: "city", Login: "admin", Name: "관리자", Roles: []minwon.Role{minwon.RoleAdmin}}, "password123"); err != nil {
		t.Fatal(err)
	}
	// Nobody is staffed, so the estimated wait is the default handle time
	// (3 min): over a one-minute threshold.
	if _, err := f.c.SetHours(f.ctx, "admin", "city", &center.HoursConfig{Hours: calendar.AlwaysOpen(), CallbackAfterMins: 1}); err != nil {
		t.Fatal(err)
	}
	phone := startBaresip(t, bin, callerAccount, freeSIPPort(t), citizenHz)
	phone.command("dial", "sip:120@"+f.srv.Addr())
	eventually(t, "the call is established", 5*time.Second, func() bool { return phone.saw("CALL_ESTABLISHED") })

	var ct *minwon.Contact
	t.Run("KeyTwoQueuesInEnglish", func(t *testing.T) {
		// Keys before the menu are ignored; the caller presses 2 until queued.
		eventually(t, "the call is queued", 10*time.Second, func() bool {
			if cs := f.voiceContacts(); len(cs) > 0 {
				ct = cs[0]
				return true
			}
			phone.command("sndcode", "2")
			time.Sleep(300 * time.Millisecond)
			return false
		})
		if ct.QueueID != "english" || ct.Language != "en" || ct.State != minwon.ContactWaiting {
			t.Fatalf("contact %+v, want waiting on english", ct)
		}
	})
	if ct == nil {
		t.FailNow()
	}
	t.Run("TakesTheCallbackAndIsHungUpPolitely", func(t *testing.T) {
		// 1 once the offer was heard, 1 again to confirm the number read back.
		eventually(t, "the callback is booked", 15*time.Second, func() bool {
			if f.c.Callback(ct.ID) != nil {
				return true
			}
			phone.command("sndcode", "1")
			time.Sleep(500 * time.Millisecond)
			return false
		})
		eventually(t, "the center hangs up", 10*time.Second, func() bool { return phone.saw("CALL_CLOSED") })
		eventually(t, "the call is gone", 5*time.Second, func() bool { return f.srv.Active() == 0 })
		cb := f.c.Callback(ct.ID)
		if cb.Number != "01012345678" || cb.Status != minwon.CallbackWaiting {
			t.Fatalf("callback %+v, want the caller ID, waiting", cb)
		}
		if live, err := f.c.Contact(f.ctx, ct.ID); err != nil || live.State != minwon.ContactWaiting {
			t.Fatalf("after the hang-up the contact is %+v %v, want still waiting", live, err)
		}
		evs, err := f.store.Events(f.ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventCallbackOffered, minwon.EventCallbackRequested, minwon.EventContactEnded}})
		if err != nil || len(evs) != 2 || evs[0].Type != minwon.EventCallbackOffered || evs[1].Type != minwon.EventCallbackRequested {
			t.Fatalf("events %v %v, want offered then requested and no end", evs, err)
		}
	})
	t.Run("HeardTheGreeting", func(t *testing.T) {
		if n := toneWindows(phone.heard("dec"), greetingHz); n < 2 {
			t.Fatalf("%d windows of the 440 Hz greeting in what the phone heard, want about 3", n)
		}
		if n := toneWindows(phone.heard("dec"), citizenHz); n != 0 {
			t.Fatalf("the caller heard their own tone in %d windows with no counselor", n)
		}
	})
}

// TestBaresipAgentPhone: a counselor's baresip registers with digest auth
// against the SIP password set through the center, which makes them
// present; it auto-answers the call the counselor accepts, and audio flows
// both ways between two real phones, recorded. The phones speak one G.711
// law each: the same, or A-law on one side and µ-law on the other, which
// the bridge transcodes packet by packet (transcode.go).
func TestBaresipAgentPhone(t *testing.T) {
	bin := needBaresip(t)
	for _, tc := range []struct{ name, caller, desk string }{
		{"SameCodec", "PCMU", "PCMU"},
		{"CallerALawPhoneMuLaw", "PCMA", "PCMU"},
		{"CallerMuLawPhoneALaw", "PCMU", "PCMA"},
	} {
		t.Run(tc.name, func(t *testing.T) { twoBaresips(t, bin, tc.caller, tc.desk) })
	}
}

func twoBaresips(t *testing.T, bin, callerCodec, deskCodec string) {
	dir := t.TempDir()
	keys, err := recording.ParseKeyring("t1:" + hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 10, func(c *sip.Config) { c.RecordingDir, c.RecordingKeys = dir, keys })
	if err := f.c.SetSIPPassword(f.ctx, "", "kim", "phone-secret-1"); err != nil {
		t.Fatal(err)
	}
	connected := func() bool { st, _ := f.c.Agent("kim"); return st.Connected }
	desk := startBaresip(t, bin, "<sip:kim@"+f.srv.Addr()+">;auth_pass=phone-secret-1;regint=60;answermode=auto;audio_codecs="+deskCodec, freeSIPPort(t), counselorHz)
	eventually(t, "kim is present through the phone", 10*time.Second, connected)
	if _, err := f.c.SetState(f.ctx, "kim", minwon.AgentAvailable, ""); err != nil {
		t.Fatal(err)
	}
	caller := startBaresip(t, bin, "<sip:01012345678@127.0.0.1>;regint=0;audio_codecs="+callerCodec, freeSIPPort(t), citizenHz)
	caller.command("dial", "sip:120@"+f.srv.Addr())
	var ct *minwon.Contact
	eventually(t, "the call is offered to kim", 10*time.Second, func() bool {
		for _, c := range f.voiceContacts() {
			if f.c.OfferedTo(c.ID) == "kim" {
				ct = c
				return true
			}
		}
		caller.command("sndcode", "1")
		time.Sleep(300 * time.Millisecond)
		return false
	})
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the desk phone answers", 10*time.Second, func() bool { return desk.saw("CALL_ESTABLISHED") })
	// Two seconds of each side's tone reaching the other.
	eventually(t, "the counselor hears the citizen", 10*time.Second, func() bool {
		return toneWindows(desk.heard("dec"), citizenHz) >= 10
	})
	eventually(t, "the citizen hears the counselor", 10*time.Second, func() bool {
		return toneWindows(caller.heard("dec"), counselorHz) >= 10
	})
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both phones are hung up", 10*time.Second, func() bool { return desk.saw("CALL_CLOSED") && caller.saw("CALL_CLOSED") })
	t.Run("NothingButTheOtherSideCrossed", func(t *testing.T) {
		// The counselor hears no prompts: only the citizen (and silence).
		if n := toneWindows(desk.heard("dec"), greetingHz); n != 0 {
			t.Fatalf("the counselor heard the greeting in %d windows", n)
		}
		if n := toneWindows(desk.heard("dec"), counselorHz); n != 0 {
			t.Fatalf("the counselor heard their own tone in %d windows", n)
		}
	})
	t.Run("RecordedBothSides", func(t *testing.T) {
		var rec minwon.Recording
		eventually(t, "the recording is stored", 5*time.Second, func() bool {
			evs, err := f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventRecordingStored}})
			return err == nil && len(evs) == 1 && evs[0].Decode(&rec) == nil
		})
		rep, err := recording.Analyze(bytes.NewReader(readRecording(t, dir, keys, rec)), citizenHz, counselorHz)
		if err != nil {
			t.Fatal(err)
		}
		left, right := rep.Channels[0], rep.Channels[1]
		t.Logf("left %+v right %+v", left, right)
		if left.Tones[citizenHz] < 0.05 || right.Tones[counselorHz] < 0.05 {
			t.Errorf("want the citizen on the left and the counselor on the right: left %+v right %+v", left, right)
		}
		if left.Tones[counselorHz] > left.Tones[citizenHz]/10 || right.Tones[citizenHz] > right.Tones[counselorHz]/10 {
			t.Errorf("a side leaked into the other channel: left %+v right %+v", left, right)
		}
	})
}

// TestToneWindows checks the detector the baresip tests rely on: a tone is
// found at its own frequency only, and silence is no tone.
func TestToneWindows(t *testing.T) {
	pcm := func(a []byte) []int16 {
		out := make([]int16, len(a)/2)
		for i := range out {
			out[i] = int16(uint16(a[2*i]) | uint16(a[2*i+1])<<8)
		}
		return out
	}
	sine := pcm(tone(citizenHz, 1000))
	if n := toneWindows(sine, citizenHz); n != 10 {
		t.Fatalf("%d of 10 windows of a %d Hz tone found", n, citizenHz)
	}
	for _, hz := range []float64{counselorHz, greetingHz, 1300} {
		if n := toneWindows(sine, hz); n != 0 {
			t.Fatalf("a %d Hz tone found at %v Hz in %d windows", citizenHz, hz, n)
		}
	}
	if n := toneWindows(make([]int16, 8000), citizenHz); n != 0 {
		t.Fatalf("silence found as a tone in %d windows", n)
	}
}
