package enroll

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// registerView is the body of the register page.
type registerView struct {
	// Secret is the key in groups of four, for typing it into an app.
	Secret    string
	Account   string
	Issuer    string
	KeyType   string
	EnterCode string
	Expires   string
	// Replaces is set when an app is registered already: it keeps
	// working until this one is confirmed.
	Replaces bool
	Digits   int
}

// handleRegister is POST /register (and the reissue button): a new
// pending secret, replacing any earlier pending one; the active
// enrollment is untouched until the code is confirmed.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.postSession(w, r, actionRegister)
	if !ok {
		return
	}
	now := s.now()
	_, reissue, err := s.store.GetPending(r.Context(), sess.user, now)
	if err != nil {
		s.unavailable(w, r, actionRegister, sess.user, err)
		return
	}
	action := actionRegister
	if reissue {
		action = actionReissue
	}
	secret, err := totp.NewSecret()
	if err != nil {
		s.unavailable(w, r, action, sess.user, err)
		return
	}
	p := newParams(s.totp).WithDefaults()
	err = s.store.SetPending(r.Context(), store.Pending{
		User: sess.user, Secret: secret,
		Digits: p.Digits, Period: p.Period, Algorithm: string(p.Algorithm),
		CreatedAt: now, ExpiresAt: now.Add(pendingLifetime),
	})
	if err != nil {
		s.unavailable(w, r, action, sess.user, err)
		return
	}
	s.audit(r, action, "ok", sess.user)
	http.Redirect(w, r, "/register", http.StatusSeeOther)
}

// handleRegisterPage is GET /register: the QR code, the key and the form
// for the first code of the pending registration.
func (s *Server) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.requireSession(w, r)
	if !ok {
		return
	}
	p, ok, err := s.store.GetPending(r.Context(), sess.user, s.now())
	if err != nil {
		s.unavailable(w, r, actionRegister, sess.user, err)
		return
	}
	if !ok {
		s.registrationExpired(w, r, sess)
		return
	}
	s.renderRegister(w, r, sess, p, http.StatusOK, page{})
}

// renderRegister writes the register page of pending registration p.
func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, sess session, p store.Pending, status int, pg page) {
	st, err := s.store.Get(r.Context(), sess.user)
	if err != nil {
		s.unavailable(w, r, actionRegister, sess.user, err)
		return
	}
	pg = s.loggedIn(r, sess, pg)
	t := pg.T
	pg.Title = t.RegisterTitle
	pg.Reg = &registerView{
		Secret:    totp.FormatSecret(totp.EncodeSecret(p.Secret)),
		Account:   sess.user,
		Issuer:    s.totp.Issuer,
		KeyType:   fill(t.KeyType, "digits", p.Digits, "seconds", int(p.Period/time.Second)),
		EnterCode: fill(t.EnterCode, "digits", p.Digits),
		Expires:   fill(t.ExpiresAt, "time", formatTime(t, p.ExpiresAt)),
		Replaces:  st.Enrollment != nil,
		Digits:    p.Digits,
	}
	s.render(w, status, "register", pg)
}

// registrationExpired answers 410 when there is no pending registration
// (never started, expired, or confirmed in another window).
func (s *Server) registrationExpired(w http.ResponseWriter, r *http.Request, sess session) {
	pg := s.loggedIn(r, sess, page{})
	pg.Title, pg.Message, pg.MessageID, pg.ShowRegister = pg.T.ExpiredTitle, pg.T.Expired, "expired", true
	s.renderMessage(w, http.StatusGone, pg)
}

// handleQR is GET /register/qr.png: the pending secret as an otpauth://
// QR code; 404 when there is none.
func (s *Server) handleQR(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.requireSession(w, r)
	if !ok {
		return
	}
	p, ok, err := s.store.GetPending(r.Context(), sess.user, s.now())
	if err != nil {
		s.unavailable(w, r, actionRegister, sess.user, err)
		return
	}
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	png, err := totp.QRPNG(totp.URI(s.totp.Issuer, sess.user, p.Secret, pendingParams(p)), qrModuleSize)
	if err != nil {
		s.unavailable(w, r, actionRegister, sess.user, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	_, _ = w.Write(png)
}

// pendingParams are the code parameters of p.
func pendingParams(p store.Pending) totp.Params {
	return totp.Params{Digits: p.Digits, Period: p.Period, Algorithm: totp.Algorithm(p.Algorithm)}
}

// handleConfirm is POST /register/confirm: the first code from the app
// makes the pending secret the active enrollment.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.postSession(w, r, actionConfirm)
	if !ok {
		return
	}
	now := s.now()
	p, ok, err := s.store.GetPending(r.Context(), sess.user, now)
	if err != nil {
		s.unavailable(w, r, actionConfirm, sess.user, err)
		return
	}
	if !ok {
		s.audit(r, actionConfirm, "expired", sess.user)
		s.registrationExpired(w, r, sess)
		return
	}
	code := normalizeCode(r.PostFormValue("code"))
	step, res := totp.Verify(p.Secret, code, now, 0, s.totp.Skew, pendingParams(p))
	if res != totp.Valid {
		s.wrongConfirmCode(w, r, sess, p, code, now)
		return
	}
	before, err := s.store.Get(r.Context(), sess.user)
	if err != nil {
		s.unavailable(w, r, actionConfirm, sess.user, err)
		return
	}
	_, err = s.store.ConfirmPending(r.Context(), sess.user, p.CreatedAt, step, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.audit(r, actionConfirm, "expired", sess.user)
		s.registrationExpired(w, r, sess)
		return
	case err != nil:
		s.unavailable(w, r, actionConfirm, sess.user, err)
		return
	}
	replaced := before.Enrollment != nil
	s.audit(r, actionConfirm, "ok", sess.user, "replaced", replaced)
	pg := s.loggedIn(r, sess, page{})
	pg.Title, pg.Message = pg.T.DoneTitle, pg.T.DoneFirst
	if replaced {
		pg.Message = pg.T.DoneReplaced
	}
	s.render(w, http.StatusOK, "done", pg)
}

// wrongConfirmCode answers 422 with the register page again, saying what
// to check: the code's format, or the phone's clock.
func (s *Server) wrongConfirmCode(w http.ResponseWriter, r *http.Request, sess session, p store.Pending, code string, now time.Time) {
	s.audit(r, actionConfirm, "wrong_code", sess.user)
	t := s.text(r)
	pg := page{Error: fill(t.CodeFormat, "digits", p.Digits)}
	if codeShaped(code, p.Digits) {
		pg = page{Error: t.WrongCode, ErrorHint: s.clockHint(t, p, code, now)}
	}
	s.renderRegister(w, r, sess, p, http.StatusUnprocessableEntity, pg)
}

// clockHint explains a wrong code: when it is the code of another time
// (within a day), how far the phone's clock is off; otherwise the general
// advice, which also mentions the clock.
func (s *Server) clockHint(t *text, p store.Pending, code string, now time.Time) string {
	k, found := totp.Offset(p.Secret, code, now, offsetSearchSteps, pendingParams(p))
	if !found || k == 0 {
		return t.ClockGeneral
	}
	off := time.Duration(abs(k)) * pendingParams(p).WithDefaults().Period
	minutes := max(1, int(math.Round(off.Minutes())))
	if k < 0 {
		return fill(t.ClockSlow, "minutes", minutes)
	}
	return fill(t.ClockFast, "minutes", minutes)
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
