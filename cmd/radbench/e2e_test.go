package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/totp"
)

// radbench against the real radius2fa: the binary built from ../radius2fa,
// a throwaway slapd holding the benchmark users, their apps imported with
// `radius2fa user import`, all on 127.0.0.1.

const e2eSecret = "radbench-e2e-secret"

// benchUser is an account in the test directory with its TOTP secret.
type benchUser struct{ name, password, secret string }

// syncBuffer collects a subprocess's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running radius2fa.
type server struct {
	addr string // its RADIUS address
	dir  string
	log  *syncBuffer
}

// newBenchUsers makes n users bench00…, each with a fresh secret.
func newBenchUsers(t *testing.T, n int) []benchUser {
	t.Helper()
	us := make([]benchUser, n)
	for i := range us {
		s, err := totp.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		// No digits at the end: the client is in auto mode, where trailing
		// digits that form a valid code are taken for one.
		us[i] = benchUser{name: fmt.Sprintf("bench%02d", i), password: fmt.Sprintf("pw-%02d-bench", i), secret: totp.EncodeSecret(s)}
	}
	return us
}

// writeUsersCSV writes users as radbench reads them by default.
func writeUsersCSV(t *testing.T, path string, us []benchUser) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# user,password,secret\n")
	for _, u := range us {
		fmt.Fprintf(&b, "%s,%s,%s\n", u.name, u.password, u.secret)
	}
	writeFile(t, path, b.String())
	return path
}

// writeLDIF writes the users as entries under ou=people.
func writeLDIF(t *testing.T, path string, us []benchUser) string {
	t.Helper()
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: Bench\nuserPassword: %s\n\n",
			u.name, directorytest.PeopleDN, u.name, u.name, u.password)
	}
	writeFile(t, path, b.String())
	return path
}

// startServer builds radius2fa, starts slapd with us, imports their apps
// and serves RADIUS on a free port of 127.0.0.1. The NAS at 127.0.0.1 is
// in auto mode (a code after the password, or a prompt for it) and needs
// no Message-Authenticator; NAS-Identifier radbench-password needs only
// the password.
func startServer(t *testing.T, us []benchUser) *server {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "radius2fa")
	if out, err := exec.Command("go", "build", "-o", bin, "../radius2fa").CombinedOutput(); err != nil {
		t.Fatalf("go build ../radius2fa: %v\n%s", err, out)
	}
	ldap := directorytest.Start(t, directorytest.WithLDIF(writeLDIF(t, filepath.Join(dir, "bench.ldif"), us)))
	lc := ldap.Config()
	cfg := filepath.Join(dir, "radius2fa.yaml")
	writeFile(t, cfg, fmt.Sprintf(`radius:
  listen: ["127.0.0.1:0"]
  clients:
    - name: radbench
      address: 127.0.0.1
      secret: %q
      mode: auto
      require_message_authenticator: "no"
ldap:
  urls: [%q]
  bind_dn: %q
  bind_password: %q
  base_dn: %q
  timeout: 2s
  pool_size: 4
totp:
  issuer: "Example University"
policy:
  default: totp
  rules:
    - name: bench-password
      nas_identifiers: [radbench-password]
      require: password
lockout:
  max_failures: 5
  duration: 15m
enroll:
  public_url: "https://mfa.example.ac.jp/"
store:
  path: state/radius2fa.db
  encryption_key_file: state/store.key
admin:
  socket: state/admin.sock
  metrics_listen: ""
log:
  level: info
`, e2eSecret, lc.URLs[0], lc.BindDN, lc.BindPassword, lc.BaseDN))

	csv := writeUsersCSV(t, filepath.Join(dir, "import.csv"), us)
	imp := exec.Command(bin, "user", "import", "--columns", "user,password,secret", csv, "--config", cfg)
	var stderr bytes.Buffer
	imp.Stderr = &stderr
	out, err := imp.Output()
	if want := fmt.Sprintf("imported %d users\n", len(us)); err != nil || string(out) != want {
		t.Fatalf("radius2fa user import: %v\n%s%s\nwant %q", err, out, stderr.String(), want)
	}
	return serve(t, bin, cfg, dir)
}

var listenLine = regexp.MustCompile(`msg="listening for RADIUS authentication" addr=(127\.0\.0\.1:\d+)`)

