package directory_test

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

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

// otherCA writes a CA certificate that did not sign the server's.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "some other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLS(t *testing.T) {
	srv := directorytest.Start(t, directorytest.WithTLS())
	wrongCA := otherCA(t)
	tests := []struct {
		name     string
		url      string
		startTLS bool
		caFile   string
		wantErr  bool
	}{
		{"ldaps", srv.LDAPSURL, false, srv.CAFile, false},
		{"ldaps, wrong CA", srv.LDAPSURL, false, wrongCA, true},
		{"ldaps, system roots", srv.LDAPSURL, false, "", true},
		{"StartTLS", srv.URL, true, srv.CAFile, false},
		{"StartTLS, wrong CA", srv.URL, true, wrongCA, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.Config()
			cfg.URLs, cfg.StartTLS, cfg.CAFile = []string{tt.url}, tt.startTLS, tt.caFile
			c := newClient(t, cfg)
			id, ok, err := authenticate(t, c, "bob", "bob-pass")
			if tt.wantErr {
				if ok || !errors.Is(err, directory.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("Authenticate = %v, %v; want a certificate error", ok, err)
				}
				return
			}
			if err != nil || !ok || id.ID != "bob" {
				t.Fatalf("Authenticate = %+v, %v, %v", id, ok, err)
			}
			if _, ok, err := authenticate(t, c, "bob", "alice-pass"); ok || err != nil {
				t.Fatalf("Authenticate(wrong password) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}
