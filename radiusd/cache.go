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
// in generations, a slice of fixed-size entries with an open-addressing
// table over it, plus one byte arena holding the responses. The garbage
// collector never scans them, and a generation is forgotten whole: sweep
// starts a new generation every ttl/2 and forgets the oldest of three. A
// response is always written to the newest, so it is held at least its
// ttl. Nothing is ever removed from a generation: an entry that moves to
// the newest is added there again, and lookups go newest first.

const (
	cacheShardBits = 5
	cacheShards    = 1 << cacheShardBits
	// cacheGenerations of ttl/2 each: an entry finished just before a
	// rotation is still held ttl later.
	cacheGenerations = 3
)

type cacheKey struct {
	addr [16]byte // the source address, IPv4 in its IPv4-mapped form
	auth [16]byte
	port uint16
	id   byte
}

func newCacheKey(src netip.AddrPort, id byte, auth [16]byte) cacheKey {
	return cacheKey{addr: src.Addr().As16(), port: src.Port(), id: id, auth: auth}
}

type cacheEntry struct {
	// expires is when a finished entry may be forgotten (unix
	// nanoseconds); 0 while the request is being handled.
	expires int64
	key     cacheKey
	// off and n locate the response in its generation's arena; n is 0
	// while the request is being handled, or when it was dropped.
	off, n uint32
}

type cacheGen struct {
	// slots is the table over entries: 0 is free, i+1 is entries[i]. Its
	// length is a power of two, and at most 3/4 of it is used.
	slots   []uint32
	entries []cacheEntry
	arena   []byte // append-only: bytes handed out are never changed
}

// newCacheGen returns a generation with room for n entries and an arena
// of arena bytes.
func newCacheGen(n, arena int) cacheGen {
	size := 8
	for size*3/4 < n {
		size *= 2
	}
	return cacheGen{
		slots:   make([]uint32, size),
		entries: make([]cacheEntry, 0, n),
		arena:   make([]byte, 0, arena),
	}
}

// lookup returns the index in g.entries of k, whose hash is h, or -1.
func (g *cacheGen) lookup(k cacheKey, h uint64) int {
	mask := uint64(len(g.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s := g.slots[i]; {
		case s == 0:
			return -1
		case g.entries[s-1].key == k:
			return int(s - 1)
		}
	}
}

// add appends e, whose key has hash h. The caller knows e.key is not in g
// yet.
func (g *cacheGen) add(e cacheEntry, h uint64, seed maphash.Seed) {
	if (len(g.entries)+1)*4 > len(g.slots)*3 {
		g.slots = make([]uint32, 2*len(g.slots))
		for i := range g.entries {
			g.place(maphash.Comparable(seed, g.entries[i].key), i)
		}
	}
	g.entries = append(g.entries, e)
	g.place(h, len(g.entries)-1)
}

func (g *cacheGen) place(h uint64, i int) {
	mask := uint64(len(g.slots) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		if g.slots[j] == 0 {
			g.slots[j] = uint32(i + 1)
			return
		}
	}
}

type cacheShard struct {
	mu   sync.Mutex
	gens [cacheGenerations]cacheGen // gens[0] is the newest
}

// find returns the newest generation holding k and its index there, or
// nil.
func (s *cacheShard) find(k cacheKey, h uint64) (*cacheGen, int) {
	for g := range s.gens {
		if i := s.gens[g].lookup(k, h); i >= 0 {
			return &s.gens[g], i
		}
	}
	return nil, -1
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
			c.shards[i].gens[g] = newCacheGen(0, 0)
		}
	}
	return c
}

// shard returns the shard of k and k's hash. The shard is chosen by the
// hash's top bits, the slot in a generation by its low bits.
func (c *dupCache) shard(k cacheKey) (*cacheShard, uint64) {
	h := maphash.Comparable(c.seed, k)
	return &c.shards[h>>(64-cacheShardBits)], h
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
	s, h := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, i := s.find(k, h)
	if g != nil {
		e := g.entries[i]
		switch {
		case e.expires == 0:
			return cacheInFlight, nil // so is its retransmit
		case now.UnixNano() < e.expires && e.n == 0:
			return cacheInFlight, nil // dropped on purpose
		case now.UnixNano() < e.expires:
			return cacheReplay, g.arena[e.off : e.off+e.n : e.off+e.n]
		}
		// Its time is up: a new request.
		if g == &s.gens[0] {
			g.entries[i] = cacheEntry{key: k}
			return cacheNew, nil
		}
	}
	s.gens[0].add(cacheEntry{key: k}, h, c.seed)
	return cacheNew, nil
}

// finish records (a copy of) the response sent for k, nil when the
// request was dropped; it is kept for the cache's TTL.
func (c *dupCache) finish(k cacheKey, resp []byte, now time.Time) {
	s, h := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, i := s.find(k, h)
	if g == nil {
		return
	}
	newest := &s.gens[0]
	e := cacheEntry{expires: now.Add(c.ttl).UnixNano(), key: k}
	e.off, e.n = newest.hold(resp)
	if g == newest {
		newest.entries[i] = e
		return
	}
	newest.add(e, h, c.seed) // the older one is shadowed until it goes
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
// whose time is not up (sweep came early), move to the new generation,
// unless a newer generation holds their key (the entry moved on).
func (c *dupCache) sweep(now time.Time) {
	t := now.UnixNano()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		newest := newCacheGen(len(s.gens[0].entries), len(s.gens[0].arena))
		oldest := &s.gens[cacheGenerations-1]
		for _, e := range oldest.entries {
			if e.expires != 0 && t >= e.expires {
				continue
			}
			h := maphash.Comparable(c.seed, e.key)
			if g, _ := s.find(e.key, h); g != oldest {
				continue
			}
			e.off, e.n = newest.hold(oldest.arena[e.off : e.off+e.n])
			newest.add(e, h, c.seed)
		}
		copy(s.gens[1:], s.gens[:cacheGenerations-1])
		s.gens[0] = newest
		s.mu.Unlock()
	}
}

// len returns the number of requests held (for tests).
func (c *dupCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for g := range s.gens {
			for _, e := range s.gens[g].entries {
				if found, _ := s.find(e.key, maphash.Comparable(c.seed, e.key)); found == &s.gens[g] {
					n++
				}
			}
		}
		s.mu.Unlock()
	}
	return n
}
