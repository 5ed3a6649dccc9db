package totp_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// rfcSeed is the RFC 6238 SHA1 seed; rfcNow is an Appendix B instant in
// the middle of step 0x23523EC.
var (
	rfcSeed = []byte("12345678901234567890")
	rfcNow  = time.Unix(1111111109, 0)
)

const rfcStep = 0x23523EC

// codeAt is the 6-digit SHA1 code of step rfcStep+k.
func codeAt(k int) string {
	return totp.Code(rfcSeed, uint64(rfcStep+k), totp.Params{})
}

func TestVerifyWindowEdges(t *testing.T) {
	for skew := 0; skew <= 2; skew++ {
		for k := -skew - 1; k <= skew+1; k++ {
			step, res := totp.Verify(rfcSeed, codeAt(k), rfcNow, 0, skew, totp.Params{})
			inside := -skew <= k && k <= skew
			switch {
			case inside && (res != totp.Valid || step != uint64(rfcStep+k)):
				t.Errorf("skew %d, code of now%+d: got (%d, %s), want (%d, valid)", skew, k, step, res, rfcStep+k)
			case !inside && (res != totp.Invalid || step != 0):
				t.Errorf("skew %d, code of now%+d: got (%d, %s), want (0, invalid)", skew, k, step, res)
			}
		}
	}
}

func TestVerifyWholeStepIsOneWindow(t *testing.T) {
	first := time.Unix(rfcStep*30, 0)
	last := time.Unix(rfcStep*30+29, 999_999_999)
	for _, now := range []time.Time{first, last} {
		if step, res := totp.Verify(rfcSeed, codeAt(1), now, 0, 1, totp.Params{}); res != totp.Valid || step != rfcStep+1 {
			t.Errorf("at %s: got (%d, %s), want (%d, valid)", now.UTC(), step, res, rfcStep+1)
		}
		if _, res := totp.Verify(rfcSeed, codeAt(2), now, 0, 1, totp.Params{}); res != totp.Invalid {
			t.Errorf("at %s: code two steps ahead is %s, want invalid", now.UTC(), res)
		}
	}
	// Half a second into the next step the window has moved.
	next := time.Unix(rfcStep*30+30, 500_000_000)
	if _, res := totp.Verify(rfcSeed, codeAt(-1), next, 0, 1, totp.Params{}); res != totp.Invalid {
		t.Errorf("code of the step before the window is %s, want invalid", res)
	}
}

func TestVerifyReplay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		k        int
		lastStep uint64
		want     totp.Result
		wantStep uint64
	}{
		{"same code again", 0, rfcStep, totp.Reused, rfcStep},
		{"older code after newer", -1, rfcStep, totp.Reused, rfcStep - 1},
		{"next step after last", 1, rfcStep, totp.Valid, rfcStep + 1},
		{"current after previous", 0, rfcStep - 1, totp.Valid, rfcStep},
		{"last step in the future", 0, rfcStep + 5, totp.Reused, rfcStep},
	} {
		step, res := totp.Verify(rfcSeed, codeAt(tc.k), rfcNow, tc.lastStep, 1, totp.Params{})
		if res != tc.want || step != tc.wantStep {
			t.Errorf("%s: got (%d, %s), want (%d, %s)", tc.name, step, res, tc.wantStep, tc.want)
		}
	}
}

// collision finds two steps a < b, at most maxGap apart, with the same
// 6-digit code for rfcSeed. The search is deterministic; with maxGap 20
// the first pair comes after some 30,000 steps.
func collision(t *testing.T, maxGap uint64) (a, b uint64) {
	t.Helper()
	last := map[string]uint64{}
	for s := uint64(rfcStep); s < rfcStep+1_000_000; s++ {
		c := totp.Code(rfcSeed, s, totp.Params{})
		if prev, ok := last[c]; ok && s-prev <= maxGap {
			return prev, s
		}
		last[c] = s
	}
	t.Fatalf("no two steps within %d share a code", maxGap)
	return 0, 0
}

