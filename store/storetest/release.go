package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

func release(t *testing.T, s store.Store, e store.Enrollment, step uint64, before store.UserState) {
	t.Helper()
	if err := s.ReleaseStep(t.Context(), e.User, e.ID, step, before); err != nil {
		t.Fatalf("ReleaseStep(%s, id %d, step %d): %v", e.User, e.ID, step, err)
	}
}

// testReleaseStep: a step taken back can be accepted again, the steps
// before it cannot, and the state before the login comes back.
func testReleaseStep(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	accept(t, s, e, 5, t0(), nil)
	fail(t, s, "alice", t0().Add(time.Minute))
	fail(t, s, "alice", t0().Add(time.Minute))
	before := get(t, s, "alice")

	accept(t, s, e, 10, t0().Add(2*time.Minute), nil)
	release(t, s, e, 10, before)
	st := get(t, s, "alice")
	if st.LastStep != 9 || !st.LastUsed.Equal(t0()) {
		t.Fatalf("after ReleaseStep(10): last step %d used %v, want 9 at %v", st.LastStep, st.LastUsed, t0())
	}
	checkFailures(t, "after ReleaseStep(10)", st, 2, time.Time{})

	accept(t, s, e, 8, t0().Add(2*time.Minute), store.ErrReplay)
	accept(t, s, e, 10, t0().Add(3*time.Minute), nil)
	checkFailures(t, "after accepting 10 again", get(t, s, "alice"), 0, time.Time{})
}

// testReleaseStepExpiredLockout: a lockout over before the login comes
// back as it was, and locks nobody out.
func testReleaseStepExpiredLockout(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	var locked store.UserState
	for range policy().MaxFailures {
		locked = fail(t, s, "alice", t0())
	}
	at := locked.LockedUntil.Add(time.Minute)
	before := get(t, s, "alice")
	accept(t, s, e, 10, at, nil)
	release(t, s, e, 10, before)
	checkFailures(t, "after ReleaseStep", get(t, s, "alice"), policy().MaxFailures, locked.LockedUntil)
	accept(t, s, e, 10, at, nil)
}

// testReleaseStepTooLate: nothing is taken back once a later step, a new
// registration or a wrong code has been recorded.
func testReleaseStepTooLate(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	before := get(t, s, "alice")
	accept(t, s, e, 10, t0(), nil)
	accept(t, s, e, 11, t0(), nil)
	release(t, s, e, 10, before)
	if st := get(t, s, "alice"); st.LastStep != 11 {
		t.Fatalf("ReleaseStep(10) after step 11: last step %d, want 11", st.LastStep)
	}
	accept(t, s, e, 10, t0(), store.ErrReplay)

	// A wrong code counted since the login stays counted.
	fail(t, s, "alice", t0())
	fail(t, s, "alice", t0())
	before = get(t, s, "alice")
	accept(t, s, e, 12, t0(), nil)
	fail(t, s, "alice", t0())
	release(t, s, e, 12, before)
	st := get(t, s, "alice")
	if st.LastStep != 11 {
		t.Fatalf("ReleaseStep(12): last step %d, want 11", st.LastStep)
	}
	checkFailures(t, "ReleaseStep after a wrong code", st, 1, time.Time{})

	// Re-registered: the old enrollment's step is not the new one's.
	accept(t, s, e, 13, t0(), nil)
	renewed := enroll(t, s, "alice")
	accept(t, s, renewed, 13, t0(), nil)
	release(t, s, e, 13, before)
	if st := get(t, s, "alice"); st.LastStep != 13 || st.Enrollment.ID != renewed.ID {
		t.Fatalf("ReleaseStep of the old enrollment: last step %d of id %d, want 13 of %d", st.LastStep, st.Enrollment.ID, renewed.ID)
	}

	// Step 0 was never accepted, even when it is a new enrollment's last step.
	fresh := enroll(t, s, "carol")
	release(t, s, fresh, 0, get(t, s, "carol"))
	if st := get(t, s, "carol"); st.LastStep != 0 {
		t.Fatalf("ReleaseStep(0) of a new enrollment: last step %d, want 0", st.LastStep)
	}
	accept(t, s, fresh, 1, t0(), nil)

	// Nobody enrolled: nothing to take back.
	release(t, s, store.Enrollment{User: "bob", ID: e.ID}, 13, store.UserState{User: "bob"})
	if st := get(t, s, "bob"); st.Enrollment != nil || st.LastStep != 0 {
		t.Fatalf("ReleaseStep for bob, who is not enrolled, left %+v", st)
	}
}

// testAcceptStepAsync: the channel gives AcceptStep's result, and of
// logins with one step queued at once exactly one is accepted.
func testAcceptStepAsync(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	const n = 16
	results := make([]<-chan error, n)
	for i := range results {
		results[i] = s.AcceptStepAsync(t.Context(), e.User, e.ID, 10, t0())
	}
	accepted := 0
	for i, ch := range results {
		switch err := <-ch; {
		case err == nil:
			accepted++
		case !errors.Is(err, store.ErrReplay):
			t.Fatalf("AcceptStepAsync #%d of step 10: %v, want nil or ErrReplay", i, err)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d of %d AcceptStepAsync of one step accepted, want 1", accepted, n)
	}
	if st := get(t, s, "alice"); st.LastStep != 10 {
		t.Fatalf("after AcceptStepAsync(10): last step %d, want 10", st.LastStep)
	}
	if err := <-s.AcceptStepAsync(t.Context(), "bob", e.ID, 11, t0()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AcceptStepAsync for bob, who is not enrolled: %v, want ErrNotFound", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := <-s.AcceptStepAsync(ctx, e.User, e.ID, 11, t0()); !errors.Is(err, context.Canceled) {
		t.Fatalf("AcceptStepAsync with a cancelled context: %v, want context.Canceled", err)
	}
	if st := get(t, s, "alice"); st.LastStep != 10 {
		t.Fatalf("AcceptStepAsync with a cancelled context wrote step %d", st.LastStep)
	}
}
