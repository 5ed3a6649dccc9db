package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// maxSocketPath is the longest path a unix socket can be bound to on
// Linux (sun_path holds 108 bytes with the terminating NUL).
const maxSocketPath = 107

// listenSocket creates the admin socket at path with mode 0600, creating
// its directory with mode 0700 when missing. A socket file nobody answers
// on (left by a daemon that was killed) is removed first; one a daemon
// answers on, or a file that is not a socket, is an error. Between the
// bind and the chmod the socket has the umask's mode: the directory we
// create is 0700, and the server also checks every peer's uid.
func listenSocket(path string) (*net.UnixListener, os.FileInfo, error) {
	if len(path) > maxSocketPath {
		return nil, nil, fmt.Errorf("socket path %s is %d bytes long; unix sockets allow at most %d", path, len(path), maxSocketPath)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	if err := removeStale(path); err != nil {
		return nil, nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, nil, err
	}
	ln.SetUnlinkOnClose(false) // Close removes it, if it is still ours
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, nil, err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, fi, nil
}

// removeStale removes a socket file at path that no process answers on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; remove it or choose another admin.socket", path)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("another radius2fa daemon is answering on %s (stop it, or give this one another admin.socket)", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("checking the old socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the stale socket %s: %w", path, err)
	}
	return nil
}

// removeIfSame removes path if it is still the file fi describes (a later
// daemon may have replaced a socket it found stale).
func removeIfSame(path string, fi os.FileInfo) {
	if now, err := os.Lstat(path); err == nil && os.SameFile(now, fi) {
		os.Remove(path)
	}
}
