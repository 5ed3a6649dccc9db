package store_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/radius2fa/radius2fa/store"
)

// checkCountsMatchList asserts that Count agrees with what List shows.
func checkCountsMatchList(t *testing.T, s *store.Bolt) {
	t.Helper()
	users, enrolled := 0, 0
	err := s.List(t.Context(), func(st store.UserState) error {
		users++
		if st.Enrollment != nil {
			enrolled++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	gotUsers, gotEnrolled, err := s.Count(t.Context())
	if err != nil || gotUsers != users || gotEnrolled != enrolled {
		t.Fatalf("Count = %d users, %d enrolled, %v; List shows %d users, %d enrolled", gotUsers, gotEnrolled, err, users, enrolled)
	}
}

// TestCountFollowsEveryWrite runs a long random mix of every kind of
// write over a few users and checks Count against List after each.
func TestCountFollowsEveryWrite(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	lock := store.Lockout{MaxFailures: 2, Duration: time.Minute}
	users := []string{"a", "b", "c", "d", "e"}
	ctx := t.Context()
	writes := []func(user string) error{
		func(u string) error { _, err := s.Enroll(ctx, enrollment(u, "s")); return err },
		func(u string) error { _, err := s.RecordFailure(ctx, u, now, lock); return err },
		func(u string) error { return s.Unlock(ctx, u) },
		func(u string) error { return s.Delete(ctx, u) },
		func(u string) error { return s.SetRecoveryCodes(ctx, u, [][]byte{[]byte("h")}) },
		func(u string) error { return s.SetRecoveryCodes(ctx, u, nil) },
		func(u string) error {
			_, err := s.UseRecoveryCode(ctx, u, now.Add(time.Hour), func([]byte) bool { return true })
			return err
		},
		func(u string) error { return s.SetPending(ctx, pending(u, "p", now)) },
		func(u string) error { _, err := s.ConfirmPending(ctx, u, now, 1, now.Add(time.Second)); return err },
		func(u string) error { return s.DeletePending(ctx, u) },
		func(u string) error {
			return s.EnrollMany(ctx, []store.Enrollment{enrollment(u, "s"), enrollment(u+"-bulk", "s")})
		},
	}
	for range 400 {
		user := users[rng.IntN(len(users))]
		_ = writes[rng.IntN(len(writes))](user) // refusals (ErrNotFound, ErrNoMatch…) are part of the mix
		checkCountsMatchList(t, s)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkCountsMatchList(t, p.open(t))
}

// TestUpgradesSchema1 opens a database as the first release wrote it:
// without recovery codes, pending enrollments and counts.
func TestUpgradesSchema1(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	mustEnroll(t, s, enrollment("alice", "secret"))
	if _, err := s.RecordFailure(t.Context(), "bob", time.Now(), store.Lockout{MaxFailures: 5, Duration: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		for _, name := range []string{store.BucketRecovery, store.BucketPending} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		meta := tx.Bucket([]byte(store.BucketMeta))
		if err := meta.Delete([]byte(store.CountsKey)); err != nil {
			return err
		}
		return meta.Put([]byte(store.SchemaKey), []byte{0, 0, 0, 1})
	})

	var logs bytes.Buffer
	s, err := store.Open(p.db, store.Options{KeyFile: p.key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("Open of a schema 1 database: %v", err)
	}
	if users, enrolled, err := s.Count(t.Context()); err != nil || users != 2 || enrolled != 1 {
		t.Fatalf("Count after the upgrade = %d, %d, %v; want 2 users, 1 enrolled", users, enrolled, err)
	}
	if err := s.SetRecoveryCodes(t.Context(), "carol", [][]byte{[]byte("h")}); err != nil {
		t.Fatalf("SetRecoveryCodes after the upgrade: %v", err)
	}
	if err := s.SetPending(t.Context(), pending("alice", "p", time.Now())); err != nil {
		t.Fatalf("SetPending after the upgrade: %v", err)
	}
	checkCountsMatchList(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "upgraded store schema") {
		t.Errorf("the upgrade was not logged:\n%s", logs.String())
	}
	p.edit(t, func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(store.BucketMeta)).Get([]byte(store.SchemaKey)); !bytes.Equal(v, []byte{0, 0, 0, 2}) {
			return fmt.Errorf("schema version after the upgrade is %x, want 2", v)
		}
		return nil
	})
}
