package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// Messages as a user reads them (catalog "en").
const (
	msgWrongPassword = "Wrong user name or password"
	msgWrongCode     = "Wrong code: check that your phone sets its time automatically"
	msgReused        = "This code was already used: wait for the next one"
	msgNotRegistered = "Not registered: register your authenticator app at https://mfa.example.ac.jp/"
	msgTooLong       = "Password and code are too long (at most 128 bytes)"
	msgUnavailable   = "Authentication service unavailable: try again later"
	msgCodeMissing   = "Enter your password followed by the 6-digit code"
)

// A fixed instant in the middle of a 30 s step, so codes never straddle a
// step boundary in tests that use the test clock.
var fixedNow = time.Unix(1_790_000_010, 0)

func TestAppendModeLogin(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("alice")
	h.start()

	t.Run("password and code", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")
	})
	t.Run("the same code again", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject, msgReused)
	})
	t.Run("next step's code is accepted", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 1)}, radius.CodeAccessAccept, "")
	})
	t.Run("wrong password, right code", func(t *testing.T) {
		h.clock.Advance(60 * time.Second)
		h.mustCode(request{user: "alice", password: "bob-pass" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)
		// The code was not burned by the failed attempt.
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")
	})
	t.Run("wrong code", func(t *testing.T) {
		h.clock.Advance(60 * time.Second)
		h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(secret, 0))}, radius.CodeAccessReject, msgWrongCode)
	})
	t.Run("no code", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: "alice-pass"}, radius.CodeAccessReject, msgCodeMissing)
	})
	t.Run("empty password", func(t *testing.T) {
		h.mustCode(request{user: "alice", password: ""}, radius.CodeAccessReject, msgWrongPassword)
		h.mustCode(request{user: "alice", password: "   "}, radius.CodeAccessReject, msgWrongPassword)
	})
	t.Run("unknown user", func(t *testing.T) {
		h.mustCode(request{user: "mallory", password: "x" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)
	})
	t.Run("LDAP filter injection", func(t *testing.T) {
		h.mustCode(request{user: "*)(uid=*", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)
		h.mustCode(request{user: "*", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)
	})
	t.Run("password and code over 128 bytes", func(t *testing.T) {
		long := strings.Repeat("p", 123) + h.code(secret, 0) // 129 bytes
		h.mustCode(request{user: "alice", password: long}, radius.CodeAccessReject, msgTooLong)
	})
	t.Run("not enrolled", func(t *testing.T) {
		h.mustCode(request{user: "bob", password: "bob-pass"}, radius.CodeAccessReject, msgNotRegistered)
		h.mustCode(request{user: "bob", password: "bob-pass123456"}, radius.CodeAccessReject, msgNotRegistered)
		// A wrong password is not told whether the user is registered.
		h.mustCode(request{user: "bob", password: "nope"}, radius.CodeAccessReject, msgWrongPassword)
	})
	t.Run("CHAP is refused by name", func(t *testing.T) {
		attrs := radius.Attributes{{Type: rfc2865.CHAPPassword_Type, Attribute: make([]byte, 17)}}
		raw, pkt := h.encode(request{user: "alice", attrs: attrs})
		resp := h.sendRaw(raw, pkt, request{}, 5*time.Second)
		if resp == nil || resp.code != radius.CodeAccessReject || resp.message != "CHAP is not supported: use PAP" {
			t.Fatalf("CHAP: %+v", resp)
		}
	})

	logs := h.logs.String()
	for _, leak := range []string{"alice-pass", "bob-pass", h.code(secret, 0), testSecret} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log contains a password, code or secret (%q)", leak)
		}
	}
	if !strings.Contains(logs, `msg=access user=alice client=vpn-gw`) || !strings.Contains(logs, "outcome=accept reason=ok factor=totp latency_ms=") {
		t.Errorf("no audit line for the accepted login:\n%s", logs)
	}
}

