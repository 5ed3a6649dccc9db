package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CheckPassword binds as dn with password on the bind-only pool. A wrong
// password (LDAP result 49, invalid credentials) is (false, nil); so are a
// blank password and a blank dn, refused without any bind. It is never
// (true, err).
func (c *Client) CheckPassword(ctx context.Context, dn, password string) (bool, error) {
	if strings.TrimSpace(password) == "" || strings.TrimSpace(dn) == "" {
		c.log.Debug("ldap: blank password or dn refused", "dn", dn)
		return false, nil
	}
	start := time.Now()
	err := withRetry(c, ctx, c.bind, func(b *lconn) (bool, error) {
		err := b.bind(ctx, c.cfg.Timeout, dn, password)
		return b.broken, err
	})
	var refused *resultError
	switch {
	case err == nil:
		c.observeBind(start, true, nil)
		c.log.Debug("ldap: password valid", "dn", dn)
		return true, nil
	case errors.As(err, &refused) && refused.code == resultInvalidCredentials:
		c.observeBind(start, false, nil)
		c.log.Debug("ldap: password invalid", "dn", dn)
		return false, nil
	default:
		c.observeBind(start, false, err)
		return false, fmt.Errorf("bind as %s: %w", dn, err)
	}
}
