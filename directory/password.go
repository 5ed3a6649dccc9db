package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
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
	err := c.withConn(ctx, c.bind, func(l *ldap.Conn) error {
		return l.Bind(dn, password)
	})
	switch {
	case err == nil:
		c.observeBind(start, true, nil)
		c.log.Debug("ldap: password valid", "dn", dn)
		return true, nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		c.observeBind(start, false, nil)
		c.log.Debug("ldap: password invalid", "dn", dn)
		return false, nil
	default:
		c.observeBind(start, false, err)
		return false, fmt.Errorf("bind as %s: %w", dn, err)
	}
}
