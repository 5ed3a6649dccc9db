package radiusd

import (
	"testing"
	"time"
)

func TestSplitAppend(t *testing.T) {
	tests := []struct {
		in         string
		digits     int
		pass, code string
		ok         bool
	}{
		{"secret123456", 6, "secret", "123456", true},
		{"p@ss wörd 1123456", 6, "p@ss wörd 1", "123456", true},
		{"secret12345678", 8, "secret", "12345678", true},
		{"123456", 6, "", "", false},       // no password left
		{"secret12345a", 6, "", "", false}, // not all digits
		{"secret", 6, "", "", false},
		{"secret１２３４５６", 6, "", "", false}, // full-width digits are not a code
		{"", 6, "", "", false},
	}
	for _, tt := range tests {
		p, c, ok := splitAppend(tt.in, tt.digits)
		if p != tt.pass || c != tt.code || ok != tt.ok {
			t.Errorf("splitAppend(%q, %d) = %q, %q, %v; want %q, %q, %v", tt.in, tt.digits, p, c, ok, tt.pass, tt.code, tt.ok)
		}
	}
}

func TestPlausiblePassword(t *testing.T) {
	for _, p := range []string{"alice-pass", "p@ss wörd 1", "パスワード123456", ""} {
		if !plausiblePassword(p) {
			t.Errorf("plausiblePassword(%q) = false", p)
		}
	}
	for _, p := range []string{"\x01\x9a\xff", "abc\x00def", "ab\x1bc", string([]byte{0xc3, 0x28})} {
		if plausiblePassword(p) {
			t.Errorf("plausiblePassword(%q) = true", p)
		}
	}
}

func TestMinutesLeft(t *testing.T) {
	for d, want := range map[time.Duration]int{time.Second: 1, time.Minute: 1, 61 * time.Second: 2, 15 * time.Minute: 15} {
		if got := minutesLeft(d); got != want {
			t.Errorf("minutesLeft(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestSplitAppendedRecovery(t *testing.T) {
	tests := []struct {
		in, pass, code string
		ok             bool
	}{
		{"alice-passk7qm-2xbd-9rwe", "alice-pass", "k7qm-2xbd-9rwe", true},
		{"alice-passK7QM-2XBD-9RWE", "alice-pass", "K7QM-2XBD-9RWE", true},
		{"k7qm-2xbd-9rwe", "", "", false},           // no password
		{"alice-passk7qm2xbd9rwe", "", "", false},   // without dashes it could be the password
		{"alice-pass123456", "", "", false},         // a TOTP code
		{"alice-passk7qm-2xbd-9rw!", "", "", false}, // not the alphabet
		{"alice-pass-k7qm-2xbd-9rw", "", "", false}, // dashes in the wrong place
	}
	for _, tt := range tests {
		p, c, ok := splitAppendedRecovery(tt.in)
		if p != tt.pass || c != tt.code || ok != tt.ok {
			t.Errorf("splitAppendedRecovery(%q) = %q, %q, %v", tt.in, p, c, ok)
		}
	}
}

func TestJoinSentences(t *testing.T) {
	tests := [][3]string{
		{"Wrong code: check your phone", "Enter the code", "Wrong code: check your phone. Enter the code"},
		{"Wrong code.", "Enter the code", "Wrong code. Enter the code"},
		{"確認コードが正しくありません。", "コードを入力してください。", "確認コードが正しくありません。コードを入力してください。"},
		{"", "Enter the code", "Enter the code"},
	}
	for _, tt := range tests {
		if got := joinSentences(tt[0], tt[1]); got != tt[2] {
			t.Errorf("joinSentences(%q, %q) = %q", tt[0], tt[1], got)
		}
	}
}
