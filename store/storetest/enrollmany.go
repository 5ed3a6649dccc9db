package storetest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

func testEnrollMany(t *testing.T, s store.Store) {
	old := enroll(t, s, "bob")
	accept(t, s, old, 100, t0(), nil)
	fail(t, s, "bob", t0().Add(time.Second))
	setRecovery(t, s, "bob", "b1")

	es := []store.Enrollment{
		newEnrollment("carol", "carol's secret"),
		newEnrollment("bob", "bob's migrated secret"),
		newEnrollment("alice", "alice's secret"),
	}
	if err := s.EnrollMany(t.Context(), es); err != nil {
		t.Fatalf("EnrollMany: %v", err)
	}
	bob := get(t, s, "bob")
	checkFailures(t, "EnrollMany leaves failures", bob, 1, time.Time{})
	if bob.RecoveryCodes != 1 {
		t.Fatalf("EnrollMany dropped bob's recovery codes: %d left", bob.RecoveryCodes)
	}
	seen := map[uint64]bool{old.ID: true}
	for _, want := range es {
		st := get(t, s, want.User)
		if st.Enrollment == nil {
			t.Fatalf("Get(%s) after EnrollMany: not enrolled", want.User)
		}
		want.ID = st.Enrollment.ID
		if seen[want.ID] || want.ID == 0 {
			t.Fatalf("Get(%s) after EnrollMany: id %d is zero or not new", want.User, want.ID)
		}
		seen[want.ID] = true
		if !equalEnrollment(*st.Enrollment, want) || st.LastStep != 0 || !st.LastUsed.IsZero() {
			t.Fatalf("Get(%s) after EnrollMany = %+v (enrollment %+v), want %+v and no step", want.User, st, st.Enrollment, want)
		}
		accept(t, s, want, 1, t0(), nil)
	}
	accept(t, s, old, 101, t0(), store.ErrNotFound)
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice", "bob", "carol"}) {
		t.Fatalf("List after EnrollMany = %q", users)
	}
	if err := s.EnrollMany(t.Context(), nil); err != nil {
		t.Fatalf("EnrollMany of nothing: %v", err)
	}
}

func testEnrollManyAllOrNothing(t *testing.T, s store.Store) {
	old := enroll(t, s, "alice")
	good := func() []store.Enrollment {
		es := make([]store.Enrollment, 5)
		for i := range es {
			es[i] = newEnrollment(fmt.Sprintf("user%d", i), "secret")
		}
		es[4] = newEnrollment("alice", "replaced")
		return es
	}
	noSecret, badDigits, twice := good(), good(), good()
	noSecret[2].Secret = nil
	badDigits[3].Digits = 0
	twice[3].User = "user1"
	for name, tc := range map[string]struct {
		es    []store.Enrollment
		index int // the first bad one, which the error names with its user
	}{
		"empty secret":   {noSecret, 2},
		"digits":         {badDigits, 3},
		"user twice":     {twice, 3},
		"empty user id":  {append(good(), newEnrollment("", "s")), 5},
		"two bad, first": {append(noSecret, newEnrollment("", "s")), 2},
	} {
		err := s.EnrollMany(t.Context(), tc.es)
		index := regexp.MustCompile(fmt.Sprintf(`\b%d\b`, tc.index))
		user := fmt.Sprintf("%q", tc.es[tc.index].User)
		if err == nil || !index.MatchString(err.Error()) || !strings.Contains(err.Error(), user) {
			t.Errorf("EnrollMany with a bad %s = %v, want an error naming index %d and user %s", name, err, tc.index, user)
		}
	}
	if users := listUsers(t, s); !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("List after refused EnrollMany calls = %q, want [alice]", users)
	}
	if st := get(t, s, "alice"); st.Enrollment == nil || !equalEnrollment(*st.Enrollment, old) {
		t.Fatalf("refused EnrollMany calls changed alice: %+v", st.Enrollment)
	}
}
