package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/radius2fa/radius2fa/store"
)

// These tests crash the store (CrashForTest closes both files without
// folding the journal, as a power cut after the last acknowledged write
// would leave them) and check what the next Open makes of the journal.

// never is a checkpoint interval no test waits for: logins stay in the
// journal until a write, a full journal, a backup or Close folds them.
const never = time.Hour

func (p paths) journal() string { return p.db + store.JournalSuffix }

// openTuned opens the store with a journal of size bytes that is folded
// every foldEvery, and closes it when the test ends.
func (p paths) openTuned(t *testing.T, size int64, foldEvery time.Duration) *store.Bolt {
	t.Helper()
	s, err := store.OpenTunedForTest(p.db, store.Options{KeyFile: p.key}, size, foldEvery)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	closeAtEnd(t, s)
	return s
}

func crash(t *testing.T, s *store.Bolt) {
	t.Helper()
	if err := s.CrashForTest(); err != nil {
		t.Fatalf("crash: %v", err)
	}
}

func mustAccept(t *testing.T, s store.Store, user string, id, step uint64, now time.Time) {
	t.Helper()
	if err := s.AcceptStep(t.Context(), user, id, step, now); err != nil {
		t.Fatalf("AcceptStep(%s, %d): %v", user, step, err)
	}
}

func mustGet(t *testing.T, s store.Store, user string) store.UserState {
	t.Helper()
	st, err := s.Get(t.Context(), user)
	if err != nil {
		t.Fatalf("Get(%s): %v", user, err)
	}
	return st
}

// The instant and the lockout these tests use.
const t0Unix = 1795428000 // 2026-11-23 10:00 UTC

func jt0() time.Time       { return time.Unix(t0Unix, 0).UTC() }
func jlock() store.Lockout { return store.Lockout{MaxFailures: 3, Duration: time.Hour} }