// An app shows the same code in two steps in a row about once in a
// million steps. A login with it in the first step does not use up the
// second: the same digits log in once more there, and only once.
func TestCodeSharedWithNextStep(t *testing.T) {
	// The RFC 6238 seed's codes for steps 62075368 and 62075369 are the
	// same (the first such pair after fixedNow, 2.4 million steps on): the
	// clock starts a few steps before, and the test finds the pair itself.
	secret := []byte("12345678901234567890")
	clock := newTestClock(time.Unix(62075360*30, 0))
	h := newHarness(t, harnessOptions{clock: clock})
	file := filepath.Join(t.TempDir(), "alice.csv")
	writeFile(t, file, "alice,"+totp.EncodeSecret(secret)+"\n")
	if code, out, errOut := h.run("user", "import", file); code != 0 {
		t.Fatalf("import: %s%s", out, errOut)
	}
	h.start()
	code, next := h.code(secret, 0), h.code(secret, 1)
	for i := 0; code != next; i++ {
		if i == 100 {
			t.Fatal("no two steps in a row share a code")
		}
		clock.Advance(30 * time.Second)
		code, next = next, h.code(secret, 1)
	}
	h.mustCode(request{user: "alice", password: "alice-pass" + code}, radius.CodeAccessAccept, "")
	clock.Advance(30 * time.Second)
	h.mustCode(request{user: "alice", password: "alice-pass" + code}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "alice", password: "alice-pass" + code}, radius.CodeAccessReject, msgReused)
}

func TestUserNamesShareOneEnrollment(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("Alice")
	eve := h.enroll("eve")
	h.start()
	code := h.code(secret, 0)
	h.mustCode(request{user: "ALICE", password: "alice-pass" + code}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "alice", password: "alice-pass" + code}, radius.CodeAccessReject, msgReused)
	h.mustCode(request{user: " alice@example.ac.jp ", password: "alice-pass" + h.code(secret, 1)}, radius.CodeAccessAccept, "")

	// Eve's LDAP uid is capitalised; she is "eve" everywhere.
	h.mustCode(request{user: "Eve", password: "eve-pass" + h.code(eve, 0)}, radius.CodeAccessAccept, "")
}

func TestRetransmitGetsTheSameAnswer(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("alice")
	h.start()

	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The NAS sends, loses the answer, and sends the very same datagram
	// again from the same port.
	sendTwice := func(req request) []*response {
		t.Helper()
		raw, pkt := h.encode(req)
		var answers []*response
		for range 2 {
			if _, err := conn.Write(raw); err != nil {
				t.Fatal(err)
			}
			resp := h.receive(conn, raw, pkt, 5*time.Second)
			if resp == nil {
				t.Fatal("no answer")
			}
			answers = append(answers, resp)
		}
		if !bytes.Equal(answers[0].raw, answers[1].raw) {
			t.Fatalf("the retransmit got a different answer than the original:\n%x\n%x", answers[1].raw, answers[0].raw)
		}
		return answers
	}

	answers := sendTwice(request{user: "alice", password: "alice-pass" + h.code(secret, 0)})
	if answers[0].code != radius.CodeAccessAccept {
		t.Fatalf("first answer %v, want Access-Accept", answers[0].code)
	}
	if hits := h.d.server.Stats().CacheHits; hits != 1 {
		t.Fatalf("cache hits = %d, want 1", hits)
	}
	// The step was recorded once: the step after it is still good.
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 1)}, radius.CodeAccessAccept, "")

	// A Reject carries its Reply-Message after the Message-Authenticator;
	// the retransmit gets it too, and is not a second failure.
	answers = sendTwice(request{user: "alice", password: "wrong-pass" + h.code(secret, 2)})
	if r := answers[1]; r.code != radius.CodeAccessReject || r.message == "" {
		t.Fatalf("retransmit of a wrong password: %v %q, want Access-Reject with a message", r.code, r.message)
	}
	if hits := h.d.server.Stats().CacheHits; hits != 2 {
		t.Fatalf("cache hits = %d, want 2", hits)
	}
}

