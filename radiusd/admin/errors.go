package admin

import (
	"errors"
	"fmt"
)

// Errors of admin actions, wrapped with their own message; test them with
// errors.Is. Client returns the same ones for what the daemon answered.
var (
	// ErrNotFound means there is nothing stored about the user (reset).
	ErrNotFound = errors.New("admin: nothing stored for the user")
	// ErrUnknownUser means the directory does not know a user that must
	// exist there (enroll, recovery codes).
	ErrUnknownUser = errors.New("admin: user not found in the directory")
	// ErrDirectory means the directory could not be asked (LDAP down).
	ErrDirectory = errors.New("admin: directory unavailable")
	// ErrInvalid means the request itself is wrong: an empty user name,
	// an unknown format or column.
	ErrInvalid = errors.New("admin: invalid request")
	// ErrBadLines means an import found bad lines and imported nothing.
	ErrBadLines = errors.New("admin: import has bad lines")
	// ErrNoDaemon means no daemon answers on the admin socket (Dial), or
	// there is none to reload (Local).
	ErrNoDaemon = errors.New("admin: no daemon is running")
	// ErrForbidden means the socket's peer is not allowed in.
	ErrForbidden = errors.New("admin: not allowed")
)

// kindError is an error with a message of its own that matches its
// sentinel with errors.Is.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// fail returns an error matching kind with the formatted message.
func fail(kind error, format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: kind}
}
