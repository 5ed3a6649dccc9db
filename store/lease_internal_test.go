package store

import (
	"math"
	"testing"
	"time"
)

func TestStepStart(t *testing.T) {
	for _, tc := range []struct {
		step   uint64
		period time.Duration
		want   int64
	}{
		{0, 30 * time.Second, 0},
		{59847600, 30 * time.Second, 1795428000 * int64(time.Second)},
		{math.MaxUint64, 30 * time.Second, math.MaxInt64},
		{uint64(math.MaxInt64/int64(30*time.Second)) + 1, 30 * time.Second, math.MaxInt64},
	} {
		if got := stepStart(tc.step, tc.period); got != tc.want {
			t.Errorf("stepStart(%d, %s) = %d, want %d", tc.step, tc.period, got, tc.want)
		}
	}
}

func TestLeaseBound(t *testing.T) {
	now := int64(1795428000 * time.Second)
	for _, tc := range []struct {
		name  string
		start int64
		want  int64
	}{
		{"current step", now - int64(10*time.Second), now + int64(time.Second)},
		{"next step", now + int64(20*time.Second), now + int64(20*time.Second)},
		{"ten minutes ahead", now + int64(maxLeadCovered), now + int64(maxLeadCovered)},
		{"further ahead: not stretched", now + int64(maxLeadCovered) + 1, now + int64(time.Second)},
		{"saturated", math.MaxInt64, now + int64(time.Second)},
	} {
		if got := leaseBound(time.Second, now, tc.start); got != tc.want {
			t.Errorf("%s: leaseBound = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestEmbargoed(t *testing.T) {
	for _, tc := range []struct {
		start, embargo int64
		want           bool
	}{
		{100, 0, false},
		{100, 99, false},
		{100, 100, true},
		{100, 101, true},
	} {
		if got := embargoed(tc.start, tc.embargo); got != tc.want {
			t.Errorf("embargoed(%d, %d) = %v, want %v", tc.start, tc.embargo, got, tc.want)
		}
	}
}
