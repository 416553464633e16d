//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // profiling endpoints, only in binaries built with -tags pprof
	"os"
	"runtime"
	"strconv"
)

// A binary built with -tags pprof serves the runtime profiles on
// MINWON_PPROF_ADDR (loopback, e.g. 127.0.0.1:6060), for bench/chatload runs.
// MINWON_PPROF_MUTEX and MINWON_PPROF_BLOCK switch on the mutex and block
// profiles (runtime.SetMutexProfileFraction, runtime.SetBlockProfileRate:
// 1 in N contention events; a block rate in nanoseconds).
func init() {
	if n, err := strconv.Atoi(os.Getenv("MINWON_PPROF_MUTEX")); err == nil && n > 0 {
		runtime.SetMutexProfileFraction(n)
	}
	if n, err := strconv.Atoi(os.Getenv("MINWON_PPROF_BLOCK")); err == nil && n > 0 {
		runtime.SetBlockProfileRate(n)
	}
	if addr := os.Getenv("MINWON_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
