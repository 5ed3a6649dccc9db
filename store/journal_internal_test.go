package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openJournaled opens a store whose logins stay in the journal until a
// write or the test folds them: no timer checkpoint races the test.
func openJournaled(t *testing.T) *Bolt {
	t.Helper()
	dir := t.TempDir()
	b, err := open(filepath.Join(dir, "r.db"), Options{KeyFile: filepath.Join(dir, "r.key")}, tuning{journalSize: defaultJournalSize, foldEvery: time.Hour})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// queueAccept enqueues an AcceptStep op without waiting for its answer.
func queueAccept(t *testing.T, b *Bolt, user string, id, step uint64) *op {
	t.Helper()
	o := &op{ctx: t.Context(), kind: opAccept, done: make(chan error, 1),
		accept: acceptArgs{user: user, enrollmentID: id, step: step, now: time.Unix(1e9, 0)}}
	if err := b.enqueue(t.Context(), o); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return o
}

func TestQueuedLoginsShareOneJournalWrite(t *testing.T) {
	b := openJournaled(t)
	ids := enrollUsers(t, b, 10)
	release := holdCommitter(t, b)
	before := b.Stats()
	var ops []*op
	for i, id := range ids {
		ops = append(ops, queueAccept(t, b, fmt.Sprint("u", i), id, 9))
	}
	ops = append(ops, queueAccept(t, b, "u0", ids[0], 9))      // the same code again
	ops = append(ops, queueAccept(t, b, "u1", ids[1], 10))     // the next code
	ops = append(ops, queueAccept(t, b, "u2", ids[2]+100, 11)) // another enrollment
	release()
	want := map[int]error{10: ErrReplay, 12: ErrNotFound}
	for i, o := range ops {
		if err := <-o.done; !errors.Is(err, want[i]) {
			t.Errorf("op %d = %v, want %v", i, err, want[i])
		}
	}
	after := b.Stats()
	if commits, n := after.Commits-before.Commits, after.Ops-before.Ops; commits != 2 || n != 14 {
		t.Fatalf("held op and 13 queued logins took %d commits for %d ops, want 2 for 14", commits, n)
	}
	if after.Checkpoints != before.Checkpoints {
		t.Fatalf("the logins were folded into the database (%d checkpoints): they did not take the journal", after.Checkpoints-before.Checkpoints)
	}
	if b.j.off != int64(11*journalRecordLen("u0")) {
		t.Fatalf("journal holds %d bytes, want 11 records of %d", b.j.off, journalRecordLen("u0"))
	}
	if st, err := b.Get(t.Context(), "u1"); err != nil || st.LastStep != 10 {
		t.Fatalf("Get(u1) = last step %d, %v; want 10", st.LastStep, err)
	}
}

// TestJournalWriteErrorFailsBatch makes the journal unwritable: every
// login of the batch fails, none is published, and once the journal
// works again the same codes are accepted.
func TestJournalWriteErrorFailsBatch(t *testing.T) {
	b := openJournaled(t)
	ids := enrollUsers(t, b, 2)
	readOnly, err := os.Open(b.j.path)
	if err != nil {
		t.Fatal(err)
	}
	release := holdCommitter(t, b)
	good := b.j.f
	b.j.f = readOnly // the committer is held: nothing else touches it
	ops := []*op{queueAccept(t, b, "u0", ids[0], 9), queueAccept(t, b, "u1", ids[1], 9)}
	release()
	for i, o := range ops {
		if err := <-o.done; err == nil || !strings.Contains(err.Error(), "journal") {
			t.Errorf("login %d with an unwritable journal = %v, want a journal error", i, err)
		}
	}
	for i := range ids {
		if st, err := b.Get(t.Context(), fmt.Sprint("u", i)); err != nil || st.LastStep != 0 {
			t.Fatalf("u%d after a failed journal write: last step %d, %v; want nothing", i, st.LastStep, err)
		}
	}

	release = holdCommitter(t, b)
	b.j.f = good
	_ = readOnly.Close()
	before := b.Stats().Checkpoints
	o := queueAccept(t, b, "u0", ids[0], 9)
	release()
	if err := <-o.done; err != nil {
		t.Fatalf("login after the journal works again: %v", err)
	}
	if b.Stats().Checkpoints == before {
		t.Fatalf("the epoch of a failed write was written to again, without a checkpoint")
	}
	if err := b.CrashForTest(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(b.path, Options{KeyFile: filepath.Join(filepath.Dir(b.path), "r.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st, err := r.Get(t.Context(), "u0"); err != nil || st.LastStep != 9 {
		t.Fatalf("u0 after a crash: last step %d, %v; want 9", st.LastStep, err)
	}
}

// TestJournalEpochMoved: if the database's epoch is not the journal's
// (a commit reported as failed reached the disk), logins are not written
// where a replay would ignore them: the batch is committed to the
// database, which starts a new epoch.
func TestJournalEpochMoved(t *testing.T) {
	b := openJournaled(t)
	ids := enrollUsers(t, b, 1)
	release := holdCommitter(t, b)
	b.overlay.epoch++ // the committer is held, and no reader runs
	o := queueAccept(t, b, "u0", ids[0], 9)
	before := b.Stats()
	release()
	if err := <-o.done; err != nil {
		t.Fatalf("login with a moved epoch: %v", err)
	}
	if after := b.Stats(); after.Checkpoints != before.Checkpoints+1 || b.j.off != 0 {
		t.Fatalf("login with a moved epoch: %d checkpoints, journal at %d; want it folded into the database", after.Checkpoints-before.Checkpoints, b.j.off)
	}
	o = queueAccept(t, b, "u0", ids[0], 10)
	if err := <-o.done; err != nil || b.j.off == 0 {
		t.Fatalf("next login: %v, journal at %d; want it journaled", err, b.j.off)
	}
}

func TestOverlayMergeOnlyAtItsEpoch(t *testing.T) {
	o := newOverlay(5)
	o.steps["alice"] = acceptedStep{enrollmentID: 1, step: 40, used: 7e18}
	base := UserState{User: "alice", Enrollment: &Enrollment{ID: 1}, LastStep: 30, Failures: 2, LockedUntil: time.Unix(9e9, 0)}
	for name, tc := range map[string]struct {
		epoch  uint64
		id     uint64
		step   uint64
		failed int
	}{
		"same epoch":              {5, 1, 40, 0},
		"snapshot after the fold": {6, 1, 30, 2},
		"enrollment replaced":     {5, 2, 30, 0},
	} {
		st := base
		st.Enrollment = &Enrollment{ID: tc.id}
		o.mu.RLock()
		o.at(tc.epoch).merge(&st)
		o.mu.RUnlock()
		if st.LastStep != tc.step || st.Failures != tc.failed || (tc.failed == 0) != st.LockedUntil.IsZero() {
			t.Errorf("%s: merged %+v; want last step %d, %d failures", name, st, tc.step, tc.failed)
		}
	}
	st := base
	st.LastStep = 50 // never lowered
	o.mu.RLock()
	o.at(5).merge(&st)
	o.mu.RUnlock()
	if st.LastStep != 50 {
		t.Errorf("merge lowered the step to %d", st.LastStep)
	}
}

func TestJournalRecordsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	j, err := openJournal(filepath.Join(dir, "j"), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	long := strings.Repeat("x", maxUserLen)
	want := []journalRecord{
		{"alice", acceptedStep{1, 100, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC).UnixNano()}},
		{long, acceptedStep{1<<64 - 1, 1<<64 - 1, 0}},
		{"bob", acceptedStep{3, 0, -1}},
	}
	for _, r := range want {
		j.appendRecord(42, r.user, r.acceptedStep)
	}
	if err := j.write(); err != nil {
		t.Fatal(err)
	}
	j.buf = j.buf[:0]
	j.appendRecord(41, "old epoch", acceptedStep{1, 1, 1})
	if err := j.write(); err != nil {
		t.Fatal(err)
	}
	got, _, err := j.scan(42)
	if err != nil || len(got) != len(want) {
		t.Fatalf("scan(42) = %d records, %v; want %d", len(got), err, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i].acceptedStep, want[i].acceptedStep)
		}
	}
	if got, _, _ := j.scan(41); len(got) != 0 {
		t.Errorf("scan(41) = %d records; the first record is of epoch 42", len(got))
	}
}

func TestJournalCancelledLoginNotApplied(t *testing.T) {
	b := openJournaled(t)
	ids := enrollUsers(t, b, 2)
	release := holdCommitter(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	cancelled := &op{ctx: ctx, kind: opAccept, done: make(chan error, 1),
		accept: acceptArgs{user: "u0", enrollmentID: ids[0], step: 9, now: time.Unix(1e9, 0)}}
	if err := b.enqueue(ctx, cancelled); err != nil {
		t.Fatal(err)
	}
	other := queueAccept(t, b, "u1", ids[1], 9)
	cancel()
	release()
	if err := <-cancelled.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("login cancelled in the queue = %v, want context.Canceled", err)
	}
	if err := <-other.done; err != nil {
		t.Fatalf("login batched with a cancelled one = %v", err)
	}
	if st, err := b.Get(t.Context(), "u0"); err != nil || st.LastStep != 0 {
		t.Fatalf("login cancelled in the queue was applied: last step %d, %v", st.LastStep, err)
	}
	if b.j.off != int64(journalRecordLen("u1")) {
		t.Fatalf("journal holds %d bytes, want u1's record alone", b.j.off)
	}
}
