package admin

import (
	"net/url"
	"strings"
)

// uriRecord reads one otpauth:// key URI, as authenticator apps and
// other TOTP servers export them:
//
//	otpauth://totp/Issuer:alice@example.ac.jp?secret=…&digits=6&period=30&algorithm=SHA1
//
// The user is the account part of the label (after "Issuer:"); secret,
// digits, period and algorithm come from the query. Counter-based (hotp)
// URIs are refused.
func uriRecord(text string) (record, string) {
	if !hasPrefixFold(text, "otpauth://") {
		return record{}, "not an otpauth:// URI"
	}
	u, err := url.Parse(text)
	if err != nil {
		return record{}, "not a valid URI"
	}
	switch strings.ToLower(u.Host) {
	case "totp":
	case "hotp":
		return record{}, "an otpauth://hotp/ URI: counter-based codes are not supported"
	default:
		return record{}, "not an otpauth://totp/ URI"
	}
	label := strings.TrimPrefix(u.Path, "/")
	if i := strings.IndexByte(label, ':'); i >= 0 {
		label = label[i+1:]
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return record{}, "the query of the URI is not valid"
	}
	r := record{
		user:      strings.TrimSpace(label),
		secret:    q.Get("secret"),
		digits:    q.Get("digits"),
		period:    q.Get("period"),
		algorithm: q.Get("algorithm"),
	}
	if r.user == "" {
		return record{}, "no account name in the label of the URI"
	}
	if !q.Has("secret") {
		return record{}, "no secret in the URI"
	}
	return r, ""
}
