package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// A backend may record logins (AcceptStep) apart from its other writes,
// for speed: these tests check that every read and every later write
// sees a login exactly as if it had been written in place.

// testLoginVisible: Get and List show a login at once, with the
// failures before it cleared.
func testLoginVisible(t *testing.T, s store.Store) {
	alice := enroll(t, s, "alice")
	bob := enroll(t, s, "bob")
	accept(t, s, bob, 5, t0(), nil)
	fail(t, s, "alice", t0())
	fail(t, s, "alice", t0())
	at := t0().Add(time.Minute)
	accept(t, s, alice, 10, at, nil)

	st := get(t, s, "alice")
	if st.LastStep != 10 || !st.LastUsed.Equal(at) {
		t.Fatalf("Get(alice) after AcceptStep(10): last step %d used %v, want 10 at %v", st.LastStep, st.LastUsed, at)
	}
	checkFailures(t, "Get(alice) after a login", st, 0, time.Time{})
	listed := map[string]store.UserState{}
	err := s.List(t.Context(), func(st store.UserState) error {
		listed[st.User] = st
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, user := range []string{"alice", "bob"} {
		if want := get(t, s, user); !equalState(listed[user], want) {
			t.Fatalf("List gave %+v for %s, Get gives %+v", listed[user], user, want)
		}
	}
	if listed["bob"].LastStep != 5 {
		t.Fatalf("List: bob's last step %d, want 5", listed["bob"].LastStep)
	}
	accept(t, s, alice, 10, at, store.ErrReplay)
}

// testLoginClearsLockout: a login at the end of a lockout clears it for
// every later call, whatever instant that call gives.
func testLoginClearsLockout(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	var st store.UserState
	for range policy().MaxFailures {
		st = fail(t, s, "alice", t0())
	}
	accept(t, s, e, 10, st.LockedUntil, nil)
	accept(t, s, e, 11, t0().Add(time.Minute), nil) // before the old lockout's end
	checkFailures(t, "Get after logins", get(t, s, "alice"), 0, time.Time{})
}

// testWritesAfterLogin runs every other kind of write right after a
// login and checks that it saw the login.
func testWritesAfterLogin(t *testing.T, s store.Store) {
	alice := enroll(t, s, "alice")
	fail(t, s, "alice", t0())
	fail(t, s, "alice", t0())
	accept(t, s, alice, 10, t0(), nil)
	st := fail(t, s, "alice", t0().Add(time.Second))
	checkFailures(t, "RecordFailure after a login", st, 1, time.Time{})
	if st.LastStep != 10 {
		t.Fatalf("RecordFailure after a login: last step %d, want 10", st.LastStep)
	}

	accept(t, s, alice, 11, t0().Add(time.Minute), nil)
	setRecovery(t, s, "alice", "r1")
	at := t0().Add(time.Hour)
	use(t, s, "alice", "r1", at, nil, 0)
	if st := get(t, s, "alice"); st.LastStep != 11 || !st.LastUsed.Equal(at) {
		t.Fatalf("UseRecoveryCode after a login: last step %d used %v, want 11 at %v", st.LastStep, st.LastUsed, at)
	}

	accept(t, s, alice, 12, at, nil)
	for range policy().MaxFailures {
		fail(t, s, "alice", at)
	}
	if err := s.Unlock(t.Context(), "alice"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if st := get(t, s, "alice"); st.LastStep != 12 || st.Failures != 0 {
		t.Fatalf("Unlock after a login: %+v, want last step 12, no failures", st)
	}

	accept(t, s, alice, 13, at, nil)
	second := enroll(t, s, "alice")
	if st := get(t, s, "alice"); st.LastStep != 0 || !st.LastUsed.IsZero() {
		t.Fatalf("Enroll after a login: last step %d used %v, want reset", st.LastStep, st.LastUsed)
	}
	accept(t, s, alice, 14, at, store.ErrNotFound)
	accept(t, s, second, 1, at, nil)

	p := newPending("alice", "new phone", at)
	setPending(t, s, p)
	accept(t, s, second, 2, at, nil)
	third := confirm(t, s, p, 7, at.Add(time.Minute))
	if st := get(t, s, "alice"); st.LastStep != 7 || st.Enrollment == nil || st.Enrollment.ID != third.ID {
		t.Fatalf("ConfirmPending after a login: %+v, want last step 7 of enrollment %d", st, third.ID)
	}

	accept(t, s, third, 8, at, nil)
	if err := s.Delete(t.Context(), "alice"); err != nil {
		t.Fatalf("Delete after a login: %v", err)
	}
	if st := get(t, s, "alice"); !equalState(st, store.UserState{User: "alice"}) {
		t.Fatalf("Get after Delete = %+v, want nothing stored", st)
	}
	accept(t, s, third, 9, at, store.ErrNotFound)
	if users := listUsers(t, s); len(users) != 0 {
		t.Fatalf("List after Delete = %q", users)
	}
}

// testEnrollManyAfterLogin: a migration that replaces a user's
// enrollment right after a login drops that login's step (it belonged
// to the old enrollment) but keeps its clearing of the failures.
func testEnrollManyAfterLogin(t *testing.T, s store.Store) {
	alice := enroll(t, s, "alice")
	bob := enroll(t, s, "bob")
	fail(t, s, "alice", t0())
	fail(t, s, "alice", t0())
	accept(t, s, alice, 50, t0(), nil)
	accept(t, s, bob, 60, t0(), nil)
	if err := s.EnrollMany(t.Context(), []store.Enrollment{newEnrollment("alice", "migrated")}); err != nil {
		t.Fatalf("EnrollMany: %v", err)
	}
	st := get(t, s, "alice")
	if st.Enrollment == nil || st.Enrollment.ID == alice.ID || st.LastStep != 0 || !st.LastUsed.IsZero() {
		t.Fatalf("Get(alice) after EnrollMany = %+v (enrollment %+v), want a new enrollment and no step", st, st.Enrollment)
	}
	checkFailures(t, "EnrollMany after a login", st, 0, time.Time{})
	if st := get(t, s, "bob"); st.LastStep != 60 {
		t.Fatalf("Get(bob), not migrated: last step %d, want 60", st.LastStep)
	}
	accept(t, s, alice, 51, t0(), store.ErrNotFound)
	accept(t, s, bob, 60, t0(), store.ErrReplay)
	migrated := *st.Enrollment
	accept(t, s, migrated, 1, t0(), nil)
	if st := get(t, s, "alice"); st.LastStep != 1 {
		t.Fatalf("Get(alice) after a login with the migrated enrollment: last step %d, want 1", st.LastStep)
	}
}

// testConcurrentMixedWrites drives many users at once, each through its
// own sequence of failures, logins and unlocks, so that logins share
// batches with every other kind of write; each user ends where its
// sequence says.
func testConcurrentMixedWrites(t *testing.T, s store.Store) {
	const users, rounds = 40, 8
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			e := enroll(t, s, fmt.Sprintf("mixed%02d", i))
			for step := uint64(1); step <= rounds; step++ {
				if _, err := s.RecordFailure(t.Context(), e.User, t0(), policy()); err != nil {
					t.Errorf("RecordFailure(%s): %v", e.User, err)
					return
				}
				if err := s.AcceptStep(t.Context(), e.User, e.ID, step, t0()); err != nil {
					t.Errorf("AcceptStep(%s, %d): %v", e.User, step, err)
					return
				}
				if err := s.AcceptStep(t.Context(), e.User, e.ID, step, t0()); err == nil {
					t.Errorf("AcceptStep(%s, %d) twice: accepted twice", e.User, step)
				}
				st, err := s.Get(t.Context(), e.User)
				if err != nil || st.LastStep != step || st.Failures != 0 {
					t.Errorf("Get(%s) after step %d = %+v, %v", e.User, step, st, err)
					return
				}
				if step%3 == 0 {
					if err := s.Unlock(t.Context(), e.User); err != nil {
						t.Errorf("Unlock(%s): %v", e.User, err)
					}
				}
			}
			if _, err := s.RecordFailure(t.Context(), e.User, t0(), policy()); err != nil {
				t.Errorf("RecordFailure(%s): %v", e.User, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	n := 0
	err := s.List(t.Context(), func(st store.UserState) error {
		n++
		if st.LastStep != rounds || st.Failures != 1 {
			return fmt.Errorf("List: %s has last step %d and %d failures, want %d and 1", st.User, st.LastStep, st.Failures, rounds)
		}
		return nil
	})
	if err != nil || n != users {
		t.Fatalf("List: %d users, %v; want %d", n, err, users)
	}
}
