package store

import (
	"context"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The writes. Each public method validates its input outside the
// transaction, so that nothing it passes to bbolt can fail for a reason
// of its own, then submits a txFunc that checks and writes atomically.

// Enroll implements Store.
func (b *Bolt) Enroll(ctx context.Context, e Enrollment) (uint64, error) {
	if err := validateEnrollment(e); err != nil {
		return 0, err
	}
	var id uint64
	err := b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, e.User, func() (error, error) {
			var err error
			id, err = enroll(bk, b.sealer, e)
			return nil, err
		})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func enroll(bk buckets, s sealer, e Enrollment) (uint64, error) {
	id, err := bk.enrollments.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: enrollment id: %w", err)
	}
	rec := enrollmentRecord{
		ID:        id,
		Digits:    uint8(e.Digits),
		Period:    e.Period,
		CreatedAt: e.CreatedAt,
		Algorithm: e.Algorithm,
		Sealed:    s.sealSecret(e.User, id, e.Secret),
	}
	key := []byte(e.User)
	if err := bk.enrollments.Put(key, rec.encode()); err != nil {
		return 0, fmt.Errorf("store: user %q: writing enrollment: %w", e.User, err)
	}
	if err := bk.steps.Put(key, stepRecord{EnrollmentID: id}.encode()); err != nil {
		return 0, fmt.Errorf("store: user %q: writing step: %w", e.User, err)
	}
	return id, nil
}

// AcceptStep implements Store.
func (b *Bolt) AcceptStep(ctx context.Context, user string, enrollmentID uint64, step uint64, now time.Time) error {
	if err := validateUser(user); err != nil {
		return err
	}
	return b.submitOp(ctx, newAcceptOp(user, enrollmentID, step, now))
}

// AcceptStepAsync implements Store.
func (b *Bolt) AcceptStepAsync(ctx context.Context, user string, enrollmentID uint64, step uint64, now time.Time) <-chan error {
	if err := validateUser(user); err != nil {
		done := make(chan error, 1)
		done <- err
		return done
	}
	return b.send(ctx, newAcceptOp(user, enrollmentID, step, now))
}

func newAcceptOp(user string, enrollmentID, step uint64, now time.Time) *op {
	return &op{kind: opAccept, accept: acceptArgs{user: user, enrollmentID: enrollmentID, step: step, now: now}}
}

// acceptStep is AcceptStep in a bbolt transaction, for batches that do
// not go to the journal (commitjournal.go decides the same way).
func acceptStep(bk buckets, user string, enrollmentID, step uint64, now time.Time) (outcome, abort error) {
	key := []byte(user)
	rec, ok, err := readStep(bk, key)
	switch {
	case err != nil:
		return fmt.Errorf("store: user %q: %w", user, err), nil
	case !ok || rec.EnrollmentID != enrollmentID:
		return ErrNotFound, nil
	}
	f, err := readFailures(bk, key)
	switch {
	case err != nil:
		return fmt.Errorf("store: user %q: %w", user, err), nil
	case now.Before(f.LockedUntil):
		return ErrLocked, nil
	case step <= rec.LastStep:
		return ErrReplay, nil
	}
	if embargo, err := stepEmbargoed(bk, key, step); err != nil || embargo {
		if err != nil {
			return fmt.Errorf("store: user %q: %w", user, err), nil
		}
		return ErrEmbargoed, nil
	}
	rec.LastStep, rec.LastUsed = step, now
	if err := bk.steps.Put(key, rec.encode()); err != nil {
		return nil, fmt.Errorf("store: user %q: writing step: %w", user, err)
	}
	if err := bk.failures.Delete(key); err != nil {
		return nil, fmt.Errorf("store: user %q: clearing failures: %w", user, err)
	}
	return nil, nil
}

// ReleaseStep implements Store. It takes the bbolt path, which folds the
// journal first, so it sees the step whichever way it was recorded.
func (b *Bolt) ReleaseStep(ctx context.Context, user string, enrollmentID uint64, step uint64, before UserState) error {
	if err := validateUser(user); err != nil {
		return err
	}
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		return releaseStep(bucketsOf(tx), user, enrollmentID, step, before)
	})
}

