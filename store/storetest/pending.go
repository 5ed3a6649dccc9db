package storetest

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// pendingLife is how long the suite's pending enrollments stay valid.
const pendingLife = 10 * time.Minute

func newPending(user, secret string, created time.Time) store.Pending {
	return store.Pending{
		User:      user,
		Secret:    []byte(secret),
		Digits:    6,
		Period:    30 * time.Second,
		Algorithm: "SHA1",
		CreatedAt: created,
		ExpiresAt: created.Add(pendingLife),
	}
}

func setPending(t *testing.T, s store.Store, p store.Pending) {
	t.Helper()
	if err := s.SetPending(t.Context(), p); err != nil {
		t.Fatalf("SetPending(%s): %v", p.User, err)
	}
}

func getPending(t *testing.T, s store.Store, user string, now time.Time) (store.Pending, bool) {
	t.Helper()
	p, ok, err := s.GetPending(t.Context(), user, now)
	if err != nil {
		t.Fatalf("GetPending(%s): %v", user, err)
	}
	return p, ok
}

func confirm(t *testing.T, s store.Store, p store.Pending, step uint64, now time.Time) store.Enrollment {
	t.Helper()
	e, err := s.ConfirmPending(t.Context(), p.User, p.CreatedAt, step, now)
	if err != nil {
		t.Fatalf("ConfirmPending(%s): %v", p.User, err)
	}
	return e
}

func confirmFails(t *testing.T, s store.Store, user string, created time.Time, now time.Time, want error) {
	t.Helper()
	if e, err := s.ConfirmPending(t.Context(), user, created, 1, now); !errors.Is(err, want) {
		t.Fatalf("ConfirmPending(%s, created %v, at %v) = %+v, %v; want %v", user, created, now, e, err, want)
	}
}

func equalPending(a, b store.Pending) bool {
	return a.User == b.User && bytes.Equal(a.Secret, b.Secret) && a.Digits == b.Digits && a.Period == b.Period &&
		a.Algorithm == b.Algorithm && a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func testPendingGet(t *testing.T, s store.Store) {
	old := enroll(t, s, "alice")
	p := newPending("alice", "the new phone's secret", t0())
	setPending(t, s, p)
	if got, ok := getPending(t, s, "alice", t0().Add(time.Minute)); !ok || !equalPending(got, p) {
		t.Fatalf("GetPending = %+v, %t; want %+v", got, ok, p)
	}
	if st := get(t, s, "alice"); st.Enrollment == nil || !equalEnrollment(*st.Enrollment, old) {
		t.Fatalf("Get with a pending enrollment: %+v, want the old enrollment %+v still active", st.Enrollment, old)
	}
	accept(t, s, old, 5, t0(), nil)
	if _, ok := getPending(t, s, "alice", p.ExpiresAt.Add(-time.Nanosecond)); !ok {
		t.Fatalf("GetPending just before it expires: none")
	}
	if got, ok := getPending(t, s, "alice", p.ExpiresAt); ok {
		t.Fatalf("GetPending when it expires = %+v, want none", got)
	}
	if got, ok := getPending(t, s, "bob", t0()); ok {
		t.Fatalf("GetPending(bob) = %+v, want none", got)
	}
	setPending(t, s, newPending("carol", "s", t0()))
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("List = %q, want [alice] (a pending enrollment alone is not listed)", users)
	}
}

func testPendingInvalid(t *testing.T, s store.Store) {
	noCreated := newPending("alice", "s", t0())
	noCreated.CreatedAt = time.Time{}
	backwards := newPending("alice", "s", t0())
	backwards.ExpiresAt = t0().Add(-time.Second)
	noDigits := newPending("alice", "s", t0())
	noDigits.Digits = 0
	for name, p := range map[string]store.Pending{
		"empty user":             newPending("", "s", t0()),
		"empty secret":           newPending("alice", "", t0()),
		"zero created at":        noCreated,
		"expires before created": backwards,
		"zero digits":            noDigits,
	} {
		if err := s.SetPending(t.Context(), p); err == nil {
			t.Errorf("SetPending with %s succeeded", name)
		}
	}
	if got, ok := getPending(t, s, "alice", t0()); ok {
		t.Fatalf("GetPending after refused SetPending calls = %+v", got)
	}
}

func testPendingReissue(t *testing.T, s store.Store) {
	first := newPending("alice", "first secret", t0())
	setPending(t, s, first)
	second := newPending("alice", "second secret", t0().Add(time.Minute))
	setPending(t, s, second)
	if got, ok := getPending(t, s, "alice", t0().Add(2*time.Minute)); !ok || !equalPending(got, second) {
		t.Fatalf("GetPending after a reissue = %+v, %t; want %+v", got, ok, second)
	}
	// The caller checked a code against the first secret: too late.
	confirmFails(t, s, "alice", first.CreatedAt, t0().Add(2*time.Minute), store.ErrNotFound)
	e := confirm(t, s, second, 10, t0().Add(2*time.Minute))
	if !bytes.Equal(e.Secret, second.Secret) {
		t.Fatalf("confirmed the wrong secret")
	}
}

