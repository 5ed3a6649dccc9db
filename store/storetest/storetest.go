// Package storetest is the conformance suite for store.Store: what every
// backend must do, as the daemon and the helpdesk observe it.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// Run checks a Store backend. open must return a new, empty store each
// time it is called and close it when the test ends (t.Cleanup); it is
// called from parallel subtests.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"GetUnknownUser", testGetUnknown},
		{"EnrollThenGet", testEnrollGet},
		{"EnrollRejectsInvalid", testEnrollInvalid},
		{"ReenrollReplaces", testReenroll},
		{"AcceptStepReplay", testAcceptStepReplay},
		{"AcceptStepNotFound", testAcceptStepNotFound},
		{"ConcurrentSameStep", testConcurrentSameStep},
		{"ConcurrentUsers", testConcurrentUsers},
		{"LockoutAndExpiry", testLockout},
		{"FailuresWhileLocked", testFailuresWhileLocked},
		{"FailuresWithoutEnrollment", testFailuresUnenrolled},
		{"Unlock", testUnlock},
		{"Delete", testDelete},
		{"List", testList},
		{"ListStops", testListStops},
		{"CancelledContext", testCancelled},
		{"RecoveryCodesSetReplaceCount", testRecoverySet},
		{"RecoveryCodesRejectInvalid", testRecoveryInvalid},
		{"RecoveryCodeUsedOnce", testRecoveryOnce},
		{"RecoveryCodeConcurrentUse", testRecoveryConcurrent},
		{"RecoveryCodeLocked", testRecoveryLocked},
		{"RecoveryCodeLockedWithoutCodes", testRecoveryLockedWithoutCodes},
		{"RecoveryCodeRecordsSuccess", testRecoverySuccess},
		{"RecoveryCodeMatchPanics", testRecoveryPanic},
		{"RecoveryCodesKeptOnEnroll", testRecoveryKeptOnEnroll},
		{"RecoveryCodesDeleted", testRecoveryDeleted},
		{"PendingSetGetExpiry", testPendingGet},
		{"PendingRejectsInvalid", testPendingInvalid},
		{"PendingReissueReplaces", testPendingReissue},
		{"PendingConfirm", testPendingConfirm},
		{"PendingConfirmExpired", testPendingConfirmExpired},
		{"PendingConcurrentConfirm", testPendingConcurrent},
		{"PendingDelete", testPendingDelete},
		{"EnrollMany", testEnrollMany},
		{"EnrollManyAllOrNothing", testEnrollManyAllOrNothing},
		{"LoginVisibleToGetAndList", testLoginVisible},
		{"LoginClearsLockout", testLoginClearsLockout},
		{"WritesAfterLogin", testWritesAfterLogin},
		{"EnrollManyAfterLogin", testEnrollManyAfterLogin},
		{"ConcurrentMixedWrites", testConcurrentMixedWrites},
		{"AcceptStepAsync", testAcceptStepAsync},
		{"ReleaseStep", testReleaseStep},
		{"ReleaseStepExpiredLockout", testReleaseStepExpiredLockout},
		{"ReleaseStepTooLate", testReleaseStepTooLate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// t0 is the fixed instant the suite's clock starts at.
func t0() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }

// policy is the lockout the suite uses.
func policy() store.Lockout { return store.Lockout{MaxFailures: 3, Duration: 15 * time.Minute} }

func newEnrollment(user string, secret string) store.Enrollment {
	return store.Enrollment{
		User:      user,
		Secret:    []byte(secret),
		Digits:    6,
		Period:    30 * time.Second,
		Algorithm: "SHA1",
		CreatedAt: t0(),
	}
}

func enroll(t *testing.T, s store.Store, user string) store.Enrollment {
	t.Helper()
	e := newEnrollment(user, "secret of "+user)
	id, err := s.Enroll(t.Context(), e)
	if err != nil {
		t.Fatalf("Enroll(%s): %v", user, err)
	}
	e.ID = id
	return e
}

func get(t *testing.T, s store.Store, user string) store.UserState {
	t.Helper()
	st, err := s.Get(t.Context(), user)
	if err != nil {
		t.Fatalf("Get(%s): %v", user, err)
	}
	return st
}

