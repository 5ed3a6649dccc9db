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

const cacheShards = 32

type cacheKey struct {
	src  netip.AddrPort
	id   byte
	auth [16]byte
}

type cacheEntry struct {
	resp    []byte // nil while the request is being handled, or when it was dropped
	done    bool
	expires time.Time
}

type cacheShard struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
}

type dupCache struct {
	ttl    time.Duration
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

func newDupCache(ttl time.Duration) *dupCache {
	c := &dupCache{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[cacheKey]*cacheEntry)
	}
	return c
}

func (c *dupCache) shard(k cacheKey) *cacheShard {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.Write(k.auth[:])
	h.WriteByte(k.id)
	return &c.shards[h.Sum64()%cacheShards]
}

// cacheState says what to do with a request.
type cacheState int

const (
	cacheNew      cacheState = iota // handle it; call finish afterwards
	cacheReplay                     // send the cached response again
	cacheInFlight                   // the original is still being handled: drop
)

// begin claims k for a new request, or reports a duplicate. For a replay it
// returns the cached response.
func (c *dupCache) begin(k cacheKey, now time.Time) (cacheState, []byte) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok && (!e.done || now.Before(e.expires)) {
		if !e.done {
			return cacheInFlight, nil
		}
		if e.resp == nil {
			// The original was dropped on purpose; so is its retransmit.
			return cacheInFlight, nil
		}
		return cacheReplay, e.resp
	}
	s.entries[k] = &cacheEntry{}
	return cacheNew, nil
}

// finish records the response sent for k (nil when the request was
// dropped); it is kept for the cache's TTL.
func (c *dupCache) finish(k cacheKey, resp []byte, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok {
		e.resp, e.done, e.expires = resp, true, now.Add(c.ttl)
	}
}

// sweep forgets finished entries whose time is up.
func (c *dupCache) sweep(now time.Time) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.entries {
			if e.done && !now.Before(e.expires) {
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
