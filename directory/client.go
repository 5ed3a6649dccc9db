package directory

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radius2fa/radius2fa/config"
)

// Client finds users and checks their passwords in LDAP. It is safe for
// concurrent use.
type Client struct {
	cfg      config.LDAP
	log      *slog.Logger
	servers  *servers
	search   *pool[*lconn] // bound as the service account; never bound as a user
	bind     *pool[*lconn] // user binds only; never searches
	observer atomic.Pointer[observerBox]
	cache    *identityCache // nil when ldap.cache_ttl is 0

	done      chan struct{} // closed by Close
	closeOnce sync.Once
}

// New checks cfg and returns a Client. It does not contact a server:
// connections are opened on first use.
func New(cfg config.LDAP, log *slog.Logger) (*Client, error) {
	tlsConfigs, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &servers{startTLS: cfg.StartTLS, timeout: cfg.Timeout, log: log}
	for i, u := range cfg.URLs {
		srv.list = append(srv.list, &server{url: u, tls: tlsConfigs[i]})
	}
	c := &Client{cfg: cfg, log: log, servers: srv, done: make(chan struct{})}
	if cfg.CacheTTL > 0 {
		c.cache = newIdentityCache(cfg.CacheTTL, time.Now, cfg.BaseDN)
		go c.sweepCache()
	}
	c.search = newPool("search", cfg.PoolSize, c.dialSearch)
	c.bind = newPool("bind", cfg.PoolSize, srv.dial)
	return c, nil
}

// SetObserver makes o receive a call per LDAP operation; nil stops that.
func (c *Client) SetObserver(o Observer) {
	if o == nil {
		c.observer.Store(nil)
		return
	}
	c.observer.Store(&observerBox{o: o})
}

// PoolStats describes the search pool (service account) and the bind pool
// (user binds).
func (c *Client) PoolStats() (search, bind PoolStats) {
	return c.search.stats(), c.bind.stats()
}

// CacheStats describes the identity cache; ok is false when
// ldap.cache_ttl is 0.
func (c *Client) CacheStats() (st CacheStats, ok bool) {
	if c.cache == nil {
		return CacheStats{}, false
	}
	return CacheStats{Hits: c.cache.hits.Load(), Misses: c.cache.misses.Load(), Entries: c.cache.len()}, true
}

// Close closes the idle connections and makes later calls fail with
// ErrClosed; connections in use close when their operation ends.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { close(c.done) })
	c.search.close()
	c.bind.close()
	return nil
}

// sweepCache drops expired cache entries until Close.
func (c *Client) sweepCache() {
	t := time.NewTicker(c.cfg.CacheTTL / 2)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			c.cache.sweep()
		}
	}
}

// Authenticate finds user and checks password. A blank password, an
// unknown user and a wrong password are (…, false, nil); a blank password
// is refused before any LDAP traffic, since an empty simple bind would be an
// unauthenticated bind that "succeeds". The Identity is returned whenever
// the user was found, also with a wrong password, so that failures can be
// counted under the canonical id.
func (c *Client) Authenticate(ctx context.Context, user, password string) (Identity, bool, error) {
	if strings.TrimSpace(password) == "" {
		c.log.Debug("ldap: blank password refused", "user", user)
		return Identity{}, false, nil
	}
	id, found, err := c.Lookup(ctx, user)
	if err != nil || !found {
		return Identity{}, false, err
	}
	return c.CheckUserPassword(ctx, user, id, password)
}

// CheckUserPassword checks password for id, which Lookup returned for
// user. When id came from the identity cache and the password is refused,
// the cached entry is dropped and user looked up again: if the same user
// (same id and groups) has moved to another DN, the bind is tried once
// more there (a moved entry must not look like a wrong password);
// otherwise the refusal stands, and a lookup that finds another id or
// other groups refuses this attempt, since the caller's decisions were
// made for id. It returns the identity the password was checked against.
func (c *Client) CheckUserPassword(ctx context.Context, user string, id Identity, password string) (Identity, bool, error) {
	ok, err := c.CheckPassword(ctx, id.DN, password)
	if err != nil || ok || !id.Cached {
		return id, ok, err
	}
	c.Forget(user)
	fresh, found, err := c.Lookup(ctx, user)
	if err != nil || !found || strings.EqualFold(fresh.DN, id.DN) {
		return id, false, err
	}
	if fresh.ID != id.ID || !sameGroups(fresh.Groups, id.Groups) {
		// The caller decided policy and read the store for id: a
		// different user or groups must not be accepted under that
		// decision. The cache now holds fresh, so the next attempt
		// starts from it.
		return fresh, false, nil
	}
	ok, err = c.CheckPassword(ctx, fresh.DN, password)
	return fresh, ok, err
}

// sameGroups reports whether a and b hold the same group DNs, in any
// order, compared case-insensitively.
func sameGroups(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	norm := func(g []string) []string {
		n := make([]string, len(g))
		for i, s := range g {
			n[i] = strings.ToLower(s)
		}
		slices.Sort(n)
		return n
	}
	return slices.Equal(norm(a), norm(b))
}

// dialSearch opens a search connection bound as the service account
// (anonymous when ldap.bind_dn is empty).
func (c *Client) dialSearch(ctx context.Context) (*lconn, error) {
	l, err := c.servers.dial(ctx)
	if err != nil || c.cfg.BindDN == "" {
		return l, err
	}
	if err := l.bind(ctx, c.cfg.Timeout, c.cfg.BindDN, c.cfg.BindPassword); err != nil {
		broken := l.broken
		l.close()
		if ctxEnded(ctx) == nil && broken {
			c.servers.markDown(l.server, err)
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("bind as service account %s: %w", c.cfg.BindDN, err)
	}
	return l, nil
}
