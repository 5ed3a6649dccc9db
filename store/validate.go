package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Limits on what Enroll accepts. They keep every record small and
// encodable, so that a write can fail only for a reason of the disk.
const (
	maxSecretLen = 1024
	maxDigits    = 10
	maxUserLen   = 1024
)

func validateUser(user string) error {
	if problem := userProblem(user); problem != "" {
		return fmt.Errorf("store: %s", problem)
	}
	return nil
}

func userProblem(user string) string {
	if user == "" || len(user) > min(maxUserLen, bolt.MaxKeySize) {
		return fmt.Sprintf("invalid user id of %d bytes (want 1 to %d)", len(user), maxUserLen)
	}
	return ""
}

// validateEnrollment checks what Enroll is given; the error names the
// field, never the secret.
func validateEnrollment(e Enrollment) error {
	if err := validateUser(e.User); err != nil {
		return err
	}
	if problem := enrollmentProblem(e); problem != "" {
		return fmt.Errorf("store: invalid enrollment for user %q: %s", e.User, problem)
	}
	return nil
}

// enrollmentProblem describes what is wrong with e, "" if nothing.
func enrollmentProblem(e Enrollment) string {
	if problem := userProblem(e.User); problem != "" {
		return problem
	}
	if problem := paramsProblem(e.Secret, e.Digits, e.Period, e.Algorithm); problem != "" {
		return problem
	}
	if !representable(e.CreatedAt) {
		return fmt.Sprintf("created at %s (outside the years 1678 to 2262)", e.CreatedAt)
	}
	return ""
}

// paramsProblem checks what enrollments and pending enrollments share.
func paramsProblem(secret []byte, digits int, period time.Duration, algorithm string) string {
	switch {
	case len(secret) == 0 || len(secret) > maxSecretLen:
		return fmt.Sprintf("secret of %d bytes (want 1 to %d)", len(secret), maxSecretLen)
	case digits <= 0 || digits > maxDigits:
		return fmt.Sprintf("digits %d (want 1 to %d)", digits, maxDigits)
	case period <= 0:
		return fmt.Sprintf("period %s (want a positive duration)", period)
	case algorithm != "SHA1" && algorithm != "SHA256" && algorithm != "SHA512":
		return fmt.Sprintf("algorithm %q (want SHA1, SHA256 or SHA512)", algorithm)
	}
	return ""
}

// representable reports whether t survives being stored as Unix
// nanoseconds (the zero time stands for itself).
func representable(t time.Time) bool {
	return t.IsZero() || time.Unix(0, t.UnixNano()).Equal(t)
}

// validatePending checks what SetPending is given; the error names the
// field, never the secret.
func validatePending(p Pending) error {
	if err := validateUser(p.User); err != nil {
		return err
	}
	problem := paramsProblem(p.Secret, p.Digits, p.Period, p.Algorithm)
	switch {
	case problem != "":
	case p.CreatedAt.IsZero() || !representable(p.CreatedAt):
		problem = fmt.Sprintf("created at %s (want a time in the years 1678 to 2262)", p.CreatedAt)
	case !representable(p.ExpiresAt) || !p.ExpiresAt.After(p.CreatedAt):
		problem = fmt.Sprintf("expires at %s (want after created at %s, before 2262)", p.ExpiresAt, p.CreatedAt)
	}
	if problem != "" {
		return fmt.Errorf("store: invalid pending enrollment for user %q: %s", p.User, problem)
	}
	return nil
}

// validateRecovery checks what SetRecoveryCodes is given.
func validateRecovery(user string, hashes [][]byte) error {
	if err := validateUser(user); err != nil {
		return err
	}
	if len(hashes) > MaxRecoveryCodes {
		return fmt.Errorf("store: user %q: %d recovery codes (want at most %d)", user, len(hashes), MaxRecoveryCodes)
	}
	for i, h := range hashes {
		if len(h) == 0 || len(h) > MaxRecoveryHashLen {
			return fmt.Errorf("store: user %q: recovery code hash %d of %d bytes (want 1 to %d)", user, i, len(h), MaxRecoveryHashLen)
		}
	}
	return nil
}
