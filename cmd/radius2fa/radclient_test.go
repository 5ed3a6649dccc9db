package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/totp"
)

// Independent parts: FreeRADIUS's radclient as the NAS, oathtool as the
// authenticator app, against the daemon in real time.

func needTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: apt-get install -y %s", tool, pkg)
	}
	return p
}

// oathtoolCode asks oathtool for the current code of a base32 key.
func oathtoolCode(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command(needTool(t, "oathtool", "oathtool"), "--totp", "-b", key).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// radclient sends one Access-Request described by attrs (radclient's
// attribute syntax) and returns its output.
func radclient(t *testing.T, h *harness, attrs string) string {
	t.Helper()
	cmd := exec.Command(needTool(t, "radclient", "freeradius-utils"), "-x", "-r", "1", "-t", "3", h.addr.String(), "auth", testSecret)
	cmd.Stdin = strings.NewReader(attrs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // radclient exits 1 on a Reject; the output says what came back
	return out.String()
}

func TestRadclientWithOathtool(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	secret := h.enroll("alice")
	h.start()
	key := totp.EncodeSecret(secret)

	code := oathtoolCode(t, key)
	out := radclient(t, h, fmt.Sprintf("User-Name = \"alice\"\nUser-Password = \"alice-pass%s\"\n", code))
	if !strings.Contains(out, "Received Access-Accept") {
		t.Fatalf("radclient with a code from oathtool:\n%s", out)
	}
	// The same code again is a replay.
	out = radclient(t, h, fmt.Sprintf("User-Name = \"alice\"\nUser-Password = \"alice-pass%s\"\nMessage-Authenticator = 0x00\n", code))
	if !strings.Contains(out, "Received Access-Reject") || !strings.Contains(out, `Reply-Message = "This code was already used: wait for the next one"`) {
		t.Fatalf("radclient replaying a code:\n%s", out)
	}
	out = radclient(t, h, "User-Name = \"alice\"\nUser-Password = \"wrong\"\nMessage-Authenticator = 0x00\n")
	if !strings.Contains(out, "Received Access-Reject") || !strings.Contains(out, `Reply-Message = "Enter your password followed by the 6-digit code"`) {
		t.Fatalf("radclient without a code:\n%s", out)
	}
	// radclient checks the response authenticator and Message-Authenticator:
	// a bad one shows up as an error, not as "Received".
	if strings.Contains(out, "invalid Message-Authenticator") || strings.Contains(out, "invalid Response Authenticator") {
		t.Fatalf("radclient did not trust the response:\n%s", out)
	}
}