// sharedCode finds a step a whose 6-digit code for rfcSeed is also the
// code of a+gap and not of the steps between. The search is
// deterministic; for gap 2 it ends after some 150,000 steps.
func sharedCode(t *testing.T, gap uint64) uint64 {
	t.Helper()
	code := func(s uint64) string { return totp.Code(rfcSeed, s, totp.Params{}) }
	for a := uint64(0); a < 5_000_000; a++ {
		if code(a) != code(a+gap) {
			continue
		}
		between := false
		for s := a + 1; s < a+gap; s++ {
			between = between || code(s) == code(a)
		}
		if !between {
			return a
		}
	}
	t.Fatalf("no two steps %d apart share a code", gap)
	return 0
}

// A code that is also the code of another step in the window counts for
// the step nearest to now, so the same digits still work for a login in
// the later step (an app shows the same code twice in a row about once in
// a million steps).
func TestVerifyChoosesNearestStep(t *testing.T) {
	a := sharedCode(t, 2)
	b := a + 2
	code := totp.Code(rfcSeed, a, totp.Params{})
	for _, tc := range []struct {
		name     string
		now      uint64
		skew     int
		lastStep uint64
		want     totp.Result
		wantStep uint64
	}{
		{"at the older step", a, 2, 0, totp.Valid, a},
		{"at the newer step", b, 2, 0, totp.Valid, b},
		{"between, equally near: the older", a + 1, 1, 0, totp.Valid, a},
		{"older step used: the newer", a, 2, a, totp.Valid, b},
		{"between, older used", a + 1, 1, a, totp.Valid, b},
		{"both used", a + 1, 1, b, totp.Reused, b},
	} {
		now := time.Unix(int64(tc.now)*30+15, 0)
		step, res := totp.Verify(rfcSeed, code, now, tc.lastStep, tc.skew, totp.Params{})
		if res != tc.want || step != tc.wantStep {
			t.Errorf("%s (steps %d and %d share a code, now %d, lastStep %d): got (%d, %s), want (%d, %s)",
				tc.name, a, b, tc.now, tc.lastStep, step, res, tc.wantStep, tc.want)
		}
	}
}

func TestVerifyRejectsMalformedCodes(t *testing.T) {
	good := codeAt(0)
	fullWidth := ""
	for _, r := range good {
		fullWidth += string(r - '0' + '０')
	}
	for _, code := range []string{
		"", good[:5], good + "0", " " + good, good + " ", good[:5] + "a",
		"+" + good[1:], "-" + good[1:], fullWidth, good[:3] + " " + good[3:],
		good[:5] + "\x00", "0x" + good[2:],
	} {
		if step, res := totp.Verify(rfcSeed, code, rfcNow, 0, 1, totp.Params{}); res != totp.Invalid || step != 0 {
			t.Errorf("Verify(%q) = (%d, %s), want (0, invalid)", code, step, res)
		}
	}
	if _, res := totp.Verify(rfcSeed, good, rfcNow, 0, 1, totp.Params{}); res != totp.Valid {
		t.Fatalf("the well-formed code is %s, want valid", res)
	}
}

func TestVerifyEightDigits(t *testing.T) {
	p8 := totp.Params{Digits: 8}
	code := totp.Code(rfcSeed, rfcStep, p8)
	if step, res := totp.Verify(rfcSeed, code, rfcNow, 0, 1, p8); res != totp.Valid || step != rfcStep {
		t.Errorf("8-digit code: got (%d, %s), want (%d, valid)", step, res, rfcStep)
	}
	if _, res := totp.Verify(rfcSeed, code[2:], rfcNow, 0, 1, p8); res != totp.Invalid {
		t.Errorf("its last 6 digits under Digits 8: %s, want invalid", res)
	}
	if _, res := totp.Verify(rfcSeed, code, rfcNow, 0, 1, totp.Params{}); res != totp.Invalid {
		t.Errorf("8 digits under Digits 6: %s, want invalid", res)
	}
}