func TestJournalReplayedAfterCrash(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	ids := map[string]uint64{}
	for _, user := range []string{"alice", "bob", "carol"} {
		ids[user] = mustEnroll(t, s, enrollment(user, "secret of "+user))
		if _, err := s.RecordFailure(t.Context(), user, jt0(), jlock()); err != nil {
			t.Fatal(err)
		}
	}
	mustAccept(t, s, "alice", ids["alice"], 100, jt0().Add(time.Minute))
	mustAccept(t, s, "bob", ids["bob"], 200, jt0().Add(2*time.Minute))
	mustAccept(t, s, "alice", ids["alice"], 101, jt0().Add(3*time.Minute))
	if cp := s.Stats().Checkpoints; cp != 0 {
		t.Fatalf("%d checkpoints before the crash: the test would not test the journal", cp)
	}
	crash(t, s)

	var logs bytes.Buffer
	s, err := store.Open(p.db, store.Options{KeyFile: p.key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if want := "records=3"; !strings.Contains(logs.String(), "store journal replayed") || !strings.Contains(logs.String(), want) {
		t.Errorf("Open does not log that it replayed 3 records:\n%s", logs.String())
	}
	for user, want := range map[string]struct {
		step     uint64
		used     time.Time
		failures int
	}{
		"alice": {101, jt0().Add(3 * time.Minute), 0},
		"bob":   {200, jt0().Add(2 * time.Minute), 0},
		"carol": {0, time.Time{}, 1},
	} {
		st := mustGet(t, s, user)
		if st.LastStep != want.step || !st.LastUsed.Equal(want.used) || st.Failures != want.failures {
			t.Errorf("Get(%s) after the crash = %+v; want last step %d at %v, %d failures", user, st, want.step, want.used, want.failures)
		}
	}
	if err := s.AcceptStep(t.Context(), "alice", ids["alice"], 101, jt0().Add(time.Hour)); !errors.Is(err, store.ErrReplay) {
		t.Fatalf("replaying alice's step 101 after the crash = %v, want ErrReplay", err)
	}
	mustAccept(t, s, "alice", ids["alice"], 102, jt0().Add(time.Hour))
}

// crashWithRecords accepts one step for each user in turn (each its own
// journal write, so the records lie in that order from offset 0) and
// crashes. It returns the enrollment ids.
func crashWithRecords(t *testing.T, p paths, users ...string) map[string]uint64 {
	t.Helper()
	s := p.openTuned(t, store.DefaultJournalSize, never)
	ids := map[string]uint64{}
	for _, user := range users {
		ids[user] = mustEnroll(t, s, enrollment(user, "secret"))
	}
	for i, user := range users {
		mustAccept(t, s, user, ids[user], uint64(10+i), jt0())
	}
	crash(t, s)
	return ids
}

func TestJournalTornTailIgnored(t *testing.T) {
	users := []string{"alice", "bob", "carol"}
	// carol's record starts after alice's and bob's.
	carolAt := int64(store.JournalRecordLen("alice") + store.JournalRecordLen("bob"))
	for name, damage := range map[string]func(t *testing.T, journal string){
		"truncated": func(t *testing.T, journal string) {
			if err := os.Truncate(journal, carolAt+int64(store.JournalRecordLen("carol"))-3); err != nil {
				t.Fatal(err)
			}
		},
		"garbage": func(t *testing.T, journal string) {
			f, err := os.OpenFile(journal, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte("garbage"), carolAt+20); err != nil {
				t.Fatal(err)
			}
		},
		"intact": func(*testing.T, string) {},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPaths(t)
			crashWithRecords(t, p, users...)
			damage(t, p.journal())
			s := p.open(t)
			for i, user := range users {
				want := uint64(10 + i)
				if user == "carol" && name != "intact" {
					want = 0
				}
				if st := mustGet(t, s, user); st.LastStep != want {
					t.Errorf("Get(%s) after a crash with the journal %s: last step %d, want %d", user, name, st.LastStep, want)
				}
			}
			if info, err := os.Stat(p.journal()); err != nil || info.Size() != store.DefaultJournalSize || info.Mode() != 0o600 {
				t.Fatalf("journal after Open: %v, %v; want %d bytes, mode 0600", info.Size(), err, store.DefaultJournalSize)
			}
		})
	}
}

func TestJournalOldEpochIgnored(t *testing.T) {
	t.Run("folded before the crash", func(t *testing.T) {
		p := newPaths(t)
		s := p.openTuned(t, store.DefaultJournalSize, never)
		id := mustEnroll(t, s, enrollment("alice", "secret"))
		mustAccept(t, s, "alice", id, 10, jt0()) // journaled
		// RecordFailure folds the login into the database, in a new epoch,
		// then counts; the login's record stays in the journal's first
		// bytes, where replaying it would clear the failure.
		if _, err := s.RecordFailure(t.Context(), "alice", jt0(), jlock()); err != nil {
			t.Fatal(err)
		}
		crash(t, s)
		st := mustGet(t, p.open(t), "alice")
		if st.LastStep != 10 || st.Failures != 1 {
			t.Fatalf("Get(alice) = %+v; want last step 10 and the failure after it", st)
		}
	})
	t.Run("epoch changed in the database", func(t *testing.T) {
		p := newPaths(t)
		crashWithRecords(t, p, "alice")
		p.edit(t, func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(store.BucketMeta)).Put([]byte(store.JournalEpochKey), []byte{1, 2, 3, 4, 5, 6, 7, 8})
		})
		if st := mustGet(t, p.open(t), "alice"); st.LastStep != 0 {
			t.Fatalf("a record of another epoch was replayed: last step %d", st.LastStep)
		}
	})
	t.Run("database without an epoch", func(t *testing.T) {
		p := newPaths(t)
		crashWithRecords(t, p, "alice")
		p.edit(t, func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(store.BucketMeta)).Delete([]byte(store.JournalEpochKey))
		})
		if st := mustGet(t, p.open(t), "alice"); st.LastStep != 0 {
			t.Fatalf("a journal was replayed into a database without an epoch: last step %d", st.LastStep)
		}
	})
}

