package main

import (
	"math"
	"math/bits"
	"time"
)

// Latencies are kept in a log-linear histogram of nanoseconds: values below
// 2^(subBits+1) ns are exact, above that each power of two is split into
// 2^subBits buckets, so a bucket is at most 1/128 (0.8%) of its values
// wide. From 0 to histMax that is a fixed 30 KB whatever the run's length.
const (
	subBits = 7
	histMax = 60 * time.Second
)

// histogram counts latencies. The zero value is not ready: use
// newHistogram. Not safe for concurrent use: each worker has its own, and
// they are merged at the end.
type histogram struct {
	counts []uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

func newHistogram() *histogram {
	return &histogram{counts: make([]uint64, bucketOf(uint64(histMax))+1)}
}

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	e := max(bits.Len64(v)-(subBits+1), 0)
	return e<<subBits + int(v>>e)
}

// bucketTop returns the largest value in bucket i.
func bucketTop(i int) uint64 {
	e := max(i>>subBits-1, 0)
	low := uint64(i-e<<subBits) << e
	return low + 1<<e - 1
}

// record adds one latency; values above histMax count as histMax, below 0
// as 0.
func (h *histogram) record(d time.Duration) {
	d = min(max(d, 0), histMax)
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// merge adds the counts of o to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the latency below or at which a fraction q of the
// values lie (the top of its bucket, never above the largest value), or 0
// when nothing was recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			return min(time.Duration(bucketTop(i)), h.max)
		}
	}
	return h.max
}

// mean returns the average latency, or 0.
func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}
