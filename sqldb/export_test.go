package sqldb

import (
	"context"
	"io/fs"

	"github.com/minwon/minwon"
	"github.com/pressly/goose/v3"
)

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

// MigrateDownTo rolls the schema back to version, as an operator's goose
// down would, so a test can store events under an older schema and migrate
// up again.
func MigrateDownTo(ctx context.Context, db *DB, version int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if db.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db.wdb, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// InsertEventsOnly stores events without their read-model changes, as an
// older binary whose schema lacked a table did.
func InsertEventsOnly(ctx context.Context, db *DB, evs ...*minwon.Event) error {
	for _, ev := range evs {
		if _, err := db.wdb.ExecContext(ctx, db.rebind(`INSERT INTO events (id, type, tenant_id, at, actor_id, contact_id, agent_id, queue_id, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), ev.ID, string(ev.Type), ev.TenantID, db.timeArg(ev.At), ev.ActorID, ev.ContactID, ev.AgentID, ev.QueueID, []byte(ev.Data)); err != nil {
			return err
		}
	}
	return nil
}

// RestartAsked reports whether the checkpointer has asked the writer for a
// WAL restart that the writer has not run yet.
func RestartAsked(db *DB) bool { return db.wantRestart.Load() }

// AskRestart asks the writer for a WAL restart, as the checkpointer does
// when the WAL is large.
func AskRestart(db *DB) { db.wantRestart.Store(true) }
