package totp_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/radius2fa/radius2fa/totp"
)

func TestURIRoundTripsThroughPquerna(t *testing.T) {
	secret, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		issuer, account string
		p               totp.Params
		wantPrefix      string
		wantAlg         otp.Algorithm
	}{
		{"Example University", "alice", totp.Params{}, "otpauth://totp/Example%20University:alice?", otp.AlgorithmSHA1},
		{"東工大", "alice", totp.Params{}, "otpauth://totp/%E6%9D%B1%E5%B7%A5%E5%A4%A7:alice?", otp.AlgorithmSHA1},
		{"Example University", "山田 太郎@example.ac.jp", totp.Params{Digits: 8, Period: time.Minute, Algorithm: totp.SHA256},
			"otpauth://totp/Example%20University:%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E@example.ac.jp?", otp.AlgorithmSHA256},
		{"C++ Lab #1 = 100%", "a:b", totp.Params{}, "otpauth://totp/C%2B%2B%20Lab%20%231%20%3D%20100%25:a%3Ab?", otp.AlgorithmSHA1},
		{"A&B Labs", "bob+vpn", totp.Params{Algorithm: totp.SHA512}, "otpauth://totp/A%26B%20Labs:bob%2Bvpn?", otp.AlgorithmSHA512},
	} {
		uri := totp.URI(tc.issuer, tc.account, secret, tc.p)
		if !strings.HasPrefix(uri, tc.wantPrefix) {
			t.Errorf("URI = %q, want prefix %q", uri, tc.wantPrefix)
		}
		query := uri[strings.Index(uri, "?"):]
		if strings.Contains(query, "+") {
			t.Errorf("URI query %q has '+', which apps show literally", query)
		}
		key, err := otp.NewKeyFromURL(uri)
		if err != nil {
			t.Fatalf("NewKeyFromURL(%q): %v", uri, err)
		}
		p := tc.p.WithDefaults()
		decoded, err := totp.DecodeSecret(key.Secret())
		switch {
		case err != nil || !bytes.Equal(decoded, secret):
			t.Errorf("%s: secret %q does not decode to the secret (%v)", uri, key.Secret(), err)
		case key.Type() != "totp" || key.Issuer() != tc.issuer || key.AccountName() != tc.account:
			t.Errorf("%s: type %q issuer %q account %q, want totp %q %q", uri, key.Type(), key.Issuer(), key.AccountName(), tc.issuer, tc.account)
		case key.Period() != uint64(p.Period/time.Second) || key.Digits().Length() != p.Digits || key.Algorithm() != tc.wantAlg:
			t.Errorf("%s: period %d digits %d algorithm %s, want %+v", uri, key.Period(), key.Digits().Length(), key.Algorithm(), p)
		}
		// Exactly the five parameters apps read, and nothing a QR code or a
		// parser could mangle: printable ASCII without spaces.
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); len(q) != 5 || q.Get("issuer") != tc.issuer {
			t.Errorf("%s: query %v, want secret, issuer %q, algorithm, digits, period", uri, q, tc.issuer)
		}
		for _, c := range []byte(uri) {
			if c <= ' ' || c > '~' {
				t.Errorf("%s: byte %#x is not escaped", uri, c)
				break
			}
		}
	}
}

func TestURIDefaultsAreWhatAppsExpect(t *testing.T) {
	uri := totp.URI("Example University", "alice", []byte("Hello!\xde\xad\xbe\xef"), totp.Params{})
	want := "otpauth://totp/Example%20University:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example%20University&algorithm=SHA1&digits=6&period=30"
	if uri != want {
		t.Errorf("URI =\n %s\nwant\n %s", uri, want)
	}
}

func TestURIColonInIssuer(t *testing.T) {
	uri := totp.URI("Campus: VPN", "alice", rfcSeed, totp.Params{})
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if key.Issuer() != "Campus VPN" || key.AccountName() != "alice" {
		t.Errorf("%s: issuer %q account %q, want \"Campus VPN\" \"alice\"", uri, key.Issuer(), key.AccountName())
	}
}

func TestURIRefusesEmptyParts(t *testing.T) {
	for name, uri := range map[string]string{
		"no issuer":     totp.URI("", "alice", rfcSeed, totp.Params{}),
		"only a colon":  totp.URI(":", "alice", rfcSeed, totp.Params{}),
		"no account":    totp.URI("Example", "", rfcSeed, totp.Params{}),
		"no secret":     totp.URI("Example", "alice", nil, totp.Params{}),
		"7 digits":      totp.URI("Example", "alice", rfcSeed, totp.Params{Digits: 7}),
		"bad algorithm": totp.URI("Example", "alice", rfcSeed, totp.Params{Algorithm: "MD5"}),
	} {
		if uri != "" {
			t.Errorf("%s: URI = %q, want \"\"", name, uri)
		}
	}
}
