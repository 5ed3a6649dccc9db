package totp

import (
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
)

// URI returns the otpauth:// key URI that authenticator apps scan:
//
//	otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded byte by byte (UTF-8) except for
// letters, digits, "-._~" and '@': a space is %20, never '+', which Google
// Authenticator shows literally, and '&', '=', '+' and '#' cannot break the
// query. (pquerna/otp's totp.Generate leaves '&', '=' and '+' bare, so
// "A&B Labs" would come back as issuer "A".) The result is parsed back with
// pquerna/otp and must give the same issuer, account, secret and
// parameters.
//
// A colon separates issuer and account in the label, so colons are removed
// from the issuer. URI returns "" when the issuer (without colons), the
// account or the secret is empty, or p fails Validate: there is nothing
// valid to show.
func URI(issuer, account string, secret []byte, p Params) string {
	p = p.WithDefaults()
	issuer = strings.TrimSpace(strings.ReplaceAll(issuer, ":", ""))
	if issuer == "" || account == "" || len(secret) == 0 || p.Validate() != nil {
		return ""
	}
	period := strconv.FormatInt(int64(p.Period/time.Second), 10)
	uri := "otpauth://totp/" + uriEscape(issuer) + ":" + uriEscape(account) +
		"?secret=" + EncodeSecret(secret) +
		"&issuer=" + uriEscape(issuer) +
		"&algorithm=" + string(p.Algorithm) +
		"&digits=" + strconv.Itoa(p.Digits) +
		"&period=" + period
	if !roundTrips(uri, issuer, account, secret, p) {
		return ""
	}
	return uri
}

// roundTrips reports whether pquerna/otp reads uri back as the key given.
func roundTrips(uri, issuer, account string, secret []byte, p Params) bool {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return false
	}
	return key.Type() == "totp" &&
		key.Issuer() == issuer &&
		key.AccountName() == account &&
		key.Secret() == EncodeSecret(secret) &&
		key.Algorithm().String() == string(p.Algorithm) &&
		key.Digits().Length() == p.Digits &&
		key.Period() == uint64(p.Period/time.Second)
}

// uriEscape percent-encodes every byte of s except the unreserved
// characters of RFC 3986 and '@'.
func uriEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '@':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
