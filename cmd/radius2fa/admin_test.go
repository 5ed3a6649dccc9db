package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// What varies between two runs of the same commands: times, secrets and
// recovery codes.
var (
	timeText    = regexp.MustCompile(`\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?( [A-Z]{2,5}\b|Z|[+-]\d\d:\d\d)?`)
	keyText     = regexp.MustCompile(`(Key \(type into the app\): )[A-Z2-7 ]+`)
	uriSecret   = regexp.MustCompile(`secret=[A-Z2-7]+`)
	recoveryTxt = regexp.MustCompile(`(?m)^  [0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$`)
)

func normalize(s string) string {
	s = timeText.ReplaceAllString(s, "TIME")
	s = keyText.ReplaceAllString(s, "${1}KEY")
	s = uriSecret.ReplaceAllString(s, "secret=KEY")
	return recoveryTxt.ReplaceAllString(s, "  CODE")
}

// helpdeskSession runs the helpdesk's commands on h and returns what each
// printed (normalized). daemon says whether h's daemon runs throughout;
// if not, it is started only to lock alice out with wrong codes.
func helpdeskSession(t *testing.T, h *harness, daemon bool) []string {
	var outs []string
	do := func(args ...string) string {
		t.Helper()
		code, out, errOut := h.run(args...)
		outs = append(outs, fmt.Sprintf("$ %s\nexit %d\n%s%s", strings.Join(args, " "), code, normalize(out), normalize(dropLogLines(errOut))))
		return out
	}
	m := keyLine.FindStringSubmatch(do("user", "enroll", "alice"))
	if m == nil {
		t.Fatalf("no key for alice: %s", outs[len(outs)-1])
	}
	do("user", "enroll", "Eve")
	do("user", "enroll", "mallory")
	do("user", "enroll", "Ghost", "--no-directory")
	do("user", "recovery-codes", "alice")

	if !daemon {
		h.start()
	}
	wrong := wrongCode(h.codeFor(m[1]))
	h.mustCode(request{user: "alice", password: "alice-pass" + wrong}, radius.CodeAccessReject, msgWrongCode)
	h.mustCode(request{user: "alice", password: "alice-pass" + wrong}, radius.CodeAccessReject, msgWrongCode)
	h.mustCode(request{user: "alice", password: "alice-pass" + wrong}, radius.CodeAccessReject, "Too many wrong codes: try again in 15 min")
	if !daemon {
		h.stopDaemon()
	}

	do("user", "show", "ALICE@example.ac.jp")
	do("user", "show", "alice", "--json")
	do("user", "show", "ghost")
	do("user", "show", "nobody-here")
	do("user", "list")
	do("user", "list", "--json")
	do("user", "unlock", "alice")
	do("user", "show", "alice")
	do("user", "reset", "ghost")
	do("user", "reset", "ghost")
	do("user", "recovery-codes", "ghost")
	do("user", "reset", "alice")
	do("user", "list")
	return outs
}

