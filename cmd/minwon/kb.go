package main

import (
	"context"
	"fmt"
	"io"

	"github.com/minwon/minwon"
)

const kbUsage = `Usage:
  minwon kb import [--data DIR] [--db URL] [--publish] [--as LOGIN] [--format jsonl|csv|md] FILE|DIR
  minwon kb export [--data DIR] [--db URL] [--format jsonl|csv|md] [--which live|latest] [--out FILE|DIR]
`

// runKB dispatches the knowledge-base subcommands.
func runKB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, kbUsage)
		return minwon.Errorf(minwon.EINVALID, "no kb command given")
	}
	switch args[0] {
	case "import":
		return runKBImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runKBExport(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, kbUsage)
	return minwon.Errorf(minwon.EINVALID, "unknown kb command %q", args[0])
}
