package totp

import (
	"math"
	"time"
)

// Result is the outcome of Verify.
type Result int

// Outcomes of Verify.
const (
	Invalid Result = iota // no code in the window matches
	Valid                 // matched a step newer than lastStep
	Reused                // matched only steps <= lastStep (replay)
)

// String returns "invalid", "valid" or "reused", for logs.
func (r Result) String() string {
	switch r {
	case Valid:
		return "valid"
	case Reused:
		return "reused"
	}
	return "invalid"
}

// Search bounds, so that a configuration mistake cannot turn one request
// into millions of HMACs.
const (
	// MaxSkew is the largest skew Verify honours (±5 minutes at 30 s);
	// a larger one counts as MaxSkew.
	MaxSkew = 10
	// MaxOffsetSteps bounds the search of Offset: a day of 30 s steps.
	MaxOffsetSteps = 2880
)

// Verify checks code against the steps from now-skew to now+skew (skew is
// clamped to 0..MaxSkew). It returns, with Valid, the matching step
// greater than lastStep nearest to now (the older of two equally near):
// the step the user's app most likely showed. A code that is also the
// code of a later step in the window (one chance in a million per step)
// so leaves that step to the login that comes in it, instead of refusing
// the same six digits there as already used. If the code matches only
// steps <= lastStep (a replay, RFC 6238 §5.2), Verify returns the newest
// of those with Reused; otherwise 0 and Invalid. The caller stores the
// returned step as the new lastStep on Valid, atomically with the check
// that it is still greater.
//
// code must be exactly p.Digits ASCII digits. Every candidate is computed
// and compared in constant time; invalid parameters or a secret shorter
// than MinSecretBytes give Invalid.
func Verify(secret []byte, code string, now time.Time, lastStep uint64, skew int, p Params) (uint64, Result) {
	p = p.WithDefaults()
	want, ok := parseCode(code, p.Digits)
	if !ok {
		return 0, Invalid
	}
	h, ok := newHOTP(secret, p)
	if !ok {
		return 0, Invalid
	}
	var valid, reused uint64
	var gotValid, gotReused bool
	nowStep := Step(now, p.Period)
	first, last := window(nowStep, skew)
	for s := first; ; s++ {
		if h.matches(s, want[:p.Digits]) {
			if s > lastStep {
				// Ascending order: on a tie the older one stays.
				if !gotValid || distance(s, nowStep) < distance(valid, nowStep) {
					valid, gotValid = s, true
				}
			} else {
				reused, gotReused = s, true
			}
		}
		if s == last {
			break
		}
	}
	switch {
	case gotValid:
		return valid, Valid
	case gotReused:
		return reused, Reused
	}
	return 0, Invalid
}

// Offset finds how many steps a device's clock is off: the signed offset k
// with |k| <= maxSteps (clamped to MaxOffsetSteps) whose step now+k has
// this code, the one closest to now (the negative one on a tie). -7 means
// the phone is about 3.5 minutes slow with 30 s steps. It is meant for a
// hint to the user after Verify failed, never to accept a code.
func Offset(secret []byte, code string, now time.Time, maxSteps int, p Params) (int, bool) {
	p = p.WithDefaults()
	want, ok := parseCode(code, p.Digits)
	if !ok {
		return 0, false
	}
	h, ok := newHOTP(secret, p)
	if !ok {
		return 0, false
	}
	maxSteps = min(max(maxSteps, 0), MaxOffsetSteps)
	nowStep := Step(now, p.Period)
	best, found := 0, false
	for k := -maxSteps; k <= maxSteps; k++ {
		if k < 0 && uint64(-k) > nowStep {
			continue // before the epoch
		}
		// uint64(k) wraps for k < 0, so the sum is nowStep-|k|.
		if h.matches(nowStep+uint64(k), want[:p.Digits]) && (!found || abs(k) < abs(best)) {
			best, found = k, true
		}
	}
	return best, found
}

// window returns the first and last step of [step-skew, step+skew], skew
// clamped to 0..MaxSkew, clipped to the range of uint64.
func window(step uint64, skew int) (first, last uint64) {
	d := uint64(min(max(skew, 0), MaxSkew))
	first, last = 0, math.MaxUint64
	if step >= d {
		first = step - d
	}
	if step <= math.MaxUint64-d {
		last = step + d
	}
	return first, last
}

// distance is how many steps apart a and b are.
func distance(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
