package radiusd

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// The duplicate cache of RFC 5080 §2.2.2: a request is identified by its
// source address and port, Identifier and Request Authenticator. A
// retransmit that arrives while the original is being handled is dropped
// (the NAS will retransmit again); one that arrives after the response was
// sent gets the very same bytes again. Nothing is re-verified, so a
// retransmit can never burn a TOTP code and turn an Accept into a Reject.
//
// At thousands of requests a second the cache holds tens of thousands of
// entries, so they are kept small and by value.

const cacheShards = 32

type cacheKey struct {
	addr [16]byte // the source address, IPv4 in its IPv4-mapped form
	port uint16
	id   byte
	auth [16]byte
}

func newCacheKey(src netip.AddrPort, id byte, auth [16]byte) cacheKey {
	return cacheKey{addr: src.Addr().As16(), port: src.Port(), id: id, auth: auth}
}

type cacheEntry struct {
	resp []byte // nil while the request is being handled, or when it was dropped
	// expires is when a finished entry may be forgotten (unix
	// nanoseconds); 0 while the request is being handled.
	expires int64
}

type cacheShard struct {
	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

type dupCache struct {
	ttl    time.Duration
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

func newDupCache(ttl time.Duration) *dupCache {
	c := &dupCache{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[cacheKey]cacheEntry)
	}
	return c
}

func (c *dupCache) shard(k cacheKey) *cacheShard {
	return &c.shards[maphash.Comparable(c.seed, k)%cacheShards]
}

// cacheState says what to do with a request.
type cacheState int

const (
	cacheNew      cacheState = iota // handle it; call finish afterwards
	cacheReplay                     // send the cached response again
	cacheInFlight                   // the original is still being handled (or was dropped): drop
)

// begin claims k for a new request, or reports a duplicate. For a replay it
// returns the cached response.
func (c *dupCache) begin(k cacheKey, now time.Time) (cacheState, []byte) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok && (e.expires == 0 || now.UnixNano() < e.expires) {
		if e.resp == nil {
			// In flight, or dropped on purpose: so is its retransmit.
			return cacheInFlight, nil
		}
		return cacheReplay, e.resp
	}
	s.entries[k] = cacheEntry{}
	return cacheNew, nil
}

// finish records the response sent for k (nil when the request was
// dropped); it is kept for the cache's TTL.
func (c *dupCache) finish(k cacheKey, resp []byte, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[k]; ok {
		s.entries[k] = cacheEntry{resp: resp, expires: now.Add(c.ttl).UnixNano()}
	}
}

// sweep forgets finished entries whose time is up.
func (c *dupCache) sweep(now time.Time) {
	t := now.UnixNano()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.entries {
			if e.expires != 0 && t >= e.expires {
				delete(s.entries, k)
			}
		}
		s.mu.Unlock()
	}
}

// len returns the number of entries (for tests and metrics).
func (c *dupCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}
