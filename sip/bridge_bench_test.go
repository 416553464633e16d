package sip_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
)

// BenchmarkBridgedRecordedCalls holds MINWON_BENCH_CALLS (100) calls at
// once, each through the IVR (the caller presses 1 as RFC 4733 events),
// queued, offered to and accepted by its own counselor, bridged to the
// counselor's phone and recorded. Signalling is sipp: one UAC process for all
// callers (sip/testdata/bench_caller.xml) and one UAS for all phones, which
// echoes their audio (-rtp_echo). Each caller's media is a socket here that
// sends 20 ms PCMU packets and counts what comes back through the center,
// the phone and the center again. Over a hold of MINWON_BENCH_HOLD (10s) it
// reports the calls up, packet loss on that round trip and the interarrival
// jitter (RFC 3550's estimator) of the echo; then the counselors end the
// calls and it counts the recordings stored and their bytes.
//
//	MINWON_BENCH_CALLS=1000 go test ./sip -run '^$' -bench BridgedRecordedCalls -benchtime 1x
//
// The phones are reached through Config.Endpoint, as the registrar would
// give them; digest registration is covered by TestRegisteredPhone.
func BenchmarkBridgedRecordedCalls(b *testing.B) {
	n := envInt(b, "MINWON_BENCH_CALLS", 100)
	hold := 10 * time.Second
	if v := os.Getenv("MINWON_BENCH_HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		hold = d
	}
	for range b.N {
		runBridged(b, n, hold)
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 1 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return i
}

func runBridged(b *testing.B, n int, hold time.Duration) {
	dir := b.TempDir()
	keys, err := recording.ParseKeyring("b1:" + hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		b.Fatal(err)
	}
	phonePort := freePort(b)
	f := newFixture(b, n+10, func(c *sip.Config) {
		c.RecordingDir, c.RecordingKeys = dir, keys
		c.Endpoint = func(agent string) (string, bool) {
			return "sip:" + agent + "@127.0.0.1:" + strconv.Itoa(phonePort), strings.HasPrefix(agent, "bench")
		}
	})
	ctx, cancel := context.WithTimeout(f.ctx, hold+5*time.Minute)
	defer cancel()
	for i := range n {
		id := fmt.Sprintf("bench%04d", i)
		if _, err := f.c.SaveUser(ctx, "", minwon.User{ID: id, TenantID: "city", Login: id, Name: id, Roles: []minwon.Role{minwon.RoleCounselor}, Skills: []string{"lang:ko"}}, "password123"); err != nil {
			b.Fatal(err)
		}
		f.available(b, id)
	}

	phone := exec.CommandContext(ctx, f.sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(phonePort),
		"-mp", strconv.Itoa(freePort(b)), "-rtp_echo", "-m", strconv.Itoa(n), "-l", strconv.Itoa(n+10),
		"-max_socket", strconv.Itoa(4*n+100), "-nostdin")
	phoneDone := startSipp(b, phone)

	peers := make([]*benchPeer, n)
	var inf strings.Builder
	inf.WriteString("SEQUENTIAL\n")
	for i := range peers {
		peers[i] = newBenchPeer(b)
		fmt.Fprintf(&inf, "%d\n", peers[i].port())
	}
	infFile := filepath.Join(b.TempDir(), "callers.csv")
	if err := os.WriteFile(infFile, []byte(inf.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	callers := exec.CommandContext(ctx, f.sipp, "-sf", filepath.Join("testdata", "bench_caller.xml"), "-inf", infFile,
		"-s", "120", "-i", "127.0.0.1", "-p", strconv.Itoa(freePort(b)), "-mp", strconv.Itoa(freePort(b)), "-t", "u1",
		"-r", "50", "-m", strconv.Itoa(n), "-l", strconv.Itoa(n+10), "-nostdin", f.srv.Addr())
	callerDone := startSipp(b, callers)

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, p := range peers {
		wg.Add(1)
		go func() { defer wg.Done(); p.run(stop) }()
	}
	// The counselors accept what they are offered, as the desk's accept does.
	accepted := map[string]string{} // contact → counselor
	bridged := func() int {
		k := 0
		for _, p := range peers {
			if p.bridged.Load() {
				k++
			}
		}
		return k
	}
	setupEnd := time.Now().Add(time.Duration(n)*20*time.Millisecond + 60*time.Second)
	// Stop waiting once no call has come up for 15 s: what is left is stuck.
	lastUp, lastChange := 0, time.Now()
	for k := bridged(); k < n && time.Now().Before(setupEnd) && time.Since(lastChange) < 15*time.Second; k = bridged() {
		if k != lastUp {
			lastUp, lastChange = k, time.Now()
		}
		for who, done := range map[string]<-chan error{"phone": phoneDone, "caller": callerDone} {
			select {
			case err := <-done:
				b.Fatalf("the %s sipp ended before the calls were up: %v", who, err)
			default:
			}
		}
		for _, ct := range f.c.AllLive() {
			if ct.Channel != minwon.ChannelVoice || accepted[ct.ID] != "" {
				continue
			}
			if agent := f.c.OfferedTo(ct.ID); agent != "" {
				if _, err := f.c.Accept(ctx, agent, ct.ID); err == nil {
					accepted[ct.ID] = agent
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	setup := time.Since(start)
	up := bridged()
	stuckLive, stuckWaiting := 0, 0
	for _, ct := range f.c.AllLive() {
		if ct.Channel == minwon.ChannelVoice {
			stuckLive++
			if ct.State == minwon.ContactWaiting {
				stuckWaiting++
			}
		}
	}

	for _, p := range peers {
		p.window(true)
	}
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	time.Sleep(hold)
	active := f.srv.Active()
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	close(stop)
	wg.Wait()
	time.Sleep(time.Second) // the last echoes in flight
	var sent, echoed int64
	var jitSum, jitMax float64
	jn := 0
	for _, p := range peers {
		s, e, j := p.window(false)
		sent += s
		echoed += e
		if e > 0 {
			jitSum += j
			jitMax = max(jitMax, j)
			jn++
		}
	}
	b.StopTimer()

	for ct, agent := range accepted {
		f.c.EndChat(ctx, agent, ct)
	}
	stored := 0
	storeEnd := time.Now().Add(60 * time.Second)
	for time.Now().Before(storeEnd) {
		evs, err := f.store.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventRecordingStored}})
		if err != nil {
			b.Fatal(err)
		}
		if stored = len(evs); stored >= len(accepted) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var files, bytesOnDisk int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			files++
			bytesOnDisk += fi.Size()
		}
		return nil
	})

	loss := 100.0
	if sent > 0 {
		loss = 100 * float64(sent-echoed) / float64(sent)
	}
	cpu := (tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)) / hold.Seconds() * 100
	b.ReportMetric(float64(up), "bridged")
	b.ReportMetric(float64(active), "active_calls")
	b.ReportMetric(setup.Seconds(), "setup_s")
	b.ReportMetric(loss, "loss_%")
	if jn > 0 {
		b.ReportMetric(jitSum/float64(jn), "jitter_avg_ms")
		b.ReportMetric(jitMax, "jitter_max_ms")
	}
	b.ReportMetric(float64(stored), "recordings")
	b.ReportMetric(float64(files), "recording_files")
	if files > 0 {
		b.ReportMetric(float64(bytesOnDisk)/float64(files), "bytes/recording")
	}
	b.ReportMetric(cpu, "cpu_%_in_hold")
	b.Logf("%d calls: %d bridged in %s, %d active in the hold; %d RTP packets sent, %d echoed (loss %.3f%%); jitter avg %.2f ms max %.2f ms; %d recordings stored, %d files, %d bytes; this process (server and callers' media) %.0f%% CPU",
		n, up, setup.Round(time.Millisecond), active, sent, echoed, loss, jitSum/math.Max(1, float64(jn)), jitMax, stored, files, bytesOnDisk, cpu)
	if up < n {
		b.Logf("only %d of %d calls were bridged; at the end of setup %d voice contacts were live, %d of them accepted, %d waiting",
			up, n, stuckLive, len(accepted), stuckWaiting)
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// startSipp starts one sipp; the channel gets its result, with the end of
// its output, if it ends. It is killed when the benchmark ends.
func startSipp(b *testing.B, cmd *exec.Cmd) <-chan error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		o := out.Bytes()
		o = o[max(0, len(o)-2000):]
		done <- fmt.Errorf("%v\n%s", err, o)
	}()
	b.Cleanup(func() { cmd.Process.Kill() })
	return done
}

// benchPeer is one caller's media: it presses 1 once the IVR speaks, sends
// a 20 ms PCMU packet of one marked byte every 20 ms, and counts the
// packets that come back carrying it (the phone's echo).
type benchPeer struct {
	conn    *net.UDPConn
	to      atomic.Pointer[net.UDPAddr]
	bridged atomic.Bool

	mu      sync.Mutex
	sent    int64
	echoed  int64
	last    time.Time
	jitter  float64 // ms, RFC 3550 §6.4.1 estimator on arrival spacing
	seq     uint16
	ts      uint32
	counted bool
}

// The caller's audio is benchMark before the measured window and
// benchWindowMark in it, so echoes still in flight from before the window
// are not counted in it.
const (
	benchMark       = 0x3c
	benchWindowMark = 0x3d
)

func newBenchPeer(b *testing.B) *benchPeer {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadBuffer(1 << 20)
	b.Cleanup(func() { conn.Close() })
	p := &benchPeer{conn: conn}
	go p.read()
	return p
}

func (p *benchPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *benchPeer) read() {
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		if p.to.Load() == nil {
			p.to.Store(from)
		}
		if n <= 12 || (buf[12] != benchMark && buf[12] != benchWindowMark) || bytes.Count(buf[12:n], buf[12:13]) != n-12 {
			continue
		}
		p.bridged.Store(true)
		now := time.Now()
		p.mu.Lock()
		if buf[12] == benchWindowMark {
			p.echoed++
			if !p.last.IsZero() {
				d := math.Abs(float64(now.Sub(p.last))/float64(time.Millisecond) - 20)
				p.jitter += (d - p.jitter) / 16
			}
			p.last = now
		}
		p.mu.Unlock()
	}
}

