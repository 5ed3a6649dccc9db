package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const secretFileConfig = `
radius:
  clients:
    - name: vpn-gw
      address: 192.0.2.10
      secret_file: secrets/vpn-gw.secret
ldap:
  urls: ["ldaps://ldap.example.ac.jp"]
  bind_dn: "cn=radius2fa,ou=services,dc=example,dc=ac,dc=jp"
  bind_password_file: ldap.secret
  base_dn: "ou=people,dc=example,dc=ac,dc=jp"
`

func TestLoadReadsSecretFiles(t *testing.T) {
	path := writeConfig(t, secretFileConfig)
	dir := filepath.Dir(path)
	writeFile(t, filepath.Join(dir, "secrets", "vpn-gw.secret"), "fake vpn secret \n", 0o600)
	writeFile(t, filepath.Join(dir, "ldap.secret"), "fake-ldap-password\r\n", 0o400)

	c := mustLoad(t, path)

	// Trailing newlines go, anything else (the space) is the secret.
	if got := c.Radius.Clients[0].Secret; got != "fake vpn secret " {
		t.Errorf("radius.clients[0].secret = %q, want the file's content without the newline", got)
	}
	if got := c.LDAP.BindPassword; got != "fake-ldap-password" {
		t.Errorf("ldap.bind_password = %q, want the file's content without CRLF", got)
	}
	if got, want := c.Radius.Clients[0].SecretFile, filepath.Join(dir, "secrets", "vpn-gw.secret"); got != want {
		t.Errorf("secret_file = %q, want %q (relative to the config file)", got, want)
	}
	if c.Warnings != nil {
		t.Errorf("Warnings = %q, want none for files only the owner can read", c.Warnings)
	}
}

func TestLoadWarnsAboutSecretFilesOthersCanRead(t *testing.T) {
	path := writeConfig(t, secretFileConfig)
	dir := filepath.Dir(path)
	writeFile(t, filepath.Join(dir, "secrets", "vpn-gw.secret"), "fake-vpn-secret\n", 0o640)
	writeFile(t, filepath.Join(dir, "ldap.secret"), "fake-ldap-password\n", 0o604)

	c := mustLoad(t, path)

	want := []string{
		"radius.clients[0].secret_file: " + dir + "/secrets/vpn-gw.secret is readable by group/other (chmod 600)",
		"ldap.bind_password_file: " + dir + "/ldap.secret is readable by group/other (chmod 600)",
	}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("Warnings =\n%q\nwant\n%q", c.Warnings, want)
	}
	if c.Radius.Clients[0].Secret != "fake-vpn-secret" {
		t.Errorf("a readable secret file is still used; secret = %q", c.Radius.Clients[0].Secret)
	}
}

func TestLoadReportsUnusableSecretFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string // of secrets/vpn-gw.secret; "/" makes it a directory
		want    string
	}{
		{"empty", "", "radius.clients[0].secret_file: {dir}/secrets/vpn-gw.secret is empty"},
		{"only a newline", "\n", "radius.clients[0].secret_file: {dir}/secrets/vpn-gw.secret is empty"},
		{"too large", strings.Repeat("fake", 1025), "radius.clients[0].secret_file: {dir}/secrets/vpn-gw.secret is larger than 4096 bytes (not a secret file?)"},
		{"a directory", "/", "radius.clients[0].secret_file: cannot read {dir}/secrets/vpn-gw.secret: is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, secretFileConfig)
			dir := filepath.Dir(path)
			writeFile(t, filepath.Join(dir, "ldap.secret"), "fake-ldap-password\n", 0o600)
			secret := filepath.Join(dir, "secrets", "vpn-gw.secret")
			if tt.content == "/" {
				if err := os.MkdirAll(secret, 0o700); err != nil {
					t.Fatal(err)
				}
			} else {
				writeFile(t, secret, tt.content, 0o600)
			}
			_, err := Load(path)
			assertError(t, err, strings.ReplaceAll(tt.want, "{dir}", dir))
		})
	}
}

