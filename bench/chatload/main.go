// Command chatload is the chat load benchmark of minwon: it holds N citizen
// chat WebSockets open against one server, answered by M counselors, then
// measures how long a message takes from one side to the other while every
// citizen writes every few seconds and every counselor answers at once.
//
//	go run ./bench/chatload --spawn bin/minwon --citizens 500 --agents 50 --duration 20s
//	go run ./bench/chatload --url http://127.0.0.1:8120 --admin-password … --citizens 2000 --agents 200
//
// The coordinator process logs the agents in and runs them; citizens run in
// worker processes (the same binary, re-executed with --worker), so no
// process needs more file descriptors than RLIMIT_NOFILE allows. Latency is
// measured from the sender's clock to the receiver's (both processes on the
// same machine, wall clock); each message's text carries its send time.
// With --record the figures are appended to bench/RESULTS.md.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	url, spawn, db, data string
	adminPassword        string
	entry                string
	citizens, agents     int
	rampPerSec           float64
	maxDialing           int
	period               time.Duration
	jitter               float64
	duration, grace      time.Duration
	textBytes            int
	answerTimeout        time.Duration
	setupTimeout         time.Duration
	sources              int
	perWorker            int
	record               bool
	results, label, note string
	perf                 string
	agentPassword        string
	loginPrefix          string
	maxReconnects        int
	maxRuntime           time.Duration
	keep                 bool
	serverStartTimeout   time.Duration
	dialTimeout          time.Duration
	storeLabel           string
	storePID             int
	offerTimeout         time.Duration // of the queue under test, learnt in setup
	serverEnv            envList
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--worker" {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	o := &options{}
	fs := flag.NewFlagSet("chatload", flag.ExitOnError)
	fs.StringVar(&o.url, "url", "", "base URL of a running minwon server (http://host:port)")
	fs.StringVar(&o.spawn, "spawn", "", "minwon binary to start for the run (serve on 127.0.0.1:0 with a temporary --data)")
	fs.StringVar(&o.db, "db", "", "with --spawn: --db for the server (postgres://…); default SQLite in the data directory")
	fs.StringVar(&o.data, "data", "", "with --spawn: data directory (default: a new temporary one, removed at the end)")
	fs.StringVar(&o.adminPassword, "admin-password", os.Getenv("MINWON_ADMIN_PASSWORD"), "admin password (with --spawn: default a random one)")
	fs.StringVar(&o.entry, "entry", "center", "chat entry point of the tenant under test")
	fs.IntVar(&o.citizens, "citizens", 500, "citizen chat sessions to hold open (N)")
	fs.IntVar(&o.agents, "agents", 50, "counselors (M); each gets chat capacity ceil(N/M)+1")
	fs.Float64Var(&o.rampPerSec, "ramp", 400, "new citizen connections per second while ramping up")
	fs.IntVar(&o.maxDialing, "max-dialing", 256, "citizen handshakes in flight at once (all workers)")
	fs.DurationVar(&o.period, "period", 15*time.Second, "each citizen sends one message every period (P) in the measurement")
	fs.Float64Var(&o.jitter, "jitter", 0.5, "± fraction of the period by which each gap varies")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "length of the measurement phase (D)")
	fs.DurationVar(&o.grace, "grace", 10*time.Second, "after the measurement, how long messages may still arrive before they count as lost")
	fs.IntVar(&o.textBytes, "text-bytes", 80, "bytes of text per message (Korean, plus the timestamp)")
	fs.DurationVar(&o.answerTimeout, "answer-timeout", 0, "longest wait for every chat to be answered (0: N/ramp + 3m)")
	fs.DurationVar(&o.setupTimeout, "setup-timeout", 20*time.Minute, "longest wait to create and log in the agents")
	fs.IntVar(&o.sources, "sources", 0, "loopback source addresses to spread client connections over (127.0.0.2…); 0: enough for the ephemeral port range")
	fs.IntVar(&o.perWorker, "per-worker", 7000, "citizens per worker process")
	fs.BoolVar(&o.record, "record", false, "append the figures to --results")
	fs.StringVar(&o.results, "results", "bench/RESULTS.md", "markdown file --record appends to")
	fs.StringVar(&o.label, "label", "", "title of the recorded section (default: the store)")
	fs.StringVar(&o.note, "note", "", "a line added to the recorded section")
	fs.StringVar(&o.storeLabel, "store-label", "", "how to describe the store in the record (default: from --db)")
	fs.Var(&o.serverEnv, "server-env", "with --spawn: KEY=VALUE added to the server's environment (repeatable), e.g. GODEBUG=gctrace=1")
	fs.IntVar(&o.storePID, "store-pid", 0, "count this process and its children (a PostgreSQL postmaster) as the server's CPU")
	fs.StringVar(&o.perf, "perf", "", "with --spawn: record the server with `perf record -g` during the measurement into this file")
	fs.StringVar(&o.agentPassword, "agent-password", "bench-agent-pw-120", "password of the bench agents")
	fs.StringVar(&o.loginPrefix, "login-prefix", "bench", "agents' logins are PREFIX00000, PREFIX00001, …")
	fs.IntVar(&o.maxReconnects, "max-reconnects", 5, "reconnections per connection before giving up on it")
	fs.DurationVar(&o.maxRuntime, "max-runtime", 60*time.Minute, "hard limit on the whole run; everything stops then")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory and server log")
	fs.DurationVar(&o.serverStartTimeout, "server-start-timeout", 5*time.Minute, "longest wait for the spawned server to serve")
	fs.DurationVar(&o.dialTimeout, "dial-timeout", 30*time.Second, "WebSocket handshake timeout")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: chatload (--spawn BIN | --url URL) [flags]\n\n"+
			"Holds N citizen chats answered by M counselors and measures message latency both ways.\n\n")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	if (o.url == "") == (o.spawn == "") {
		fmt.Fprintln(os.Stderr, "chatload: give exactly one of --url and --spawn")
		os.Exit(2)
	}
	if o.citizens < 1 || o.agents < 1 || o.period <= 0 || o.duration <= 0 || o.perWorker < 1 {
		fmt.Fprintln(os.Stderr, "chatload: --citizens, --agents, --per-worker, --period and --duration must be positive")
		os.Exit(2)
	}
	if o.answerTimeout == 0 {
		o.answerTimeout = time.Duration(float64(o.citizens)/max(o.rampPerSec, 1)*float64(time.Second)) + 3*time.Minute
	}
	soft, hard := raiseNoFile()
	logf("RLIMIT_NOFILE %d (hard %d)", soft, hard)

	ctx, cancel := context.WithTimeout(context.Background(), o.maxRuntime)
	defer cancel()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		logf("interrupted; stopping")
		cancel()
		<-sig
		os.Exit(130)
	}()
	if err := run(ctx, o, hard); err != nil {
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
}

