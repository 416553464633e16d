package sip_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
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
// callers (sip/testdata/bench_caller.xml) and one UAS for all phones
// (sip/testdata/bench_phone.xml). The media of both sides is bench/sipload,
// a process of its own, so this process is the server alone: each caller
// and each phone sends 20 ms PCMU packets stamped with their stream,
// sequence and send time, and sipload counts what arrives at the other end.
// Over a hold of MINWON_BENCH_HOLD (10s) it reports the calls up and, per
// direction, packet loss, one-way delay and the interarrival jitter
// (RFC 3550's estimator); then the counselors end the calls and it counts
// the recordings stored and their bytes.
//
//	MINWON_BENCH_CALLS=1000 go test ./sip -run '^$' -bench BridgedRecordedCalls -benchtime 1x
//
// MINWON_BENCH_SIPLOAD names a built bench/sipload (else it is built here);
// MINWON_BENCH_CPUPROFILE=FILE writes a CPU profile of the hold alone.
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
	// Hashing the counselors' passwords is most of the set-up's CPU: on
	// every core.
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := w; i < n; i += runtime.GOMAXPROCS(0) {
				id := fmt.Sprintf("bench%04d", i)
				_, err := f.c.SaveUser(ctx, "", minwon.User{ID: id, TenantID: "city", Login: id, Name: id, Roles: []minwon.Role{minwon.RoleCounselor}, Skills: []string{"lang:ko"}}, "password123")
				errs <- err
			}
		})
	}
	wg.Wait()
	for range n {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		f.available(b, fmt.Sprintf("bench%04d", i))
	}

	tmp := b.TempDir()
	media := startSipload(b, ctx, n, tmp)
	phone := exec.CommandContext(ctx, f.sipp, "-sf", filepath.Join("testdata", "bench_phone.xml"), "-inf", filepath.Join(tmp, "phones.csv"),
		"-i", "127.0.0.1", "-p", strconv.Itoa(phonePort), "-mp", strconv.Itoa(freePort(b)), "-t", "u1",
		"-m", strconv.Itoa(n), "-l", strconv.Itoa(n+10), "-max_socket", strconv.Itoa(4*n+100), "-nostdin")
	phoneDone := startSipp(b, phone)
	callers := exec.CommandContext(ctx, f.sipp, "-sf", filepath.Join("testdata", "bench_caller.xml"), "-inf", filepath.Join(tmp, "callers.csv"),
		"-s", "120", "-i", "127.0.0.1", "-p", strconv.Itoa(freePort(b)), "-mp", strconv.Itoa(freePort(b)), "-t", "u1",
		"-r", "50", "-m", strconv.Itoa(n), "-l", strconv.Itoa(n+10), "-nostdin", f.srv.Addr())
	callerDone := startSipp(b, callers)

	b.ResetTimer()
	start := time.Now()
	// The counselors accept what they are offered, as the desk's accept does.
	accepted := map[string]string{} // contact → counselor
	setupEnd := time.Now().Add(time.Duration(n)*20*time.Millisecond + 60*time.Second)
	// Stop waiting once no call has come up for 15 s: what is left is stuck.
	lastUp, lastChange := 0, time.Now()
	for k := media.bridged(); k < n && time.Now().Before(setupEnd) && time.Since(lastChange) < 15*time.Second; k = media.bridged() {
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
	up := media.bridged()
	stuckLive, stuckWaiting := 0, 0
	for _, ct := range f.c.AllLive() {
		if ct.Channel == minwon.ChannelVoice {
			stuckLive++
			if ct.State == minwon.ContactWaiting {
				stuckWaiting++
			}
		}
	}

	load0 := loadAvg()
	media.command("window")
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	sipp0 := procCPU(phone.Process.Pid) + procCPU(callers.Process.Pid)
	if prof := os.Getenv("MINWON_BENCH_CPUPROFILE"); prof != "" {
		pf, err := os.Create(prof)
		if err != nil {
			b.Fatal(err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(hold)
	pprof.StopCPUProfile()
	active := f.srv.Active()
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	sipp1 := procCPU(phone.Process.Pid) + procCPU(callers.Process.Pid)
	rep := media.stop()
	load1 := loadAvg()
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

	cpu := (tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)) / hold.Seconds() * 100
	b.ReportMetric(float64(up), "bridged")
	b.ReportMetric(float64(active), "active_calls")
	b.ReportMetric(setup.Seconds(), "setup_s")
	var sent, got int64
	for i, d := range rep.Directions {
		sent += d.Sent
		got += d.Received
		tag := [2]string{"in", "out"}[i] // in: citizen → counselor; out: counselor → citizen
		b.ReportMetric(d.LossPct, "loss_"+tag+"_%")
		b.ReportMetric(d.JitterAvgMS, "jitter_"+tag+"_ms")
		b.ReportMetric(d.DelayP99MS, "delay_p99_"+tag+"_ms")
	}
	loss := 100.0
	if sent > 0 {
		loss = 100 * float64(sent-got) / float64(sent)
	}
	b.ReportMetric(loss, "loss_%")
	b.ReportMetric(float64(stored), "recordings")
	b.ReportMetric(float64(files), "recording_files")
	if files > 0 {
		b.ReportMetric(float64(bytesOnDisk)/float64(files), "bytes/recording")
	}
	b.ReportMetric(cpu, "cpu_%_server")
	b.ReportMetric(rep.CPUPercent, "cpu_%_media_gen")
	b.Logf("%d calls: %d bridged in %s, %d active in the hold of %s; load average %s before the hold, %s after",
		n, up, setup.Round(time.Millisecond), active, hold, load0, load1)
	for _, d := range rep.Directions {
		b.Logf("%s: %d RTP packets sent (%.1f%% of 50/s per call), %d received, loss %.3f%%, %d calls silent; jitter avg %.2f ms max %.2f ms; one-way delay p50 %.1f ms p99 %.1f ms max %.1f ms",
			d.Name, d.Sent, 100*float64(d.Sent)/math.Max(1, float64(d.Expected)), d.Received, d.LossPct, d.Silent, d.JitterAvgMS, d.JitterMaxMS, d.DelayP50MS, d.DelayP99MS, d.DelayMaxMS)
	}
	b.Logf("%d recordings stored, %d files, %d bytes; CPU in the hold: server (this process) %.0f%%, media generator %.0f%% (%d late ticks), both sipps %.0f%%",
		stored, files, bytesOnDisk, cpu, rep.CPUPercent, rep.LateTicks, (sipp1-sipp0)/hold.Seconds()*100)
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

// sipload is the bench/sipload process: the media of every caller and
// phone, driven through its stdin.
type sipload struct {
	b   *testing.B
	in  io.Writer
	out *bufio.Scanner
}

// startSipload starts bench/sipload for n calls; it writes the sipp -inf
// files callers.csv and phones.csv into dir.
func startSipload(b *testing.B, ctx context.Context, n int, dir string) *sipload {
	bin := os.Getenv("MINWON_BENCH_SIPLOAD")
	if bin == "" {
		bin = filepath.Join(dir, "sipload")
		if out, err := exec.Command("go", "build", "-o", bin, "../bench/sipload").CombinedOutput(); err != nil {
			b.Fatalf("build bench/sipload: %v\n%s", err, out)
		}
	}
	cmd := exec.CommandContext(ctx, bin, "-calls", strconv.Itoa(n),
		"-callers", filepath.Join(dir, "callers.csv"), "-phones", filepath.Join(dir, "phones.csv"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	m := &sipload{b: b, in: in, out: bufio.NewScanner(out)}
	m.out.Buffer(nil, 1<<20)
	if got := m.line(); got != "ready" {
		b.Fatalf("sipload: %q, want ready", got)
	}
	return m
}

func (m *sipload) line() string {
	if !m.out.Scan() {
		m.b.Fatalf("sipload ended: %v", m.out.Err())
	}
	return m.out.Text()
}

func (m *sipload) command(c string) string {
	if _, err := fmt.Fprintln(m.in, c); err != nil {
		m.b.Fatalf("sipload %s: %v", c, err)
	}
	return m.line()
}

// bridged is how many callers hear their counselor.
func (m *sipload) bridged() int {
	var k int
	if _, err := fmt.Sscanf(m.command("bridged"), "bridged %d", &k); err != nil {
		m.b.Fatal(err)
	}
	return k
}

// sipReport is sipload's report (bench/sipload's Report).
type sipReport struct {
	CPUPercent float64 `json:"cpu_pct"`
	LateTicks  int64   `json:"late_ticks"`
	Directions []struct {
		Name        string  `json:"name"`
		Sent        int64   `json:"sent"`
		Expected    int64   `json:"expected"`
		Received    int64   `json:"received"`
		LossPct     float64 `json:"loss_pct"`
		Silent      int     `json:"silent"`
		JitterAvgMS float64 `json:"jitter_avg_ms"`
		JitterMaxMS float64 `json:"jitter_max_ms"`
		DelayP50MS  float64 `json:"delay_p50_ms"`
		DelayP99MS  float64 `json:"delay_p99_ms"`
		DelayMaxMS  float64 `json:"delay_max_ms"`
	} `json:"directions"`
}

// stop ends the measured window and returns sipload's report.
func (m *sipload) stop() sipReport {
	var r sipReport
	line := m.command("stop")
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		m.b.Fatalf("sipload report %q: %v", line, err)
	}
	return r
}

// procCPU is a process's user and system CPU seconds so far; 0 if unknown.
func procCPU(pid int) float64 {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	fs := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
	if len(fs) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(fs[11], 64)
	stt, _ := strconv.ParseFloat(fs[12], 64)
	return (ut + stt) / 100 // USER_HZ
}

func loadAvg() string {
	la, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(la))[:3], " ")
}
