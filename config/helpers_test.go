package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// isolateEnv hides RADIUS2FA_* variables of the environment the tests run
// in (viper treats an empty variable as unset), so that only what a test
// sets reaches Load.
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, EnvPrefix+"_") {
			t.Setenv(name, "")
		}
	}
}

// fixture copies testdata/config/name into a new directory (mode 0600)
// and writes files, keyed by path relative to that directory, beside it
// (mode 0600). It returns the path of the copy.
func fixture(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	isolateEnv(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "config", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	writeFile(t, path, string(data), 0o600)
	for rel, content := range files {
		writeFile(t, filepath.Join(dir, rel), content, 0o600)
	}
	return path
}

// writeFile writes content to path with exactly mode (whatever the umask),
// creating its directory.
func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// writeConfig writes a configuration file into a new directory and returns
// its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	isolateEnv(t)
	path := filepath.Join(t.TempDir(), "radius2fa.yaml")
	writeFile(t, path, yaml, 0o600)
	return path
}

// testCertificate returns a self-signed CA certificate and its key, PEM
// encoded, made for this test run only.
func testCertificate(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "radius2fa test CA"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// assertError checks that err is an *Error matching ErrInvalid whose text
// is exactly want.
func assertError(t *testing.T, err error, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a *config.Error", err, err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) = false")
	}
	if got := err.Error(); got != want {
		t.Errorf("error text:\n%s\n\nwant:\n%s", got, want)
	}
}

// mustLoad loads path and fails the test on any problem.
func mustLoad(t *testing.T, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", path, err)
	}
	return c
}
