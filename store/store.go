package store

import (
	"context"
	"time"
)

// Enrollment is a user's registered TOTP app: the shared secret and the
// parameters the app generates codes with.
type Enrollment struct {
	// User is the canonical user id; the store does not canonicalise.
	User string
	// ID is assigned by the store on Enroll. It is unique per database and
	// never reused, so a code checked against one enrollment cannot be
	// recorded against a later one.
	ID uint64
	// Secret holds the raw TOTP key bytes. It is sealed at rest and in
	// plaintext in memory only.
	Secret []byte
	// Digits is the code length.
	Digits int
	// Period is the length of one time step.
	Period time.Duration
	// Algorithm is "SHA1", "SHA256" or "SHA512".
	Algorithm string
	// CreatedAt is when the user registered the app.
	CreatedAt time.Time
}

// UserState is everything the store knows about one user.
type UserState struct {
	User string
	// Enrollment is nil when the user is not enrolled.
	Enrollment *Enrollment
	// LastStep is the last time step accepted for the current enrollment
	// (0: no code used yet).
	LastStep uint64
	// LastUsed is when the last code was accepted (zero: never).
	LastUsed time.Time
	// Failures counts wrong codes since the last success or unlock, or
	// since the previous lockout expired. It is not reset when a lockout
	// starts, so while locked it tells how many failures led to the lock.
	Failures int
	// LockedUntil is the end of the current lockout; zero or in the past
	// means not locked.
	LockedUntil time.Time
}

// Locked reports whether the user is locked out at now.
func (s UserState) Locked(now time.Time) bool {
	return now.Before(s.LockedUntil)
}

// Lockout says how many wrong codes lock a user out, and for how long.
// Both must be positive.
type Lockout struct {
	MaxFailures int
	Duration    time.Duration
}

// Store keeps enrollments, replay state and failure counters. Every
// method is safe for concurrent use. Each write is atomic: its checks and
// the change they justify happen in one transaction.
//
// When ctx is cancelled while a write waits for its commit, the method
// returns ctx.Err() but the write may still have been committed. A ctx
// that is already cancelled when the method is called writes nothing.
type Store interface {
	// Get returns what is known about user. A user with nothing stored
	// gets a zero UserState with User set and a nil Enrollment, not an
	// error.
	Get(ctx context.Context, user string) (UserState, error)

	// Enroll stores e as the user's only enrollment, replacing any
	// previous one atomically. It assigns and returns a new e.ID and
	// resets LastStep and LastUsed; failures and lockout are untouched.
	Enroll(ctx context.Context, e Enrollment) (uint64, error)

	// AcceptStep records that user authenticated with time step step of
	// the enrollment enrollmentID. It returns ErrNotFound when the user
	// has no enrollment or another one than enrollmentID (re-registered
	// meanwhile), ErrLocked when the user is locked out at now, and
	// ErrReplay when step is not newer than the last accepted step.
	// Otherwise it sets LastStep to step and LastUsed to now, and clears
	// failures and lockout.
	AcceptStep(ctx context.Context, user string, enrollmentID uint64, step uint64, now time.Time) error

	// RecordFailure counts one wrong code for user, enrolled or not, and
	// returns the resulting state. A lockout that has expired at now is
	// cleared and the count restarts from zero first. When the count
	// reaches l.MaxFailures the user is locked out until now+l.Duration;
	// failures recorded while locked are counted but do not extend the
	// lockout.
	RecordFailure(ctx context.Context, user string, now time.Time, l Lockout) (UserState, error)

	// Unlock clears the user's failure count and lockout. Unlocking a
	// user with nothing stored succeeds.
	Unlock(ctx context.Context, user string) error

	// Delete removes everything stored about user: enrollment, last step,
	// failures (the helpdesk "reset"). It returns ErrNotFound when
	// nothing was stored.
	Delete(ctx context.Context, user string) error

	// List calls fn for every user with any stored state, in ascending
	// byte order of the user id, and stops at the first error fn returns,
	// returning it. fn runs outside any transaction and may call the
	// Store; the listing is not one snapshot.
	List(ctx context.Context, fn func(UserState) error) error

	// Close finishes the writes already submitted and releases the
	// store. Calls after Close return ErrClosed.
	Close() error
}
