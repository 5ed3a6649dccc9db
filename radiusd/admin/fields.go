package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/radius2fa/radius2fa/totp"
)

// Checks of the fields of one import line. Each returns the value or a
// reason, which quotes what was found but never more than the first
// characters of a secret-looking value (a mistyped secret of full length
// must not end up whole in a report pasted into a ticket).

// Limits that keep every enrollment acceptable to the store.
const (
	maxUserBytes   = 1024
	maxSecretBytes = 1024
	maxPeriod      = 86400 // seconds
)

func userProblem(user string) string {
	switch {
	case user == "":
		return "user is empty"
	case len(user) > maxUserBytes:
		return fmt.Sprintf("user name of %d bytes (at most %d)", len(user), maxUserBytes)
	case !utf8.ValidString(user):
		return "user name is not valid UTF-8"
	case strings.IndexFunc(user, unicode.IsControl) >= 0:
		return fmt.Sprintf("user %q contains a control character", user)
	}
	return ""
}

// parseSecret decodes a base32 secret as DecodeSecret accepts it (any
// case, spaces, dashes, padding).
func parseSecret(v string) ([]byte, string) {
	if v == "" {
		return nil, "secret is empty"
	}
	b, err := totp.DecodeSecret(v)
	switch {
	case err == nil && len(b) > maxSecretBytes:
		return nil, fmt.Sprintf("secret of %d bytes (at most %d)", len(b), maxSecretBytes)
	case err == nil:
		return b, ""
	case strings.IndexFunc(v, notBase32) >= 0:
		return nil, fmt.Sprintf("secret %s is not base32", quoteShort(v))
	}
	clean := strings.NewReplacer(" ", "", "\t", "", "-", "", "=", "").Replace(v)
	if n := len(clean) * 5 / 8; n < totp.MinSecretBytes {
		return nil, fmt.Sprintf("secret %s is too short: %d bytes, need at least %d", quoteShort(v), n, totp.MinSecretBytes)
	}
	return nil, fmt.Sprintf("secret %s is not valid base32 (truncated or mistyped)", quoteShort(v))
}

// notBase32 reports a character that no spelling of a base32 secret has.
func notBase32(r rune) bool {
	switch {
	case 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z', '2' <= r && r <= '7':
		return false
	}
	return !strings.ContainsRune(" \t-=", r)
}

func parseDigits(v string) (int, string) {
	if v == "" {
		return totp.DefaultDigits, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Sprintf("digits %s is not a number", quoteShort(v))
	}
	if n != 6 && n != 8 {
		return 0, fmt.Sprintf("digits %d: must be 6 or 8", n)
	}
	return n, ""
}

// parsePeriod reads seconds ("30") or a duration ("30s").
func parsePeriod(v string) (time.Duration, string) {
	if v == "" {
		return totp.DefaultPeriod, ""
	}
	bad := fmt.Sprintf("period %s: must be a whole number of seconds from 1 to %d", quoteShort(v), maxPeriod)
	n, err := strconv.Atoi(v)
	if err == nil {
		if n < 1 || n > maxPeriod {
			return 0, bad
		}
		return time.Duration(n) * time.Second, ""
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Sprintf("period %s is not a number of seconds", quoteShort(v))
	}
	if d < time.Second || d > maxPeriod*time.Second || d%time.Second != 0 {
		return 0, bad
	}
	return d, ""
}

func parseAlgorithm(v string) (string, string) {
	if v == "" {
		return string(totp.DefaultAlgorithm), ""
	}
	a := strings.ToUpper(strings.ReplaceAll(v, "-", ""))
	switch totp.Algorithm(a) {
	case totp.SHA1, totp.SHA256, totp.SHA512:
		return a, ""
	}
	return "", fmt.Sprintf("algorithm %s: must be SHA1, SHA256 or SHA512", quoteShort(v))
}

// parseCreated reads when the user registered (RFC 3339); empty is now.
func parseCreated(v string, now time.Time) (time.Time, string) {
	if v == "" {
		return now, ""
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Sprintf("created %s is not an RFC 3339 time such as 2026-04-01T09:00:00Z", quoteShort(v))
	}
	if t.Year() < 1970 || t.Year() >= 2262 {
		return time.Time{}, fmt.Sprintf("created %s is out of range", quoteShort(v))
	}
	return t, ""
}

// quoteShort quotes v whole when it is short, else its first four
// characters followed by "…".
func quoteShort(v string) string {
	if utf8.RuneCountInString(v) <= 8 {
		return strconv.Quote(v)
	}
	r := []rune(v)
	return strconv.Quote(string(r[:4]) + "…")
}

// plural renders "1 field", "3 fields".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