func TestHelpdeskCommandsWithAndWithoutDaemon(t *testing.T) {
	direct := newHarness(t, harnessOptions{})
	withoutDaemon := helpdeskSession(t, direct, false)
	served := newHarness(t, harnessOptions{})
	served.start()
	withDaemon := helpdeskSession(t, served, true)

	for i := range withoutDaemon {
		if withoutDaemon[i] != withDaemon[i] {
			t.Errorf("without the daemon:\n%s\nthrough the daemon:\n%s", withoutDaemon[i], withDaemon[i])
		}
	}
	got := strings.Join(withDaemon, "\n")
	for _, want := range []string{
		"$ user enroll mallory\nexit 1\nradius2fa: user \"mallory\" not found in LDAP under " + served.cfg.LDAP.BaseDN + " (use --no-directory to go by the name as given)\n",
		"$ user show ALICE@example.ac.jp\nexit 0\n" +
			"user:            alice\n" +
			"in LDAP:         yes\n" +
			"registered:      since TIME (SHA1, 6 digits, 30 s)\n" +
			"last use:        never\n" +
			"failures:        3\n" +
			"locked until:    TIME (locked out now)\n" +
			"recovery codes:  10 left\n",
		`{"user":"alice","directory":"found","registered":true,"registered_at":"TIME","digits":6,"period_seconds":30,"algorithm":"SHA1","failures":3,"locked_until":"TIME","locked":true,"recovery_codes":10}`,
		"$ user show ghost\nexit 0\nuser:            ghost\nin LDAP:         no (not found: keyed on the name as given)\nregistered:      since TIME",
		"$ user show nobody-here\nexit 0\nuser:            nobody-here\nin LDAP:         no (not found: keyed on the name as given)\nregistered:      no\n",
		"$ user list\nexit 0\n" +
			"USER                 REGISTERED       LAST USE         FAILURES  LOCKED UNTIL     RECOVERY CODES\n" +
			"alice                TIME -                       3  TIME 10\n" +
			"eve                  TIME -                       0  -                0\n" +
			"ghost                TIME -                       0  -                0\n",
		"$ user unlock alice\nexit 0\nUnlocked alice: cleared 3 failures and the lockout until TIME.\n",
		"failures:        0\nlocked until:    -\n",
		"$ user reset ghost\nexit 0\nReset ghost: removed the app registered since TIME.\nghost must register an app again.\n",
		"$ user reset ghost\nexit 1\nradius2fa: nothing to reset: ghost has no registration, recovery codes or failures\n",
		"$ user recovery-codes ghost\nexit 1\nradius2fa: user \"ghost\" not found in LDAP",
		"$ user reset alice\nexit 0\nReset alice: removed the app registered since TIME and 10 recovery codes.\nalice must register an app again.\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the session lacks\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret") && !strings.Contains(got, "secret=KEY") {
		t.Error("a secret is shown")
	}
}

// expectedOSUser is the name the audit line gives the user running the
// tests.
func expectedOSUser(t *testing.T) string {
	t.Helper()
	if s := os.Getenv("SUDO_USER"); s != "" {
		return s
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func TestAdminSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "run", "radius2fa", "admin.sock")
	t.Setenv("RADIUS2FA_ADMIN_SOCKET", sock)
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	h.start()

	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("admin socket: mode %v, want a socket with 0600", fi.Mode())
	}
	for _, dir := range []string{filepath.Dir(sock), filepath.Dir(filepath.Dir(sock))} {
		if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
			t.Errorf("socket directory %s: %v %v, want 0700", dir, di.Mode(), err)
		}
	}

	t.Run("an enrollment through the daemon is active at once and audited", func(t *testing.T) {
		secret := h.enroll("bob")
		h.mustCode(request{user: "bob", password: "bob-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")
		want := fmt.Sprintf(`msg="admin action" component=admin action=enroll user=bob os_user=%s uid=%d`, expectedOSUser(t), os.Getuid())
		if !strings.Contains(h.logs.String(), want) {
			t.Fatalf("no audit line %q", want)
		}
		t.Setenv("SUDO_USER", "helpdesk-anna")
		if code, _, errOut := h.run("user", "show", "bob"); code != 0 {
			t.Fatalf("show: %s", errOut)
		}
		want = fmt.Sprintf(`action=show user=bob os_user=helpdesk-anna uid=%d`, os.Getuid())
		if !strings.Contains(h.logs.String(), want) {
			t.Fatalf("no audit line %q", want)
		}
		if strings.Contains(h.logs.String(), totp.EncodeSecret(secret)) {
			t.Fatal("the daemon logged the secret")
		}
	})

	t.Run("a second daemon on the same socket is refused", func(t *testing.T) {
		other := strings.ReplaceAll(h.yaml, "state/", "other/")
		path := filepath.Join(h.dir, "other.yaml")
		writeFile(t, path, other)
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := startDaemon(context.Background(), cfg, h.d.log, daemonOptions{})
		if err == nil {
			d.close()
			t.Fatal("a second daemon took the admin socket over")
		}
		if want := "admin.socket: another radius2fa daemon is answering on " + sock; !strings.Contains(err.Error(), want) {
			t.Fatalf("second daemon: %v", err)
		}
	})

	t.Run("the socket goes with the daemon", func(t *testing.T) {
		h.stopDaemon()
		if _, err := os.Lstat(sock); !os.IsNotExist(err) {
			t.Fatalf("socket after the daemon stopped: %v", err)
		}
	})

	t.Run("a daemon whose socket does not answer", func(t *testing.T) {
		h.start()
		if err := os.Remove(sock); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := h.run("user", "list")
		if code != 1 || !strings.Contains(errOut, "the running daemon holds the store "+h.cfg.Store.Path+", and the admin socket at "+sock+" does not answer") {
			t.Fatalf("user list: exit %d\n%s", code, errOut)
		}
	})
}

