package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// These tests hold the committer inside a transaction with a blocking op,
// queue more ops behind it, then release it, so that the next batch is
// known exactly.

func openInternal(t *testing.T) *Bolt {
	t.Helper()
	dir := t.TempDir()
	b, err := Open(filepath.Join(dir, "r.db"), Options{KeyFile: filepath.Join(dir, "r.key")})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// holdCommitter occupies the committer until the returned func is called.
func holdCommitter(t *testing.T, b *Bolt) (release func()) {
	t.Helper()
	entered, unblock := make(chan struct{}), make(chan struct{})
	o := &op{ctx: t.Context(), done: make(chan error, 1), run: func(*bolt.Tx) (error, error) {
		close(entered)
		<-unblock
		return nil, nil
	}}
	if err := b.enqueue(t.Context(), o); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	<-entered
	return func() { close(unblock) }
}

// queue enqueues run without waiting for its commit.
func queue(t *testing.T, ctx context.Context, b *Bolt, run txFunc) *op {
	t.Helper()
	o := &op{ctx: ctx, run: run, done: make(chan error, 1)}
	if err := b.enqueue(ctx, o); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return o
}

func acceptOp(user string, id, step uint64) txFunc {
	return func(tx *bolt.Tx) (error, error) {
		return acceptStep(bucketsOf(tx), user, id, step, time.Unix(1e9, 0))
	}
}

func enrollUsers(t *testing.T, b *Bolt, n int) []uint64 {
	t.Helper()
	ids := make([]uint64, n)
	for i := range ids {
		id, err := b.Enroll(t.Context(), Enrollment{User: fmt.Sprint("u", i), Secret: []byte("s"), Digits: 6, Period: time.Second, Algorithm: "SHA1"})
		if err != nil {
			t.Fatalf("Enroll: %v", err)
		}
		ids[i] = id
	}
	return ids
}

func TestQueuedOpsShareOneCommit(t *testing.T) {
	b := openInternal(t)
	ids := enrollUsers(t, b, 10)
	release := holdCommitter(t, b)
	before := b.Stats()
	var ops []*op
	for i, id := range ids {
		ops = append(ops, queue(t, t.Context(), b, acceptOp(fmt.Sprint("u", i), id, 9)))
	}
	ops = append(ops, queue(t, t.Context(), b, acceptOp("u0", ids[0], 9))) // same code again
	release()
	last := len(ops) - 1
	for i, o := range ops[:last] {
		if err := <-o.done; err != nil {
			t.Errorf("op %d = %v, want nil", i, err)
		}
	}
	if err := <-ops[last].done; !errors.Is(err, ErrReplay) {
		t.Errorf("repeated step in the same batch = %v, want ErrReplay", err)
	}
	after := b.Stats()
	if commits, n := after.Commits-before.Commits, after.Ops-before.Ops; commits != 2 || n != 12 {
		t.Fatalf("held op and 11 queued ops took %d commits for %d ops, want 2 for 12", commits, n)
	}
}

func TestAbortFailsWholeBatch(t *testing.T) {
	b := openInternal(t)
	ids := enrollUsers(t, b, 2)
	release := holdCommitter(t, b)
	broken := errors.New("disk on fire")
	ops := []*op{
		queue(t, t.Context(), b, acceptOp("u0", ids[0], 9)),
		queue(t, t.Context(), b, func(*bolt.Tx) (error, error) { return nil, broken }),
		queue(t, t.Context(), b, acceptOp("u1", ids[1], 9)),
	}
	release()
	for i, o := range ops {
		if err := <-o.done; !errors.Is(err, broken) {
			t.Errorf("op %d of a failed batch = %v, want the batch's error", i, err)
		}
	}
	for i := range ids {
		if st, err := b.Get(t.Context(), fmt.Sprint("u", i)); err != nil || st.LastStep != 0 {
			t.Fatalf("u%d after a failed batch: last step %d, %v; want nothing written", i, st.LastStep, err)
		}
	}
}

func TestOpCancelledWhileQueuedIsNotApplied(t *testing.T) {
	b := openInternal(t)
	ids := enrollUsers(t, b, 1)
	release := holdCommitter(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	o := queue(t, ctx, b, acceptOp("u0", ids[0], 9))
	cancel()
	release()
	if err := <-o.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("op cancelled in the queue = %v, want context.Canceled", err)
	}
	if st, err := b.Get(t.Context(), "u0"); err != nil || st.LastStep != 0 {
		t.Fatalf("op cancelled in the queue was applied: last step %d, %v", st.LastStep, err)
	}
}
