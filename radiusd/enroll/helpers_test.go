package enroll_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
	"github.com/radius2fa/radius2fa/radiusd/enroll"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// The harness: a real slapd (shared by the subtests of one test), a real
// bbolt store in t.TempDir(), the enrollment site on httptest.NewServer
// (127.0.0.1) and a browser-like client with a cookie jar.

// testStart is the harness clock's first instant: in the middle of a 30 s
// step, so that codes of neighbouring steps are unambiguous.
var testStart = time.Date(2026, 11, 5, 10, 0, 10, 0, time.UTC)

// testClock is the site's clock; tests move it.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// syncBuffer collects log output written from many goroutines.
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

type harness struct {
	t     *testing.T
	cfg   *config.Config
	store *store.Bolt
	clock *testClock
	logs  *syncBuffer
	srv   *enroll.Server
	ts    *httptest.Server
}

// testConfig is a configuration whose campus is loopback, the address
// the test client connects from.
func testConfig(ldap *directorytest.Server) *config.Config {
	return &config.Config{
		LDAP:     ldap.Config(),
		TOTP:     config.TOTP{Issuer: "Example University", Digits: 6, Period: 30 * time.Second, Skew: 1},
		Lockout:  config.Lockout{MaxFailures: 5, Duration: 15 * time.Minute},
		Enroll:   config.Enroll{Listen: "127.0.0.1:0", AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		Messages: config.Messages{Language: "en"},
	}
}

// newHarness starts the site against ldap; edit changes the config first.
func newHarness(t *testing.T, ldap *directorytest.Server, edit ...func(*config.Config)) *harness {
	t.Helper()
	cfg := testConfig(ldap)
	for _, e := range edit {
		e(cfg)
	}
	dir, err := directory.New(cfg.LDAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.Close() })
	st := openStore(t)
	h := &harness{t: t, cfg: cfg, store: st, clock: newTestClock(testStart), logs: &syncBuffer{}}
	h.srv, err = enroll.New(enroll.Options{
		Config:    cfg,
		Directory: dir,
		Store:     st,
		Logger:    slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       h.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.ts = httptest.NewServer(h.srv.Handler())
	t.Cleanup(h.ts.Close)
	return h
}

func openStore(t *testing.T) *store.Bolt {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "radius2fa.db"), store.Options{KeyFile: filepath.Join(dir, "store.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// state reads what RADIUS would see for user.
func (h *harness) state(user string) store.UserState {
	h.t.Helper()
	st, err := h.store.Get(context.Background(), user)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// enroll registers secret for user directly in the store, as an admin
// would, at the harness clock.
func (h *harness) enroll(user string, secret []byte) {
	h.t.Helper()
	_, err := h.store.Enroll(context.Background(), store.Enrollment{
		User: user, Secret: secret, Digits: 6, Period: 30 * time.Second, Algorithm: "SHA1", CreatedAt: h.clock.Now(),
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// browser is one user's web browser: a cookie jar and the last page.
type browser struct {
	t      *testing.T
	h      *harness
	client *http.Client
	// header is sent with every request (Accept-Language, …).
	header http.Header
	last   *response
}

type response struct {
	status int
	header http.Header
	body   string
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &browser{t: h.t, h: h, client: &http.Client{Jar: jar}, header: http.Header{}}
}

func (b *browser) do(req *http.Request) *response {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := &response{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		b.last = r
	}
	return r
}

func (b *browser) get(path string) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.ts.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form; without a "csrf" key it carries the token of the
// last page, as the browser would.
func (b *browser) post(path string, form url.Values) *response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && b.last != nil {
		form.Set("csrf", csrfOf(b.last.body))
	}
	req, err := http.NewRequest(http.MethodPost, b.h.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login logs user in and expects the status page.
func (b *browser) login(user, password string) *response {
	b.t.Helper()
	b.get("/")
	r := b.post("/login", url.Values{"username": {user}, "password": {password}})
	expect(b.t, r, http.StatusOK, `id="status"`)
	return r
}

// startRegistration presses Register and returns the key shown.
func (b *browser) startRegistration() []byte {
	b.t.Helper()
	if b.last == nil || !strings.Contains(b.last.body, `id="register"`) {
		b.get("/")
	}
	r := b.post("/register", nil)
	expect(b.t, r, http.StatusOK, `id="qr"`, `id="confirm"`, `id="reissue"`)
	return secretOf(b.t, r.body)
}

// cookie returns the value of the cookie name the browser holds.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.h.ts.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var (
	csrfRe   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	secretRe = regexp.MustCompile(`<code id="secret">([^<]*)</code>`)
	codesRe  = regexp.MustCompile(`(?s)<ol id="recovery-codes"[^>]*>(.*?)</ol>`)
	codeRe   = regexp.MustCompile(`<code>([^<]*)</code>`)
)

func csrfOf(body string) string {
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// tampered returns tok with its first character changed: always to
// another one, so the result is never the valid token itself.
func tampered(tok string) string {
	if tok == "" || tok[0] == 'x' {
		return "y" + tok[min(1, len(tok)):]
	}
	return "x" + tok[1:]
}

// secretOf reads the key off the register page, as a user types it.
func secretOf(t *testing.T, body string) []byte {
	t.Helper()
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key on the page:\n%s", body)
	}
	secret, err := totp.DecodeSecret(m[1])
	if err != nil {
		t.Fatalf("key %q: %v", m[1], err)
	}
	return secret
}

// recoveryCodesOf reads the recovery codes off their page.
func recoveryCodesOf(t *testing.T, body string) []string {
	t.Helper()
	m := codesRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no recovery codes on the page:\n%s", body)
	}
	var codes []string
	for _, c := range codeRe.FindAllStringSubmatch(m[1], -1) {
		codes = append(codes, c[1])
	}
	return codes
}

// code is what an app shows for secret at at.
func code(secret []byte, at time.Time) string {
	return totp.Code(secret, totp.Step(at, 30*time.Second), totp.Params{})
}

// expect fails unless r has status and contains every want.
func expect(t *testing.T, r *response, status int, want ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; page:\n%s", r.status, status, r.body)
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Fatalf("page (status %d) lacks %q:\n%s", r.status, w, r.body)
		}
	}
}

// expectNot fails if r contains any of unwanted.
func expectNot(t *testing.T, r *response, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(r.body, u) {
			t.Fatalf("page (status %d) contains %q:\n%s", r.status, u, r.body)
		}
	}
}

// needTool returns the path of a command-line tool, failing the test with
// the command that installs it.
func needTool(t *testing.T, tool, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: apt-get install -y %s", tool, debianPackage)
	}
	return p
}