func TestBackupUnderLoadAndRestore(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	h.start()
	alice := h.enroll("alice")
	var many strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&many, "user%04d,%s\n", i, importSecretA)
	}
	manyFile := filepath.Join(t.TempDir(), "many.csv")
	writeFile(t, manyFile, many.String())
	if code, out, errOut := h.run("user", "import", manyFile); code != 0 {
		t.Fatalf("import: %s%s", out, errOut)
	}

	// Load: users enrolled one after the other through the daemon, and
	// logins, while the backup runs.
	var (
		mu        sync.Mutex
		confirmed []string
		stop      = make(chan struct{})
		started   = make(chan struct{})
		once      sync.Once
		wg        sync.WaitGroup
	)
	wg.Go(func() {
		defer once.Do(func() { close(started) }) // also when it fails early
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprintf("load%04d", i)
			if code, _, errOut := h.run("user", "enroll", name, "--no-directory"); code != 0 {
				t.Errorf("enroll %s under load: %s", name, errOut)
				return
			}
			mu.Lock()
			confirmed = append(confirmed, name)
			if len(confirmed) == 5 {
				once.Do(func() { close(started) })
			}
			mu.Unlock()
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r := h.send(request{user: "carol", password: "carol-pass123456"}, 5*time.Second); r == nil || r.message != msgNotRegistered {
				t.Errorf("a login during the backup: %+v", r)
				return
			}
		}
	})
	<-started
	if t.Failed() {
		close(stop)
		wg.Wait()
		t.FailNow()
	}
	mu.Lock()
	before := slices.Clone(confirmed)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "radius2fa.db.backup")
	code, out, errOut := h.run("backup", "--out", backup)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.HasPrefix(out, "Backup of "+h.cfg.Store.Path+" written to "+backup+" (") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, errOut)
	}
	checkPrivateFile(t, backup)
	checkBackup(t, h, backup, append(before, "alice", "user0000", "user4999"))

	// Enrolled after the backup: gone once it is restored.
	h.enroll("dave")

	// Restore: stop the daemon, copy the backup over store.path, start.
	h.stopDaemon()
	direct := filepath.Join(t.TempDir(), "direct.backup")
	if code, _, errOut := h.run("backup", "--out", direct); code != 0 {
		t.Fatalf("backup without the daemon: %s", errOut)
	}
	checkBackup(t, h, direct, []string{"alice", "dave"})
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.cfg.Store.Path, string(b))
	h.start()
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessAccept, "")
	if code, out, _ := h.run("user", "show", "dave"); code != 0 || !strings.Contains(out, "registered:      no\n") {
		t.Fatalf("dave after the restore: exit %d\n%s", code, out)
	}
}

