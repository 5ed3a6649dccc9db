package enroll

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
)

// Cookie and form field names.
const (
	sessionCookie = "r2fa_session"
	// loginCSRFCookie carries the login form's double-submit token: there
	// is no session yet to hold it.
	loginCSRFCookie = "r2fa_login_csrf"
	langCookie      = "lang"
	csrfField       = "csrf"
)

// randomToken returns 256 random bits, base64url without padding.
func randomToken() (string, error) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// tokensEqual compares a token from a form with the expected one in
// constant time; an empty expected token never matches.
func tokensEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginToken returns the double-submit token of the login form: the one
// in the browser's cookie when it has a well-formed one, else a new one
// set as a cookie.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && wellFormedToken(c.Value) {
		return c.Value, nil
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	http.SetCookie(w, s.cookie(r, loginCSRFCookie, tok))
	return tok, nil
}

// loginTokenValid checks the login form's token against its cookie.
func loginTokenValid(r *http.Request) bool {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !wellFormedToken(c.Value) {
		return false
	}
	return tokensEqual(r.PostFormValue(csrfField), c.Value)
}

// cookie returns a cookie for this site: HttpOnly, SameSite=Strict,
// Path=/, Secure when the browser speaks HTTPS, ending with the browser
// session.
func (s *Server) cookie(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   clientOf(r).https,
		SameSite: http.SameSiteStrictMode,
	}
}

// expiredCookie removes the cookie name from the browser.
func (s *Server) expiredCookie(r *http.Request, name string) *http.Cookie {
	c := s.cookie(r, name, "")
	c.MaxAge = -1
	return c
}