// serve runs `radius2fa serve` and stops it (by its PID) when the test ends.
func serve(t *testing.T, bin, cfg, dir string) *server {
	t.Helper()
	s := &server{dir: dir, log: &syncBuffer{}}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("radius2fa log:\n%s", s.log.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := listenLine.FindStringSubmatch(s.log.String()); m != nil {
			s.addr = m[1]
			return s
		}
		select {
		case err := <-exited:
			t.Fatalf("radius2fa serve exited: %v\n%s", err, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("radius2fa is not listening after 10 s:\n%s", s.log.String())
		}
	}
}

// options are the settings of a short run against s with the users in
// file: closed loop, c=4, 1 s, no warm-up.
func (s *server) options(file, mode string) Options {
	return Options{
		Server: s.addr, Secret: e2eSecret, UsersFile: file, Columns: "user,password,secret", Mode: mode,
		Concurrency: 4, Duration: time.Second, Timeout: 2 * time.Second,
		OncePerWindow: true, Digits: 6, Period: 30 * time.Second,
	}
}

func mustRun(t *testing.T, o Options) Result {
	t.Helper()
	res, err := run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res.Text())
	return res
}

// allAnswered fails unless every login got an authentic answer.
func allAnswered(t *testing.T, r Result) {
	t.Helper()
	if r.Timeouts != 0 || r.Bad != 0 || r.Errors != 0 || r.Packets.Late != 0 || r.Packets.Bad != 0 {
		t.Fatalf("timeouts=%d bad=%d errors=%d late=%d bad packets=%d, want none", r.Timeouts, r.Bad, r.Errors, r.Packets.Late, r.Packets.Bad)
	}
	if r.Accepts+r.Rejects+r.Challenges != r.Sent {
		t.Fatalf("%d logins sent, %d answered", r.Sent, r.Accepts+r.Rejects+r.Challenges)
	}
	if !(r.PerS > 0 && r.P50Ms > 0 && r.P50Ms <= r.P90Ms && r.P90Ms <= r.P99Ms && r.P99Ms <= r.MaxMs) {
		t.Fatalf("rate and latencies: %.1f/s p50=%g p90=%g p99=%g max=%g", r.PerS, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs)
	}
}

func TestAgainstRadius2fa(t *testing.T) {
	us := newBenchUsers(t, 30)
	s := startServer(t, us)
	// Each run that logs in with codes has users of its own: radius2fa
	// takes a user's code once per time step, and a 1 s run uses up ten
	// users far faster than the clock.
	appendUsers := writeUsersCSV(t, filepath.Join(s.dir, "append.csv"), us[0:10])
	challengeUsers := writeUsersCSV(t, filepath.Join(s.dir, "challenge.csv"), us[10:20])
	passwordUsers := writeUsersCSV(t, filepath.Join(s.dir, "password.csv"), us[20:30])

	t.Run("append mode: each user once per step, then waits", func(t *testing.T) { testAppend(t, s, appendUsers) })
	t.Run("challenge mode with Message-Authenticator: two packets a login", func(t *testing.T) { testChallenge(t, s, challengeUsers) })
	t.Run("password mode: NAS-Identifier picks the policy", func(t *testing.T) { testPassword(t, s, passwordUsers) })
	t.Run("a wrong shared secret: radius2fa drops, radbench times out", func(t *testing.T) { testWrongSecret(t, s, passwordUsers) })
	t.Run("open loop at a fixed rate", func(t *testing.T) { testOpenLoop(t, s, passwordUsers) })
	t.Run("the command line prints one JSON object", func(t *testing.T) { testJSON(t, s, passwordUsers) })
	t.Run("the text summary", func(t *testing.T) { testText(t, s, passwordUsers) })
}

func testAppend(t *testing.T, s *server, users string) {
	r := mustRun(t, s.options(users, modeAppend))
	allAnswered(t, r)
	// A 1 s run spans at most two steps: at most 20 logins.
	if r.Accepts == 0 || r.Rejects != 0 || r.Accepts > 20 || r.WaitsForStep == 0 {
		t.Fatalf("accepts=%d rejects=%d waits_for_step=%d; want some accepts (≤ 20), no rejects, waits", r.Accepts, r.Rejects, r.WaitsForStep)
	}
	if r.Packets.Sent != r.Sent || r.Packets.Accepts != r.Accepts {
		t.Fatalf("%d packets for %d logins, want one each", r.Packets.Sent, r.Sent)
	}
}

