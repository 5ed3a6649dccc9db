package radiusd

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// The path of one Access-Request, top to bottom: method and attribute
// checks, the directory lookup, the policy, the password and the second
// factor. Every request ends in exactly one verdict, logged as one audit
// line.

// Reasons, as they appear in the audit log.
const (
	reasonOK                = "ok"
	reasonUnsupportedMethod = "unsupported_method"
	reasonNoUserName        = "no_user_name"
	reasonPasswordTooLong   = "password_too_long"
	reasonMalformedPassword = "malformed_password"
	reasonBadSecret         = "bad_secret"
	reasonEmptyPassword     = "empty_password"
	reasonUnknownUser       = "unknown_user"
	reasonWrongPassword     = "wrong_password"
	reasonPolicyReject      = "policy_reject"
	reasonNotEnrolled       = "not_enrolled"
	reasonCodeMissing       = "code_missing"
	reasonWrongCode         = "wrong_code"
	reasonCodeReused        = "code_reused"
	reasonLockedOut         = "locked_out"
	reasonDirectoryError    = "directory_error"
	reasonStoreError        = "store_error"
)

// verdict is the outcome of one request.
type verdict struct {
	code   radius.Code // 0: drop
	reason string
	msg    string // Reply-Message
	user   string // canonical id once known, else the name as sent
	rule   string
	factor string // "password", "totp"
	reply  config.Reply
	err    error // what went wrong inside, for the log
}

// access handles an Access-Request from cl and returns the encoded
// response, or nil to send nothing.
func (s *Server) access(ctx context.Context, rt *runtimeConfig, cl *client, pkt *radius.Packet, src netip.AddrPort, authenticated bool) []byte {
	start := time.Now()
	v := s.decide(ctx, rt, cl, pkt, authenticated, s.now())
	s.audit(cl, src, v, time.Since(start))
	if v.code == 0 {
		s.counters.drops[dropBadSecret].Add(1)
		return nil
	}
	var attrs radius.Attributes
	for _, part := range splitReplyMessage(v.msg) {
		attrs = append(attrs, &radius.AVP{Type: rfc2865.ReplyMessage_Type, Attribute: radius.Attribute(part)})
	}
	if v.code == radius.CodeAccessAccept {
		if v.reply.Class != "" {
			attrs = append(attrs, &radius.AVP{Type: rfc2865.Class_Type, Attribute: radius.Attribute(v.reply.Class)})
		}
		if v.reply.FilterID != "" {
			attrs = append(attrs, &radius.AVP{Type: rfc2865.FilterID_Type, Attribute: radius.Attribute(v.reply.FilterID)})
		}
	}
	b, err := encodeResponse(v.code, pkt, attrs)
	if err != nil {
		s.log.Error("cannot encode response", "client", cl.name, "err", err)
		return nil
	}
	switch v.code {
	case radius.CodeAccessAccept:
		s.counters.accepts.Add(1)
	case radius.CodeAccessReject:
		s.counters.rejects.Add(1)
	case radius.CodeAccessChallenge:
		s.counters.challenges.Add(1)
	}
	return b
}

