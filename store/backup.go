package store

import (
	"context"
	"fmt"
	"io"
)

// Backup writes a consistent copy of the whole database to w, as it was
// when Backup started, while the store keeps serving, and returns the
// number of bytes written. The copy is a complete database file: Open it
// with the same key file. Its secrets stay sealed, so the copy is no
// more sensitive than the database, but it is useless without the key:
// back the key up too, separately.
//
// The journal is folded into the database first, so the copy holds
// every login accepted before Backup was called, and needs no journal.
// A copy restored over the database replays nothing of the journal the
// database left beside it: the copy's journal epoch is never written to.
//
// The copy is made in one read transaction. Writes go on meanwhile, but
// bbolt cannot reuse the pages they free until it ends, so the file may
// grow, and a write that needs to grow the memory map waits for the
// backup to finish: give it a fast writer (a local file, not a slow
// network stream).
func (b *Bolt) Backup(w io.Writer) (int64, error) {
	o := &op{kind: opSnapshot}
	if err := b.submitOp(context.Background(), o); err != nil {
		return 0, fmt.Errorf("store %s: backup: %w", b.path, err)
	}
	defer func() { _ = o.snapshot.Rollback() }()
	n, err := o.snapshot.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("store %s: backup: %w", b.path, err)
	}
	return n, nil
}
