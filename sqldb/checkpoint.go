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
	walRestartPages = 2048
)

// checkpoints runs SQLite's WAL checkpoints on a connection of its own.
//
// Left to the writer (SQLite's default, every 1000 pages) a checkpoint runs
// inside a commit, and every caller waiting on that batch waits for its page
// copies and fsyncs too. Here a PASSIVE checkpoint does that work beside the
// writer without blocking it. But SQLite only rewinds the WAL when a write
// begins with the WAL fully copied, which never happens while writes keep
// coming; so once the WAL is large, the checkpointer holds the writer back
// for one short RESTART checkpoint, which copies the few pages written since
// the passive one and makes the next commit start the WAL over.
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
// walRestartPages, one restart checkpoint with the writer held back.
func (db *DB) checkpoint(ctx context.Context) error {
	var busy, walPages, copied int
	if err := db.cdb.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied); err != nil {
		return err
	}
	if walPages < walRestartPages {
		return nil
	}
	db.gate.Lock()
	err := db.cdb.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &walPages, &copied)
	db.gate.Unlock()
	if err == nil && busy != 0 {
		// A long read kept part of the WAL in use; the next tick retries.
		db.log.Debug("wal restart postponed by a reader", "pages", walPages, "copied", copied)
	}
	return err
}
