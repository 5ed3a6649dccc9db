package config

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validConfig is a configuration built in code, as a caller of Validate
// (not Load) would, that has no problem.
func validConfig() *Config {
	return &Config{
		Radius: Radius{
			Listen:           []string{"0.0.0.0:1812", "[::]:1812"},
			ChallengeTimeout: time.Minute,
			Clients: []Client{
				{Name: "vpn-gw", Address: netip.MustParsePrefix("192.0.2.10/32"), Secret: "fake-secret-1",
					Mode: ModeAppend, RequireMessageAuthenticator: RequireMAAuto},
				{Name: "wlc", Address: netip.MustParsePrefix("10.20.0.0/16"), Secret: "fake-secret-2",
					Mode: ModeChallenge, RequireMessageAuthenticator: RequireMANo},
			},
		},
		LDAP: LDAP{
			URLs:            []string{"ldaps://ldap1.example.ac.jp", "ldap://127.0.0.1:3389"},
			BaseDN:          "ou=people,dc=example,dc=ac,dc=jp",
			UserFilter:      "(uid={user})",
			UserIDAttribute: "uid",
			GroupAttribute:  "memberOf",
			GroupFilter:     "(member={dn})",
			Timeout:         5 * time.Second,
			PoolSize:        16,
		},
		TOTP: TOTP{Issuer: "radius2fa", Digits: 6, Period: 30 * time.Second, Skew: 1},
		Policy: Policy{
			Default: RequireTOTP,
			Rules: []Rule{
				{Name: "wired", Clients: []string{"wlc"}, Require: RequirePassword},
				{Name: "staff", Groups: []string{"cn=staff,ou=groups,dc=example,dc=ac,dc=jp"}, Require: RequireTOTPIfEnrolled},
			},
		},
		Lockout:  Lockout{MaxFailures: 5, Duration: 15 * time.Minute},
		Store:    Store{Path: "/var/lib/radius2fa/radius2fa.db", EncryptionKeyFile: "/etc/radius2fa/store.key"},
		Admin:    Admin{Socket: "/run/radius2fa/admin.sock", MetricsListen: "127.0.0.1:9812"},
		Messages: Messages{Language: "en"},
		Log:      Log{Format: "text", Level: "info"},
	}
}

func TestValidateAcceptsAValidConfig(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("Validate() = \n%v\nwant nil", err)
	}
}

