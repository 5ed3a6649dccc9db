package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/store/storetest"
)

// paths are where a test keeps its database and key.
type paths struct{ db, key string }

func newPaths(t *testing.T) paths {
	dir := t.TempDir()
	return paths{db: filepath.Join(dir, "lib", "radius2fa.db"), key: filepath.Join(dir, "etc", "store.key")}
}

func (p paths) open(t *testing.T) *store.Bolt {
	t.Helper()
	return p.openWith(t, store.Options{KeyFile: p.key})
}

// openWith opens the store with opts and closes it when the test ends.
func (p paths) openWith(t *testing.T, opts store.Options) *store.Bolt {
	t.Helper()
	s, err := store.Open(p.db, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	closeAtEnd(t, s)
	return s
}

// closeAtEnd closes s when the test ends, failing it if Close fails.
func closeAtEnd(t *testing.T, s *store.Bolt) {
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// edit changes the closed database file with bbolt directly.
func (p paths) edit(t *testing.T, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(p.db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatalf("editing the database: %v", err)
	}
}

func enrollment(user, secret string) store.Enrollment {
	return store.Enrollment{
		User: user, Secret: []byte(secret), Digits: 6, Period: 30 * time.Second,
		Algorithm: "SHA1", CreatedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
	}
}

func pending(user, secret string, created time.Time) store.Pending {
	return store.Pending{
		User: user, Secret: []byte(secret), Digits: 6, Period: 30 * time.Second,
		Algorithm: "SHA1", CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute),
	}
}

func mustEnroll(t *testing.T, s store.Store, e store.Enrollment) uint64 {
	t.Helper()
	id, err := s.Enroll(t.Context(), e)
	if err != nil {
		t.Fatalf("Enroll(%s): %v", e.User, err)
	}
	return id
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newPaths(t).open(t) })
}

// With a lease, logins are answered before their sync; nothing a caller
// sees changes.
func TestConformanceWithLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		p := newPaths(t)
		return p.openWith(t, store.Options{KeyFile: p.key, Lease: time.Second})
	})
}

