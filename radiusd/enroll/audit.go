package enroll

import "net/http"

// Actions, as the audit log names them.
const (
	actionLogin         = "login"
	actionLogout        = "logout"
	actionRegister      = "register"
	actionReissue       = "reissue"
	actionConfirm       = "confirm"
	actionRecoveryCodes = "recovery-codes"
	actionUnregister    = "unregister"
)

// audit writes the one log line of an action: msg=enroll action=…
// outcome=… user=… src=…, plus extra attributes. Callers never pass a
// password, a code, a secret or a recovery code.
func (s *Server) audit(r *http.Request, action, outcome, user string, extra ...any) {
	attrs := append([]any{"action", action, "outcome", outcome, "user", user, "src", srcOf(r)}, extra...)
	s.log.Info("enroll", attrs...)
}

// auditError is audit for an action that failed inside (directory or
// store): outcome=error, at warning level, with the error.
func (s *Server) auditError(r *http.Request, action, user string, err error) {
	s.log.Warn("enroll", "action", action, "outcome", "error", "user", user, "src", srcOf(r), "err", err)
}

// srcOf is the client address for the log.
func srcOf(r *http.Request) string {
	if c := clientOf(r); c.addr.IsValid() {
		return c.addr.String()
	}
	return r.RemoteAddr
}
