package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// The store never sees a recovery code, only what the caller hashed; the
// suite's "hash" of a code is a recognisable byte string.
func hashOf(code string) []byte { return []byte("hash of " + code) }

func hashes(codes ...string) [][]byte {
	out := make([][]byte, len(codes))
	for i, c := range codes {
		out[i] = hashOf(c)
	}
	return out
}

// matching is the match function of a user typing code.
func matching(code string) func([]byte) bool {
	want := hashOf(code)
	return func(h []byte) bool { return bytes.Equal(h, want) }
}

func setRecovery(t *testing.T, s store.Store, user string, codes ...string) {
	t.Helper()
	if err := s.SetRecoveryCodes(t.Context(), user, hashes(codes...)); err != nil {
		t.Fatalf("SetRecoveryCodes(%s, %d codes): %v", user, len(codes), err)
	}
}

// use types a recovery code and checks the outcome and the codes left.
func use(t *testing.T, s store.Store, user, code string, now time.Time, want error, wantLeft int) {
	t.Helper()
	left, err := s.UseRecoveryCode(t.Context(), user, now, matching(code))
	if !errors.Is(err, want) || left != wantLeft {
		t.Fatalf("UseRecoveryCode(%s, %s) = %d, %v; want %d, %v", user, code, left, err, wantLeft, want)
	}
}

func checkCodes(t *testing.T, s store.Store, user string, want int) {
	t.Helper()
	if got := get(t, s, user).RecoveryCodes; got != want {
		t.Fatalf("Get(%s).RecoveryCodes = %d, want %d", user, got, want)
	}
}

func testRecoverySet(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	checkCodes(t, s, "alice", 0)
	setRecovery(t, s, "alice", "a1", "a2", "a3")
	checkCodes(t, s, "alice", 3)
	setRecovery(t, s, "alice", "b1", "b2")
	checkCodes(t, s, "alice", 2)
	use(t, s, "alice", "a1", t0(), store.ErrNoMatch, 0) // replaced
	use(t, s, "alice", "b2", t0(), nil, 1)

	setRecovery(t, s, "carol", "c1") // not enrolled
	checkCodes(t, s, "carol", 1)
	if st := get(t, s, "carol"); st.Enrollment != nil {
		t.Fatalf("SetRecoveryCodes enrolled carol: %+v", st.Enrollment)
	}
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice", "carol"}) {
		t.Fatalf("List = %q, want [alice carol] (carol has recovery codes only)", users)
	}
	setRecovery(t, s, "carol") // none: all removed
	checkCodes(t, s, "carol", 0)
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("List after removing carol's codes = %q, want [alice]", users)
	}
	full := make([]string, store.MaxRecoveryCodes)
	for i := range full {
		full[i] = strings.Repeat("x", i+1)
	}
	setRecovery(t, s, "dave", full...)
	use(t, s, "dave", full[store.MaxRecoveryCodes-1], t0(), nil, store.MaxRecoveryCodes-1)
}

func testRecoveryInvalid(t *testing.T, s store.Store) {
	setRecovery(t, s, "alice", "a1")
	bad := map[string][][]byte{
		"too many codes":  make([][]byte, store.MaxRecoveryCodes+1),
		"empty hash":      {hashOf("ok"), {}},
		"hash too long":   {make([]byte, store.MaxRecoveryHashLen+1)},
		"nil hash in set": {nil},
	}
	for i := range bad["too many codes"] {
		bad["too many codes"][i] = []byte{byte(i)}
	}
	for name, hs := range bad {
		if err := s.SetRecoveryCodes(t.Context(), "alice", hs); err == nil {
			t.Errorf("SetRecoveryCodes with %s succeeded", name)
		}
	}
	if err := s.SetRecoveryCodes(t.Context(), "", hashes("x")); err == nil {
		t.Errorf("SetRecoveryCodes for an empty user id succeeded")
	}
	checkCodes(t, s, "alice", 1)
	if err := s.SetRecoveryCodes(t.Context(), "bob", [][]byte{make([]byte, store.MaxRecoveryHashLen)}); err != nil {
		t.Fatalf("SetRecoveryCodes with a hash of the maximum length: %v", err)
	}
}

func testRecoveryOnce(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	setRecovery(t, s, "alice", "a1", "a2", "a3")
	use(t, s, "alice", "a2", t0(), nil, 2)
	use(t, s, "alice", "a2", t0().Add(time.Minute), store.ErrNoMatch, 0)
	use(t, s, "alice", "nope", t0(), store.ErrNoMatch, 0)
	checkCodes(t, s, "alice", 2)
	use(t, s, "alice", "a1", t0(), nil, 1)
	use(t, s, "alice", "a3", t0(), nil, 0)
	use(t, s, "alice", "a3", t0(), store.ErrNoMatch, 0)
	checkCodes(t, s, "alice", 0)
	use(t, s, "nobody", "a1", t0(), store.ErrNoMatch, 0)
}

