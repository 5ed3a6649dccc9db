package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	run := func(path string) (int, string, string) {
		var out, errb bytes.Buffer
		code := cli(context.Background(), []string{"check-config", "--config", path}, &out, &errb)
		return code, out.String(), errb.String()
	}

	good := filepath.Join(t.TempDir(), "good.yaml")
	src, err := os.ReadFile("../../testdata/config/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, src, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(good)
	if code != 0 || !strings.HasPrefix(out, "config "+good+" OK: 1 client, 1 LDAP server") || errOut != "" {
		t.Fatalf("good file: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	code, out, errOut = run("../../testdata/config/many.yaml")
	want := `radius2fa: the configuration has 10 problem(s):
  radius.challenge_timeout: "15mins" is not a duration (use e.g. 60s, 5m)
  radius.clients[1].address: "10.0.0.300/24" is not an IP or CIDR
  radius.clients[1].mode: "apend" is not one of append, challenge, auto
  radius.clients[2].secret: missing (set secret or secret_file)
  ldap.urls: missing (at least one ldap:// or ldaps:// URL)
  ldap.pool_size: "many" is not a whole number
  ldap.urlz: unknown key
  policy.rules[0].clients[1]: "vpn-gw2" is not a declared client
  policy.rules[1]: rule "everything" has no condition (it would match everything; use policy.default)
  log.level: "verbose" is not one of debug, info, warn, error
`
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("bad file: exit %d\nstdout: %s\nstderr:\n%s\nwant:\n%s", code, out, errOut, want)
	}

	code, _, errOut = run(filepath.Join(t.TempDir(), "missing.yaml"))
	if code != 1 || !strings.Contains(errOut, "missing.yaml") {
		t.Fatalf("missing file: exit %d: %s", code, errOut)
	}
}
