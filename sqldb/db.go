// Package sqldb stores minwon events and the read models derived from them,
// in SQLite (embedded, the default) or PostgreSQL. Append is the only write:
// one writer goroutine takes every pending Append and commits them together
// in one transaction (group commit), so many concurrent callers cost one
// commit rather than one each.
//
// Both dialects run the same SQL text, written with ? placeholders and
// rebound to $n for PostgreSQL; only the schema (column types) and the
// events insert (RETURNING on PostgreSQL) differ. Times are kept to the
// microsecond on both, so a test or a report gives the same answer on either.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/minwon/minwon"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ minwon.Store = (*DB)(nil)

//go:embed migrations
var migrations embed.FS

// Dialect names the database behind a DB.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// queueSize bounds the Append calls waiting for the writer; a caller beyond it
// waits to enqueue, which pushes back on producers instead of growing memory.
const queueSize = 16384

// DB is a minwon.Store on SQLite or PostgreSQL.
type DB struct {
	dialect Dialect
	log     *slog.Logger

	// rdb serves reads. On SQLite it is a pool of query-only connections that
	// read beside the writer thanks to WAL; on PostgreSQL it is the one pool.
	rdb *sql.DB
	// wdb is where the writer commits. On SQLite it holds exactly one
	// connection, so its prepared statements live as long as the DB.
	wdb *sql.DB
	// cdb is the SQLite checkpointer's connection; nil on PostgreSQL.
	cdb         *sql.DB
	stopCkpt    chan struct{}
	ckptStopped chan struct{}

	mu     sync.RWMutex // orders Append's send on reqs before Close closes it
	closed bool
	reqs   chan *request
	done   chan struct{} // closed when the writer has drained reqs and exited

	// gate is held by the writer while it collects and commits a batch and
	// by tests that make requests pile up into one batch.
	gate sync.Mutex
	// wantRestart: the SQLite checkpointer asks the writer to rewind the WAL.
	wantRestart atomic.Bool

	stmts map[string]*sql.Stmt // SQLite statements prepared on wdb; writer goroutine only

	pending atomic.Int64
	stats   struct{ appends, events, batches, retries, rejected atomic.Int64 }
	metrics *metrics
}

// Stats counts the writer's work since Open, for metrics and benchmarks.
type Stats struct {
	Appends  int64 // Append calls that committed
	Events   int64 // events committed
	Batches  int64 // transactions committed
	Retries  int64 // batches run again without a group that failed
	Rejected int64 // Append calls answered with an error by the writer
	Pending  int64 // Append calls waiting for the writer now
}

// Open connects to the database named by dsn: "postgres://…" (or
// "postgresql://…") for PostgreSQL, otherwise a SQLite file path, optionally
// written "sqlite:PATH". It does not migrate; call Migrate, or use
// OpenMigrated. A nil logger discards.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{
		log:   logger,
		reqs:  make(chan *request, queueSize),
		done:  make(chan struct{}),
		stmts: make(map[string]*sql.Stmt),
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		err = db.openPostgres(ctx, dsn)
	} else {
		db.dialect = SQLite
		path := dsn
		if p, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
			path = p
		} else if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
			path = p
		}
		err = db.openSQLite(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	db.metrics = newMetrics(db.dialect)
	go db.run()
	if db.cdb != nil {
		db.stopCkpt, db.ckptStopped = make(chan struct{}), make(chan struct{})
		go db.checkpoints()
	}
	return db, nil
}

// OpenMigrated opens the database and brings its schema up to date.
func OpenMigrated(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	db, err := Open(ctx, dsn, logger)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

func (db *DB) openSQLite(ctx context.Context, path string) (err error) {
	if path == "" {
		return minwon.Errorf(minwon.EINVALID, "no SQLite database path")
	}
	// synchronous=NORMAL in WAL mode writes every commit to the WAL before
	// returning, so a committed batch survives the process being killed; only
	// a power cut can lose the last commits, and it never corrupts the file.
	params := "_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL"
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	base := path + sep + params
	var opened []*sql.DB
	defer func() {
		if err != nil {
			for _, d := range opened {
				d.Close()
			}
		}
	}()
	open := func(extra string, conns int) (*sql.DB, error) {
		d, err := sql.Open("sqlite", base+extra)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		opened = append(opened, d)
		d.SetMaxOpenConns(conns)
		d.SetMaxIdleConns(conns)
		d.SetConnMaxLifetime(0)
		d.SetConnMaxIdleTime(0)
		if err := d.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return d, nil
	}

	// The writer: IMMEDIATE takes the write lock at BEGIN, so a second
	// process writing the same file waits under busy_timeout instead of
	// failing mid-batch. Checkpoints are left to the checkpointer, so a
	// commit only appends to the WAL. A larger cache keeps the index pages
	// that every insert touches in memory.
	if db.wdb, err = open("&_busy_timeout=10000&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-8192)", 1); err != nil {
		return err
	}
	var mode string
	if err := db.wdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Some network file systems cannot share memory for WAL; the store
		// still works, with readers and the writer taking turns.
		db.log.Warn("sqlite is not in WAL mode", "path", path, "journal_mode", mode)
	}
	if db.rdb, err = open("&_busy_timeout=10000&_query_only=1&_pragma=cache_size(-8192)", max(4, runtime.GOMAXPROCS(0))); err != nil {
		return err
	}
	// The checkpointer gives up after 20ms rather than wait out a long read
	// while it holds the writer back; it tries again on its next round.
	if db.cdb, err = open("&_busy_timeout=20", 1); err != nil {
		return err
	}
	return nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	sdb, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(32)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	// The writer has a pool of its own, so a burst of reads holding every
	// connection never makes acknowledgements wait for one. Two: the writer
	// uses one; Migrate's advisory lock holds a second beside goose's.
	wdb, err := sql.Open("pgx", dsn)
	if err != nil {
		sdb.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	wdb.SetMaxOpenConns(2)
	wdb.SetMaxIdleConns(2)
	db.rdb, db.wdb = sdb, wdb
	return nil
}

// Dialect reports which database the DB is on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Migrate applies the embedded migrations that the database lacks. Running
// it again, or from two processes at once on PostgreSQL, is harmless.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithSlog(db.log), goose.WithDisableGlobalRegistry(true)}
	gd := goose.DialectSQLite3
	if db.dialect == Postgres {
		gd = goose.DialectPostgres
		// An advisory lock keeps two nodes starting together from racing.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, db.wdb, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		db.log.Info("migrated", "dialect", string(db.dialect), "migration", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Stats reports the writer's counters.
func (db *DB) Stats() Stats {
	return Stats{
		Appends:  db.stats.appends.Load(),
		Events:   db.stats.events.Load(),
		Batches:  db.stats.batches.Load(),
		Retries:  db.stats.retries.Load(),
		Rejected: db.stats.rejected.Load(),
		Pending:  db.pending.Load(),
	}
}

// Close stops taking appends, commits those already waiting, and closes the
// database. Appends after Close fail with EUNAVAILABLE.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	close(db.reqs)
	db.mu.Unlock()
	<-db.done
	if db.cdb != nil {
		close(db.stopCkpt)
		<-db.ckptStopped
	}

	var errs []error
	for _, st := range db.stmts {
		errs = append(errs, st.Close())
	}
	if db.cdb != nil {
		errs = append(errs, db.cdb.Close())
	}
	if db.wdb != db.rdb {
		errs = append(errs, db.wdb.Close())
	}
	// SQLite checkpoints the WAL and removes it when the last connection
	// closes, leaving a single file.
	errs = append(errs, db.rdb.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}
