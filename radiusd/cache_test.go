package radiusd

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// wantReplay checks that a retransmit of k at at gets the cached answer
// want.
func wantReplay(t *testing.T, c *dupCache, k cacheKey, at time.Time, want, what string) {
	t.Helper()
	if st, got := c.begin(k, at); st != cacheReplay || string(got) != want {
		t.Fatalf("%s: %v %q, want a replay of %q", what, st, got, want)
	}
}

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
	wantReplay(t, c, k, now.Add(9*time.Second), "accept", "retransmit")

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
		wantReplay(t, c, answered, before, "accept-1", fmt.Sprintf("sweeps at %v: retransmit just before the TTL", sweeps))
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

// A request that finishes after a rotation moves to the newest
// generation; the record it leaves behind, still in flight, must not come
// back when its generation is swept and turn retransmits into drops.
func TestDupCacheFinishedAfterRotation(t *testing.T) {
	const ttl = 10 * time.Second
	c := newDupCache(ttl)
	t0 := time.Unix(1_700_000_000, 0)
	k := newCacheKey(netip.MustParseAddrPort("192.0.2.7:1645"), 3, [16]byte{3})
	c.begin(k, t0)
	c.sweep(t0.Add(5 * time.Second))
	c.finish(k, []byte("accept"), t0.Add(6*time.Second))
	if n := c.len(); n != 1 {
		t.Fatalf("entries: %d, want 1", n)
	}
	c.sweep(t0.Add(10 * time.Second))
	c.sweep(t0.Add(15 * time.Second))
	wantReplay(t, c, k, t0.Add(15500*time.Millisecond), "accept", "retransmit before the TTL")
}

// A request whose entry expired in an older generation is new again, and
// its retransmits get the new answer, not the old one.
func TestDupCacheReusedAfterExpiry(t *testing.T) {
	const ttl = 10 * time.Second
	c := newDupCache(ttl)
	t0 := time.Unix(1_700_000_000, 0)
	k := newCacheKey(netip.MustParseAddrPort("192.0.2.7:1645"), 4, [16]byte{4})
	c.begin(k, t0)
	c.finish(k, []byte("old"), t0)
	c.sweep(t0.Add(5 * time.Second))
	if st, _ := c.begin(k, t0.Add(ttl)); st != cacheNew {
		t.Fatalf("after the TTL: %v, want new", st)
	}
	c.finish(k, []byte("new"), t0.Add(ttl))
	wantReplay(t, c, k, t0.Add(ttl+time.Second), "new", "retransmit")

	// The same within one generation: the entry is reused, not repeated.
	c.begin(k, t0.Add(2*ttl))
	c.finish(k, []byte("newer"), t0.Add(2*ttl))
	if n := c.len(); n != 1 {
		t.Fatalf("entries: %d, want 1", n)
	}
	wantReplay(t, c, k, t0.Add(2*ttl+time.Second), "newer", "retransmit in the same generation")
}

// Thousands of requests from one NAS, as at a busy controller: each
// retransmit gets its own answer, however the generations grew and
// rotated meanwhile.
func TestDupCacheManyRequests(t *testing.T) {
	const ttl = 10 * time.Second
	c := newDupCache(ttl)
	t0 := time.Unix(1_700_000_000, 0)
	key := func(i int) cacheKey {
		return newCacheKey(netip.AddrPortFrom(netip.MustParseAddr("10.1.2.3"), uint16(1024+i%32)), byte(i), [16]byte{byte(i >> 8), byte(i >> 16)})
	}
	const n = 20000
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Millisecond / 4) // 4,000/s: 5 s in all
		if i == n/2 {
			c.sweep(at)
		}
		k := key(i)
		if st, _ := c.begin(k, at); st != cacheNew {
			t.Fatalf("request %d: %v, want new", i, st)
		}
		if i%3 != 0 { // every third still in flight at the next sweep
			c.finish(k, []byte(fmt.Sprint("answer ", i)), at)
		}
	}
	c.sweep(t0.Add(5 * time.Second))
	for i := range n {
		if i%3 == 0 {
			c.finish(key(i), []byte(fmt.Sprint("late ", i)), t0.Add(6*time.Second))
		}
	}
	if got := c.len(); got != n {
		t.Fatalf("entries: %d, want %d", got, n)
	}
	c.sweep(t0.Add(9 * time.Second))
	for i := range n {
		want := fmt.Sprint("answer ", i)
		if i%3 == 0 {
			want = fmt.Sprint("late ", i)
		}
		wantReplay(t, c, key(i), t0.Add(9500*time.Millisecond), want, fmt.Sprint("retransmit of request ", i))
	}
}
