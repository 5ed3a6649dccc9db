package totp_test

import (
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// BenchmarkVerify is one authentication: a valid code, skew 1 (three
// candidate steps), SHA1, 6 digits.
func BenchmarkVerify(b *testing.B) {
	now := time.Unix(1767225600, 0)
	code := totp.Code(rfcSeed, totp.Step(now, 30*time.Second)+1, totp.Params{})
	b.ReportAllocs()
	for b.Loop() {
		if _, res := totp.Verify(rfcSeed, code, now, 0, 1, totp.Params{}); res != totp.Valid {
			b.Fatal(res)
		}
	}
}

// BenchmarkVerifyWrongCode walks the whole window without a match, the
// path an attacker guessing codes drives.
func BenchmarkVerifyWrongCode(b *testing.B) {
	now := time.Unix(1767225600, 0)
	b.ReportAllocs()
	for b.Loop() {
		totp.Verify(rfcSeed, "000000", now, 0, 1, totp.Params{})
	}
}

// BenchmarkVerifyMaxSkew walks 2*MaxSkew+1 steps: the allocations must be
// those of BenchmarkVerify (one HMAC per call, none per step).
func BenchmarkVerifyMaxSkew(b *testing.B) {
	now := time.Unix(1767225600, 0)
	b.ReportAllocs()
	for b.Loop() {
		totp.Verify(rfcSeed, "000000", now, 0, totp.MaxSkew, totp.Params{})
	}
}

// BenchmarkCode makes one 6-digit SHA1 code.
func BenchmarkCode(b *testing.B) {
	b.ReportAllocs()
	var step uint64
	for b.Loop() {
		step++
		totp.Code(rfcSeed, step, totp.Params{})
	}
}
