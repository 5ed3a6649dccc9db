package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Each bad file of testdata/config and the whole text check-config would
// print for it. {dir} is the directory of the file.
func TestLoadReportsEveryProblemOfABadFile(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"bad_cidr.yaml", `radius.clients[1].address: "10.0.0.300/24" is not an IP or CIDR`},
		{"bad_duration.yaml", `radius.challenge_timeout: "15mins" is not a duration (use e.g. 60s, 5m)
lockout.duration: 15 is not a duration (use e.g. 60s, 5m)`},
		{"unknown_key.yaml", `radius.clients[0].nas_type: unknown key
ldap.urls: missing (at least one ldap:// or ldaps:// URL)
ldap.urlz: unknown key
loging: unknown key`},
		{"missing_secret.yaml", `radius.clients[0].secret: missing (set secret or secret_file)`},
		{"wrong_type.yaml", `radius.listen: a mapping is not a list
radius.clients[0].name: a list is not a string (quote it)
radius.clients[0].secret: the value is not a string (quote it)
ldap.start_tls: "maybe" is not true or false
ldap.pool_size: "many" is not a whole number
totp.digits: 6.5 is not a whole number`},
		{"both_secret.yaml", `radius.clients[0].secret_file: set together with secret (use only one)`},
		{"missing_secret_file.yaml", `radius.clients[0].secret_file: cannot read {dir}/no-such.secret: no such file or directory
ldap.bind_password_file: cannot read {dir}/secrets/no-such-ldap.secret: no such file or directory`},
		{"bad_enum.yaml", `radius.clients[0].mode: "apend" is not one of append, challenge, auto
radius.clients[0].require_message_authenticator: "sometimes" is not one of auto, yes, no
policy.default: "2fa" is not one of password, totp, totp_if_enrolled, reject
messages.language: "de" is not one of en, ja
log.format: "xml" is not one of text, json
log.level: "verbose" is not one of debug, info, warn, error`},
		{"duplicate_client.yaml", `radius.clients[1].name: "vpn-gw" is already used by radius.clients[0]
radius.clients[2].address: "192.0.2.10/32" is already used by radius.clients[0]
radius.clients[3].address: "0.0.0.0/0" would accept requests from any address (list the NAS addresses or networks)`},
		{"bad_policy.yaml", `policy.rules[0].clients[1]: "vpn-gw2" is not a declared client
policy.rules[1]: rule "everything" has no condition (it would match everything; use policy.default)
policy.rules[2].name: "vpn" is already used by policy.rules[0]
policy.rules[2].ssids[1]: empty
policy.rules[2].require: missing (one of password, totp, totp_if_enrolled, reject)
policy.rules[3].groups: cannot match: ldap.group_attribute and ldap.group_base_dn are both empty
policy.rules[3].reply.class: is 260 bytes long (a RADIUS attribute holds at most 253)`},
		{"bad_ldap.yaml", `ldap.urls[0]: "http://ldap1.example.ac.jp" is not an ldap:// or ldaps:// URL with a host
ldap.urls[2]: "ldap://" is not an ldap:// or ldaps:// URL with a host
ldap.start_tls: true, but ldap.urls[1] "ldaps://ldap2.example.ac.jp" is already TLS (StartTLS is for ldap:// URLs)
ldap.ca_file: cannot read {dir}/no-such-ca.pem: no such file or directory
ldap.bind_password: missing (bind_dn is set; set bind_password or bind_password_file)
ldap.base_dn: missing (e.g. ou=people,dc=example,dc=ac,dc=jp)
ldap.user_filter: "(uid=alice)" has no {user} placeholder
ldap.user_id_attribute: missing (e.g. uid)
ldap.group_filter: "(member={dn}" is not a valid LDAP filter
ldap.timeout: 0s is not positive
ldap.pool_size: 0 is not between 1 and 1024
ldap.cache_ttl: 1ms is neither 0 (off) nor between 1s and 1h`},
		{"bad_totp.yaml", `totp.issuer: missing (the name shown in the authenticator app)
totp.digits: 7 is not 6 or 8
totp.period: 10s is shorter than 15s
totp.skew: 11 is not between 0 and 10
lockout.max_failures: 0 is less than 1
lockout.duration: -1m0s is not positive`},
		{"bad_listen.yaml", `radius.listen[0]: "1812" is not host:port (e.g. 0.0.0.0:1812)
radius.accounting_listen: "0.0.0.0:radius-acct" is not host:port (e.g. 0.0.0.0:1813)
enroll.listen: "8443" is not host:port (e.g. 0.0.0.0:8443)
enroll.public_url: "mfa.example.ac.jp" is not an absolute http:// or https:// URL
enroll.allowed_cidrs: missing (the on-campus networks that may open the page)
enroll.tls_cert_file: cannot read /nonexistent/tls.crt: no such file or directory
enroll.tls_key_file: missing (tls_cert_file is set)
admin.socket: missing
admin.metrics_listen: "localhost" is not host:port (e.g. 127.0.0.1:9812)`},
		{"bad_messages.yaml", `messages.wrong_code: is 263 bytes long (a Reply-Message holds at most 253)`},
		{"bad_yaml.yaml", `cannot parse {dir}/bad_yaml.yaml: yaml: line 2: did not find expected ',' or ']'`},
		{"many.yaml", `radius.challenge_timeout: "15mins" is not a duration (use e.g. 60s, 5m)
radius.clients[1].address: "10.0.0.300/24" is not an IP or CIDR
radius.clients[1].mode: "apend" is not one of append, challenge, auto
radius.clients[2].secret: missing (set secret or secret_file)
ldap.urls: missing (at least one ldap:// or ldaps:// URL)
ldap.pool_size: "many" is not a whole number
ldap.urlz: unknown key
policy.rules[0].clients[1]: "vpn-gw2" is not a declared client
policy.rules[1]: rule "everything" has no condition (it would match everything; use policy.default)
log.level: "verbose" is not one of debug, info, warn, error`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := fixture(t, tt.file, nil)
			c, err := Load(path)
			if c != nil {
				t.Errorf("Load returned a Config along with the error")
			}
			assertError(t, err, strings.ReplaceAll(tt.want, "{dir}", filepath.Dir(path)))
		})
	}
}

