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
// table over it, plus one byte arena holding the responses without most
// of their signatures (appendCompact: 8 bytes of an Access-Accept). The
// garbage collector never scans them, and a generation is forgotten
// whole: sweep starts a new generation every ttl/4 and forgets the oldest
// of five. A response is always written to the newest, so it is held at
// least its ttl, and at most 1.25 ttl. Nothing is ever removed from a
// generation: an entry that moves to the newest is added there again, and
// lookups go newest first.
//
// An entry is 28 bytes. It keeps a 128-bit digest of the key instead of
// the key: two maphash hashes under random seeds of the cache's own. Two
// requests share an entry only if their keys collide in all 128 bits,
// which no one can aim at without the seeds. And were it to happen, the
// response signed again for the second request would not match the 32
// bits of the first's Response Authenticator that the cache keeps, save
// once in four billion, and is not sent (expandResponse). A collision can
// cost a request its answer, never make an Accept for another. An expiry
// counts milliseconds from its generation's base: an entry stays in a
// generation about 1.25 ttl, far from the 49 days 32 bits hold.

const (
	cacheShardBits = 5
	cacheShards    = 1 << cacheShardBits
	// cacheGenerations of ttl/(cacheGenerations-1) each: an entry
	// finished just before a rotation is still held ttl later.
	cacheGenerations = 5
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

// cacheDigest stands for a cacheKey: two 64-bit hashes of it, as four
// words so that an entry needs no 8-byte alignment.
type cacheDigest [4]uint32

// hash returns the first hash, which chooses the shard and the slot.
func (d cacheDigest) hash() uint64 {
	return uint64(d[0]) | uint64(d[1])<<32
}

type cacheEntry struct {
	digest cacheDigest
	// expires is when a finished entry may be forgotten, in milliseconds
	// after its generation's base; 0 while the request is being handled.
	expires uint32
	// off and n locate the response in its generation's arena; n is 0
	// while the request is being handled, or when it was dropped.
	off uint32
	n   uint16
}

type cacheGen struct {
	// base is the unix millisecond the expiries count from: when the
	// cache or sweep made the generation.
	base int64
	// slots is the table over entries: 0 is free, i+1 is entries[i]. Its
	// length is a power of two, and at most 3/4 of it is used.
	slots   []uint32
	entries []cacheEntry
	arena   []byte // append-only: bytes handed out are never changed
}

// newCacheGen returns a generation starting at base (unix milliseconds)
// with room for n entries and an arena of arena bytes.
func newCacheGen(base int64, n, arena int) cacheGen {
	size := 8
	for size*3/4 < n {
		size *= 2
	}
	return cacheGen{
		base:    base,
		slots:   make([]uint32, size),
		entries: make([]cacheEntry, 0, n),
		arena:   make([]byte, 0, arena),
	}
}

// expiresAt returns when e, an entry of g, expires, in unix milliseconds.
func (g *cacheGen) expiresAt(e cacheEntry) int64 {
	return g.base + int64(e.expires)
}

// expiry returns at, in unix milliseconds, as an expiry of an entry of g:
// never 0, which means in flight. (at is later than g.base unless the
// clock went back.)
func (g *cacheGen) expiry(at int64) uint32 {
	return uint32(min(max(at-g.base, 1), math.MaxUint32))
}

// lookup returns the index in g.entries of d, or -1.
func (g *cacheGen) lookup(d cacheDigest) int {
	mask := uint64(len(g.slots) - 1)
	for i := d.hash() & mask; ; i = (i + 1) & mask {
		switch s := g.slots[i]; {
		case s == 0:
			return -1
		case g.entries[s-1].digest == d:
			return int(s - 1)
		}
	}
}

// add appends e. The caller knows e.digest is not in g yet.
func (g *cacheGen) add(e cacheEntry) {
	if (len(g.entries)+1)*4 > len(g.slots)*3 {
		g.slots = make([]uint32, 2*len(g.slots))
		for i := range g.entries {
			g.place(g.entries[i].digest.hash(), i)
		}
	}
	g.entries = append(g.entries, e)
	g.place(e.digest.hash(), len(g.entries)-1)
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

// find returns the newest generation holding d and its index there, or
// nil.
func (s *cacheShard) find(d cacheDigest) (*cacheGen, int) {
	for g := range s.gens {
		if i := s.gens[g].lookup(d); i >= 0 {
			return &s.gens[g], i
		}
	}
	return nil, -1
}

type dupCache struct {
	ttl    time.Duration
	seeds  [2]maphash.Seed // of the digest's two hashes
	shards [cacheShards]cacheShard
}

// newDupCache returns a cache holding responses for ttl, made at start.
func newDupCache(ttl time.Duration, start time.Time) *dupCache {
	c := &dupCache{ttl: ttl, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	for i := range c.shards {
		for g := range c.shards[i].gens {
			c.shards[i].gens[g] = newCacheGen(start.UnixMilli(), 0, 0)
		}
	}
	return c
}

// sweepEvery is how often the server calls sweep.
func (c *dupCache) sweepEvery() time.Duration {
	return c.ttl / (cacheGenerations - 1)
}

// shard returns the shard of k and k's digest. The shard is chosen by the
// top bits of the digest's first hash, the slot in a generation by its
// low bits.
func (c *dupCache) shard(k cacheKey) (*cacheShard, cacheDigest) {
	h0 := maphash.Comparable(c.seeds[0], k)
	h1 := maphash.Comparable(c.seeds[1], k)
	d := cacheDigest{uint32(h0), uint32(h0 >> 32), uint32(h1), uint32(h1 >> 32)}
	return &c.shards[h0>>(64-cacheShardBits)], d
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
	s, d := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, i := s.find(d)
	if g != nil {
		e := g.entries[i]
		switch {
		case e.expires == 0:
			return cacheInFlight, nil // so is its retransmit
		case now.UnixMilli() < g.expiresAt(e) && e.n == 0:
			return cacheInFlight, nil // dropped on purpose
		case now.UnixMilli() < g.expiresAt(e):
			end := e.off + uint32(e.n)
			return cacheReplay, g.arena[e.off:end:end]
		}
		// Its time is up: a new request.
		if g == &s.gens[0] {
			g.entries[i] = cacheEntry{digest: d}
			return cacheNew, nil
		}
	}
	s.gens[0].add(cacheEntry{digest: d})
	return cacheNew, nil
}

// finish records (a copy of) the response sent for k, nil when the
// request was dropped; it is kept for the cache's TTL, rounded up to the
// millisecond.
func (c *dupCache) finish(k cacheKey, resp []byte, now time.Time) {
	s, d := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, i := s.find(d)
	if g == nil {
		return
	}
	newest := &s.gens[0]
	e := cacheEntry{digest: d, expires: newest.expiry(now.Add(c.ttl + time.Millisecond - 1).UnixMilli())}
	e.off, e.n = newest.hold(resp)
	if g == newest {
		newest.entries[i] = e
		return
	}
	newest.add(e) // the older one is shadowed until it goes
}

// hold copies resp into g's arena and returns where it is; n is 0 for no
// response. (A RADIUS packet is at most 4096 bytes, and an arena of 4 GiB
// cannot fill within a ttl; were it full, the entry would answer
// retransmits as dropped, never as new.)
func (g *cacheGen) hold(resp []byte) (off uint32, n uint16) {
	if len(resp) == 0 || len(resp) > math.MaxUint16 || len(g.arena)+len(resp) > math.MaxUint32 {
		return 0, 0
	}
	off = uint32(len(g.arena))
	g.arena = append(g.arena, resp...)
	return off, uint16(len(resp))
}

// sweep starts a new generation and forgets the oldest; the server calls
// it every sweepEvery. Entries of the oldest that are still in flight, or
// whose time is not up (sweep came early), move to the new generation,
// their expiry counted from its base, unless a newer generation holds
// their key (the entry moved on).
func (c *dupCache) sweep(now time.Time) {
	t := now.UnixMilli()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		newest := newCacheGen(t, len(s.gens[0].entries), len(s.gens[0].arena))
		oldest := &s.gens[cacheGenerations-1]
		for _, e := range oldest.entries {
			if e.expires != 0 && t >= oldest.expiresAt(e) {
				continue
			}
			if g, _ := s.find(e.digest); g != oldest {
				continue
			}
			if e.expires != 0 {
				e.expires = newest.expiry(oldest.expiresAt(e))
			}
			e.off, e.n = newest.hold(oldest.arena[e.off : e.off+uint32(e.n)])
			newest.add(e)
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
				if found, _ := s.find(e.digest); found == &s.gens[g] {
					n++
				}
			}
		}
		s.mu.Unlock()
	}
	return n
}
