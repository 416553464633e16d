package main

import (
	"fmt"
	"math/bits"
	"time"
)

// hist is a log-linear latency histogram in microseconds: exact below 64 µs,
// then 32 sub-buckets per power of two (≤ 3.2 % relative error). It has a
// fixed size, so a run of any length costs the same memory, and histograms
// from several processes merge by adding counts.
type hist struct {
	Counts map[int]int64 `json:"counts"` // bucket → count (sparse, for JSON between processes)
	N      int64         `json:"n"`
	Sum    int64         `json:"sum_us"`
	Min    int64         `json:"min_us"`
	Max    int64         `json:"max_us"`
	Neg    int64         `json:"neg"` // samples below zero (clock skew between processes); counted as 0
}

const histSub = 32 // sub-buckets per power of two, above 2*histSub

func newHist() *hist { return &hist{Counts: map[int]int64{}, Min: -1} }

func bucketOf(us int64) int {
	if us < 2*histSub {
		return int(us)
	}
	e := bits.Len64(uint64(us)) - 6 // us >> e is in [32, 64)
	return 2*histSub + (e-1)*histSub + int(us>>uint(e)) - histSub
}

// bucketHigh is the largest value that falls in bucket b.
func bucketHigh(b int) int64 {
	if b < 2*histSub {
		return int64(b)
	}
	b -= 2 * histSub
	e := b/histSub + 1
	m := int64(b%histSub + histSub)
	return (m+1)<<uint(e) - 1
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		h.Neg++
		us = 0
	}
	h.Counts[bucketOf(us)]++
	h.N++
	h.Sum += us
	if h.Min < 0 || us < h.Min {
		h.Min = us
	}
	if us > h.Max {
		h.Max = us
	}
}

func (h *hist) merge(o *hist) {
	if o == nil || o.N == 0 {
		return
	}
	for b, n := range o.Counts {
		h.Counts[b] += n
	}
	h.N += o.N
	h.Sum += o.Sum
	h.Neg += o.Neg
	if h.Min < 0 || (o.Min >= 0 && o.Min < h.Min) {
		h.Min = o.Min
	}
	h.Max = max(h.Max, o.Max)
}

// quantile returns the upper bound of the bucket holding the q-th sample
// (never above the exact maximum).
func (h *hist) quantile(q float64) time.Duration {
	if h.N == 0 {
		return 0
	}
	rank := int64(q*float64(h.N) + 0.5)
	rank = min(max(rank, 1), h.N)
	top := 0
	for b := range h.Counts {
		top = max(top, b)
	}
	var seen int64
	for b := 0; b <= top; b++ {
		seen += h.Counts[b]
		if seen >= rank {
			return time.Duration(min(bucketHigh(b), h.Max)) * time.Microsecond
		}
	}
	return time.Duration(h.Max) * time.Microsecond
}

func (h *hist) mean() time.Duration {
	if h.N == 0 {
		return 0
	}
	return time.Duration(h.Sum/h.N) * time.Microsecond
}

// ms formats a duration as milliseconds with sensible precision.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f < 10:
		return fmt.Sprintf("%.2f", f)
	case f < 100:
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.0f", f)
}

func (h *hist) summary() string {
	if h.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("n=%d p50=%s p90=%s p99=%s p99.9=%s max=%s ms", h.N,
		ms(h.quantile(0.50)), ms(h.quantile(0.90)), ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(time.Duration(h.Max)*time.Microsecond))
}
