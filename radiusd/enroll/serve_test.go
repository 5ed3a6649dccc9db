package enroll_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/radiusd/enroll"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key,
// and returns their paths and a pool that trusts it.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serve runs srv.Serve on a loopback listener until the test ends and
// returns its address and a function that stops it and returns Serve's
// result.
func serve(t *testing.T, srv *enroll.Server) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	stop := func() error {
		cancel()
		return <-done
	}
	t.Cleanup(func() { cancel() })
	return ln.Addr().String(), stop
}

func newServer(t *testing.T, ldap *directorytest.Server, logs io.Writer, edit func(*config.Config)) (*enroll.Server, error) {
	t.Helper()
	cfg := testConfig(ldap)
	edit(cfg)
	dir, err := directory.New(cfg.LDAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.Close() })
	return enroll.New(enroll.Options{Config: cfg, Directory: dir, Store: openStore(t), Logger: slog.New(slog.NewTextHandler(logs, nil))})
}

func testServe(t *testing.T, ldap *directorytest.Server) {

	t.Run("TLS", func(t *testing.T) {
		certFile, keyFile, pool := writeCert(t)
		var logs syncBuffer
		srv, err := newServer(t, ldap, &logs, func(c *config.Config) {
			c.Enroll.TLSCertFile, c.Enroll.TLSKeyFile = certFile, keyFile
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "plain HTTP") {
			t.Errorf("warning about plain HTTP with TLS configured:\n%s", logs.String())
		}
		addr, stop := serve(t, srv)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := client.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / over TLS: %d", resp.StatusCode)
		}
		cookies := resp.Cookies()
		if len(cookies) == 0 || !cookies[0].Secure {
			t.Errorf("cookies over TLS %v: want Secure", cookies)
		}
		client.CloseIdleConnections()

		old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
		if resp, err := old.Get("https://" + addr + "/"); err == nil {
			resp.Body.Close()
			t.Error("a TLS 1.1 client was served")
		}
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Error("plain HTTP was served on the TLS listener")
			}
		}
		if err := stop(); err != nil {
			t.Errorf("Serve after ctx ended: %v, want nil", err)
		}
	})

	t.Run("plain HTTP", func(t *testing.T) {
		var logs syncBuffer
		srv, err := newServer(t, ldap, &logs, func(*config.Config) {})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "enrollment page served over plain HTTP") {
			t.Errorf("no warning about plain HTTP:\n%s", logs.String())
		}
		addr, stop := serve(t, srv)
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %d", resp.StatusCode)
		}
		if err := stop(); err != nil {
			t.Errorf("Serve after ctx ended: %v, want nil", err)
		}
		if _, err := http.Get("http://" + addr + "/"); err == nil {
			t.Error("still serving after ctx ended")
		}
	})

	t.Run("a closed listener is an error", func(t *testing.T) {
		srv, err := newServer(t, ldap, io.Discard, func(*config.Config) {})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		if err := srv.Serve(context.Background(), ln); err == nil {
			t.Error("Serve on a closed listener returned nil")
		}
	})

	t.Run("New refuses bad options", func(t *testing.T) { testNewRefusesBadOptions(t, ldap) })
}

func testNewRefusesBadOptions(t *testing.T, ldap *directorytest.Server) {
	tests := []struct {
		name string
		edit func(*config.Config)
		want []string
	}{
		{"no campus", func(c *config.Config) { c.Enroll.AllowedCIDRs = nil }, []string{"enroll.allowed_cidrs: missing"}},
		{"invalid proxy", func(c *config.Config) { c.Enroll.TrustedProxies = []netip.Prefix{{}} }, []string{"enroll.trusted_proxies[0]"}},
		{"certificate without key", func(c *config.Config) { c.Enroll.TLSCertFile = "/nonexistent.crt" }, []string{"set both or neither"}},
		{"unreadable certificate", func(c *config.Config) {
			c.Enroll.TLSCertFile, c.Enroll.TLSKeyFile = "/nonexistent.crt", "/nonexistent.key"
		}, []string{"enroll.tls_cert_file", "no such file"}},
		{"bad totp and lockout", func(c *config.Config) {
			c.TOTP.Digits, c.TOTP.Issuer, c.Lockout.MaxFailures = 7, "", 0
		}, []string{"digits 7", "totp.issuer: missing", "lockout.max_failures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newServer(t, ldap, io.Discard, tt.edit)
			if !errors.Is(err, enroll.ErrInvalidOptions) {
				t.Fatalf("New: %v, want ErrInvalidOptions", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := enroll.New(enroll.Options{Config: testConfig(ldap)}); !errors.Is(err, enroll.ErrInvalidOptions) ||
		!strings.Contains(err.Error(), "no Directory") || !strings.Contains(err.Error(), "no Store") {
		t.Errorf("New without directory and store: %v", err)
	}
}