// Relative paths are relative to the configuration file, not to the
// working directory, and Config.Path is absolute.
func TestLoadResolvesRelativePaths(t *testing.T) {
	isolateEnv(t)
	base := t.TempDir()
	cert, key := testCertificate(t)
	dir := filepath.Join(base, "etc")
	writeFile(t, filepath.Join(dir, "radius2fa.yaml"), `
radius:
  clients:
    - {name: vpn-gw, address: 192.0.2.10, secret_file: vpn-gw.secret}
ldap:
  urls: ["ldaps://ldap.example.ac.jp"]
  ca_file: certs/ca.pem
  base_dn: "ou=people,dc=example,dc=ac,dc=jp"
enroll:
  listen: "127.0.0.1:18443"
  public_url: "https://mfa.example.ac.jp/"
  allowed_cidrs: [10.0.0.0/8]
  tls_cert_file: tls/tls.crt
  tls_key_file: tls/tls.key
store:
  path: ../var/radius2fa.db
  encryption_key_file: store.key
admin:
  socket: run/admin.sock
`, 0o600)
	writeFile(t, filepath.Join(dir, "vpn-gw.secret"), "fake-vpn-secret\n", 0o600)
	writeFile(t, filepath.Join(dir, "certs", "ca.pem"), cert, 0o644)
	writeFile(t, filepath.Join(dir, "tls", "tls.crt"), cert, 0o644)
	writeFile(t, filepath.Join(dir, "tls", "tls.key"), key, 0o600)
	t.Chdir(base)

	c := mustLoad(t, filepath.Join("etc", "radius2fa.yaml"))

	got := map[string]string{
		"path":                          c.Path,
		"radius.clients[0].secret_file": c.Radius.Clients[0].SecretFile,
		"ldap.ca_file":                  c.LDAP.CAFile,
		"enroll.tls_cert_file":          c.Enroll.TLSCertFile,
		"enroll.tls_key_file":           c.Enroll.TLSKeyFile,
		"store.path":                    c.Store.Path,
		"store.encryption_key_file":     c.Store.EncryptionKeyFile,
		"admin.socket":                  c.Admin.Socket,
	}
	want := map[string]string{
		"path":                          dir + "/radius2fa.yaml",
		"radius.clients[0].secret_file": dir + "/vpn-gw.secret",
		"ldap.ca_file":                  dir + "/certs/ca.pem",
		"enroll.tls_cert_file":          dir + "/tls/tls.crt",
		"enroll.tls_key_file":           dir + "/tls/tls.key",
		"store.path":                    base + "/var/radius2fa.db",
		"store.encryption_key_file":     dir + "/store.key",
		"admin.socket":                  dir + "/run/admin.sock",
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s = %q, want %q", k, got[k], want[k])
		}
	}
}

func TestLoadWarnsAboutAReadableFileHoldingSecrets(t *testing.T) {
	path := fixture(t, "minimal.yaml", nil)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, path)
	want := []string{path + " holds secrets and is readable by group/other (chmod 600, or use secret_file and bind_password_file)"}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", c.Warnings, want)
	}
}

func TestLoadWarnsAboutUnencryptedLDAP(t *testing.T) {
	tests := []struct {
		urls     string
		startTLS string
		want     []string
	}{
		{"ldap://ldap.example.ac.jp", "false", []string{
			"ldap.urls[0]: ldap://ldap.example.ac.jp sends passwords unencrypted (use ldaps:// or start_tls: true)"}},
		{"ldaps://ldap1.example.ac.jp,ldap://ldap2.example.ac.jp:389", "false", []string{
			"ldap.urls[1]: ldap://ldap2.example.ac.jp:389 sends passwords unencrypted (use ldaps:// or start_tls: true)"}},
		{"ldap://ldap.example.ac.jp", "true", nil},
		{"ldap://127.0.0.1:3389,ldap://localhost,ldap://[::1]:389", "false", nil},
	}
	for _, tt := range tests {
		t.Run(tt.urls+" start_tls="+tt.startTLS, func(t *testing.T) {
			path := fixture(t, "minimal.yaml", nil)
			t.Setenv("RADIUS2FA_LDAP_URLS", tt.urls)
			t.Setenv("RADIUS2FA_LDAP_START_TLS", tt.startTLS)
			c := mustLoad(t, path)
			if !slices.Equal(c.Warnings, tt.want) {
				t.Errorf("Warnings = %q, want %q", c.Warnings, tt.want)
			}
		})
	}
}

// A file whose secrets are all in *_file keys may be readable by others.
func TestLoadDoesNotWarnAboutAReadableFileWithoutSecrets(t *testing.T) {
	path := writeConfig(t, secretFileConfig+"  bind_password: \"\"\n")
	dir := filepath.Dir(path)
	writeFile(t, filepath.Join(dir, "secrets", "vpn-gw.secret"), "fake-vpn-secret\n", 0o600)
	writeFile(t, filepath.Join(dir, "ldap.secret"), "fake-ldap-password\n", 0o600)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if c := mustLoad(t, path); c.Warnings != nil {
		t.Errorf("Warnings = %q, want none", c.Warnings)
	}
}