func testPendingConfirm(t *testing.T, s store.Store) {
	old := enroll(t, s, "alice")
	accept(t, s, old, 500, t0(), nil)
	fail(t, s, "alice", t0().Add(time.Second))
	p := newPending("alice", "the new phone's secret", t0())
	setPending(t, s, p)
	at := t0().Add(time.Minute)
	e := confirm(t, s, p, 40, at)
	want := store.Enrollment{User: "alice", ID: e.ID, Secret: p.Secret, Digits: p.Digits, Period: p.Period, Algorithm: p.Algorithm, CreatedAt: at}
	if e.ID == 0 || e.ID == old.ID || !equalEnrollment(e, want) {
		t.Fatalf("ConfirmPending = %+v, want %+v with a new id (old %d)", e, want, old.ID)
	}
	st := get(t, s, "alice")
	if st.Enrollment == nil || !equalEnrollment(*st.Enrollment, e) || st.LastStep != 40 || !st.LastUsed.Equal(at) {
		t.Fatalf("Get after ConfirmPending = %+v (enrollment %+v), want %+v, last step 40 used %v", st, st.Enrollment, e, at)
	}
	checkFailures(t, "ConfirmPending leaves failures", st, 1, time.Time{})
	if got, ok := getPending(t, s, "alice", at); ok {
		t.Fatalf("pending enrollment still there after ConfirmPending: %+v", got)
	}
	accept(t, s, old, 501, at, store.ErrNotFound)
	accept(t, s, e, 40, at, store.ErrReplay) // the confirming code
	accept(t, s, e, 41, at.Add(30*time.Second), nil)
	confirmFails(t, s, "alice", p.CreatedAt, at, store.ErrNotFound)
	confirmFails(t, s, "bob", p.CreatedAt, at, store.ErrNotFound)

	bob := newPending("bob", "bob's first phone", t0()) // not enrolled before
	setPending(t, s, bob)
	if e := confirm(t, s, bob, 7, at); e.User != "bob" || e.ID == 0 {
		t.Fatalf("ConfirmPending(bob) = %+v", e)
	}
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice", "bob"}) {
		t.Fatalf("List = %q, want [alice bob]", users)
	}
}

func testPendingConfirmExpired(t *testing.T, s store.Store) {
	old := enroll(t, s, "alice")
	p := newPending("alice", "s", t0())
	setPending(t, s, p)
	confirmFails(t, s, "alice", p.CreatedAt, p.ExpiresAt, store.ErrNotFound)
	if st := get(t, s, "alice"); st.Enrollment == nil || st.Enrollment.ID != old.ID {
		t.Fatalf("after confirming an expired pending enrollment: %+v, want the old one (id %d)", st.Enrollment, old.ID)
	}
	accept(t, s, old, 1, p.ExpiresAt, nil)
}

// testPendingConcurrent is one confirmation submitted 20 times at once
// (a double-clicked form): exactly one may succeed.
func testPendingConcurrent(t *testing.T, s store.Store) {
	p := newPending("alice", "s", t0())
	setPending(t, s, p)
	const n = 20
	ids := make([]uint64, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			var e store.Enrollment
			e, errs[i] = s.ConfirmPending(t.Context(), "alice", p.CreatedAt, 9, t0().Add(time.Minute))
			ids[i] = e.ID
		})
	}
	close(start)
	wg.Wait()
	var confirmed []uint64
	for i, err := range errs {
		switch {
		case err == nil:
			confirmed = append(confirmed, ids[i])
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("goroutine %d: ConfirmPending = %v, want nil or ErrNotFound", i, err)
		}
	}
	if len(confirmed) != 1 {
		t.Fatalf("%d concurrent ConfirmPending: %d succeeded (ids %v), want 1", n, len(confirmed), confirmed)
	}
	if st := get(t, s, "alice"); st.Enrollment == nil || st.Enrollment.ID != confirmed[0] {
		t.Fatalf("Get after the confirmations: %+v, want id %d", st.Enrollment, confirmed[0])
	}
}

func testPendingDelete(t *testing.T, s store.Store) {
	p := newPending("alice", "s", t0())
	setPending(t, s, p)
	for range 2 {
		if err := s.DeletePending(t.Context(), "alice"); err != nil {
			t.Fatalf("DeletePending: %v", err)
		}
		if got, ok := getPending(t, s, "alice", t0()); ok {
			t.Fatalf("GetPending after DeletePending = %+v", got)
		}
	}
	confirmFails(t, s, "alice", p.CreatedAt, t0(), store.ErrNotFound)

	enroll(t, s, "bob")
	setPending(t, s, newPending("bob", "s", t0()))
	setPending(t, s, newPending("carol", "s", t0())) // pending only
	for _, user := range []string{"bob", "carol"} {
		if err := s.Delete(t.Context(), user); err != nil {
			t.Fatalf("Delete(%s): %v", user, err)
		}
		if got, ok := getPending(t, s, user, t0()); ok {
			t.Fatalf("GetPending(%s) after Delete = %+v", user, got)
		}
		if err := s.Delete(t.Context(), user); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second Delete(%s) = %v, want ErrNotFound", user, err)
		}
	}
}
