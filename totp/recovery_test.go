package totp_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/totp"
)

// recoveryFormat: three dash-separated groups of four from Crockford's
// lower-case alphabet (no i, l, o, u): 12 × 5 = 60 bits.
var recoveryFormat = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, err := totp.NewRecoveryCodes(totp.MaxRecoveryCodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != totp.MaxRecoveryCodes {
		t.Fatalf("got %d codes, want %d", len(codes), totp.MaxRecoveryCodes)
	}
	seen := map[string]bool{}
	used := map[rune]bool{}
	for _, c := range codes {
		if !recoveryFormat.MatchString(c) {
			t.Errorf("code %q is not like k7qm-2xbd-9rwe", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		for _, r := range strings.ReplaceAll(c, "-", "") {
			used[r] = true
		}
	}
	// 1200 random characters use every one of the 32 (a stuck generator
	// or a narrower alphabet would not).
	if len(used) != 32 {
		t.Errorf("codes use %d distinct characters, want all 32", len(used))
	}
	again, err := totp.NewRecoveryCodes(1)
	if err != nil || len(again) != 1 || seen[again[0]] {
		t.Errorf("a second call gave %q, %v: want one new code", again, err)
	}
	for _, n := range []int{0, -1, totp.MaxRecoveryCodes + 1} {
		if codes, err := totp.NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d) = %d codes, want an error", n, len(codes))
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	for in, want := range map[string]string{
		"k7qm-2xbd-9rwe":     "k7qm2xbd9rwe",
		"K7QM-2XBD-9RWE":     "k7qm2xbd9rwe",
		" k7qm 2xbd  9rwe\n": "k7qm2xbd9rwe",
		"k7qm2xbd9rwe":       "k7qm2xbd9rwe",
		"kOqm-2xbd-IrwL":     "k0qm2xbd1rw1", // read by eye: O is 0, I and L are 1
		"":                   "",
	} {
		if got := totp.NormalizeRecoveryCode(in); got != want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecoveryCodeHash(t *testing.T) {
	codes, err := totp.NewRecoveryCodes(2)
	if err != nil {
		t.Fatal(err)
	}
	code, other := codes[0], codes[1]
	h1, err := totp.HashRecoveryCode(code)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := totp.HashRecoveryCode(code)
	if err != nil {
		t.Fatal(err)
	}
	if len(h1) != totp.RecoveryHashBytes || bytes.Equal(h1, h2) {
		t.Fatalf("hashes %x and %x of one code: want %d bytes each, salted differently", h1, h2, totp.RecoveryHashBytes)
	}
	if bytes.Contains(h1, []byte(totp.NormalizeRecoveryCode(code))) {
		t.Fatal("the hash contains the code")
	}
	typed := strings.ToUpper(strings.ReplaceAll(code, "-", " "))
	for _, tc := range []struct {
		name  string
		hash  []byte
		input string
		want  bool
	}{
		{"as issued", h1, code, true},
		{"second hash", h2, code, true},
		{"typed in upper case with spaces", h1, typed, true},
		{"without dashes", h1, strings.ReplaceAll(code, "-", ""), true},
		{"another code", h1, other, false},
		{"one character off", h1, code[:len(code)-1] + flip(code[len(code)-1]), false},
		{"missing last character", h1, code[:len(code)-1], false},
		{"empty", h1, "", false},
		{"truncated hash", h1[:len(h1)-1], code, false},
		{"nil hash", nil, code, false},
		{"salt of another hash", append(append([]byte{}, h2[:16]...), h1[16:]...), code, false},
	} {
		if got := totp.CheckRecoveryCode(tc.hash, tc.input); got != tc.want {
			t.Errorf("%s: CheckRecoveryCode = %t, want %t", tc.name, got, tc.want)
		}
	}
	if h, err := totp.HashRecoveryCode(" - "); err == nil {
		t.Errorf("HashRecoveryCode of nothing = %x, want an error", h)
	}
}

// flip returns another character of the alphabet.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestIsRecoveryCode(t *testing.T) {
	codes, err := totp.NewRecoveryCodes(20)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if !totp.IsRecoveryCode(c) || !totp.IsRecoveryCode(strings.ToUpper(c)) || !totp.IsRecoveryCode(strings.ReplaceAll(c, "-", " ")) {
			t.Errorf("IsRecoveryCode(%q) = false", c)
		}
	}
	for _, s := range []string{"", "123456", "12345678", "k7qm-2xbd-9rw", "k7qm-2xbd-9rwe1", "k7qm-2xbd-9rw!", "k7qm-2xbd-9rwu"} {
		if totp.IsRecoveryCode(s) {
			t.Errorf("IsRecoveryCode(%q) = true", s)
		}
	}
}