func TestPersistsAcrossReopen(t *testing.T) {
	p := newPaths(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	lock := store.Lockout{MaxFailures: 2, Duration: time.Hour}

	s := p.open(t)
	aliceID := mustEnroll(t, s, enrollment("alice", "alice's secret"))
	gone := mustEnroll(t, s, enrollment("gone", "deleted later"))
	if err := s.AcceptStep(t.Context(), "alice", aliceID, 77, now); err != nil {
		t.Fatalf("AcceptStep: %v", err)
	}
	for range lock.MaxFailures {
		if _, err := s.RecordFailure(t.Context(), "bob", now, lock); err != nil {
			t.Fatalf("RecordFailure: %v", err)
		}
	}
	if err := s.Delete(t.Context(), "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = p.open(t)
	alice, err := s.Get(t.Context(), "alice")
	if err != nil {
		t.Fatalf("Get(alice) after reopen: %v", err)
	}
	if alice.Enrollment == nil || alice.Enrollment.ID != aliceID || string(alice.Enrollment.Secret) != "alice's secret" ||
		alice.LastStep != 77 || !alice.LastUsed.Equal(now) {
		t.Fatalf("Get(alice) after reopen = %+v", alice)
	}
	if err := s.AcceptStep(t.Context(), "alice", aliceID, 77, now); !errors.Is(err, store.ErrReplay) {
		t.Fatalf("replaying step 77 after reopen = %v, want ErrReplay", err)
	}
	bob, err := s.Get(t.Context(), "bob")
	if err != nil || bob.Failures != 2 || !bob.LockedUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("Get(bob) after reopen = %+v, %v; want 2 failures, locked until %v", bob, err, now.Add(time.Hour))
	}
	if id := mustEnroll(t, s, enrollment("carol", "c")); id <= gone {
		t.Fatalf("enrollment id %d after reopen reuses or precedes id %d", id, gone)
	}
}

func TestSecondOpenIsInUse(t *testing.T) {
	p := newPaths(t)
	first := p.open(t)
	_, err := store.Open(p.db, store.Options{KeyFile: p.key, LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	want := fmt.Sprintf(`store %s: database is in use by another process (is "radius2fa serve" running?)`, p.db)
	if err.Error() != want {
		t.Fatalf("second Open error:\n got %s\nwant %s", err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	p.open(t) // the lock is free again
}

func TestWrongKey(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	mustEnroll(t, s, enrollment("alice", "secret"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	if err := os.WriteFile(p.key, []byte(hex.EncodeToString(other)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(p.db, store.Options{KeyFile: p.key})
	if !errors.Is(err, store.ErrWrongKey) {
		t.Fatalf("Open with another key = %v, want ErrWrongKey", err)
	}
	want := fmt.Sprintf("store %s: encryption key %s does not match this database (it was created with another key)", p.db, p.key)
	if err.Error() != want {
		t.Fatalf("Open with another key:\n got %s\nwant %s", err, want)
	}
}

func TestKeyFileCreatedWhenMissing(t *testing.T) {
	p := newPaths(t)
	var logs bytes.Buffer
	s, err := store.Open(p.db, store.Options{KeyFile: p.key, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		p.key: 0o600, filepath.Dir(p.key): 0o700 | os.ModeDir,
		p.db: 0o600, filepath.Dir(p.db): 0o700 | os.ModeDir,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s has mode %s, want %s", path, info.Mode(), want)
		}
	}
	text, err := os.ReadFile(p.key)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(text) {
		t.Fatalf("key file holds %d bytes, want 64 hex digits and a newline", len(text))
	}
	if !strings.Contains(logs.String(), "created store encryption key") || !strings.Contains(logs.String(), p.key) {
		t.Errorf("log does not say the key was created at %s:\n%s", p.key, logs.String())
	}
	if bytes.Contains(logs.Bytes(), text[:64]) {
		t.Errorf("log contains the key")
	}

	st, err := p.open(t).Get(t.Context(), "alice")
	if err != nil || st.Enrollment == nil || st.Enrollment.ID != id {
		t.Fatalf("Get after reopening with the created key = %+v, %v", st, err)
	}
}

func TestMissingKeyForExistingDatabase(t *testing.T) {
	p := newPaths(t)
	if err := p.open(t).Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p.key); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(p.db, store.Options{KeyFile: p.key})
	if err == nil || !strings.Contains(err.Error(), p.key) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Open of an existing database without its key = %v, want an error naming %s as missing", err, p.key)
	}
	if _, err := os.Stat(p.key); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created a key that cannot open the database (stat: %v)", err)
	}
}

func TestMalformedKeyFile(t *testing.T) {
	valid := strings.Repeat("0123456789abcdef", 4)
	for name, content := range map[string]string{
		"empty":            "",
		"too short":        valid[:62] + "\n",
		"too long":         valid + "00\n",
		"not hex":          "zz" + valid[2:] + "\n",
		"raw bytes":        strings.Repeat("k", 32),
		"two newlines":     valid + "\n\n",
		"huge":             strings.Repeat(valid, 100),
		"space before key": " " + valid,
	} {
		t.Run(name, func(t *testing.T) {
			p := newPaths(t)
			if err := os.MkdirAll(filepath.Dir(p.key), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p.key, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := store.Open(p.db, store.Options{KeyFile: p.key})
			if err == nil {
				t.Fatalf("Open with a malformed key file succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, p.key) || !strings.Contains(msg, "malformed") {
				t.Fatalf("error %q does not say that %s is malformed", msg, p.key)
			}
			if len(content) >= 8 && strings.Contains(msg, strings.TrimSpace(content)[:8]) {
				t.Fatalf("error %q quotes the key file", msg)
			}
		})
	}
	t.Run("CRLF accepted", func(t *testing.T) {
		p := newPaths(t)
		if err := os.MkdirAll(filepath.Dir(p.key), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p.key, []byte(strings.ToUpper(valid)+"\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p.open(t)
	})
}

func TestUnknownSchemaRefused(t *testing.T) {
	p := newPaths(t)
	if err := p.open(t).Close(); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(store.BucketMeta)).Put([]byte(store.SchemaKey), []byte{0, 0, 0, 3})
	})
	_, err := store.Open(p.db, store.Options{KeyFile: p.key})
	if err == nil || !strings.Contains(err.Error(), "schema version 3 is not supported") {
		t.Fatalf("Open of a version 3 database = %v, want schema version 3 refused", err)
	}
}

func TestForeignDatabaseRefused(t *testing.T) {
	p := newPaths(t)
	if err := os.MkdirAll(filepath.Dir(p.db), 0o700); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("something_else"))
		return err
	})
	_, err := store.Open(p.db, store.Options{KeyFile: p.key})
	if err == nil || !strings.Contains(err.Error(), "not a radius2fa database") {
		t.Fatalf("Open of another program's bbolt file = %v, want refused", err)
	}
}

func TestSecretNotStoredInPlaintext(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	secret := "JBSWY3DPEHPK3PXP-raw-totp-secret"
	mustEnroll(t, s, enrollment("user-alice-0001", secret))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p.db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("user-alice-0001")) {
		t.Fatalf("the user id is not in the database file: the test reads the wrong file")
	}
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(secret[:12])) {
		t.Fatalf("the TOTP secret is stored in plaintext")
	}
}

func TestMovedRecordDoesNotOpen(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	mustEnroll(t, s, enrollment("alice", "alice's secret"))
	mustEnroll(t, s, enrollment("bob", "bob's secret"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		for _, name := range []string{store.BucketEnrollments, store.BucketSteps} {
			b := tx.Bucket([]byte(name))
			alice := bytes.Clone(b.Get([]byte("alice")))
			for _, user := range []string{"bob", "eve"} {
				if err := b.Put([]byte(user), alice); err != nil {
					return err
				}
			}
		}
		return nil
	})
	s = p.open(t)
	for _, user := range []string{"bob", "eve"} {
		st, err := s.Get(t.Context(), user)
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("Get(%s) holding alice's record = %+v, %v; want ErrCorrupt", user, st, err)
		}
		if strings.Contains(err.Error(), "alice's secret") {
			t.Fatalf("error quotes the secret: %v", err)
		}
	}
	if st, err := s.Get(t.Context(), "alice"); err != nil || string(st.Enrollment.Secret) != "alice's secret" {
		t.Fatalf("Get(alice) = %+v, %v", st, err)
	}
	if err := s.List(t.Context(), func(store.UserState) error { return nil }); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("List over a moved record = %v, want ErrCorrupt", err)
	}
}

