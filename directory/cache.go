package directory

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// The identity cache: a user found by Lookup is remembered for
// ldap.cache_ttl, so that a steady-state login costs one LDAP operation,
// the bind that checks the password, instead of a search and a bind.
// Passwords are never cached: every login binds. What the cache can make
// stale is where the user's entry is and which groups it is in; a failed
// bind forgets the entry (see Forget), and a group change takes effect
// within the TTL.

const (
	cacheShards = 64
	// cacheMax bounds the entries, so a flood of distinct names cannot
	// grow memory without limit; beyond it new users are not cached.
	cacheMax = 200000
)

// cachedIdentity is kept small: a campus has tens of thousands of users
// in the cache. The id is left out when it is the cache key lower-cased,
// which is the common case.
type cachedIdentity struct {
	dn      string
	id      string   // "" when it is strings.ToLower(key)
	groups  []string // nil when none
	expires int64    // unix nanoseconds
}

type cacheShard struct {
	mu sync.Mutex
	m  map[string]cachedIdentity
}

type identityCache struct {
	ttl    time.Duration
	now    func() time.Time
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

func newIdentityCache(ttl time.Duration, now func() time.Time) *identityCache {
	c := &identityCache{ttl: ttl, now: now, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cachedIdentity)
	}
	return c
}

func (c *identityCache) shard(name string) *cacheShard {
	return &c.shards[maphash.String(c.seed, name)%cacheShards]
}

// get returns the cached identity of a normalised name.
func (c *identityCache) get(name string) (Identity, bool) {
	s := c.shard(name)
	s.mu.Lock()
	e, ok := s.m[name]
	s.mu.Unlock()
	if !ok || c.now().UnixNano() >= e.expires {
		return Identity{}, false
	}
	id := e.id
	if id == "" {
		id = strings.ToLower(name)
	}
	return Identity{ID: id, DN: e.dn, Groups: e.groups, Cached: true}, true
}

// put remembers id for name until the TTL passes.
func (c *identityCache) put(name string, id Identity) {
	s := c.shard(name)
	now := c.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= cacheMax/cacheShards {
		for k, e := range s.m {
			if now >= e.expires {
				delete(s.m, k)
			}
		}
		if len(s.m) >= cacheMax/cacheShards {
			return
		}
	}
	e := cachedIdentity{dn: id.DN, id: id.ID, expires: now + int64(c.ttl)}
	if id.ID == strings.ToLower(name) {
		e.id = ""
	}
	if len(id.Groups) > 0 {
		e.groups = id.Groups
	}
	s.m[name] = e
}

// forget drops name.
func (c *identityCache) forget(name string) {
	s := c.shard(name)
	s.mu.Lock()
	delete(s.m, name)
	s.mu.Unlock()
}

// sweep drops expired entries.
func (c *identityCache) sweep() {
	now := c.now().UnixNano()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if now >= e.expires {
				delete(s.m, k)
			}
		}
		s.mu.Unlock()
	}
}