// refHOTP is an independent RFC 4226 HOTP-SHA1, to build codes that Code
// refuses to make.
func refHOTP(secret []byte, step uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	binary.Write(mac, binary.BigEndian, step)
	sum := mac.Sum(nil)
	off := sum[19] & 0xf
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

func TestVerifyFailsClosed(t *testing.T) {
	if got, want := refHOTP(rfcSeed, rfcStep, 6), codeAt(0); got != want {
		t.Fatalf("reference HOTP %s, Code %s: the reference is wrong", got, want)
	}
	for _, tc := range []struct {
		name   string
		secret []byte
		digits int
		p      totp.Params
	}{
		{"empty secret", nil, 6, totp.Params{}},
		{"9-byte secret", rfcSeed[:9], 6, totp.Params{}},
		{"7 digits", rfcSeed, 7, totp.Params{Digits: 7}},
		{"unknown algorithm", rfcSeed, 6, totp.Params{Algorithm: "sha-1"}},
		{"fractional period", rfcSeed, 6, totp.Params{Period: 30*time.Second + time.Millisecond}},
	} {
		code := refHOTP(tc.secret, rfcStep, tc.digits)
		if step, res := totp.Verify(tc.secret, code, rfcNow, 0, 1, tc.p); res != totp.Invalid || step != 0 {
			t.Errorf("%s: got (%d, %s), want (0, invalid)", tc.name, step, res)
		}
	}
	if _, res := totp.Verify(rfcSeed, codeAt(1), rfcNow, 0, -1, totp.Params{}); res != totp.Invalid {
		t.Errorf("negative skew accepted the next step's code: %s", res)
	}
	if _, res := totp.Verify(rfcSeed, codeAt(0), rfcNow, 0, -1, totp.Params{}); res != totp.Valid {
		t.Errorf("negative skew rejected the current code: %s", res)
	}
}

func TestVerifyClampsSkew(t *testing.T) {
	edge, beyond := codeAt(totp.MaxSkew), codeAt(totp.MaxSkew+1)
	if _, res := totp.Verify(rfcSeed, edge, rfcNow, 0, 1_000_000, totp.Params{}); res != totp.Valid {
		t.Errorf("code %d steps ahead with a huge skew: %s, want valid", totp.MaxSkew, res)
	}
	if _, res := totp.Verify(rfcSeed, beyond, rfcNow, 0, 1_000_000, totp.Params{}); res != totp.Invalid {
		t.Errorf("code %d steps ahead with a huge skew: %s, want invalid", totp.MaxSkew+1, res)
	}
}

func TestVerifyNearEpoch(t *testing.T) {
	now := time.Unix(30, 0) // step 1
	code := totp.Code(rfcSeed, 1, totp.Params{})
	if step, res := totp.Verify(rfcSeed, code, now, 0, 2, totp.Params{}); res != totp.Valid || step != 1 {
		t.Errorf("got (%d, %s), want (1, valid)", step, res)
	}
}

func TestOffset(t *testing.T) {
	for _, tc := range []struct {
		k, maxSteps int
		want        int
		found       bool
	}{
		{-7, 10, -7, true},
		{3, 10, 3, true},
		{0, 10, 0, true},
		{10, 10, 10, true},
		{-11, 10, 0, false},
		{1, 0, 0, false},
		{0, -5, 0, true},
	} {
		got, found := totp.Offset(rfcSeed, codeAt(tc.k), rfcNow, tc.maxSteps, totp.Params{})
		if got != tc.want || found != tc.found {
			t.Errorf("code of now%+d within ±%d: got (%d, %t), want (%d, %t)", tc.k, tc.maxSteps, got, found, tc.want, tc.found)
		}
	}
	if _, found := totp.Offset(rfcSeed, "12a456", rfcNow, 10, totp.Params{}); found {
		t.Error("a malformed code has an offset")
	}
}

func TestResultString(t *testing.T) {
	for r, want := range map[totp.Result]string{totp.Invalid: "invalid", totp.Valid: "valid", totp.Reused: "reused", 42: "invalid"} {
		if got := r.String(); got != want {
			t.Errorf("Result(%d).String() = %q, want %q", int(r), got, want)
		}
	}
}

func TestOffsetPrefersClosestStep(t *testing.T) {
	a, b := collision(t, 1000)
	code := totp.Code(rfcSeed, a, totp.Params{})
	maxSteps := int(b - a)
	for _, tc := range []struct {
		now  uint64
		want int
	}{
		{b - 1, 1},                       // b is one step ahead, a far behind
		{a + 1, -1},                      // a is one step behind, b far ahead
		{a + (b-a)/2, -int((b - a) / 2)}, // a is closer, or a tie: the negative one
	} {
		now := time.Unix(int64(tc.now)*30, 0)
		got, found := totp.Offset(rfcSeed, code, now, maxSteps, totp.Params{})
		if !found || got != tc.want {
			t.Errorf("steps %d and %d share a code; at step %d: got (%d, %t), want (%d, true)", a, b, tc.now, got, found, tc.want)
		}
	}
}
