package directorytest_test

import (
	"net"
	"os"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func TestStartAndStop(t *testing.T) {
	srv := directorytest.Start(t, directorytest.WithTLS())
	if !strings.HasPrefix(srv.URL, "ldap://127.0.0.1:") || !strings.HasPrefix(srv.LDAPSURL, "ldaps://127.0.0.1:") {
		t.Fatalf("URLs = %q, %q; want ldap:// and ldaps:// on 127.0.0.1", srv.URL, srv.LDAPSURL)
	}
	if _, err := os.Stat(srv.CAFile); err != nil {
		t.Fatalf("CAFile: %v", err)
	}
	cfg := srv.Config()
	if len(cfg.URLs) != 1 || cfg.URLs[0] != srv.URL || cfg.BindDN != directorytest.ServiceDN || cfg.CAFile != srv.CAFile {
		t.Fatalf("Config() = %+v", cfg)
	}
	addrs := []string{strings.TrimPrefix(srv.URL, "ldap://"), strings.TrimPrefix(srv.LDAPSURL, "ldaps://")}
	for _, addr := range addrs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		c.Close()
	}
	srv.Stop()
	srv.Stop() // idempotent
	for _, addr := range addrs {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}
}
