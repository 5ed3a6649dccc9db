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
	if user == "" || len(user) > min(maxUserLen, bolt.MaxKeySize) {
		return fmt.Errorf("store: invalid user id of %d bytes (want 1 to %d)", len(user), maxUserLen)
	}
	return nil
}

// validateEnrollment checks what Enroll is given; the error names the
// field, never the secret.
func validateEnrollment(e Enrollment) error {
	if err := validateUser(e.User); err != nil {
		return err
	}
	var problem string
	switch {
	case len(e.Secret) == 0 || len(e.Secret) > maxSecretLen:
		problem = fmt.Sprintf("secret of %d bytes (want 1 to %d)", len(e.Secret), maxSecretLen)
	case e.Digits <= 0 || e.Digits > maxDigits:
		problem = fmt.Sprintf("digits %d (want 1 to %d)", e.Digits, maxDigits)
	case e.Period <= 0:
		problem = fmt.Sprintf("period %s (want a positive duration)", e.Period)
	case e.Algorithm != "SHA1" && e.Algorithm != "SHA256" && e.Algorithm != "SHA512":
		problem = fmt.Sprintf("algorithm %q (want SHA1, SHA256 or SHA512)", e.Algorithm)
	case !e.CreatedAt.IsZero() && !time.Unix(0, e.CreatedAt.UnixNano()).Equal(e.CreatedAt):
		problem = fmt.Sprintf("created at %s (outside the years 1678 to 2262)", e.CreatedAt)
	}
	if problem != "" {
		return fmt.Errorf("store: invalid enrollment for user %q: %s", e.User, problem)
	}
	return nil
}