func TestCorruptRecordIsAnError(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(store.BucketSteps)).Put([]byte("alice"), []byte{1, 2, 3})
	})
	s = p.open(t)
	now := time.Now()
	if err := s.AcceptStep(t.Context(), "alice", id, 5, now); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("AcceptStep over a corrupt step record = %v, want ErrCorrupt", err)
	}
	if _, err := s.Get(t.Context(), "alice"); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Get over a corrupt step record = %v, want ErrCorrupt", err)
	}
	// The batch the corrupt op was in still commits for others.
	bobID := mustEnroll(t, s, enrollment("bob", "secret"))
	if err := s.AcceptStep(t.Context(), "bob", bobID, 5, now); err != nil {
		t.Fatalf("AcceptStep(bob): %v", err)
	}
}

func TestInvalidLockoutRefused(t *testing.T) {
	s := newPaths(t).open(t)
	for _, l := range []store.Lockout{{}, {MaxFailures: 5}, {Duration: time.Minute}, {MaxFailures: -1, Duration: time.Minute}} {
		if _, err := s.RecordFailure(t.Context(), "alice", time.Now(), l); err == nil {
			t.Errorf("RecordFailure with lockout %+v succeeded", l)
		}
	}
	if st, err := s.Get(t.Context(), "alice"); err != nil || st.Failures != 0 {
		t.Fatalf("Get after refused RecordFailure = %+v, %v", st, err)
	}
}

func TestCallsAfterClose(t *testing.T) {
	s := newPaths(t).open(t)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	now := time.Now()
	calls := map[string]func() error{
		"Get":        func() error { _, err := s.Get(ctx, "alice"); return err },
		"Enroll":     func() error { _, err := s.Enroll(ctx, enrollment("bob", "s")); return err },
		"AcceptStep": func() error { return s.AcceptStep(ctx, "alice", id, 1, now) },
		"RecordFailure": func() error {
			_, err := s.RecordFailure(ctx, "alice", now, store.Lockout{MaxFailures: 1, Duration: 1})
			return err
		},
		"Unlock": func() error { return s.Unlock(ctx, "alice") },
		"Delete": func() error { return s.Delete(ctx, "alice") },
		"List":   func() error { return s.List(ctx, func(store.UserState) error { return nil }) },
		"EnrollMany": func() error {
			return s.EnrollMany(ctx, []store.Enrollment{enrollment("bob", "s")})
		},
		"SetRecoveryCodes": func() error { return s.SetRecoveryCodes(ctx, "alice", [][]byte{[]byte("h")}) },
		"UseRecoveryCode": func() error {
			_, err := s.UseRecoveryCode(ctx, "alice", now, func([]byte) bool { return true })
			return err
		},
		"SetPending": func() error { return s.SetPending(ctx, pending("alice", "s", now)) },
		"GetPending": func() error { _, _, err := s.GetPending(ctx, "alice", now); return err },
		"ConfirmPending": func() error {
			_, err := s.ConfirmPending(ctx, "alice", now, 1, now)
			return err
		},
		"DeletePending": func() error { return s.DeletePending(ctx, "alice") },
		"Backup":        func() error { _, err := s.Backup(io.Discard); return err },
		"Count":         func() error { _, _, err := s.Count(ctx); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

// TestCloseFinishesSubmittedWrites closes the store while logins are
// being recorded: each one either reports success and is on disk, or
// reports ErrClosed and is not.
func TestCloseFinishesSubmittedWrites(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	const n = 100
	ids := make([]uint64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if ids[i], err = s.Enroll(t.Context(), enrollment(fmt.Sprintf("u%03d", i), "secret")); err != nil {
				t.Errorf("Enroll: %v", err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.AcceptStep(context.Background(), fmt.Sprintf("u%03d", i), ids[i], 1, time.Now())
		})
	}
	wg.Go(func() {
		<-start
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	close(start)
	wg.Wait()

	s = p.open(t)
	for i, err := range errs {
		st, gerr := s.Get(t.Context(), fmt.Sprintf("u%03d", i))
		switch {
		case gerr != nil:
			t.Fatalf("Get: %v", gerr)
		case err == nil && st.LastStep != 1:
			t.Errorf("u%03d: AcceptStep succeeded before Close but last step is %d after reopen", i, st.LastStep)
		case errors.Is(err, store.ErrClosed) && st.LastStep != 0:
			t.Errorf("u%03d: AcceptStep returned ErrClosed but was recorded", i)
		case err != nil && !errors.Is(err, store.ErrClosed):
			t.Errorf("u%03d: AcceptStep during Close = %v, want nil or ErrClosed", i, err)
		}
	}
}
