package main

import (
	"bytes"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// radclientTo sends attrs with radclient's command (auth, acct, status)
// to addr and returns its output.
func radclientTo(t *testing.T, addr net.Addr, command, secret, attrs string) string {
	t.Helper()
	cmd := exec.Command(needTool(t, "radclient", "freeradius-utils"), "-x", "-r", "1", "-t", "1", addr.String(), command, secret)
	cmd.Stdin = strings.NewReader(attrs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	return out.String()
}

// Status-Server (RFC 5997) and accounting, as a NAS and a monitoring
// system use them.
func TestStatusServerAndAccounting(t *testing.T) {
	h := newHarness(t, harnessOptions{radiusYAML: `  accounting_listen: "127.0.0.1:0"`})
	h.start()
	acct := h.d.acct.LocalAddr()

	t.Run("Status-Server on the authentication port", func(t *testing.T) {
		out := radclientTo(t, h.addr, "status", testSecret, "Message-Authenticator = 0x00\n")
		if !strings.Contains(out, "Received Access-Accept") {
			t.Fatalf("radclient status:\n%s", out)
		}
	})
	t.Run("Status-Server with the wrong secret gets nothing", func(t *testing.T) {
		out := radclientTo(t, h.addr, "status", "wrong-secret", "Message-Authenticator = 0x00\n")
		if strings.Contains(out, "Received") {
			t.Fatalf("radclient status with a wrong secret:\n%s", out)
		}
	})
	t.Run("Accounting-Request", func(t *testing.T) {
		out := radclientTo(t, acct, "acct", testSecret, "Acct-Status-Type = Start\nUser-Name = \"alice\"\nAcct-Session-Id = \"s1\"\n")
		if !strings.Contains(out, "Received Accounting-Response") {
			t.Fatalf("radclient acct:\n%s", out)
		}
		out = radclientTo(t, acct, "acct", testSecret, "Acct-Status-Type = Stop\nUser-Name = \"alice\"\nAcct-Session-Id = \"s1\"\nMessage-Authenticator = 0x00\n")
		if !strings.Contains(out, "Received Accounting-Response") {
			t.Fatalf("radclient acct with Message-Authenticator:\n%s", out)
		}
	})
	t.Run("Accounting-Request with the wrong secret gets nothing", func(t *testing.T) {
		out := radclientTo(t, acct, "acct", "wrong-secret", "Acct-Status-Type = Start\nUser-Name = \"alice\"\n")
		if strings.Contains(out, "Received") {
			t.Fatalf("radclient acct with a wrong secret:\n%s", out)
		}
	})
	t.Run("Status-Server on the accounting port", func(t *testing.T) {
		out := radclientTo(t, acct, "status", testSecret, "Message-Authenticator = 0x00\n")
		if !strings.Contains(out, "Received Accounting-Response") {
			t.Fatalf("radclient status to the accounting port:\n%s", out)
		}
	})
	st := h.d.server.Stats()
	if st.Accounting != 2 || st.StatusServer != 2 || st.Drops["bad_authenticator"] < 2 {
		t.Fatalf("counters: accounting %d, status %d, bad authenticator %d; want 2, 2, at least 2", st.Accounting, st.StatusServer, st.Drops["bad_authenticator"])
	}
}