// TestJournalReplacedEnrollment: EnrollMany replaces enrollments without
// folding the journal; the replayed record of the old enrollment must
// not give the new one its step, but its clearing of failures stands.
func TestJournalReplacedEnrollment(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	old := mustEnroll(t, s, enrollment("alice", "old phone"))
	bobOld := mustEnroll(t, s, enrollment("bob", "bob's phone"))
	if _, err := s.RecordFailure(t.Context(), "alice", jt0(), jlock()); err != nil {
		t.Fatal(err)
	}
	mustAccept(t, s, "alice", old, 50, jt0())
	mustAccept(t, s, "bob", bobOld, 60, jt0())
	if err := s.EnrollMany(t.Context(), []store.Enrollment{enrollment("alice", "migrated"), enrollment("carol", "new")}); err != nil {
		t.Fatal(err)
	}
	carol := mustGet(t, s, "carol").Enrollment.ID
	mustAccept(t, s, "carol", carol, 7, jt0())
	crash(t, s)

	s = p.open(t)
	alice := mustGet(t, s, "alice")
	if alice.Enrollment == nil || alice.Enrollment.ID == old || alice.LastStep != 0 || alice.Failures != 0 {
		t.Fatalf("Get(alice) after the crash = %+v (enrollment %+v); want the migrated enrollment, no step, no failures", alice, alice.Enrollment)
	}
	if st := mustGet(t, s, "bob"); st.LastStep != 60 {
		t.Fatalf("Get(bob) after the crash: last step %d, want 60", st.LastStep)
	}
	if st := mustGet(t, s, "carol"); st.LastStep != 7 {
		t.Fatalf("Get(carol) after the crash: last step %d, want 7", st.LastStep)
	}
	mustAccept(t, s, "alice", alice.Enrollment.ID, 1, jt0())
}

func TestJournalDeleteAndReenrollAfterLogin(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	alice := mustEnroll(t, s, enrollment("alice", "secret"))
	bob := mustEnroll(t, s, enrollment("bob", "secret"))
	mustAccept(t, s, "alice", alice, 10, jt0())
	mustAccept(t, s, "bob", bob, 20, jt0())
	if err := s.Delete(t.Context(), "alice"); err != nil {
		t.Fatal(err)
	}
	mustAccept(t, s, "bob", bob, 21, jt0())
	bob2 := mustEnroll(t, s, enrollment("bob", "new phone"))
	crash(t, s)

	s = p.open(t)
	if st := mustGet(t, s, "alice"); st.Enrollment != nil || st.LastStep != 0 {
		t.Fatalf("deleted alice is back after the crash: %+v", st)
	}
	if st := mustGet(t, s, "bob"); st.Enrollment == nil || st.Enrollment.ID != bob2 || st.LastStep != 0 {
		t.Fatalf("re-enrolled bob after the crash = %+v; want enrollment %d with no step", st, bob2)
	}
	if users, enrolled, err := s.Count(t.Context()); err != nil || users != 1 || enrolled != 1 {
		t.Fatalf("Count after the crash = %d, %d, %v; want 1, 1", users, enrolled, err)
	}
	checkCountsMatchList(t, s)
}

