package totp

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ErrInvalidParams is returned (wrapped) by Params.Validate when the code
// length, period or algorithm is not one that authenticator apps support.
var ErrInvalidParams = errors.New("invalid totp parameters")

// Algorithm names the HMAC hash of RFC 6238: "SHA1", "SHA256" or "SHA512".
// Most apps (Microsoft Authenticator among them) only implement SHA1.
type Algorithm string

// Algorithms understood by Code and Verify.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Defaults used by Params.WithDefaults: what every authenticator app
// understands.
const (
	DefaultDigits    = 6
	DefaultPeriod    = 30 * time.Second
	DefaultAlgorithm = SHA1
)

// maxDigits is the longest code Code can produce; buffers are sized by it.
const maxDigits = 8

// Params are the code parameters of one enrollment. The zero value means
// SHA1, 6 digits, 30 s.
type Params struct {
	Digits    int           // 6 (default when 0) or 8
	Period    time.Duration // 30s default when 0; whole seconds
	Algorithm Algorithm     // SHA1 default when ""
}

// WithDefaults returns p with each zero field replaced by its default.
func (p Params) WithDefaults() Params {
	if p.Digits == 0 {
		p.Digits = DefaultDigits
	}
	if p.Period == 0 {
		p.Period = DefaultPeriod
	}
	if p.Algorithm == "" {
		p.Algorithm = DefaultAlgorithm
	}
	return p
}

// Validate reports every problem of p after defaults are applied, wrapping
// ErrInvalidParams. Code and Verify refuse parameters that fail it.
func (p Params) Validate() error {
	p = p.WithDefaults()
	var errs []error
	if p.Digits != 6 && p.Digits != 8 {
		errs = append(errs, fmt.Errorf("%w: digits %d: must be 6 or 8", ErrInvalidParams, p.Digits))
	}
	if p.Period < time.Second || p.Period%time.Second != 0 {
		errs = append(errs, fmt.Errorf("%w: period %s: must be a whole number of seconds, at least 1s", ErrInvalidParams, p.Period))
	}
	if p.Algorithm.hash() == nil {
		errs = append(errs, fmt.Errorf("%w: algorithm %q: must be SHA1, SHA256 or SHA512", ErrInvalidParams, string(p.Algorithm)))
	}
	return errors.Join(errs...)
}

// hash returns the constructor of a's hash, or nil for an unknown name.
func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}
