package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/kb"
)

// kbFlags parses the options the kb store commands share with serve
// (--data, --db and their environment variables) plus the command's own.
func kbFlags(name string, args []string, stderr io.Writer, own func(*flag.FlagSet)) (Config, []string, error) {
	cfg := DefaultConfig()
	if v := os.Getenv("MINWON_DATA"); v != "" {
		cfg.Data = v
	}
	if v := os.Getenv("MINWON_DB"); v != "" {
		cfg.DB = v
	}
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&cfg.Data, "data", cfg.Data, "directory for the SQLite database and files")
	fset.StringVar(&cfg.DB, "db", cfg.DB, "database URL (postgres://…); default SQLite in --data")
	own(fset)
	if err := fset.Parse(args); err != nil {
		return cfg, nil, minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	return cfg, fset.Args(), nil
}

// readArticles reads a file in the format its extension names (or format),
// or every *.md file of a folder.
func readArticles(path, format string) ([]kb.Article, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	if st.IsDir() {
		if format != "" && format != "md" {
			return nil, minwon.Errorf(minwon.EINVALID, "a folder is imported as Markdown files; --format %s needs a file", format)
		}
		return kb.LoadMarkdownDir(os.DirFS(path))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	arts, err := kb.ParseImport(format, filepath.Base(path), data)
	if err != nil {
		return nil, minwon.Errorf(minwon.ErrorCode(err), "%s: %s", path, minwon.ErrorMessage(err))
	}
	return arts, nil
}

// runKBImport imports articles into the store through the center, so they
// are checked and recorded as events like any other change. The same ID
// imported again makes a new version of that article. A running server on
// an in-process bus sees the change at its next start; import through the
// API or the UI to update a live server at once.
func runKBImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var publish bool
	var as, format string
	cfg, rest, err := kbFlags("kb import", args, stderr, func(f *flag.FlagSet) {
		f.BoolVar(&publish, "publish", false, "publish at once (an approved manual); the --as user must be a supervisor")
		f.StringVar(&as, "as", "admin", "login of the user recorded as author (and approver with --publish)")
		f.StringVar(&format, "format", "", "jsonl, csv or md (default: from the file's extension)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, kbUsage)
		return minwon.Errorf(minwon.EINVALID, "kb import takes one FILE or DIR")
	}
	arts, err := readArticles(rest[0], format)
	if err != nil {
		return err
	}
	if len(arts) == 0 {
		return minwon.Errorf(minwon.EINVALID, "%s holds no articles", rest[0])
	}
	log := newLogger(stderr)
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByLogin(ctx, as)
	if err != nil {
		return minwon.Errorf(minwon.EINVALID, "no user with login %q (give one with --as)", as)
	}
	ccfg := center.DefaultConfig()
	ccfg.Secret = []byte("kb import does not sign anything!") // the center needs a key; import never uses it
	c := center.New(ccfg, store, inmem.NewBus(), log)
	if err := c.Start(ctx, false); err != nil {
		return err
	}
	defer c.Close()
	// Progress on stderr for files big enough to wait on.
	step := max(1, len(arts)/20)
	res, err := c.ImportArticles(ctx, u.ID, arts, publish, func(done, total int) {
		if total >= 200 && (done%step == 0 || done == total) {
			fmt.Fprintf(stderr, "\rchecked %d/%d", done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	})
	if err != nil {
		return err
	}
	state := "as drafts"
	if publish {
		state = "published"
	}
	fmt.Fprintf(stdout, "imported %d articles %s: %d new, %d updated, %d unchanged\n", len(arts), state, res.Created, res.Updated, res.Unchanged)
	return nil
}

// runKBExport writes the knowledge base out: JSON Lines or CSV to a file or
// standard output, Markdown as one file per article into a folder.
func runKBExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format, which, out string
	cfg, rest, err := kbFlags("kb export", args, stderr, func(f *flag.FlagSet) {
		f.StringVar(&format, "format", "jsonl", "jsonl, csv or md")
		f.StringVar(&which, "which", "live", "live: the published versions; latest: the newest version of each, drafts included")
		f.StringVar(&out, "out", "", "file to write (default: standard output); a folder for md")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return minwon.Errorf(minwon.EINVALID, "unexpected argument %q", rest[0])
	}
	store, err := openStore(ctx, cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	arts, err := kb.FromStore(ctx, store, which)
	if err != nil {
		return err
	}
	if format == "md" {
		if out == "" {
			return minwon.Errorf(minwon.EINVALID, "--format md writes a folder: give it with --out DIR")
		}
		if err := os.MkdirAll(out, 0o750); err != nil {
			return minwon.Errorf(minwon.EINVALID, "%v", err)
		}
		for _, a := range arts {
			name, data := kb.MarkdownFile(a)
			if err := os.WriteFile(filepath.Join(out, name), data, 0o640); err != nil {
				return minwon.Errorf(minwon.EUNAVAILABLE, "%v", err)
			}
		}
		fmt.Fprintf(stderr, "wrote %d Markdown files to %s\n", len(arts), out)
		return nil
	}
	var buf bytes.Buffer
	switch strings.ToLower(format) {
	case "jsonl":
		err = kb.WriteJSONL(&buf, arts)
	case "csv":
		err = kb.WriteCSV(&buf, arts)
	default:
		return minwon.Errorf(minwon.EINVALID, "unknown format %q: use jsonl, csv or md", format)
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o640); err != nil {
		return minwon.Errorf(minwon.EUNAVAILABLE, "%v", err)
	}
	fmt.Fprintf(stderr, "wrote %d articles to %s\n", len(arts), out)
	return nil
}
