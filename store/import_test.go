package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// importSet (also used by BenchmarkEnrollMany) is n enrollments of users m000000…, in descending order so
// that the store cannot rely on sorted input.
func importSet(n int) []store.Enrollment {
	es := make([]store.Enrollment, n)
	for i := range es {
		user := fmt.Sprintf("m%06d", n-1-i)
		es[i] = enrollment(user, "secret of "+user)
	}
	return es
}

// TestEnrollManyLarge imports 20,000 users while other users keep
// logging in through the group committer: the import and the logins all
// succeed (neither waits for the other forever), and the import is
// complete after a reopen.
func TestEnrollManyLarge(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	const loggers = 8
	ids := make([]uint64, loggers)
	for i := range ids {
		ids[i] = mustEnroll(t, s, enrollment(fmt.Sprint("live", i), "secret"))
	}
	es := importSet(20000)
	var logins atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range loggers {
		wg.Go(func() {
			user := fmt.Sprint("live", i)
			for step := uint64(1); ; step++ {
				if err := s.AcceptStep(t.Context(), user, ids[i], step, time.Now()); err != nil {
					t.Errorf("AcceptStep(%s) during the import: %v", user, err)
					return
				}
				logins.Add(1)
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	err := s.EnrollMany(t.Context(), es)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("EnrollMany of %d: %v", len(es), err)
	}
	if users, enrolled, err := s.Count(t.Context()); err != nil || users != 20000+loggers || enrolled != users {
		t.Fatalf("Count after the import = %d, %d, %v; want %d", users, enrolled, err, 20000+loggers)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = p.open(t)
	seen := map[uint64]bool{}
	for _, i := range []int{0, 1, 9999, 19998, 19999} {
		want := es[i]
		st, err := s.Get(t.Context(), want.User)
		if err != nil || st.Enrollment == nil || string(st.Enrollment.Secret) != string(want.Secret) || seen[st.Enrollment.ID] {
			t.Fatalf("Get(%s) after the import and a reopen = %+v, %v", want.User, st, err)
		}
		seen[st.Enrollment.ID] = true
		if err := s.AcceptStep(t.Context(), want.User, st.Enrollment.ID, 1, time.Now()); err != nil {
			t.Fatalf("AcceptStep(%s) after the import: %v", want.User, err)
		}
	}
	t.Logf("%d logins committed during the import", logins.Load())
}

// cancelAfter is a context whose Err reports cancellation from its
// n+1th call on, so that a cancellation lands inside the import.
type cancelAfter struct {
	context.Context
	n atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestEnrollManyCancelledWritesNothing(t *testing.T) {
	s := newPaths(t).open(t)
	oldID := mustEnroll(t, s, enrollment("m000000", "the old secret"))
	ctx := &cancelAfter{Context: t.Context()}
	ctx.n.Store(3) // before the transaction, at its start, after 1024 users
	err := s.EnrollMany(ctx, importSet(5000))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("EnrollMany cancelled midway = %v, want context.Canceled", err)
	}
	if users, enrolled, err := s.Count(t.Context()); err != nil || users != 1 || enrolled != 1 {
		t.Fatalf("Count after a cancelled import = %d, %d, %v; want 1, 1", users, enrolled, err)
	}
	st, err := s.Get(t.Context(), "m000000")
	if err != nil || st.Enrollment == nil || st.Enrollment.ID != oldID {
		t.Fatalf("a cancelled import replaced m000000: %+v, %v", st.Enrollment, err)
	}
	if st, err := s.Get(t.Context(), "m004999"); err != nil || st.Enrollment != nil {
		t.Fatalf("a cancelled import enrolled m004999: %+v, %v", st.Enrollment, err)
	}
}
