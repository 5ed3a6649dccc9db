package admin

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// socketPath returns a socket path in a directory that does not exist yet.
func socketPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "run", "admin.sock")
}

func TestListenCreatesAPrivateSocket(t *testing.T) {
	path := socketPath(t)
	s, err := Listen(context.Background(), path, NewLocal(LocalOptions{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode %v, want 0700", di.Mode().Perm())
	}

	// A second daemon on the same socket is refused while the first answers.
	if s2, err := Listen(context.Background(), path, NewLocal(LocalOptions{}), nil); err == nil {
		s2.Close()
		t.Fatal("a second server took over a socket that answers")
	} else if !strings.Contains(err.Error(), "another radius2fa daemon is answering on "+path) {
		t.Fatalf("second server: %v", err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the socket file is left after Close: %v", err)
	}
}

func TestListenRemovesAStaleSocket(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	// A daemon killed with SIGKILL leaves its socket file behind.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()

	if _, err := Dial(context.Background(), path, ""); !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("Dial of a stale socket: %v, want ErrNoDaemon", err)
	}
	s, err := Listen(context.Background(), path, NewLocal(LocalOptions{}), nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer s.Close()
	c, err := Dial(context.Background(), path, "")
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	c.Close()
}

func TestListenRefusesWhatIsNotASocket(t *testing.T) {
	path := socketPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(context.Background(), path, NewLocal(LocalOptions{}), nil)
	if err == nil || !strings.Contains(err.Error(), path+" exists and is not a socket") {
		t.Fatalf("Listen over a file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Fatal("the file was touched")
	}

	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120), "admin.sock")
	if _, err := Listen(context.Background(), long, NewLocal(LocalOptions{}), nil); err == nil || !strings.Contains(err.Error(), "unix sockets allow at most 107") {
		t.Fatalf("Listen on a long path: %v", err)
	}
}

func TestDialWithoutDaemon(t *testing.T) {
	_, err := Dial(context.Background(), socketPath(t), "")
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "no daemon is answering on the admin socket") {
		t.Fatalf("Dial: %v", err)
	}
}
