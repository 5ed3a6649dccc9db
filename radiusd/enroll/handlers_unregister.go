package enroll

import (
	"errors"
	"net/http"
	"time"

	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// Factors, as the audit log names them.
const (
	factorTOTP     = "totp"
	factorRecovery = "recovery"
)

// handleUnregister is POST /unregister: with a current code (consumed, as
// a login would) or a recovery code, everything stored about the user is
// removed. Wrong codes count towards the lockout as over RADIUS; while
// locked out no code is checked.
func (s *Server) handleUnregister(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.postSession(w, r, actionUnregister)
	if !ok {
		return
	}
	now := s.now()
	st, err := s.store.Get(r.Context(), sess.user)
	if err != nil {
		s.unavailable(w, r, actionUnregister, sess.user, err)
		return
	}
	t := s.text(r)
	switch {
	case st.Enrollment == nil:
		s.audit(r, actionUnregister, "not_enrolled", sess.user)
		s.renderStatus(w, r, sess, http.StatusConflict, page{Notice: t.NothingToUnregister})
		return
	case st.Locked(now):
		s.lockedOut(w, r, sess, st.LockedUntil.Sub(now))
		return
	}
	code := normalizeCode(r.PostFormValue("code"))
	if code == "" {
		s.audit(r, actionUnregister, "no_code", sess.user)
		s.renderStatus(w, r, sess, http.StatusUnprocessableEntity, page{Error: fill(t.CodeFormat, "digits", st.Enrollment.Digits)})
		return
	}
	factor, outcome, err := s.checkCode(r, st, code, now)
	switch {
	case err != nil:
		s.unavailable(w, r, actionUnregister, sess.user, err)
	case outcome == "locked":
		s.lockedOut(w, r, sess, s.lockout.Duration)
	case outcome == "code_reused":
		s.audit(r, actionUnregister, outcome, sess.user)
		s.renderStatus(w, r, sess, http.StatusUnprocessableEntity, page{Error: t.CodeReused})
	case outcome != "ok":
		s.wrongUnregisterCode(w, r, sess, now)
	default:
		s.unregister(w, r, sess, factor)
	}
}

// checkCode checks a TOTP code (recording its time step) or a recovery
// code (using it up) of the user in st. outcome is ok, wrong_code,
// code_reused or locked.
func (s *Server) checkCode(r *http.Request, st store.UserState, code string, now time.Time) (factor, outcome string, err error) {
	if totp.IsRecoveryCode(code) {
		_, useErr := s.store.UseRecoveryCode(r.Context(), st.User, now, func(hash []byte) bool {
			return totp.CheckRecoveryCode(hash, code)
		})
		outcome, err = storeOutcome(useErr)
		return factorRecovery, outcome, err
	}
	e := st.Enrollment
	p := totp.Params{Digits: e.Digits, Period: e.Period, Algorithm: totp.Algorithm(e.Algorithm)}
	step, res := totp.Verify(e.Secret, code, now, st.LastStep, s.totp.Skew, p)
	switch res {
	case totp.Reused:
		return factorTOTP, "code_reused", nil
	case totp.Invalid:
		return factorTOTP, "wrong_code", nil
	}
	outcome, err = storeOutcome(s.store.AcceptStep(r.Context(), st.User, e.ID, step, now))
	return factorTOTP, outcome, err
}

// storeOutcome maps what the store said about a code to an outcome.
func storeOutcome(err error) (string, error) {
	switch {
	case err == nil:
		return "ok", nil
	case errors.Is(err, store.ErrLocked):
		return "locked", nil
	case errors.Is(err, store.ErrReplay):
		return "code_reused", nil
	case errors.Is(err, store.ErrNoMatch), errors.Is(err, store.ErrNotFound):
		// ErrNotFound: re-registered since the code was checked.
		return "wrong_code", nil
	}
	return "", err
}

// wrongUnregisterCode counts a wrong code towards the lockout and says so.
func (s *Server) wrongUnregisterCode(w http.ResponseWriter, r *http.Request, sess session, now time.Time) {
	after, err := s.store.RecordFailure(r.Context(), sess.user, now, s.lockout)
	if err != nil {
		s.unavailable(w, r, actionUnregister, sess.user, err)
		return
	}
	if after.Locked(now) {
		s.lockedOut(w, r, sess, after.LockedUntil.Sub(now))
		return
	}
	s.audit(r, actionUnregister, "wrong_code", sess.user, "failures", after.Failures)
	t := s.text(r)
	s.renderStatus(w, r, sess, http.StatusUnprocessableEntity, page{Error: t.WrongCode, ErrorHint: t.ClockCheck})
}

// lockedOut answers 423 while the user is locked out.
func (s *Server) lockedOut(w http.ResponseWriter, r *http.Request, sess session, left time.Duration) {
	s.audit(r, actionUnregister, "locked", sess.user)
	t := s.text(r)
	s.renderStatus(w, r, sess, http.StatusLocked, page{Error: fill(t.LockedOut, "minutes", minutesLeft(left))})
}

// unregister removes everything stored about the user.
func (s *Server) unregister(w http.ResponseWriter, r *http.Request, sess session, factor string) {
	if err := s.store.Delete(r.Context(), sess.user); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.unavailable(w, r, actionUnregister, sess.user, err)
		return
	}
	s.audit(r, actionUnregister, "ok", sess.user, "factor", factor)
	pg := s.loggedIn(r, sess, page{})
	pg.Title, pg.Message, pg.MessageID = pg.T.UnregisteredTitle, pg.T.Unregistered, "unregistered"
	s.renderMessage(w, http.StatusOK, pg)
}
