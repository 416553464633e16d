// Package pgtest gives tests a real PostgreSQL: a fresh database per call on
// a server started once per test process, or on the server named by
// MINWON_TEST_PG.
//
// Use it from TestMain so the server stops when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and in a test:
//
//	dsn := pgtest.DSN(t) // skips when PostgreSQL is not installed, fails under CI=true
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names a URL DSN (postgres://user@host:port/db) to an admin
// database on an existing server; when set, no server is started and test
// databases are created there.
const EnvServer = "MINWON_TEST_PG"

// EnvDurable, when set, starts the server with fsync and synchronous commit
// on, as in production, for benchmarks whose figures should mean something.
const EnvDurable = "MINWON_TEST_PG_DURABLE"

const install = "install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; " +
	"macOS: brew install postgresql) or set " + EnvServer + " to a DSN such as postgres://postgres@127.0.0.1:5432/postgres"

var (
	once    sync.Once
	srv     *server
	srvErr  error
	skipMsg string // set when PostgreSQL is absent and the test should skip
	counter atomic.Int64
	runID   = randomHex(4) // keeps names unique when processes share a server
)

// server is the PostgreSQL the tests use.
type server struct {
	admin  string     // DSN to an admin database
	cmd    *exec.Cmd  // nil when the server was not started here
	exited chan error // receives cmd.Wait's result
	dir    string
}

// DSN returns a DSN to a new, empty database, dropped when t ends. The first
// call starts the server.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { srv, srvErr = start() })
	if skipMsg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s; under CI=true the PostgreSQL tests must run: %s", skipMsg, install)
		}
		t.Skipf("pgtest: %s; %s", skipMsg, install)
	}
	if srvErr != nil {
		t.Fatalf("pgtest: %v", srvErr)
	}

	name := fmt.Sprintf("test_%s_%d", runID, counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, srv.admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: a test that forgot to close its pool must not fail the next.
		if err := adminExec(ctx, srv.admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(srv.admin)
	if err != nil {
		t.Fatalf("pgtest: parse DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests and then stops the server if this process started it.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the server started by this process, if any, and removes its
// files. DSN cannot be used after it.
func Stop() {
	if srv == nil || srv.cmd == nil {
		return
	}
	// SIGINT is PostgreSQL's fast shutdown: it ends the sessions and exits.
	_ = srv.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-srv.exited:
	case <-time.After(10 * time.Second):
		_ = srv.cmd.Process.Kill()
		<-srv.exited
	}
	_ = os.RemoveAll(srv.dir)
	srv.cmd = nil
}

func start() (*server, error) {
	if dsn := os.Getenv(EnvServer); dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := adminExec(ctx, dsn, "SELECT 1"); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvServer, err)
		}
		return &server{admin: dsn}, nil
	}
	bin := findBin()
	if bin == "" {
		skipMsg = "no PostgreSQL server binaries (initdb, postgres) found"
		return nil, nil
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root; run it as the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			skipMsg = "running as root and there is no postgres user to run the server as"
			return nil, nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	var last error
	for range 3 { // another process may take the port between probe and bind
		s, err := startServer(bin, cred)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, last
}

// findBin returns the directory holding initdb and postgres: the newest
// Debian-style /usr/lib/postgresql/N/bin, else wherever PATH has initdb.
func findBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isFile(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func startServer(bin string, cred *syscall.Credential) (*server, error) {
	dir, err := os.MkdirTemp("", "minwon-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"-D", data, "-k", dir, "-p", strconv.Itoa(port), "-h", "127.0.0.1",
		"-c", "shared_buffers=128MB", "-c", "max_connections=300", "-c", "log_min_messages=warning"}
	if os.Getenv(EnvDurable) == "" {
		// A test database is thrown away: without durability, startup and
		// every commit are much faster.
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig: if the test process dies without calling Stop (a timeout
	// panic, kill -9), the kernel tells the server to shut down at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := adminExec(ctx, admin, "SELECT 1")
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("postgres exited: %v\n%s", werr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("postgres did not accept connections within 30s: %v\n%s", err, log)
		}
	}
	ok = true
	return &server{admin: admin, cmd: cmd, exited: exited, dir: dir}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// adminExec runs one statement on a short-lived connection.
func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
