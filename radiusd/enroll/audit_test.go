package enroll_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/totp"
)

// testAuditLog walks through every action and checks that each leaves its
// audit line and that no password, code, secret, recovery code or session
// token reaches the log.
func testAuditLog(t *testing.T, ldap *directorytest.Server) {
	h := newHarness(t, ldap)
	b := h.browser()
	var secrets []string

	b.get("/")
	b.post("/login", url.Values{"username": {"alice"}, "password": {"Wr0ng-Passw0rd"}})
	secrets = append(secrets, "Wr0ng-Passw0rd", "alice-pass")
	b.login("alice", "alice-pass")
	secrets = append(secrets, b.cookie("r2fa_session"), b.cookie("r2fa_login_csrf"), csrfOf(b.last.body))

	first := b.startRegistration()
	h.clock.Advance(time.Second)
	second := secretOf(t, b.post("/register", nil).body) // reissue
	for _, s := range [][]byte{first, second} {
		secrets = append(secrets, totp.EncodeSecret(s), totp.FormatSecret(totp.EncodeSecret(s)), strings.ToLower(totp.EncodeSecret(s)))
	}
	wrong := code(second, h.clock.Now().Add(-7*time.Minute))
	expect(t, b.post("/register/confirm", url.Values{"code": {wrong}}), http.StatusUnprocessableEntity)
	right := code(second, h.clock.Now())
	expect(t, b.post("/register/confirm", url.Values{"code": {right}}), http.StatusOK, `id="done"`)
	secrets = append(secrets, wrong, right)

	codes := recoveryCodesOf(t, b.post("/recovery", nil).body)
	secrets = append(secrets, codes...)
	for _, c := range codes {
		secrets = append(secrets, totp.NormalizeRecoveryCode(c))
	}
	b.get("/")
	h.clock.Advance(time.Minute)
	bad := codeOfNoStep(t, second, h.clock.Now())
	expect(t, b.post("/unregister", url.Values{"code": {bad}}), http.StatusUnprocessableEntity)
	expect(t, b.post("/unregister", url.Values{"code": {codes[0]}}), http.StatusOK, `id="unregistered"`)
	secrets = append(secrets, bad)
	b.post("/logout", nil)

	logs := h.logs.String()
	for _, line := range []string{
		"msg=enroll action=login outcome=wrong_password user=alice src=127.0.0.1",
		"msg=enroll action=login outcome=ok user=alice src=127.0.0.1",
		"msg=enroll action=register outcome=ok user=alice",
		"msg=enroll action=reissue outcome=ok user=alice",
		"msg=enroll action=confirm outcome=wrong_code user=alice",
		"msg=enroll action=confirm outcome=ok user=alice src=127.0.0.1 replaced=false",
		"msg=enroll action=recovery-codes outcome=ok user=alice src=127.0.0.1 count=10",
		"msg=enroll action=unregister outcome=wrong_code user=alice src=127.0.0.1 failures=1",
		"msg=enroll action=unregister outcome=ok user=alice src=127.0.0.1 factor=recovery",
		"msg=enroll action=logout outcome=ok user=alice",
	} {
		if !strings.Contains(logs, line) {
			t.Errorf("no log line with %q", line)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log contains a secret %q:\n%s", s, logs)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}
