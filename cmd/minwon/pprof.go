//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // profiling endpoints, only in binaries built with -tags pprof
	"os"
)

// A binary built with -tags pprof serves the runtime profiles on
// MINWON_PPROF_ADDR (loopback, e.g. 127.0.0.1:6060), for bench/chatload runs.
func init() {
	if addr := os.Getenv("MINWON_PPROF_ADDR"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