// Each row changes a valid configuration and gives the full error text.
// Rows with an empty want are limits that must still pass.
func TestValidate(t *testing.T) {
	enroll := func(c *Config) {
		c.Enroll = Enroll{Listen: "0.0.0.0:8443", PublicURL: "https://mfa.example.ac.jp/",
			AllowedCIDRs:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")}}
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		// radius
		{"no listen", func(c *Config) { c.Radius.Listen = nil },
			`radius.listen: missing (at least one host:port, e.g. 0.0.0.0:1812)`},
		{"listen without port", func(c *Config) { c.Radius.Listen = []string{"0.0.0.0:1812", "::1"} },
			`radius.listen[1]: "::1" is not host:port (e.g. 0.0.0.0:1812)`},
		{"listen on port 0 (tests)", func(c *Config) { c.Radius.Listen = []string{"127.0.0.1:0"} }, ""},
		{"accounting port out of range", func(c *Config) { c.Radius.AccountingListen = "0.0.0.0:70000" },
			`radius.accounting_listen: "0.0.0.0:70000" is not host:port (e.g. 0.0.0.0:1813)`},
		{"challenge timeout zero", func(c *Config) { c.Radius.ChallengeTimeout = 0 },
			`radius.challenge_timeout: 0s is not positive`},
		{"no clients", func(c *Config) { c.Radius.Clients = nil; c.Policy.Rules = c.Policy.Rules[1:] },
			`radius.clients: missing (declare at least one NAS client)`},
		{"client without name", func(c *Config) { c.Radius.Clients[0].Name = "" },
			`radius.clients[0].name: missing`},
		{"client without address", func(c *Config) { c.Radius.Clients[1].Address = netip.Prefix{} },
			`radius.clients[1].address: missing (an IP or CIDR)`},
		{"client matching everything", func(c *Config) { c.Radius.Clients[1].Address = netip.MustParsePrefix("::/0") },
			`radius.clients[1].address: "::/0" would accept requests from any address (list the NAS addresses or networks)`},
		{"same network written differently", func(c *Config) { c.Radius.Clients[1].Address = netip.MustParsePrefix("192.0.2.10/32") },
			`radius.clients[1].address: "192.0.2.10/32" is already used by radius.clients[0]`},
		{"nested networks are fine (most specific wins)", func(c *Config) { c.Radius.Clients[1].Address = netip.MustParsePrefix("192.0.2.0/24") }, ""},
		{"client without secret", func(c *Config) { c.Radius.Clients[0].Secret = "" },
			`radius.clients[0].secret: missing (set secret or secret_file)`},
		{"client without mode", func(c *Config) { c.Radius.Clients[0].Mode = "" },
			`radius.clients[0].mode: missing (one of append, challenge, auto)`},
		{"client with a bad Message-Authenticator setting", func(c *Config) { c.Radius.Clients[1].RequireMessageAuthenticator = "true" },
			`radius.clients[1].require_message_authenticator: "true" is not one of auto, yes, no`},

		// ldap
		{"no urls", func(c *Config) { c.LDAP.URLs = nil },
			`ldap.urls: missing (at least one ldap:// or ldaps:// URL)`},
		{"url without scheme", func(c *Config) { c.LDAP.URLs = []string{"ldap1.example.ac.jp:389"} },
			`ldap.urls[0]: "ldap1.example.ac.jp:389" is not an ldap:// or ldaps:// URL with a host`},
		{"start_tls with ldaps", func(c *Config) { c.LDAP.StartTLS = true },
			`ldap.start_tls: true, but ldap.urls[0] "ldaps://ldap1.example.ac.jp" is already TLS (StartTLS is for ldap:// URLs)`},
		{"start_tls with ldap", func(c *Config) { c.LDAP.StartTLS = true; c.LDAP.URLs = c.LDAP.URLs[1:] }, ""},
		{"bind_dn without password", func(c *Config) { c.LDAP.BindDN = "cn=radius2fa,dc=example" },
			`ldap.bind_password: missing (bind_dn is set; set bind_password or bind_password_file)`},
		{"password without bind_dn", func(c *Config) { c.LDAP.BindPassword = "fake-password" },
			`ldap.bind_dn: missing (a bind password is set)`},
		{"no base_dn", func(c *Config) { c.LDAP.BaseDN = "" },
			`ldap.base_dn: missing (e.g. ou=people,dc=example,dc=ac,dc=jp)`},
		{"no user_filter", func(c *Config) { c.LDAP.UserFilter = "" },
			`ldap.user_filter: missing (e.g. (uid={user}))`},
		{"user_filter without {user}", func(c *Config) { c.LDAP.UserFilter = "(uid=%s)" },
			`ldap.user_filter: "(uid=%s)" has no {user} placeholder`},
		{"user_filter that does not parse", func(c *Config) { c.LDAP.UserFilter = "uid={user})" },
			`ldap.user_filter: "uid={user})" is not a valid LDAP filter`},
		{"group_filter unchecked without group_base_dn", func(c *Config) { c.LDAP.GroupFilter = "" }, ""},
		{"group_filter without {dn}", func(c *Config) { c.LDAP.GroupBaseDN = "ou=groups,dc=example"; c.LDAP.GroupFilter = "(member=x)" },
			`ldap.group_filter: "(member=x)" has no {dn} placeholder`},
		{"no user_id_attribute", func(c *Config) { c.LDAP.UserIDAttribute = "" },
			`ldap.user_id_attribute: missing (e.g. uid)`},
		{"timeout negative", func(c *Config) { c.LDAP.Timeout = -time.Second },
			`ldap.timeout: -1s is not positive`},
		{"pool_size 1", func(c *Config) { c.LDAP.PoolSize = 1 }, ""},
		{"pool_size 1024", func(c *Config) { c.LDAP.PoolSize = 1024 }, ""},
		{"pool_size 1025", func(c *Config) { c.LDAP.PoolSize = 1025 },
			`ldap.pool_size: 1025 is not between 1 and 1024`},

		// totp
		{"no issuer", func(c *Config) { c.TOTP.Issuer = "" },
			`totp.issuer: missing (the name shown in the authenticator app)`},
		{"8 digits", func(c *Config) { c.TOTP.Digits = 8 }, ""},
		{"0 digits", func(c *Config) { c.TOTP.Digits = 0 }, `totp.digits: 0 is not 6 or 8`},
		{"period 15s", func(c *Config) { c.TOTP.Period = 15 * time.Second }, ""},
		{"period 14s", func(c *Config) { c.TOTP.Period = 14 * time.Second }, `totp.period: 14s is shorter than 15s`},
		{"period not whole seconds", func(c *Config) { c.TOTP.Period = 30500 * time.Millisecond },
			`totp.period: 30.5s is not a whole number of seconds`},
		{"skew 0", func(c *Config) { c.TOTP.Skew = 0 }, ""},
		{"skew 10", func(c *Config) { c.TOTP.Skew = 10 }, ""},
		{"skew -1", func(c *Config) { c.TOTP.Skew = -1 }, `totp.skew: -1 is not between 0 and 10`},

		// policy
		{"no default", func(c *Config) { c.Policy.Default = "" },
			`policy.default: missing (one of password, totp, totp_if_enrolled, reject)`},
		{"rule without name", func(c *Config) { c.Policy.Rules[1].Name = "" },
			`policy.rules[1].name: missing`},
		{"two rules with one name", func(c *Config) { c.Policy.Rules[1].Name = "wired" },
			`policy.rules[1].name: "wired" is already used by policy.rules[0]`},
		{"rule with a bad require", func(c *Config) { c.Policy.Rules[0].Require = "mfa" },
			`policy.rules[0].require: "mfa" is not one of password, totp, totp_if_enrolled, reject`},
		{"rule without condition", func(c *Config) { c.Policy.Rules[1].Groups = nil },
			`policy.rules[1]: rule "staff" has no condition (it would match everything; use policy.default)`},
		{"rule naming an undeclared client", func(c *Config) { c.Policy.Rules[0].Clients = []string{"wlc", "vpn-gw2"} },
			`policy.rules[0].clients[1]: "vpn-gw2" is not a declared client`},
		{"rule with an empty NAS-Identifier", func(c *Config) { c.Policy.Rules[0].NASIdentifiers = []string{""} },
			`policy.rules[0].nas_identifiers[0]: empty`},
		{"rule with an invalid user CIDR", func(c *Config) { c.Policy.Rules[0].UserCIDRs = []netip.Prefix{{}} },
			`policy.rules[0].user_cidrs[0]: missing (an IP or CIDR)`},
		{"groups with no way to read them", func(c *Config) { c.LDAP.GroupAttribute = "" },
			`policy.rules[1].groups: cannot match: ldap.group_attribute and ldap.group_base_dn are both empty`},
		{"groups searched under group_base_dn", func(c *Config) { c.LDAP.GroupAttribute = ""; c.LDAP.GroupBaseDN = "ou=groups,dc=example" }, ""},
		{"reply of 253 bytes", func(c *Config) { c.Policy.Rules[0].Reply.Class = strings.Repeat("c", 253) }, ""},
		{"reply of 254 bytes", func(c *Config) { c.Policy.Rules[0].Reply.FilterID = strings.Repeat("f", 254) },
			`policy.rules[0].reply.filter_id: is 254 bytes long (a RADIUS attribute holds at most 253)`},

		// lockout
		{"max_failures 0", func(c *Config) { c.Lockout.MaxFailures = 0 }, `lockout.max_failures: 0 is less than 1`},
		{"lockout duration 0", func(c *Config) { c.Lockout.Duration = 0 }, `lockout.duration: 0s is not positive`},

		// enroll
		{"enroll off ignores its other keys", func(c *Config) { c.Enroll = Enroll{PublicURL: "not a url", TLSCertFile: "/nonexistent"} }, ""},
		{"enroll on", enroll, ""},
		{"enroll listen without port", func(c *Config) { enroll(c); c.Enroll.Listen = "mfa.example.ac.jp" },
			`enroll.listen: "mfa.example.ac.jp" is not host:port (e.g. 0.0.0.0:8443)`},
		{"enroll without public_url", func(c *Config) { enroll(c); c.Enroll.PublicURL = "" },
			`enroll.public_url: missing (the https:// address users open)`},
		{"enroll with a relative public_url", func(c *Config) { enroll(c); c.Enroll.PublicURL = "/enroll" },
			`enroll.public_url: "/enroll" is not an absolute http:// or https:// URL`},
		{"enroll with an ftp public_url", func(c *Config) { enroll(c); c.Enroll.PublicURL = "ftp://mfa.example.ac.jp/" },
			`enroll.public_url: "ftp://mfa.example.ac.jp/" is not an absolute http:// or https:// URL`},
		{"enroll without allowed_cidrs", func(c *Config) { enroll(c); c.Enroll.AllowedCIDRs = nil },
			`enroll.allowed_cidrs: missing (the on-campus networks that may open the page)`},
		{"enroll with an invalid trusted proxy", func(c *Config) { enroll(c); c.Enroll.TrustedProxies = []netip.Prefix{{}} },
			`enroll.trusted_proxies[0]: missing (an IP or CIDR)`},
		{"enroll on loopback over plain HTTP", func(c *Config) { enroll(c); c.Enroll.TrustedProxies = nil; c.Enroll.Listen = "127.0.0.1:8443" }, ""},
		{"enroll over plain HTTP on the network", func(c *Config) { enroll(c); c.Enroll.TrustedProxies = nil },
			`enroll.tls_cert_file: missing: passwords would cross the network in clear (set tls_cert_file and tls_key_file, list the TLS-terminating proxy in enroll.trusted_proxies, or listen on a loopback address)`},
		{"enroll key without certificate", func(c *Config) { enroll(c); c.Enroll.TLSKeyFile = "/nonexistent/tls.key" },
			`enroll.tls_cert_file: missing (tls_key_file is set)
enroll.tls_key_file: cannot read /nonexistent/tls.key: no such file or directory`},

		// store, admin
		{"no store path", func(c *Config) { c.Store.Path = "" }, `store.path: missing`},
		{"no store key", func(c *Config) { c.Store.EncryptionKeyFile = "" }, `store.encryption_key_file: missing`},
		{"store lease off", func(c *Config) { c.Store.Lease = 0 }, ""},
		{"store lease 1m", func(c *Config) { c.Store.Lease = time.Minute }, ""},
		{"store lease negative", func(c *Config) { c.Store.Lease = -time.Second }, `store.lease: -1s is not between 0 (off) and 1m`},
		{"store lease too long", func(c *Config) { c.Store.Lease = 61 * time.Second }, `store.lease: 1m1s is not between 0 (off) and 1m`},
		{"no admin socket", func(c *Config) { c.Admin.Socket = "" }, `admin.socket: missing`},
		{"metrics off", func(c *Config) { c.Admin.MetricsListen = "" }, ""},
		{"metrics without port", func(c *Config) { c.Admin.MetricsListen = "127.0.0.1" },
			`admin.metrics_listen: "127.0.0.1" is not host:port (e.g. 127.0.0.1:9812)`},

		// messages, log
		{"language ja", func(c *Config) { c.Messages.Language = "ja" }, ""},
		{"language missing", func(c *Config) { c.Messages.Language = "" },
			`messages.language: missing (one of en, ja)`},
		{"message of 253 bytes", func(c *Config) { c.Messages.WrongCode = strings.Repeat("あ", 84) + "a" }, ""},
		{"message of 254 bytes", func(c *Config) { c.Messages.LockedOut = strings.Repeat("あ", 84) + "ab" },
			`messages.locked_out: is 254 bytes long (a Reply-Message holds at most 253)`},
		{"message not UTF-8", func(c *Config) { c.Messages.ServiceUnavailable = "down\xff" },
			`messages.service_unavailable: "down\xff" is not valid UTF-8`},
		{"log format", func(c *Config) { c.Log.Format = "JSON" }, `log.format: "JSON" is not one of text, json`},
		{"log level", func(c *Config) { c.Log.Level = "" }, `log.level: missing (one of debug, info, warn, error)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() =\n%v\nwant nil", err)
				}
				return
			}
			assertError(t, err, tt.want)
		})
	}
}

func TestValidateReadsTheCAFile(t *testing.T) {
	dir := t.TempDir()
	cert, key := testCertificate(t)
	writeFile(t, filepath.Join(dir, "ca.pem"), cert, 0o644)
	writeFile(t, filepath.Join(dir, "key.pem"), key, 0o600)
	tests := []struct {
		file string
		want string
	}{
		{"ca.pem", ""},
		{"key.pem", "ldap.ca_file: " + dir + "/key.pem holds no PEM certificate"},
		{"missing.pem", "ldap.ca_file: cannot read " + dir + "/missing.pem: no such file or directory"},
	}
	for _, tt := range tests {
		c := validConfig()
		c.LDAP.CAFile = filepath.Join(dir, tt.file)
		err := c.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("ca_file %s: Validate() = %v, want nil", tt.file, err)
			}
			continue
		}
		assertError(t, err, tt.want)
	}
}

// All problems come at once, in the order of the file layout, whatever
// order the checks run in.
func TestValidateReportsEverythingAtOnce(t *testing.T) {
	c := validConfig()
	c.Log.Level = "trace"
	c.Radius.Clients[1].Secret = ""
	c.Policy.Rules[0].Clients = []string{"nope"}
	c.LDAP.PoolSize = 0
	c.Radius.ChallengeTimeout = 0
	assertError(t, c.Validate(), `radius.challenge_timeout: 0s is not positive
radius.clients[1].secret: missing (set secret or secret_file)
ldap.pool_size: 0 is not between 1 and 1024
policy.rules[0].clients[0]: "nope" is not a declared client
log.level: "trace" is not one of debug, info, warn, error`)
}

func TestSummary(t *testing.T) {
	c := validConfig()
	if got, want := c.Summary(), "config OK: 2 clients, 2 LDAP servers, 2 policy rules, default totp, store /var/lib/radius2fa/radius2fa.db"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	c.Path = "/etc/radius2fa/config.yaml"
	c.Radius.Clients = c.Radius.Clients[:1]
	c.LDAP.URLs = c.LDAP.URLs[:1]
	c.Policy.Rules = c.Policy.Rules[:1]
	if got, want := c.Summary(), "config /etc/radius2fa/config.yaml OK: 1 client, 1 LDAP server, 1 policy rule, default totp, store /var/lib/radius2fa/radius2fa.db"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