func accept(t *testing.T, s store.Store, e store.Enrollment, step uint64, now time.Time, want error) {
	t.Helper()
	err := s.AcceptStep(t.Context(), e.User, e.ID, step, now)
	if !errors.Is(err, want) {
		t.Fatalf("AcceptStep(%s, id %d, step %d) = %v, want %v", e.User, e.ID, step, err, want)
	}
}

func fail(t *testing.T, s store.Store, user string, now time.Time) store.UserState {
	t.Helper()
	st, err := s.RecordFailure(t.Context(), user, now, policy())
	if err != nil {
		t.Fatalf("RecordFailure(%s): %v", user, err)
	}
	return st
}

// checkFailures asserts the failure count and the end of the policy().
func checkFailures(t *testing.T, what string, st store.UserState, failures int, lockedUntil time.Time) {
	t.Helper()
	if st.Failures != failures || !st.LockedUntil.Equal(lockedUntil) {
		t.Fatalf("%s: failures %d, locked until %v; want %d, %v", what, st.Failures, st.LockedUntil, failures, lockedUntil)
	}
}

func testGetUnknown(t *testing.T, s store.Store) {
	st := get(t, s, "nobody")
	want := store.UserState{User: "nobody"}
	if !equalState(st, want) {
		t.Fatalf("Get(nobody) = %+v, want %+v", st, want)
	}
}

func testEnrollGet(t *testing.T, s store.Store) {
	alice := enroll(t, s, "alice")
	bob := enroll(t, s, "bob")
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("enrollment ids alice %d, bob %d: want distinct and non-zero", alice.ID, bob.ID)
	}
	for _, e := range []store.Enrollment{alice, bob} {
		st := get(t, s, e.User)
		if st.Enrollment == nil {
			t.Fatalf("Get(%s): not enrolled after Enroll", e.User)
		}
		if !equalEnrollment(*st.Enrollment, e) {
			t.Fatalf("Get(%s).Enrollment = %+v, want %+v", e.User, *st.Enrollment, e)
		}
		if st.LastStep != 0 || !st.LastUsed.IsZero() || st.Failures != 0 || !st.LockedUntil.IsZero() {
			t.Fatalf("Get(%s) after Enroll = %+v, want no step and no failures", e.User, st)
		}
	}
}

func testEnrollInvalid(t *testing.T, s store.Store) {
	bad := map[string]store.Enrollment{
		"empty user":   newEnrollment("", "secret"),
		"empty secret": newEnrollment("carol", ""),
	}
	for name, e := range bad {
		if id, err := s.Enroll(t.Context(), e); err == nil {
			t.Errorf("Enroll with %s = id %d, nil error; want an error", name, id)
		}
	}
	if st := get(t, s, "carol"); st.Enrollment != nil {
		t.Fatalf("Get(carol) after a rejected Enroll: enrolled with id %d", st.Enrollment.ID)
	}
}

func testReenroll(t *testing.T, s store.Store) {
	first := enroll(t, s, "alice")
	accept(t, s, first, 100, t0(), nil)
	fail(t, s, "alice", t0().Add(time.Minute))

	second := newEnrollment("alice", "a new phone")
	id, err := s.Enroll(t.Context(), second)
	if err != nil {
		t.Fatalf("re-Enroll: %v", err)
	}
	second.ID = id
	if second.ID == first.ID {
		t.Fatalf("re-Enroll kept enrollment id %d", id)
	}
	st := get(t, s, "alice")
	if st.Enrollment == nil || !equalEnrollment(*st.Enrollment, second) {
		t.Fatalf("Get after re-Enroll: enrollment %+v, want %+v", st.Enrollment, second)
	}
	if st.LastStep != 0 || !st.LastUsed.IsZero() {
		t.Fatalf("Get after re-Enroll: last step %d used %v, want reset", st.LastStep, st.LastUsed)
	}
	checkFailures(t, "re-Enroll leaves failures", st, 1, time.Time{})
	accept(t, s, first, 101, t0(), store.ErrNotFound)
	accept(t, s, second, 50, t0(), nil) // older than the old enrollment's last step
}

