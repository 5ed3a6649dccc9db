package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/store"
)

// Local and Client against a real slapd and a real store: the Client
// must give what the Local it talks to gives, errors included.

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	cfg    *config.Config
	store  *store.Bolt
	local  *Local
	client *Client
	logs   *syncBuffer
}

// newFixture serves a Local on a socket; reload is the daemon's reload
// (nil: none).
func newFixture(t *testing.T, reload func(context.Context) (ReloadResult, error)) *fixture {
	t.Helper()
	ldap := directorytest.Start(t)
	dir := t.TempDir()
	cfg := &config.Config{
		LDAP: ldap.Config(),
		TOTP: config.TOTP{Issuer: "Example University", Digits: 6, Period: 30 * time.Second, Skew: 1},
	}
	st, err := store.Open(filepath.Join(dir, "radius2fa.db"), store.Options{KeyFile: filepath.Join(dir, "store.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := directory.New(cfg.LDAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	logs := &syncBuffer{}
	local := NewLocal(LocalOptions{
		Store:     st,
		Directory: func() Directory { return d },
		Config:    func() *config.Config { return cfg },
		Reload:    reload,
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
	})
	srv, err := Listen(context.Background(), filepath.Join(dir, "admin.sock"), local, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := Dial(context.Background(), srv.Path(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &fixture{cfg: cfg, store: st, local: local, client: c, logs: logs}
}

// both runs fn with the Local and then with the Client and fails unless
// they give the same text.
func both(t *testing.T, f *fixture, what string, fn func(api API) string) string {
	t.Helper()
	local := fn(f.local)
	remote := fn(f.client)
	if local != remote {
		t.Fatalf("%s: the client gives\n%s\nthe local API gives\n%s", what, remote, local)
	}
	return local
}

// describe renders a result and error without times and secrets.
func describe(v any, err error) string {
	switch r := v.(type) {
	case UserInfo:
		v = fmt.Sprintf("%s dir=%s registered=%t digits=%d period=%d alg=%s failures=%d locked=%t recovery=%d pending=%t",
			r.User, r.Directory, r.Registered, r.Digits, r.PeriodSeconds, r.Algorithm, r.Failures, r.Locked, r.RecoveryCodes, r.Pending != nil)
	case Enrolled:
		v = fmt.Sprintf("%s secret=%d bytes uri=%t", r.User, len(r.Secret), strings.HasPrefix(r.URI, "otpauth://totp/Example%20University:"+r.User+"?secret="))
	case RecoveryCodes:
		v = fmt.Sprintf("%s codes=%d registered=%t", r.User, len(r.Codes), r.Registered)
	}
	if err != nil {
		kind := "other"
		for _, k := range errKinds() {
			if errors.Is(err, k.err) {
				kind = k.name
			}
		}
		return fmt.Sprintf("error %s: %v", kind, err)
	}
	return fmt.Sprint(v)
}

func TestClientGivesWhatLocalGives(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	steps := []struct {
		what string
		fn   func(API) string
		want string
	}{
		{"enroll through LDAP", func(a API) string { return describe(a.Enroll(ctx, UserRequest{User: "Alice@example.ac.jp"})) },
			"alice secret=20 bytes uri=true"},
		{"enroll an unknown user", func(a API) string { return describe(a.Enroll(ctx, UserRequest{User: "mallory"})) },
			`error unknown_user: user "mallory" not found in LDAP under ou=people,dc=example,dc=ac,dc=jp (use --no-directory to go by the name as given)`},
		{"enroll without LDAP", func(a API) string { return describe(a.Enroll(ctx, UserRequest{User: "Ghost", NoDirectory: true})) },
			"ghost secret=20 bytes uri=true"},
		{"show", func(a API) string { return describe(a.ShowUser(ctx, UserRequest{User: "ALICE"})) },
			"alice dir=found registered=true digits=6 period=30 alg=SHA1 failures=0 locked=false recovery=0 pending=false"},
		{"show a user LDAP does not know", func(a API) string { return describe(a.ShowUser(ctx, UserRequest{User: "ghost"})) },
			"ghost dir=not_found registered=true digits=6 period=30 alg=SHA1 failures=0 locked=false recovery=0 pending=false"},
		{"recovery codes", func(a API) string { return describe(a.RecoveryCodes(ctx, UserRequest{User: "alice"})) },
			"alice codes=10 registered=true"},
		{"recovery codes for a user LDAP does not know", func(a API) string { return describe(a.RecoveryCodes(ctx, UserRequest{User: "ghost"})) },
			`error unknown_user: user "ghost" not found in LDAP under ou=people,dc=example,dc=ac,dc=jp (use --no-directory to go by the name as given)`},
		{"unlock", func(a API) string { return describe(a.Unlock(ctx, UserRequest{User: "alice"})) },
			"alice dir=found registered=true digits=6 period=30 alg=SHA1 failures=0 locked=false recovery=10 pending=false"},
		{"empty name", func(a API) string { return describe(a.ShowUser(ctx, UserRequest{User: " @example.ac.jp"})) },
			"error invalid: user is empty"},
	}
	for _, s := range steps {
		if got := both(t, f, s.what, s.fn); got != s.want {
			t.Errorf("%s:\ngot  %s\nwant %s", s.what, got, s.want)
		}
	}

	// Reset, once through each: the second finds nothing.
	if got := describe(f.client.Reset(ctx, UserRequest{User: "ghost"})); got != "ghost dir=not_found registered=true digits=6 period=30 alg=SHA1 failures=0 locked=false recovery=0 pending=false" {
		t.Errorf("reset: %s", got)
	}
	want := "error not_found: nothing to reset: ghost has no registration, recovery codes or failures"
	if got := both(t, f, "reset again", func(a API) string { return describe(a.Reset(ctx, UserRequest{User: "ghost"})) }); got != want {
		t.Errorf("reset again:\ngot  %s\nwant %s", got, want)
	}

	// A registration started on the enrollment page and not confirmed.
	now := time.Now()
	err := f.store.SetPending(ctx, store.Pending{User: "carol", Secret: []byte("0123456789"), Digits: 6, Period: 30 * time.Second,
		Algorithm: "SHA1", CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want = "carol dir=found registered=false digits=0 period=0 alg= failures=0 locked=false recovery=0 pending=true"
	if got := both(t, f, "show pending", func(a API) string { return describe(a.ShowUser(ctx, UserRequest{User: "Carol"})) }); got != want {
		t.Errorf("show pending:\ngot  %s\nwant %s", got, want)
	}

	list := both(t, f, "list", func(a API) string {
		var b strings.Builder
		err := a.ListUsers(ctx, func(u UserInfo) error { b.WriteString(describe(u, nil) + "\n"); return nil })
		return describe(b.String(), err)
	})
	if list != "alice dir= registered=true digits=6 period=30 alg=SHA1 failures=0 locked=false recovery=10 pending=false\n" {
		t.Errorf("list:\n%s", list)
	}
}

func TestReloadOverTheSocket(t *testing.T) {
	calls := 0
	f := newFixture(t, func(context.Context) (ReloadResult, error) {
		calls++
		if calls == 1 {
			return ReloadResult{Summary: "config OK", Restart: []string{"radius.listen"}}, nil
		}
		return ReloadResult{}, &config.Error{Problems: []config.Problem{
			{Key: "radius.clients[0].address", Message: `"10.0.0.300" is not an IP or CIDR`},
			{Key: "bogus", Message: "unknown key"},
		}}
	})
	res, err := f.client.Reload(context.Background())
	if err != nil || res.Summary != "config OK" || len(res.Restart) != 1 || res.Restart[0] != "radius.listen" {
		t.Fatalf("reload: %+v %v", res, err)
	}
	_, err = f.client.Reload(context.Background())
	var cerr *config.Error
	if !errors.As(err, &cerr) || !errors.Is(err, config.ErrInvalid) ||
		err.Error() != "radius.clients[0].address: \"10.0.0.300\" is not an IP or CIDR\nbogus: unknown key" {
		t.Fatalf("reload of a broken file: %#v", err)
	}

	noDaemon := NewLocal(LocalOptions{})
	if _, err := noDaemon.Reload(context.Background()); !errors.Is(err, ErrNoDaemon) || err.Error() != "no daemon is running: nothing to reload" {
		t.Fatalf("reload without daemon: %v", err)
	}
}

func TestImportExportBackupOverTheSocket(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	file := "alice," + secretA + "\nbob,AB!!\ncarol," + secretB + ",8\n"

	report, err := f.client.Import(ctx, strings.NewReader(file), ImportOptions{})
	if !errors.Is(err, ErrBadLines) || err.Error() != "nothing imported: 1 bad line (fix them, or use --skip-bad to import the 2 good ones)" ||
		report.Imported != 0 || report.Valid != 2 || len(report.Bad) != 1 || report.Bad[0].String() != `line 2: secret "AB!!" is not base32` {
		t.Fatalf("import with a bad line: %+v %v", report, err)
	}
	if users, _, _ := f.store.Count(ctx); users != 0 {
		t.Fatalf("a rejected import wrote %d users", users)
	}
	report, err = f.client.Import(ctx, strings.NewReader(file), ImportOptions{SkipBad: true})
	if err != nil || report.Imported != 2 || len(report.Bad) != 1 {
		t.Fatalf("import --skip-bad: %+v %v", report, err)
	}

	var csv bytes.Buffer
	if n, err := f.client.Export(ctx, &csv, ExportOptions{WithSecrets: true}); err != nil || n != 2 {
		t.Fatalf("export: %d %v", n, err)
	}
	es, bad, err := parseImport(&csv, ImportOptions{}, true, time.Now())
	if err != nil || len(bad) != 0 || len(es) != 2 || es[0].User != "alice" || string(es[1].Secret) != string(mustDecode(t, secretB)) || es[1].Digits != 8 {
		t.Fatalf("export read back: %+v %v %v", es, bad, err)
	}
	if _, err := f.client.Export(ctx, io.Discard, ExportOptions{Format: FormatURI}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("URI export without secrets: %v", err)
	}

	var backup bytes.Buffer
	n, err := f.client.Backup(ctx, &backup)
	if err != nil || n != int64(backup.Len()) || n == 0 {
		t.Fatalf("backup: %d bytes (%d received): %v", n, backup.Len(), err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copyStore, err := store.Open(path, store.Options{KeyFile: filepath.Join(filepath.Dir(f.store.Path()), "store.key")})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyStore.Close()
	if st, err := copyStore.Get(ctx, "carol"); err != nil || st.Enrollment == nil {
		t.Fatalf("carol in the backup: %+v %v", st, err)
	}
}

func TestAuditNamesTheOSUser(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.client.ShowUser(context.Background(), UserRequest{User: "bob"}); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`msg="admin action" action=show user=bob os_user=%s uid=%d`, me.Username, os.Getuid())
	if !strings.Contains(f.logs.String(), want) {
		t.Fatalf("no audit line %q in\n%s", want, f.logs.String())
	}

	// A command run through sudo is named by the sudo caller.
	c, err := Dial(context.Background(), f.client.Socket(), "helpdesk-anna")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ShowUser(context.Background(), UserRequest{User: "carol"}); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf(`action=show user=carol os_user=helpdesk-anna uid=%d`, os.Getuid())
	if !strings.Contains(f.logs.String(), want) {
		t.Fatalf("no audit line %q in\n%s", want, f.logs.String())
	}
}

// failingExport is an API whose export breaks after sending some data,
// to see the client notice.
type failingExport struct{ API }

func (failingExport) Export(ctx context.Context, w io.Writer, o ExportOptions) (int, error) {
	w.Write(bytes.Repeat([]byte("alice,,6,30,SHA1,2026-01-01T00:00:00Z\n"), 10000))
	return 0, errors.New("store: disk on fire")
}

func TestStreamBrokenMidway(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	srv, err := Listen(context.Background(), path, failingExport{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := Dial(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Export(context.Background(), io.Discard, ExportOptions{})
	if err == nil || err.Error() != "the daemon failed midway: store: disk on fire" {
		t.Fatalf("export broken midway: %v", err)
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	es, _, err := parseImport(strings.NewReader("x,"+s), ImportOptions{}, true, time.Now())
	if err != nil || len(es) != 1 {
		t.Fatalf("decode %s: %v", s, err)
	}
	return es[0].Secret
}
