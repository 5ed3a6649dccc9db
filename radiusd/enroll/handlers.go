package enroll

import (
	"net/http"
)

// maxFormBytes bounds a POST body: every form here is a few short fields.
const maxFormBytes = 16 << 10

// parseForm reads a POST body of at most maxFormBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

// currentSession returns the session of r's cookie, its id, and whether
// the browser presented a session cookie at all (so that a page can say
// "your session has expired").
func (s *Server) currentSession(r *http.Request) (sess session, id string, ok, hadCookie bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, "", false, false
	}
	sess, ok = s.sessions.get(c.Value, s.now())
	return sess, c.Value, ok, true
}

// requireSession returns the session of a request to a logged-in page. Without
// one it answers 401 with the login form (saying the session expired
// when there was one) and reports false.
func (s *Server) requireSession(w http.ResponseWriter, r *http.Request) (session, bool) {
	sess, _, ok, hadCookie := s.currentSession(r)
	if ok {
		return sess, true
	}
	notice := ""
	if hadCookie {
		http.SetCookie(w, s.expiredCookie(r, sessionCookie))
		notice = s.text(r).SessionExpired
	}
	s.renderLogin(w, r, http.StatusUnauthorized, loginPage{notice: notice})
	return session{}, false
}

// postSession checks a form POST of a logged-in page: the body, the
// session and its CSRF token. On failure it has answered (400, 401 with
// the login form, or 403 "form expired") and reports false.
func (s *Server) postSession(w http.ResponseWriter, r *http.Request, action string) (session, bool) {
	if err := parseForm(w, r); err != nil {
		s.badRequest(w, r)
		return session{}, false
	}
	sess, ok := s.requireSession(w, r)
	if !ok {
		s.audit(r, action, "no_session", "")
		return session{}, false
	}
	if !tokensEqual(r.PostFormValue(csrfField), sess.csrf) {
		s.audit(r, action, "csrf", sess.user)
		s.formExpired(w, r)
		return session{}, false
	}
	return sess, true
}

// formExpired answers a POST whose CSRF token is missing or wrong.
func (s *Server) formExpired(w http.ResponseWriter, r *http.Request) {
	t := s.text(r)
	s.renderMessage(w, http.StatusForbidden, page{T: t, Title: t.FormExpiredTitle, Message: t.FormExpired, MessageID: "form-expired"})
}

// badRequest answers a body that cannot be read.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request) {
	t := s.text(r)
	s.renderMessage(w, http.StatusBadRequest, page{T: t, Title: t.BadRequestTitle, Message: t.BadRequest, MessageID: "bad-request"})
}

// unavailable answers 503 when the directory or the store fails: nothing
// is decided without them.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, action, user string, err error) {
	s.auditError(r, action, user, err)
	t := s.text(r)
	s.renderMessage(w, http.StatusServiceUnavailable, page{T: t, Title: t.UnavailableTitle, Message: t.Unavailable, MessageID: "unavailable"})
}

// loggedIn fills the fields every page of a logged-in user has.
func (s *Server) loggedIn(r *http.Request, sess session, p page) page {
	p.T = s.text(r)
	p.User = sess.user
	p.CSRF = sess.csrf
	return p
}

// handleNotFound answers every path the site does not have.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	t := s.text(r)
	s.renderMessage(w, http.StatusNotFound, page{T: t, Title: t.NotFoundTitle, Message: t.NotFound, MessageID: "not-found"})
}
