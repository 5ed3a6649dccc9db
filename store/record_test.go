package store

import (
	"errors"
	"testing"
	"time"
)

func TestRecordsRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 123, time.UTC)
	step := stepRecord{EnrollmentID: 7, LastStep: 59000000, LastUsed: at}
	if got, err := decodeStepRecord(step.encode()); err != nil || got.EnrollmentID != 7 || got.LastStep != 59000000 || !got.LastUsed.Equal(at) {
		t.Errorf("step record round trip = %+v, %v", got, err)
	}
	fail := failureRecord{Failures: 5, LockedUntil: at}
	if got, err := decodeFailureRecord(fail.encode()); err != nil || got.Failures != 5 || !got.LockedUntil.Equal(at) {
		t.Errorf("failure record round trip = %+v, %v", got, err)
	}
	zero, err := decodeFailureRecord(failureRecord{}.encode())
	if err != nil || !zero.LockedUntil.IsZero() {
		t.Errorf("zero time round trip = %+v, %v", zero, err)
	}
	pend := pendingRecord{Digits: 6, Period: 30 * time.Second, CreatedAt: at, ExpiresAt: at.Add(time.Hour), Algorithm: "SHA256", Sealed: []byte("sealed")}
	if got, err := decodePendingRecord(pend.encode()); err != nil || got.Digits != 6 || got.Period != 30*time.Second || !got.CreatedAt.Equal(at) ||
		!got.ExpiresAt.Equal(at.Add(time.Hour)) || got.Algorithm != "SHA256" || string(got.Sealed) != "sealed" {
		t.Errorf("pending record round trip = %+v, %v", got, err)
	}
	rec := recoveryRecord{Count: 3, Sealed: []byte("sealed list")}
	if got, err := decodeRecoveryRecord(rec.encode()); err != nil || got.Count != 3 || string(got.Sealed) != "sealed list" {
		t.Errorf("recovery record round trip = %+v, %v", got, err)
	}
	hashes := [][]byte{[]byte("a"), make([]byte, MaxRecoveryHashLen), []byte("ccc")}
	if got, err := decodeHashes(encodeHashes(hashes)); err != nil || len(got) != 3 || string(got[2]) != "ccc" || len(got[1]) != MaxRecoveryHashLen {
		t.Errorf("recovery hashes round trip = %q, %v", got, err)
	}
	counts := countsRecord{Users: 300000, Enrolled: 299999}
	if got, err := decodeCountsRecord(counts.encode()); err != nil || got != counts {
		t.Errorf("counts record round trip = %+v, %v", got, err)
	}
	enr := enrollmentRecord{ID: 3, Digits: 8, Period: time.Minute, CreatedAt: at, Algorithm: "SHA512", Sealed: []byte("sealed bytes")}
	got, err := decodeEnrollmentRecord(enr.encode())
	if err != nil || got.ID != 3 || got.Digits != 8 || got.Period != time.Minute || !got.CreatedAt.Equal(at) ||
		got.Algorithm != "SHA512" || string(got.Sealed) != "sealed bytes" {
		t.Errorf("enrollment record round trip = %+v, %v", got, err)
	}
}

func TestTruncatedRecordsAreCorrupt(t *testing.T) {
	full := map[string][]byte{
		"step":       stepRecord{EnrollmentID: 1}.encode(),
		"failure":    failureRecord{Failures: 1}.encode(),
		"enrollment": enrollmentRecord{ID: 1, Algorithm: "SHA1"}.encode(),
		"pending":    pendingRecord{Digits: 6, Algorithm: "SHA1"}.encode(),
		"recovery":   recoveryRecord{Count: 1}.encode(),
		"counts":     countsRecord{Users: 1}.encode(),
	}
	for name, rec := range full {
		for n := range len(rec) {
			if err := decodeAny(name, rec[:n]); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s record cut to %d bytes: %v, want ErrCorrupt", name, n, err)
			}
		}
		bad := append([]byte{recordVersion + 1}, rec[1:]...)
		if err := decodeAny(name, bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s record of an unknown version: %v, want ErrCorrupt", name, err)
		}
	}
}

func decodeAny(name string, b []byte) error {
	var err error
	switch name {
	case "step":
		_, err = decodeStepRecord(b)
	case "failure":
		_, err = decodeFailureRecord(b)
	case "pending":
		_, err = decodePendingRecord(b)
	case "recovery":
		_, err = decodeRecoveryRecord(b)
	case "counts":
		_, err = decodeCountsRecord(b)
	default:
		_, err = decodeEnrollmentRecord(b)
	}
	return err
}

// FuzzDecode: no input makes a decoder panic, and whatever decodes
// re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(stepRecord{EnrollmentID: 1, LastStep: 2}.encode())
	f.Add(failureRecord{Failures: 3}.encode())
	f.Add(enrollmentRecord{ID: 1, Digits: 6, Algorithm: "SHA1", Sealed: make([]byte, 28)}.encode())
	f.Add(pendingRecord{Digits: 6, Algorithm: "SHA1", Sealed: make([]byte, 28)}.encode())
	f.Add(recoveryRecord{Count: 2, Sealed: make([]byte, 28)}.encode())
	f.Add(encodeHashes([][]byte{[]byte("h1"), []byte("h2")}))
	f.Add(countsRecord{Users: 2, Enrolled: 1}.encode())
	f.Add([]byte{1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := decodeStepRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("step record %x re-encodes to %x", b, r.encode())
		}
		if r, err := decodeFailureRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("failure record %x re-encodes to %x", b, r.encode())
		}
		if r, err := decodeEnrollmentRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("enrollment record %x re-encodes to %x", b, r.encode())
		}
		if r, err := decodePendingRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("pending record %x re-encodes to %x", b, r.encode())
		}
		if r, err := decodeRecoveryRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("recovery record %x re-encodes to %x", b, r.encode())
		}
		if r, err := decodeCountsRecord(b); err == nil && string(r.encode()) != string(b) {
			t.Errorf("counts record %x re-encodes to %x", b, r.encode())
		}
		if hs, err := decodeHashes(b); err == nil && string(encodeHashes(hs)) != string(b) {
			t.Errorf("recovery hashes %x re-encode to %x", b, encodeHashes(hs))
		}
	})
}

func TestMalformedRecoveryHashesAreCorrupt(t *testing.T) {
	long := make([]byte, MaxRecoveryHashLen+1)
	tooMany := make([][]byte, MaxRecoveryCodes+1)
	for i := range tooMany {
		tooMany[i] = []byte{byte(i)}
	}
	for name, b := range map[string][]byte{
		"cut in a length": {0},
		"cut in a hash":   {0, 3, 'a', 'b'},
		"empty hash":      {0, 0},
		"hash too long":   encodeHashes([][]byte{long}),
		"too many hashes": encodeHashes(tooMany),
	} {
		if hs, err := decodeHashes(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeHashes = %q, %v; want ErrCorrupt", name, hs, err)
		}
	}
}
