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
