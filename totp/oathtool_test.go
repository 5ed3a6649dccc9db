package totp_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// oathtoolCodes asks oathtool (OATH Toolkit, an independent implementation)
// for the codes of the step of at and the next window steps.
func oathtoolCodes(t *testing.T, bin, secretB32 string, at time.Time, window int, p totp.Params) []string {
	t.Helper()
	args := []string{
		"--totp=" + strings.ToLower(string(p.Algorithm)),
		fmt.Sprintf("--digits=%d", p.Digits),
		fmt.Sprintf("--time-step-size=%ds", int(p.Period/time.Second)),
		fmt.Sprintf("--window=%d", window),
		"--now=@" + fmt.Sprint(at.Unix()),
		"-b", secretB32,
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("oathtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.Fields(string(out))
}

func TestCodeMatchesOathtool(t *testing.T) {
	bin := requireTool(t, "oathtool", "oathtool")
	random, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"JBSWY3DPEHPK3PXP (10 bytes)": mustDecode(t, "JBSWY3DPEHPK3PXP"),
		"random 20 bytes":             random,
		"RFC SHA512 seed (64 bytes)":  []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	times := []time.Time{time.Unix(1111111109, 0), time.Unix(1767225599, 0), time.Now()}
	var params []totp.Params
	for _, alg := range []totp.Algorithm{totp.SHA1, totp.SHA256, totp.SHA512} {
		for _, digits := range []int{6, 8} {
			params = append(params, totp.Params{Digits: digits, Period: 30 * time.Second, Algorithm: alg})
		}
	}
	params = append(params, totp.Params{Digits: 6, Period: 60 * time.Second, Algorithm: totp.SHA1})

	for name, secret := range secrets {
		b32 := totp.EncodeSecret(secret)
		for _, p := range params {
			for _, at := range times {
				codes := oathtoolCodes(t, bin, b32, at, 2, p)
				if len(codes) != 3 {
					t.Fatalf("oathtool printed %q, want 3 codes", codes)
				}
				step := totp.Step(at, p.Period)
				for i, want := range codes {
					if got := totp.Code(secret, step+uint64(i), p); got != want {
						t.Errorf("%s %+v at %d step+%d: Code %q, oathtool %q (secret %s)", name, p, at.Unix(), i, got, want, b32)
					}
				}
				// A code from an independent generator is accepted at its
				// step, one step ahead of now (skew 1).
				if got, res := totp.Verify(secret, codes[1], at, 0, 1, p); res != totp.Valid || got != step+1 {
					t.Errorf("%s %+v at %d: Verify(oathtool's next code) = (%d, %s), want (%d, valid)", name, p, at.Unix(), got, res, step+1)
				}
			}
		}
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := totp.DecodeSecret(s)
	if err != nil {
		t.Fatalf("DecodeSecret(%q): %v", s, err)
	}
	return b
}
