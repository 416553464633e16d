package sqldb

import (
	"context"
	"time"
)

const (
	// checkpointEvery is how often the WAL is copied back into the database
	// file.
	checkpointEvery = 200 * time.Millisecond
	// walRestartPages is the WAL size (in pages, 4 KiB by default) above
	// which the checkpointer makes SQLite reuse the WAL from its start.
	// Each restart holds the writer for an fsync (2–20 ms, far more on a
	// busy disk), and the chat load writes ~5 pages an event, so at 2,048
	// pages the writer restarted four times a second and those stalls were
	// the store's share of the p99 (minwon_store_wal_restart_seconds). At
	// 16,384 (a 64 MiB WAL at most) it is about twice a minute per 100
	// messages a second.
	walRestartPages = 16384
)

// checkpoints runs SQLite's WAL checkpoints on a connection of its own.
//
// Left to the writer (SQLite's default, every 1000 pages) a checkpoint runs
// inside a commit, and every caller waiting on that batch waits for its page
// copies and fsyncs too. Here a PASSIVE checkpoint does that work beside the
// writer without blocking it. But SQLite only rewinds the WAL when a write
// begins with the WAL fully copied, which never happens while writes keep
// coming; so once the WAL is large, the checkpointer asks the writer to run
// one short RESTART checkpoint before its next batch, which copies the few
// pages written since the passive one and makes that batch start the WAL
// over.
//
// The writer runs the RESTART itself rather than waiting while the
// checkpointer does: under load the checkpointer's goroutine, coming back
// from its fsyncs, waited hundreds of milliseconds for the Go scheduler
// while holding the writer back, and every message of the center waited
// with it (a runtime trace of the 17,500-citizen chat load showed the
// writer blocked on it up to 380 ms in a second).
func (db *DB) checkpoints() {
	defer close(db.ckptStopped)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-tick.C:
		}
		if err := db.checkpoint(context.Background()); err != nil {
			db.log.Warn("wal checkpoint failed", "err", err)
		}
	}
}

// checkpoint runs one passive checkpoint and, when the WAL has grown past
// walRestartPages, asks the writer for a restart. While a restart is asked
// for and not yet run it does nothing, so two checkpoints never compete.
func (db *DB) checkpoint(ctx context.Context) error {
	if db.wantRestart.Load() {
		return nil
	}
	var busy, walPages, copied int
	if err := db.cdb.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied); err != nil {
		return err
	}
	if walPages >= walRestartPages {
		db.wantRestart.Store(true)
	}
	return nil
}

// restart runs the RESTART checkpoint the checkpointer asked for. Only the
// writer calls it, between batches, so no commit runs beside it; it uses the
// checkpointer's connection, whose short busy timeout gives up at once when
// a long read still holds part of the WAL (the next round asks again).
func (db *DB) restart(ctx context.Context) {
	if !db.wantRestart.Load() {
		return
	}
	var busy, walPages, copied int
	start := time.Now()
	err := db.cdb.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &walPages, &copied)
	db.metrics.restart.Observe(since(start))
	db.wantRestart.Store(false)
	switch {
	case err != nil:
		db.log.Warn("wal restart failed", "err", err)
	case busy != 0:
		db.log.Debug("wal restart postponed by a reader", "pages", walPages, "copied", copied)
	}
}
