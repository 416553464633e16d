package sqldb

import "context"

// HoldWriter stops the writer before its next batch until release is
// called, so that a test can make several Append calls share one batch.
func HoldWriter(db *DB) (release func()) {
	db.gate.Lock()
	return db.gate.Unlock
}

// AgentState reads the convenience agent_states row the app itself never reads.
func AgentState(ctx context.Context, db *DB, agentID string) (state, reason string, connected bool, err error) {
	err = db.rdb.QueryRowContext(ctx, db.rebind(`SELECT state, reason, connected FROM agent_states WHERE agent_id = ?`), agentID).
		Scan(&state, &reason, &connected)
	return state, reason, connected, err
}

// Checkpoint runs one round of the SQLite checkpointer now.
func Checkpoint(ctx context.Context, db *DB) error { return db.checkpoint(ctx) }

// WALPages reports how many pages the SQLite WAL holds.
func WALPages(ctx context.Context, db *DB) (int, error) {
	var busy, pages, copied int
	err := db.cdb.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied)
	return pages, err
}

// RestartAsked reports whether the checkpointer has asked the writer for a
// WAL restart that the writer has not run yet.
func RestartAsked(db *DB) bool { return db.wantRestart.Load() }

// AskRestart asks the writer for a WAL restart, as the checkpointer does
// when the WAL is large.
func AskRestart(db *DB) { db.wantRestart.Store(true) }
