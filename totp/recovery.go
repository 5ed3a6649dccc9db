package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
)

// Recovery code shape: three groups of four characters from a 32-letter
// alphabet, 60 random bits, e.g. "k7qm-2xbd-9rwe".
const (
	recoveryGroups    = 3
	recoveryGroupLen  = 4
	recoveryChars     = recoveryGroups * recoveryGroupLen
	recoverySaltBytes = 16
	// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or
	// u, so no character can be read as another. 32 letters = 5 bits each.
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
)

// RecoveryHashBytes is the length of a HashRecoveryCode result:
// a 16-byte salt followed by a SHA-256 digest.
const RecoveryHashBytes = recoverySaltBytes + sha256.Size

// MaxRecoveryCodes bounds how many codes NewRecoveryCodes makes at once.
const MaxRecoveryCodes = 100

// NewRecoveryCodes returns n distinct random recovery codes such as
// "k7qm-2xbd-9rwe": lower case, Crockford's unambiguous alphabet, 60 bits
// from crypto/rand each. n must be 1..MaxRecoveryCodes.
func NewRecoveryCodes(n int) ([]string, error) {
	if n < 1 || n > MaxRecoveryCodes {
		return nil, fmt.Errorf("recovery codes: count %d: must be 1..%d", n, MaxRecoveryCodes)
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes, nil
}

// newRecoveryCode returns one random code, groups joined by dashes.
func newRecoveryCode() (string, error) {
	var raw [recoveryChars]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("recovery code: %w", err)
	}
	var b strings.Builder
	for i, r := range raw {
		if i > 0 && i%recoveryGroupLen == 0 {
			b.WriteByte('-')
		}
		// 256 is a multiple of 32: the low five bits are uniform.
		b.WriteByte(recoveryAlphabet[r&31])
	}
	return b.String(), nil
}

// NormalizeRecoveryCode returns the form that is hashed and compared:
// lower case without spaces or dashes. Letters Crockford's alphabet leaves
// out are read as the digits they look like (o → 0, i and l → 1), so a
// code copied from paper by eye still matches.
func NormalizeRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '-':
			return -1
		case 'o', 'O':
			return '0'
		case 'i', 'I', 'l', 'L':
			return '1'
		}
		if 'A' <= r && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

// HashRecoveryCode returns what is stored for a recovery code: a random
// 16-byte salt followed by SHA-256(salt || normalized code). An empty
// code is refused so that no stored hash accepts empty input.
func HashRecoveryCode(code string) ([]byte, error) {
	norm := NormalizeRecoveryCode(code)
	if norm == "" {
		return nil, errors.New("recovery code: empty")
	}
	out := make([]byte, recoverySaltBytes, RecoveryHashBytes)
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("recovery code salt: %w", err)
	}
	return append(out, recoveryDigest(out, norm)...), nil
}

// CheckRecoveryCode reports whether code, normalized, is the code hash was
// made from. The digest comparison is constant-time; a malformed hash or an
// empty code never matches.
func CheckRecoveryCode(hash []byte, code string) bool {
	norm := NormalizeRecoveryCode(code)
	if len(hash) != RecoveryHashBytes || norm == "" {
		return false
	}
	salt := hash[:recoverySaltBytes]
	want := recoveryDigest(salt, norm)
	return subtle.ConstantTimeCompare(hash[recoverySaltBytes:], want) == 1
}

// recoveryDigest returns SHA-256(salt || norm).
func recoveryDigest(salt []byte, norm string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(norm))
	return h.Sum(nil)
}

// IsRecoveryCode reports whether s has the shape of a recovery code once
// normalized (twelve letters of the alphabet, dashes and spaces ignored),
// so a caller can tell one from a TOTP code without checking any hash.
func IsRecoveryCode(s string) bool {
	norm := NormalizeRecoveryCode(s)
	if len(norm) != recoveryChars {
		return false
	}
	for i := 0; i < len(norm); i++ {
		if !strings.ContainsRune(recoveryAlphabet, rune(norm[i])) {
			return false
		}
	}
	return true
}
