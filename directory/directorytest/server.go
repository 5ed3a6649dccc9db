package directorytest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
)

// Demo directory of testdata/ldap/seed.ldif.
const (
	// BaseDN is the suffix of the test directory.
	BaseDN = "dc=example,dc=ac,dc=jp"
	// PeopleDN holds the users.
	PeopleDN = "ou=people," + BaseDN
	// GroupsDN holds the groups (groupOfNames).
	GroupsDN = "ou=groups," + BaseDN
	// ServiceDN is the service account radius2fa searches as.
	ServiceDN = "cn=radius2fa,ou=services," + BaseDN
	// ServicePassword is the service account's password.
	ServicePassword = "service-secret"
)

// installHint is what a test prints when slapd is missing.
const installHint = "apt-get install -y slapd ldap-utils"

// Server is a running throwaway slapd.
type Server struct {
	// URL is ldap://127.0.0.1:PORT.
	URL string
	// LDAPSURL is ldaps://127.0.0.1:PORT when started WithTLS.
	LDAPSURL string
	// BaseDN is the directory's suffix.
	BaseDN string
	// BindDN and BindPassword are the service account's.
	BindDN, BindPassword string
	// Dir holds slapd.conf, the database and slapd.log.
	Dir string
	// CAFile is the PEM CA that signed the server certificate (WithTLS).
	CAFile string

	t      testing.TB
	script string
	env    []string // for slapd.sh start
	pid    int

	mu      sync.Mutex
	paused  bool
	stopped bool
}

// Option changes how Start runs slapd.
type Option func(*options)

type options struct {
	tls  bool
	ldif []string
}

// WithTLS makes slapd listen on ldaps:// too and accept StartTLS, with a
// certificate for 127.0.0.1 from a throwaway CA (Server.CAFile).
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithLDIF loads the LDIF files after the seed.
func WithLDIF(paths ...string) Option {
	return func(o *options) { o.ldif = append(o.ldif, paths...) }
}

// Start runs testdata/ldap/slapd.sh in a temporary directory and stops
// slapd when the test ends, printing its log if the test failed. A missing
// slapd fails the test with the command that installs it.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := lookPath("slapd"); err != nil {
		t.Fatalf("slapd not found: %s", installHint)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("directorytest: %v", err)
	}
	s := &Server{
		BaseDN: BaseDN, BindDN: ServiceDN, BindPassword: ServicePassword,
		Dir: t.TempDir(), t: t, script: filepath.Join(root, "testdata", "ldap", "slapd.sh"),
	}
	env := os.Environ()
	if len(o.ldif) > 0 {
		env = append(env, "LDIF="+strings.Join(absPaths(o.ldif), " "))
	}
	if o.tls {
		cert, key, ca, err := writeCerts(s.Dir)
		if err != nil {
			t.Fatalf("directorytest: %v", err)
		}
		s.CAFile = ca
		env = append(env, "TLS_CERT="+cert, "TLS_KEY="+key)
	}
	s.env = env
	t.Cleanup(s.cleanup)
	s.start(env)
	return s
}

// start runs slapd.sh start with env.
func (s *Server) start(env []string) {
	s.t.Helper()
	out, err := s.run(env, "start")
	if err != nil {
		s.t.Fatalf("start slapd: %v\n%s", err, out)
	}
	s.parseStart(out)
}

// Restart stops slapd and starts it again on the same ports with the seed
// data, closing every client connection (a server restart).
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	env := append(slices.Clone(s.env), "LDAP_PORT="+portOf(s.URL))
	if s.LDAPSURL != "" {
		env = append(env, "LDAPS_PORT="+portOf(s.LDAPSURL))
	}
	s.mu.Lock()
	s.stopped = false
	s.mu.Unlock()
	s.start(env)
}

func portOf(url string) string { return url[strings.LastIndexByte(url, ':')+1:] }

// parseStart reads the URLs slapd.sh printed and the PID it recorded.
func (s *Server) parseStart(out string) {
	lines := strings.Fields(out)
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "ldap://"):
			s.URL = l
		case strings.HasPrefix(l, "ldaps://"):
			s.LDAPSURL = l
		}
	}
	pid, err := os.ReadFile(filepath.Join(s.Dir, "slapd.pid"))
	if err == nil {
		s.pid, err = strconv.Atoi(strings.TrimSpace(string(pid)))
	}
	if err != nil || s.URL == "" || (s.CAFile != "" && s.LDAPSURL == "") {
		s.t.Fatalf("slapd.sh start printed %q; pid file: %v", out, err)
	}
}

// Config is a ready ldap configuration for this server: the service
// account, users under ou=people, groups from memberOf.
func (s *Server) Config() config.LDAP {
	return config.LDAP{
		URLs:            []string{s.URL},
		CAFile:          s.CAFile,
		BindDN:          s.BindDN,
		BindPassword:    s.BindPassword,
		BaseDN:          "ou=people," + s.BaseDN,
		UserFilter:      "(uid={user})",
		StripRealm:      true,
		UserIDAttribute: "uid",
		GroupAttribute:  "memberOf",
		GroupFilter:     "(member={dn})",
		Timeout:         5 * time.Second,
		PoolSize:        4,
	}
}

// Stop stops slapd now, to test a directory that is down. It is idempotent.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped, s.paused = true, false // slapd.sh stop continues a paused slapd
	if out, err := s.run(os.Environ(), "stop"); err != nil {
		s.t.Errorf("stop slapd: %v\n%s", err, out)
	}
}

// Pause stops slapd with SIGSTOP: it keeps accepting TCP connections (the
// kernel does) but answers nothing, like a hung server.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP, true) }

// Resume continues a paused slapd.
func (s *Server) Resume() { s.signal(syscall.SIGCONT, false) }

func (s *Server) signal(sig syscall.Signal, paused bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		s.t.Fatalf("directorytest: slapd already stopped")
	}
	if err := syscall.Kill(s.pid, sig); err != nil {
		s.t.Fatalf("directorytest: signal slapd %d: %v", s.pid, err)
	}
	if paused {
		// kill returns before every thread has stopped: a thread busy on a
		// request could still answer it. Wait until all are stopped.
		s.waitStopped()
	}
	s.paused = paused
}

// waitStopped waits until every thread of slapd is in the stopped state
// (T in /proc/PID/task/*/stat).
func (s *Server) waitStopped() {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", s.pid))
		stopped := len(stats) > 0
		for _, f := range stats {
			b, err := os.ReadFile(f)
			// The state follows the parenthesised command name.
			i := bytes.LastIndexByte(b, ')')
			if err != nil || i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
				stopped = false
				break
			}
		}
		if stopped {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("directorytest: slapd %d did not stop on SIGSTOP", s.pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// cleanup stops slapd and prints its log when the test failed.
func (s *Server) cleanup() {
	s.Stop()
	if s.t.Failed() {
		if log, err := os.ReadFile(filepath.Join(s.Dir, "slapd.log")); err == nil {
			s.t.Logf("slapd.log:\n%s", log)
		}
	}
}

// run runs slapd.sh CMD s.Dir and returns its output.
func (s *Server) run(env []string, cmd string) (string, error) {
	c := exec.Command("bash", s.script, cmd, s.Dir)
	c.Env = env
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// moduleRoot walks up from the working directory to the one holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// lookPath finds a program on PATH or in the sbin directories, where Debian
// installs slapd.
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

func absPaths(paths []string) []string {
	abs := make([]string, len(paths))
	for i, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		abs[i] = p
	}
	return abs
}
