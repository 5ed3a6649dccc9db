package radiusd

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

func TestDupCache(t *testing.T) {
	c := newDupCache(10 * time.Second)
	now := time.Unix(1_700_000_000, 0)
	k := newCacheKey(netip.MustParseAddrPort("127.0.0.1:40000"), 7, [16]byte{1, 2, 3})

	if st, _ := c.begin(k, now); st != cacheNew {
		t.Fatalf("first begin: %v, want new", st)
	}
	if st, _ := c.begin(k, now); st != cacheInFlight {
		t.Fatalf("begin while in flight: %v, want in flight", st)
	}
	c.finish(k, []byte("accept"), now)
	st, resp := c.begin(k, now.Add(9*time.Second))
	if st != cacheReplay || !bytes.Equal(resp, []byte("accept")) {
		t.Fatalf("retransmit: %v %q, want replay of the response", st, resp)
	}

	other := k
	other.auth[0] = 9 // a new request reusing the Identifier
	if st, _ := c.begin(other, now); st != cacheNew {
		t.Fatalf("other authenticator: %v, want new", st)
	}
	otherPort := newCacheKey(netip.MustParseAddrPort("127.0.0.1:40001"), 7, [16]byte{1, 2, 3})
	if st, _ := c.begin(otherPort, now); st != cacheNew {
		t.Fatalf("other source port: %v, want new", st)
	}

	c.sweep(now.Add(10 * time.Second))
	if st, _ := c.begin(k, now.Add(10*time.Second)); st != cacheNew {
		t.Fatalf("after the TTL: %v, want new", st)
	}
	// Unfinished entries survive a sweep.
	if n := c.len(); n != 3 {
		t.Fatalf("entries after sweep: %d, want 3", n)
	}
}

func TestDupCacheDroppedStaysDropped(t *testing.T) {
	c := newDupCache(10 * time.Second)
	now := time.Unix(1_700_000_000, 0)
	k := newCacheKey(netip.MustParseAddrPort("127.0.0.1:40000"), 1, [16]byte{})
	c.begin(k, now)
	c.finish(k, nil, now)
	if st, _ := c.begin(k, now.Add(time.Second)); st != cacheInFlight {
		t.Fatalf("retransmit of a dropped request: %v, want dropped", st)
	}
}

// An answer is replayed for its whole TTL however the sweeps fall: on
// time, early, or many in a row; then it is forgotten.
func TestDupCacheGenerations(t *testing.T) {
	const ttl = 10 * time.Second
	now := time.Unix(1_700_000_000, 0)
	for _, sweeps := range [][]time.Duration{
		{5 * time.Second, 10 * time.Second},                                                   // every ttl/2
		{1 * time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 9 * time.Second}, // early
		{0, 0, 0, 0, 0, 0, 0}, // many at once
	} {
		c := newDupCache(ttl)
		answered := newCacheKey(netip.MustParseAddrPort("192.0.2.1:1812"), 1, [16]byte{1})
		slow := newCacheKey(netip.MustParseAddrPort("192.0.2.1:1812"), 2, [16]byte{2})
		c.begin(answered, now)
		c.begin(slow, now)
		resp := []byte("accept-1")
		c.finish(answered, resp, now)
		resp[0] = 'X' // the caller's buffer is its own again
		for _, at := range sweeps {
			c.sweep(now.Add(at))
		}
		before := now.Add(ttl - time.Nanosecond)
		st, got := c.begin(answered, before)
		if st != cacheReplay || string(got) != "accept-1" {
			t.Fatalf("sweeps at %v: retransmit just before the TTL: %v %q, want the cached accept", sweeps, st, got)
		}
		if st, _ := c.begin(slow, before); st != cacheInFlight {
			t.Fatalf("sweeps at %v: request still in flight: %v, want in flight", sweeps, st)
		}
		c.finish(slow, []byte("reject"), before)
		for i := 0; i < cacheGenerations; i++ {
			c.sweep(before.Add(ttl + time.Duration(i)*ttl/2))
		}
		if n := c.len(); n != 0 {
			t.Fatalf("sweeps at %v: %d entries left after every TTL passed, want 0", sweeps, n)
		}
		if st, _ := c.begin(answered, before.Add(2*ttl)); st != cacheNew {
			t.Fatalf("sweeps at %v: after the TTL: %v, want new", sweeps, st)
		}
	}
}
