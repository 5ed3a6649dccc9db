//go:build linux

package store

import (
	"os"
	"syscall"
)

// datasync flushes f's data, and only the metadata needed to read it
// back, to stable storage: fdatasync(2), as bbolt uses on Linux. The
// journal is preallocated, so its writes need no metadata at all.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fdatasync(int(fd)) }); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
