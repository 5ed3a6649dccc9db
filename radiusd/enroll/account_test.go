package enroll_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

func testStatusPage(t *testing.T, ldap *directorytest.Server) {
	h := newHarness(t, ldap)
	secret := mustSecret(t)
	enrolledAt := h.clock.Now()
	h.enroll("alice", secret)
	ctx := context.Background()
	b := h.browser()

	r := b.login("alice", "alice-pass")
	since := enrolledAt.In(time.Local).Format("Mon 2 Jan 2006, 15:04 MST")
	expect(t, r, http.StatusOK, `id="status"`, "An app is registered.", `id="since">`+since+`<`,
		`id="last-used">never<`, `id="recovery-left">0<`, `<button id="register"`, "Register a new app (replaces the old one)",
		`id="recovery"`, `id="unregister"`, `<label for="unregister-code">`, `id="logout"`)
	expectNot(t, r, `id="lockout"`, `id="failures"`, `id="pending"`)

	h.clock.Advance(5 * time.Minute)
	used := h.clock.Now()
	st := h.state("alice")
	if err := h.store.AcceptStep(ctx, "alice", st.Enrollment.ID, totp.Step(used, 30*time.Second), used); err != nil {
		t.Fatal(err)
	}
	lockout := store.Lockout{MaxFailures: 5, Duration: 15 * time.Minute}
	for i := 0; i < 2; i++ {
		if _, err := h.store.RecordFailure(ctx, "alice", used, lockout); err != nil {
			t.Fatal(err)
		}
	}
	r = b.get("/")
	expect(t, r, http.StatusOK, `id="last-used">`+used.In(time.Local).Format("Mon 2 Jan 2006, 15:04 MST")+`<`,
		`id="failures"`, "2 wrong codes since the last successful login.")

	for i := 0; i < 3; i++ {
		if _, err := h.store.RecordFailure(ctx, "alice", used, lockout); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(time.Minute)
	until := used.Add(15 * time.Minute).In(time.Local).Format("Mon 2 Jan 2006, 15:04 MST")
	expect(t, b.get("/"), http.StatusOK, `id="lockout"`, "Locked until "+until+" (14 min left) after 5 wrong codes.")

	// After the lockout its failures no longer count.
	h.clock.Advance(14 * time.Minute)
	r = b.get("/")
	expectNot(t, r, `id="lockout"`, `id="failures"`)

	b.post("/register", nil)
	expect(t, b.get("/"), http.StatusOK, `id="pending"`, "A registration is in progress until", `href="/register"`)

	// A user without anything stored.
	c := h.browser()
	r = c.login("carol", "carol-pass")
	expect(t, r, http.StatusOK, "No app is registered.", "Register app")
	expectNot(t, r, `id="since"`, `id="recovery"`, `id="unregister"`)
}

func testRecoveryCodes(t *testing.T, ldap *directorytest.Server) {

	t.Run("only with an app", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("carol", "carol-pass")
		r := b.post("/recovery", nil)
		expect(t, r, http.StatusConflict, `id="not-enrolled"`, "register an app first", `id="register"`)
		if st := h.state("carol"); st.RecoveryCodes != 0 {
			t.Errorf("a user without an app got %d recovery codes", st.RecoveryCodes)
		}
	})

	t.Run("shown once, counted, replaced", func(t *testing.T) {
		h := newHarness(t, ldap)
		h.enroll("alice", mustSecret(t))
		b := h.browser()
		b.login("alice", "alice-pass")
		r := b.post("/recovery", nil)
		expect(t, r, http.StatusOK, `<ol id="recovery-codes"`, "shown only now")
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("recovery codes page Cache-Control %q, want no-store", cc)
		}
		first := recoveryCodesOf(t, r.body)
		if len(first) != 10 {
			t.Fatalf("%d recovery codes, want 10: %q", len(first), first)
		}
		for _, c := range first {
			if !totp.IsRecoveryCode(c) {
				t.Errorf("%q is not a recovery code", c)
			}
		}
		if st := h.state("alice"); st.RecoveryCodes != 10 {
			t.Fatalf("store holds %d recovery codes, want 10", st.RecoveryCodes)
		}
		status := b.get("/")
		expect(t, status, http.StatusOK, `id="recovery-left">10<`)
		for _, c := range first {
			if strings.Contains(status.body, c) {
				t.Fatal("the status page shows a recovery code again")
			}
		}
		// A code works over RADIUS (the store's check) exactly once.
		if _, err := h.store.UseRecoveryCode(context.Background(), "alice", h.clock.Now(), func(hash []byte) bool {
			return totp.CheckRecoveryCode(hash, first[3])
		}); err != nil {
			t.Fatalf("using a recovery code from the page: %v", err)
		}
		expect(t, b.get("/"), http.StatusOK, `id="recovery-left">9<`)

		second := recoveryCodesOf(t, b.post("/recovery", nil).body)
		if st := h.state("alice"); st.RecoveryCodes != 10 {
			t.Fatalf("after new codes the store holds %d, want 10", st.RecoveryCodes)
		}
		_, err := h.store.UseRecoveryCode(context.Background(), "alice", h.clock.Now(), func(hash []byte) bool {
			return totp.CheckRecoveryCode(hash, first[0])
		})
		if err == nil {
			t.Error("an old recovery code still works after new ones were made")
		}
		if second[0] == first[0] {
			t.Error("new recovery codes repeat the old ones")
		}
	})
}

