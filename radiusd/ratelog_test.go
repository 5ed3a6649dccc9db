package radiusd

import (
	"net/netip"
	"testing"
	"time"
)

func TestRateLimiterOncePerInterval(t *testing.T) {
	r := newRateLimiter(time.Minute, 2)
	now := time.Unix(1_700_000_000, 0)
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	if ok, _ := r.allow(a, now); !ok {
		t.Fatal("first message held back")
	}
	for range 5 {
		if ok, _ := r.allow(a, now.Add(time.Second)); ok {
			t.Fatal("second message within a minute let through")
		}
	}
	if ok, _ := r.allow(b, now); !ok {
		t.Fatal("another source held back")
	}
	ok, suppressed := r.allow(a, now.Add(time.Minute))
	if !ok || suppressed != 5 {
		t.Fatalf("after a minute: ok=%v suppressed=%d, want true 5", ok, suppressed)
	}
	// A third source beyond the limit of two forgets the old ones instead of growing.
	if ok, _ := r.allow(c, now.Add(time.Minute)); !ok {
		t.Fatal("new source held back when the table is full")
	}
	if len(r.last) > 2 {
		t.Fatalf("table grew to %d entries", len(r.last))
	}
}
