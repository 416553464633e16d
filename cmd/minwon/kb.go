package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/minwon/minwon"
)

const kbUsage = `minwon kb — the knowledge base and its self-service bot

  minwon kb import [--data DIR] [--db URL] [--publish] [--as LOGIN] [--format jsonl|csv|md] FILE|DIR
      import articles; the same id again makes a new version of that article.
      Without --publish they arrive as drafts for a supervisor to approve.
  minwon kb export [--data DIR] [--db URL] [--format jsonl|csv|md] [--which live|latest] [--out FILE|DIR]
      write the articles out in one of the import formats.
  minwon kb ask [--data DIR] [--demo] [--threshold T] [QUESTION]
      answer QUESTION as the bot would and print one JSON object:
      {"question", "article_id", "title", "score", "handoff", "kind"}.
      Without QUESTION, read questions one per line on stdin and print one
      object per line. handoff: true means the bot would pass the citizen to
      a counselor (or decline) instead of answering.
  minwon kb eval [--data DIR] [--demo] [--threshold T] [--misses] FILE
      run the bot over a labelled JSON Lines file ({"question", "article_id"},
      article_id "" for out-of-scope) and print the answered share and
      precision of in-scope questions, the out-of-scope decline rate and a
      sweep of thresholds.

For ask and eval, --demo answers from the demo center's articles instead of
the published articles in DIR.
`

// runKB dispatches the knowledge-base subcommands.
func runKB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, kbUsage)
		return minwon.Errorf(minwon.EINVALID, "kb: no subcommand given")
	}
	switch args[0] {
	case "import":
		return runKBImport(ctx, args[1:], stdout, stderr)
	case "export":
		return runKBExport(ctx, args[1:], stdout, stderr)
	case "ask":
		return kbAsk(ctx, args[1:], os.Stdin, stdout, stderr)
	case "eval":
		return kbEval(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, kbUsage)
		return nil
	}
	fmt.Fprint(stderr, kbUsage)
	return minwon.Errorf(minwon.EINVALID, "kb: unknown subcommand %q", args[0])
}