// TestJournalReadsBeforeCheckpoint: Get and List show journaled logins
// that no checkpoint has folded yet.
func TestJournalReadsBeforeCheckpoint(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	for range 2 {
		if _, err := s.RecordFailure(t.Context(), "alice", jt0(), jlock()); err != nil {
			t.Fatal(err)
		}
	}
	before := s.Stats()
	mustAccept(t, s, "alice", id, 42, jt0().Add(time.Minute))
	var listed store.UserState
	if err := s.List(t.Context(), func(st store.UserState) error { listed = st; return nil }); err != nil {
		t.Fatal(err)
	}
	st := mustGet(t, s, "alice")
	after := s.Stats()
	if after.Checkpoints != before.Checkpoints || after.Commits != before.Commits+1 {
		t.Fatalf("stats %+v → %+v: want one commit (the journal's) and no checkpoint", before, after)
	}
	for what, st := range map[string]store.UserState{"Get": st, "List": listed} {
		if st.LastStep != 42 || !st.LastUsed.Equal(jt0().Add(time.Minute)) || st.Failures != 0 {
			t.Errorf("%s before a checkpoint = %+v; want last step 42, no failures", what, st)
		}
	}
}

func TestBackupHoldsJournaledLogins(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	mustAccept(t, s, "alice", id, 77, jt0())
	backup := p.db + ".backup"
	writeBackup(t, s, backup)
	mustAccept(t, s, "alice", id, 78, jt0()) // after the backup
	crash(t, s)

	pristine := backup + ".pristine" // opening a database changes its epoch
	copyFile(t, backup, pristine)
	c := paths{db: backup, key: p.key}.open(t)
	if st := mustGet(t, c, "alice"); st.LastStep != 77 {
		t.Fatalf("the backup has alice's last step %d, want 77 (accepted just before it)", st.LastStep)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Restored over the database, next to the journal that holds step
	// 78: that login came after the backup and is not replayed into it.
	// (A copy of the crashed files replays it, so the journal has it.)
	crashed := newPaths(t)
	crashed.key = p.key
	copyFile(t, p.db, crashed.db)
	copyFile(t, p.journal(), crashed.journal())
	if st := mustGet(t, crashed.open(t), "alice"); st.LastStep != 78 {
		t.Fatalf("the crashed store has alice's last step %d, want 78", st.LastStep)
	}
	copyFile(t, pristine, p.db)
	for _, when := range []string{"restored", "restored, crashed and reopened"} {
		r := p.openTuned(t, store.DefaultJournalSize, never)
		if st := mustGet(t, r, "alice"); st.LastStep != 77 {
			t.Fatalf("the %s backup has alice's last step %d, want 77", when, st.LastStep)
		}
		crash(t, r) // the new epoch the restored copy starts must not match the old journal either
	}
}

func writeBackup(t *testing.T, s *store.Bolt, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Backup(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(to), 0o700)
	}
	if err == nil {
		err = os.WriteFile(to, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestJournalFull: a journal that holds three records is folded each
// time it fills; a batch that would not fit even in an empty journal is
// committed to the database directly.
func TestJournalFull(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, int64(3*store.JournalRecordLen("u00")), never)
	const users = 10
	ids := make([]uint64, users)
	for i := range ids {
		ids[i] = mustEnroll(t, s, enrollment(fmt.Sprintf("u%02d", i), "secret"))
	}
	for step := uint64(1); step <= 4; step++ {
		for i, id := range ids {
			mustAccept(t, s, fmt.Sprintf("u%02d", i), id, step, jt0())
		}
	}
	if cp := s.Stats().Checkpoints; cp < 10 {
		t.Fatalf("%d checkpoints for 40 logins in a journal of 3 records, want at least 10", cp)
	}
	var wg sync.WaitGroup // concurrent logins: batches of up to 10 records
	for i, id := range ids {
		wg.Go(func() { mustAccept(t, s, fmt.Sprintf("u%02d", i), id, 5, jt0()) })
	}
	wg.Wait()
	crash(t, s)
	s = p.openTuned(t, store.DefaultJournalSize, never)
	for i := range ids {
		if st := mustGet(t, s, fmt.Sprintf("u%02d", i)); st.LastStep != 5 {
			t.Errorf("u%02d after the crash: last step %d, want 5", i, st.LastStep)
		}
	}
}

// TestJournalFoldedByTimer: a checkpoint folds the journal without any
// other write; the database alone then holds the login.
func TestJournalFoldedByTimer(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, 10*time.Millisecond)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	mustAccept(t, s, "alice", id, 9, jt0())
	for s.Stats().Checkpoints == 0 {
		select {
		case <-t.Context().Done():
			t.Fatal("no checkpoint")
		case <-time.After(5 * time.Millisecond):
		}
	}
	crash(t, s)
	if err := os.Remove(p.journal()); err != nil {
		t.Fatal(err)
	}
	if st := mustGet(t, p.open(t), "alice"); st.LastStep != 9 {
		t.Fatalf("after a timed checkpoint and without the journal: last step %d, want 9", st.LastStep)
	}
	if _, err := os.Stat(p.journal()); err != nil {
		t.Fatalf("Open did not create the missing journal: %v", err)
	}
}

func TestCloseFoldsJournal(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	id := mustEnroll(t, s, enrollment("alice", "secret"))
	mustAccept(t, s, "alice", id, 9, jt0())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p.journal()); err != nil {
		t.Fatal(err)
	}
	if st := mustGet(t, p.open(t), "alice"); st.LastStep != 9 {
		t.Fatalf("after Close and without the journal: last step %d, want 9", st.LastStep)
	}
}

