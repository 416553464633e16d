package sqldb

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the writer's timings, kept as Prometheus histograms so an
// operator sees where an acknowledgement's time goes: waiting for the
// writer and its batch, the batch's statements and commit, and (SQLite) the
// WAL restarts the writer runs between batches.
type metrics struct {
	append, batch, restart prometheus.Histogram
	batchEvents            prometheus.Histogram
}

// Buckets from half a millisecond to five seconds: a healthy store answers
// in the first few, a stalled disk shows in the last.
var latencyBuckets = []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}

func newMetrics(dialect Dialect) *metrics {
	labels := prometheus.Labels{"dialect": string(dialect)}
	h := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets, ConstLabels: labels})
	}
	return &metrics{
		append:      h("minwon_store_append_seconds", "Time from an Append being queued to its events being durable (or refused).", latencyBuckets),
		batch:       h("minwon_store_batch_seconds", "Time one batch of appends takes to run and commit.", latencyBuckets),
		restart:     h("minwon_store_wal_restart_seconds", "Time the writer spends rewinding the SQLite WAL between batches.", latencyBuckets),
		batchEvents: h("minwon_store_batch_events", "Events committed per batch.", prometheus.ExponentialBuckets(1, 2, 12)),
	}
}

func since(t time.Time) float64 { return time.Since(t).Seconds() }

// Collectors returns the store's metrics for the server's registry: the
// histograms above and the writer's counters.
func (db *DB) Collectors() []prometheus.Collector {
	labels := prometheus.Labels{"dialect": string(db.dialect)}
	counter := func(name, help string, f func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 { return float64(f()) })
	}
	return []prometheus.Collector{
		db.metrics.append, db.metrics.batch, db.metrics.restart, db.metrics.batchEvents,
		counter("minwon_store_events_total", "Events committed.", db.stats.events.Load),
		counter("minwon_store_batches_total", "Transactions committed.", db.stats.batches.Load),
		counter("minwon_store_rejected_total", "Append calls refused by the writer.", db.stats.rejected.Load),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "minwon_store_pending", Help: "Append calls waiting for the writer.", ConstLabels: labels},
			func() float64 { return float64(db.pending.Load()) }),
	}
}
