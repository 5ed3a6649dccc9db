package config

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func (ck *checker) ldap(l *LDAP) {
	ck.ldapURLs(l)
	if l.CAFile != "" {
		if pem, ok := ck.readable("ldap.ca_file", l.CAFile); ok && !x509.NewCertPool().AppendCertsFromPEM(pem) {
			ck.add("ldap.ca_file", "%s holds no PEM certificate", l.CAFile)
		}
	}
	switch {
	case l.BindDN != "" && l.BindPassword == "":
		ck.add("ldap.bind_password", "missing (bind_dn is set; set bind_password or bind_password_file)")
	case l.BindDN == "" && l.BindPassword != "":
		ck.add("ldap.bind_dn", "missing (a bind password is set)")
	}
	ck.required("ldap.base_dn", l.BaseDN, "e.g. ou=people,dc=example,dc=ac,dc=jp")
	ck.filter("ldap.user_filter", l.UserFilter, "{user}", "(uid={user})")
	ck.required("ldap.user_id_attribute", l.UserIDAttribute, "e.g. uid")
	if l.GroupBaseDN != "" {
		ck.filter("ldap.group_filter", l.GroupFilter, "{dn}", "(member={dn})")
	}
	ck.positive("ldap.timeout", l.Timeout)
	ck.between("ldap.pool_size", l.PoolSize, 1, 1024)
	if l.CacheTTL != 0 && (l.CacheTTL < time.Second || l.CacheTTL > time.Hour) {
		ck.add("ldap.cache_ttl", "%s is neither 0 (off) nor between 1s and 1h", l.CacheTTL)
	}
}

// ldapURLs checks ldap.urls and that StartTLS is not asked of ldaps://.
func (ck *checker) ldapURLs(l *LDAP) {
	if len(l.URLs) == 0 {
		ck.add("ldap.urls", "missing (at least one ldap:// or ldaps:// URL)")
	}
	for i, raw := range l.URLs {
		key := fmt.Sprintf("ldap.urls[%d]", i)
		u, err := url.Parse(raw)
		if err != nil || (!strings.EqualFold(u.Scheme, "ldap") && !strings.EqualFold(u.Scheme, "ldaps")) || u.Hostname() == "" {
			ck.add(key, "%q is not an ldap:// or ldaps:// URL with a host", raw)
			continue
		}
		if l.StartTLS && strings.EqualFold(u.Scheme, "ldaps") {
			ck.add("ldap.start_tls", "true, but %s %q is already TLS (StartTLS is for ldap:// URLs)", key, raw)
		}
	}
}

// filter checks that an LDAP filter holds its placeholder and compiles.
func (ck *checker) filter(key, filter, placeholder, example string) {
	switch {
	case filter == "":
		ck.add(key, "missing (e.g. %s)", example)
	case !strings.Contains(filter, placeholder):
		ck.add(key, "%q has no %s placeholder", filter, placeholder)
	default:
		if _, err := ldap.CompileFilter(strings.ReplaceAll(filter, placeholder, "x")); err != nil {
			ck.add(key, "%q is not a valid LDAP filter", filter)
		}
	}
}
