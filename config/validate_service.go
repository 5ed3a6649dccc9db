package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"time"
	"unicode/utf8"
)

func (ck *checker) totp(t *TOTP) {
	ck.required("totp.issuer", t.Issuer, "the name shown in the authenticator app")
	if t.Digits != 6 && t.Digits != 8 {
		ck.add("totp.digits", "%d is not 6 or 8", t.Digits)
	}
	switch {
	case t.Period%time.Second != 0:
		ck.add("totp.period", "%s is not a whole number of seconds", t.Period)
	case t.Period < 15*time.Second:
		ck.add("totp.period", "%s is shorter than 15s", t.Period)
	}
	ck.between("totp.skew", t.Skew, 0, 10)
}

func (ck *checker) lockout(l *Lockout) {
	if l.MaxFailures < 1 {
		ck.add("lockout.max_failures", "%d is less than 1", l.MaxFailures)
	}
	ck.positive("lockout.duration", l.Duration)
}

// enroll checks the enrollment page, which is off unless enroll.listen is
// set.
func (ck *checker) enroll(e *Enroll) {
	if e.Listen == "" {
		return
	}
	ck.hostPort("enroll.listen", e.Listen, "0.0.0.0:8443")
	if ck.required("enroll.public_url", e.PublicURL, "the https:// address users open") {
		u, err := url.Parse(e.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ck.add("enroll.public_url", "%q is not an absolute http:// or https:// URL", e.PublicURL)
		}
	}
	if len(e.AllowedCIDRs) == 0 {
		ck.add("enroll.allowed_cidrs", "missing (the on-campus networks that may open the page)")
	}
	for i, p := range e.AllowedCIDRs {
		if !p.IsValid() {
			ck.add(fmt.Sprintf("enroll.allowed_cidrs[%d]", i), "missing (an IP or CIDR)")
		}
	}
	for i, p := range e.TrustedProxies {
		if !p.IsValid() {
			ck.add(fmt.Sprintf("enroll.trusted_proxies[%d]", i), "missing (an IP or CIDR)")
		}
	}
	switch {
	case e.TLSCertFile != "" && e.TLSKeyFile == "":
		ck.add("enroll.tls_key_file", "missing (tls_cert_file is set)")
	case e.TLSCertFile == "" && e.TLSKeyFile != "":
		ck.add("enroll.tls_cert_file", "missing (tls_key_file is set)")
	}
	if e.TLSCertFile == "" && e.TLSKeyFile == "" && len(e.TrustedProxies) == 0 && !loopbackListen(e.Listen) {
		ck.add("enroll.tls_cert_file", "missing: passwords would cross the network in clear (set tls_cert_file and tls_key_file, "+
			"list the TLS-terminating proxy in enroll.trusted_proxies, or listen on a loopback address)")
	}
	if e.TLSCertFile != "" {
		ck.readable("enroll.tls_cert_file", e.TLSCertFile)
	}
	if e.TLSKeyFile != "" {
		ck.readable("enroll.tls_key_file", e.TLSKeyFile)
	}
}

func (ck *checker) storeAndAdmin(s *Store, a *Admin) {
	ck.required("store.path", s.Path, "")
	ck.required("store.encryption_key_file", s.EncryptionKeyFile, "")
	if s.Lease < 0 || s.Lease > time.Minute {
		ck.add("store.lease", "%s is not between 0 (off) and 1m", s.Lease)
	}
	ck.required("admin.socket", a.Socket, "")
	if a.MetricsListen != "" {
		ck.hostPort("admin.metrics_listen", a.MetricsListen, "127.0.0.1:9812")
	}
}

// messages checks the language and that each override fits a
// Reply-Message. The overrides are found by reflection, so a message added
// to Messages is checked too.
func (ck *checker) messages(m *Messages) {
	ck.oneOf("messages.language", m.Language, "en", "ja")
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		name := keyName(v.Type().Field(i))
		text := v.Field(i).String()
		if name == "language" || text == "" {
			continue
		}
		key := "messages." + name
		if !utf8.ValidString(text) {
			ck.add(key, "%q is not valid UTF-8", text)
		}
		ck.fitsAttribute(key, text, "Reply-Message")
	}
}

func (ck *checker) log(l *Log) {
	ck.oneOf("log.format", l.Format, "text", "json")
	ck.oneOf("log.level", l.Level, "debug", "info", "warn", "error")
}

// loopbackListen reports whether a host:port listens on a loopback address
// only ("127.0.0.1:8443", "[::1]:8443", "localhost:8443").
func loopbackListen(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
