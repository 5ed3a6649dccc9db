package main

import (
	"strings"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

const (
	msgPrompt  = "Enter the 6-digit code from your authenticator app (or a recovery code)"
	msgExpired = "The code prompt has expired: log in again"
)

// challengeClients: the NAS at 127.0.0.1 prompts for the code, the one at
// 127.0.0.5 too (another NAS), the one at 127.0.0.6 is in auto mode.
const challengeClients = `
    - name: vpn-gw
      address: 127.0.0.1
      secret: "` + testSecret + `"
      mode: challenge
      require_message_authenticator: "no"
    - name: other-nas
      address: 127.0.0.5
      secret: "` + testSecret + `"
      mode: challenge
      require_message_authenticator: "no"
    - name: auto-nas
      address: 127.0.0.6
      secret: "` + testSecret + `"
      mode: auto
      require_message_authenticator: "no"`

// promptFor sends the password and returns the State of the challenge
// that must come back.
func (h *harness) promptFor(user, password, from string) string {
	h.t.Helper()
	resp := h.mustCode(request{user: user, password: password, from: from}, radius.CodeAccessChallenge, msgPrompt)
	return rfc2865.State_GetString(resp.pkt)
}

func TestChallengeMode(t *testing.T) {
	clock := newTestClock(fixedNow)
	h := newHarness(t, harnessOptions{clock: clock, clientYAML: challengeClients, maxFailures: 5})
	alice := h.enroll("alice")
	bob := h.enroll("bob")
	h.start()

	t.Run("password, then the code at the prompt", func(t *testing.T) {
		state := h.promptFor("alice", "alice-pass", "")
		if len(state) < 16 {
			t.Fatalf("State %q is too short to be unguessable", state)
		}
		for _, c := range []byte(state) {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("State %q has a byte a NAS cannot echo as a C string: %#x", state, c)
			}
		}
		h.mustCode(request{user: "alice", password: h.code(alice, 0), state: state}, radius.CodeAccessAccept, "")

		t.Run("a State is used once", func(t *testing.T) {
			h.mustCode(request{user: "alice", password: h.code(alice, 1), state: state}, radius.CodeAccessReject, msgExpired)
		})
	})
	t.Run("each login gets its own State", func(t *testing.T) {
		a, b := h.promptFor("alice", "alice-pass", ""), h.promptFor("alice", "alice-pass", "")
		if a == b {
			t.Fatalf("two challenges share State %q", a)
		}
	})
	t.Run("wrong password: no prompt", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "nope"}, radius.CodeAccessReject, msgWrongPassword)
	})
	t.Run("the prompt expires", func(t *testing.T) {
		state := h.promptFor("alice", "alice-pass", "")
		clock.Advance(61 * time.Second)
		h.mustCode(request{user: "alice", password: h.code(alice, 0), state: state}, radius.CodeAccessReject, msgExpired)
	})
	t.Run("answer from another NAS", func(t *testing.T) {
		clock.Advance(60 * time.Second)
		state := h.promptFor("alice", "alice-pass", "")
		h.mustCode(request{user: "alice", password: h.code(alice, 0), state: state, from: "127.0.0.5"}, radius.CodeAccessReject, msgExpired)
		// And the State is spent: the right NAS cannot use it now either.
		h.mustCode(request{user: "alice", password: h.code(alice, 0), state: state}, radius.CodeAccessReject, msgExpired)
	})
	t.Run("answer for another user", func(t *testing.T) {
		state := h.promptFor("alice", "alice-pass", "")
		h.mustCode(request{user: "bob", password: h.code(bob, 0), state: state}, radius.CodeAccessReject, msgExpired)
	})
	t.Run("an unknown State", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: h.code(alice, 0), state: "r2f-0123456789abcdef0123456789abcdef"}, radius.CodeAccessReject, msgExpired)
	})
	t.Run("three wrong codes", func(t *testing.T) {
		clock.Advance(60 * time.Second)
		state := h.promptFor("alice", "alice-pass", "")
		again := "Wrong code: check that your phone sets its time automatically. " + msgPrompt
		for range 2 {
			resp := h.mustCode(request{user: "alice", password: wrongCode(h.code(alice, 0)), state: state}, radius.CodeAccessChallenge, again)
			next := rfc2865.State_GetString(resp.pkt)
			if next == state {
				t.Fatal("a second prompt reused the State")
			}
			state = next
		}
		h.mustCode(request{user: "alice", password: wrongCode(h.code(alice, 0)), state: state}, radius.CodeAccessReject, msgWrongCode)
		// The three wrong codes count towards the lockout (5): two more lock.
		state = h.promptFor("alice", "alice-pass", "")
		h.mustCode(request{user: "alice", password: wrongCode(h.code(alice, 0)), state: state}, radius.CodeAccessChallenge, again)
		h.mustCode(request{user: "alice", password: "alice-pass"}, radius.CodeAccessChallenge, msgPrompt)
		state = h.promptFor("alice", "alice-pass", "")
		h.mustCode(request{user: "alice", password: wrongCode(h.code(alice, 0)), state: state}, radius.CodeAccessReject,
			"Too many wrong codes: try again in 15 min")
		// Locked: no prompt any more.
		h.mustCode(request{user: "alice", password: "alice-pass"}, radius.CodeAccessReject, "Too many wrong codes: try again in 15 min")
		clock.Advance(15 * time.Minute)
	})
	t.Run("auto mode", func(t *testing.T) {
		clock.Advance(60 * time.Second)
		// The password ends in a valid code: append, no prompt.
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0), from: "127.0.0.6"}, radius.CodeAccessAccept, "")
		// The password alone: prompt.
		state := h.promptFor("alice", "alice-pass", "127.0.0.6")
		h.mustCode(request{user: "alice", password: h.code(alice, 1), state: state, from: "127.0.0.6"}, radius.CodeAccessAccept, "")
		// Trailing digits that are no valid code are part of the password.
		h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(alice, 0)), from: "127.0.0.6"}, radius.CodeAccessReject, msgWrongPassword)
	})

	logs := h.logs.String()
	for _, want := range []string{
		"user=alice client=vpn-gw src=127.0.0.1:",
		"outcome=challenge reason=code_required",
		"outcome=reject reason=challenge_wrong_client",
		"outcome=reject reason=challenge_wrong_user",
		"outcome=reject reason=too_many_attempts",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

func TestChallengeModePolicy(t *testing.T) {
	h := newHarness(t, harnessOptions{
		clock:      newTestClock(fixedNow),
		clientYAML: challengeClients,
		policyYAML: `  default: totp_if_enrolled
  rules:
    - name: other-nas-password
      clients: [other-nas]
      require: password`,
	})
	h.enroll("alice")
	h.start()
	// A password rule never prompts, even for an enrolled user.
	h.mustCode(request{user: "alice", password: "alice-pass", from: "127.0.0.5"}, radius.CodeAccessAccept, "")
	// Opt-in: enrolled users are prompted, others pass with the password.
	h.promptFor("alice", "alice-pass", "")
	h.mustCode(request{user: "carol", password: "carol-pass"}, radius.CodeAccessAccept, "")
}
