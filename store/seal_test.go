package store

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func testSealer(t *testing.T) sealer {
	t.Helper()
	s, err := newSealer(bytes.Repeat([]byte{7}, keyLen))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealedKindsDoNotSwap: an enrollment secret, a pending secret and a
// recovery list of the same user open only as what they were sealed as.
func TestSealedKindsDoNotSwap(t *testing.T) {
	s := testSealer(t)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	secret := []byte("twenty bytes secret!")
	asEnrollment := s.sealSecret("alice", 1, secret)
	asPending := s.sealPending("alice", at, secret)
	asRecovery := s.sealRecovery("alice", [][]byte{secret})

	if got, err := s.openSecret("alice", 1, asEnrollment); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("openSecret of an enrollment secret = %q, %v", got, err)
	}
	if got, err := s.openPending("alice", at, asPending); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("openPending of a pending secret = %q, %v", got, err)
	}
	if got, err := s.openRecovery("alice", asRecovery); err != nil || len(got) != 1 {
		t.Fatalf("openRecovery = %q, %v", got, err)
	}
	wrong := map[string]error{}
	_, wrong["pending as enrollment"] = s.openSecret("alice", 1, asPending)
	_, wrong["recovery as enrollment"] = s.openSecret("alice", 1, asRecovery.Sealed)
	_, wrong["enrollment as pending"] = s.openPending("alice", at, asEnrollment)
	_, wrong["recovery as pending"] = s.openPending("alice", at, asRecovery.Sealed)
	_, wrong["enrollment as recovery"] = s.openRecovery("alice", recoveryRecord{Count: 1, Sealed: asEnrollment})
	_, wrong["pending as recovery"] = s.openRecovery("alice", recoveryRecord{Count: 1, Sealed: asPending})
	_, wrong["pending of another time"] = s.openPending("alice", at.Add(time.Second), asPending)
	_, wrong["pending of another user"] = s.openPending("bob", at, asPending)
	_, wrong["recovery of another user"] = s.openRecovery("bob", asRecovery)
	_, wrong["recovery with its count changed"] = s.openRecovery("alice", recoveryRecord{Count: 2, Sealed: asRecovery.Sealed})
	for name, err := range wrong {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}
