package directory

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Lookup finds user (normalised, escaped into ldap.user_filter) as the
// service account. An empty name or no matching entry is (Identity{},
// false, nil); several matching entries are an error wrapping ErrAmbiguous.
func (c *Client) Lookup(ctx context.Context, user string) (Identity, bool, error) {
	name := Normalize(user, c.cfg.StripRealm)
	if name == "" {
		return Identity{}, false, nil
	}
	if c.cache != nil {
		if id, ok := c.cache.get(name); ok {
			return id, true, nil
		}
	}
	filter := strings.ReplaceAll(c.cfg.UserFilter, "{user}", ldap.EscapeFilter(name))
	attrs := []string{c.cfg.UserIDAttribute}
	if c.cfg.GroupBaseDN == "" && c.cfg.GroupAttribute != "" {
		attrs = append(attrs, c.cfg.GroupAttribute)
	}
	// A size limit of 2 is enough to tell "one" from "several".
	entries, err := c.doSearch(ctx, searchReq{base: c.cfg.BaseDN, scope: scopeSubtree, filter: filter, limit: 2, attrs: attrs})
	switch {
	case isResult(err, resultSizeLimitExceeded) || len(entries) > 1:
		return Identity{}, false, fmt.Errorf("look up %q with %s: %w", name, filter, ErrAmbiguous)
	case err != nil:
		return Identity{}, false, fmt.Errorf("look up %q: %w", name, err)
	case len(entries) == 0:
		c.log.Debug("ldap: no such user", "user", name)
		return Identity{}, false, nil
	}
	id, err := c.identity(ctx, &entries[0])
	if err != nil {
		return Identity{}, false, fmt.Errorf("look up %q: %w", name, err)
	}
	c.log.Debug("ldap: user found", "user", name, "id", id.ID, "dn", id.DN, "groups", len(id.Groups))
	if c.cache != nil {
		c.cache.put(name, id)
	}
	return id, true, nil
}

// Forget drops what the identity cache knows about user, so the next
// Lookup asks the directory. Call it when a bind with a cached identity
// fails: the entry may have moved.
func (c *Client) Forget(user string) {
	if c.cache != nil {
		c.cache.forget(Normalize(user, c.cfg.StripRealm))
	}
}

// identity builds the Identity of a user entry, searching its groups when
// ldap.group_base_dn is set.
func (c *Client) identity(ctx context.Context, e *entry) (Identity, error) {
	ids := e.values(c.cfg.UserIDAttribute)
	if len(ids) == 0 || strings.TrimSpace(ids[0]) == "" {
		return Identity{}, fmt.Errorf("entry %s has no %s", e.dn, c.cfg.UserIDAttribute)
	}
	id := Identity{ID: strings.ToLower(ids[0]), DN: e.dn}
	if c.cfg.GroupBaseDN == "" {
		if c.cfg.GroupAttribute != "" {
			id.Groups = e.values(c.cfg.GroupAttribute)
		}
		return id, nil
	}
	filter := strings.ReplaceAll(c.cfg.GroupFilter, "{dn}", ldap.EscapeFilter(e.dn))
	groups, err := c.doSearch(ctx, searchReq{base: c.cfg.GroupBaseDN, scope: scopeSubtree, filter: filter, attrs: []string{"1.1"}})
	if err != nil {
		return Identity{}, fmt.Errorf("groups of %s: %w", e.dn, err)
	}
	for _, g := range groups {
		id.Groups = append(id.Groups, g.dn)
	}
	return id, nil
}

// Ping reads ldap.base_dn as the service account: nil means a server
// answers and the account works (for readiness checks).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.doSearch(ctx, searchReq{base: c.cfg.BaseDN, scope: scopeBase, filter: "(objectClass=*)", limit: 1, attrs: []string{"1.1"}})
	if err != nil {
		return fmt.Errorf("ping ldap: %w", err)
	}
	return nil
}

// doSearch searches on the search pool, as the service account.
func (c *Client) doSearch(ctx context.Context, req searchReq) ([]entry, error) {
	req.secs = int(math.Ceil(c.cfg.Timeout.Seconds()))
	var entries []entry
	start := time.Now()
	err := withRetry(c, ctx, c.search, func(l *lconn) (bool, error) {
		var err error
		entries, err = l.search(ctx, c.cfg.Timeout, req)
		return l.broken, err
	})
	c.observeSearch(start, err)
	return entries, err
}
