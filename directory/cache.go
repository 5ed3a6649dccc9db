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
// cycle, and no Go map, which took more memory per user than the user's
// entry: each shard keeps generations of a slice of 12-byte refs (where
// the entry is, when it expires, 32 bits of the name's hash) with an
// open-addressing table of uint32 over it, and one byte arena holding the
// encoded entries. sweep starts a new generation every TTL/2 and forgets
// the oldest of three; an entry is written to the newest, so it is held
// for its TTL. A replaced or forgotten entry stays in its generation,
// dead, until the name is put there again or the generation is compacted
// or goes.

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
// followed by one byte of flags saying what was cut off its end:
// dnSuffixCut, the cache's suffix (",<ldap.base_dn>", the same for most
// users, about a third of an entry), and before it dnNameCut, the name
// itself (the DN "uid=alice,<base>" of alice keeps "uid=").

// The flags after an entry's DN.
const (
	dnSuffixCut = 1 << iota
	dnNameCut
)

// cacheRef locates an entry in its generation.
type cacheRef struct {
	off uint32 // in the arena
	// expires is when the entry's time is up, in milliseconds after the
	// generation's base; 0 once the entry is dropped. A generation lives
	// about 1.5 TTL, and a TTL is at most an hour: far from the 49 days
	// a uint32 holds.
	expires uint32
	// tag is the top 32 bits of the name's hash, whose low bits chose
	// the shard. The tag's low bits place the ref in the table, and all
	// of them turn away other names without reading the arena. A table
	// has a few thousand slots, so some 20 of the bits still tell apart
	// the names that land near each other, and growing the table needs
	// only the tags, not the names hashed again.
	tag uint32
}

func (r cacheRef) live() bool { return r.expires != 0 }

type cacheGen struct {
	base int64 // unix milliseconds: when the generation started
	// slots is the table over refs: 0 is free, i+1 is refs[i]. Its length
	// is a power of two, and at most 3/4 of it is used.
	slots   []uint32
	refs    []cacheRef
	live    int    // refs not dropped
	arena   []byte // appended to, or rebuilt by compact
	garbage int    // bytes of arena that dropped refs point to
}

// newCacheGen returns a generation starting at base (unix milliseconds)
// with room for n entries and an arena of arena bytes.
func newCacheGen(base int64, n, arena int) cacheGen {
	size := 8
	for size*3/4 < n {
		size *= 2
	}
	return cacheGen{
		base:  base,
		slots: make([]uint32, size),
		refs:  make([]cacheRef, 0, n),
		arena: make([]byte, 0, arena),
	}
}

