package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// histogram is one Prometheus histogram's change between two scrapes.
type histogram struct {
	bounds []float64 // upper bounds, ascending; the last is +Inf
	counts []float64 // cumulative counts at each bound
	sum    float64
}

// histogramDiff reads histogram name (with its labels, e.g. `dialect="sqlite"`)
// from two scrapes and returns what was observed between them.
func histogramDiff(before, after map[string]float64, name, labels string) (histogram, bool) {
	var h histogram
	prefix := name + "_bucket{" + labels + ",le=\""
	for k, v := range after {
		le, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		le = strings.TrimSuffix(le, "\"}")
		b, err := strconv.ParseFloat(le, 64)
		if le == "+Inf" {
			b, err = math.Inf(1), nil
		}
		if err != nil {
			continue
		}
		h.bounds = append(h.bounds, b)
		h.counts = append(h.counts, v-before[k])
	}
	if len(h.bounds) == 0 {
		return h, false
	}
	idx := make([]int, len(h.bounds))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return h.bounds[idx[a]] < h.bounds[idx[b]] })
	bounds, counts := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		bounds[i], counts[i] = h.bounds[j], h.counts[j]
	}
	h.bounds, h.counts = bounds, counts
	sel := "{" + labels + "}"
	h.sum = after[name+"_sum"+sel] - before[name+"_sum"+sel]
	return h, true
}

func (h histogram) n() float64 { return h.counts[len(h.counts)-1] }

// quantile is the upper bound of the bucket holding quantile q: an upper
// estimate, as coarse as the buckets.
func (h histogram) quantile(q float64) float64 {
	want := q * h.n()
	for i, c := range h.counts {
		if c >= want {
			return h.bounds[i]
		}
	}
	return math.Inf(1)
}

// storeSummary describes the store's writer during the measurement from its
// metrics (minwon_store_*), or "" when the server has none.
func storeSummary(before, after map[string]float64) string {
	var labels string
	for _, d := range []string{"sqlite", "postgres"} {
		if _, ok := after[`minwon_store_append_seconds_count{dialect="`+d+`"}`]; ok {
			labels = `dialect="` + d + `"`
		}
	}
	if labels == "" {
		return ""
	}
	ms := func(s float64) string { return strconv.FormatFloat(s*1000, 'g', 3, 64) }
	var parts []string
	if h, ok := histogramDiff(before, after, "minwon_store_append_seconds", labels); ok && h.n() > 0 {
		parts = append(parts, fmt.Sprintf("append (queued → durable) n=%.0f mean %s ms, p99 ≤ %s ms", h.n(), ms(h.sum/h.n()), ms(h.quantile(0.99))))
	}
	if h, ok := histogramDiff(before, after, "minwon_store_batch_seconds", labels); ok && h.n() > 0 {
		ev, _ := histogramDiff(before, after, "minwon_store_batch_events", labels)
		parts = append(parts, fmt.Sprintf("batches %.0f of %.1f events, mean %s ms, p99 ≤ %s ms", h.n(), ev.sum/max(1, ev.n()), ms(h.sum/h.n()), ms(h.quantile(0.99))))
	}
	if h, ok := histogramDiff(before, after, "minwon_store_wal_restart_seconds", labels); ok && h.n() > 0 {
		parts = append(parts, fmt.Sprintf("WAL restarts %.0f, mean %s ms, max ≤ %s ms", h.n(), ms(h.sum/h.n()), ms(h.quantile(1))))
	}
	return strings.Join(parts, "; ")
}
