package directory

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/radius2fa/radius2fa/config"
)

// validate checks what a Client needs from cfg and reports every problem
// at once, each with its key path. It returns one TLS configuration per URL.
func validate(cfg config.LDAP) ([]*tls.Config, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("ldap.%s: "+format, append([]any{key}, args...)...))
	}

	roots, err := loadCA(cfg.CAFile)
	if err != nil {
		bad("ca_file", "%v", err)
	}
	tlsConfigs := checkURLs(cfg, roots, bad)
	if _, err := ldap.ParseDN(cfg.BaseDN); err != nil || strings.TrimSpace(cfg.BaseDN) == "" {
		bad("base_dn", "%q is not a DN", cfg.BaseDN)
	}
	if cfg.BindDN != "" {
		if _, err := ldap.ParseDN(cfg.BindDN); err != nil {
			bad("bind_dn", "%q is not a DN", cfg.BindDN)
		}
		if cfg.BindPassword == "" {
			bad("bind_password", "empty while bind_dn is set (that would be an unauthenticated bind)")
		}
	}
	checkFilter(cfg.UserFilter, "{user}", "user_filter", bad)
	if cfg.UserIDAttribute == "" {
		bad("user_id_attribute", "empty")
	}
	if cfg.GroupBaseDN != "" {
		if _, err := ldap.ParseDN(cfg.GroupBaseDN); err != nil {
			bad("group_base_dn", "%q is not a DN", cfg.GroupBaseDN)
		}
		checkFilter(cfg.GroupFilter, "{dn}", "group_filter", bad)
	}
	if cfg.Timeout <= 0 {
		bad("timeout", "must be positive, got %s", cfg.Timeout)
	}
	if cfg.PoolSize <= 0 {
		bad("pool_size", "must be positive, got %d", cfg.PoolSize)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	return tlsConfigs, nil
}

// checkURLs reports unusable ldap.urls and returns a TLS configuration for
// each URL.
func checkURLs(cfg config.LDAP, roots *x509.CertPool, bad func(key, format string, args ...any)) []*tls.Config {
	if len(cfg.URLs) == 0 {
		bad("urls", "at least one ldap:// or ldaps:// URL is needed")
	}
	tlsConfigs := make([]*tls.Config, len(cfg.URLs))
	for i, raw := range cfg.URLs {
		key := fmt.Sprintf("urls[%d]", i)
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			bad(key, "%q: %v", raw, err)
			continue
		case u.Scheme != "ldap" && u.Scheme != "ldaps":
			bad(key, "%q: scheme must be ldap or ldaps", raw)
		case u.Hostname() == "":
			bad(key, "%q: no host", raw)
		case cfg.StartTLS && u.Scheme == "ldaps":
			bad(key, "%q: start_tls needs ldap://, not ldaps://", raw)
		}
		tlsConfigs[i] = &tls.Config{RootCAs: roots, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	return tlsConfigs
}

// checkFilter reports a filter that lacks its placeholder or does not
// compile once the placeholder is filled in.
func checkFilter(filter, placeholder, key string, bad func(key, format string, args ...any)) {
	if !strings.Contains(filter, placeholder) {
		bad(key, "%q must contain %s", filter, placeholder)
		return
	}
	if _, err := ldap.CompileFilter(strings.ReplaceAll(filter, placeholder, "x")); err != nil {
		bad(key, "%q: %v", filter, err)
	}
}

// loadCA reads the PEM certificates in path; an empty path means the
// system roots (nil).
func loadCA(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return roots, nil
}
