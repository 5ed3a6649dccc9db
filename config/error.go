package config

import (
	"errors"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every *Error: the configuration
// cannot be used and nothing of it should be applied.
var ErrInvalid = errors.New("invalid configuration")

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Key is the YAML key path, such as radius.clients[1].address; empty
	// for a problem with the file as a whole.
	Key string
	// Message says what is wrong and quotes the value found (never the
	// value of a secret).
	Message string
}

// String renders the problem as "key.path: message".
func (p Problem) String() string {
	if p.Key == "" {
		return p.Message
	}
	return p.Key + ": " + p.Message
}

// Error lists every problem found in a configuration, in the order of the
// keys in the file layout (the struct order of Config).
type Error struct {
	Problems []Problem
	// cause is the underlying error of a file that could not be read or
	// parsed, so errors.Is(err, fs.ErrNotExist) works.
	cause error
}

// Error renders one problem per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns ErrInvalid and, for an unreadable or unparsable file, the
// error that caused it.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalid, e.cause}
	}
	return []error{ErrInvalid}
}

// newError returns nil for no problems, else an *Error with the problems
// in key order (stable: problems of one key keep their order).
func newError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	sortProblems(problems)
	return &Error{Problems: problems}
}

// fileError is the *Error for a file that cannot be read or parsed.
func fileError(message string, cause error) *Error {
	return &Error{Problems: []Problem{{Message: message}}, cause: cause}
}