func TestDroppedPackets(t *testing.T) {
	h := newHarness(t, harnessOptions{
		clock: newTestClock(fixedNow),
		clientYAML: `
    - name: vpn-gw
      address: 127.0.0.1/32
      secret: "` + testSecret + `"
      require_message_authenticator: "no"
    - name: strict-ap
      address: 127.0.0.3
      secret: "` + testSecret + `"
      require_message_authenticator: "yes"
    - name: auto-nas
      address: 127.0.0.4
      secret: "` + testSecret + `"`,
	})
	secret := h.enroll("alice")
	h.start()
	quiet := 300 * time.Millisecond
	drops := func(cause string) uint64 { return h.d.server.Stats().Drops[cause] }

	good := "alice-pass" + h.code(secret, 0)
	if r := h.send(request{user: "alice", password: good, secret: "wrong-secret", withMA: true}, quiet); r != nil {
		t.Fatalf("wrong shared secret with Message-Authenticator: got %v", r.code)
	}
	if drops("bad_authenticator") != 1 {
		t.Fatalf("bad_authenticator drops = %d", drops("bad_authenticator"))
	}
	if r := h.send(request{user: "alice", password: good, secret: "wrong-secret"}, quiet); r != nil {
		t.Fatalf("wrong shared secret without Message-Authenticator: got %v", r.code)
	}
	if drops("bad_secret") != 1 {
		t.Fatalf("bad_secret drops = %d", drops("bad_secret"))
	}
	if r := h.send(request{user: "alice", password: good, from: "127.0.0.2"}, quiet); r != nil {
		t.Fatalf("unknown client: got %v", r.code)
	}
	if drops("unknown_client") != 1 {
		t.Fatalf("unknown_client drops = %d", drops("unknown_client"))
	}
	if r := h.send(request{user: "alice", password: good, badMA: true}, quiet); r != nil {
		t.Fatalf("bad Message-Authenticator: got %v", r.code)
	}
	if r := h.send(request{user: "alice", password: good, from: "127.0.0.3"}, quiet); r != nil {
		t.Fatalf("client requiring Message-Authenticator, none sent: got %v", r.code)
	}
	if drops("missing_message_authenticator") != 1 {
		t.Fatalf("missing_message_authenticator drops = %d", drops("missing_message_authenticator"))
	}
	proxied := radius.Attributes{{Type: rfc2865.ProxyState_Type, Attribute: []byte("hop1")}}
	if r := h.send(request{user: "alice", password: good, attrs: proxied}, quiet); r != nil {
		t.Fatalf("Proxy-State without Message-Authenticator from a non-proxy: got %v", r.code)
	}
	// None of that burned the code: it still logs in.
	resp := h.mustCode(request{user: "alice", password: good, from: "127.0.0.3", withMA: true, attrs: proxied}, radius.CodeAccessAccept, "")
	if ps := rfc2865.ProxyState_Get(resp.pkt); string(ps) != "hop1" {
		t.Fatalf("Proxy-State not echoed: %q", ps)
	}

	// auto: once a NAS has sent a valid Message-Authenticator, it must always.
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 1), from: "127.0.0.4", withMA: true}, radius.CodeAccessAccept, "")
	if r := h.send(request{user: "alice", password: "x", from: "127.0.0.4"}, quiet); r != nil {
		t.Fatalf("auto client without Message-Authenticator after sending one: got %v", r.code)
	}
	if drops("missing_message_authenticator") != 2 {
		t.Fatalf("missing_message_authenticator drops = %d, want 2", drops("missing_message_authenticator"))
	}
	if !strings.Contains(h.logs.String(), "reason=unknown_client src=127.0.0.2") {
		t.Error("the unknown client was not logged")
	}
}

func TestLockoutAndRelease(t *testing.T) {
	clock := newTestClock(fixedNow)
	h := newHarness(t, harnessOptions{clock: clock})
	secret := h.enroll("alice")
	h.start()

	for i := range 2 {
		h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(secret, 0))}, radius.CodeAccessReject, msgWrongCode)
		_ = i
	}
	// The third wrong code locks alice out for lockout.duration.
	h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(secret, 0))}, radius.CodeAccessReject,
		"Too many wrong codes: try again in 15 min")
	// Even the right code is refused while locked.
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject,
		"Too many wrong codes: try again in 15 min")
	clock.Advance(10 * time.Minute)
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject,
		"Too many wrong codes: try again in 5 min")
	// A wrong password says nothing about the lock.
	h.mustCode(request{user: "alice", password: "guess" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)

	clock.Advance(5 * time.Minute)
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")

	st := storeState(t, h, "alice")
	if st.Failures != 0 || st.Locked(clock.Now()) {
		t.Fatalf("after a success: failures %d, locked until %v", st.Failures, st.LockedUntil)
	}
}

