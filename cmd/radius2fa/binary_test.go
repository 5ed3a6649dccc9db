package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// buildBinary builds radius2fa into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "radius2fa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// waitFor polls the process output until it contains want.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the daemon's output:\n%s", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The real binary as systemd runs it: SIGHUP reloads (ExecReload), SIGTERM
// stops after the requests in flight, with exit status 0.
func TestBinarySignals(t *testing.T) {
	bin := buildBinary(t)
	h := newHarness(t, harnessOptions{policyYAML: "  default: password"})
	listenOnFreePort(t, h)

	out := &syncBuffer{}
	cmd, exited := startBinary(t, bin, h, out)
	h.mustCode(request{user: "carol", password: "carol-pass"}, radius.CodeAccessAccept, "")

	// A new NAS, added by editing the file and sending SIGHUP.
	text, err := os.ReadFile(h.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.cfgPath, strings.Replace(string(text), "  clients:", `  clients:
    - name: new-nas
      address: 127.0.0.9
      secret: "`+testSecret+`"
      require_message_authenticator: "no"`, 1))
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out, "configuration reloaded")
	h.mustCode(request{user: "carol", password: "carol-pass", from: "127.0.0.9"}, radius.CodeAccessAccept, "")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "radius2fa stopping: requests in flight have finished") {
		t.Fatalf("no shutdown line:\n%s", out.String())
	}
}

// The unit file passes systemd's own check, with every directive known.
func TestSystemdUnit(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	src, err := os.ReadFile("../../testdata/systemd/radius2fa.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "radius2fa.service")
	// systemd-analyze wants the binary to exist.
	writeFile(t, unit, strings.ReplaceAll(string(src), "/usr/local/bin/radius2fa", "/bin/true"))
	var outb bytes.Buffer
	cmd := exec.Command(analyze, "verify", unit)
	cmd.Stdout, cmd.Stderr = &outb, &outb
	err = cmd.Run()
	// verify also reports on units installed on this machine; only ours counts.
	var ours []string
	for _, line := range strings.Split(outb.String(), "\n") {
		if strings.Contains(line, "radius2fa.service") {
			ours = append(ours, line)
		}
	}
	if err != nil || len(ours) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, outb.String())
	}
	for _, d := range []string{"ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"StateDirectory=radius2fa", "RuntimeDirectory=radius2fa", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"} {
		if !strings.Contains(string(src), d+"\n") {
			t.Errorf("the unit lacks %s", d)
		}
	}
}

// listenOnFreePort makes h's config listen on a fixed free port, so that
// h's requests still reach a daemon that is restarted.
func listenOnFreePort(t *testing.T, h *harness) {
	t.Helper()
	port := freeUDPPort(t)
	writeFile(t, h.cfgPath, strings.Replace(h.yaml, `listen: ["127.0.0.1:0"]`, `listen: ["127.0.0.1:`+strconv.Itoa(port)+`"]`, 1))
	h.addr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
}

// startBinary runs `radius2fa serve` on h's config, with env added to the
// environment, and waits until it listens. The returned channel receives
// its exit.
func startBinary(t *testing.T, bin string, h *harness, out *syncBuffer, env ...string) (*exec.Cmd, <-chan error) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", h.cfgPath)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})
	waitFor(t, out, "listening for RADIUS authentication")
	return cmd, exited
}

// The daemon killed (store.lease at its default, so the last logins were
// answered before any fdatasync): after the restart the code used just
// before the kill is refused, and so is every code of that time step —
// a crash of the machine could have lost the logins that used them — but
// the next step's codes work. A NAS that prompts for the code asks again.
func TestBinaryKilled(t *testing.T) {
	bin := buildBinary(t)
	h := newHarness(t, harnessOptions{clientYAML: `
    - name: vpn-gw
      address: 127.0.0.1
      secret: "` + testSecret + `"
      mode: append
      require_message_authenticator: "no"
    - name: prompting-nas
      address: 127.0.0.5
      secret: "` + testSecret + `"
      mode: challenge
      require_message_authenticator: "no"`})
	listenOnFreePort(t, h)
	alice, bob, carol := h.enroll("alice"), h.enroll("bob"), h.enroll("carol")

	out := &syncBuffer{}
	cmd, exited := startBinary(t, bin, h, out)
	// The logins below must fall in one time step, with the lease's end
	// (a second after the first) well before the next one.
	if left := 30*time.Second - time.Since(time.Now().Truncate(30*time.Second)); left < 10*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	aliceCode := h.code(alice, 0)
	h.mustCode(request{user: "alice", password: "alice-pass" + aliceCode}, radius.CodeAccessAccept, "")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	out = &syncBuffer{}
	startBinary(t, bin, h, out)
	if !strings.Contains(out.String(), "store was not closed cleanly") {
		t.Errorf("no warning about the refused codes after the restart:\n%s", out.String())
	}
	h.mustCode(request{user: "alice", password: "alice-pass" + aliceCode}, radius.CodeAccessReject, msgReused)
	h.mustCode(request{user: "bob", password: "bob-pass" + h.code(bob, 0)}, radius.CodeAccessReject, msgReused)
	waitFor(t, out, "user=bob")
	if !strings.Contains(out.String(), "reason=code_before_crash") {
		t.Errorf("bob's refused code is not logged as code_before_crash:\n%s", out.String())
	}
	h.mustCode(request{user: "bob", password: "bob-pass" + h.code(bob, 1)}, radius.CodeAccessAccept, "")

	state := h.promptFor("carol", "carol-pass", "127.0.0.5")
	resp := h.mustCode(request{user: "carol", password: h.code(carol, 0), state: state, from: "127.0.0.5"}, radius.CodeAccessChallenge, msgReused+". "+msgPrompt)
	h.mustCode(request{user: "carol", password: h.code(carol, 1), state: rfc2865.State_GetString(resp.pkt), from: "127.0.0.5"}, radius.CodeAccessAccept, "")
}

var metricsAddr = regexp.MustCompile(`serving metrics.* addr=(\S+)`)

// gomaxprocs reads the Go runtime's GOMAXPROCS from the daemon's metrics.
func gomaxprocs(t *testing.T, out *syncBuffer) string {
	t.Helper()
	waitFor(t, out, "serving metrics")
	m := metricsAddr.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics address in the daemon's output:\n%s", out.String())
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "go_sched_gomaxprocs_threads "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no go_sched_gomaxprocs_threads in /metrics")
	return ""
}

// serve runs its Go code on one thread unless GOMAXPROCS says otherwise.
func TestBinaryGOMAXPROCS(t *testing.T) {
	bin := buildBinary(t)
	h := newHarness(t, harnessOptions{policyYAML: "  default: password"})
	for _, tc := range []struct{ env, want string }{
		{"", "1"},
		{"GOMAXPROCS=2", "2"},
	} {
		out := &syncBuffer{}
		var env []string
		if tc.env != "" {
			env = append(env, tc.env)
		}
		cmd, exited := startBinary(t, bin, h, out, env...)
		if got := gomaxprocs(t, out); got != tc.want {
			t.Errorf("serve with %q in the environment: GOMAXPROCS %s, want %s", tc.env, got, tc.want)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := <-exited; err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, out.String())
		}
	}
}
