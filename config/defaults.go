package config

import (
	"time"

	"github.com/spf13/viper"
)

// Defaults of the per-client keys, applied after decoding because viper
// defaults cannot reach the elements of a list.
const (
	DefaultClientMode                  = ModeAppend
	DefaultRequireMessageAuthenticator = RequireMAAuto
)

// setDefaults registers the default of every key that has one. A key left
// out here is empty unless the file or the environment sets it.
func setDefaults(v *viper.Viper) {
	v.SetDefault("radius.listen", []string{"0.0.0.0:1812"})
	v.SetDefault("radius.challenge_timeout", 60*time.Second)

	v.SetDefault("ldap.user_filter", "(uid={user})")
	v.SetDefault("ldap.user_id_attribute", "uid")
	v.SetDefault("ldap.group_attribute", "memberOf")
	v.SetDefault("ldap.group_filter", "(member={dn})")
	v.SetDefault("ldap.timeout", 5*time.Second)
	v.SetDefault("ldap.pool_size", 32)
	v.SetDefault("ldap.cache_ttl", 10*time.Minute)
	v.SetDefault("ldap.strip_realm", true)

	v.SetDefault("totp.issuer", "radius2fa")
	v.SetDefault("totp.digits", 6)
	v.SetDefault("totp.period", 30*time.Second)
	v.SetDefault("totp.skew", 1)

	v.SetDefault("policy.default", RequireTOTP)

	v.SetDefault("lockout.max_failures", 5)
	v.SetDefault("lockout.duration", 15*time.Minute)

	v.SetDefault("enroll.listen", "") // the enrollment page is off unless set

	v.SetDefault("store.path", "/var/lib/radius2fa/radius2fa.db")
	v.SetDefault("store.encryption_key_file", "/etc/radius2fa/store.key")
	v.SetDefault("store.lease", time.Second)

	v.SetDefault("admin.socket", "/run/radius2fa/admin.sock")
	v.SetDefault("admin.metrics_listen", "127.0.0.1:9812")

	v.SetDefault("messages.language", "en")

	v.SetDefault("log.format", "text")
	v.SetDefault("log.level", "info")
}

// applyListDefaults fills the defaults of the keys inside radius.clients.
func applyListDefaults(c *Config) {
	for i := range c.Radius.Clients {
		cl := &c.Radius.Clients[i]
		if cl.Mode == "" {
			cl.Mode = DefaultClientMode
		}
		if cl.RequireMessageAuthenticator == "" {
			cl.RequireMessageAuthenticator = DefaultRequireMessageAuthenticator
		}
	}
}