var logStart = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(logStart).Seconds(), fmt.Sprintf(format, args...))
}

// raiseNoFile sets the soft RLIMIT_NOFILE to the hard limit; children
// (the server, the workers) inherit it.
func raiseNoFile() (soft, hard uint64) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	}
	return r.Cur, r.Max
}

func portRange() (lo, hi int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			lo, _ = strconv.Atoi(f[0])
			hi, _ = strconv.Atoi(f[1])
			if lo > 0 && hi > lo {
				return lo, hi
			}
		}
	}
	return 32768, 60999
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// workerProc is one citizen worker process.
type workerProc struct {
	id     int
	cmd    *exec.Cmd
	stdin  *json.Encoder
	inMu   sync.Mutex
	mu     sync.Mutex
	last   report
	result chan report
	exited chan struct{}
}

func (w *workerProc) send(v any) {
	w.inMu.Lock()
	defer w.inMu.Unlock()
	w.stdin.Encode(v)
}

func (w *workerProc) progress() report {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

func startWorker(ctx context.Context, cfg workerConfig) (*workerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "--worker")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &workerProc{id: cfg.Worker, cmd: cmd, stdin: json.NewEncoder(in), result: make(chan report, 1), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<20), 64<<20)
		for sc.Scan() {
			var r report
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue
			}
			switch r.Type {
			case "progress":
				w.mu.Lock()
				w.last = r
				w.mu.Unlock()
			case "result":
				w.mu.Lock()
				w.last = r
				w.mu.Unlock()
				select {
				case w.result <- r:
				default:
				}
			case "error":
				logf("worker %d: %s", w.id, r.Message)
			}
		}
		cmd.Wait()
		close(w.exited)
	}()
	w.send(cfg)
	return w, nil
}

// totals sums the workers' latest progress.
func totals(ws []*workerProc) (connected, answered, failed int, ctr counters, alive int) {
	for _, w := range ws {
		p := w.progress()
		connected += p.Connected
		answered += p.Answered
		failed += p.Failed
		ctr.add(p.Counters)
		select {
		case <-w.exited:
		default:
			alive++
		}
	}
	return
}