func testChallenge(t *testing.T, s *server, users string) {
	o := s.options(users, modeChallenge)
	o.MsgAuth = true
	r := mustRun(t, o)
	allAnswered(t, r)
	if r.Accepts == 0 || r.Rejects != 0 || r.Challenges != 0 {
		t.Fatalf("accepts=%d rejects=%d challenges=%d; want accepts only", r.Accepts, r.Rejects, r.Challenges)
	}
	if p := r.Packets; p.Sent != 2*r.Sent || p.Challenges != r.Sent || p.Accepts != r.Accepts {
		t.Fatalf("packets %+v for %d logins: want a challenge and an accept each", p, r.Sent)
	}
}

func testPassword(t *testing.T, s *server, users string) {
	o := s.options(users, modePassword)
	o.NASIdentifier, o.OncePerWindow = "radbench-password", false
	r := mustRun(t, o)
	allAnswered(t, r)
	if r.Accepts == 0 || r.Accepts != r.Sent {
		t.Fatalf("accepts=%d of %d logins, want all", r.Accepts, r.Sent)
	}
	// Without it the default policy asks for the code: the login ends
	// with the prompt, which radbench counts as a challenge.
	o.NASIdentifier, o.Count = "", 4
	r = mustRun(t, o)
	allAnswered(t, r)
	if r.Sent != 4 || r.Challenges != 4 {
		t.Fatalf("sent=%d challenges=%d, want 4 and 4", r.Sent, r.Challenges)
	}
}

func testWrongSecret(t *testing.T, s *server, users string) {
	o := s.options(users, modePassword)
	o.Secret, o.OncePerWindow = "not-"+e2eSecret, false
	o.Concurrency, o.Count, o.Timeout, o.Retries = 2, 2, 300*time.Millisecond, 1
	r := mustRun(t, o)
	if r.Sent != 2 || r.Timeouts != 2 || r.Accepts+r.Rejects+r.Bad != 0 {
		t.Fatalf("sent=%d timeouts=%d accepts=%d rejects=%d bad=%d; want 2 timeouts only", r.Sent, r.Timeouts, r.Accepts, r.Rejects, r.Bad)
	}
	if r.Packets.Sent != 4 || r.Packets.Retransmits != 2 {
		t.Fatalf("packets sent=%d retransmits=%d, want 4 and 2 (-retries 1)", r.Packets.Sent, r.Packets.Retransmits)
	}
}

func testOpenLoop(t *testing.T, s *server, users string) {
	o := s.options(users, modePassword)
	o.NASIdentifier, o.OncePerWindow = "radbench-password", false
	o.Rate, o.MaxInflight, o.Count = 50, 8, 10
	r := mustRun(t, o)
	allAnswered(t, r)
	if r.Sent != 10 || r.Accepts != 10 || r.Rate != 50 || r.Concurrency != 0 {
		t.Fatalf("sent=%d accepts=%d rate=%g concurrency=%d; want 10 logins at 50/s", r.Sent, r.Accepts, r.Rate, r.Concurrency)
	}
}

func testJSON(t *testing.T, s *server, users string) {
	code, out, errOut := cliRun(t, "-server", s.addr, "-secret", e2eSecret, "-users", users, "-mode", "password",
		"-nas-id", "radbench-password", "-once-per-window=false", "-c", "2", "-n", "6", "-warmup", "0", "-json")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, k := range []string{"mode", "concurrency", "rate", "duration_s", "sent", "accepts", "rejects", "challenges",
		"timeouts", "bad", "boundary_rejects", "per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "waits_for_step",
		"gen_cpu_ms_per_req", "packets"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if got["mode"] != "password" || got["sent"] != 6.0 || got["accepts"] != 6.0 || got["concurrency"] != 2.0 {
		t.Errorf("JSON: %s", out)
	}
	if strings.Contains(out, e2eSecret) || strings.Contains(errOut, e2eSecret) {
		t.Error("the output shows the shared secret")
	}
}

func testText(t *testing.T, s *server, users string) {
	code, out, errOut := cliRun(t, "-server", s.addr, "-secret", e2eSecret, "-users", users, "-mode", "password",
		"-nas-id", "radbench-password", "-once-per-window=false", "-c", "1", "-n", "3", "-warmup", "0")
	line := regexp.MustCompile(`^radbench password c=1 \d+\.\ds sent=3 accept=3 reject=0 challenge=0 timeout=0 bad=0 ` +
		`\d+\.\d logins/s p50=[\d.]+ms p90=[\d.]+ms p99=[\d.]+ms max=[\d.]+ms \(boundary_rejects=0\)\n`)
	if code != 0 || !line.MatchString(out) || !strings.Contains(out, "radbench CPU ") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
