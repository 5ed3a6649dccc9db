package enroll

import (
	"strings"
	"unicode"
)

// normalizeCode removes the spaces people type or paste into a code
// ("123 456", a full-width space) and turns full-width digits, which a
// Japanese input method may produce, into ASCII. Everything else is left
// for the verifier to refuse.
func normalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		}
		return r
	}, s)
}

// codeShaped reports whether s is digits ASCII digits: a code from an
// app, as opposed to a typo or a recovery code.
func codeShaped(s string, digits int) bool {
	if len(s) != digits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
