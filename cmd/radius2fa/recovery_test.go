package main

import (
	"regexp"
	"strings"
	"testing"

	"layeh.com/radius"
)

var recoveryLine = regexp.MustCompile(`(?m)^  ([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})$`)

// recoveryCodes runs `radius2fa user recovery-codes USER` and returns the
// codes it printed.
func (h *harness) recoveryCodes(user string) []string {
	h.t.Helper()
	code, out, errOut := h.run("user", "recovery-codes", user)
	if code != 0 {
		h.t.Fatalf("user recovery-codes %s: exit %d\n%s%s", user, code, out, errOut)
	}
	var codes []string
	for _, m := range recoveryLine.FindAllStringSubmatch(out, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		h.t.Fatalf("user recovery-codes printed %d codes, want 10:\n%s", len(codes), out)
	}
	return codes
}

func TestRecoveryCodes(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow), clientYAML: challengeClients + `
    - name: append-nas
      address: 127.0.0.7
      secret: "` + testSecret + `"
      mode: append
      require_message_authenticator: "no"`, maxFailures: 10})
	h.enroll("alice")
	old := h.recoveryCodes("alice")
	codes := h.recoveryCodes("alice") // a new set revokes the old one
	h.start()

	t.Run("after the password in append mode, once", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass" + codes[0], from: "127.0.0.7"}, radius.CodeAccessAccept, "")
		h.mustCode(request{user: "alice", password: "alice-pass" + codes[0], from: "127.0.0.7"}, radius.CodeAccessReject, msgWrongCode)
	})
	t.Run("at the prompt, in any case and spacing", func(t *testing.T) {
		state := h.promptFor("alice", "alice-pass", "")
		typed := strings.ToUpper(strings.ReplaceAll(codes[1], "-", " "))
		h.mustCode(request{user: "alice", password: typed, state: state}, radius.CodeAccessAccept, "")
		state = h.promptFor("alice", "alice-pass", "")
		h.mustCode(request{user: "alice", password: codes[1], state: state}, radius.CodeAccessChallenge,
			"Wrong code: check that your phone sets its time automatically. "+msgPrompt)
	})
	t.Run("revoked codes", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass" + old[2], from: "127.0.0.7"}, radius.CodeAccessReject, msgWrongCode)
	})
	t.Run("a recovery code needs the right password", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "wrong-pass" + codes[3], from: "127.0.0.7"}, radius.CodeAccessReject, msgWrongPassword)
		h.mustCode(request{user: "alice", password: "alice-pass" + codes[3], from: "127.0.0.7"}, radius.CodeAccessAccept, "")
	})
	if logs := h.logs.String(); !strings.Contains(logs, "outcome=accept reason=ok factor=recovery") {
		t.Error("no audit line with factor=recovery")
	} else if strings.Contains(logs, codes[0]) || strings.Contains(logs, codes[1]) {
		t.Error("a recovery code is in the log")
	}
}
