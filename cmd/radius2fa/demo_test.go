package main

import (
	"net"
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
	bin := filepath.Join(t.TempDir(), "radius2fa")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A free UDP port on loopback for the demo daemon.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()

	cmd := exec.Command(filepath.Join(root, "testdata", "demo.sh"))
	cmd.Env = append(os.Environ(), "BIN="+bin, "DEMO_DIR="+t.TempDir(), "DEMO_PORT="+strconv.Itoa(port), "DEMO_ONESHOT=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Received Access-Accept") {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
}
