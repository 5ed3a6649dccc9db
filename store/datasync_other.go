//go:build !linux

package store

import "os"

// datasync flushes f to stable storage. Without fdatasync(2) it is a
// full fsync.
func datasync(f *os.File) error {
	return f.Sync()
}
