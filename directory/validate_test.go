package directory_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
)

func validConfig() config.LDAP {
	return config.LDAP{
		URLs:            []string{"ldaps://ldap1.example.ac.jp", "ldap://ldap2.example.ac.jp:3389"},
		BindDN:          "cn=radius2fa,ou=services,dc=example,dc=ac,dc=jp",
		BindPassword:    "x",
		BaseDN:          "ou=people,dc=example,dc=ac,dc=jp",
		UserFilter:      "(uid={user})",
		UserIDAttribute: "uid",
		GroupAttribute:  "memberOf",
		Timeout:         5 * time.Second,
		PoolSize:        4,
	}
}

func TestNewAcceptsValidConfigWithoutAServer(t *testing.T) {
	c, err := directory.New(validConfig(), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.LDAP{
		URLs:            []string{"http://ldap.example.ac.jp", "ldaps://ldap.example.ac.jp", "ldap://"},
		StartTLS:        true,
		CAFile:          notPEM,
		BindDN:          "cn=radius2fa",
		BaseDN:          "",
		UserFilter:      "(uid=alice)",
		GroupBaseDN:     "ou=groups,dc=example,dc=ac,dc=jp",
		GroupFilter:     "(member={dn}",
		UserIDAttribute: "",
		Timeout:         0,
		PoolSize:        -1,
	}
	_, err := directory.New(cfg, nil)
	if !errors.Is(err, directory.ErrConfig) {
		t.Fatalf("New = %v, want ErrConfig", err)
	}
	for _, want := range []string{
		"ldap.ca_file: " + notPEM + ": no PEM certificate found",
		`ldap.urls[0]: "http://ldap.example.ac.jp": scheme must be ldap or ldaps`,
		`ldap.urls[1]: "ldaps://ldap.example.ac.jp": start_tls needs ldap://, not ldaps://`,
		`ldap.urls[2]: "ldap://": no host`,
		`ldap.base_dn: "" is not a DN`,
		"ldap.bind_password: empty while bind_dn is set",
		`ldap.user_filter: "(uid=alice)" must contain {user}`,
		`ldap.group_filter: "(member={dn}"`,
		"ldap.user_id_attribute: empty",
		"ldap.timeout: must be positive, got 0s",
		"ldap.pool_size: must be positive, got -1",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestNewRejectsMissingCAFileAndNoURLs(t *testing.T) {
	cfg := validConfig()
	cfg.URLs = nil
	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	_, err := directory.New(cfg, nil)
	for _, want := range []string{"ldap.urls: at least one", "ldap.ca_file: open " + cfg.CAFile} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v, want it to mention %q", err, want)
		}
	}
}
