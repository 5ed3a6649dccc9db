package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// These tests run the store with a lease (Options.Lease): logins answered
// once written to the journal, under a bound kept durable ahead of them.
// A crash must leave every code that was used unusable, whether its
// login reached the disk or not.

// openLease opens the store with a lease and a journal folded only by
// writes, Close, or a full journal. log, if not nil, receives its lines.
func (p paths) openLease(t *testing.T, lease time.Duration, log *bytes.Buffer) *store.Bolt {
	t.Helper()
	opts := store.Options{KeyFile: p.key, Lease: lease}
	if log != nil {
		opts.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	s, err := store.OpenTunedForTest(p.db, opts, store.DefaultJournalSize, never)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// step0 is the time step (30 s) that begins at jt0.
const step0 = t0Unix / 30

func enrollAll(t *testing.T, s store.Store, users ...string) map[string]uint64 {
	t.Helper()
	ids := map[string]uint64{}
	for _, user := range users {
		ids[user] = mustEnroll(t, s, enrollment(user, "secret of "+user))
	}
	return ids
}

func syncs(s *store.Bolt) uint64 { return s.Stats().JournalSyncs }

func TestLeaseSyncsAFewTimesNotPerLogin(t *testing.T) {
	s := newPaths(t).openLease(t, time.Second, nil)
	users := make([]string, 16)
	for i := range users {
		users[i] = fmt.Sprintf("u%02d", i)
	}
	ids := enrollAll(t, s, users...)
	at := func(ms int) time.Time { return jt0().Add(time.Duration(ms) * time.Millisecond) }
	login := func(i int, step uint64, ms int) {
		t.Helper()
		mustAccept(t, s, users[i], ids[users[i]], step, at(ms))
	}
	base := syncs(s)

	login(0, step0, 0) // no lease yet: written with one
	if got := syncs(s) - base; got != 1 {
		t.Fatalf("first login: %d syncs, want 1 (its record and the lease)", got)
	}
	for i := 1; i < 10; i++ {
		login(i, step0, 100)
	}
	if got := syncs(s) - base; got != 1 {
		t.Fatalf("9 logins under the lease: %d syncs in all, want still 1", got)
	}
	login(10, step0, 600) // less than half the lease left: renewed after the answer
	login(11, step0, 700)
	if got := syncs(s) - base; got != 2 {
		t.Fatalf("after a login with less than half the lease left: %d syncs, want 2", got)
	}
	login(12, step0+1, 800) // a step that begins after the lease's end waits for a sync
	if got := syncs(s) - base; got != 3 {
		t.Fatalf("a code of the next step: %d syncs, want 3", got)
	}
	login(13, step0+1, 900) // covered now
	if got := syncs(s) - base; got != 3 {
		t.Fatalf("a second code of the next step: %d syncs, want still 3", got)
	}
	for i := 0; i < 14; i++ {
		if err := s.AcceptStep(t.Context(), users[i], ids[users[i]], step0, at(1000)); !errors.Is(err, store.ErrReplay) {
			t.Errorf("%s using step %d again = %v, want ErrReplay", users[i], step0, err)
		}
	}
}

func TestNoLeaseSyncsEveryLogin(t *testing.T) {
	s := newPaths(t).openTuned(t, store.DefaultJournalSize, never)
	ids := enrollAll(t, s, "alice", "bob", "carol")
	base := syncs(s)
	for _, user := range []string{"alice", "bob", "carol"} {
		mustAccept(t, s, user, ids[user], step0, jt0())
	}
	if got := syncs(s) - base; got != 3 {
		t.Fatalf("3 logins one after the other without a lease: %d syncs, want 3", got)
	}
}

// leaseCrash logs alice in (written with the first lease, so durable),
// then bob and carol (answered from the page cache), all in step0, and
// crashes the store.
func leaseCrash(t *testing.T, p paths) map[string]uint64 {
	t.Helper()
	s := p.openLease(t, time.Second, nil)
	ids := enrollAll(t, s, "alice", "bob", "carol", "dave")
	base := syncs(s)
	mustAccept(t, s, "alice", ids["alice"], step0, jt0().Add(10*time.Second))
	mustAccept(t, s, "bob", ids["bob"], step0, jt0().Add(10100*time.Millisecond))
	mustAccept(t, s, "carol", ids["carol"], step0, jt0().Add(10200*time.Millisecond))
	if got := syncs(s) - base; got != 1 {
		t.Fatalf("%d syncs for the three logins, want 1: the test would not test a lost page cache", got)
	}
	crash(t, s)
	return ids
}

// TestLeaseCrashLosingPageCache: the machine went down and took with it
// the journal records no fdatasync covered (bob's and carol's logins).
// Their codes, and every code of that step, are refused after the
// restart; the next step's codes work.
func TestLeaseCrashLosingPageCache(t *testing.T) {
	p := newPaths(t)
	ids := leaseCrash(t, p)
	durable := int64(store.JournalRecordLen("alice") + store.LeaseRecordLen)
	loseAfter(t, p.journal(), durable)

	var logs bytes.Buffer
	s := p.openLease(t, time.Second, &logs)
	if !strings.Contains(logs.String(), "not closed cleanly") {
		t.Errorf("Open after the crash does not warn that codes are refused:\n%s", logs.String())
	}
	if st := mustGet(t, s, "alice"); st.LastStep != step0 {
		t.Errorf("alice's durable login after the crash: last step %d, want %d", st.LastStep, step0)
	}
	if st := mustGet(t, s, "bob"); st.LastStep != 0 {
		t.Fatalf("bob's login survived (last step %d): the test did not lose the page cache", st.LastStep)
	}
	if err := s.AcceptStep(t.Context(), "alice", ids["alice"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrReplay) {
		t.Errorf("alice's code of step %d after the crash = %v, want ErrReplay", step0, err)
	}
	for _, user := range []string{"bob", "carol", "dave"} {
		err := s.AcceptStep(t.Context(), user, ids[user], step0, jt0().Add(12*time.Second))
		if !errors.Is(err, store.ErrEmbargoed) || !errors.Is(err, store.ErrReplay) {
			t.Errorf("%s's code of step %d after the crash = %v, want ErrEmbargoed (an ErrReplay)", user, step0, err)
		}
	}
	for _, user := range []string{"alice", "bob", "carol", "dave"} {
		mustAccept(t, s, user, ids[user], step0+1, jt0().Add(31*time.Second))
	}
}

// loseAfter zeroes the file from off on, as a power cut loses the
// writes no fdatasync covered.
func loseAfter(t *testing.T, path string, off int64) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, info.Size()-off), off); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseCrashOfProcess: the daemon died, the page cache held every
// record: every login is replayed, and the step's other codes are
// refused all the same (a lost page cache looks no different).
func TestLeaseCrashOfProcess(t *testing.T) {
	p := newPaths(t)
	ids := leaseCrash(t, p)
	s := p.openLease(t, time.Second, nil)
	for _, user := range []string{"alice", "bob", "carol"} {
		if st := mustGet(t, s, user); st.LastStep != step0 {
			t.Errorf("%s after the crash: last step %d, want %d", user, st.LastStep, step0)
		}
	}
	if err := s.AcceptStep(t.Context(), "dave", ids["dave"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrEmbargoed) {
		t.Errorf("dave's code of step %d after the crash = %v, want ErrEmbargoed", step0, err)
	}
	mustAccept(t, s, "dave", ids["dave"], step0+1, jt0().Add(31*time.Second))
}

// TestLeaseEmbargoKept: the refusal is stored in the database, so it
// holds after a clean restart too, and on the path that bypasses the
// journal (a journal too small for any login).
func TestLeaseEmbargoKept(t *testing.T) {
	p := newPaths(t)
	ids := leaseCrash(t, p)
	s := p.openLease(t, time.Second, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenTunedForTest(p.db, store.Options{KeyFile: p.key}, 16, never)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.AcceptStep(t.Context(), "dave", ids["dave"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrEmbargoed) {
		t.Errorf("dave's code of step %d after a crash and a clean restart = %v, want ErrEmbargoed", step0, err)
	}
	mustAccept(t, s, "dave", ids["dave"], step0+1, jt0().Add(31*time.Second))
	if n := syncs(s); n != 0 {
		t.Errorf("%d journal syncs: the logins did not take the database path the test is for", n)
	}
}

// TestLeaseCleanClose: after Close nothing is refused.
func TestLeaseCleanClose(t *testing.T) {
	p := newPaths(t)
	s := p.openLease(t, time.Second, nil)
	ids := enrollAll(t, s, "alice", "dave")
	mustAccept(t, s, "alice", ids["alice"], step0, jt0().Add(10*time.Second))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s = p.openLease(t, time.Second, &logs)
	if strings.Contains(logs.String(), "not closed cleanly") {
		t.Errorf("Open after Close warns of a crash:\n%s", logs.String())
	}
	mustAccept(t, s, "dave", ids["dave"], step0, jt0().Add(12*time.Second))
	if err := s.AcceptStep(t.Context(), "alice", ids["alice"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrReplay) {
		t.Errorf("alice's code of step %d again = %v, want ErrReplay", step0, err)
	}
}

// TestLeaseEndsWithEpoch: a checkpoint starts a new journal, and the
// lease written in the old one does not cover the logins of the new one
// after a crash: the first of them is written with a lease of its own.
func TestLeaseEndsWithEpoch(t *testing.T) {
	p := newPaths(t)
	s := p.openLease(t, time.Second, nil)
	ids := enrollAll(t, s, "alice", "bob", "carol")
	mustAccept(t, s, "alice", ids["alice"], step0, jt0().Add(10*time.Second))
	mustEnroll(t, s, enrollment("dave", "secret of dave")) // folds the journal
	base := syncs(s)
	mustAccept(t, s, "bob", ids["bob"], step0, jt0().Add(10100*time.Millisecond))
	if got := syncs(s) - base; got != 1 {
		t.Fatalf("first login after a checkpoint: %d syncs, want 1", got)
	}
	crash(t, s)
	loseAfter(t, p.journal(), int64(store.JournalRecordLen("bob")+store.LeaseRecordLen))

	s = p.openLease(t, time.Second, nil)
	if err := s.AcceptStep(t.Context(), "bob", ids["bob"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrReplay) {
		t.Errorf("bob's code of step %d after the crash = %v, want ErrReplay", step0, err)
	}
	if err := s.AcceptStep(t.Context(), "carol", ids["carol"], step0, jt0().Add(12*time.Second)); !errors.Is(err, store.ErrEmbargoed) {
		t.Errorf("carol's code of step %d after the crash = %v, want ErrEmbargoed", step0, err)
	}
}