// A wrong password typed with the right code neither uses the code up
// nor forgives the wrong codes typed before it.
func TestWrongPasswordRightCodeKeepsFailures(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("alice")
	h.start()
	for range 2 {
		h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(secret, 0))}, radius.CodeAccessReject, msgWrongCode)
	}
	h.mustCode(request{user: "alice", password: "guess" + h.code(secret, 0)}, radius.CodeAccessReject, msgWrongPassword)
	h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(secret, 0))}, radius.CodeAccessReject,
		"Too many wrong codes: try again in 15 min")
}

func TestLDAPDownFailsClosed(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("alice")
	h.start()
	h.ldap.Stop()
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessReject, msgUnavailable)
}

func TestLDAPHangingFailsClosed(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	secret := h.enroll("alice")
	h.start()
	// Warm the pools, then make the server accept nothing more.
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")
	h.ldap.Pause()
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 1)}, radius.CodeAccessReject, msgUnavailable)
	// The code of the login that failed is not used up.
	h.ldap.Resume()
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 1)}, radius.CodeAccessAccept, "")
}

func TestEnrollWhileDaemonRuns(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	h.start()
	secret := h.enroll("alice") // through the admin socket, active at once
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)}, radius.CodeAccessAccept, "")
	code, _, errOut := h.run("user", "enroll", "nobody-here")
	if code != 1 || !strings.Contains(errOut, `user "nobody-here" not found in LDAP`) {
		t.Fatalf("enroll unknown user: exit %d\n%s", code, errOut)
	}
}

// storeState opens the store after stopping the daemon and returns user's state.
func storeState(t *testing.T, h *harness, user string) store.UserState {
	t.Helper()
	h.stopDaemon()
	st, err := store.Open(h.cfg.Store.Path, store.Options{KeyFile: h.cfg.Store.EncryptionKeyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us, err := st.Get(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// wrongCode returns a code that differs from c in every digit.
func wrongCode(c string) string {
	b := []byte(c)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+5)%10
	}
	return string(b)
}

// A --qr file that cannot be written fails the command, but the key of the
// enrollment, already active, is printed first and logs in; one that can
// be written holds the QR code with mode 0600.
func TestEnrollQRFile(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow)})
	h.start()
	code, out, errOut := h.run("user", "enroll", "alice", "--qr", filepath.Join(h.dir, "no-such-dir", "alice.png"))
	m := keyLine.FindStringSubmatch(out)
	if code != 1 || m == nil || !strings.Contains(errOut, "no-such-dir") {
		t.Fatalf("enroll --qr into a missing directory: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	h.mustCode(request{user: "alice", password: "alice-pass" + h.codeFor(m[1])}, radius.CodeAccessAccept, "")

	qr := filepath.Join(h.dir, "bob.png")
	if code, out, errOut := h.run("user", "enroll", "bob", "--qr", qr); code != 0 {
		t.Fatalf("enroll --qr: exit %d\n%s%s", code, out, errOut)
	}
	fi, err := os.Stat(qr)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 100 {
		t.Fatalf("QR file: %v, %v; want a PNG with mode 0600", fi, err)
	}
}

// The RADIUS socket asks for a large receive buffer; when the kernel caps
// it (net.core.rmem_max), the log says which sysctl to raise, and the
// daemon serves anyway. A buffer the kernel grants draws no warning.
func TestReceiveBufferCapped(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Fatalf("reading net.core.rmem_max: %v", err)
	}
	rmemMax, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ask  int
		warn bool
	}{{2 * rmemMax, true}, {64 << 10, false}} {
		h := newHarness(t, harnessOptions{udpReadBuf: c.ask})
		alice := h.enroll("alice")
		h.start()
		warned := strings.Contains(h.logs.String(), "raise net.core.rmem_max")
		if warned != c.warn {
			t.Errorf("asking for %d bytes with rmem_max %d: warned %v, want %v; log:\n%s", c.ask, rmemMax, warned, c.warn, h.logs.String())
		}
		h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessAccept, "")
		h.stopDaemon()
	}
}
