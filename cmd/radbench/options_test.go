package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliRun runs the command line and returns its exit status and output.
func cliRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCommandLineMistakes(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users.csv")
	writeFile(t, users, "alice,alice-pass,"+secretA+"\n")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no secret", []string{"-users", users}, "a shared secret is needed: -secret or -secret-file"},
		{"no users", []string{"-secret", "s"}, "-users FILE is needed"},
		{"closed and open loop at once", []string{"-secret", "s", "-users", users, "-c", "4", "-rate", "100"}, "-c (closed loop) and -rate (open loop) exclude each other"},
		{"unknown mode", []string{"-secret", "s", "-users", users, "-mode", "chap"}, `-mode "chap": must be append, challenge or password`},
		{"7 digits", []string{"-secret", "s", "-users", users, "-digits", "7"}, "digits 7: must be 6 or 8"},
		{"rate not a number", []string{"-secret", "s", "-users", users, "-rate", "NaN"}, "-rate NaN: must be a number of logins/s from 0.016666666666666666 up"},
		{"negative rate", []string{"-secret", "s", "-users", users, "-rate", "-5"}, "-rate -5: must be a number of logins/s"},
		{"zero workers", []string{"-secret", "s", "-users", users, "-c", "0"}, "-c 0: must be at least 1 (or give -rate)"},
		{"zero timeout", []string{"-secret", "s", "-users", users, "-timeout", "0s"}, "-timeout 0s: must be positive"},
		{"nothing to measure", []string{"-secret", "s", "-users", users, "-d", "0"}, "give a positive -d or -n"},
		{"a stray argument", []string{"-secret", "s", "-users", users, "extra"}, `unexpected argument "extra"`},
		{"unknown column", []string{"-secret", "s", "-users", users, "-columns", "user,pin,secret"}, `unknown column "pin"`},
		{"unknown flag", []string{"-sekret", "s"}, "flag provided but not defined: -sekret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cliRun(t, tt.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	code, _, errOut := cliRun(t, "-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, f := range []string{"-server", "-secret-file", "-users", "-columns", "-mode", "-c ", "-rate", "-max-inflight", "-d ",
		"-warmup", "-n ", "-timeout", "-retries", "-msgauth", "-once-per-window", "-digits", "-period", "-nas-id",
		"-calling-station", "-called-station", "-allow-remote", "-json"} {
		if !strings.Contains(errOut, "  "+f) {
			t.Errorf("-h does not list %s", f)
		}
	}
}

// This tool floods: a server off the loopback needs -allow-remote.
func TestRefusesRemoteServers(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users.csv")
	writeFile(t, users, "alice,alice-pass,"+secretA+"\n")
	code, _, errOut := cliRun(t, "-server", "192.0.2.1:1812", "-secret", "s", "-users", users, "-n", "1")
	if code != 1 || !strings.Contains(errOut, "-server 192.0.2.1:1812: refusing to flood a server that is not on a loopback address (give -allow-remote if you mean it)") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	for _, server := range []string{"127.0.0.1:1812", "localhost:1812", "[::1]:1812", "127.3.4.5:1"} {
		if _, err := resolveServer(Options{Server: server}); err != nil {
			t.Errorf("%s: %v", server, err)
		}
	}
	if _, err := resolveServer(Options{Server: "192.0.2.1:1812", AllowRemote: true}); err != nil {
		t.Errorf("with -allow-remote: %v", err)
	}
	if _, err := resolveServer(Options{Server: "10.0.0.1:1812"}); !errors.Is(err, errRemote) {
		t.Errorf("10.0.0.1: %v", err)
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	users, secret := filepath.Join(dir, "users.csv"), filepath.Join(dir, "nas.secret")
	writeFile(t, users, "alice,alice-pass,"+secretA+"\n")
	writeFile(t, secret, "s3cret with spaces\r\nsecond line\n")
	o, err := parseFlags([]string{"-secret-file", secret, "-users", users}, &bytes.Buffer{})
	if err != nil || o.Secret != "s3cret with spaces" {
		t.Fatalf("secret %q, %v", o.Secret, err)
	}
	if _, err := parseFlags([]string{"-secret-file", secret, "-secret", "x", "-users", users}, &bytes.Buffer{}); !errors.Is(err, errUsage) {
		t.Fatalf("both -secret and -secret-file: %v", err)
	}
}