// testRecoveryConcurrent is one recovery code typed into 50 sessions at
// once: exactly one may pass.
func testRecoveryConcurrent(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	setRecovery(t, s, "alice", "a1", "a2")
	const n = 50
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.UseRecoveryCode(t.Context(), "alice", t0(), matching("a2"))
		})
	}
	close(start)
	wg.Wait()
	used, refused := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			used++
		case errors.Is(err, store.ErrNoMatch):
			refused++
		default:
			t.Errorf("goroutine %d: UseRecoveryCode = %v, want nil or ErrNoMatch", i, err)
		}
	}
	if used != 1 || refused != n-1 {
		t.Fatalf("%d concurrent uses of one recovery code: %d accepted, %d refused; want 1 and %d", n, used, refused, n-1)
	}
	checkCodes(t, s, "alice", 1)
}

func testRecoveryLocked(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	setRecovery(t, s, "alice", "a1", "a2")
	for range policy().MaxFailures {
		fail(t, s, "alice", t0())
	}
	until := t0().Add(policy().Duration)
	use(t, s, "alice", "a1", until.Add(-time.Second), store.ErrLocked, 0)
	use(t, s, "alice", "wrong", until.Add(-time.Second), store.ErrLocked, 0)
	checkCodes(t, s, "alice", 2)
	checkFailures(t, "after refused recovery codes", get(t, s, "alice"), policy().MaxFailures, until)
	use(t, s, "alice", "a1", until, nil, 1) // the lockout is over at LockedUntil
}

func testRecoverySuccess(t *testing.T, s store.Store) {
	e := enroll(t, s, "alice")
	accept(t, s, e, 100, t0(), nil)
	setRecovery(t, s, "alice", "a1")
	fail(t, s, "alice", t0().Add(time.Second))
	fail(t, s, "alice", t0().Add(2*time.Second))
	at := t0().Add(time.Hour)
	use(t, s, "alice", "a1", at, nil, 0)
	st := get(t, s, "alice")
	checkFailures(t, "after a recovery code", st, 0, time.Time{})
	if st.LastStep != 100 || !st.LastUsed.Equal(at) {
		t.Fatalf("after a recovery code: last step %d used %v; want 100 (untouched), %v", st.LastStep, st.LastUsed, at)
	}
	accept(t, s, e, 100, at, store.ErrReplay) // the TOTP replay state is kept
	accept(t, s, e, 101, at, nil)

	for range 2 {
		fail(t, s, "carol", t0()) // not enrolled
	}
	setRecovery(t, s, "carol", "c1", "c2")
	use(t, s, "carol", "c1", at, nil, 1)
	checkFailures(t, "unenrolled user after a recovery code", get(t, s, "carol"), 0, time.Time{})
}

func testRecoveryPanic(t *testing.T, s store.Store) {
	setRecovery(t, s, "alice", "a1")
	left, err := s.UseRecoveryCode(t.Context(), "alice", t0(), func([]byte) bool { panic("match is broken") })
	if err == nil || errors.Is(err, store.ErrNoMatch) {
		t.Fatalf("UseRecoveryCode with a panicking match = %d, %v; want an error other than ErrNoMatch", left, err)
	}
	checkCodes(t, s, "alice", 1)
	use(t, s, "alice", "a1", t0(), nil, 0) // the store still works
}

func testRecoveryKeptOnEnroll(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	setRecovery(t, s, "alice", "a1", "a2")
	enroll(t, s, "alice") // a new phone
	checkCodes(t, s, "alice", 2)
	use(t, s, "alice", "a1", t0(), nil, 1)
}

func testRecoveryDeleted(t *testing.T, s store.Store) {
	enroll(t, s, "alice")
	setRecovery(t, s, "alice", "a1", "a2")
	if err := s.Delete(t.Context(), "alice"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if st := get(t, s, "alice"); !equalState(st, store.UserState{User: "alice"}) {
		t.Fatalf("Get after Delete = %+v, want nothing stored", st)
	}
	use(t, s, "alice", "a1", t0(), store.ErrNoMatch, 0)

	setRecovery(t, s, "carol", "c1")
	if err := s.Delete(t.Context(), "carol"); err != nil {
		t.Fatalf("Delete of a user with recovery codes only: %v", err)
	}
	use(t, s, "carol", "c1", t0(), store.ErrNoMatch, 0)
	if users := listUsers(t, s); len(users) != 0 {
		t.Fatalf("List after deleting everyone = %q", users)
	}
}

func testRecoveryLockedWithoutCodes(t *testing.T, s store.Store) {
	for range policy().MaxFailures {
		fail(t, s, "mallory", t0())
	}
	use(t, s, "mallory", "guess", t0(), store.ErrLocked, 0)
}
