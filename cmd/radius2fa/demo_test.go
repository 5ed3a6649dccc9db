package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMakeDemo runs what `make demo` runs, in its one-shot mode: the
// README's promise that a newcomer gets an Access-Accept from the demo.
func TestMakeDemo(t *testing.T) {
	needTool(t, "slapd", "slapd ldap-utils")
	needTool(t, "radclient", "freeradius-utils")
	needTool(t, "oathtool", "oathtool")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	port := freeUDPPort(t)

	cmd := exec.Command(filepath.Join(root, "testdata", "demo.sh"))
	cmd.Env = append(os.Environ(), "BIN="+bin, "DEMO_DIR="+t.TempDir(), "DEMO_PORT="+strconv.Itoa(port), "DEMO_ONESHOT=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Received Access-Accept") {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
}