// runResult is everything the summary and the record show.
type runResult struct {
	o                                   *options
	command                             string
	date                                string
	machine                             string
	loadBefore                          string
	store                               string
	sources                             []string
	workers                             int
	setupTook, agentsTook, rampTook     time.Duration
	heldBefore, answered, heldAfter     int
	failed                              int
	offers, accepted, acceptFail, withd int64
	c2a, a2c                            *sideResult // as received by agents / citizens
	citCtr, agCtr                       counters
	cpuServer, cpuGen                   float64 // cores used during the measurement
	metricsBefore, metricsAfter         map[string]float64
	cpuMachine                          float64 // cores busy on the whole machine during the measurement
	loadDuring                          string  // load average at the end of the measurement
	offerDelay, acceptRTT               *hist
	serverLog                           []string // WARN/ERROR lines of a spawned server, summarised
	probe                               *hist    // lateness of a 10 ms sleep in the coordinator during the measurement
	serverFDLimit                       uint64
	version                             string
	notes                               []string
}

func run(ctx context.Context, o *options, hardLimit uint64) error {
	res := &runResult{o: o, date: time.Now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006"), machine: machineInfo(),
		loadBefore: loadAvg(), command: commandLine()}
	res.serverFDLimit = hardLimit
	runID := "b" + randomHex(3)

	var srv *server
	base := o.url
	if o.spawn != "" {
		if need := uint64(o.citizens + o.agents + 200); need > hardLimit {
			n := fmt.Sprintf("The server process inherits RLIMIT_NOFILE %d (hard; raising it needs CAP_SYS_RESOURCE, which this machine does not grant), "+
				"but %d citizens + %d agents need about %d descriptors: at most about %d sockets can be held.",
				hardLimit, o.citizens, o.agents, need, hardLimit-200)
			logf("WARNING: %s", n)
			res.notes = append(res.notes, n)
		}
		if o.adminPassword == "" {
			o.adminPassword = "bench-" + randomHex(8)
		}
		var err error
		srv, err = spawnServer(ctx, o)
		if err != nil {
			return err
		}
		defer srv.stop()
		base = srv.url
		res.version = srv.version
		logf("server %s pid %d serving on %s (data %s)", srv.version, srv.cmd.Process.Pid, srv.url, srv.dir)
	}
	if o.adminPassword == "" {
		return errors.New("--admin-password (or MINWON_ADMIN_PASSWORD) is needed with --url")
	}
	res.store = o.storeLabel
	if res.store == "" {
		res.store = "SQLite (default: WAL, synchronous=NORMAL) in a temporary --data directory"
		if o.db != "" {
			res.store = "PostgreSQL " + redactDSN(o.db)
		} else if o.url != "" {
			res.store = "whatever the server at --url uses"
		}
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad server URL %q", base)
	}
	loopback := false
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() && ip.To4() != nil {
		loopback = true
	}
	// Sources: enough loopback addresses that the ephemeral ports of one never run out.
	if loopback {
		n := o.sources
		if n == 0 {
			lo, hi := portRange()
			n = (o.citizens+o.agents+500)/((hi-lo+1)*7/10) + 1
		}
		for i := range n {
			res.sources = append(res.sources, fmt.Sprintf("127.0.0.%d", 2+i))
		}
		logf("client connections from %d loopback source address(es) %v; ephemeral ports %d-%d", n, res.sources, func() int { l, _ := portRange(); return l }(), func() int { _, h := portRange(); return h }())
	}

	// Admin: queue, default queue, agents.
	setupStart := time.Now()
	sctx, scancel := context.WithTimeout(ctx, o.setupTimeout)
	defer scancel()
	jar, _ := cookiejar.New(nil)
	admin := &api{base: u, client: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	if err := admin.login(sctx, "admin", o.adminPassword); err != nil {
		return err
	}
	logins, err := setup(sctx, admin, o, logf)
	if err != nil {
		return err
	}
	res.setupTook = time.Since(setupStart)
	ag := newAgents(ctx, o, u, runID, logins, res.sources)
	defer ag.closeAll()
	agentsStart := time.Now()
	if err := ag.start(sctx, loopback, logf); err != nil {
		return err
	}
	res.agentsTook = time.Since(agentsStart)

	// Citizens, in workers.
	nw := (o.citizens + o.perWorker - 1) / o.perWorker
	res.workers = nw
	deadline, _ := ctx.Deadline()
	var ws []*workerProc
	defer func() {
		for _, w := range ws {
			w.send(command{Cmd: "stop"})
		}
		for _, w := range ws {
			select {
			case <-w.exited:
			case <-time.After(30 * time.Second):
				w.cmd.Process.Kill()
				<-w.exited
			}
		}
	}()
	rampStart := time.Now()
	for i := range nw {
		first := i * o.citizens / nw
		count := (i+1)*o.citizens/nw - first
		w, err := startWorker(ctx, workerConfig{Worker: i, URL: base, Entry: o.entry, First: first, Count: count,
			RampPerSec: o.rampPerSec / float64(nw), MaxDialing: max(1, o.maxDialing/nw), Sources: res.sources, RunID: runID,
			DialTimeout: o.dialTimeout, MaxReconnects: o.maxReconnects, Deadline: deadline})
		if err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		ws = append(ws, w)
	}
	logf("ramping %d citizens at %.0f/s over %d worker process(es)", o.citizens, o.rampPerSec, nw)
	lastLog := time.Now()
	lastAns, lastChange := -1, time.Now()
	for {
		if !sleepCtx(ctx, time.Second) {
			return ctx.Err()
		}
		conn, ans, failed, ctr, alive := totals(ws)
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			logf("ramp: %d connected, %d answered, %d failed; offers %d, accepted %d, accept errors %d; dial errors %d, reconnects %d",
				conn, ans, failed, ag.offers.Load(), ag.accepted.Load(), ag.acceptFail.Load(), ctr.DialErrors, ctr.Reconnects)
		}
		if ans+failed >= o.citizens {
			break
		}
		// Every offer accepted yet some citizens never heard: their "agent"
		// frame was lost. Waiting longer changes nothing.
		if ans != lastAns || ag.accepted.Load() < int64(o.citizens-failed) {
			lastAns, lastChange = ans, time.Now()
		} else if time.Since(lastChange) > 15*time.Second {
			n := fmt.Sprintf("%d citizen(s) never received the `agent` frame although every offer was accepted ("+
				"http/chat.go registers the socket only after StartChat returns, so an answer in between is never pushed); they send nothing in the measurement.",
				o.citizens-failed-ans)
			logf("%s", n)
			res.notes = append(res.notes, n)
			break
		}
		if alive < nw {
			return errors.New("a worker process exited during the ramp")
		}
		if time.Since(rampStart) > o.answerTimeout {
			n := fmt.Sprintf("Not every chat was answered within %s: measuring with %d answered of %d (%d failed).", o.answerTimeout, ans, o.citizens, failed)
			logf("%s", n)
			res.notes = append(res.notes, n)
			break
		}
	}
	time.Sleep(1500 * time.Millisecond) // let the last progress reports in
	res.rampTook = time.Since(rampStart)
	res.heldBefore, res.answered, res.failed, _, _ = totals(ws)
	logf("ramp done in %s: %d sessions held, %d answered, %d failed", res.rampTook.Round(time.Millisecond), res.heldBefore, res.answered, res.failed)

	// Measurement.
	start := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
	m := command{Cmd: "measure", Start: start, End: start.Add(o.duration), Period: o.period, Jitter: o.jitter, TextBytes: o.textBytes,
		Cut: start.Add(o.duration + o.grace)}
	ag.mu.Lock()
	ag.win = m
	ag.mu.Unlock()
	for _, w := range ws {
		w.send(m)
	}
	logf("measuring for %s from %s: one message per citizen every %s ±%.0f%%, agents reply at once",
		o.duration, start.Format("15:04:05.000"), o.period, o.jitter*100)
	res.metricsBefore = scrapeMetrics(u)
	var pids []int
	pids = append(pids, os.Getpid())
	for _, w := range ws {
		pids = append(pids, w.cmd.Process.Pid)
	}
	sleepCtx(ctx, time.Until(start))
	var perf *exec.Cmd
	if o.perf != "" && srv != nil {
		perf = exec.Command("perf", "record", "-F", "499", "-g", "-p", strconv.Itoa(srv.cmd.Process.Pid), "-o", o.perf, "--", "sleep", strconv.Itoa(int(o.duration.Seconds())))
		perf.Stdout, perf.Stderr = os.Stderr, os.Stderr
		if err := perf.Start(); err != nil {
			logf("perf: %v", err)
			perf = nil
		}
	}
	cpu0 := cpuOf(pids)
	srvCPU0 := serverCPU(srv, u, o.storePID)
	busy0 := machineBusy()
	t0 := time.Now()
	res.probe = newHist()
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		for time.Until(m.End) > 0 && ctx.Err() == nil {
			at := time.Now()
			time.Sleep(10 * time.Millisecond)
			res.probe.add(time.Since(at) - 10*time.Millisecond)
		}
	}()
	for time.Until(m.End) > 0 {
		d := min(time.Until(m.End), 10*time.Second)
		if !sleepCtx(ctx, d) {
			return ctx.Err()
		}
		conn, _, _, ctr, _ := totals(ws)
		a, _ := ag.result()
		logf("measure: %d connected; agents received %d, replied %d; closed %d, reconnects %d",
			conn, a.Received, a.Sent, ctr.Closed, ctr.Reconnects)
	}
	elapsed := time.Since(t0).Seconds()
	cpu1 := cpuOf(pids)
	srvCPU1 := serverCPU(srv, u, o.storePID)
	busy1 := machineBusy()
	<-probeDone
	res.loadDuring = loadAvg()
	res.cpuMachine = (busy1 - busy0) / elapsed
	res.cpuGen = (cpu1 - cpu0) / elapsed
	if srvCPU0 >= 0 && srvCPU1 >= 0 {
		res.cpuServer = (srvCPU1 - srvCPU0) / elapsed
	} else {
		res.cpuServer = -1
	}
	if perf != nil {
		perf.Wait()
	}
	sleepCtx(ctx, time.Until(m.Cut)+500*time.Millisecond)

	// Results.
	for _, w := range ws {
		w.send(command{Cmd: "report"})
	}
	res.a2c = newSide()
	for _, w := range ws {
		select {
		case r := <-w.result:
			res.a2c.merge(r.Result)
			res.citCtr.add(r.Counters)
			res.heldAfter += r.Connected
		case <-time.After(60 * time.Second):
			return fmt.Errorf("worker %d sent no result", w.id)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	res.c2a, res.agCtr = ag.result()
	res.offers, res.accepted, res.acceptFail, res.withd = ag.offers.Load(), ag.accepted.Load(), ag.acceptFail.Load(), ag.withdrawn.Load()
	res.metricsAfter = scrapeMetrics(u)
	ag.mu.Lock()
	res.offerDelay, res.acceptRTT = ag.offerDelay, ag.acceptRTT
	ag.mu.Unlock()
	if srv != nil {
		res.serverLog = srv.logSummary()
	}
	// The citizens' own count of what they sent; the agents' of what they received.
	out := res.summary()
	fmt.Print(out)
	if o.record {
		if err := appendRecord(o.results, res.markdown()); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		logf("appended to %s", o.results)
	}
	return nil
}

func commandLine() string {
	args := append([]string{}, os.Args...)
	if strings.Contains(args[0], "go-build") {
		args[0] = "go run ./bench/chatload"
	}
	for i, a := range args {
		if strings.ContainsAny(a, " \t\"'$") {
			args[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		if strings.HasPrefix(a, "postgres://") || strings.HasPrefix(a, "postgresql://") {
			args[i] = redactDSN(a)
		}
	}
	for i := 1; i < len(args); i++ {
		if args[i-1] == "--admin-password" || args[i-1] == "-admin-password" {
			args[i] = "…"
		}
		if strings.HasPrefix(args[i], "--admin-password=") {
			args[i] = "--admin-password=…"
		}
	}
	return strings.Join(args, " ")
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

func machineInfo() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				f := strings.Fields(l)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					mem = fmt.Sprintf("%.1f GiB", kb/1024/1024)
				}
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("`nproc` = %d; %s; memory %s; Linux %s; %s", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), runtime.Version())
}

// machineBusy returns the CPU seconds all processes of the machine have
// spent busy (not idle, not waiting for I/O) since boot, from /proc/stat.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy float64
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		busy += n
	}
	return busy / 100
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// cpuOf returns the CPU seconds (user+system) the processes used so far.
func cpuOf(pids []int) float64 {
	var total float64
	for _, pid := range pids {
		total += procCPU(pid)
	}
	return total
}

