package enroll

import (
	"net/http"

	"github.com/radius2fa/radius2fa/totp"
)

// handleRecovery is POST /recovery: new recovery codes, replacing all
// earlier ones, shown once. Only users with an app get them.
func (s *Server) handleRecovery(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.postSession(w, r, actionRecoveryCodes)
	if !ok {
		return
	}
	st, err := s.store.Get(r.Context(), sess.user)
	if err != nil {
		s.unavailable(w, r, actionRecoveryCodes, sess.user, err)
		return
	}
	if st.Enrollment == nil {
		s.audit(r, actionRecoveryCodes, "not_enrolled", sess.user)
		pg := s.loggedIn(r, sess, page{})
		pg.Title, pg.Message, pg.MessageID, pg.ShowRegister = pg.T.RecoveryNeedsAppTitle, pg.T.RecoveryNeedsApp, "not-enrolled", true
		s.renderMessage(w, http.StatusConflict, pg)
		return
	}
	codes, err := totp.NewRecoveryCodes(recoveryCodeCount)
	if err != nil {
		s.unavailable(w, r, actionRecoveryCodes, sess.user, err)
		return
	}
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		if hashes[i], err = totp.HashRecoveryCode(c); err != nil {
			s.unavailable(w, r, actionRecoveryCodes, sess.user, err)
			return
		}
	}
	if err := s.store.SetRecoveryCodes(r.Context(), sess.user, hashes); err != nil {
		s.unavailable(w, r, actionRecoveryCodes, sess.user, err)
		return
	}
	s.audit(r, actionRecoveryCodes, "ok", sess.user, "count", len(codes))
	pg := s.loggedIn(r, sess, page{Codes: codes})
	pg.Title = pg.T.RecoveryTitle
	s.render(w, http.StatusOK, "recovery", pg)
}
