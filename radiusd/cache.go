package radiusd

import (
	"hash/maphash"
	"math"
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
// entries, so it holds no pointer per entry: each shard keeps its entries
// in generations, a map of fixed-size values plus one byte arena holding
// the responses. The garbage collector never scans them, and a generation
// is forgotten whole: sweep starts a new generation every ttl/2 and
// forgets the oldest of three. A response is always written to the
// newest, so it is held at least its ttl.

const (
	cacheShards = 32
	// cacheGenerations of ttl/2 each: an entry finished just before a
	// rotation is still held ttl later.
	cacheGenerations = 3
)

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
	// off and n locate the response in its generation's arena; n is 0
	// while the request is being handled, or when it was dropped.
	off, n uint32
	// expires is when a finished entry may be forgotten (unix
	// nanoseconds); 0 while the request is being handled.
	expires int64
}

type cacheGen struct {
	entries map[cacheKey]cacheEntry
	arena   []byte // append-only: bytes handed out are never changed
}

type cacheShard struct {
	mu   sync.Mutex
	gens [cacheGenerations]cacheGen // gens[0] is the newest
}

// find returns the generation holding k, or nil.
func (s *cacheShard) find(k cacheKey) (*cacheGen, cacheEntry) {
	for i := range s.gens {
		if e, ok := s.gens[i].entries[k]; ok {
			return &s.gens[i], e
		}
	}
	return nil, cacheEntry{}
}

type dupCache struct {
	ttl    time.Duration
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

func newDupCache(ttl time.Duration) *dupCache {
	c := &dupCache{ttl: ttl, seed: maphash.MakeSeed()}
	for i := range c.shards {
		for g := range c.shards[i].gens {
			c.shards[i].gens[g].entries = make(map[cacheKey]cacheEntry)
		}
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
// returns the cached response, which the caller must not change.
func (c *dupCache) begin(k cacheKey, now time.Time) (cacheState, []byte) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, e := s.find(k); g != nil {
		switch {
		case e.expires == 0:
			return cacheInFlight, nil // so is its retransmit
		case now.UnixNano() < e.expires && e.n == 0:
			return cacheInFlight, nil // dropped on purpose
		case now.UnixNano() < e.expires:
			return cacheReplay, g.arena[e.off : e.off+e.n : e.off+e.n]
		}
		delete(g.entries, k) // its time is up: a new request
	}
	s.gens[0].entries[k] = cacheEntry{}
	return cacheNew, nil
}

// finish records (a copy of) the response sent for k, nil when the
// request was dropped; it is kept for the cache's TTL.
func (c *dupCache) finish(k cacheKey, resp []byte, now time.Time) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _ := s.find(k)
	if g == nil {
		return
	}
	delete(g.entries, k)
	e := cacheEntry{expires: now.Add(c.ttl).UnixNano()}
	e.off, e.n = s.gens[0].hold(resp)
	s.gens[0].entries[k] = e
}

// hold copies resp into g's arena and returns where it is; n is 0 for no
// response. (An arena of 4 GiB cannot fill within a ttl; were it full,
// the entry would answer retransmits as dropped, never as new.)
func (g *cacheGen) hold(resp []byte) (off, n uint32) {
	if len(resp) == 0 || len(g.arena)+len(resp) > math.MaxUint32 {
		return 0, 0
	}
	off = uint32(len(g.arena))
	g.arena = append(g.arena, resp...)
	return off, uint32(len(resp))
}

// sweep starts a new generation and forgets the oldest; the server calls
// it every ttl/2. Entries of the oldest that are still in flight, or
// whose time is not up (sweep came early), move to the new generation.
func (c *dupCache) sweep(now time.Time) {
	t := now.UnixNano()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		newest := cacheGen{
			entries: make(map[cacheKey]cacheEntry, len(s.gens[0].entries)),
			arena:   make([]byte, 0, len(s.gens[0].arena)),
		}
		oldest := &s.gens[cacheGenerations-1]
		for k, e := range oldest.entries {
			if e.expires != 0 && t >= e.expires {
				continue
			}
			e.off, e.n = newest.hold(oldest.arena[e.off : e.off+e.n])
			newest.entries[k] = e
		}
		copy(s.gens[1:], s.gens[:cacheGenerations-1])
		s.gens[0] = newest
		s.mu.Unlock()
	}
}

// len returns the number of entries (for tests).
func (c *dupCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for g := range s.gens {
			n += len(s.gens[g].entries)
		}
		s.mu.Unlock()
	}
	return n
}
