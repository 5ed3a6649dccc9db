package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// securityWarnings finds what works but exposes a secret: a configuration
// file holding secrets that other users can read, and LDAP URLs that send
// passwords unencrypted to another host.
func (c *Config) securityWarnings(fileHoldsSecrets bool) []Problem {
	var out []Problem
	if fileHoldsSecrets {
		if info, err := os.Stat(c.Path); err == nil && info.Mode().Perm()&0o077 != 0 {
			out = append(out, Problem{Message: c.Path +
				" holds secrets and is readable by group/other (chmod 600, or use secret_file and bind_password_file)"})
		}
	}
	if !c.LDAP.StartTLS {
		for i, raw := range c.LDAP.URLs {
			if u, err := url.Parse(raw); err == nil && strings.EqualFold(u.Scheme, "ldap") && !isLoopback(u.Hostname()) {
				out = append(out, Problem{Key: fmt.Sprintf("ldap.urls[%d]", i),
					Message: raw + " sends passwords unencrypted (use ldaps:// or start_tls: true)"})
			}
		}
	}
	return out
}

// holdsSecrets reports whether the file's own settings hold a client
// secret or the LDAP bind password.
func holdsSecrets(settings map[string]any) bool {
	if ldap, ok := settings["ldap"].(map[string]any); ok && ldap["bind_password"] != "" && ldap["bind_password"] != nil {
		return true
	}
	radius, _ := settings["radius"].(map[string]any)
	clients, _ := radius["clients"].([]any)
	for _, cl := range clients {
		if m, ok := cl.(map[string]any); ok && m["secret"] != "" && m["secret"] != nil {
			return true
		}
	}
	return false
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// renderWarnings renders warnings in key order, one line each.
func renderWarnings(warnings []Problem) []string {
	if len(warnings) == 0 {
		return nil
	}
	sortProblems(warnings)
	out := make([]string, len(warnings))
	for i, w := range warnings {
		out[i] = w.String()
	}
	return out
}
