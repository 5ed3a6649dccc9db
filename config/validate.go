package config

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxAttributeLen is the most a RADIUS attribute value holds (RFC 2865 §5).
const maxAttributeLen = 253

// Validate checks every rule a usable configuration follows and returns
// an *Error listing every problem, or nil. It reads the files the daemon
// would need at once (ldap.ca_file, enroll TLS files); Load calls it after
// reading the secret files.
func (c *Config) Validate() error {
	var ck checker
	ck.radius(&c.Radius)
	ck.ldap(&c.LDAP)
	ck.totp(&c.TOTP)
	ck.policy(&c.Policy, &c.Radius, &c.LDAP)
	ck.lockout(&c.Lockout)
	ck.enroll(&c.Enroll)
	ck.storeAndAdmin(&c.Store, &c.Admin)
	ck.messages(&c.Messages)
	ck.log(&c.Log)
	return newError(ck.problems)
}

// checker collects the problems Validate finds.
type checker struct {
	problems []Problem
}

func (ck *checker) add(key, format string, args ...any) {
	ck.problems = append(ck.problems, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// required adds "missing (hint)" when value is empty.
func (ck *checker) required(key, value, hint string) bool {
	if value != "" {
		return true
	}
	if hint == "" {
		ck.add(key, "missing")
	} else {
		ck.add(key, "missing (%s)", hint)
	}
	return false
}

// oneOf checks that value is one of allowed.
func (ck *checker) oneOf(key, value string, allowed ...string) {
	switch {
	case slices.Contains(allowed, value):
	case value == "":
		ck.add(key, "missing (one of %s)", strings.Join(allowed, ", "))
	default:
		ck.add(key, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

// hostPort checks a listen address such as 0.0.0.0:1812 or [::]:1812.
func (ck *checker) hostPort(key, value, example string) {
	host, port, err := net.SplitHostPort(value)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil || strings.ContainsAny(host, " /") {
		ck.add(key, "%q is not host:port (e.g. %s)", value, example)
	}
}

// positive checks that a duration is more than zero.
func (ck *checker) positive(key string, d time.Duration) {
	if d <= 0 {
		ck.add(key, "%s is not positive", d)
	}
}

// between checks that n is in [lo, hi].
func (ck *checker) between(key string, n, lo, hi int) {
	if n < lo || n > hi {
		ck.add(key, "%d is not between %d and %d", n, lo, hi)
	}
}

// fitsAttribute checks that value fits in one RADIUS attribute.
func (ck *checker) fitsAttribute(key, value, attribute string) {
	if len(value) > maxAttributeLen {
		ck.add(key, "is %d bytes long (a %s holds at most %d)", len(value), attribute, maxAttributeLen)
	}
}

// readable reads the file at path, adding a problem when it cannot.
func (ck *checker) readable(key, path string) ([]byte, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		ck.add(key, "%s", describeFileError(path, err))
		return nil, false
	}
	return data, true
}
