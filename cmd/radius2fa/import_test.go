package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"layeh.com/radius"

	"github.com/radius2fa/radius2fa/totp"
)

// Secrets of testdata/import.
const (
	importSecretA = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	importSecretB = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	importSecretC = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
)

func importFile(name string) string {
	return filepath.Join("..", "..", "testdata", "import", name)
}

// listedUsers runs `user list` and returns the user column.
func (h *harness) listedUsers() []string {
	h.t.Helper()
	code, out, errOut := h.run("user", "list")
	if code != 0 {
		h.t.Fatalf("user list: exit %d\n%s", code, errOut)
	}
	var users []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		users = append(users, strings.Fields(line)[0])
	}
	return users
}

// codeFor is the current code of a base32 secret.
func (h *harness) codeFor(secret string) string {
	h.t.Helper()
	b, err := totp.DecodeSecret(secret)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.code(b, 0)
}

func TestImportCLI(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	run := func(t *testing.T, wantCode int, wantOut, wantErr string, args ...string) {
		t.Helper()
		code, out, errOut := h.run(append([]string{"user", "import"}, args...)...)
		errOut = dropLogLines(errOut)
		if code != wantCode || out != wantOut || errOut != wantErr {
			t.Fatalf("import %v: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut, wantCode, wantOut, wantErr)
		}
	}
	badLines := `line 3: secret "AB!!" is not base32
line 4: digits 7: must be 6 or 8
line 5: user "alice" appears again (first on line 2)
line 6: algorithm "MD5": must be SHA1, SHA256 or SHA512
`
	t.Run("a file with bad lines imports nothing", func(t *testing.T) {
		run(t, 1, "", badLines+"radius2fa: nothing imported: 4 bad lines (fix them, or use --skip-bad to import the 2 good ones)\n", importFile("bad.csv"))
		if users := h.listedUsers(); len(users) != 0 {
			t.Fatalf("a rejected import wrote users: %v", users)
		}
	})
	t.Run("--skip-bad imports the good lines and reports the bad", func(t *testing.T) {
		run(t, 0, "imported 2 users; 4 bad lines skipped\n", badLines, "--skip-bad", importFile("bad.csv"))
		if users := h.listedUsers(); strings.Join(users, " ") != "alice eve" {
			t.Fatalf("users after the import: %v", users)
		}
	})
	t.Run("the peer benchmark's layout needs --columns", func(t *testing.T) {
		run(t, 1, "", `line 2: secret "pass…" is not base32; digits "JBSW…" is not a number
line 3: secret "pass…" is not base32; digits "GEZD…" is not a number
line 4: secret "pass…" is not base32; digits "MFRG…" is not a number
radius2fa: nothing imported: 3 bad lines, no good one
`, importFile("peer-bench.csv"))
		run(t, 0, "imported 3 users\n", "", "--columns", "uid,password,secret", importFile("peer-bench.csv"))
	})
	t.Run("CRLF line endings and a byte order mark", func(t *testing.T) {
		run(t, 0, "imported 2 users\n", "", importFile("crlf-bom.csv"))
	})
	t.Run("otpauth URIs, user names canonicalised", func(t *testing.T) {
		run(t, 1, "", "line 4: an otpauth://hotp/ URI: counter-based codes are not supported\n"+
			"radius2fa: nothing imported: 1 bad line (fix them, or use --skip-bad to import the 2 good ones)\n", importFile("uris.txt"))
		run(t, 0, "imported 2 users; 1 bad line skipped\n", "line 4: an otpauth://hotp/ URI: counter-based codes are not supported\n",
			"--skip-bad", "--format", "uri", importFile("uris.txt"))
	})
	t.Run("options that make no sense", func(t *testing.T) {
		run(t, 1, "", `radius2fa: unknown column "colour" (known: user (or uid), secret (or totp_secret_base32), digits, period, algorithm, created, and password or - for columns to ignore)`+"\n",
			"--columns", "user,colour,secret", importFile("bad.csv"))
		empty := filepath.Join(t.TempDir(), "empty.csv")
		writeFile(t, empty, "# nothing here\n\n")
		run(t, 1, "", "radius2fa: nothing to import: no user lines\n", empty)
	})

	if users := h.listedUsers(); strings.Join(users, " ") != "alice bob carol dave eve user0000 user0001 user0002" {
		t.Fatalf("users after the imports: %v", users)
	}

	// The imported secrets are the ones the users' apps hold: Alice's
	// from the URI (imported last, replacing the CSV one), Carol's and
	// Dave's from the CRLF file.
	h.start()
	h.mustCode(request{user: "alice", password: "alice-pass" + h.codeFor(importSecretB)}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "bob", password: "bob-pass" + h.codeFor(importSecretC)}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "carol", password: "carol-pass" + h.codeFor(importSecretC)}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "dave", password: "dave-pass" + h.codeFor(importSecretB)}, radius.CodeAccessAccept, "")
}

