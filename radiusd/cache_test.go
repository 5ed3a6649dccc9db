package radiusd

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"layeh.com/radius"
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
	now := time.Unix(1_700_000_000, 0)
	c := newDupCache(10*time.Second, now)
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
	now := time.Unix(1_700_000_000, 0)
	c := newDupCache(10*time.Second, now)
	k := newCacheKey(netip.MustParseAddrPort("127.0.0.1:40000"), 1, [16]byte{})
	c.begin(k, now)
	c.finish(k, nil, now)
	if st, _ := c.begin(k, now.Add(time.Second)); st != cacheInFlight {
		t.Fatalf("retransmit of a dropped request: %v, want dropped", st)
	}
	// As the server records it: no response, compacted.
	k2 := newCacheKey(netip.MustParseAddrPort("127.0.0.1:40000"), 2, [16]byte{})
	var kept [64]byte
	c.begin(k2, now)
	c.finish(k2, appendCompact(kept[:0], nil), now)
	if st, _ := c.begin(k2, now.Add(time.Second)); st != cacheInFlight {
		t.Fatalf("retransmit of a dropped request, compacted: %v, want dropped", st)
	}
}

// An answer is replayed for its whole TTL however the sweeps fall: on
// time, early, or many in a row; then it is forgotten, by the sweep 1.25
// TTL after it was finished at the latest.
func TestDupCacheGenerations(t *testing.T) {
	const ttl = 10 * time.Second
	now := time.Unix(1_700_000_000, 0)
	if every := newDupCache(ttl, now).sweepEvery(); every != ttl/4 {
		t.Fatalf("sweep every %v, want %v", every, ttl/4)
	}
	for _, sweeps := range [][]time.Duration{
		{2500 * time.Millisecond, 5 * time.Second, 7500 * time.Millisecond, 10 * time.Second}, // every ttl/4
		{1 * time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 9 * time.Second}, // early
		{0, 0, 0, 0, 0, 0, 0}, // many at once
	} {
		c := newDupCache(ttl, now)
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
		for at := c.sweepEvery(); at <= ttl+ttl/4; at += c.sweepEvery() {
			c.sweep(before.Add(at))
		}
		if n := c.len(); n != 0 {
			t.Fatalf("sweeps at %v: %d entries left 1.25 TTL after the last answer, want 0", sweeps, n)
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
	t0 := time.Unix(1_700_000_000, 0)
	c := newDupCache(ttl, t0)
	k := newCacheKey(netip.MustParseAddrPort("192.0.2.7:1645"), 3, [16]byte{3})
	c.begin(k, t0)
	c.sweep(t0.Add(5 * time.Second))
	c.finish(k, []byte("accept"), t0.Add(6*time.Second))
	if n := c.len(); n != 1 {
		t.Fatalf("entries: %d, want 1", n)
	}
	// On time until the generation it was begun in is swept, at 15 s.
	for i := 1; i < cacheGenerations; i++ {
		c.sweep(t0.Add(5*time.Second + time.Duration(i)*c.sweepEvery()))
	}
	wantReplay(t, c, k, t0.Add(15500*time.Millisecond), "accept", "retransmit before the TTL")
}

// A request whose entry expired in an older generation is new again, and
// its retransmits get the new answer, not the old one.
func TestDupCacheReusedAfterExpiry(t *testing.T) {
	const ttl = 10 * time.Second
	t0 := time.Unix(1_700_000_000, 0)
	c := newDupCache(ttl, t0)
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
	t0 := time.Unix(1_700_000_000, 0)
	c := newDupCache(ttl, t0)
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
	// Early sweeps, a second apart, the last at 9 s: it sweeps the first
	// generation, whose answers move.
	for i := cacheGenerations - 2; i > 0; i-- {
		c.sweep(t0.Add(time.Duration(10-i) * time.Second))
	}
	for i := range n {
		want := fmt.Sprint("answer ", i)
		if i%3 == 0 {
			want = fmt.Sprint("late ", i)
		}
		wantReplay(t, c, key(i), t0.Add(9500*time.Millisecond), want, fmt.Sprint("retransmit of request ", i))
	}
}

// An answer is replayed until its TTL is up, to the millisecond rounded
// up, whichever generation it was finished in and however often sweeps
// move it to a newer one.
func TestDupCacheExpiry(t *testing.T) {
	const ttl = 10 * time.Second
	t0 := time.Unix(1_700_000_000, 0)
	k := newCacheKey(netip.MustParseAddrPort("192.0.2.9:1812"), 5, [16]byte{5})
	for _, tc := range []struct {
		name      string
		swept     bool          // the answer goes to a generation sweep made, not the first one
		finished  time.Duration // after t0
		moves     int           // how often early sweeps move it
		forgotten time.Duration // after t0: a new request from then on
	}{
		{"first generation", false, 0, 0, ttl},
		{"first generation, within a millisecond", false, 300 * time.Microsecond, 0, ttl + time.Millisecond},
		{"swept generation", true, 0, 0, ttl},
		{"swept generation, within a millisecond", true, 300 * time.Microsecond, 0, ttl + time.Millisecond},
		{"moved", true, 0, 2, ttl},
		{"moved, within a millisecond", true, 300 * time.Microsecond, 2, ttl + time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Made off the millisecond, as a server starts at any time.
			c := newDupCache(ttl, t0.Add(-2345678*time.Nanosecond))
			if tc.swept {
				c.sweep(t0.Add(-1234567 * time.Nanosecond))
			}
			finished := t0.Add(tc.finished)
			c.begin(k, finished)
			c.finish(k, []byte("accept"), finished)
			// Sweeps every ttl/16, off the millisecond: the answer moves
			// with every cacheGenerations of them.
			for i := 1; i <= tc.moves*cacheGenerations; i++ {
				c.sweep(finished.Add(time.Duration(i)*ttl/16 + 123456*time.Nanosecond))
			}
			wantReplay(t, c, k, finished.Add(ttl-time.Millisecond), "accept", "a millisecond before the TTL")
			wantReplay(t, c, k, finished.Add(ttl-time.Nanosecond), "accept", "just before the TTL")
			if st, _ := c.begin(k, t0.Add(tc.forgotten)); st != cacheNew {
				t.Fatalf("at %v: %v, want new", tc.forgotten, st)
			}
		})
	}
}

// A request differing from another in one part of the key only is
// another request.
func TestDupCacheKeyParts(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newDupCache(10*time.Second, now)
	src := netip.MustParseAddrPort("192.0.2.1:1812")
	auth := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	otherAuth := auth
	otherAuth[15]++
	keys := map[string]cacheKey{
		"original":      newCacheKey(src, 7, auth),
		"address":       newCacheKey(netip.MustParseAddrPort("192.0.2.2:1812"), 7, auth),
		"port":          newCacheKey(netip.MustParseAddrPort("192.0.2.1:1813"), 7, auth),
		"identifier":    newCacheKey(src, 8, auth),
		"authenticator": newCacheKey(src, 7, otherAuth),
	}
	for name, k := range keys {
		if st, _ := c.begin(k, now); st != cacheNew {
			t.Fatalf("%s: %v, want new", name, st)
		}
		c.finish(k, []byte(name), now)
	}
	if n := c.len(); n != len(keys) {
		t.Fatalf("entries: %d, want %d", n, len(keys))
	}
	for name, k := range keys {
		wantReplay(t, c, k, now.Add(time.Second), name, name)
	}
}

// benchKey is the key of the i-th of many distinct requests.
func benchKey(i int) cacheKey {
	var auth [16]byte
	binary.LittleEndian.PutUint64(auth[:], uint64(i))
	src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1024+i%4096))
	return newCacheKey(src, byte(i), auth)
}