func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// serverCPU is the CPU seconds of the server (and of the store's processes
// given with --store-pid) so far.
func serverCPU(srv *server, u *url.URL, storePID int) float64 {
	var store float64
	if storePID > 0 {
		store = cpuOf(append([]int{storePID}, childrenOf(storePID)...))
	}
	if srv != nil {
		return procCPU(srv.cmd.Process.Pid) + store
	}
	if v, ok := scrapeMetrics(u)["process_cpu_seconds_total"]; ok {
		return v + store
	}
	return -1
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n))
		if err != nil {
			continue
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+2:])
			if len(f) > 1 && f[1] == strconv.Itoa(pid) {
				out = append(out, n)
			}
		}
	}
	return out
}

// scrapeMetrics reads the server's Prometheus text into name{labels} → value.
func scrapeMetrics(u *url.URL) map[string]float64 {
	out := map[string]float64{}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u.JoinPath("/metrics").String())
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err == nil {
			out[l[:i]] = v
		}
	}
	return out
}

// server is a minwon server this run started.
type server struct {
	cmd     *exec.Cmd
	url     string
	dir     string
	temp    bool
	keep    bool
	log     string
	version string // as the server printed it
	exited  chan struct{}
}

var servingRE = regexp.MustCompile(`(?:minwon (\S+) )?serving on (https?://\S+)`)