func TestExportRoundTrip(t *testing.T) {
	src := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	src.start()
	alice := src.enroll("alice") // through the daemon
	eve := src.enroll("Eve")

	t.Run("without secrets", func(t *testing.T) {
		code, out, errOut := src.run("user", "export")
		if code != 0 || !strings.HasPrefix(out, "user,secret,digits,period,algorithm,created\nalice,,6,30,SHA1,") ||
			!strings.Contains(out, "\neve,,6,30,SHA1,") || strings.Count(out, "\n") != 3 ||
			errOut != "exported 2 users to standard output (without secrets: add --with-secrets to include them)\n" {
			t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
		}
		if strings.Contains(out, totp.EncodeSecret(alice)) || strings.Contains(out, totp.EncodeSecret(eve)) {
			t.Fatal("an export without --with-secrets holds a secret")
		}
		code, out, errOut = src.run("user", "export", "--format", "uri")
		if code != 1 || out != "" || errOut != "radius2fa: an otpauth:// URI carries the secret: add --with-secrets (or export --format csv without secrets)\n" {
			t.Fatalf("URI export without secrets: exit %d\n%s%s", code, out, errOut)
		}
	})

	csvFile := filepath.Join(t.TempDir(), "users.csv")
	code, out, errOut := src.run("user", "export", "--with-secrets", "--out", csvFile)
	if code != 0 || out != "" || !strings.Contains(errOut, "warning: the export contains the TOTP secrets") ||
		!strings.Contains(errOut, "exported 2 users to "+csvFile+"\n") {
		t.Fatalf("export --with-secrets: exit %d\n%s%s", code, out, errOut)
	}
	checkPrivateFile(t, csvFile)
	uriFile := filepath.Join(t.TempDir(), "users.txt")
	if code, _, errOut := src.run("user", "export", "--with-secrets", "--format", "uri", "--out", uriFile); code != 0 {
		t.Fatalf("export --format uri: exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(uriFile)
	if err != nil || !strings.HasPrefix(string(b), "otpauth://totp/Example%20University:alice?secret="+totp.EncodeSecret(alice)+"&") {
		t.Fatalf("URI export: %s %v", b, err)
	}

	// Into a fresh store through its daemon, and into another without one:
	// the codes of the users' apps work there.
	for _, file := range []string{csvFile, uriFile} {
		dst := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
		if file == csvFile {
			dst.start()
		}
		if code, out, errOut := dst.run("user", "import", file); code != 0 || out != "imported 2 users\n" {
			t.Fatalf("import %s: exit %d\n%s%s", file, code, out, errOut)
		}
		if file != csvFile {
			dst.start()
		}
		dst.mustCode(request{user: "alice", password: "alice-pass" + dst.code(alice, 0)}, radius.CodeAccessAccept, "")
		dst.mustCode(request{user: "eve", password: "eve-pass" + dst.code(eve, 0)}, radius.CodeAccessAccept, "")
		dst.stopDaemon()
	}
}

// checkPrivateFile fails unless path is a file only its owner can read,
// with no .tmp left beside it.
func checkPrivateFile(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp is left: %v", path, err)
	}
}

// dropLogLines removes the log lines a command run without a daemon
// writes to stderr (its audit lines).
func dropLogLines(s string) string {
	var keep []string
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, "time=") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}
