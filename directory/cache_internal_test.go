package directory

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testBaseDN is ldap.base_dn for the caches of these tests.
const testBaseDN = "ou=people,dc=example,dc=org"

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

// An identity comes back as it was put, until its TTL passes, however
// the sweeps fall; then it is gone.
func TestIdentityCacheEntries(t *testing.T) {
	const ttl = 10 * time.Minute
	start := time.Unix(1_700_000_000, 0)
	ids := map[string]Identity{
		"alice":  {ID: "alice", DN: "uid=alice,ou=people,dc=example,dc=org"},
		"Bob":    {ID: "bob", DN: "uid=Bob,ou=people,dc=example,dc=org", Groups: []string{"cn=faculty,ou=groups,dc=example,dc=org", "cn=vpn,ou=groups,dc=example,dc=org"}},
		"carol1": {ID: "c.lee", DN: "cn=Carol Lee\\, PhD,ou=staff,dc=example,dc=org", Groups: []string{""}},
		// DNs that must come back as they were, whether or not the
		// base is cut off them: the base in other case, the base
		// itself, and the base's text not at an RDN boundary.
		"dora": {ID: "dora", DN: "uid=dora,OU=People,dc=example,dc=org"},
		"base": {ID: "base", DN: "ou=people,dc=example,dc=org"},
		"fay":  {ID: "fay", DN: "uid=fay,xou=people,dc=example,dc=org"},
	}
	for _, sweeps := range [][]time.Duration{
		{5 * time.Minute}, // every TTL/2
		{time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute}, // early
		{0, 0, 0, 0, 0}, // many at once
	} {
		clk := &fakeClock{t: start}
		c := newIdentityCache(ttl, clk.now, testBaseDN)
		for name, id := range ids {
			c.put(name, id)
		}
		for _, at := range sweeps {
			clk.t = start.Add(at)
			c.sweep()
		}
		clk.t = start.Add(ttl - time.Nanosecond)
		for name, want := range ids {
			got, ok := c.get(name)
			want.Cached = true
			if !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("sweeps at %v: get(%q) = %+v, %v; want %+v", sweeps, name, got, ok, want)
			}
		}
		if _, ok := c.get("ALICE"); ok {
			t.Fatalf("sweeps at %v: a name that was never put is found", sweeps)
		}
		clk.t = start.Add(ttl)
		if _, ok := c.get("alice"); ok {
			t.Fatalf("sweeps at %v: found at its TTL", sweeps)
		}
		for range cacheGenerations {
			c.sweep()
		}
		if n := c.len(); n != 0 {
			t.Fatalf("sweeps at %v: %d entries held after their TTL, want 0", sweeps, n)
		}
	}
}

// The base DN, which most users' DNs end with, is kept once, not in each
// entry: an entry takes fewer bytes than its DN alone.
func TestIdentityCacheKeepsBaseDNOnce(t *testing.T) {
	const base = testBaseDN
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, base)
	const n = 1000
	dnBytes := 0
	for i := range n {
		name := fmt.Sprintf("user%06d", i)
		dn := "uid=" + name + "," + base
		dnBytes += len(dn)
		c.put(name, Identity{ID: name, DN: dn})
	}
	arena := 0
	for i := range c.shards {
		arena += len(c.shards[i].gens[0].arena)
	}
	if arena >= dnBytes {
		t.Fatalf("the arena holds %d bytes for %d users whose DNs alone are %d bytes", arena, n, dnBytes)
	}
	if got, ok := c.get("user000123"); !ok || got.DN != "uid=user000123,"+base {
		t.Fatalf("get(user000123) = %+v, %v; want DN uid=user000123,%s", got, ok, base)
	}
}

// What an entry cuts off its DN comes back: the base DN and the name,
// and nothing of a DN that only looks like them.
func TestIdentityCacheDNsComeBackWhole(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, testBaseDN)
	for _, tc := range []struct{ name, dn string }{
		{"alice", "uid=alice," + testBaseDN},
		{"bob", "uid=bob,ou=staff,dc=example,dc=org"},
		{"carol", "cn=Carol Jones," + testBaseDN},
		{"dave", "uid=dave"},
		{"eve", "uid=Eve," + testBaseDN}, // the directory's spelling
		{"ve", "uid=eve," + testBaseDN},  // ends with the name all the same
		{"frank", "uid=frank,ou=people,dc=example,dc=org,dc=extra"},
		{"gina", testBaseDN},
		{"hal", "uid=hal," + strings.ToUpper(testBaseDN)},
	} {
		id := Identity{ID: tc.name, DN: tc.dn, Groups: []string{"cn=staff,ou=groups,dc=example,dc=org"}}
		c.put(tc.name, id)
		got, ok := c.get(tc.name)
		if !ok || got.DN != tc.dn || got.ID != tc.name || len(got.Groups) != 1 || got.Groups[0] != id.Groups[0] {
			t.Errorf("put %q with DN %q; got %+v, %v", tc.name, tc.dn, got, ok)
		}
	}
}