// TestJournalConcurrentCrash: many users log in, fail and read at once
// over a small journal folded often; after a crash every acknowledged
// login is there.
func TestJournalConcurrentCrash(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, 2048, 5*time.Millisecond)
	const users, steps = 32, 20
	ids := make([]uint64, users)
	for i := range ids {
		ids[i] = mustEnroll(t, s, enrollment(fmt.Sprintf("c%02d", i), "secret"))
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		user := fmt.Sprintf("c%02d", i)
		wg.Go(func() {
			for step := uint64(1); step <= steps; step++ {
				if step%5 == 0 {
					if _, err := s.RecordFailure(t.Context(), user, jt0(), jlock()); err != nil {
						t.Errorf("RecordFailure(%s): %v", user, err)
					}
				}
				if err := s.AcceptStep(t.Context(), user, id, step, jt0()); err != nil {
					t.Errorf("AcceptStep(%s, %d): %v", user, step, err)
					return
				}
				if st, err := s.Get(t.Context(), user); err != nil || st.LastStep != step {
					t.Errorf("Get(%s) after step %d = %+v, %v", user, step, st, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if err := s.List(t.Context(), func(store.UserState) error { return nil }); err != nil {
				t.Errorf("List: %v", err)
			}
		}
	})
	wg.Wait()
	crash(t, s)
	s = p.open(t)
	for i := range ids {
		user := fmt.Sprintf("c%02d", i)
		if st := mustGet(t, s, user); st.LastStep != steps || st.Failures != 0 {
			t.Errorf("%s after the crash = %+v; want last step %d and no failures", user, st, steps)
		}
	}
}

// A step released after its login failed stays released across a crash:
// the journal record that accepted it is not replayed over the release.
func TestReleasedStepAfterCrash(t *testing.T) {
	p := newPaths(t)
	s := p.openTuned(t, store.DefaultJournalSize, never)
	id := mustEnroll(t, s, enrollment("alice", "secret of alice"))
	mustAccept(t, s, "alice", id, 100, jt0())
	before := mustGet(t, s, "alice")
	mustAccept(t, s, "alice", id, 101, jt0().Add(time.Minute))
	if err := s.ReleaseStep(t.Context(), "alice", id, 101, before); err != nil {
		t.Fatalf("ReleaseStep(101): %v", err)
	}
	crash(t, s)

	s, err := store.Open(p.db, store.Options{KeyFile: p.key})
	if err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if st := mustGet(t, s, "alice"); st.LastStep != 100 || !st.LastUsed.Equal(jt0()) {
		t.Fatalf("Get(alice) after the crash: last step %d at %v, want 100 at %v", st.LastStep, st.LastUsed, jt0())
	}
	mustAccept(t, s, "alice", id, 101, jt0().Add(2*time.Minute))
}
