package totp

import (
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"time"
)

// Step returns the RFC 6238 time step of t: floor(unix seconds / period)
// with T0 = 0. Only the whole seconds of period count; a period under one
// second counts as DefaultPeriod. Times before 1970 are step 0.
func Step(t time.Time, period time.Duration) uint64 {
	secs := int64(period / time.Second)
	if secs < 1 {
		secs = int64(DefaultPeriod / time.Second)
	}
	unix := t.Unix()
	if unix < 0 {
		return 0
	}
	return uint64(unix / secs)
}

// Code returns the RFC 4226 HOTP value of step (the TOTP code for that time
// step), zero-padded to p.Digits. It returns "" when p fails Validate or the
// secret is shorter than MinSecretBytes; "" never verifies.
func Code(secret []byte, step uint64, p Params) string {
	h, ok := newHOTP(secret, p)
	if !ok {
		return ""
	}
	var out [maxDigits]byte
	h.code(step, out[:h.digits])
	return string(out[:h.digits])
}

// hotp computes codes for one secret. It reuses one HMAC and its buffers,
// so walking a window costs a fixed number of allocations, not one per step.
type hotp struct {
	mac    hash.Hash
	digits int
	msg    [8]byte
	sum    [sha512.Size]byte
}

// newHOTP prepares codes for secret under p (defaults applied). It reports
// false, failing closed, for invalid parameters or a too short secret.
func newHOTP(secret []byte, p Params) (*hotp, bool) {
	p = p.WithDefaults()
	if p.Validate() != nil || len(secret) < MinSecretBytes {
		return nil, false
	}
	return &hotp{mac: hmac.New(p.Algorithm.hash(), secret), digits: p.Digits}, true
}

// code writes the code of step as ASCII digits into out, which must be
// h.digits long (RFC 4226 §5.3 dynamic truncation).
func (h *hotp) code(step uint64, out []byte) {
	binary.BigEndian.PutUint64(h.msg[:], step)
	h.mac.Reset()
	h.mac.Write(h.msg[:])
	sum := h.mac.Sum(h.sum[:0])
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = '0' + byte(v%10)
		v /= 10
	}
}

// matches reports whether want (h.digits ASCII digits) is the code of
// step, comparing in constant time.
func (h *hotp) matches(step uint64, want []byte) bool {
	var got [maxDigits]byte
	h.code(step, got[:h.digits])
	return subtle.ConstantTimeCompare(got[:h.digits], want) == 1
}

// parseCode copies code into a fixed buffer if it is exactly digits ASCII
// digits. Anything else (other lengths, signs, spaces, non-ASCII digits
// such as "１２３４５６") is rejected.
func parseCode(code string, digits int) ([maxDigits]byte, bool) {
	var in [maxDigits]byte
	if len(code) != digits || digits > maxDigits {
		return in, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return in, false
		}
		in[i] = code[i]
	}
	return in, true
}
