package totp_test

import (
	"os/exec"
	"testing"
)

// requireTool returns the path of an external program the test needs, or
// fails the test with the command that installs it.
func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required for this test and was not found: apt-get install -y %s", name, debianPackage)
	}
	return path
}
