package store

import "errors"

// Errors returned by the store, wrapped with context; test them with
// errors.Is.
var (
	// ErrNotFound means the user has no enrollment (or not the one asked
	// for), or nothing stored at all for Delete.
	ErrNotFound = errors.New("store: not found")
	// ErrReplay means the time step is not newer than the last accepted one.
	ErrReplay = errors.New("store: time step already used")
	// ErrEmbargoed means the time step began before the end of the lease
	// an unclean shutdown left (lease.go): it may have been used in a
	// login the crash lost. It matches ErrReplay too.
	ErrEmbargoed = newOpenError("store: time step began before the lease an unclean shutdown left", ErrReplay)
	// ErrNoMatch means no stored recovery code matches (or the user has
	// none).
	ErrNoMatch = errors.New("store: no matching recovery code")
	// ErrLocked means the user is locked out after too many wrong codes.
	ErrLocked = errors.New("store: user is locked out")
	// ErrInUse means another process holds the database file lock.
	ErrInUse = errors.New("store: database is in use by another process")
	// ErrWrongKey means the encryption key cannot open this database's
	// secrets.
	ErrWrongKey = errors.New("store: encryption key does not match this database")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("store: closed")
	// ErrCorrupt means a stored record cannot be decoded, or a sealed
	// secret does not open for the user it is stored under.
	ErrCorrupt = errors.New("store: corrupt record")
)

// openError is an error with its own message that still matches the
// sentinel it stands for (and the cause, if any) with errors.Is.
type openError struct {
	msg  string
	errs []error
}

func (e *openError) Error() string   { return e.msg }
func (e *openError) Unwrap() []error { return e.errs }

func newOpenError(msg string, errs ...error) error {
	return &openError{msg: msg, errs: errs}
}
