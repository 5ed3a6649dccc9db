package radiusd

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// The path of one Access-Request, top to bottom: attribute checks, the
// answer to a challenge if the request carries a State, else the directory
// lookup, the policy, the password and the second factor as the client's
// mode asks for it. Every request ends in exactly one verdict, logged as
// one audit line.

// Reasons, as they appear in the audit log.
const (
	reasonOK                = "ok"
	reasonCodeRequired      = "code_required"
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
	reasonCodeBeforeCrash   = "code_before_crash"
	reasonLockedOut         = "locked_out"
	reasonChallengeExpired  = "challenge_expired"
	reasonChallengeClient   = "challenge_wrong_client"
	reasonChallengeUser     = "challenge_wrong_user"
	reasonTooManyAttempts   = "too_many_attempts"
	reasonDirectoryError    = "directory_error"
	reasonStoreError        = "store_error"
)

// Factors, as they appear in the audit log.
const (
	factorPassword = "password"
	factorTOTP     = "totp"
	factorRecovery = "recovery"
)

// verdict is the outcome of one request.
type verdict struct {
	code   radius.Code // 0: drop
	reason string
	msg    string // Reply-Message
	state  string // State of an Access-Challenge
	user   string // canonical id once known, else the name as sent
	rule   string
	factor string
	reply  config.Reply
	err    error // what went wrong inside, for the log
}

// flow carries what every step of one request needs.
type flow struct {
	s   *Server
	ctx context.Context
	rt  *runtimeConfig
	cl  *client
	now time.Time

	name string             // User-Name as sent
	id   directory.Identity // the user, once the directory found them
}

func (f *flow) reject(reason, text string, a msgArgs) verdict {
	return verdict{code: radius.CodeAccessReject, reason: reason, msg: f.rt.msgs.render(text, a)}
}

// failed is the fail-closed answer when the directory or the store cannot
// answer.
func (f *flow) failed(reason string, err error) verdict {
	v := f.reject(reason, f.rt.msgs.text.ServiceUnavailable, msgArgs{})
	v.err = err
	return v
}

func accept(factor string) verdict {
	return verdict{code: radius.CodeAccessAccept, reason: reasonOK, factor: factor}
}