func testAcceptStepReplay(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	at := t0().Add(time.Hour)
	accept(t, s, e, 1000, at, nil)
	st := get(t, s, "alice")
	if st.LastStep != 1000 || !st.LastUsed.Equal(at) {
		t.Fatalf("after AcceptStep(1000): last step %d used %v, want 1000 at %v", st.LastStep, st.LastUsed, at)
	}
	accept(t, s, e, 1000, at, store.ErrReplay)
	accept(t, s, e, 999, at, store.ErrReplay)
	accept(t, s, e, 1001, at.Add(30*time.Second), nil)
	if st := get(t, s, "alice"); st.LastStep != 1001 {
		t.Fatalf("after AcceptStep(1001): last step %d", st.LastStep)
	}
}

func testAcceptStepNotFound(t *testing.T, s store.Store) {
	alice := enroll(t, s, "alice")
	bob := enroll(t, s, "bob")
	accept(t, s, store.Enrollment{User: "nobody", ID: alice.ID}, 1, t0(), store.ErrNotFound)
	accept(t, s, store.Enrollment{User: "alice", ID: bob.ID}, 1, t0(), store.ErrNotFound)
	accept(t, s, store.Enrollment{User: "alice", ID: alice.ID + 1000}, 1, t0(), store.ErrNotFound)
	if st := get(t, s, "alice"); st.LastStep != 0 {
		t.Fatalf("a refused AcceptStep set alice's last step to %d", st.LastStep)
	}
	if st := get(t, s, "nobody"); st.Enrollment != nil || st.LastStep != 0 {
		t.Fatalf("AcceptStep of an unknown user stored %+v", st)
	}
}

// testConcurrentSameStep is one code typed into 50 sessions at once:
// exactly one may pass.
func testConcurrentSameStep(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	const n = 50
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.AcceptStep(t.Context(), e.User, e.ID, 4242, t0())
		})
	}
	close(start)
	wg.Wait()
	accepted, replays := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, store.ErrReplay):
			replays++
		default:
			t.Errorf("goroutine %d: AcceptStep = %v, want nil or ErrReplay", i, err)
		}
	}
	if accepted != 1 || replays != n-1 {
		t.Fatalf("%d concurrent AcceptStep of one step: %d accepted, %d replays; want 1 and %d", n, accepted, replays, n-1)
	}
	if st := get(t, s, "alice"); st.LastStep != 4242 {
		t.Fatalf("last step %d, want 4242", st.LastStep)
	}
}

