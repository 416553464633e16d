package sqldb

import (
	"context"
	"time"
)

const (
	// checkpointEvery is how often the WAL is copied back into the database
	// file. Between checkpoints the WAL grows by what was committed.
	checkpointEvery = 250 * time.Millisecond
	// walHardLimit (pages) is the WAL size at which the checkpointer stops
	// the writer briefly to empty the WAL; under steady load the passive
	// checkpoints keep it far below.
	walHardLimit = 65536 // 256 MiB with 4 KiB pages
)

// checkpoints runs SQLite's WAL checkpoints on a connection of its own.
// Left to the writer (SQLite's default, every 1000 pages) a checkpoint would
// run inside a commit, and every caller waiting for that batch would wait
// for its writes and fsyncs too. A PASSIVE checkpoint never blocks the
// writer; SQLite restarts the WAL from its beginning at the next commit that
// finds it fully copied.
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
		var busy, walPages, copied int
		err := db.cdb.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied)
		if err != nil {
			db.log.Warn("wal checkpoint failed", "err", err)
			continue
		}
		if walPages > walHardLimit {
			// Writes have outrun the passive checkpoints; TRUNCATE waits for
			// the writer to finish its batch, copies the rest and empties
			// the WAL so it cannot grow without bound.
			db.log.Warn("wal too large; truncating", "pages", walPages)
			if _, err := db.cdb.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				db.log.Warn("wal checkpoint failed", "err", err)
			}
		}
	}
}
