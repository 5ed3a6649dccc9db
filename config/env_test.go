package config

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

func TestLoadEnvironmentOverridesFile(t *testing.T) {
	path := fixture(t, "minimal.yaml", nil)
	t.Setenv("RADIUS2FA_RADIUS_CHALLENGE_TIMEOUT", "90s")                                                                  // duration
	t.Setenv("RADIUS2FA_LDAP_URLS", "ldaps://ldap1.example.ac.jp ldaps://ldap2.example.ac.jp,ldaps://ldap3.example.ac.jp") // list
	t.Setenv("RADIUS2FA_LDAP_STRIP_REALM", "false")                                                                        // bool, default true
	t.Setenv("RADIUS2FA_LDAP_POOL_SIZE", "4")                                                                              // int
	t.Setenv("RADIUS2FA_LDAP_BIND_DN", "cn=radius2fa,ou=services,dc=example,dc=ac,dc=jp")
	t.Setenv("RADIUS2FA_LDAP_BIND_PASSWORD", "fake-env-password")
	t.Setenv("RADIUS2FA_MESSAGES_LANGUAGE", "ja")
	t.Setenv("RADIUS2FA_ENROLL_LISTEN", "127.0.0.1:18443")
	t.Setenv("RADIUS2FA_ENROLL_PUBLIC_URL", "https://mfa.example.ac.jp/")
	t.Setenv("RADIUS2FA_ENROLL_ALLOWED_CIDRS", "10.0.0.0/8, 192.0.2.1") // prefixes, a bare IP is a host

	c := mustLoad(t, path)

	if c.Radius.ChallengeTimeout != 90*time.Second {
		t.Errorf("radius.challenge_timeout = %v, want 90s", c.Radius.ChallengeTimeout)
	}
	wantURLs := []string{"ldaps://ldap1.example.ac.jp", "ldaps://ldap2.example.ac.jp", "ldaps://ldap3.example.ac.jp"}
	if !slices.Equal(c.LDAP.URLs, wantURLs) {
		t.Errorf("ldap.urls = %q, want %q", c.LDAP.URLs, wantURLs)
	}
	if c.LDAP.StripRealm {
		t.Errorf("ldap.strip_realm = true, want false from the environment")
	}
	if c.LDAP.PoolSize != 4 {
		t.Errorf("ldap.pool_size = %d, want 4", c.LDAP.PoolSize)
	}
	if c.LDAP.BindDN != "cn=radius2fa,ou=services,dc=example,dc=ac,dc=jp" || c.LDAP.BindPassword != "fake-env-password" {
		t.Errorf("ldap.bind_dn, bind_password = %q, %q: not from the environment", c.LDAP.BindDN, c.LDAP.BindPassword)
	}
	if c.Messages.Language != "ja" {
		t.Errorf("messages.language = %q, want ja", c.Messages.Language)
	}
	wantCIDRs := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	if c.Enroll.Listen != "127.0.0.1:18443" || !slices.Equal(c.Enroll.AllowedCIDRs, wantCIDRs) {
		t.Errorf("enroll = %+v, want listen and allowed_cidrs from the environment", c.Enroll)
	}
	// The file's own values stay where the environment is silent.
	if c.LDAP.BaseDN != "ou=people,dc=example,dc=ac,dc=jp" || len(c.Radius.Clients) != 1 {
		t.Errorf("file values lost: base_dn %q, %d clients", c.LDAP.BaseDN, len(c.Radius.Clients))
	}
}

// A section left empty in the file ("enroll:" with its keys commented out)
// must not hide the environment variables and defaults of its keys.
func TestLoadEnvironmentReachesAnEmptySection(t *testing.T) {
	path := writeConfig(t, `
radius:
  listen:
  clients:
    - {name: vpn-gw, address: 192.0.2.10, secret: "fake-secret-for-tests"}
ldap:
  urls: ["ldap://127.0.0.1:3389"]
  base_dn: "ou=people,dc=example,dc=ac,dc=jp"
enroll:
log:
`)
	t.Setenv("RADIUS2FA_ENROLL_LISTEN", "127.0.0.1:18443")
	t.Setenv("RADIUS2FA_ENROLL_PUBLIC_URL", "https://mfa.example.ac.jp/")
	t.Setenv("RADIUS2FA_ENROLL_ALLOWED_CIDRS", "10.0.0.0/8")
	c := mustLoad(t, path)
	if c.Enroll.Listen != "127.0.0.1:18443" || len(c.Enroll.AllowedCIDRs) != 1 {
		t.Errorf("enroll = %+v, want the environment's listen and allowed_cidrs", c.Enroll)
	}
	if !slices.Equal(c.Radius.Listen, []string{"0.0.0.0:1812"}) || c.Log.Level != "info" {
		t.Errorf("radius.listen %q, log.level %q: want the defaults", c.Radius.Listen, c.Log.Level)
	}
}

