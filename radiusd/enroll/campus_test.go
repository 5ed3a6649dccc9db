package enroll_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func testCampusOnly(t *testing.T, ldap *directorytest.Server) {

	t.Run("off campus over a real connection", func(t *testing.T) {
		// The test client connects from 127.0.0.1, which is not on campus here.
		h := newHarness(t, ldap, func(c *config.Config) {
			c.Enroll.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		})
		b := h.browser()
		for _, path := range []string{"/", "/register", "/register/qr.png", "/nope"} {
			r := b.get(path)
			expect(t, r, http.StatusForbidden, `id="off-campus"`, "only possible on campus")
			if len(r.header.Values("Set-Cookie")) != 0 {
				t.Errorf("GET %s off campus set cookies %q", path, r.header.Values("Set-Cookie"))
			}
		}
		// The style sheet is public, so that the refusal page is styled.
		if r := b.get("/static/style.css"); r.status != http.StatusOK || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("GET /static/style.css off campus: %d, cookies %q", r.status, r.header.Values("Set-Cookie"))
		}
		r := b.post("/login", nil)
		expect(t, r, http.StatusForbidden, `id="off-campus"`)
		b.header.Set("Accept-Language", "ja-JP,ja;q=0.9")
		expect(t, b.get("/"), http.StatusForbidden, `<html lang="ja">`, `id="off-campus"`, "学内からのみ")
		if !strings.Contains(h.logs.String(), "outcome=off_campus src=127.0.0.1") {
			t.Errorf("no log line for the refused request:\n%s", h.logs)
		}
	})

	campus := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:c::/48")}
	trusted := []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32"), netip.MustParsePrefix("192.0.2.128/25")}
	h := newHarness(t, ldap, func(c *config.Config) {
		c.Enroll.AllowedCIDRs = campus
		c.Enroll.TrustedProxies = trusted
	})
	handler := h.srv.Handler()
	tests := []struct {
		name   string
		peer   string
		xff    []string
		status int
	}{
		{"campus peer", "10.1.2.3:40000", nil, http.StatusOK},
		{"off-campus peer", "198.51.100.7:40000", nil, http.StatusForbidden},
		{"IPv4-mapped campus peer", "[::ffff:10.1.2.3]:40000", nil, http.StatusOK},
		{"IPv4-mapped off-campus peer", "[::ffff:198.51.100.7]:40000", nil, http.StatusForbidden},
		{"IPv6 campus peer", "[2001:db8:c::5]:40000", nil, http.StatusOK},
		{"spoofed XFF from an untrusted peer is ignored", "198.51.100.7:40000", []string{"10.1.2.3"}, http.StatusForbidden},
		{"XFF from an untrusted campus peer is ignored", "10.1.2.3:40000", []string{"198.51.100.7"}, http.StatusOK},
		{"trusted proxy, campus client", "192.0.2.10:40000", []string{"10.1.2.3"}, http.StatusOK},
		{"trusted proxy, off-campus client", "192.0.2.10:40000", []string{"198.51.100.7"}, http.StatusForbidden},
		{"trusted proxy, IPv4-mapped proxy address", "[::ffff:192.0.2.10]:40000", []string{"10.1.2.3"}, http.StatusOK},
		{"trusted proxy, IPv4-mapped client in XFF", "192.0.2.10:40000", []string{"::ffff:10.1.2.3"}, http.StatusOK},
		{"right-most address counts, not a spoofed left one", "192.0.2.10:40000", []string{"10.1.2.3, 198.51.100.7"}, http.StatusForbidden},
		{"right-most untrusted address is on campus", "192.0.2.10:40000", []string{"198.51.100.7, 10.1.2.3"}, http.StatusOK},
		{"trusted proxies in the chain are skipped", "192.0.2.10:40000", []string{"10.1.2.3, 192.0.2.200"}, http.StatusOK},
		{"skipping proxies finds an off-campus client", "192.0.2.10:40000", []string{"10.9.9.9, 198.51.100.7, 192.0.2.200"}, http.StatusForbidden},
		{"several XFF headers form one list", "192.0.2.10:40000", []string{"198.51.100.7", "10.1.2.3"}, http.StatusOK},
		{"XFF entry with a port", "192.0.2.10:40000", []string{"[2001:db8:c::9]:5555"}, http.StatusOK},
		{"no XFF: the proxy itself is not on campus", "192.0.2.10:40000", nil, http.StatusForbidden},
		{"malformed XFF from a trusted proxy", "192.0.2.10:40000", []string{"10.1.2.3, bogus"}, http.StatusBadRequest},
		{"malformed XFF from an untrusted peer is ignored", "10.1.2.3:40000", []string{"bogus"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("peer %s, XFF %q: status %d, want %d", tt.peer, tt.xff, rec.Code, tt.status)
			}
			body := rec.Body.String()
			switch tt.status {
			case http.StatusOK:
				if !strings.Contains(body, `id="login"`) {
					t.Errorf("no login form:\n%s", body)
				}
			case http.StatusForbidden:
				if !strings.Contains(body, `id="off-campus"`) || len(rec.Result().Cookies()) != 0 {
					t.Errorf("want the off-campus page without cookies, got cookies %v:\n%s", rec.Result().Cookies(), body)
				}
			}
		})
	}

	t.Run("Secure cookies behind a TLS-terminating proxy", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("X-Forwarded-For", "10.1.2.3")
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if len(cookies) == 0 || !cookies[0].Secure {
			t.Errorf("cookies %v: want Secure behind an HTTPS proxy", cookies)
		}
		// X-Forwarded-Proto from anyone else means nothing.
		req.RemoteAddr = "10.1.2.3:40000"
		rec = httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if cookies := rec.Result().Cookies(); len(cookies) == 0 || cookies[0].Secure {
			t.Errorf("cookies %v: want not Secure for a direct plain-HTTP client", cookies)
		}
	})
}