func TestLoadNeverShowsASecretValue(t *testing.T) {
	_, err := Load(fixture(t, "wrong_type.yaml", nil))
	if err == nil || strings.Contains(err.Error(), "97531") {
		t.Fatalf("error = %v, want a problem that hides the secret 97531", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	isolateEnv(t)
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	assertError(t, err, "cannot read "+path+": no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
}

// The smallest file gets every default, including the per-client ones.
func TestLoadAppliesDefaults(t *testing.T) {
	path := fixture(t, "minimal.yaml", nil)
	c := mustLoad(t, path)
	want := &Config{
		Radius: Radius{
			Listen:           []string{"0.0.0.0:1812"},
			ChallengeTimeout: 60 * time.Second,
			Clients: []Client{{
				Name:                        "vpn-gw",
				Address:                     netip.MustParsePrefix("192.0.2.10/32"),
				Secret:                      "fake-secret-for-tests",
				Mode:                        "append",
				RequireMessageAuthenticator: "auto",
			}},
		},
		LDAP: LDAP{
			URLs:            []string{"ldap://127.0.0.1:3389"},
			BaseDN:          "ou=people,dc=example,dc=ac,dc=jp",
			UserFilter:      "(uid={user})",
			StripRealm:      true,
			UserIDAttribute: "uid",
			GroupAttribute:  "memberOf",
			GroupFilter:     "(member={dn})",
			Timeout:         5 * time.Second,
			PoolSize:        32,
			CacheTTL:        10 * time.Minute,
		},
		TOTP:    TOTP{Issuer: "radius2fa", Digits: 6, Period: 30 * time.Second, Skew: 1},
		Policy:  Policy{Default: "totp"},
		Lockout: Lockout{MaxFailures: 5, Duration: 15 * time.Minute},
		Store: Store{
			Path:              "/var/lib/radius2fa/radius2fa.db",
			EncryptionKeyFile: "/etc/radius2fa/store.key",
			Lease:             time.Second,
		},
		Admin:    Admin{Socket: "/run/radius2fa/admin.sock", MetricsListen: "127.0.0.1:9812"},
		Messages: Messages{Language: "en"},
		Log:      Log{Format: "text", Level: "info"},
		Path:     path,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(minimal.yaml) =\n%+v\nwant\n%+v", c, want)
	}
	if got, want := c.Summary(), "config "+path+" OK: 1 client, 1 LDAP server, 0 policy rules, default totp, store /var/lib/radius2fa/radius2fa.db"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

// Every key of DESIGN.md, secrets from files, relative paths resolved
// against the file's directory.
func TestLoadFull(t *testing.T) {
	cert, key := testCertificate(t)
	path := fixture(t, "full.yaml", map[string]string{
		"secrets/vpn-gw.secret": "fake-vpn-gw-secret\n",
		"secrets/ldap.secret":   "fake-ldap-password\n",
		"ca.pem":                cert,
		"tls.crt":               cert,
		"tls.key":               key,
	})
	dir := filepath.Dir(path)
	c := mustLoad(t, path)
	want := fullConfig(dir)
	want.Path = path
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(full.yaml) =\n%+v\nwant\n%+v", c, want)
	}
	if got, want := c.Summary(), "config "+path+" OK: 3 clients, 2 LDAP servers, 5 policy rules, default totp_if_enrolled, store "+dir+"/data/radius2fa.db"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

// fullConfig is what testdata/config/full.yaml holds, copied to dir.
func fullConfig(dir string) *Config {
	return &Config{
		Radius: Radius{
			Listen:           []string{"127.0.0.1:11812", "[::1]:11812"},
			AccountingListen: "127.0.0.1:11813",
			ChallengeTimeout: 90 * time.Second,
			Clients: []Client{
				{Name: "vpn-gw", Address: netip.MustParsePrefix("192.0.2.10/32"),
					Secret: "fake-vpn-gw-secret", SecretFile: dir + "/secrets/vpn-gw.secret",
					Mode: "append", RequireMessageAuthenticator: "no"},
				{Name: "campus-switches", Address: netip.MustParsePrefix("10.20.0.0/16"),
					Secret: "fake-switch-secret", Mode: "challenge", RequireMessageAuthenticator: "yes"},
				// ::ffff:198.51.100.7 is unmapped to the IPv4 host.
				{Name: "wlc", Address: netip.MustParsePrefix("198.51.100.7/32"),
					Secret: "fake-wlc-secret", Mode: "auto", RequireMessageAuthenticator: "auto", Proxy: true},
			},
		},
		LDAP: LDAP{
			URLs:             []string{"ldaps://ldap1.example.ac.jp", "ldaps://ldap2.example.ac.jp:636"},
			CAFile:           dir + "/ca.pem",
			BindDN:           "cn=radius2fa,ou=services,dc=example,dc=ac,dc=jp",
			BindPassword:     "fake-ldap-password",
			BindPasswordFile: dir + "/secrets/ldap.secret",
			BaseDN:           "ou=people,dc=example,dc=ac,dc=jp",
			UserFilter:       "(&(objectClass=inetOrgPerson)(uid={user}))",
			UserIDAttribute:  "uid",
			GroupAttribute:   "memberOf",
			GroupBaseDN:      "ou=groups,dc=example,dc=ac,dc=jp",
			GroupFilter:      "(uniqueMember={dn})",
			Timeout:          3 * time.Second,
			PoolSize:         8,
			CacheTTL:         30 * time.Second,
		},
		TOTP: TOTP{Issuer: "Example University", Digits: 8, Period: 60 * time.Second, Skew: 2},
		Policy: Policy{
			Default: "totp_if_enrolled",
			Rules: []Rule{
				{Name: "campus-wired", Clients: []string{"campus-switches"}, Require: "password"},
				{Name: "wifi-offcampus", SSIDs: []string{"eduroam", "tutguest"}, Require: "totp"},
				{Name: "vpn-portal", NASIdentifiers: []string{"guest-portal"}, Require: "totp",
					Reply: Reply{Class: "vpn-users", FilterID: "offcampus"}},
				// A single string is one group, not split at its commas.
				{Name: "staff-opt-in",
					UserCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")},
					Groups:    []string{"cn=staff,ou=groups,dc=example,dc=ac,dc=jp"},
					Require:   "totp_if_enrolled"},
				{Name: "blocked", Clients: []string{"wlc"},
					Groups: []string{"cn=blocked,ou=groups,dc=example,dc=ac,dc=jp"}, Require: "reject"},
			},
		},
		Lockout: Lockout{MaxFailures: 3, Duration: 30 * time.Minute},
		Enroll: Enroll{
			Listen:         "127.0.0.1:18443",
			PublicURL:      "https://mfa.example.ac.jp/",
			AllowedCIDRs:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12")},
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.1.2.3/32")},
			TLSCertFile:    dir + "/tls.crt",
			TLSKeyFile:     dir + "/tls.key",
		},
		Store: Store{Path: dir + "/data/radius2fa.db", EncryptionKeyFile: dir + "/keys/store.key", Lease: 250 * time.Millisecond},
		Admin: Admin{Socket: "/run/radius2fa-test/admin.sock", MetricsListen: "127.0.0.1:19812"},
		Messages: Messages{
			Language:           "ja",
			NotRegistered:      "Register your app at {url} first.",
			WrongPassword:      "Wrong password.",
			WrongCode:          "Wrong code.",
			CodeReused:         "This code was already used; wait for the next one.",
			CodeMissing:        "Type your password followed by the {digits}-digit code.",
			CodePrompt:         "Code from your authenticator app:",
			ChallengeExpired:   "Too late; log in again.",
			LockedOut:          "Too many wrong codes; try again in {minutes} minutes.",
			UnsupportedMethod:  "{method} is not supported; use PAP.",
			PasswordTooLong:    "Password and code are too long.",
			AccessDenied:       "Access denied.",
			ServiceUnavailable: "Service unavailable; try again later.",
		},
		Log: Log{Format: "json", Level: "debug"},
	}
}

// Pointed at a secret file by mistake, Load must not print the secret.
func TestLoadNeverShowsTheContentOfANonConfigFile(t *testing.T) {
	path := writeConfig(t, "fake-secret-not-yaml-mapping\n")
	_, err := Load(path)
	assertError(t, err, "cannot parse "+path+": yaml: unmarshal errors: line 1: cannot unmarshal !!str `…` into map[string]interface {}")
}
