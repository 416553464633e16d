// Command minwon runs a public civil-complaint contact center.
//
//	minwon serve [--demo] [--data DIR] [--db URL] [--http ADDR]
//	minwon migrate [--data DIR] [--db URL]
//	minwon simulate --url URL [--rate N]
//	minwon kb import|export|ask|eval [--data DIR] …
//	minwon version
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/minwon/minwon"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "minwon:", minwon.ErrorMessage(err))
		if minwon.ErrorCode(err) == minwon.EINTERNAL {
			fmt.Fprintln(os.Stderr, "  ", err)
		}
		os.Exit(1)
	}
}

const usage = `minwon — a contact center for public civil-complaint (120) centers

Usage:
  minwon serve [--demo] [--data DIR] [--db URL] [--http ADDR]   run the center
  minwon migrate [--data DIR] [--db URL]                        create or upgrade the database
  minwon simulate [--url URL] [--rate N]                        open simulated citizen chats
  minwon guard classify|eval FILE|train                         abuse classifier (counselor protection)
  minwon kb import|export [--data DIR] [--db URL] …             knowledge base import and export
  minwon kb ask [QUESTION]|eval FILE [--data DIR]               self-service bot over the knowledge base
  minwon version                                                print the version

Environment: MINWON_DATA, MINWON_DB, MINWON_HTTP, MINWON_SECRET, MINWON_ADMIN_PASSWORD.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return minwon.Errorf(minwon.EINVALID, "no command given")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "simulate":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runSimulate(ctx, args[1:], stdout, stderr)
	case "guard":
		return runGuard(ctx, args[1:], stdout, stderr)
	case "kb":
		return runKB(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "minwon", minwon.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return minwon.Errorf(minwon.EINVALID, "unknown command %q", args[0])
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("MINWON_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
