package totp

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidSecret is returned (wrapped) by DecodeSecret for text that is
// not canonical base32 or that holds fewer than MinSecretBytes bytes.
var ErrInvalidSecret = errors.New("invalid totp secret")

// SecretBytes is the length of secrets made by NewSecret (160 bits, the
// HMAC-SHA1 output size recommended by RFC 4226 §4).
const SecretBytes = 20

// MinSecretBytes is the shortest secret DecodeSecret accepts (80 bits, the
// minimum of RFC 4226 §4).
const MinSecretBytes = 10

// b32 returns the encoding of secrets in otpauth:// URIs: RFC 4648
// base32, upper-case, without padding.
func b32() *base32.Encoding {
	return base32.StdEncoding.WithPadding(base32.NoPadding)
}

// NewSecret returns SecretBytes random bytes from crypto/rand.
func NewSecret() ([]byte, error) {
	b := make([]byte, SecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("new totp secret: %w", err)
	}
	return b, nil
}

// EncodeSecret returns b as upper-case base32 without padding, the form
// authenticator apps expect.
func EncodeSecret(b []byte) string {
	return b32().EncodeToString(b)
}

// DecodeSecret parses a base32 secret as a person may type it: lower-case,
// grouped with spaces or dashes, with or without '=' padding. It fails,
// wrapping ErrInvalidSecret, on any other character, on a length or final
// character that no encoder produces (a truncated or mistyped secret), and
// when the secret is shorter than MinSecretBytes. The error never contains
// the input.
func DecodeSecret(s string) ([]byte, error) {
	clean := strings.TrimRight(compactBase32(s), "=")
	b, err := b32().DecodeString(clean)
	if err != nil {
		// err quotes the offending offset only, never the secret.
		return nil, fmt.Errorf("%w: not base32: %v", ErrInvalidSecret, err)
	}
	// The decoder silently drops a trailing partial character; a length
	// no encoder makes, or stray low bits, means a mistyped secret.
	if b32().EncodeToString(b) != clean {
		return nil, fmt.Errorf("%w: truncated or mistyped base32 (%d characters)", ErrInvalidSecret, len(clean))
	}
	if len(b) < MinSecretBytes {
		return nil, fmt.Errorf("%w: %d bytes, need at least %d", ErrInvalidSecret, len(b), MinSecretBytes)
	}
	return b, nil
}

// FormatSecret groups a base32 secret in blocks of four for typing it into
// an app by hand: "JBSWY3DPEHPK3PXP" becomes "JBSW Y3DP EHPK 3PXP". Spaces,
// dashes and padding in s are dropped and letters upper-cased first.
func FormatSecret(s string) string {
	clean := strings.TrimRight(compactBase32(s), "=")
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/4)
	for i := 0; i < len(clean); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(clean[i:min(i+4, len(clean))])
	}
	return b.String()
}

// compactBase32 upper-cases s and removes the separators people type
// (spaces, tabs, line breaks and dashes).
func compactBase32(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n', '-':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}
