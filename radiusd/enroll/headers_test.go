package enroll_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func testSecurityHeaders(t *testing.T, ldap *directorytest.Server) {
	check := func(t *testing.T, what string, r *response, cache string) {
		t.Helper()
		want := map[string]string{
			"Cache-Control":           cache,
			"Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		}
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s %q, want %q", what, k, got, v)
			}
		}
	}

	h := newHarness(t, ldap)
	h.enroll("bob", mustSecret(t))
	b := h.browser()
	check(t, "login form", b.get("/"), "no-store")
	check(t, "wrong password", b.post("/login", url.Values{"username": {"bob"}, "password": {"x"}}), "no-store")
	check(t, "status page", b.login("bob", "bob-pass"), "no-store")
	b.startRegistration()
	check(t, "register page", b.last, "no-store")
	check(t, "QR code", b.get("/register/qr.png"), "no-store")
	check(t, "wrong code", b.post("/register/confirm", url.Values{"code": {"000000"}}), "no-store")
	b.get("/")
	check(t, "recovery codes", b.post("/recovery", nil), "no-store")
	check(t, "CSRF refused", b.post("/register", url.Values{"csrf": {""}}), "no-store")
	check(t, "not found", b.get("/nope"), "no-store")
	check(t, "wrong method", b.post("/register/qr.png", nil), "no-store")
	css := b.get("/static/style.css")
	if css.status != http.StatusOK || css.header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("style sheet: %d %q", css.status, css.header.Get("Content-Type"))
	}
	check(t, "style sheet", css, "public, max-age=86400")

	off := newHarness(t, ldap, func(c *config.Config) {
		c.Enroll.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	check(t, "off campus", off.browser().get("/"), "no-store")
}