func releaseStep(bk buckets, user string, enrollmentID, step uint64, before UserState) (outcome, abort error) {
	key := []byte(user)
	rec, ok, err := readStep(bk, key)
	switch {
	case err != nil:
		return fmt.Errorf("store: user %q: %w", user, err), nil
	case !ok || rec.EnrollmentID != enrollmentID || rec.LastStep != step || step == 0:
		return nil, nil // step 0 is never accepted: nothing to take back
	}
	rec.LastStep, rec.LastUsed = step-1, before.LastUsed
	if err := bk.steps.Put(key, rec.encode()); err != nil {
		return nil, fmt.Errorf("store: user %q: writing step: %w", user, err)
	}
	if bk.failures.Get(key) != nil || (before.Failures <= 0 && before.LockedUntil.IsZero()) {
		return nil, nil
	}
	// The user is enrolled, so listed either way: the counts do not change.
	f := failureRecord{Failures: uint32(min(before.Failures, math.MaxInt32)), LockedUntil: before.LockedUntil}
	if err := bk.failures.Put(key, f.encode()); err != nil {
		return nil, fmt.Errorf("store: user %q: writing failures: %w", user, err)
	}
	return nil, nil
}

// RecordFailure implements Store.
func (b *Bolt) RecordFailure(ctx context.Context, user string, now time.Time, l Lockout) (UserState, error) {
	if err := validateUser(user); err != nil {
		return UserState{}, err
	}
	if l.MaxFailures <= 0 || l.Duration <= 0 {
		return UserState{}, fmt.Errorf("store: invalid lockout: max failures %d and duration %s must both be positive", l.MaxFailures, l.Duration)
	}
	var st UserState
	err := b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (outcome, abort error) {
			st, outcome, abort = recordFailure(bk, b.sealer, user, now, l)
			return outcome, abort
		})
	})
	if err != nil {
		return UserState{}, err
	}
	return st, nil
}

func recordFailure(bk buckets, s sealer, user string, now time.Time, l Lockout) (st UserState, outcome, abort error) {
	st, err := readState(bk, s, user)
	if err != nil {
		return UserState{}, err, nil
	}
	if !st.LockedUntil.IsZero() && !now.Before(st.LockedUntil) {
		st.Failures, st.LockedUntil = 0, time.Time{}
	}
	st.Failures++
	if st.LockedUntil.IsZero() && st.Failures >= l.MaxFailures {
		st.LockedUntil = now.Add(l.Duration)
	}
	rec := failureRecord{Failures: uint32(min(st.Failures, math.MaxInt32)), LockedUntil: st.LockedUntil}
	if err := bk.failures.Put([]byte(user), rec.encode()); err != nil {
		return UserState{}, nil, fmt.Errorf("store: user %q: writing failures: %w", user, err)
	}
	return st, nil, nil
}

// Unlock implements Store.
func (b *Bolt) Unlock(ctx context.Context, user string) error {
	if err := validateUser(user); err != nil {
		return err
	}
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (error, error) {
			if err := bk.failures.Delete([]byte(user)); err != nil {
				return nil, fmt.Errorf("store: user %q: clearing failures: %w", user, err)
			}
			return nil, nil
		})
	})
}

// Delete implements Store.
func (b *Bolt) Delete(ctx context.Context, user string) error {
	if err := validateUser(user); err != nil {
		return err
	}
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (error, error) { return deleteUser(bk, user) })
	})
}

func deleteUser(bk buckets, user string) (outcome, abort error) {
	key := []byte(user)
	found := false
	for _, bucket := range []*bolt.Bucket{bk.enrollments, bk.steps, bk.failures, bk.recovery, bk.pending} {
		if bucket.Get(key) == nil {
			continue
		}
		found = true
		if err := bucket.Delete(key); err != nil {
			return nil, fmt.Errorf("store: user %q: deleting: %w", user, err)
		}
	}
	if !found {
		return ErrNotFound, nil
	}
	return nil, nil
}
