package enroll_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func testLogin(t *testing.T, ldap *directorytest.Server) {

	t.Run("login form", func(t *testing.T) {
		h := newHarness(t, ldap)
		r := h.browser().get("/")
		expect(t, r, http.StatusOK, `<html lang="en">`, `id="username" name="username"`,
			`id="password" name="password" type="password"`, `<button id="login"`,
			`<label for="username">`, `<label for="password">`)
		expectNot(t, r, `id="status"`)
	})

	t.Run("wrong password", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.get("/")
		for _, tc := range []struct{ user, pass string }{
			{"alice", "bob-pass"},
			{"nobody", "whatever"},
			{"alice", " "}, // blank: refused before any bind
		} {
			r := b.post("/login", url.Values{"username": {tc.user}, "password": {tc.pass}})
			expect(t, r, http.StatusUnauthorized, `role="alert"`, "Wrong user name or password.",
				`aria-describedby="login-error"`, `id="login"`, `value="`+tc.user+`"`)
			if b.cookie("r2fa_session") != "" {
				t.Fatalf("%s/%q got a session cookie", tc.user, tc.pass)
			}
		}
		r := b.post("/login", url.Values{"username": {"alice"}, "password": {""}})
		expect(t, r, http.StatusUnauthorized, "Enter your user name and password.")
	})

	t.Run("canonical id", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		r := b.login(" Alice@example.ac.jp", "alice-pass")
		expect(t, r, http.StatusOK, `<strong id="user">alice</strong>`)
		secret := b.startRegistration()
		b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		if st := h.state("alice"); st.Enrollment == nil {
			t.Fatal("the enrollment is not stored under the canonical id alice")
		}
	})

	t.Run("CSRF token on the login form", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		tok := csrfOf(b.get("/").body)
		form := func(csrf string) url.Values {
			return url.Values{"username": {"alice"}, "password": {"alice-pass"}, "csrf": {csrf}}
		}
		expect(t, b.post("/login", form("")), http.StatusForbidden, `id="form-expired"`, "Reload the page")
		expect(t, b.post("/login", form(tampered(tok))), http.StatusForbidden, `id="form-expired"`)
		// A browser without the cookie (a cross-site form) cannot log in
		// even with a token it read somewhere.
		other := h.browser()
		expect(t, other.post("/login", form(csrfOf(b.get("/").body))), http.StatusForbidden, `id="form-expired"`)
		if b.cookie("r2fa_session") != "" || other.cookie("r2fa_session") != "" {
			t.Fatal("a login without a valid CSRF token got a session")
		}
		b.login("alice", "alice-pass")
	})

	t.Run("CSRF token on logged-in forms", func(t *testing.T) {
		h := newHarness(t, ldap)
		h.enroll("alice", mustSecret(t))
		b := h.browser()
		b.login("alice", "alice-pass")
		loginToken := b.cookie("r2fa_login_csrf")
		for _, path := range []string{"/register", "/recovery", "/unregister", "/logout"} {
			for _, tok := range []string{"", "wrong", loginToken} {
				r := b.post(path, url.Values{"csrf": {tok}, "code": {"123456"}})
				expect(t, r, http.StatusForbidden, `id="form-expired"`)
			}
		}
		if _, ok, _ := h.store.GetPending(context.Background(), "alice", h.clock.Now()); ok {
			t.Error("POST /register without a valid token started a registration")
		}
		if st := h.state("alice"); st.Enrollment == nil || st.RecoveryCodes != 0 || st.Failures != 0 {
			t.Errorf("forms without a valid token changed the user: %+v", st)
		}
		expect(t, b.get("/"), http.StatusOK, `id="status"`) // still logged in
	})

	t.Run("too many wrong passwords for one user", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.get("/")
		for i := 0; i < 5; i++ {
			expect(t, b.post("/login", url.Values{"username": {"alice"}, "password": {"guess"}}), http.StatusUnauthorized)
		}
		r := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pass"}})
		expect(t, r, http.StatusTooManyRequests, `role="alert"`, "Too many failed logins. Please try again in 15 minutes.", `id="login"`)
		if r.header.Get("Retry-After") != "900" {
			t.Errorf("Retry-After %q, want 900", r.header.Get("Retry-After"))
		}
		// The limit is per user: bob, from the same address, may log in.
		b.login("bob", "bob-pass")
		// And it ends with the window.
		h.clock.Advance(15 * time.Minute)
		h.browser().login("alice", "alice-pass")
	})

	t.Run("too many wrong passwords from one address", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.get("/")
		for i := 0; i < 20; i++ {
			r := b.post("/login", url.Values{"username": {fmt.Sprintf("user%d", i)}, "password": {"guess"}})
			expect(t, r, http.StatusUnauthorized)
		}
		r := b.post("/login", url.Values{"username": {"carol"}, "password": {"carol-pass"}})
		expect(t, r, http.StatusTooManyRequests, "Too many failed logins.")
	})

	t.Run("a successful login does not count", func(t *testing.T) {
		h := newHarness(t, ldap)
		for i := 0; i < 8; i++ {
			h.browser().login("alice", "alice-pass")
		}
	})

	t.Run("session cookie", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.get("/")
		b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		r := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pass"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Fatalf("login: %d to %q, want 303 to /", r.status, r.header.Get("Location"))
		}
		var set string
		for _, c := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "r2fa_session=") {
				set = c
			}
		}
		for _, want := range []string{"Path=/", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(set, want) {
				t.Errorf("session cookie %q lacks %s", set, want)
			}
		}
		if strings.Contains(set, "Secure") {
			t.Errorf("session cookie %q is Secure over plain HTTP: the browser would drop it", set)
		}
		id := strings.TrimPrefix(strings.SplitN(set, ";", 2)[0], "r2fa_session=")
		if len(id) != 43 { // 32 bytes, base64url
			t.Errorf("session id %q: %d characters, want 43 (256 bits)", id, len(id))
		}
	})

	t.Run("no session fixation", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		u, _ := url.Parse(h.ts.URL)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "r2fa_session", Value: planted, Path: "/"}})
		b.login("alice", "alice-pass")
		if got := b.cookie("r2fa_session"); got == planted || got == "" {
			t.Fatalf("session cookie after login %q: want a new one", got)
		}
		attacker := h.browser()
		attacker.client.Jar.SetCookies(u, []*http.Cookie{{Name: "r2fa_session", Value: planted, Path: "/"}})
		expect(t, attacker.get("/"), http.StatusOK, `id="login"`)
	})

	t.Run("logout", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		old := b.cookie("r2fa_session")
		r := b.post("/logout", nil)
		expect(t, r, http.StatusOK, "You have logged out.", `id="login"`)
		if b.cookie("r2fa_session") != "" {
			t.Error("the session cookie is still set after logout")
		}
		// The old session id no longer works, even if the browser kept it.
		u, _ := url.Parse(h.ts.URL)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "r2fa_session", Value: old, Path: "/"}})
		expect(t, b.get("/"), http.StatusOK, `id="login"`, "Your session has expired")
		if !strings.Contains(h.logs.String(), "action=logout outcome=ok user=alice") {
			t.Errorf("no logout audit line:\n%s", h.logs)
		}
	})

	t.Run("session expires after 15 minutes idle", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		h.clock.Advance(14 * time.Minute)
		expect(t, b.get("/"), http.StatusOK, `id="status"`)
		h.clock.Advance(15 * time.Minute)
		expect(t, b.get("/"), http.StatusOK, `id="login"`, "Your session has expired. Please log in again.")
		expect(t, b.post("/register", nil), http.StatusUnauthorized, `id="login"`)
	})

	t.Run("session expires after an hour", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		for i := 0; i < 5; i++ {
			h.clock.Advance(10 * time.Minute)
			expect(t, b.get("/"), http.StatusOK, `id="status"`)
		}
		h.clock.Advance(10 * time.Minute)
		expect(t, b.get("/"), http.StatusOK, `id="login"`, "Your session has expired.")
	})
}

func TestLoginDirectoryDown(t *testing.T) {
	ldap := directorytest.Start(t)
	h := newHarness(t, ldap)
	b := h.browser()
	b.get("/")
	ldap.Stop()
	r := b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pass"}})
	expect(t, r, http.StatusServiceUnavailable, `role="alert"`, "The service is temporarily unavailable. Please try again later.", `id="login"`)
	if b.cookie("r2fa_session") != "" {
		t.Fatal("a login got a session while the directory was down")
	}
	// Failures of the directory are not the user's: no rate limit.
	for i := 0; i < 6; i++ {
		r = b.post("/login", url.Values{"username": {"alice"}, "password": {"alice-pass"}})
		expect(t, r, http.StatusServiceUnavailable)
	}
	if !strings.Contains(h.logs.String(), "action=login outcome=error user=alice") {
		t.Errorf("no audit line for the directory error:\n%s", h.logs)
	}
}