// testConcurrentUsers is many users logging in at once: nobody is refused.
func testConcurrentUsers(t *testing.T, s store.Store) {
	const users, steps = 200, 3
	enrolled := make([]store.Enrollment, users)
	errs := make(chan error, users*steps)
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			e := newEnrollment(fmt.Sprintf("user%03d", i), "secret")
			id, err := s.Enroll(t.Context(), e)
			if err != nil {
				errs <- fmt.Errorf("Enroll(%s): %w", e.User, err)
				return
			}
			e.ID = id
			enrolled[i] = e
			for step := uint64(1); step <= steps; step++ {
				if err := s.AcceptStep(t.Context(), e.User, e.ID, step, t0()); err != nil {
					errs <- fmt.Errorf("AcceptStep(%s, %d): %w", e.User, step, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for _, e := range enrolled {
		if st := get(t, s, e.User); st.LastStep != steps || st.Enrollment == nil || st.Enrollment.ID != e.ID {
			t.Fatalf("Get(%s): last step %d, enrollment %+v; want %d, id %d", e.User, st.LastStep, st.Enrollment, steps, e.ID)
		}
	}
}

func testLockout(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	for i := 1; i < policy().MaxFailures; i++ {
		st := fail(t, s, "alice", t0().Add(time.Duration(i)*time.Second))
		checkFailures(t, fmt.Sprintf("failure %d", i), st, i, time.Time{})
	}
	lockedAt := t0().Add(time.Minute)
	until := lockedAt.Add(policy().Duration)
	st := fail(t, s, "alice", lockedAt)
	checkFailures(t, "failure reaching the maximum", st, policy().MaxFailures, until)
	if st.Enrollment == nil || st.Enrollment.ID != e.ID {
		t.Fatalf("RecordFailure state: enrollment %+v, want id %d", st.Enrollment, e.ID)
	}
	if !st.Locked(lockedAt) {
		t.Fatalf("Locked(%v) = false right after the lockout", lockedAt)
	}
	checkFailures(t, "Get while locked", get(t, s, "alice"), policy().MaxFailures, until)

	accept(t, s, e, 10, until.Add(-time.Second), store.ErrLocked)
	if st := get(t, s, "alice"); st.LastStep != 0 {
		t.Fatalf("AcceptStep while locked set last step %d", st.LastStep)
	}
	accept(t, s, e, 10, until, nil) // the lockout is over at LockedUntil
	checkFailures(t, "Get after a success", get(t, s, "alice"), 0, time.Time{})
}

func testFailuresWhileLocked(t *testing.T, s store.Store) {
	var st store.UserState
	for range policy().MaxFailures {
		st = fail(t, s, "alice", t0())
	}
	until := t0().Add(policy().Duration)
	checkFailures(t, "locked", st, policy().MaxFailures, until)
	st = fail(t, s, "alice", t0().Add(time.Minute))
	checkFailures(t, "failure while locked", st, policy().MaxFailures+1, until)
	st = fail(t, s, "alice", until)
	checkFailures(t, "first failure after the lockout", st, 1, time.Time{})
}

func testFailuresUnenrolled(t *testing.T, s store.Store) {
	var st store.UserState
	for range policy().MaxFailures {
		st = fail(t, s, "mallory", t0())
	}
	if st.User != "mallory" || st.Enrollment != nil {
		t.Fatalf("RecordFailure state = %+v, want user mallory, not enrolled", st)
	}
	checkFailures(t, "unenrolled user", get(t, s, "mallory"), policy().MaxFailures, t0().Add(policy().Duration))
}

func testUnlock(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	for range policy().MaxFailures {
		fail(t, s, "alice", t0())
	}
	if err := s.Unlock(t.Context(), "alice"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	checkFailures(t, "after Unlock", get(t, s, "alice"), 0, time.Time{})
	accept(t, s, e, 1, t0().Add(time.Second), nil)

	if err := s.Unlock(t.Context(), "nobody"); err != nil {
		t.Fatalf("Unlock(nobody) = %v, want nil", err)
	}
	if err := s.Unlock(t.Context(), "alice"); err != nil {
		t.Fatalf("second Unlock = %v, want nil", err)
	}
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("List after Unlock of an unknown user = %q, want [alice]", users)
	}
}

func testDelete(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	accept(t, s, e, 7, t0(), nil)
	fail(t, s, "alice", t0().Add(time.Second))
	if err := s.Delete(t.Context(), "alice"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if st := get(t, s, "alice"); !equalState(st, store.UserState{User: "alice"}) {
		t.Fatalf("Get after Delete = %+v, want nothing stored", st)
	}
	accept(t, s, e, 8, t0(), store.ErrNotFound)
	if err := s.Delete(t.Context(), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete = %v, want ErrNotFound", err)
	}
	fail(t, s, "bob", t0())
	if err := s.Delete(t.Context(), "bob"); err != nil {
		t.Fatalf("Delete of a user with failures only: %v", err)
	}
	if users := listUsers(t, s); len(users) != 0 {
		t.Fatalf("List after deleting everyone = %q", users)
	}
}

// testList stores more users than one page of any reasonable backend,
// some enrolled, some with failures only, some with both.
func testList(t *testing.T, s store.Store) {
	const n = 600
	want := make([]string, 0, n)
	var wg sync.WaitGroup
	for i := range n {
		user := fmt.Sprintf("u%04d", (i*7919)%n) // stored out of order
		want = append(want, user)
		wg.Go(func() {
			if i%3 != 1 {
				if _, err := s.Enroll(t.Context(), newEnrollment(user, "secret")); err != nil {
					t.Errorf("Enroll(%s): %v", user, err)
				}
			}
			if i%3 != 0 {
				if _, err := s.RecordFailure(t.Context(), user, t0(), policy()); err != nil {
					t.Errorf("RecordFailure(%s): %v", user, err)
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(want)
	var got []store.UserState
	err := s.List(t.Context(), func(st store.UserState) error {
		got = append(got, st)
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	users := make([]string, len(got))
	for i, st := range got {
		users[i] = st.User
		if i%2 == 0 && !equalState(st, get(t, s, st.User)) {
			t.Fatalf("List gave %+v, Get gives %+v", st, get(t, s, st.User))
		}
	}
	if !slices.Equal(users, want) {
		t.Fatalf("List gave %d users %q…, want %d sorted %q…", len(users), head(users), len(want), head(want))
	}
}

func testListStops(t *testing.T, s store.Store) {
	for _, user := range []string{"a", "b", "c"} {
		fail(t, s, user, t0())
	}
	stop := errors.New("enough")
	calls := 0
	err := s.List(t.Context(), func(store.UserState) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("List stopping at the second user: err %v after %d calls, want %v after 2", err, calls, stop)
	}
}

// testCancelled: a request whose context is already over changes nothing.
func testCancelled(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	accept(t, s, e, 5, t0(), nil)
	for range policy().MaxFailures {
		fail(t, s, "alice", t0())
	}
	setRecovery(t, s, "alice", "r1", "r2")
	p := newPending("alice", "pending secret", t0())
	setPending(t, s, p)
	before := get(t, s, "alice")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"Get":        func() error { _, err := s.Get(ctx, "alice"); return err },
		"Enroll":     func() error { _, err := s.Enroll(ctx, newEnrollment("alice", "other")); return err },
		"Enroll new": func() error { _, err := s.Enroll(ctx, newEnrollment("bob", "other")); return err },
		"AcceptStep": func() error { return s.AcceptStep(ctx, "alice", e.ID, 6, t0().Add(time.Hour)) },
		"RecordFailure": func() error {
			_, err := s.RecordFailure(ctx, "alice", t0().Add(time.Hour), policy())
			return err
		},
		"Unlock": func() error { return s.Unlock(ctx, "alice") },
		"Delete": func() error { return s.Delete(ctx, "alice") },
		"List":   func() error { return s.List(ctx, func(store.UserState) error { return nil }) },
		"EnrollMany": func() error {
			return s.EnrollMany(ctx, []store.Enrollment{newEnrollment("alice", "other"), newEnrollment("bob", "other")})
		},
		"SetRecoveryCodes": func() error { return s.SetRecoveryCodes(ctx, "bob", hashes("r9")) },
		"UseRecoveryCode": func() error {
			_, err := s.UseRecoveryCode(ctx, "alice", t0().Add(time.Hour), matching("r1"))
			return err
		},
		"SetPending": func() error { return s.SetPending(ctx, newPending("bob", "other", t0())) },
		"GetPending": func() error { _, _, err := s.GetPending(ctx, "alice", t0()); return err },
		"ConfirmPending": func() error {
			_, err := s.ConfirmPending(ctx, "alice", p.CreatedAt, 7, t0().Add(time.Minute))
			return err
		},
		"DeletePending": func() error { return s.DeletePending(ctx, "alice") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", name, err)
		}
	}
	if after := get(t, s, "alice"); !equalState(after, before) {
		t.Fatalf("calls with a cancelled context changed alice:\nbefore %+v\nafter  %+v", before, after)
	}
	if got, ok := getPending(t, s, "alice", t0()); !ok || !equalPending(got, p) {
		t.Fatalf("calls with a cancelled context changed alice's pending enrollment: %+v, %t", got, ok)
	}
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("List after cancelled calls = %q, want [alice]", users)
	}
}

func listUsers(t *testing.T, s store.Store) []string {
	t.Helper()
	var users []string
	err := s.List(t.Context(), func(st store.UserState) error {
		users = append(users, st.User)
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return users
}

func head(s []string) []string { return s[:min(len(s), 5)] }

func equalEnrollment(a, b store.Enrollment) bool {
	return a.User == b.User && a.ID == b.ID && bytes.Equal(a.Secret, b.Secret) &&
		a.Digits == b.Digits && a.Period == b.Period && a.Algorithm == b.Algorithm &&
		a.CreatedAt.Equal(b.CreatedAt)
}

func equalState(a, b store.UserState) bool {
	if (a.Enrollment == nil) != (b.Enrollment == nil) ||
		(a.Enrollment != nil && !equalEnrollment(*a.Enrollment, *b.Enrollment)) {
		return false
	}
	return a.User == b.User && a.LastStep == b.LastStep && a.LastUsed.Equal(b.LastUsed) &&
		a.Failures == b.Failures && a.LockedUntil.Equal(b.LockedUntil) && a.RecoveryCodes == b.RecoveryCodes
}
