package directory

import "errors"

// Sentinel errors, wrapped with context; test them with errors.Is.
var (
	// ErrConfig reports an ldap configuration New cannot use.
	ErrConfig = errors.New("invalid ldap configuration")
	// ErrUnavailable reports that no LDAP server answered: every dial
	// failed, the connection broke, or the server did not answer in time.
	ErrUnavailable = errors.New("ldap server unavailable")
	// ErrAmbiguous reports that the user filter matched several entries.
	ErrAmbiguous = errors.New("several ldap entries match")
	// ErrClosed reports use of a Client after Close.
	ErrClosed = errors.New("ldap client closed")
)
