package enroll

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/radius2fa/radius2fa/directory"
)

// Longest user name and password the login form passes to the directory.
const (
	maxUsernameLen = 256
	maxPasswordLen = 1024
)

// loginPage is what the login form shows besides its fields.
type loginPage struct {
	notice   string
	err      string
	username string
}

// renderLogin writes the login form with its double-submit CSRF token.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, lp loginPage) {
	tok, err := s.loginToken(w, r)
	if err != nil {
		s.unavailable(w, r, actionLogin, "", err)
		return
	}
	t := s.text(r)
	s.render(w, status, "login", page{
		T: t, Title: t.LoginTitle, CSRF: tok,
		Notice: lp.notice, Error: lp.err, Username: lp.username,
	})
}

// handleHome is GET /: the status page when logged in, else the login
// form.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	sess, _, ok, hadCookie := s.currentSession(r)
	if ok {
		s.renderStatus(w, r, sess, http.StatusOK, page{})
		return
	}
	var lp loginPage
	if hadCookie {
		http.SetCookie(w, s.expiredCookie(r, sessionCookie))
		lp.notice = s.text(r).SessionExpired
	}
	s.renderLogin(w, r, http.StatusOK, lp)
}

// handleLogin is POST /login: the LDAP password, rate-limited per user
// and per address, then a new session.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.badRequest(w, r)
		return
	}
	if !loginTokenValid(r) {
		s.audit(r, actionLogin, "csrf", "")
		s.formExpired(w, r)
		return
	}
	t := s.text(r)
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	if username == "" || password == "" {
		s.renderLogin(w, r, http.StatusUnauthorized, loginPage{err: t.MissingCredentials, username: username})
		return
	}
	now := s.now()
	userKey := directory.Canonical(username, s.stripRealm)
	addr := addrKey(clientOf(r).addr)
	if !s.acquireLogin(w, r, userKey, addr, now) {
		return
	}
	var id directory.Identity
	valid := false
	if len(username) <= maxUsernameLen && len(password) <= maxPasswordLen {
		var err error
		id, valid, err = s.dir.Authenticate(r.Context(), username, password)
		if err != nil {
			s.users.release(userKey, now)
			s.addrs.release(addr, now)
			s.auditError(r, actionLogin, userKey, err)
			s.renderLogin(w, r, http.StatusServiceUnavailable, loginPage{err: t.Unavailable, username: username})
			return
		}
	}
	if !valid {
		// The attempt acquireLogin counted stays counted.
		if id.ID != "" && id.ID != userKey {
			s.users.fail(id.ID, now)
			// Answer as a right password would (429) once the
			// canonical id is over its limit, so that another name
			// for the same account is no password oracle.
			if ok, wait := s.users.allow(id.ID, now); !ok {
				s.tooManyLogins(w, r, id.ID, wait)
				return
			}
		}
		s.audit(r, actionLogin, "wrong_password", userKey)
		s.renderLogin(w, r, http.StatusUnauthorized, loginPage{err: t.WrongPassword, username: username})
		return
	}
	s.addrs.release(addr, now)
	s.users.reset(userKey)
	// The canonical id may differ from the name typed (mail, realm): its
	// failures count too.
	if ok, wait := s.users.allow(id.ID, now); !ok {
		s.tooManyLogins(w, r, id.ID, wait)
		return
	}
	s.users.reset(id.ID)
	s.startSession(w, r, id.ID)
}

// acquireLogin counts a login attempt against the address and the user
// (taken back when it succeeds), or answers 429 when either has too many
// recent failures.
func (s *Server) acquireLogin(w http.ResponseWriter, r *http.Request, user, addr string, now time.Time) bool {
	ok, wait := s.addrs.acquire(addr, now)
	if !ok {
		s.tooManyLogins(w, r, user, wait)
		return false
	}
	if ok, wait = s.users.acquire(user, now); !ok {
		s.addrs.release(addr, now)
		s.tooManyLogins(w, r, user, wait)
		return false
	}
	return true
}

// tooManyLogins answers 429: wait is how long until the next attempt.
func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request, user string, wait time.Duration) {
	s.audit(r, actionLogin, "rate_limited", user)
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	msg := fill(s.text(r).TooManyLogins, "minutes", minutesLeft(wait))
	s.renderLogin(w, r, http.StatusTooManyRequests, loginPage{err: msg, username: r.PostFormValue("username")})
}

// startSession replaces the browser's session (if any) with a new one for
// user, so that an id planted before login is never the logged-in one.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user string) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.delete(c.Value)
	}
	id, _, err := s.sessions.create(user, s.now())
	if err != nil {
		s.unavailable(w, r, actionLogin, user, err)
		return
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, id))
	s.audit(r, actionLogin, "ok", user)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout is POST /logout: the session ends and the login form is
// shown.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.badRequest(w, r)
		return
	}
	sess, id, ok, _ := s.currentSession(r)
	if ok && !tokensEqual(r.PostFormValue(csrfField), sess.csrf) {
		s.audit(r, actionLogout, "csrf", sess.user)
		s.formExpired(w, r)
		return
	}
	if ok {
		s.sessions.delete(id)
		s.audit(r, actionLogout, "ok", sess.user)
	}
	http.SetCookie(w, s.expiredCookie(r, sessionCookie))
	s.renderLogin(w, r, http.StatusOK, loginPage{notice: s.text(r).LoggedOut})
}
