package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// A real VPN concentrator in front of radius2fa: Debian's ocserv, which
// checks logins over RADIUS with radcli, and the openconnect client typing
// what a user types. Everything runs in real time on 127.0.0.1; codes come
// from oathtool (one taken just before a step boundary is still good: skew
// 1). The templates are in testdata/ocserv/.

// The NAS clients of this test: one ocserv per mode, told apart by the
// source address radcli binds to.
const ocservClients = `
    - name: ocserv-append
      address: 127.0.0.1/32
      secret: "` + testSecret + `"
      mode: append
      require_message_authenticator: "no"
    - name: ocserv-challenge
      address: 127.0.0.2/32
      secret: "` + testSecret + `"
      mode: challenge
      require_message_authenticator: "no"`

// msgCodePrompt is radius2fa's Access-Challenge Reply-Message (catalog "en").
const msgCodePrompt = "Enter the 6-digit code from your authenticator app"

func TestOcservOpenconnect(t *testing.T) {
	needTool(t, "ocserv", "ocserv openconnect")
	needTool(t, "openconnect", "ocserv openconnect")
	if os.Geteuid() != 0 {
		t.Fatal(`ocserv refuses to start without root ("This server requires root access to operate"): run this test as root, as CI does`)
	}
	h := newHarness(t, harnessOptions{clientYAML: ocservClients})
	aliceKey := totp.EncodeSecret(h.enroll("alice"))
	bobKey := totp.EncodeSecret(h.enroll("bob"))
	h.start()

	appendVPN := startOcserv(t, h, "127.0.0.1")

	t.Run("append", func(t *testing.T) {
		code := oathtoolCode(t, aliceKey)
		res := appendVPN.login(t, "alice", "alice-pass"+code+"\n")
		if res.err != nil || !strings.Contains(res.stdout, "COOKIE=") {
			t.Fatalf("openconnect with password+code: %v, want exit 0 and a COOKIE\n%s", res.err, res)
		}
		wantAudit(t, h, "alice", "ocserv-append", "accept", "ok")
		wantNotLogged(t, h, "alice-pass", code)
	})

	t.Run("wrong code", func(t *testing.T) {
		code := wrongCode(oathtoolCode(t, aliceKey))
		res := appendVPN.login(t, "alice", "alice-pass"+code+"\n")
		if res.err == nil || strings.Contains(res.stdout, "COOKIE=") {
			t.Fatalf("openconnect with a wrong code: %v, want a failure and no COOKIE\n%s", res.err, res)
		}
		if !strings.Contains(res.stderr, msgWrongCode) {
			t.Errorf("openconnect did not show radius2fa's message %q\n%s", msgWrongCode, res)
		}
		wantAudit(t, h, "alice", "ocserv-append", "reject", "wrong_code")
		wantNotLogged(t, h, "alice-pass", code)
	})

	t.Run("challenge", func(t *testing.T) {
		vpn := startOcserv(t, h, "127.0.0.2")
		// The password on the first line; the code on the second, read
		// when ocserv shows radius2fa's prompt.
		code := oathtoolCode(t, bobKey)
		res := vpn.login(t, "bob", "bob-pass\n"+code+"\n")
		if res.err != nil || !strings.Contains(res.stdout, "COOKIE=") {
			t.Fatalf("openconnect answering the challenge: %v, want exit 0 and a COOKIE\n%s", res.err, res)
		}
		if !strings.Contains(res.stderr, msgCodePrompt) {
			t.Errorf("openconnect did not show the prompt %q\n%s", msgCodePrompt, res)
		}
		wantAudit(t, h, "bob", "ocserv-challenge", "challenge", "")
		wantAudit(t, h, "bob", "ocserv-challenge", "accept", "ok")
		wantNotLogged(t, h, "bob-pass", code)
	})
}

// wantAudit fails unless radius2fa logged a decision for user from client
// with outcome and, unless empty, reason.
func wantAudit(t *testing.T, h *harness, user, client, outcome, reason string) {
	t.Helper()
	pat := fmt.Sprintf(`msg=access user=%s client=%s .*outcome=%s`, regexp.QuoteMeta(user), regexp.QuoteMeta(client), outcome)
	if reason != "" {
		pat += " reason=" + regexp.QuoteMeta(reason) + `(\s|$)`
	}
	if !regexp.MustCompile(`(?m)` + pat).MatchString(h.logs.String()) {
		t.Errorf("no audit line matching %q in the daemon log", pat)
	}
}

// wantNotLogged fails if any of the words a user typed (password, code)
// appears in the daemon log.
func wantNotLogged(t *testing.T, h *harness, words ...string) {
	t.Helper()
	logs := h.logs.String()
	for _, w := range words {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(w) + `\b`).MatchString(logs) {
			t.Errorf("the daemon log contains what the user typed (%d characters)", len(w))
		}
	}
}