func (s *Server) decide(ctx context.Context, rt *runtimeConfig, cl *client, pkt *radius.Packet, authenticated bool, now time.Time) verdict {
	msgs := rt.msgs
	reject := func(reason, text string, a msgArgs) verdict {
		return verdict{code: radius.CodeAccessReject, reason: reason, msg: msgs.render(text, a)}
	}

	if method := unsupportedMethod(pkt); method != "" {
		v := reject(reasonUnsupportedMethod, msgs.text.UnsupportedMethod, msgArgs{method: method})
		v.err = errors.New("method " + method)
		return v
	}
	name, err := rfc2865.UserName_LookupString(pkt)
	if err != nil || strings.TrimSpace(name) == "" {
		return reject(reasonNoUserName, msgs.text.WrongPassword, msgArgs{})
	}
	rawPassword, _ := pkt.Lookup(rfc2865.UserPassword_Type)
	if len(rawPassword) > maxPasswordLen {
		return named(reject(reasonPasswordTooLong, msgs.text.PasswordTooLong, msgArgs{}), name)
	}
	password, err := rfc2865.UserPassword_LookupString(pkt)
	if err != nil {
		return named(reject(reasonMalformedPassword, msgs.text.WrongPassword, msgArgs{}), name)
	}
	if !authenticated && !plausiblePassword(password) {
		// Without a Message-Authenticator this is the only sign of a
		// wrong shared secret: the password decodes to binary noise.
		return verdict{reason: reasonBadSecret, user: name}
	}
	if strings.TrimSpace(password) == "" {
		return named(reject(reasonEmptyPassword, msgs.text.WrongPassword, msgArgs{}), name)
	}

	id, found, err := s.opts.Directory.Lookup(ctx, name)
	if err != nil {
		v := named(reject(reasonDirectoryError, msgs.text.ServiceUnavailable, msgArgs{}), name)
		v.err = err
		return v
	}
	if !found {
		return named(reject(reasonUnknownUser, msgs.text.WrongPassword, msgArgs{}), name)
	}

	sess := session{
		client: cl.name,
		nasID:  rfc2865.NASIdentifier_GetString(pkt),
		ssid:   ssidFromCalledStationID(rfc2865.CalledStationID_GetString(pkt)),
		groups: make([]string, len(id.Groups)),
	}
	sess.userAddr = userAddress(pkt)
	for i, g := range id.Groups {
		sess.groups[i] = normalizeDN(g)
	}
	d := rt.policy.decide(&sess)

	v := s.secondFactor(ctx, rt, d, id.ID, id.DN, password, now)
	v.user, v.rule = id.ID, d.rule
	if v.code == radius.CodeAccessAccept {
		v.reply = d.reply
	}
	return v
}

// secondFactor checks the password and, when the policy asks for it, the
// code appended to it.
func (s *Server) secondFactor(ctx context.Context, rt *runtimeConfig, d decision, user, dn, password string, now time.Time) verdict {
	msgs := rt.msgs
	reject := func(reason, text string, a msgArgs) verdict {
		return verdict{code: radius.CodeAccessReject, reason: reason, msg: msgs.render(text, a)}
	}
	failed := func(reason string, err error) verdict {
		v := reject(reason, msgs.text.ServiceUnavailable, msgArgs{})
		v.err = err
		return v
	}
	checkPassword := func(pw string) (verdict, bool) {
		ok, err := s.opts.Directory.CheckPassword(ctx, dn, pw)
		switch {
		case err != nil:
			return failed(reasonDirectoryError, err), false
		case !ok:
			return reject(reasonWrongPassword, msgs.text.WrongPassword, msgArgs{}), false
		}
		return verdict{}, true
	}
	accept := func(factor string) verdict {
		return verdict{code: radius.CodeAccessAccept, reason: reasonOK, factor: factor}
	}

	if d.require == config.RequireReject {
		return reject(reasonPolicyReject, msgs.text.AccessDenied, msgArgs{})
	}
	if d.require == config.RequirePassword {
		if v, ok := checkPassword(password); !ok {
			return v
		}
		return accept("password")
	}

	st, err := s.opts.Store.Get(ctx, user)
	if err != nil {
		return failed(reasonStoreError, err)
	}
	e := st.Enrollment
	if e == nil {
		// Not enrolled. A user who typed a code anyway gets the message
		// about registering, not a confusing "wrong password".
		pw := password
		if pass, _, ok := splitAppend(password, rt.totp.Digits); ok {
			pw = pass
		}
		if d.require == config.RequireTOTPIfEnrolled {
			pw = password
		}
		if v, ok := checkPassword(pw); !ok {
			return v
		}
		if d.require == config.RequireTOTPIfEnrolled {
			return accept("password")
		}
		return reject(reasonNotEnrolled, msgs.text.NotRegistered, msgArgs{})
	}

	pass, code, ok := splitAppend(password, e.Digits)
	if !ok {
		return reject(reasonCodeMissing, msgs.text.CodeMissing, msgArgs{digits: e.Digits})
	}
	if v, ok := checkPassword(pass); !ok {
		return v
	}
	if locked := st.LockedUntil.Sub(now); locked > 0 {
		return reject(reasonLockedOut, msgs.text.LockedOut, msgArgs{minutes: minutesLeft(locked)})
	}
	return s.verifyCode(ctx, rt, st, code, now)
}