// access handles an Access-Request from cl and returns the encoded
// response, or nil to send nothing.
func (s *Server) access(ctx context.Context, rt *runtimeConfig, cl *client, pkt *radius.Packet, src netip.AddrPort, authenticated bool) []byte {
	start := time.Now()
	f := &flow{s: s, ctx: ctx, rt: rt, cl: cl, now: s.now()}
	v := f.decide(pkt, authenticated)
	s.audit(cl, src, v, time.Since(start))
	if v.code == 0 {
		s.counters.drops[dropBadSecret].Add(1)
		return nil
	}
	b, err := cl.encodeResponse(v.code, pkt, v.attributes())
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

// attributes are the response's attributes besides the
// Message-Authenticator and Proxy-State.
func (v verdict) attributes() radius.Attributes {
	var attrs radius.Attributes
	for _, part := range splitReplyMessage(v.msg) {
		attrs = append(attrs, &radius.AVP{Type: rfc2865.ReplyMessage_Type, Attribute: radius.Attribute(part)})
	}
	switch v.code {
	case radius.CodeAccessChallenge:
		attrs = append(attrs, &radius.AVP{Type: rfc2865.State_Type, Attribute: radius.Attribute(v.state)})
	case radius.CodeAccessAccept:
		if v.reply.Class != "" {
			attrs = append(attrs, &radius.AVP{Type: rfc2865.Class_Type, Attribute: radius.Attribute(v.reply.Class)})
		}
		if v.reply.FilterID != "" {
			attrs = append(attrs, &radius.AVP{Type: rfc2865.FilterID_Type, Attribute: radius.Attribute(v.reply.FilterID)})
		}
	}
	return attrs
}

func (f *flow) decide(pkt *radius.Packet, authenticated bool) verdict {
	text := &f.rt.msgs.text
	if method := unsupportedMethod(pkt); method != "" {
		v := f.reject(reasonUnsupportedMethod, text.UnsupportedMethod, msgArgs{method: method})
		v.err = errors.New("method " + method)
		return v
	}
	name, err := rfc2865.UserName_LookupString(pkt)
	if err != nil || strings.TrimSpace(name) == "" {
		return f.reject(reasonNoUserName, text.WrongPassword, msgArgs{})
	}
	rawPassword, _ := pkt.Lookup(rfc2865.UserPassword_Type)
	if len(rawPassword) > maxPasswordLen {
		return named(f.reject(reasonPasswordTooLong, text.PasswordTooLong, msgArgs{}), name)
	}
	password, err := rfc2865.UserPassword_LookupString(pkt)
	if err != nil {
		return named(f.reject(reasonMalformedPassword, text.WrongPassword, msgArgs{}), name)
	}
	if !authenticated && !plausiblePassword(password) {
		// Without a Message-Authenticator this is the only sign of a
		// wrong shared secret: the password decodes to binary noise.
		return verdict{reason: reasonBadSecret, user: name}
	}
	if state, ok := pkt.Lookup(rfc2865.State_Type); ok {
		return f.answer(name, password, string(state))
	}
	if strings.TrimSpace(password) == "" {
		return named(f.reject(reasonEmptyPassword, text.WrongPassword, msgArgs{}), name)
	}

	id, found, err := f.rt.dir.Lookup(f.ctx, name)
	if err != nil {
		return named(f.failed(reasonDirectoryError, err), name)
	}
	if !found {
		return named(f.reject(reasonUnknownUser, text.WrongPassword, msgArgs{}), name)
	}
	f.name, f.id = name, id
	d := f.rt.policy.decide(newSession(f.cl.name, pkt, id))
	v := f.login(d, id, password)
	v.user, v.rule = id.ID, d.rule
	if v.code == radius.CodeAccessAccept {
		v.reply = d.reply
	}
	return v
}

// newSession gathers what the policy looks at.
func newSession(client string, pkt *radius.Packet, id directory.Identity) *session {
	s := &session{
		client:   client,
		nasID:    rfc2865.NASIdentifier_GetString(pkt),
		ssid:     ssidFromCalledStationID(rfc2865.CalledStationID_GetString(pkt)),
		userAddr: userAddress(pkt),
		groups:   make([]string, len(id.Groups)),
	}
	for i, g := range id.Groups {
		s.groups[i] = normalizeDN(g)
	}
	return s
}

// login handles the first request of a login: the password, and the code
// when the policy and the client's mode ask for it here.
func (f *flow) login(d decision, id directory.Identity, password string) verdict {
	text := &f.rt.msgs.text
	switch d.require {
	case config.RequireReject:
		return f.reject(reasonPolicyReject, text.AccessDenied, msgArgs{})
	case config.RequirePassword:
		if v, ok := f.checkPassword(password); !ok {
			return v
		}
		return accept(factorPassword)
	}

	st, err := f.s.store.Get(f.ctx, id.ID)
	if err != nil {
		return f.failed(reasonStoreError, err)
	}
	if st.Enrollment == nil {
		return f.notEnrolled(d, password)
	}

	switch f.cl.mode {
	case config.ModeChallenge:
		return f.passwordThenChallenge(d, st, password)
	case config.ModeAuto:
		if pass, code, ok := splitAppend(password, st.Enrollment.Digits); ok && f.codeMatches(st, code) {
			return f.appended(st, pass, code)
		}
		return f.passwordThenChallenge(d, st, password)
	}
	if pass, code, ok := splitAppendedRecovery(password); ok {
		return f.appended(st, pass, code)
	}
	pass, code, ok := splitAppend(password, st.Enrollment.Digits)
	if !ok {
		return f.reject(reasonCodeMissing, text.CodeMissing, msgArgs{digits: st.Enrollment.Digits})
	}
	return f.appended(st, pass, code)
}

// notEnrolled answers a user who has no app registered: the password is
// enough under totp_if_enrolled; under totp they are told to register —
// only once the password is right, so a stranger learns nothing.
func (f *flow) notEnrolled(d decision, password string) verdict {
	pw := password
	if d.require == config.RequireTOTP && f.cl.mode != config.ModeChallenge {
		// A user who typed a code anyway gets the message about
		// registering, not a confusing "wrong password".
		if pass, _, ok := splitAppend(password, f.rt.totp.Digits); ok {
			pw = pass
		}
	}
	if v, ok := f.checkPassword(pw); !ok {
		return v
	}
	if d.require == config.RequireTOTPIfEnrolled {
		return accept(factorPassword)
	}
	return f.reject(reasonNotEnrolled, f.rt.msgs.text.NotRegistered, msgArgs{})
}

// appended checks a password and the code (or recovery code) typed after it.
func (f *flow) appended(st store.UserState, password, code string) verdict {
	if step, recorded, ok := f.recordRightCode(st, code); ok {
		// The bind is called from here, not from a helper, so that the
		// deepest stack of a login is no deeper than without the
		// overlap: every worker's stack is sized by it.
		v, passed := f.checkPassword(password)
		return f.stepAfterBind(st, step, recorded, v, passed)
	}
	if v, ok := f.checkPassword(password); !ok {
		return v
	}
	if v, locked := f.lockedOut(st); locked {
		return v
	}
	return f.secondFactor(st, code)
}

// recordRightCode starts recording the time step of code when it is a
// right TOTP code and the user is not locked out, so that the store's
// sync runs while the password's bind is in flight: the two waits of a
// login overlap. ok is false when nothing was started.
func (f *flow) recordRightCode(st store.UserState, code string) (step uint64, recorded <-chan error, ok bool) {
	if totp.IsRecoveryCode(code) || st.Locked(f.now) {
		return 0, nil, false
	}
	step, res := f.verify(st, code)
	if res != totp.Valid {
		return 0, nil, false
	}
	return step, f.s.store.AcceptStepAsync(f.ctx, st.User, st.Enrollment.ID, step, f.now), true
}

// stepAfterBind answers a login whose step recordRightCode started,
// once the password's bind (v, passed) is done. A step recorded for a
// login that failed (a wrong password, LDAP unavailable) is released,
// so the same code works once the password is right; until the release,
// a second login with that code is told the code was used.
func (f *flow) stepAfterBind(st store.UserState, step uint64, recorded <-chan error, v verdict, passed bool) verdict {
	var err error
	select {
	case err = <-recorded:
	case <-f.ctx.Done():
		err = f.ctx.Err()
	}
	if passed {
		return f.stepRecorded(err)
	}
	if err == nil {
		if err := f.s.store.ReleaseStep(f.ctx, st.User, st.Enrollment.ID, step, st); err != nil {
			// The code stays used: that fails safe.
			f.s.log.Error("releasing the code's time step of a failed login", "user", st.User, "error", err)
		}
	}
	return v
}

// passwordThenChallenge checks the password and asks for the code.
func (f *flow) passwordThenChallenge(d decision, st store.UserState, password string) verdict {
	if v, ok := f.checkPassword(password); !ok {
		return v
	}
	if v, locked := f.lockedOut(st); locked {
		return v
	}
	c := challenge{
		user:   st.User,
		name:   directory.Canonical(f.name, f.rt.stripRealm),
		client: f.cl.name,
		rule:   d.rule,
		reply:  d.reply,
	}
	return f.challenge(c, f.rt.msgs.text.CodePrompt, reasonCodeRequired, st.Enrollment.Digits)
}

// challenge issues a new State for c and asks for the code with text.
func (f *flow) challenge(c challenge, text, reason string, digits int) verdict {
	c.expires = f.now.Add(f.rt.challengeTimeout)
	state, err := f.s.challenges.issue(c, f.now)
	if err != nil {
		return f.failed(reasonStoreError, err)
	}
	return verdict{
		code:   radius.CodeAccessChallenge,
		reason: reason,
		msg:    f.rt.msgs.render(text, msgArgs{digits: digits}),
		state:  state,
	}
}

// answer handles a request carrying the State of a challenge: the
// password field holds the code.
func (f *flow) answer(name, code, state string) verdict {
	text := &f.rt.msgs.text
	c, ok := f.s.challenges.take(state, f.now)
	switch {
	case !ok:
		return named(f.reject(reasonChallengeExpired, text.ChallengeExpired, msgArgs{}), name)
	case c.client != f.cl.name:
		return named(f.reject(reasonChallengeClient, text.ChallengeExpired, msgArgs{}), name)
	case c.name != directory.Canonical(name, f.rt.stripRealm):
		return named(f.reject(reasonChallengeUser, text.ChallengeExpired, msgArgs{}), name)
	}
	v := f.answerChallenge(c, strings.TrimSpace(code))
	v.user, v.rule = c.user, c.rule
	if v.code == radius.CodeAccessAccept {
		v.reply = c.reply
	}
	return v
}

func (f *flow) answerChallenge(c challenge, code string) verdict {
	st, err := f.s.store.Get(f.ctx, c.user)
	if err != nil {
		return f.failed(reasonStoreError, err)
	}
	if st.Enrollment == nil { // reset by the helpdesk meanwhile
		return f.reject(reasonNotEnrolled, f.rt.msgs.text.NotRegistered, msgArgs{})
	}
	if v, locked := f.lockedOut(st); locked {
		return v
	}
	v := f.secondFactor(st, code)
	if v.reason != reasonWrongCode && v.reason != reasonCodeReused && v.reason != reasonCodeBeforeCrash {
		return v
	}
	c.attempts++
	if c.attempts >= maxChallengeAttempts {
		v.reason = reasonTooManyAttempts
		return v
	}
	// Ask again, with a new State, saying what was wrong.
	return f.challenge(c, joinSentences(v.msg, f.rt.msgs.text.CodePrompt), v.reason, st.Enrollment.Digits)
}

// lockedOut rejects a user who is locked out.
func (f *flow) lockedOut(st store.UserState) (verdict, bool) {
	if left := st.LockedUntil.Sub(f.now); left > 0 {
		return f.reject(reasonLockedOut, f.rt.msgs.text.LockedOut, msgArgs{minutes: minutesLeft(left)}), true
	}
	return verdict{}, false
}

// checkPassword binds as the user found for this request.
func (f *flow) checkPassword(password string) (verdict, bool) {
	id, ok, err := f.rt.dir.CheckUserPassword(f.ctx, f.name, f.id, password)
	f.id = id
	switch {
	case err != nil:
		return f.failed(reasonDirectoryError, err), false
	case !ok:
		return f.reject(reasonWrongPassword, f.rt.msgs.text.WrongPassword, msgArgs{}), false
	}
	return verdict{}, true
}

// codeMatches reports whether code is a code of the user's app within the
// window, without recording anything (auto mode's guess).
func (f *flow) codeMatches(st store.UserState, code string) bool {
	_, res := f.verify(st, code)
	return res != totp.Invalid
}

// verify checks code against the user's app at f.now: the step it
// matches, and whether that step is still unused.
func (f *flow) verify(st store.UserState, code string) (uint64, totp.Result) {
	e := st.Enrollment
	return totp.Verify(e.Secret, code, f.now, st.LastStep, f.rt.totp.Skew, params(e))
}

// secondFactor checks a TOTP code or a recovery code and records the
// outcome: the time step or the used recovery code on success, a failure
// otherwise.
func (f *flow) secondFactor(st store.UserState, code string) verdict {
	if totp.IsRecoveryCode(code) {
		return f.recoveryCode(st, code)
	}
	text := &f.rt.msgs.text
	step, res := f.verify(st, code)
	switch res {
	case totp.Valid:
		return f.stepRecorded(f.s.store.AcceptStep(f.ctx, st.User, st.Enrollment.ID, step, f.now))
	case totp.Reused:
		return f.reject(reasonCodeReused, text.CodeReused, msgArgs{})
	}
	return f.wrongCode(st)
}

// stepRecorded answers a login with a right code by what AcceptStep
// returned for its time step.
func (f *flow) stepRecorded(err error) verdict {
	text := &f.rt.msgs.text
	switch {
	case err == nil:
		return accept(factorTOTP)
	case errors.Is(err, store.ErrEmbargoed):
		// Maybe used in a login a crash lost (README, After a crash).
		return f.reject(reasonCodeBeforeCrash, text.CodeReused, msgArgs{})
	case errors.Is(err, store.ErrReplay):
		return f.reject(reasonCodeReused, text.CodeReused, msgArgs{})
	case errors.Is(err, store.ErrLocked):
		return f.reject(reasonLockedOut, text.LockedOut, msgArgs{minutes: minutesLeft(f.rt.lockout.Duration)})
	case errors.Is(err, store.ErrNotFound):
		// Re-registered while this request was in flight.
		return f.reject(reasonWrongCode, text.WrongCode, msgArgs{})
	default:
		return f.failed(reasonStoreError, err)
	}
}

// recoveryCode uses up one of the user's recovery codes.
func (f *flow) recoveryCode(st store.UserState, code string) verdict {
	norm := totp.NormalizeRecoveryCode(code)
	left, err := f.s.store.UseRecoveryCode(f.ctx, st.User, f.now, func(hash []byte) bool {
		return totp.CheckRecoveryCode(hash, norm)
	})
	switch {
	case err == nil:
		f.s.log.Info("recovery code used", "user", st.User, "recovery_codes_left", left)
		return accept(factorRecovery)
	case errors.Is(err, store.ErrNoMatch):
		return f.wrongCode(st)
	case errors.Is(err, store.ErrLocked):
		return f.reject(reasonLockedOut, f.rt.msgs.text.LockedOut, msgArgs{minutes: minutesLeft(f.rt.lockout.Duration)})
	default:
		return f.failed(reasonStoreError, err)
	}
}

// wrongCode counts a wrong code towards the lockout.
func (f *flow) wrongCode(st store.UserState) verdict {
	after, err := f.s.store.RecordFailure(f.ctx, st.User, f.now, f.rt.lockout)
	if err != nil {
		return f.failed(reasonStoreError, err)
	}
	if v, locked := f.lockedOut(after); locked {
		if !st.Locked(f.now) {
			f.s.opts.Observer.ObserveLockout(f.cl.name)
		}
		return v
	}
	return f.reject(reasonWrongCode, f.rt.msgs.text.WrongCode, msgArgs{})
}

func params(e *store.Enrollment) totp.Params {
	return totp.Params{Digits: e.Digits, Period: e.Period, Algorithm: totp.Algorithm(e.Algorithm)}
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
	s.opts.Observer.ObserveRequest(cl.name, outcome, v.reason, latency)
	level := slog.LevelInfo
	if v.err != nil {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("user", v.user), slog.String("client", cl.name), slog.String("src", src.String()),
		slog.String("rule", v.rule), slog.String("outcome", outcome), slog.String("reason", v.reason))
	if v.factor != "" {
		attrs = append(attrs, slog.String("factor", v.factor))
	}
	attrs = append(attrs, slog.Float64("latency_ms", float64(latency.Microseconds())/1000))
	if v.err != nil {
		attrs = append(attrs, slog.String("err", v.err.Error()))
	}
	s.log.LogAttrs(context.Background(), level, "access", attrs...)
}

func named(v verdict, user string) verdict {
	v.user = user
	return v
}