// checkBackup opens a backup as the daemon would and fails unless every
// user in users is enrolled there.
func checkBackup(t *testing.T, h *harness, path string, users []string) {
	t.Helper()
	st, err := store.Open(path, store.Options{KeyFile: h.cfg.Store.EncryptionKeyFile})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer st.Close()
	for _, u := range users {
		if s, err := st.Get(context.Background(), u); err != nil || s.Enrollment == nil {
			t.Errorf("%s is not in the backup %s: %v", u, path, err)
		}
	}
}

func TestReloadCommand(t *testing.T) {
	h := newHarness(t, harnessOptions{policyYAML: "  default: password"})
	if code, out, errOut := h.run("reload"); code != 1 || out != "" ||
		errOut != "radius2fa: no daemon is running: nothing to reload (no daemon is answering on the admin socket "+h.cfg.Admin.Socket+")\n" {
		t.Fatalf("reload without daemon: exit %d\n%s%s", code, out, errOut)
	}
	h.start()

	withNewClient := strings.Replace(h.yaml, "  clients:", `  clients:
    - name: new-nas
      address: 127.0.0.9
      secret: "`+testSecret+`"
      require_message_authenticator: "no"`, 1)
	writeFile(t, h.cfgPath, withNewClient)
	code, out, errOut := h.run("reload")
	if want := "reloaded: config " + h.cfgPath + " OK: 2 clients, 1 LDAP server, 0 policy rules, default password, store " + h.cfg.Store.Path + "\n"; code != 0 || out != want || errOut != "" {
		t.Fatalf("reload: exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}
	h.mustCode(request{user: "carol", password: "carol-pass", from: "127.0.0.9"}, radius.CodeAccessAccept, "")

	writeFile(t, h.cfgPath, strings.Replace(withNewClient, `listen: ["127.0.0.1:0"]`, `listen: ["127.0.0.1:0", "127.0.0.1:0"]`, 1))
	if code, out, _ := h.run("reload"); code != 0 || !strings.HasSuffix(out, "\nrestart needed for: radius.listen\n") {
		t.Fatalf("reload of a new listen address: exit %d\n%s", code, out)
	}

	writeFile(t, h.cfgPath, strings.Replace(withNewClient, "address: 127.0.0.9", "address: 127.0.0.300", 1)+"bogus_section: 1\n")
	code, out, errOut = h.run("reload")
	want := `radius2fa: nothing reloaded: the daemon keeps serving its current configuration.
radius2fa: the configuration has 2 problem(s):
  radius.clients[0].address: "127.0.0.300" is not an IP or CIDR
  bogus_section: unknown key
`
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("reload of a broken file: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	h.mustCode(request{user: "carol", password: "carol-pass", from: "127.0.0.9"}, radius.CodeAccessAccept, "")
}

func TestShowAndResetAPendingRegistration(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	st, err := store.Open(h.cfg.Store.Path, store.Options{KeyFile: h.cfg.Store.EncryptionKeyFile})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now().Truncate(time.Second)
	err = st.SetPending(context.Background(), store.Pending{
		User: "bob", Secret: []byte("0123456789abcdef0123"), Digits: 6, Period: 30 * time.Second, Algorithm: "SHA1",
		CreatedAt: started, ExpiresAt: started.Add(10 * time.Minute),
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("user", "show", "bob")
	want := fmt.Sprintf("pending:         a registration started %s waits for its first code until %s\n",
		longTime(started), longTime(started.Add(10*time.Minute)))
	if code != 0 || !strings.Contains(out, "registered:      no\n") || !strings.HasSuffix(out, want) {
		t.Fatalf("show: exit %d\n%s%s\nwant the line\n%s", code, out, errOut, want)
	}
	code, out, errOut = h.run("user", "reset", "bob")
	if code != 0 || out != "Reset bob: removed a pending registration.\n" {
		t.Fatalf("reset: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := h.run("user", "show", "bob"); code != 0 || strings.Contains(out, "pending") {
		t.Fatalf("show after the reset: exit %d\n%s", code, out)
	}
}