// Forget drops a name; putting a name again replaces its entry.
func TestIdentityCacheReplace(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, testBaseDN)
	c.put("dave", Identity{ID: "dave", DN: "uid=dave,ou=people,dc=example,dc=org"})
	c.sweep()
	c.put("dave", Identity{ID: "dave", DN: "uid=dave,ou=moved,dc=example,dc=org"})
	if got, _ := c.get("dave"); got.DN != "uid=dave,ou=moved,dc=example,dc=org" {
		t.Fatalf("after a second put: DN %q, want the new one", got.DN)
	}
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries for one name, want 1", n)
	}
	c.forget("dave")
	if _, ok := c.get("dave"); ok || c.len() != 0 {
		t.Fatalf("after forget: found %v, %d entries", ok, c.len())
	}
}

// A flood of distinct names stops at cacheMax; once their time is up,
// new names are cached again.
func TestIdentityCacheBound(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, testBaseDN)
	for i := range cacheMax + cacheMax/4 {
		name := fmt.Sprintf("user%07d", i)
		c.put(name, Identity{ID: name, DN: "uid=" + name + ",ou=people,dc=example,dc=org"})
	}
	if n := c.len(); n > cacheMax || n < cacheMax*9/10 {
		t.Fatalf("%d entries after %d distinct names, want at most %d (and not far below)", n, cacheMax+cacheMax/4, cacheMax)
	}
	clk.t = clk.t.Add(time.Minute)
	c.put("late", Identity{ID: "late", DN: "uid=late,ou=people,dc=example,dc=org"})
	if _, ok := c.get("late"); !ok {
		t.Fatal("a new name is not cached once the flood's TTL passed")
	}
}

// A user looked up again and again (every wrong password forgets the
// entry and searches anew) does not grow the cache's memory.
func TestIdentityCacheRelookupsStayBounded(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(10*time.Minute, clk.now, testBaseDN)
	id := Identity{ID: "erin", DN: "uid=erin,ou=people,dc=example,dc=org", Groups: []string{"cn=staff,ou=groups,dc=example,dc=org"}}
	for range 200_000 {
		c.forget("erin")
		c.put("erin", id)
	}
	arena := 0
	for i := range c.shards {
		for _, g := range c.shards[i].gens {
			arena += len(g.arena)
		}
	}
	if arena > 2*compactAbove {
		t.Fatalf("arenas hold %d bytes for one user after 200,000 lookups, want at most %d", arena, 2*compactAbove)
	}
	want := id
	want.Cached = true
	if got, ok := c.get("erin"); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("after compactions: %+v, %v; want %+v", got, ok, want)
	}
}

// A generation's table starts with 8 slots and doubles as it fills; the
// entries it held before are found after each growth.
func TestIdentityCacheTableGrows(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, testBaseDN)
	const n = 10_000
	for i := range n {
		name := fmt.Sprintf("user%05d", i)
		c.put(name, Identity{ID: name, DN: "uid=" + name + "," + testBaseDN})
	}
	if slots := len(c.shards[0].gens[0].slots); slots < 8*8 {
		t.Fatalf("a shard's table has %d slots after %d names, want it grown (from 8)", slots, n)
	}
	for i := range n {
		name := fmt.Sprintf("user%05d", i)
		if got, ok := c.get(name); !ok || got.DN != "uid="+name+","+testBaseDN {
			t.Fatalf("get(%q) = %+v, %v; want it found", name, got, ok)
		}
	}
	if got := c.len(); got != n {
		t.Fatalf("len = %d, want %d", got, n)
	}
}

// A forgotten entry stays in its generation, dead, until the name is put
// there again or the generation is compacted or goes: it is neither found
// nor counted, nor forgotten twice. Putting the name again takes its
// place with an entry that is found, and counted once.
func TestIdentityCacheForgetThenPut(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(time.Minute, clk.now, testBaseDN)
	s, _ := c.shard("frank")
	for round := range 3 {
		dn := fmt.Sprintf("uid=frank,ou=unit%d,dc=example,dc=org", round)
		c.put("frank", Identity{ID: "frank", DN: dn})
		if got, ok := c.get("frank"); !ok || got.DN != dn {
			t.Fatalf("round %d: get after put = %+v, %v; want DN %q", round, got, ok, dn)
		}
		if n := c.len(); n != 1 {
			t.Fatalf("round %d: %d entries after put, want 1", round, n)
		}
		c.forget("frank")
		c.forget("frank")
		if refs := len(s.gens[0].refs); refs != 1 {
			t.Fatalf("round %d: the generation holds %d entries, want 1 (the dead one, whose place each put takes)", round, refs)
		}
		if got, ok := c.get("frank"); ok {
			t.Fatalf("round %d: get after forget = %+v; want not found", round, got)
		}
		if n := c.len(); n != 0 {
			t.Fatalf("round %d: %d entries after forget, want 0", round, n)
		}
	}
}