func TestLoadReportsABadEnvironmentValueByKey(t *testing.T) {
	path := fixture(t, "minimal.yaml", nil)
	t.Setenv("RADIUS2FA_LDAP_POOL_SIZE", "many")
	t.Setenv("RADIUS2FA_LDAP_TIMEOUT", "5")
	t.Setenv("RADIUS2FA_ENROLL_TRUSTED_PROXIES", "10.0.0.1,10.0.0.256")
	_, err := Load(path)
	assertError(t, err, `ldap.timeout: "5" is not a duration (use e.g. 60s, 5m)
ldap.pool_size: "many" is not a whole number
enroll.trusted_proxies[1]: "10.0.0.256" is not an IP or CIDR`)
}

// Every key outside the lists of clients and rules reaches the struct from
// its RADIUS2FA_ variable. The keys are those the example file documents,
// so a key the environment binding misses fails here.
func TestEveryKeyCanBeSetFromTheEnvironment(t *testing.T) {
	path := fixture(t, "minimal.yaml", nil)
	keys := exampleKeys(t)
	if !slices.Equal(keys, sorted(envKeys())) {
		t.Fatalf("keys bound to the environment:\n%q\nkeys of the example file:\n%q", sorted(envKeys()), keys)
	}
	baseline, problems := decodeFile(t, path)
	if problems != nil {
		t.Fatalf("decode minimal.yaml: %v", problems)
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			raw, want := envSample(fieldAt(baseline, key))
			t.Setenv(EnvPrefix+"_"+strings.ToUpper(strings.ReplaceAll(key, ".", "_")), raw)
			c, problems := decodeFile(t, path)
			if problems != nil {
				t.Fatalf("decode with %s=%q: %v", key, raw, problems)
			}
			if got := fieldAt(c, key).Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %#v, want %#v from the environment", key, got, want)
			}
		})
	}
}

// exampleKeys returns the keys set in testdata/radius2fa.example.yaml,
// outside its lists, sorted.
func exampleKeys(t *testing.T) []string {
	t.Helper()
	v := viper.New()
	v.SetConfigFile(filepath.Join("..", "testdata", "radius2fa.example.yaml"))
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range v.AllKeys() {
		ft := fieldAt(&Config{}, k).Type()
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && ft.Elem() != reflect.TypeFor[netip.Prefix]() {
			continue // radius.clients, policy.rules: file only
		}
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// decodeFile reads and decodes path as Load does, without validating.
func decodeFile(t *testing.T, path string) (*Config, []Problem) {
	t.Helper()
	settings, ferr := readYAML(path)
	if ferr != nil {
		t.Fatal(ferr)
	}
	return decode(newViper(settings))
}

// fieldAt returns the field of c at a dotted key path such as ldap.bind_dn.
func fieldAt(c *Config, key string) reflect.Value {
	v := reflect.ValueOf(c).Elem()
	for name := range strings.SplitSeq(key, ".") {
		found := false
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("mapstructure") == name {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			panic("no field for " + key)
		}
	}
	return v
}

// envSample returns an environment value for a field of the type of cur,
// and the value it must decode to (for a bool, the opposite of cur).
func envSample(cur reflect.Value) (string, any) {
	switch cur.Interface().(type) {
	case string:
		return "from-env", "from-env"
	case bool:
		return strconv.FormatBool(!cur.Bool()), !cur.Bool()
	case int:
		return "7", 7
	case time.Duration:
		return "7s", 7 * time.Second
	case []string:
		return "a.example:1,b.example:2 c.example:3", []string{"a.example:1", "b.example:2", "c.example:3"}
	case []netip.Prefix:
		return "192.0.2.0/24 2001:db8::1", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128")}
	}
	panic("no sample for " + cur.Type().String())
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not an IP or CIDR
	}{
		{"192.0.2.10", "192.0.2.10/32"},
		{"192.0.2.10/32", "192.0.2.10/32"},
		{"10.1.2.3/8", "10.0.0.0/8"}, // host bits cleared
		{"2001:db8::1", "2001:db8::1/128"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"::ffff:192.0.2.1", "192.0.2.1/32"}, // IPv4-mapped: unmapped
		{"::ffff:192.0.2.0/120", "192.0.2.0/24"},
		{"10.0.0.300", ""},
		{"10.0.0.0/33", ""},
		{"fe80::1%eth0", ""},
		{"vpn-gw.example.ac.jp", ""},
		{"", ""},
	}
	for _, tt := range tests {
		p, ok := parsePrefix(tt.in)
		got := ""
		if ok {
			got = p.String()
		}
		if got != tt.want {
			t.Errorf("parsePrefix(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
