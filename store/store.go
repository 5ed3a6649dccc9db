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
	// RecoveryCodes is how many unused recovery codes the user has left.
	RecoveryCodes int
}

// Locked reports whether the user is locked out at now.
func (s UserState) Locked(now time.Time) bool {
	return now.Before(s.LockedUntil)
}

// Pending is a self-service registration waiting for its first code: a
// new secret shown to the user that becomes the active enrollment only
// when ConfirmPending is called. The previous enrollment, if any, stays
// active until then.
type Pending struct {
	// User is the canonical user id.
	User string
	// Secret holds the raw TOTP key bytes; sealed at rest like an
	// enrollment's secret, but under different additional data, so that
	// neither can be swapped for the other.
	Secret []byte
	// Digits is the code length.
	Digits int
	// Period is the length of one time step.
	Period time.Duration
	// Algorithm is "SHA1", "SHA256" or "SHA512".
	Algorithm string
	// CreatedAt identifies this pending enrollment: ConfirmPending is
	// given it to prove that the secret the caller verified is still the
	// pending one. Required.
	CreatedAt time.Time
	// ExpiresAt is when it stops being confirmable; it must be after
	// CreatedAt.
	ExpiresAt time.Time
}

// Limits on recovery codes as SetRecoveryCodes accepts them.
const (
	// MaxRecoveryCodes is the most recovery codes a user can hold.
	MaxRecoveryCodes = 100
	// MaxRecoveryHashLen is the longest hash of one recovery code.
	MaxRecoveryHashLen = 256
)

// Lockout says how many wrong codes lock a user out, and for how long.
// Both must be positive.
type Lockout struct {
	MaxFailures int
	Duration    time.Duration
}

// Store keeps enrollments, replay state, failure counters, recovery codes
// and pending enrollments. Every method is safe for concurrent use. Each
// write is atomic: its checks and the change they justify happen in one
// transaction.
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

	// AcceptStepAsync is AcceptStep without the wait: it queues the write
	// and returns a channel that receives AcceptStep's result once the
	// write is durable (or has failed). The write happens whether or not
	// the result is received, so a caller can do other work meanwhile.
	AcceptStepAsync(ctx context.Context, user string, enrollmentID uint64, step uint64, now time.Time) <-chan error

	// ReleaseStep takes back an AcceptStep of step for the enrollment
	// enrollmentID, for a login that failed afterwards for another
	// reason (its password was wrong), so that the same code can be used
	// again. The steps before step stay used: LastStep becomes step-1.
	// LastUsed goes back to before.LastUsed, and failures and lockout to
	// before's, unless failures have been counted since. before is the
	// user's state as read before the AcceptStep. When the last step
	// accepted is no longer step of enrollmentID (a later login, a new
	// registration), there is nothing to take back: it returns nil and
	// changes nothing.
	ReleaseStep(ctx context.Context, user string, enrollmentID uint64, step uint64, before UserState) error

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
	// failures, recovery codes and pending enrollment (the helpdesk
	// "reset"). It returns ErrNotFound when nothing was stored.
	Delete(ctx context.Context, user string) error

	// List calls fn for every user with an enrollment, failures or
	// recovery codes, in ascending byte order of the user id, and stops
	// at the first error fn returns, returning it. A user with only a
	// pending enrollment is not listed. fn runs outside any transaction
	// and may call the Store; the listing is not one snapshot.
	List(ctx context.Context, fn func(UserState) error) error

	// EnrollMany stores every enrollment in es as Enroll would, replacing
	// existing ones, all or nothing: if anything fails, nothing is
	// written. Every element is validated before anything is written;
	// the error names the index and user of the first bad one. A user may
	// appear only once in es. The ids assigned are not returned (Get
	// tells them).
	EnrollMany(ctx context.Context, es []Enrollment) error

	// SetRecoveryCodes replaces all of user's recovery codes with hashes
	// (each 1 to MaxRecoveryHashLen bytes, at most MaxRecoveryCodes of
	// them; none removes them all). It works whether or not the user is
	// enrolled, and re-enrolling keeps them. The store never sees a code,
	// only what the caller hashed.
	SetRecoveryCodes(ctx context.Context, user string, hashes [][]byte) error

	// UseRecoveryCode atomically finds the first stored hash for which
	// match returns true, removes it and records a successful login as
	// AcceptStep does (failures and lockout cleared, LastUsed set to now
	// when the user is enrolled; LastStep untouched). It returns the
	// number of codes left. It returns ErrLocked, consuming nothing, when
	// the user is locked out at now (whether or not the user has codes),
	// and ErrNoMatch when the user has no codes or none matches. match is called inside the write
	// transaction, possibly for every stored hash: it must be pure and
	// fast. A match that panics fails this call, not the store.
	UseRecoveryCode(ctx context.Context, user string, now time.Time, match func(hash []byte) bool) (int, error)

	// SetPending stores p as p.User's pending enrollment, replacing any
	// previous one (a reissue). The active enrollment is untouched.
	SetPending(ctx context.Context, p Pending) error

	// GetPending returns user's pending enrollment; ok is false when
	// there is none or it has expired at now.
	GetPending(ctx context.Context, user string, now time.Time) (p Pending, ok bool, err error)

	// ConfirmPending atomically makes user's pending enrollment the
	// active one, with the effects of Enroll (a new ID, replacing any
	// previous enrollment, failures untouched) and CreatedAt now, records
	// step as already used (LastStep step, LastUsed now) so the code that
	// confirmed it cannot be replayed, and removes the pending
	// enrollment. It returns ErrNotFound when there is no pending
	// enrollment, when it has expired at now, or when its CreatedAt is
	// not pendingCreatedAt (it was reissued since the caller read it).
	ConfirmPending(ctx context.Context, user string, pendingCreatedAt time.Time, step uint64, now time.Time) (Enrollment, error)

	// DeletePending removes user's pending enrollment, if any.
	DeletePending(ctx context.Context, user string) error

	// Close finishes the writes already submitted and releases the
	// store. Calls after Close return ErrClosed.
	Close() error
}
