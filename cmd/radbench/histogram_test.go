package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the q-quantile of sorted values as histogram.quantile
// defines it: the value at rank ⌈q·n⌉.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[rank-1]
}

func TestHistogramPercentilesWithinOnePercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := newHistogram()
	var all []time.Duration
	for range 200_000 {
		// Log-normal around 2 ms with a long tail, as loopback RADIUS is.
		d := time.Duration(2e6 * math.Exp(rng.NormFloat64()))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		got, want := h.quantile(q), exactQuantile(all, q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.01 {
			t.Errorf("p%g = %v, exact %v: %.2f%% off", q*100, got, want, rel*100)
		}
	}
	if h.max != all[len(all)-1] || h.quantile(1) != h.max {
		t.Errorf("max = %v, quantile(1) = %v, want %v", h.max, h.quantile(1), all[len(all)-1])
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every value falls in a bucket whose top is at most 1/128 above it,
	// from 1 ns to 60 s.
	for v := uint64(1); v <= uint64(histMax); v = v*9/8 + 1 {
		i := bucketOf(v)
		top := bucketTop(i)
		if top < v || float64(top-v) > float64(v)/128 {
			t.Fatalf("value %d: bucket %d tops at %d", v, i, top)
		}
		if i > 0 && bucketTop(i-1) >= v {
			t.Fatalf("value %d also fits bucket %d (top %d)", v, i-1, bucketTop(i-1))
		}
	}
	if n := len(newHistogram().counts); n*8 > 32<<10 {
		t.Fatalf("%d buckets: more than 32 KB a histogram", n)
	}
}

func TestHistogramSmallExactAndClamped(t *testing.T) {
	h := newHistogram()
	for _, d := range []time.Duration{100, 200, 255, -5, 2 * time.Minute} {
		h.record(d)
	}
	if got := h.quantile(0.2); got != 0 {
		t.Errorf("p20 = %v, want 0 (a negative value counts as 0)", got)
	}
	if got := h.quantile(0.4); got != 100 {
		t.Errorf("p40 = %v, want 100ns exactly", got)
	}
	if got := h.quantile(0.8); got != 255 {
		t.Errorf("p80 = %v, want 255ns exactly", got)
	}
	if h.max != histMax || h.quantile(1) != histMax {
		t.Errorf("max = %v, quantile(1) = %v; want a 2 min value kept as %v", h.max, h.quantile(1), histMax)
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	a, b, both := newHistogram(), newHistogram(), newHistogram()
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
		both.record(d)
	}
	a.merge(b)
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		if a.quantile(q) != both.quantile(q) {
			t.Errorf("merged p%g = %v, want %v", q*100, a.quantile(q), both.quantile(q))
		}
	}
	if a.n != 1000 || a.mean() != both.mean() {
		t.Errorf("merged n = %d mean = %v, want 1000, %v", a.n, a.mean(), both.mean())
	}
	empty := newHistogram()
	if empty.quantile(0.5) != 0 || empty.mean() != 0 {
		t.Error("an empty histogram reports latencies")
	}
}
