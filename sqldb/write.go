package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// execSQLite runs a batch in SQLite. Statements run one by one, in process:
// with every statement prepared once on the writer's only connection, a
// batch of a thousand events takes a few milliseconds.
func (db *DB) execSQLite(groups []*request) (seqs []int64, bad int, err error) {
	// No deadline: a SQLite statement cannot hang on a network, and a
	// cancellable context would cost a goroutine per statement in the driver.
	ctx := context.Background()
	// Prepare before BEGIN: the transaction holds the only connection.
	if err := db.prepareSQLite(ctx, insertEventSQLite); err != nil {
		return nil, -1, err
	}
	for _, g := range groups {
		for _, o := range g.ops {
			for _, s := range o.stmts {
				if err := db.prepareSQLite(ctx, s.q); err != nil {
					return nil, -1, err
				}
			}
		}
	}
	tx, err := db.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, -1, fmt.Errorf("begin: %w", err)
	}
	txStmts := make(map[*query]*sql.Stmt, 8)
	run := func(q *query, args []any) (sql.Result, error) {
		st, ok := txStmts[q]
		if !ok {
			st = tx.StmtContext(ctx, db.stmts[q.sqlite])
			txStmts[q] = st
		}
		return st.ExecContext(ctx, args...)
	}
	fail := func(g int, err error) ([]int64, int, error) {
		if rerr := ignoreDone(tx.Rollback()); rerr != nil {
			return nil, -1, errors.Join(err, rerr)
		}
		return nil, g, err
	}

	for gi, g := range groups {
		for _, o := range g.ops {
			res, err := run(insertEventSQLite, o.args)
			if err != nil {
				return fail(blame(gi, err, o))
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return fail(-1, err)
			}
			seqs = append(seqs, seq)
			for _, s := range o.stmts {
				res, err := run(s.q, s.args)
				if err != nil {
					return fail(blame(gi, err, o))
				}
				if s.what != "" {
					if n, err := res.RowsAffected(); err != nil {
						return fail(-1, err)
					} else if n == 0 {
						return fail(gi, notFound(o.ev, s.what))
					}
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, -1, fmt.Errorf("commit: %w", err)
	}
	return seqs, -1, nil
}

// prepareSQLite prepares q on the writer's connection the first time it is
// used. Statements are prepared lazily because Open runs before the tables
// exist.
func (db *DB) prepareSQLite(ctx context.Context, q *query) error {
	if _, ok := db.stmts[q.sqlite]; ok {
		return nil
	}
	st, err := db.wdb.PrepareContext(ctx, q.sqlite)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	db.stmts[q.sqlite] = st
	return nil
}

// blame returns group g and the refusal when err was caused by o's data,
// otherwise -1 and err.
func blame(g int, err error, o op) (int, error) {
	if r := refusal(err, o.ev); r != nil {
		return g, r
	}
	return -1, err
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// pgWriteTimeout bounds one batch on PostgreSQL, so a stalled server fails
// the waiting callers instead of holding them forever.
const pgWriteTimeout = 30 * time.Second

// eventsLock is the advisory lock every batch holds on PostgreSQL. It makes
// writers from several nodes commit one at a time, so events become visible
// in Seq order and a reader following AfterSeq never skips one that commits
// late with a lower Seq.
const eventsLock = 0x6d696e776f6e // "minwon"

// execPostgres runs a batch in PostgreSQL as one pipelined transaction (pgx
// batch): the events lock, then every statement.
//
// Round trips are what a batch costs here, not work: each one waits for the
// backend and then the writer goroutine to be scheduled, which on a busy
// machine takes longer than the statements themselves, and the writer holds
// the events lock all the while. So a batch whose statements need no check
// from the client runs as one implicit transaction that the server commits
// at the pipeline's Sync: one round trip. A statement with a row to change
// (stmt.what) must be judged before COMMIT, so such a batch opens an explicit
// transaction in the same pipeline and commits, or rolls back, in a second
// round trip. Either way an error from the server rolls everything back.
func (db *DB) execPostgres(groups []*request) (seqs []int64, bad int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgWriteTimeout)
	defer cancel()
	conn, err := db.wdb.Conn(ctx)
	if err != nil {
		return nil, -1, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()

	explicit := false
	for _, g := range groups {
		for _, o := range g.ops {
			for _, s := range o.stmts {
				explicit = explicit || s.what != ""
			}
		}
	}

	bad = -1
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		if explicit {
			b.Queue("BEGIN")
		}
		b.Queue("SELECT pg_advisory_xact_lock($1)", int64(eventsLock))
		for _, g := range groups {
			for _, o := range g.ops {
				b.Queue(insertEventPG.pg, o.args...)
				for _, s := range o.stmts {
					b.Queue(s.q.pg, s.args...)
				}
			}
		}
		br := pc.SendBatch(ctx, b)
		// Results come back in queue order; the first error names its group.
		// After it the server skips the rest, so stop reading there.
		err = func() error {
			if explicit {
				if _, err := br.Exec(); err != nil {
					return fmt.Errorf("begin: %w", err)
				}
			}
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("lock events: %w", err)
			}
			for gi, g := range groups {
				for _, o := range g.ops {
					var seq int64
					if err := br.QueryRow().Scan(&seq); err != nil {
						bad, err = blame(gi, err, o)
						return err
					}
					seqs = append(seqs, seq)
					for _, s := range o.stmts {
						tag, err := br.Exec()
						if err != nil {
							bad, err = blame(gi, err, o)
							return err
						}
						if s.what != "" && tag.RowsAffected() == 0 {
							bad = gi
							return notFound(o.ev, s.what)
						}
					}
				}
			}
			return nil
		}()
		if cerr := br.Close(); err == nil && cerr != nil {
			// Close reports what the server said at Sync: for an implicit
			// transaction that includes the commit itself.
			err = fmt.Errorf("commit: %w", cerr)
		}
		if !explicit {
			return err
		}
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK" // also ends a transaction the server aborted
		}
		if _, xerr := pc.Exec(ctx, end); xerr != nil {
			return errors.Join(err, fmt.Errorf("%s: %w", strings.ToLower(end), xerr))
		}
		return err
	})
	if err != nil {
		return nil, bad, err
	}
	return seqs, -1, nil
}
