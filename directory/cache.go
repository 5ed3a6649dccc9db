package directory

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The identity cache: a user found by Lookup is remembered for
// ldap.cache_ttl, so that a steady-state login costs one LDAP operation,
// the bind that checks the password, instead of a search and a bind.
// Passwords are never cached: every login binds. What the cache can make
// stale is where the user's entry is and which groups it is in; a failed
// bind forgets the entry (see Forget), and a group change takes effect
// within the TTL.
//
// A campus has tens of thousands of users in the cache, so it holds no
// pointer per entry, which the garbage collector would follow on every
// cycle: each shard keeps generations of an index (the name's hash →
// where the entry is) and one byte arena holding the encoded entries.
// sweep starts a new generation every TTL/2 and forgets the oldest of
// three; an entry is written to the newest, so it is held for its TTL.

const (
	cacheShards = 64
	// cacheMax bounds the entries, so a flood of distinct names cannot
	// grow memory without limit; beyond it new users are not cached.
	cacheMax = 200000
	// cacheGenerations of TTL/2 each: an entry written just before a
	// rotation is still held a TTL later.
	cacheGenerations = 3
	// compactAbove is the arena size from which the newest generation is
	// compacted once half of it is entries replaced or forgotten (wrong
	// passwords forget and look the user up again): so the arena stays
	// within about twice what it holds however often that happens.
	compactAbove = 64 << 10
)

// An entry in the arena is its name, its id ("" when it is the name
// lower-cased, the common case), its DN and its groups, each a uvarint
// length and the bytes (the groups preceded by their count). The DN is
// followed by one byte: 1 when the cache's suffix (",<ldap.base_dn>", the
// same for most users) was cut off its end, else 0. That suffix is about
// a third of an entry.

// cacheRef locates an entry: its offset in the generation's arena, and
// when it expires (unix nanoseconds).
type cacheRef struct {
	off     uint32
	expires int64
}

type cacheGen struct {
	index   map[uint64]cacheRef // by maphash of the name; the entry holds the name
	arena   []byte              // appended to, or rebuilt by compact
	garbage int                 // bytes of arena no index entry refers to
}

// drop removes the entry of hash h at r from g.
func (g *cacheGen) drop(h uint64, r cacheRef) {
	delete(g.index, h)
	g.garbage += skipEntry(g.arena[r.off:])
}

// keep copies the entry of hash h at r in from into g.
func (g *cacheGen) keep(from *cacheGen, h uint64, r cacheRef) {
	e := from.arena[r.off:]
	e = e[:skipEntry(e)]
	g.index[h] = cacheRef{off: uint32(len(g.arena)), expires: r.expires}
	g.arena = append(g.arena, e...)
}

// compact rebuilds g with only the entries its index refers to.
// Identities handed out by get are copies, so nothing refers to the old
// arena.
func (g *cacheGen) compact() {
	fresh := cacheGen{
		index: make(map[uint64]cacheRef, len(g.index)),
		arena: make([]byte, 0, len(g.arena)-g.garbage),
	}
	for h, r := range g.index {
		fresh.keep(g, h, r)
	}
	*g = fresh
}

type cacheShard struct {
	mu   sync.Mutex
	gens [cacheGenerations]cacheGen // gens[0] is the newest
}

// find returns the generation holding name's entry and where it is.
func (s *cacheShard) find(h uint64, name string) (*cacheGen, cacheRef, bool) {
	for i := range s.gens {
		g := &s.gens[i]
		if r, ok := g.index[h]; ok && entryIs(g.arena[r.off:], name) {
			return g, r, true
		}
	}
	return nil, cacheRef{}, false
}

// dropExpired forgets the entries whose time is up.
func (s *cacheShard) dropExpired(now int64) {
	for i := range s.gens {
		for h, r := range s.gens[i].index {
			if now >= r.expires {
				s.gens[i].drop(h, r)
			}
		}
	}
}

// len returns the entries in s.
func (s *cacheShard) len() int {
	n := 0
	for i := range s.gens {
		n += len(s.gens[i].index)
	}
	return n
}

type identityCache struct {
	ttl    time.Duration
	now    func() time.Time
	seed   maphash.Seed
	suffix string // cut off the end of DNs that have it; "" for none
	shards [cacheShards]cacheShard

	hits, misses atomic.Uint64 // of get
}

// newIdentityCache returns a cache whose entries are held for ttl.
// Users are searched for under baseDN, so most DNs end with it; the cache
// keeps it once instead of in every entry.
func newIdentityCache(ttl time.Duration, now func() time.Time, baseDN string) *identityCache {
	c := &identityCache{ttl: ttl, now: now, seed: maphash.MakeSeed()}
	if baseDN != "" {
		c.suffix = "," + baseDN
	}
	for i := range c.shards {
		for g := range c.shards[i].gens {
			c.shards[i].gens[g].index = make(map[uint64]cacheRef)
		}
	}
	return c
}

func (c *identityCache) shard(name string) (*cacheShard, uint64) {
	h := maphash.String(c.seed, name)
	return &c.shards[h%cacheShards], h
}

