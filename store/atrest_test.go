package store_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/radius2fa/radius2fa/store"
)

// TestPendingAndRecoveryNotStoredInPlaintext: a pending secret and the
// recovery code hashes are sealed like enrollment secrets.
func TestPendingAndRecoveryNotStoredInPlaintext(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	secret := "KRSXG5CTMVRXEZLUKN2XAZLS-pending"
	hash := []byte("recovery-hash-0123456789abcdef")
	if err := s.SetPending(t.Context(), pending("user-alice-0001", secret, time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecoveryCodes(t.Context(), "user-alice-0001", [][]byte{hash}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p.db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("user-alice-0001")) {
		t.Fatalf("the user id is not in the database file: the test reads the wrong file")
	}
	if bytes.Contains(raw, []byte(secret[:12])) {
		t.Errorf("the pending TOTP secret is stored in plaintext")
	}
	if bytes.Contains(raw, hash[:12]) {
		t.Errorf("the recovery code hash is stored in plaintext")
	}
}

// TestMovedPendingAndRecoveryDoNotOpen copies alice's pending enrollment
// and recovery codes to bob: neither opens for bob.
func TestMovedPendingAndRecoveryDoNotOpen(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, user := range []string{"alice", "bob"} {
		if err := s.SetPending(t.Context(), pending(user, user+"'s pending secret", now)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecoveryCodes(t.Context(), user, [][]byte{[]byte(user + "'s hash")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p.edit(t, func(tx *bolt.Tx) error {
		for _, name := range []string{store.BucketPending, store.BucketRecovery} {
			b := tx.Bucket([]byte(name))
			if err := b.Put([]byte("bob"), bytes.Clone(b.Get([]byte("alice")))); err != nil {
				return err
			}
		}
		return nil
	})
	s = p.open(t)
	if got, ok, err := s.GetPending(t.Context(), "bob", now); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("GetPending(bob) holding alice's record = %+v, %t, %v; want ErrCorrupt", got, ok, err)
	}
	if _, err := s.ConfirmPending(t.Context(), "bob", now, 1, now); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("ConfirmPending(bob) holding alice's record = %v; want ErrCorrupt", err)
	}
	matched := false
	_, err := s.UseRecoveryCode(t.Context(), "bob", now, func(h []byte) bool { matched = true; return true })
	if !errors.Is(err, store.ErrCorrupt) || matched {
		t.Fatalf("UseRecoveryCode(bob) holding alice's codes = %v (match called: %t); want ErrCorrupt before any match", err, matched)
	}
	if got, ok, err := s.GetPending(t.Context(), "alice", now); err != nil || !ok || string(got.Secret) != "alice's pending secret" {
		t.Fatalf("GetPending(alice) = %+v, %t, %v", got, ok, err)
	}
	if st, err := s.Get(t.Context(), "bob"); err != nil || st.Enrollment != nil {
		t.Fatalf("Get(bob) after the failed confirmation = %+v, %v; want not enrolled", st, err)
	}
}
