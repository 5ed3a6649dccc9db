package directory

import (
	"fmt"
	"reflect"
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
