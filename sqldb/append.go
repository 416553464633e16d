package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/minwon/minwon"
)

// maxBatchEvents caps one transaction, so that a burst is committed in
// slices short enough to keep every caller's wait bounded.
const maxBatchEvents = 2000

// request is one Append call waiting for the writer: a group whose events
// are committed together or not at all.
type request struct {
	ctx  context.Context
	ops  []op
	done chan error // buffered; the writer never blocks on it
	at   time.Time  // when it was queued, for the append latency metric
}

// Append stores evs in order, updates the read models and sets each event's
// Seq, in one transaction shared with whatever other Append calls are
// waiting. It returns once the events are durable, or with the reason they
// were refused: EINVALID for an ephemeral event or a malformed payload,
// ECONFLICT for a duplicate (event ID, message seq or client_id, login),
// ENOTFOUND for a change to a contact, user or hand-off the store lacks.
// A refused call stores none of its events and never harms the others.
//
// Once a call is queued its outcome is always reported: ctx only abandons a
// call that the writer has not yet picked up.
func (db *DB) Append(ctx context.Context, evs ...*minwon.Event) error {
	wait, err := db.Submit(ctx, evs...)
	if err != nil {
		return err
	}
	return wait()
}

var _ minwon.Submitter = (*DB)(nil)

// Submit queues evs like Append but returns as soon as they are in the
// writer's queue; wait reports their outcome and may be called any number of
// times from any goroutine. Calls submitted one after another are committed
// in that order, so a caller can submit under its own lock and wait outside it.
func (db *DB) Submit(ctx context.Context, evs ...*minwon.Event) (wait func() error, err error) {
	if len(evs) == 0 {
		return func() error { return nil }, nil
	}
	r := &request{ctx: ctx, ops: make([]op, len(evs)), done: make(chan error, 1), at: time.Now()}
	for i, ev := range evs {
		o, err := db.prepare(ev)
		if err != nil {
			return nil, err
		}
		r.ops[i] = o
	}

	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "the store is closed")
	}
	select {
	case db.reqs <- r:
		// Counted once sent, so Pending never shows a call the writer cannot
		// take yet; the writer may subtract first, and that is fine for a gauge.
		db.pending.Add(1)
		db.mu.RUnlock()
	case <-ctx.Done():
		db.mu.RUnlock()
		return nil, ctx.Err()
	}
	var once sync.Once
	var result error
	return func() error {
		once.Do(func() { result = <-r.done })
		return result
	}, nil
}

// Lingering: a SQLite commit costs the writer's CPU (two write calls per
// WAL page, the page cache's bookkeeping) whatever the batch size, and with
// synchronous=NORMAL it does not wait for the disk, so under steady load
// batches stay at one or two events and commits eat a core. When a request
// comes within busyGap of the last commit, the writer waits up to linger
// for others to join its batch; a lone caller on an idle store never waits.
const (
	busyGap      = time.Millisecond
	linger       = 500 * time.Microsecond
	lingerEvents = 64 // enough to share the commit; stop waiting then
)

// run is the writer goroutine. It takes whatever is waiting, commits it as
// one batch, and repeats; batches grow by themselves while a commit is
// running, so a lone caller waits for no timer.
func (db *DB) run() {
	defer close(db.done)
	var batch []*request
	var lastCommit time.Time
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	for r := range db.reqs {
		db.gate.Lock()
		if db.cdb != nil {
			db.restart(context.Background())
		}
		batch = append(batch[:0], r)
		n := len(r.ops)
		more := true
	collect:
		for n < maxBatchEvents {
			select {
			case r, ok := <-db.reqs:
				if !ok {
					more = false
					break collect // closed: this batch is the last
				}
				batch = append(batch, r)
				n += len(r.ops)
			default:
				break collect
			}
		}
		if more && db.dialect == SQLite && n < lingerEvents && time.Since(lastCommit) < busyGap {
			wait.Reset(linger)
		gather:
			for n < lingerEvents {
				select {
				case r, ok := <-db.reqs:
					if !ok {
						break gather
					}
					batch = append(batch, r)
					n += len(r.ops)
				case <-wait.C:
					break gather
				}
			}
			wait.Stop()
		}
		db.pending.Add(-int64(len(batch)))

		live := batch[:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				db.answer(r, err) // not written: the caller gave up before its turn
				continue
			}
			live = append(live, r)
		}
		db.commit(live)
		lastCommit = time.Now()
		clear(batch) // let answered requests be collected
		db.gate.Unlock()
	}
}

// commit writes groups in one transaction. When one group is refused (a
// duplicate, a missing row) it answers that group and runs the rest again
// without it. When the failure belongs to no group (I/O, a lost connection)
// it runs each group on its own, so that each gets its own answer.
func (db *DB) commit(groups []*request) {
	for len(groups) > 0 {
		start := time.Now()
		seqs, bad, err := db.exec(groups)
		db.metrics.batch.Observe(since(start))
		if err == nil {
			i := 0
			for _, g := range groups {
				for _, o := range g.ops {
					o.ev.Seq = seqs[i]
					i++
				}
			}
			// Counted before anyone is answered, so a caller that reads the
			// stats after its append returns sees its batch in them.
			db.stats.batches.Add(1)
			db.stats.appends.Add(int64(len(groups)))
			db.stats.events.Add(int64(i))
			db.metrics.batchEvents.Observe(float64(i))
			for _, g := range groups {
				db.answer(g, nil)
			}
			return
		}
		var merr *minwon.Error
		if bad >= 0 && errors.As(err, &merr) {
			db.log.Debug("append refused", "event", groups[bad].ops[0].ev.ID, "code", merr.Code, "reason", merr.Message)
			db.stats.rejected.Add(1)
			db.answer(groups[bad], err)
			groups = append(groups[:bad:bad], groups[bad+1:]...)
			if len(groups) > 0 {
				db.stats.retries.Add(1)
			}
			continue
		}
		if len(groups) == 1 {
			db.log.Error("append failed", "event", groups[0].ops[0].ev.ID, "err", err)
			db.stats.rejected.Add(1)
			db.answer(groups[0], fmt.Errorf("append events: %w", err))
			return
		}
		db.log.Warn("batch failed; committing its appends one by one", "appends", len(groups), "err", err)
		db.stats.retries.Add(1)
		for _, g := range groups {
			db.commit([]*request{g})
		}
		return
	}
}

// answer reports r's outcome to its caller.
func (db *DB) answer(r *request, err error) {
	db.metrics.append.Observe(since(r.at))
	r.done <- err
}

// exec runs one transaction for groups and returns the Seq of every event in
// order. On failure bad is the index of the group at fault, or -1.
func (db *DB) exec(groups []*request) (seqs []int64, bad int, err error) {
	if db.dialect == Postgres {
		return db.execPostgres(groups)
	}
	return db.execSQLite(groups)
}
