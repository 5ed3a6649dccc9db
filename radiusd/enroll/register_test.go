package enroll_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

func testRegister(t *testing.T, ldap *directorytest.Server) {

	t.Run("first registration", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		r := b.login("alice", "alice-pass")
		expect(t, r, http.StatusOK, "No app is registered.", `id="register"`, "Register app")
		secret := b.startRegistration()
		expect(t, b.last, http.StatusOK, `<code id="secret">`, `id="account">alice<`, `id="issuer">Example University<`,
			`inputmode="numeric"`, `autocomplete="one-time-code"`, `name="code"`)
		if got := len(totp.EncodeSecret(secret)); got != 32 {
			t.Errorf("key has %d base32 characters, want 32 (20 bytes)", got)
		}
		if st := h.state("alice"); st.Enrollment != nil {
			t.Fatal("pending registration is already active")
		}
		h.clock.Advance(20 * time.Second)
		r = b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`, "Registration completed. From now on use the codes of this app.")
		expectNot(t, r, "replaced")
		st := h.state("alice")
		if st.Enrollment == nil || !bytes.Equal(st.Enrollment.Secret, secret) {
			t.Fatalf("after confirm the enrollment is %+v, want the key shown", st.Enrollment)
		}
		// The confirming code is used up: RADIUS refuses it as a replay.
		_, res := totp.Verify(secret, code(secret, h.clock.Now()), h.clock.Now(), st.LastStep, 1, totp.Params{})
		if res != totp.Reused {
			t.Errorf("confirming code over RADIUS: %v, want reused", res)
		}
		r = b.get("/")
		expect(t, r, http.StatusOK, "An app is registered.", "Register a new app (replaces the old one)", `id="last-used"`)
	})

	t.Run("re-register keeps the old app until confirmed, then replaces it", func(t *testing.T) {
		h := newHarness(t, ldap)
		old := mustSecret(t)
		h.enroll("alice", old)
		oldID := h.state("alice").Enrollment.ID
		b := h.browser()
		b.login("alice", "alice-pass")
		secret := b.startRegistration()
		expect(t, b.last, http.StatusOK, "previously registered app keeps working")
		if st := h.state("alice"); !bytes.Equal(st.Enrollment.Secret, old) {
			t.Fatal("pressing Register replaced the active app before confirmation")
		}
		if err := h.store.AcceptStep(t.Context(), "alice", oldID, totp.Step(h.clock.Now(), 30*time.Second), h.clock.Now()); err != nil {
			t.Fatalf("a login with the old app before confirmation: %v, want accepted", err)
		}
		h.clock.Advance(30 * time.Second)
		r := b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`, "it replaced the app registered before, which no longer works")
		st := h.state("alice")
		if !bytes.Equal(st.Enrollment.Secret, secret) {
			t.Fatal("the new app is not the active one")
		}
		h.clock.Advance(30 * time.Second)
		now := h.clock.Now()
		if err := h.store.AcceptStep(t.Context(), "alice", oldID, totp.Step(now, 30*time.Second), now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a login with the old app after confirmation: %v, want store.ErrNotFound", err)
		}
	})

	t.Run("wrong code, phone clock 7 minutes slow", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		secret := b.startRegistration()
		slow := code(secret, h.clock.Now().Add(-14*30*time.Second))
		r := b.post("/register/confirm", url.Values{"code": {slow}})
		expect(t, r, http.StatusUnprocessableEntity, `role="alert"`, "The code is not correct.",
			"Your phone&#39;s clock is about 7 minutes slow", `aria-describedby="code-help code-error"`, `id="confirm"`)
		if st := h.state("alice"); st.Enrollment != nil {
			t.Fatal("a wrong code activated the registration")
		}
		if st := h.state("alice"); st.Failures != 0 {
			t.Errorf("a wrong first code counted %d failures towards the lockout", st.Failures)
		}
		fast := code(secret, h.clock.Now().Add(6*30*time.Second))
		r = b.post("/register/confirm", url.Values{"code": {fast}})
		expect(t, r, http.StatusUnprocessableEntity, "about 3 minutes fast")
		// The same page still works with the right code.
		r = b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`)
	})

	t.Run("wrong code, no clock offset found", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		secret := b.startRegistration()
		wrong := codeOfNoStep(t, secret, h.clock.Now())
		r := b.post("/register/confirm", url.Values{"code": {wrong}})
		expect(t, r, http.StatusUnprocessableEntity, "The code is not correct.", "sets its date and time automatically")
		expectNot(t, r, "minutes slow", "minutes fast")
		r = b.post("/register/confirm", url.Values{"code": {"12345"}})
		expect(t, r, http.StatusUnprocessableEntity, "Enter the 6-digit number the app shows.")
	})

	t.Run("code typed with spaces or full-width digits", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		secret := b.startRegistration()
		c := code(secret, h.clock.Now())
		wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, c[:3]) + "\u3000" + c[3:]
		r := b.post("/register/confirm", url.Values{"code": {wide}})
		expect(t, r, http.StatusOK, `id="done"`)
	})

	t.Run("expired registration", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		secret := b.startRegistration()
		h.clock.Advance(10*time.Minute + time.Second)
		r := b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusGone, `id="expired"`, "Press Register again", `id="register"`)
		if st := h.state("alice"); st.Enrollment != nil {
			t.Fatal("an expired registration was activated")
		}
		expect(t, b.get("/register"), http.StatusGone, `id="expired"`)
		if r := b.get("/register/qr.png"); r.status != http.StatusNotFound {
			t.Errorf("QR code of an expired registration: status %d, want 404", r.status)
		}
		// The button on the page starts again.
		secret = b.startRegistration()
		r = b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`)
	})

	t.Run("reissue replaces the pending key", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		first := b.startRegistration()
		h.clock.Advance(time.Second)
		r := b.post("/register", nil) // the reissue button
		expect(t, r, http.StatusOK, `id="secret"`)
		second := secretOf(t, r.body)
		if bytes.Equal(first, second) {
			t.Fatal("reissue showed the same key")
		}
		r = b.post("/register/confirm", url.Values{"code": {code(first, h.clock.Now())}})
		expect(t, r, http.StatusUnprocessableEntity, "The code is not correct.")
		r = b.post("/register/confirm", url.Values{"code": {code(second, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`)
		if st := h.state("alice"); !bytes.Equal(st.Enrollment.Secret, second) {
			t.Fatal("the reissued key is not the active one")
		}
		if !strings.Contains(h.logs.String(), "action=reissue outcome=ok user=alice") {
			t.Errorf("no reissue audit line:\n%s", h.logs)
		}
	})

	t.Run("registration confirmed in another window", func(t *testing.T) {
		h := newHarness(t, ldap)
		b1, b2 := h.browser(), h.browser()
		b1.login("alice", "alice-pass")
		b2.login("alice", "alice-pass")
		secret := b1.startRegistration()
		b2.get("/register") // the same pending key in a second window
		expect(t, b1.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}}), http.StatusOK, `id="done"`)
		r := b2.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusGone, `id="expired"`)
	})

	t.Run("QR code decodes to the key shown", func(t *testing.T) {
		zbarimg := needTool(t, "zbarimg", "zbar-tools")
		h := newHarness(t, ldap)
		b := h.browser()
		if r := b.get("/register/qr.png"); r.status != http.StatusUnauthorized {
			t.Fatalf("QR code without login: status %d, want 401", r.status)
		}
		b.login("Alice", "alice-pass")
		if r := b.get("/register/qr.png"); r.status != http.StatusNotFound {
			t.Fatalf("QR code before Register: status %d, want 404", r.status)
		}
		secret := b.startRegistration()
		r := b.get("/register/qr.png")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("QR code: status %d, type %q", r.status, r.header.Get("Content-Type"))
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("QR code Cache-Control %q, want no-store", cc)
		}
		png := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(png, []byte(r.body), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbarimg, "--raw", "-q", png).Output()
		if err != nil {
			t.Fatalf("zbarimg could not read the QR code: %v", err)
		}
		key, err := otp.NewKeyFromURL(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("QR code holds %q: %v", out, err)
		}
		if key.Secret() != totp.EncodeSecret(secret) || key.Issuer() != "Example University" || key.AccountName() != "alice" {
			t.Errorf("QR code: secret match %v, issuer %q, account %q", key.Secret() == totp.EncodeSecret(secret), key.Issuer(), key.AccountName())
		}
		if key.Digits().Length() != 6 || key.Period() != 30 || key.Algorithm().String() != "SHA1" {
			t.Errorf("QR code parameters: %d digits, %d s, %s", key.Digits().Length(), key.Period(), key.Algorithm())
		}
	})

	t.Run("code from oathtool", func(t *testing.T) {
		oathtool := needTool(t, "oathtool", "oathtool")
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("alice", "alice-pass")
		b.startRegistration()
		key := secretRe.FindStringSubmatch(b.last.body)[1] // as shown: "ABCD EFGH …"
		out, err := exec.Command(oathtool, "--totp", "-b", "--now=@"+strconv.FormatInt(h.clock.Now().Unix(), 10), strings.ReplaceAll(key, " ", "")).Output()
		if err != nil {
			t.Fatalf("oathtool: %v", err)
		}
		r := b.post("/register/confirm", url.Values{"code": {strings.TrimSpace(string(out))}})
		expect(t, r, http.StatusOK, `id="done"`)
	})

	t.Run("page contract", func(t *testing.T) {
		// What the headless-Chromium test and the university's
		// instructions rely on, verbatim.
		h := newHarness(t, ldap)
		b := h.browser()
		both := []string{`<a id="lang-ja" href="?lang=ja">日本語</a>`, `<a id="lang-en" href="?lang=en">English</a>`}
		expect(t, b.get("/"), http.StatusOK, append(both, `<input id="username" name="username"`,
			`<input id="password" name="password" type="password"`, `<button id="login">`)...)
		b.login("alice", "alice-pass")
		expect(t, b.last, http.StatusOK, append(both, `id="status"`, `<button id="register">Register app</button>`)...)
		secret := b.startRegistration()
		expect(t, b.last, http.StatusOK, append(both, `<img id="qr" src="/register/qr.png" alt="`, `<code id="secret">`,
			`<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"`,
			`<button id="confirm">`, `<button id="reissue">`)...)
		r := b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`)
		expect(t, b.get("/"), http.StatusOK, `<button id="register">Register a new app (replaces the old one)</button>`)
	})

	t.Run("register page needs a session", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		expect(t, b.get("/register"), http.StatusUnauthorized, `id="login"`)
		b.get("/")
		r := b.post("/register", nil)
		expect(t, r, http.StatusUnauthorized, `id="login"`)
		if _, ok, _ := h.store.GetPending(context.Background(), "alice", h.clock.Now()); ok {
			t.Fatal("a registration was started without a session")
		}
	})
}

func mustSecret(t *testing.T) []byte {
	t.Helper()
	s, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// codeOfNoStep returns a 6-digit code that is not the code of secret at
// any step within a day of now, so no clock hint can explain it.
func codeOfNoStep(t *testing.T, secret []byte, now time.Time) string {
	t.Helper()
	for _, c := range []string{"000000", "123456", "654321", "111111", "999999", "271828"} {
		if _, found := totp.Offset(secret, c, now, totp.MaxOffsetSteps, totp.Params{}); !found {
			return c
		}
	}
	t.Fatal("every candidate code matches some step")
	return ""
}
