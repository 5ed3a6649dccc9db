package directory_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
)

// newClient returns a Client for cfg that logs at Debug to the test output,
// closed when the test ends.
func newClient(t testing.TB, cfg config.LDAP) *directory.Client {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := directory.New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// counter is an Observer that counts operations.
type counter struct {
	mu       sync.Mutex
	searches int
	binds    int
}

func (c *counter) ObserveSearch(time.Duration, error) {
	c.mu.Lock()
	c.searches++
	c.mu.Unlock()
}

func (c *counter) ObserveBind(time.Duration, bool, error) {
	c.mu.Lock()
	c.binds++
	c.mu.Unlock()
}

func (c *counter) counts() (searches, binds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.searches, c.binds
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
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

// deadURL is an ldap:// URL on 127.0.0.1 where nothing listens.
func deadURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return "ldap://127.0.0.1:" + strconv.Itoa(port)
}

// authenticate calls Authenticate with a background context.
func authenticate(t testing.TB, c *directory.Client, user, password string) (directory.Identity, bool, error) {
	t.Helper()
	return c.Authenticate(context.Background(), user, password)
}

// slogDebug logs everything as text to w.
func slogDebug(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for !cond() {
		time.Sleep(5 * time.Millisecond)
	}
}