// get returns the cached identity of a normalised name.
func (c *identityCache) get(name string) (Identity, bool) {
	s, h := c.shard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, r, ok := s.find(h, name); ok && c.now().UnixNano() < r.expires {
		if id, ok := decodeEntry(g.arena[r.off:], name, c.suffix); ok {
			c.hits.Add(1)
			return id, true
		}
	}
	c.misses.Add(1)
	return Identity{}, false
}

// put remembers id for name until the TTL passes.
func (c *identityCache) put(name string, id Identity) {
	s, h := c.shard(name)
	now := c.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, r, ok := s.find(h, name); ok {
		g.drop(h, r)
	}
	if s.len() >= cacheMax/cacheShards {
		s.dropExpired(now)
		if s.len() >= cacheMax/cacheShards {
			return
		}
	}
	newest := &s.gens[0]
	if len(newest.arena) >= compactAbove && newest.garbage > len(newest.arena)/2 {
		newest.compact()
	}
	if len(newest.arena) > math.MaxUint32-entryLen(name, id) {
		return // not within a TTL; were it so, the user is just not cached
	}
	off := len(newest.arena)
	newest.arena = appendEntry(newest.arena, name, id, c.suffix)
	newest.index[h] = cacheRef{off: uint32(off), expires: now + int64(c.ttl)}
}

// forget drops name.
func (c *identityCache) forget(name string) {
	s, h := c.shard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, r, ok := s.find(h, name); ok {
		g.drop(h, r)
	}
}

// sweep starts a new generation and forgets the oldest; the client calls
// it every TTL/2. Entries of the oldest whose time is not up (sweep came
// early) move to the new generation.
func (c *identityCache) sweep() {
	now := c.now().UnixNano()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		// No room is reserved: once the users are cached, few new ones
		// come until their entries expire.
		newest := cacheGen{index: make(map[uint64]cacheRef)}
		oldest := &s.gens[cacheGenerations-1]
		for h, r := range oldest.index {
			if now < r.expires {
				newest.keep(oldest, h, r)
			}
		}
		copy(s.gens[1:], s.gens[:cacheGenerations-1])
		s.gens[0] = newest
		s.mu.Unlock()
	}
}

// len returns the number of entries, expired ones until their generation
// goes.
func (c *identityCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.len()
		s.mu.Unlock()
	}
	return n
}

// entryLen bounds the size of name and id's entry.
func entryLen(name string, id Identity) int {
	n := fieldLen(name) + fieldLen(storedID(name, id)) + fieldLen(id.DN) + 1 + binary.MaxVarintLen64
	for _, g := range id.Groups {
		n += fieldLen(g)
	}
	return n
}

func fieldLen(s string) int {
	return binary.MaxVarintLen64 + len(s)
}

// storedID is what the entry keeps of id.ID.
func storedID(name string, id Identity) string {
	if id.ID == strings.ToLower(name) {
		return ""
	}
	return id.ID
}

func appendEntry(b []byte, name string, id Identity, suffix string) []byte {
	b = appendField(b, name)
	b = appendField(b, storedID(name, id))
	if dn, cut := strings.CutSuffix(id.DN, suffix); suffix != "" && cut {
		b = append(appendField(b, dn), 1)
	} else {
		b = append(appendField(b, id.DN), 0)
	}
	b = binary.AppendUvarint(b, uint64(len(id.Groups)))
	for _, g := range id.Groups {
		b = appendField(b, g)
	}
	return b
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// field splits the first field off b; ok is false when b is cut short
// (it never is: the arena holds only whole entries).
func field(b []byte) (f, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

// entryIs reports whether the entry at the start of b is name's.
func entryIs(b []byte, name string) bool {
	f, _, _ := field(b)
	return string(f) == name
}

// decodeEntry returns the identity in the entry at the start of b, which
// is name's; suffix is the one it was appended with.
func decodeEntry(b []byte, name, suffix string) (Identity, bool) {
	_, b, ok := field(b)
	var idb, dn []byte
	if ok {
		idb, b, ok = field(b)
	}
	if ok {
		dn, b, ok = field(b)
	}
	if !ok || len(b) == 0 {
		return Identity{}, false
	}
	if b[0] != 1 { // the DN was stored whole
		suffix = ""
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return Identity{}, false
	}
	b = b[k:]
	id := Identity{ID: string(idb), DN: string(dn) + suffix, Cached: true}
	if id.ID == "" {
		id.ID = strings.ToLower(name)
	}
	if n > 0 {
		id.Groups = make([]string, n)
		for i := range id.Groups {
			var g []byte
			if g, b, ok = field(b); !ok {
				return Identity{}, false
			}
			id.Groups[i] = string(g)
		}
	}
	return id, true
}

// skipEntry returns the length of the entry at the start of b.
func skipEntry(b []byte) int {
	total := len(b)
	for range 3 { // name, id, DN
		_, b, _ = field(b)
	}
	if len(b) > 0 {
		b = b[1:] // the byte after the DN
	}
	n, k := binary.Uvarint(b)
	b = b[k:]
	for range n {
		_, b, _ = field(b)
	}
	return total - len(b)
}
