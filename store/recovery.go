package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Recovery codes are stored per user as one sealed list of the hashes the
// caller made; the count beside it lets Get report how many are left
// without opening the list.

// SetRecoveryCodes implements Store.
func (b *Bolt) SetRecoveryCodes(ctx context.Context, user string, hashes [][]byte) error {
	if err := validateRecovery(user, hashes); err != nil {
		return err
	}
	// Sealed now: the write may run after the caller has returned (its
	// ctx ended) and reused hashes.
	var rec []byte
	if len(hashes) > 0 {
		rec = b.sealer.sealRecovery(user, hashes).encode()
	}
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (error, error) {
			return nil, putRecovery(bk, user, rec)
		})
	})
}

// putRecovery stores rec as user's recovery record, or deletes it when
// rec is nil.
func putRecovery(bk buckets, user string, rec []byte) error {
	var err error
	if rec == nil {
		err = bk.recovery.Delete([]byte(user))
	} else {
		err = bk.recovery.Put([]byte(user), rec)
	}
	if err != nil {
		return fmt.Errorf("store: user %q: writing recovery codes: %w", user, err)
	}
	return nil
}

// UseRecoveryCode implements Store.
func (b *Bolt) UseRecoveryCode(ctx context.Context, user string, now time.Time, match func(hash []byte) bool) (int, error) {
	if err := validateUser(user); err != nil {
		return 0, err
	}
	if match == nil {
		return 0, fmt.Errorf("store: UseRecoveryCode for user %q: no match function", user)
	}
	var left int
	err := b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (outcome, abort error) {
			left, outcome, abort = useRecoveryCode(bk, b.sealer, user, now, match)
			return outcome, abort
		})
	})
	if err != nil {
		return 0, err
	}
	return left, nil
}

func useRecoveryCode(bk buckets, s sealer, user string, now time.Time, match func([]byte) bool) (left int, outcome, abort error) {
	key := []byte(user)
	f, err := readFailures(bk, key)
	if err != nil {
		return 0, fmt.Errorf("store: user %q: %w", user, err), nil
	}
	if now.Before(f.LockedUntil) {
		return 0, ErrLocked, nil
	}
	rec, err := readRecovery(bk, key)
	if err != nil {
		return 0, fmt.Errorf("store: user %q: %w", user, err), nil
	}
	if rec.Count == 0 {
		return 0, ErrNoMatch, nil
	}
	step, enrolled, err := readStep(bk, key)
	if err != nil {
		return 0, fmt.Errorf("store: user %q: %w", user, err), nil
	}
	hashes, err := s.openRecovery(user, rec)
	if err != nil {
		return 0, err, nil
	}
	i, err := firstMatch(hashes, match)
	switch {
	case err != nil:
		return 0, fmt.Errorf("store: user %q: %w", user, err), nil
	case i < 0:
		return 0, ErrNoMatch, nil
	}
	hashes = slices.Delete(hashes, i, i+1)
	if err := recordRecoveryUse(bk, s, user, hashes, step, enrolled, now); err != nil {
		return 0, nil, err
	}
	return len(hashes), nil, nil
}

// recordRecoveryUse stores the codes left and records the login: no
// failures or lockout, and LastUsed now when the user is enrolled (step
// is the user's step record then). LastStep stays: the TOTP replay state
// is not the recovery code's to change.
func recordRecoveryUse(bk buckets, s sealer, user string, left [][]byte, step stepRecord, enrolled bool, now time.Time) error {
	var raw []byte
	if len(left) > 0 {
		raw = s.sealRecovery(user, left).encode()
	}
	if err := putRecovery(bk, user, raw); err != nil {
		return err
	}
	key := []byte(user)
	if err := bk.failures.Delete(key); err != nil {
		return fmt.Errorf("store: user %q: clearing failures: %w", user, err)
	}
	if !enrolled {
		return nil
	}
	step.LastUsed = now
	if err := bk.steps.Put(key, step.encode()); err != nil {
		return fmt.Errorf("store: user %q: writing step: %w", user, err)
	}
	return nil
}

// firstMatch returns the index of the first hash match accepts, -1 if
// none. A panic in match is returned as an error: it must not take the
// committer, and every login waiting on it, down.
func firstMatch(hashes [][]byte, match func([]byte) bool) (i int, err error) {
	defer func() {
		if r := recover(); r != nil {
			i, err = -1, fmt.Errorf("recovery code match function panicked: %v", r)
		}
	}()
	for i, h := range hashes {
		if match(h) {
			return i, nil
		}
	}
	return -1, nil
}