// Entries expire to the millisecond although a generation keeps their
// time in milliseconds after its start: an entry put at t (not on a
// whole millisecond) is found at t+TTL-1ms and not at t+TTL, also when
// sweeps (not on whole milliseconds either) have moved it to older
// generations and, by the third, to a new one.
func TestIdentityCacheExpiresToTheMillisecond(t *testing.T) {
	const ttl = 10 * time.Minute
	start := time.Unix(1_700_000_000, 0)
	put := start.Add(1234567891 * time.Nanosecond)
	id := Identity{ID: "gina", DN: "uid=gina," + testBaseDN}
	for sweeps := range cacheGenerations + 1 {
		clk := &fakeClock{t: start}
		c := newIdentityCache(ttl, clk.now, testBaseDN)
		clk.t = put
		c.put("gina", id)
		for i := range sweeps {
			clk.t = put.Add(time.Duration(i+1)*ttl/8 + 345678*time.Nanosecond)
			c.sweep()
		}
		clk.t = put.Add(ttl - time.Millisecond)
		if _, ok := c.get("gina"); !ok {
			t.Fatalf("after %d sweeps: not found 1ms before its TTL", sweeps)
		}
		clk.t = put.Add(ttl)
		if _, ok := c.get("gina"); ok {
			t.Fatalf("after %d sweeps: found at its TTL", sweeps)
		}
	}
}

// sweep gives the new generation room for what the newest held, so that
// as many users again do not grow it.
func TestIdentityCacheSweepReserves(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := newIdentityCache(10*time.Minute, clk.now, testBaseDN)
	const n = 10_000
	for i := range n {
		name := fmt.Sprintf("user%05d", i)
		c.put(name, Identity{ID: name, DN: "uid=" + name + "," + testBaseDN})
	}
	c.sweep()
	before := make([]cacheGen, cacheShards)
	for i := range c.shards {
		before[i] = c.shards[i].gens[0]
	}
	for i := range n {
		name := fmt.Sprintf("user%05d", n+i)
		c.put(name, Identity{ID: name, DN: "uid=" + name + "," + testBaseDN})
	}
	grown := 0
	for i := range c.shards {
		old, g := &c.shards[i].gens[1], &c.shards[i].gens[0]
		if g.live > old.live {
			continue // more users came to this shard than the last time
		}
		if len(g.slots) != len(before[i].slots) || cap(g.refs) != cap(before[i].refs) || cap(g.arena) != cap(before[i].arena) {
			grown++
		}
	}
	if grown > 0 {
		t.Fatalf("%d of %d shards grew their newest generation for no more users than it had room for", grown, cacheShards)
	}
}

// BenchmarkIdentityCacheMemory reports the heap a cache of 100,000 users
// takes per user (B/entry), and how much of it is the arenas' room
// (arena-B/entry; the rest is the index). They are the users of the peer
// benchmark (README: Performance): named like user000123, DNs under the
// base DN, no groups; an entry is 19 bytes of arena. at_once puts them at
// one instant; over_a_TTL puts them evenly over a TTL with a sweep
// half-way, as a running server would.
func BenchmarkIdentityCacheMemory(b *testing.B) {
	for _, bc := range []struct {
		name  string
		sweep bool
	}{{"at_once", false}, {"over_a_TTL", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var heap, arena float64
			for b.Loop() {
				heap, arena = cacheBytesPerEntry(b, 100_000, bc.sweep)
			}
			b.ReportMetric(heap, "B/entry")
			b.ReportMetric(arena, "arena-B/entry")
		})
	}
}

// cacheBytesPerEntry fills a cache with n users, over a TTL with a sweep
// half-way if sweep is set, and returns the heap bytes it takes per user
// and the bytes its arenas have room for.
func cacheBytesPerEntry(tb testing.TB, n int, sweep bool) (heap, arena float64) {
	const ttl = 10 * time.Minute
	names := make([]string, n)
	ids := make([]Identity, n)
	for i := range names {
		names[i] = fmt.Sprintf("user%06d", i)
		ids[i] = Identity{ID: names[i], DN: "uid=" + names[i] + "," + testBaseDN}
	}
	start := time.Unix(1_700_000_000, 0)
	clk := &fakeClock{t: start}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newIdentityCache(ttl, clk.now, testBaseDN)
	for i, name := range names {
		if sweep {
			clk.t = start.Add(ttl * time.Duration(i) / time.Duration(n))
			if i == n/2 {
				c.sweep()
			}
		}
		c.put(name, ids[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := c.len(); got != n {
		tb.Fatalf("the cache holds %d users, want %d", got, n)
	}
	runtime.KeepAlive(names) // so that they are in both counts
	runtime.KeepAlive(ids)
	room := 0
	for i := range c.shards {
		for _, g := range c.shards[i].gens {
			room += cap(g.arena)
		}
	}
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n), float64(room) / float64(n)
}
