package config

import (
	"fmt"
	"strings"
)

// Summary is the line check-config prints for a valid configuration, e.g.
// "config /etc/radius2fa/config.yaml OK: 3 clients, 2 LDAP servers,
// 4 policy rules, default totp, store /var/lib/radius2fa/radius2fa.db".
// It names no secret.
func (c *Config) Summary() string {
	var b strings.Builder
	b.WriteString("config ")
	if c.Path != "" {
		b.WriteString(c.Path + " ")
	}
	fmt.Fprintf(&b, "OK: %s, %s, %s, default %s, store %s",
		count(len(c.Radius.Clients), "client"),
		count(len(c.LDAP.URLs), "LDAP server"),
		count(len(c.Policy.Rules), "policy rule"),
		c.Policy.Default, c.Store.Path)
	return b.String()
}

// count renders "1 client", "3 clients".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
