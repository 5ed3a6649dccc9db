package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A pending enrollment is stored beside the active one until it is
// confirmed, replaced, deleted, or the user is reset. An expired one is
// not removed by itself: it is invisible to GetPending and refused by
// ConfirmPending, and goes with the next SetPending or Delete.

// SetPending implements Store.
func (b *Bolt) SetPending(ctx context.Context, p Pending) error {
	if err := validatePending(p); err != nil {
		return err
	}
	// Sealed now: the write may run after the caller has returned (its
	// ctx ended) and reused p.Secret.
	rec := pendingRecord{
		Digits:    uint8(p.Digits),
		Period:    p.Period,
		CreatedAt: p.CreatedAt,
		ExpiresAt: p.ExpiresAt,
		Algorithm: p.Algorithm,
		Sealed:    b.sealer.sealPending(p.User, p.CreatedAt, p.Secret),
	}.encode()
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		if err := bucketsOf(tx).pending.Put([]byte(p.User), rec); err != nil {
			return nil, fmt.Errorf("store: user %q: writing pending enrollment: %w", p.User, err)
		}
		return nil, nil
	})
}

// GetPending implements Store.
func (b *Bolt) GetPending(ctx context.Context, user string, now time.Time) (Pending, bool, error) {
	if err := ctx.Err(); err != nil {
		return Pending{}, false, err
	}
	if err := validateUser(user); err != nil {
		return Pending{}, false, err
	}
	var p Pending
	var ok bool
	err := b.view(func(bk buckets) error {
		var err error
		p, ok, err = readPending(bk, b.sealer, user, now)
		return err
	})
	if err != nil || !ok {
		return Pending{}, false, err
	}
	return p, true, nil
}

// readPending returns user's pending enrollment with its secret opened;
// ok is false when there is none or it has expired at now.
func readPending(bk buckets, s sealer, user string, now time.Time) (p Pending, ok bool, err error) {
	raw := bk.pending.Get([]byte(user))
	if raw == nil {
		return Pending{}, false, nil
	}
	rec, err := decodePendingRecord(raw)
	if err != nil {
		return Pending{}, false, fmt.Errorf("store: user %q: %w", user, err)
	}
	if !now.Before(rec.ExpiresAt) {
		return Pending{}, false, nil
	}
	secret, err := s.openPending(user, rec.CreatedAt, rec.Sealed)
	if err != nil {
		return Pending{}, false, err
	}
	return Pending{
		User:      user,
		Secret:    secret,
		Digits:    int(rec.Digits),
		Period:    rec.Period,
		Algorithm: rec.Algorithm,
		CreatedAt: rec.CreatedAt,
		ExpiresAt: rec.ExpiresAt,
	}, true, nil
}

// ConfirmPending implements Store.
func (b *Bolt) ConfirmPending(ctx context.Context, user string, pendingCreatedAt time.Time, step uint64, now time.Time) (Enrollment, error) {
	if err := validateUser(user); err != nil {
		return Enrollment{}, err
	}
	if now.IsZero() || !representable(now) {
		return Enrollment{}, fmt.Errorf("store: ConfirmPending for user %q: time %s outside the years 1678 to 2262", user, now)
	}
	var e Enrollment
	err := b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		bk := bucketsOf(tx)
		return track(bk, user, func() (outcome, abort error) {
			e, outcome, abort = confirmPending(bk, b.sealer, user, pendingCreatedAt, step, now)
			return outcome, abort
		})
	})
	if err != nil {
		return Enrollment{}, err
	}
	return e, nil
}

func confirmPending(bk buckets, s sealer, user string, createdAt time.Time, step uint64, now time.Time) (e Enrollment, outcome, abort error) {
	p, ok, err := readPending(bk, s, user, now)
	switch {
	case err != nil:
		return Enrollment{}, err, nil
	case !ok || !p.CreatedAt.Equal(createdAt):
		return Enrollment{}, ErrNotFound, nil
	}
	e = Enrollment{User: user, Secret: p.Secret, Digits: p.Digits, Period: p.Period, Algorithm: p.Algorithm, CreatedAt: now}
	if e.ID, err = enroll(bk, s, e); err != nil {
		return Enrollment{}, nil, err
	}
	key := []byte(user)
	if err := bk.steps.Put(key, stepRecord{EnrollmentID: e.ID, LastStep: step, LastUsed: now}.encode()); err != nil {
		return Enrollment{}, nil, fmt.Errorf("store: user %q: writing step: %w", user, err)
	}
	if err := bk.pending.Delete(key); err != nil {
		return Enrollment{}, nil, fmt.Errorf("store: user %q: deleting pending enrollment: %w", user, err)
	}
	return e, nil, nil
}

// DeletePending implements Store.
func (b *Bolt) DeletePending(ctx context.Context, user string) error {
	if err := validateUser(user); err != nil {
		return err
	}
	return b.submit(ctx, func(tx *bolt.Tx) (error, error) {
		if err := bucketsOf(tx).pending.Delete([]byte(user)); err != nil {
			return nil, fmt.Errorf("store: user %q: deleting pending enrollment: %w", user, err)
		}
		return nil, nil
	})
}