func testUnregister(t *testing.T, ldap *directorytest.Server) {

	setup := func(t *testing.T) (*harness, *browser, []byte) {
		h := newHarness(t, ldap)
		secret := mustSecret(t)
		h.enroll("alice", secret)
		h.clock.Advance(time.Minute)
		b := h.browser()
		b.login("alice", "alice-pass")
		return h, b, secret
	}

	t.Run("with a current code", func(t *testing.T) {
		h, b, secret := setup(t)
		b.post("/recovery", nil)
		b.get("/")
		r := b.post("/unregister", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="unregistered"`, "Your app was unregistered")
		st := h.state("alice")
		if st.Enrollment != nil || st.RecoveryCodes != 0 {
			t.Fatalf("after unregister: enrollment %v, %d recovery codes", st.Enrollment, st.RecoveryCodes)
		}
		expect(t, b.get("/"), http.StatusOK, "No app is registered.")
		if !strings.Contains(h.logs.String(), "action=unregister outcome=ok user=alice src=127.0.0.1 factor=totp") {
			t.Errorf("no unregister audit line:\n%s", h.logs)
		}
	})

	t.Run("with a recovery code", func(t *testing.T) {
		h, b, _ := setup(t)
		codes := recoveryCodesOf(t, b.post("/recovery", nil).body)
		b.get("/")
		r := b.post("/unregister", url.Values{"code": {strings.ToUpper(codes[4])}})
		expect(t, r, http.StatusOK, `id="unregistered"`)
		if st := h.state("alice"); st.Enrollment != nil {
			t.Fatal("the enrollment survived unregistering with a recovery code")
		}
	})

	t.Run("a code used over RADIUS cannot be used again", func(t *testing.T) {
		h, b, secret := setup(t)
		now := h.clock.Now()
		st := h.state("alice")
		if err := h.store.AcceptStep(context.Background(), "alice", st.Enrollment.ID, totp.Step(now, 30*time.Second), now); err != nil {
			t.Fatal(err)
		}
		r := b.post("/unregister", url.Values{"code": {code(secret, now)}})
		expect(t, r, http.StatusUnprocessableEntity, "This code was already used")
		if st := h.state("alice"); st.Enrollment == nil || st.Failures != 0 {
			t.Fatalf("a replayed code: enrollment %v, failures %d", st.Enrollment, st.Failures)
		}
	})

	t.Run("wrong codes count towards the lockout", func(t *testing.T) {
		h, b, secret := setup(t)
		wrong := codeOfNoStep(t, secret, h.clock.Now())
		r := b.post("/unregister", url.Values{"code": {wrong}})
		expect(t, r, http.StatusUnprocessableEntity, `id="unregister-error"`, `role="alert"`, "The code is not correct.",
			`aria-describedby="unregister-help unregister-error"`)
		if st := h.state("alice"); st.Enrollment == nil || st.Failures != 1 {
			t.Fatalf("after a wrong code: enrollment %v, failures %d, want 1", st.Enrollment, st.Failures)
		}
		r = b.post("/unregister", url.Values{"code": {"k7qm-2xbd-9rwe"}}) // not one of hers
		expect(t, r, http.StatusUnprocessableEntity, "The code is not correct.")
		for i := 3; i <= 4; i++ {
			r = b.post("/unregister", url.Values{"code": {wrong}})
			expect(t, r, http.StatusUnprocessableEntity)
		}
		r = b.post("/unregister", url.Values{"code": {wrong}}) // the fifth
		expect(t, r, http.StatusLocked, "Too many wrong codes: try again in 15 min.")
		if st := h.state("alice"); !st.Locked(h.clock.Now()) {
			t.Fatal("five wrong codes did not lock the user out")
		}
		// While locked out even the right code is not checked.
		h.clock.Advance(5 * time.Minute)
		r = b.post("/unregister", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusLocked, "try again in 10 min", `id="lockout"`)
		st := h.state("alice")
		if st.Enrollment == nil || st.Failures != 5 {
			t.Fatalf("while locked: enrollment %v, failures %d, want 5", st.Enrollment, st.Failures)
		}
		// Afterwards the right code works.
		h.clock.Advance(10 * time.Minute)
		r = b.post("/unregister", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="unregistered"`)
	})

	t.Run("nothing to unregister", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.login("carol", "carol-pass")
		r := b.post("/unregister", url.Values{"code": {"123456"}})
		expect(t, r, http.StatusConflict, "nothing to unregister")
		if st := h.state("carol"); st.Failures != 0 {
			t.Errorf("unregistering without an app counted %d failures", st.Failures)
		}
	})
}