func spawnServer(ctx context.Context, o *options) (*server, error) {
	dir := o.data
	temp := false
	if dir == "" {
		d, err := os.MkdirTemp("", "chatload-")
		if err != nil {
			return nil, err
		}
		dir, temp = d, true
	}
	args := []string{"serve", "--data", dir, "--http", "127.0.0.1:0", "--admin-password", o.adminPassword,
		"--chat-per-ip", "1000000", "--chat-starts-per-ip", "1000000", "--max-live", "1000000", "--acw", "0s"}
	if o.db != "" {
		args = append(args, "--db", o.db)
	}
	// Run a private copy: a rebuild of BIN during the run (make build by
	// someone else) must not change the binary under test, and perf needs
	// the file it sampled to resolve symbols.
	bin := filepath.Join(dir, "minwon-under-test")
	if err := copyFile(o.spawn, bin); err != nil {
		return nil, fmt.Errorf("copy %s: %w", o.spawn, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	if os.Getenv("MINWON_SECRET") == "" {
		cmd.Env = append(cmd.Env, "MINWON_SECRET="+randomHex(24)) // needed with --db
	}
	cmd.Env = append(cmd.Env, o.serverEnv...)
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.spawn, err)
	}
	s := &server{cmd: cmd, dir: dir, temp: temp, keep: o.keep, log: logPath, exited: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(logFile, sc.Text())
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				s.version = m[1]
				select {
				case found <- m[2]:
				default:
				}
			}
		}
	}()
	go func() {
		cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	select {
	case s.url = <-found:
		return s, nil
	case <-s.exited:
		tail, _ := os.ReadFile(logPath)
		s.stop()
		return nil, fmt.Errorf("the server exited before serving:\n%s", lastLines(string(tail), 30))
	case <-time.After(o.serverStartTimeout):
		s.stop()
		return nil, fmt.Errorf("the server did not print 'serving on' within %s (see %s)", o.serverStartTimeout, logPath)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// logSummary counts the server log's WARN and ERROR lines by message and
// returns one line per message (count, level, message, an example's details).
func (s *server) logSummary() []string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return nil
	}
	type entry struct {
		n       int
		example string
	}
	seen := map[string]*entry{}
	var order []string
	msgRE := regexp.MustCompile(`level=(WARN|ERROR) msg=("(?:[^"\\]|\\.)*"|\S+)`)
	for _, l := range strings.Split(string(b), "\n") {
		m := msgRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		key := m[1] + " " + m[2]
		e := seen[key]
		if e == nil {
			e = &entry{example: l}
			seen[key] = e
			order = append(order, key)
		}
		e.n++
	}
	var out []string
	for _, k := range order {
		ex := seen[k].example
		if len(ex) > 300 {
			ex = ex[:300] + "…"
		}
		out = append(out, fmt.Sprintf("%d× %s — e.g. `%s`", seen[k].n, k, ex))
	}
	return out
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stop asks the server to drain (SIGINT), forces it after 20 s, kills it
// after 40 s, and removes a temporary data directory.
func (s *server) stop() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.exited:
			case <-time.After(20 * time.Second):
				s.cmd.Process.Kill()
				<-s.exited
			}
		}
	}
	for _, l := range s.logSummary() {
		logf("server log: %s", l)
	}
	if s.temp && !s.keep {
		os.RemoveAll(s.dir)
	} else {
		logf("server data and log kept in %s", s.dir)
	}
}
