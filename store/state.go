package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// buckets are the data buckets of one transaction. Open has verified
// that they exist and nothing removes them.
type buckets struct {
	meta        *bolt.Bucket
	enrollments *bolt.Bucket
	steps       *bolt.Bucket
	failures    *bolt.Bucket
	recovery    *bolt.Bucket
	pending     *bolt.Bucket
}

func bucketsOf(tx *bolt.Tx) buckets {
	return buckets{
		meta:        tx.Bucket([]byte(bucketMeta)),
		enrollments: tx.Bucket([]byte(bucketEnrollments)),
		steps:       tx.Bucket([]byte(bucketSteps)),
		failures:    tx.Bucket([]byte(bucketFailures)),
		recovery:    tx.Bucket([]byte(bucketRecovery)),
		pending:     tx.Bucket([]byte(bucketPending)),
	}
}

// userBuckets are the buckets whose records make a user listed; a step
// record never exists without an enrollment, and a pending enrollment
// alone does not count.
func (bk buckets) userBuckets() []*bolt.Bucket {
	return []*bolt.Bucket{bk.enrollments, bk.failures, bk.recovery}
}

// readState assembles what is stored about user, opening the secret.
func readState(bk buckets, s sealer, user string) (UserState, error) {
	st := UserState{User: user}
	key := []byte(user)
	if raw := bk.enrollments.Get(key); raw != nil {
		e, err := decodeEnrollment(s, user, raw)
		if err != nil {
			return UserState{}, err
		}
		st.Enrollment = &e
		step, ok, err := readStep(bk, key)
		if err != nil {
			return UserState{}, fmt.Errorf("store: user %q: %w", user, err)
		}
		if ok && step.EnrollmentID == e.ID {
			st.LastStep, st.LastUsed = step.LastStep, step.LastUsed
		}
	}
	f, err := readFailures(bk, key)
	if err != nil {
		return UserState{}, fmt.Errorf("store: user %q: %w", user, err)
	}
	st.Failures, st.LockedUntil = int(f.Failures), f.LockedUntil
	rec, err := readRecovery(bk, key)
	if err != nil {
		return UserState{}, fmt.Errorf("store: user %q: %w", user, err)
	}
	st.RecoveryCodes = int(rec.Count)
	return st, nil
}

func decodeEnrollment(s sealer, user string, raw []byte) (Enrollment, error) {
	rec, err := decodeEnrollmentRecord(raw)
	if err != nil {
		return Enrollment{}, fmt.Errorf("store: user %q: %w", user, err)
	}
	secret, err := s.openSecret(user, rec.ID, rec.Sealed)
	if err != nil {
		return Enrollment{}, err
	}
	return Enrollment{
		User:      user,
		ID:        rec.ID,
		Secret:    secret,
		Digits:    int(rec.Digits),
		Period:    rec.Period,
		Algorithm: rec.Algorithm,
		CreatedAt: rec.CreatedAt,
	}, nil
}

// readStep returns the user's step record; ok is false when there is none.
func readStep(bk buckets, key []byte) (rec stepRecord, ok bool, err error) {
	raw := bk.steps.Get(key)
	if raw == nil {
		return stepRecord{}, false, nil
	}
	rec, err = decodeStepRecord(raw)
	return rec, err == nil, err
}

// readFailures returns the user's failure record, zero when there is none.
func readFailures(bk buckets, key []byte) (failureRecord, error) {
	raw := bk.failures.Get(key)
	if raw == nil {
		return failureRecord{}, nil
	}
	return decodeFailureRecord(raw)
}

// readRecovery returns the user's recovery record, zero when there is
// none. The hashes stay sealed.
func readRecovery(bk buckets, key []byte) (recoveryRecord, error) {
	raw := bk.recovery.Get(key)
	if raw == nil {
		return recoveryRecord{}, nil
	}
	return decodeRecoveryRecord(raw)
}
