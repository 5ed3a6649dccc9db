package radiusd

import (
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"

	"github.com/radius2fa/radius2fa/totp"
)

// Reading what a request carries: the authentication method, the password
// and code typed together, the user's address.

// unsupportedMethod names the authentication method of a request that is
// not PAP, or returns "".
func unsupportedMethod(pkt *radius.Packet) string {
	for _, avp := range pkt.Attributes {
		switch avp.Type {
		case rfc2865.CHAPPassword_Type:
			return "CHAP"
		case rfc2869.EAPMessage_Type:
			return "EAP"
		case rfc2865.VendorSpecific_Type:
			if m := msCHAP(avp.Attribute); m != "" {
				return m
			}
		}
	}
	if _, ok := pkt.Lookup(rfc2865.UserPassword_Type); !ok {
		return "Authentication without User-Password"
	}
	return ""
}

// msCHAP recognises Microsoft's MS-CHAP attributes (vendor 311, RFC 2548).
func msCHAP(vsa radius.Attribute) string {
	if len(vsa) < 6 || vsa[0] != 0 || vsa[1] != 0 || vsa[2] != 0x01 || vsa[3] != 0x37 {
		return ""
	}
	switch vsa[4] {
	case 1: // MS-CHAP-Response
		return "MS-CHAP"
	case 25: // MS-CHAP2-Response
		return "MS-CHAPv2"
	}
	return ""
}

// plausiblePassword reports whether a decoded User-Password looks like
// text. Decoding with the wrong shared secret yields random bytes, which
// are almost never valid UTF-8 free of control characters.
func plausiblePassword(p string) bool {
	if !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// splitAppend splits "password123456" into the password and the trailing
// code of the given number of ASCII digits. The password must not be empty.
func splitAppend(s string, digits int) (password, code string, ok bool) {
	if digits <= 0 {
		digits = 6
	}
	if len(s) <= digits {
		return "", "", false
	}
	code = s[len(s)-digits:]
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", "", false
		}
	}
	return s[:len(s)-digits], code, true
}

// recoveryPrinted is the length of a recovery code as printed, with its
// dashes: "k7qm-2xbd-9rwe".
const recoveryPrinted = 14

// splitAppendedRecovery splits "passwordk7qm-2xbd-9rwe" into the password
// and a recovery code typed as printed (with its dashes, which is what
// tells it apart from the end of a password).
func splitAppendedRecovery(s string) (password, code string, ok bool) {
	if len(s) <= recoveryPrinted {
		return "", "", false
	}
	code = s[len(s)-recoveryPrinted:]
	if code[4] != '-' || code[9] != '-' || !totp.IsRecoveryCode(code) {
		return "", "", false
	}
	return s[:len(s)-recoveryPrinted], code, true
}

// userAddress is the user's own address: Calling-Station-Id when it is an
// IP address (VPN concentrators put the client's address there), else
// Framed-IP-Address.
func userAddress(pkt *radius.Packet) netip.Addr {
	if a, err := netip.ParseAddr(strings.TrimSpace(rfc2865.CallingStationID_GetString(pkt))); err == nil {
		return a.Unmap()
	}
	if ip, err := rfc2865.FramedIPAddress_Lookup(pkt); err == nil {
		if a, ok := netip.AddrFromSlice(ip); ok {
			return a.Unmap()
		}
	}
	return netip.Addr{}
}

// minutesLeft rounds a remaining lockout up to whole minutes.
func minutesLeft(d time.Duration) int {
	return int((d + time.Minute - 1) / time.Minute)
}

// joinSentences joins two messages into one line: "Wrong code: … . Enter
// the code …", and Japanese sentences without a space.
func joinSentences(a, b string) string {
	last, _ := utf8.DecodeLastRuneInString(a)
	switch {
	case a == "":
		return b
	case last == '。' || last == '！' || last == '？':
		return a + b
	case last == '.' || last == '!' || last == '?':
		return a + " " + b
	}
	return a + ". " + b
}