// verifyCode checks code against the user's enrollment and records the
// outcome: the time step on success, a failure otherwise.
func (s *Server) verifyCode(ctx context.Context, rt *runtimeConfig, st store.UserState, code string, now time.Time) verdict {
	msgs := rt.msgs
	e := st.Enrollment
	reject := func(reason, text string, a msgArgs) verdict {
		return verdict{code: radius.CodeAccessReject, reason: reason, msg: msgs.render(text, a)}
	}
	params := totp.Params{Digits: e.Digits, Period: e.Period, Algorithm: totp.Algorithm(e.Algorithm)}
	step, res := totp.Verify(e.Secret, code, now, st.LastStep, rt.totp.Skew, params)
	switch res {
	case totp.Valid:
		err := s.opts.Store.AcceptStep(ctx, st.User, e.ID, step, now)
		switch {
		case err == nil:
			return verdict{code: radius.CodeAccessAccept, reason: reasonOK, factor: "totp"}
		case errors.Is(err, store.ErrReplay):
			return reject(reasonCodeReused, msgs.text.CodeReused, msgArgs{})
		case errors.Is(err, store.ErrLocked):
			return reject(reasonLockedOut, msgs.text.LockedOut, msgArgs{minutes: minutesLeft(rt.lockout.Duration)})
		case errors.Is(err, store.ErrNotFound):
			// Re-registered while this request was in flight.
			return reject(reasonWrongCode, msgs.text.WrongCode, msgArgs{})
		default:
			v := reject(reasonStoreError, msgs.text.ServiceUnavailable, msgArgs{})
			v.err = err
			return v
		}
	case totp.Reused:
		return reject(reasonCodeReused, msgs.text.CodeReused, msgArgs{})
	}
	after, err := s.opts.Store.RecordFailure(ctx, st.User, now, rt.lockout)
	if err != nil {
		v := reject(reasonStoreError, msgs.text.ServiceUnavailable, msgArgs{})
		v.err = err
		return v
	}
	if locked := after.LockedUntil.Sub(now); locked > 0 {
		return reject(reasonLockedOut, msgs.text.LockedOut, msgArgs{minutes: minutesLeft(locked)})
	}
	return reject(reasonWrongCode, msgs.text.WrongCode, msgArgs{})
}

// audit writes the one log line every decision gets. It never carries a
// password, a code or a secret.
func (s *Server) audit(cl *client, src netip.AddrPort, v verdict, latency time.Duration) {
	outcome := "drop"
	switch v.code {
	case radius.CodeAccessAccept:
		outcome = "accept"
	case radius.CodeAccessReject:
		outcome = "reject"
	case radius.CodeAccessChallenge:
		outcome = "challenge"
	}
	attrs := []any{
		"user", v.user, "client", cl.name, "src", src.String(),
		"rule", v.rule, "outcome", outcome, "reason", v.reason,
	}
	if v.factor != "" {
		attrs = append(attrs, "factor", v.factor)
	}
	attrs = append(attrs, "latency_ms", float64(latency.Microseconds())/1000)
	if v.err != nil {
		attrs = append(attrs, "err", v.err.Error())
		s.log.Warn("access", attrs...)
		return
	}
	s.log.Info("access", attrs...)
}

func named(v verdict, user string) verdict {
	v.user = user
	return v
}

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