// window starts the measured window (begin) or returns what was counted in
// it: packets sent in it and their echoes, whenever they arrived.
func (p *benchPeer) window(begin bool) (sent, echoed int64, jitter float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if begin {
		p.sent, p.echoed, p.jitter, p.last, p.counted = 0, 0, 0, time.Time{}, true
		return 0, 0, 0
	}
	return p.sent, p.echoed, p.jitter
}

func (p *benchPeer) packet(pt byte, marker bool, ts uint32, payload []byte) []byte {
	pkt := make([]byte, 12+len(payload))
	pkt[0], pkt[1] = 0x80, pt
	if marker {
		pkt[1] |= 0x80
	}
	p.seq++
	binary.BigEndian.PutUint16(pkt[2:], p.seq)
	binary.BigEndian.PutUint32(pkt[4:], ts)
	binary.BigEndian.PutUint32(pkt[8:], uint32(p.port()))
	copy(pkt[12:], payload)
	return pkt
}

func (p *benchPeer) run(stop <-chan struct{}) {
	voice := bytes.Repeat([]byte{benchMark}, 160)
	windowVoice := bytes.Repeat([]byte{benchWindowMark}, 160)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var heardAt time.Time
	nextKey := time.Time{}
	key := 0 // packets of the key press still to send
	var keyTS uint32
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		to := p.to.Load()
		if to == nil {
			continue
		}
		now := time.Now()
		if heardAt.IsZero() {
			heardAt = now
			nextKey = now.Add(time.Second) // the greeting, then the menu
		}
		p.mu.Lock()
		p.ts += 160
		var pkt []byte
		switch {
		case key > 0:
			// RFC 4733: three updates of event 1, then three end packets.
			i := 6 - key
			dur := uint16(160 * (i + 1))
			vol := byte(10)
			if i >= 3 {
				vol |= 0x80
				dur = 160 * 4
			}
			ev := []byte{1, vol, byte(dur >> 8), byte(dur)}
			pkt = p.packet(101, i == 0, keyTS, ev)
			key--
		case !p.bridged.Load() && now.After(nextKey):
			keyTS = p.ts
			key = 5
			pkt = p.packet(101, true, keyTS, []byte{1, 10, 0, 160})
			nextKey = now.Add(time.Second)
		default:
			if p.counted {
				pkt = p.packet(0, false, p.ts, windowVoice)
				p.sent++
			} else {
				pkt = p.packet(0, false, p.ts, voice)
			}
		}
		p.mu.Unlock()
		p.conn.WriteToUDP(pkt, to)
	}
}
