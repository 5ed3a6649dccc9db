package totp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/totp"
)

func TestNewSecret(t *testing.T) {
	a, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 20 || len(b) != 20 {
		t.Fatalf("secrets of %d and %d bytes, want 20", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatal("two new secrets are equal")
	}
}

func TestEncodeSecret(t *testing.T) {
	if got := totp.EncodeSecret([]byte("Hello!\xde\xad\xbe\xef")); got != "JBSWY3DPEHPK3PXP" {
		t.Errorf("EncodeSecret = %q, want JBSWY3DPEHPK3PXP", got)
	}
	// 20 bytes encode to 32 characters, no padding; 32 bytes to 52.
	if got := totp.EncodeSecret(make([]byte, 32)); len(got) != 52 || strings.Contains(got, "=") {
		t.Errorf("EncodeSecret(32 bytes) = %q, want 52 characters without '='", got)
	}
}

func TestDecodeSecretAcceptsWhatPeopleType(t *testing.T) {
	want := []byte("Hello!\xde\xad\xbe\xef")
	for _, s := range []string{
		"JBSWY3DPEHPK3PXP",
		"jbswy3dpehpk3pxp",
		"JBSW Y3DP EHPK 3PXP",
		"jbsw-y3dp-ehpk-3pxp",
		" JBSW  Y3DP\tEHPK\n3PXP ",
	} {
		got, err := totp.DecodeSecret(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("DecodeSecret(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	// Padding: a 32-byte secret is 52 characters plus four '='.
	secret := bytes.Repeat([]byte{0xa5}, 32)
	for _, s := range []string{totp.EncodeSecret(secret), totp.EncodeSecret(secret) + "===="} {
		if got, err := totp.DecodeSecret(s); err != nil || !bytes.Equal(got, secret) {
			t.Errorf("DecodeSecret(%q) = %x, %v; want %x", s, got, err, secret)
		}
	}
}

func TestDecodeSecretRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"JBSWY3DPEHPK3PX1",  // 1 is not base32
		"JBSWY3DPEHPK3PX0",  // neither is 0
		"JBSWY3DPEHPK3PX8",  // nor 8
		"JBSWY3DPEHPK3PXP!", // punctuation
		"JBSWY3DP=EHPK3PXP", // padding in the middle
		"JBSWY3DPEHPK3PXPA", // impossible length (17 characters)
		"JBSWY3DPEHPK3PＸP",  // full-width letter
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZB", // stray low bits in the last character
		"JBSWY3DPEHPK3P",         // 8 bytes: under 80 bits
		"GEZDGNBVGY3TQOJQGEZ",    // impossible length (19 characters)
		"GEZDGNBVGY3TQOJQGEZDGN", // impossible length (22 characters)
	} {
		got, err := totp.DecodeSecret(s)
		if err == nil {
			t.Errorf("DecodeSecret(%q) = %x, want an error", s, got)
			continue
		}
		if !errors.Is(err, totp.ErrInvalidSecret) {
			t.Errorf("DecodeSecret(%q) error %v does not wrap ErrInvalidSecret", s, err)
		}
		if len(s) > 4 && strings.Contains(err.Error(), s) {
			t.Errorf("DecodeSecret(%q) error %q repeats the secret", s, err)
		}
	}
	// Exactly 80 bits is enough.
	if _, err := totp.DecodeSecret("JBSWY3DPEHPK3PXP"); err != nil {
		t.Errorf("10-byte secret: %v", err)
	}
}

func TestFormatSecret(t *testing.T) {
	for in, want := range map[string]string{
		"JBSWY3DPEHPK3PXP":     "JBSW Y3DP EHPK 3PXP",
		"jbsw-y3dp ehpk3pxp==": "JBSW Y3DP EHPK 3PXP",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA": "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ GEZA",
		"ABCDEF": "ABCD EF",
		"":       "",
	} {
		if got := totp.FormatSecret(in); got != want {
			t.Errorf("FormatSecret(%q) = %q, want %q", in, got, want)
		}
	}
	// What FormatSecret shows decodes to the same secret.
	secret, _ := totp.NewSecret()
	if got, err := totp.DecodeSecret(totp.FormatSecret(totp.EncodeSecret(secret))); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("formatted secret decodes to %x, %v; want %x", got, err, secret)
	}
}