// keptAccept returns what the server keeps of an Access-Accept.
func keptAccept(b *testing.B) []byte {
	cl := benchClient()
	req, err := radius.Parse(accessRequest(b, cl.secret), cl.secret)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := cl.encodeResponse(radius.CodeAccessAccept, req, nil)
	if err != nil {
		b.Fatal(err)
	}
	return appendCompact(nil, resp)
}

// heldBy returns the cache fill makes and the bytes of heap it holds.
func heldBy(fill func() *dupCache) (*dupCache, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := fill()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return c, float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkDupCacheMemory reports the heap one answered request costs
// while it is held: its entry, its slot and its response, for 100,000
// requests.
func BenchmarkDupCacheMemory(b *testing.B) {
	const n = 100000
	now := time.Unix(1_700_000_000, 0)
	resp := keptAccept(b)
	var perEntry float64
	for b.Loop() {
		c, heap := heldBy(func() *dupCache {
			c := newDupCache(10*time.Second, now)
			for i := range n {
				k := benchKey(i)
				c.begin(k, now)
				c.finish(k, resp, now)
			}
			return c
		})
		perEntry = heap / n
		if got := c.len(); got != n {
			b.Fatalf("entries: %d, want %d", got, n)
		}
	}
	b.ReportMetric(perEntry, "B/entry")
	if perEntry > 100 { // 54 measured; 88 with the whole Access-Accept kept, 110 with the whole key too
		b.Errorf("%.1f bytes an entry, want at most 100", perEntry)
	}
}

// BenchmarkDupCacheSteadyMemory reports the heap of the cache of a
// server answering 10,000 requests a second with the default ttl, swept
// as the server sweeps it, at its largest: just before a sweep.
func BenchmarkDupCacheSteadyMemory(b *testing.B) {
	const (
		ttl  = 10 * time.Second
		rate = 10000 // requests a second
	)
	t0 := time.Unix(1_700_000_000, 0)
	resp := keptAccept(b)
	var heap, perEntry float64
	for b.Loop() {
		var c *dupCache
		c, heap = heldBy(func() *dupCache {
			c := newDupCache(ttl, t0)
			every := c.sweepEvery()
			next := every
			for i := range int(4*ttl/time.Second) * rate {
				at := time.Duration(i) * time.Second / rate
				if at >= next {
					c.sweep(t0.Add(next))
					next += every
				}
				k := benchKey(i)
				c.begin(k, t0.Add(at))
				c.finish(k, resp, t0.Add(at))
			}
			return c
		})
		perEntry = heap / float64(c.len())
	}
	b.ReportMetric(heap/1e6, "MB")
	b.ReportMetric(perEntry, "B/entry")
}
