package store

import (
	"bytes"
	"context"

	bolt "go.etcd.io/bbolt"
)

// listChunk is how many users List reads per read-only transaction. fn
// runs between transactions, so a slow fn never holds one open (a long
// read transaction would keep bbolt from growing the file for writers).
const listChunk = 256

// List implements Store.
func (b *Bolt) List(ctx context.Context, fn func(UserState) error) error {
	var after []byte // last user listed; nil before the first chunk
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var chunk []UserState
		err := b.view(func(bk buckets) error {
			var err error
			chunk, err = listFrom(bk, b.sealer, after, listChunk)
			return err
		})
		if err != nil {
			return err
		}
		for _, st := range chunk {
			if err := fn(st); err != nil {
				return err
			}
		}
		if len(chunk) < listChunk {
			return nil
		}
		after = []byte(chunk[len(chunk)-1].User)
	}
}

// listFrom returns the states of up to n users after the user id after
// (from the first when after is nil), in byte order. A user has state
// when it has an enrollment or a failure record; a step record never
// exists without an enrollment.
func listFrom(bk buckets, s sealer, after []byte, n int) ([]UserState, error) {
	enrolled := seekAfter(bk.enrollments.Cursor(), after)
	failed := seekAfter(bk.failures.Cursor(), after)
	var out []UserState
	for len(out) < n {
		var user []byte
		switch {
		case enrolled.key == nil && failed.key == nil:
			return out, nil
		case failed.key == nil || (enrolled.key != nil && bytes.Compare(enrolled.key, failed.key) <= 0):
			user = enrolled.key
		default:
			user = failed.key
		}
		st, err := readState(bk, s, string(user))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		enrolled.skip(user)
		failed.skip(user)
	}
	return out, nil
}

// keyCursor walks the keys of one bucket.
type keyCursor struct {
	c   *bolt.Cursor
	key []byte // nil at the end
}

// seekAfter positions a cursor on the first key greater than after, or
// on the first key when after is nil.
func seekAfter(c *bolt.Cursor, after []byte) keyCursor {
	if after == nil {
		k, _ := c.First()
		return keyCursor{c: c, key: k}
	}
	k, _ := c.Seek(after)
	if bytes.Equal(k, after) {
		k, _ = c.Next()
	}
	return keyCursor{c: c, key: k}
}

// skip moves past key if the cursor is on it.
func (kc *keyCursor) skip(key []byte) {
	if kc.key != nil && bytes.Equal(kc.key, key) {
		kc.key, _ = kc.c.Next()
	}
}