// lookup returns the index in g.refs of name's live entry, or -1.
func (g *cacheGen) lookup(tag uint32, name string) int {
	mask := uint32(len(g.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		s := g.slots[i]
		if s == 0 {
			return -1
		}
		if r := g.refs[s-1]; r.tag == tag && r.live() && entryIs(g.arena[r.off:], name) {
			return int(s - 1)
		}
	}
}

// add puts r, name's entry, in g; the caller knows g holds no live entry
// of name's. A dead one's ref is reused: a user whose password is wrong
// again and again is forgotten and put again each time, and would
// otherwise leave a run of dead refs in the table for every lookup that
// lands in it to walk.
func (g *cacheGen) add(r cacheRef, name string) {
	mask := uint32(len(g.slots) - 1)
	for i := r.tag & mask; g.slots[i] != 0; i = (i + 1) & mask {
		if d := &g.refs[g.slots[i]-1]; d.tag == r.tag && entryIs(g.arena[d.off:], name) {
			*d = r
			g.live++
			return
		}
	}
	g.push(r)
}

// push appends r, whose name has no entry in g, growing the table when it
// would be more than 3/4 used.
func (g *cacheGen) push(r cacheRef) {
	if (len(g.refs)+1)*4 > len(g.slots)*3 {
		g.slots = make([]uint32, 2*len(g.slots))
		for i, r := range g.refs {
			g.place(r.tag, i)
		}
	}
	g.refs = append(g.refs, r)
	g.place(r.tag, len(g.refs)-1)
	g.live++
}

// place puts refs[i], whose tag is tag, in the first free slot from the
// tag's.
func (g *cacheGen) place(tag uint32, i int) {
	mask := uint32(len(g.slots) - 1)
	for j := tag & mask; ; j = (j + 1) & mask {
		if g.slots[j] == 0 {
			g.slots[j] = uint32(i + 1)
			return
		}
	}
}

// drop marks the live entry refs[i] dead. Its bytes stay in the arena,
// as garbage, until compact, which leaves out the dead refs.
func (g *cacheGen) drop(i int) {
	r := &g.refs[i]
	g.garbage += skipEntry(g.arena[r.off:])
	r.expires = 0
	g.live--
}

// expiry returns at (unix milliseconds) in milliseconds after g's base;
// ok is false when a ref cannot hold that: at is not after the base (the
// clock went back by more than a TTL since the generation started), or
// more than 49 days after it.
func (g *cacheGen) expiry(at int64) (ms uint32, ok bool) {
	d := at - g.base
	if d <= 0 || d > math.MaxUint32 {
		return 0, false
	}
	return uint32(d), true
}

// expired reports whether the live entry r's time is up at now (unix
// milliseconds).
func (g *cacheGen) expired(r cacheRef, now int64) bool {
	return now-g.base >= int64(r.expires)
}

// keep copies the live entry r of from into g, which holds no entry of
// its name.
func (g *cacheGen) keep(from *cacheGen, r cacheRef) {
	expires, ok := g.expiry(from.base + int64(r.expires))
	if !ok {
		return
	}
	e := from.arena[r.off:]
	e = e[:skipEntry(e)]
	g.push(cacheRef{off: uint32(len(g.arena)), expires: expires, tag: r.tag})
	g.arena = append(g.arena, e...)
}

// compact rebuilds g with only its live entries. Identities handed out by
// get are copies, so nothing refers to the old arena.
func (g *cacheGen) compact() {
	fresh := newCacheGen(g.base, g.live, len(g.arena)-g.garbage)
	for _, r := range g.refs {
		if r.live() {
			fresh.keep(g, r)
		}
	}
	*g = fresh
}

type cacheShard struct {
	mu   sync.Mutex
	gens [cacheGenerations]cacheGen // gens[0] is the newest
}

// find returns the generation holding name's live entry and its index
// there, or nil. A name has at most one live entry in the shard.
func (s *cacheShard) find(tag uint32, name string) (*cacheGen, int) {
	for i := range s.gens {
		if j := s.gens[i].lookup(tag, name); j >= 0 {
			return &s.gens[i], j
		}
	}
	return nil, -1
}

// dropExpired forgets the entries whose time is up at now (unix
// milliseconds).
func (s *cacheShard) dropExpired(now int64) {
	for i := range s.gens {
		g := &s.gens[i]
		for j, r := range g.refs {
			if r.live() && g.expired(r, now) {
				g.drop(j)
			}
		}
	}
}

// len returns the live entries in s.
func (s *cacheShard) len() int {
	n := 0
	for i := range s.gens {
		n += s.gens[i].live
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
	start := now().UnixMilli()
	for i := range c.shards {
		for g := range c.shards[i].gens {
			c.shards[i].gens[g] = newCacheGen(start, 0, 0)
		}
	}
	return c
}

// shard returns name's shard, chosen by the low bits of its hash, and its
// tag, the top 32 bits.
func (c *identityCache) shard(name string) (*cacheShard, uint32) {
	h := maphash.String(c.seed, name)
	return &c.shards[h%cacheShards], uint32(h >> 32)
}

// get returns the cached identity of a normalised name.
func (c *identityCache) get(name string) (Identity, bool) {
	s, tag := c.shard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, i := s.find(tag, name); g != nil && !g.expired(g.refs[i], c.now().UnixMilli()) {
		if id, ok := decodeEntry(g.arena[g.refs[i].off:], name, c.suffix); ok {
			c.hits.Add(1)
			return id, true
		}
	}
	c.misses.Add(1)
	return Identity{}, false
}

// put remembers id for name until the TTL passes.
func (c *identityCache) put(name string, id Identity) {
	s, tag := c.shard(name)
	now := c.now().UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, i := s.find(tag, name); g != nil {
		g.drop(i)
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
	expires, ok := newest.expiry(now + c.ttl.Milliseconds())
	if !ok || len(newest.arena) > math.MaxUint32-entryLen(name, id) {
		// A 4 GiB arena, a generation 49 days old (no sweeps), the
		// clock set back by more than a TTL since the last sweep: the
		// user is not cached.
		return
	}
	newest.add(cacheRef{off: uint32(len(newest.arena)), expires: expires, tag: tag}, name)
	newest.arena = appendEntry(newest.arena, name, id, c.suffix)
}

// forget drops name.
func (c *identityCache) forget(name string) {
	s, tag := c.shard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, i := s.find(tag, name); g != nil {
		g.drop(i)
	}
}

// sweep starts a new generation and forgets the oldest; the client calls
// it every TTL/2. Entries of the oldest whose time is not up (sweep came
// early) move to the new generation.
func (c *identityCache) sweep() {
	now := c.now().UnixMilli()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		// Room for what the newest holds: about as many users come back
		// in each TTL/2, and a table grown by doubling from empty would
		// leave up to half of its room unused.
		held := &s.gens[0]
		newest := newCacheGen(now, held.live, len(held.arena)-held.garbage)
		oldest := &s.gens[cacheGenerations-1]
		for _, r := range oldest.refs {
			if r.live() && !oldest.expired(r, now) {
				newest.keep(oldest, r)
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
	dn, flags := id.DN, byte(0)
	if rest, cut := strings.CutSuffix(dn, suffix); suffix != "" && cut {
		dn, flags = rest, flags|dnSuffixCut
	}
	if rest, cut := strings.CutSuffix(dn, name); cut {
		dn, flags = rest, flags|dnNameCut
	}
	b = append(appendField(b, dn), flags)
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
	var cutName, cutSuffix string
	if b[0]&dnNameCut != 0 {
		cutName = name
	}
	if b[0]&dnSuffixCut != 0 {
		cutSuffix = suffix
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return Identity{}, false
	}
	b = b[k:]
	id := Identity{ID: string(idb), DN: string(dn) + cutName + cutSuffix, Cached: true}
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
		b = b[1:] // the flags after the DN
	}
	n, k := binary.Uvarint(b)
	b = b[k:]
	for range n {
		_, b, _ = field(b)
	}
	return total - len(b)
}