// ocservVPN is a running ocserv.
type ocservVPN struct {
	url  string // https://127.0.0.1:PORT/
	pin  string // pin-sha256:… of the server key, for --servercert
	addr string // 127.0.0.1:PORT
	logf string

	pid     int
	done    chan struct{} // closed when ocserv has exited
	waitErr error         // how it exited, once done is closed
}

// ocservTemplate is what the templates in testdata/ocserv/ are filled with.
type ocservTemplate struct {
	Dir        string
	Port       int
	RadiusAddr string // host:port of radius2fa
	RadiusHost string
	Secret     string
	BindAddr   string // radcli's source address
}

// startOcserv runs ocserv in the foreground with a config in a temporary
// directory, sending its RADIUS requests to h from bindAddr, and stops it
// when the test ends, printing its log if the test failed.
func startOcserv(t *testing.T, h *harness, bindAddr string) *ocservVPN {
	t.Helper()
	bin := needTool(t, "ocserv", "ocserv openconnect")
	dir := ocservDir(t)
	port := ocservFreePort(t)
	v := &ocservVPN{
		url:  fmt.Sprintf("https://127.0.0.1:%d/", port),
		pin:  ocservCert(t, dir),
		addr: fmt.Sprintf("127.0.0.1:%d", port),
		logf: filepath.Join(dir, "ocserv.log"),
		done: make(chan struct{}),
	}
	data := ocservTemplate{
		Dir: dir, Port: port,
		RadiusAddr: h.addr.String(), RadiusHost: h.addr.IP.String(), Secret: testSecret, BindAddr: bindAddr,
	}
	for _, name := range []string{"ocserv.conf", "radiusclient.conf", "servers"} {
		ocservRender(t, name+".tmpl", filepath.Join(dir, name), data)
	}

	logFile, err := os.Create(v.logf)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-f", "-d", "2", "-c", filepath.Join(dir, "ocserv.conf"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: ocserv forks sec-mod and a worker per
	// connection, all stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("ocserv: %v", err)
	}
	v.pid = cmd.Process.Pid
	go func() {
		v.waitErr = cmd.Wait()
		close(v.done)
	}()
	t.Cleanup(func() {
		v.stop(t)
		if t.Failed() {
			t.Logf("ocserv log:\n%s", v.log())
		}
	})
	v.waitReady(t)
	return v
}

// log is what ocserv wrote so far.
func (v *ocservVPN) log() string {
	b, _ := os.ReadFile(v.logf)
	return string(b)
}

// waitReady waits until ocserv accepts connections, failing early if it
// exits.
func (v *ocservVPN) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", v.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-v.done:
			t.Fatalf("ocserv exited before listening: %v", v.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("ocserv does not listen on %s: %v", v.addr, err)
		}
	}
}

// stop stops ocserv's process group: SIGTERM, then SIGKILL if it has not
// exited after a few seconds.
func (v *ocservVPN) stop(t *testing.T) {
	t.Helper()
	syscall.Kill(-v.pid, syscall.SIGTERM)
	select {
	case <-v.done:
	case <-time.After(5 * time.Second):
		t.Errorf("ocserv (pid %d) did not stop on SIGTERM", v.pid)
		syscall.Kill(-v.pid, syscall.SIGKILL)
		<-v.done
	}
}

// ocservDir is a temporary directory for one ocserv. Its workers drop to
// nobody and must still reach the sec-mod socket inside: t.TempDir and its
// parent are 0700, so they get 0711 (enter, not list).
func ocservDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ocservRender fills testdata/ocserv/name with data into out.
func ocservRender(t *testing.T, name, out string, data ocservTemplate) {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join("..", "..", "testdata", "ocserv", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	mode := os.FileMode(0o644)
	if name == "servers.tmpl" { // holds the shared secret
		mode = 0o600
	}
	if err := os.WriteFile(out, b.Bytes(), mode); err != nil {
		t.Fatal(err)
	}
}

// ocservCert writes a self-signed certificate for 127.0.0.1 and its
// key to dir and returns openconnect's pin of the public key.
func ocservCert(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ocservWritePEM(t, filepath.Join(dir, "server.crt"), "CERTIFICATE", der)
	ocservWritePEM(t, filepath.Join(dir, "server.key"), "PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "pin-sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

func ocservWritePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ocservFreePort returns a port on 127.0.0.1 that was free a moment ago.
func ocservFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// openconnectResult is what openconnect did.
type openconnectResult struct {
	err            error // nil: exit status 0
	stdout, stderr string
}

func (r openconnectResult) String() string {
	return "--- openconnect stdout:\n" + r.stdout + "--- openconnect stderr:\n" + r.stderr
}

// login runs `openconnect --authenticate` as user, typing stdin at its
// password prompts.
func (v *ocservVPN) login(t *testing.T, user, stdin string) openconnectResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needTool(t, "openconnect", "ocserv openconnect"),
		"--authenticate", "--user", user, "--passwd-on-stdin", "--servercert", v.pin, v.url)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("openconnect did not finish in 20 s\n%s", openconnectResult{err, out.String(), errb.String()})
	}
	return openconnectResult{err: err, stdout: out.String(), stderr: errb.String()}
}
