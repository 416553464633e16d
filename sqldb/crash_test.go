package sqldb_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sqldb"
)

// crashEnv holds the DSN a re-executed test binary appends to until killed.
const crashEnv = "MINWON_SQLDB_CRASH_DSN"

// crashChild appends from several goroutines forever, printing the Seq of
// every acknowledged event on its own line. It never returns normally: the
// parent kills it with SIGKILL.
func crashChild() {
	dsn := os.Getenv(crashEnv)
	db, err := sqldb.Open(context.Background(), dsn, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex // one write per line, so lines never interleave
	for w := range 16 {
		go func() {
			for i := 0; ; i++ {
				ev := minwon.NewEvent("test.crash", time.Now(), map[string]int{"writer": w, "i": i})
				ev.TenantID = "t1"
				if err := db.Append(context.Background(), ev); err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(2)
				}
				mu.Lock()
				os.Stdout.WriteString(strconv.FormatInt(ev.Seq, 10) + "\n")
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestCrashKeepsAcknowledgedEvents kills a process that is appending (kill
// -9, no chance to flush or close) and checks that every event it was told
// was stored is there.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	forEachDSN(t, func(t *testing.T, dsn string) {
		mustOpen(t, dsn).Close() // migrate before the child starts

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dsn)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}

		acked := make(chan int64, 1<<16)
		readDone := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				seq, err := strconv.ParseInt(sc.Text(), 10, 64)
				if err != nil {
					readDone <- fmt.Errorf("child printed %q", sc.Text())
					return
				}
				acked <- seq
			}
			readDone <- sc.Err()
		}()

		// Kill once the child has been acknowledged for a while: at least
		// a second and at least a few hundred events.
		var seqs []int64
		start := time.Now()
		timeout := time.After(60 * time.Second)
	wait:
		for {
			select {
			case s := <-acked:
				seqs = append(seqs, s)
				if len(seqs) >= 500 && time.Since(start) > time.Second {
					break wait
				}
			case err := <-readDone:
				t.Fatalf("child stopped early (%v): %s", err, stderr.String())
			case <-timeout:
				t.Fatalf("child acknowledged only %d events in 60s: %s", len(seqs), stderr.String())
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		// Lines written before the kill are still in the pipe.
		for done := false; !done; {
			select {
			case s := <-acked:
				seqs = append(seqs, s)
			case <-readDone:
				done = true
			}
		}
		for len(acked) > 0 {
			seqs = append(seqs, <-acked)
		}

		if !strings.HasPrefix(dsn, "postgres") {
			checkIntegrity(t, dsn)
		}
		db := mustOpen(t, dsn)
		stored, err := db.Events(context.Background(), minwon.EventFilter{Types: []minwon.EventType{"test.crash"}})
		if err != nil {
			t.Fatal(err)
		}
		have := make(map[int64]bool, len(stored))
		for _, ev := range stored {
			have[ev.Seq] = true
		}
		for _, s := range seqs {
			if !have[s] {
				t.Fatalf("acknowledged seq %d lost after kill -9", s)
			}
		}
		t.Logf("%d events acknowledged before kill -9, %d stored after restart", len(seqs), len(stored))
	})
}

// checkIntegrity runs SQLite's own consistency check on the file a killed
// process left behind.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check after kill -9: %s", res)
	}
}
