package store

import (
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w, as it was
// when Backup started, while the store keeps serving, and returns the
// number of bytes written. The copy is a complete database file: Open it
// with the same key file. Its secrets stay sealed, so the copy is no
// more sensitive than the database, but it is useless without the key:
// back the key up too, separately.
//
// The copy is made in one read transaction. Writes go on meanwhile, but
// bbolt cannot reuse the pages they free until it ends, so the file may
// grow, and a write that needs to grow the memory map waits for the
// backup to finish: give it a fast writer (a local file, not a slow
// network stream).
func (b *Bolt) Backup(w io.Writer) (int64, error) {
	var n int64
	err := b.viewTx(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store %s: backup: %w", b.path, err)
	}
	return n, nil
}
