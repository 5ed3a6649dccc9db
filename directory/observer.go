package directory

import "time"

// Observer receives one call per LDAP operation, for metrics. Its methods
// must be safe for concurrent use and must not block.
type Observer interface {
	// ObserveSearch is called after each search made as the service
	// account (user lookups, group searches, pings).
	ObserveSearch(d time.Duration, err error)
	// ObserveBind is called after each bind as a user: ok reports a valid
	// password; err is set when the directory gave no answer.
	ObserveBind(d time.Duration, ok bool, err error)
}

// PoolStats describes one connection pool.
type PoolStats struct {
	// InUse counts the connections lent to callers right now.
	InUse int
	// Idle counts the open connections waiting to be reused.
	Idle int
	// Size is the most connections the pool opens (ldap.pool_size).
	Size int
}

// CacheStats describes the identity cache (ldap.cache_ttl).
type CacheStats struct {
	// Hits counts the lookups answered from the cache; Misses those that
	// had to search.
	Hits, Misses uint64
	// Entries counts the users held; an expired one until a sweep forgets
	// it.
	Entries int
}

// observerBox lets an Observer live in an atomic.Pointer.
type observerBox struct{ o Observer }

func (c *Client) observeSearch(start time.Time, err error) {
	if b := c.observer.Load(); b != nil {
		b.o.ObserveSearch(time.Since(start), err)
	}
}

func (c *Client) observeBind(start time.Time, ok bool, err error) {
	if b := c.observer.Load(); b != nil {
		b.o.ObserveBind(time.Since(start), ok, err)
	}
}
