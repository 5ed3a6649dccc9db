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
		err := b.viewMerged(func(bk buckets, j journaled) error {
			var err error
			chunk, err = listFrom(bk, b.sealer, after, listChunk)
			for i := range chunk {
				j.merge(&chunk[i])
			}
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
// (from the first when after is nil), in byte order.
func listFrom(bk buckets, s sealer, after []byte, n int) ([]UserState, error) {
	var out []UserState
	for it := newUserIter(bk, after); it.user != nil && len(out) < n; it.next() {
		st, err := readState(bk, s, string(it.user))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// userIter walks the ids of the users List shows (those with a record in
// one of bk.userBuckets) in byte order, each once.
type userIter struct {
	cursors []keyCursor
	user    []byte // the current user; nil at the end
}

// newUserIter positions an iterator on the first user after after, or on
// the first user when after is nil.
func newUserIter(bk buckets, after []byte) *userIter {
	it := &userIter{}
	for _, b := range bk.userBuckets() {
		it.cursors = append(it.cursors, seekAfter(b.Cursor(), after))
	}
	it.user = it.least()
	return it
}

// next moves to the following user.
func (it *userIter) next() {
	for i := range it.cursors {
		it.cursors[i].skip(it.user)
	}
	it.user = it.least()
}

// least returns the smallest key the cursors are on, nil if none.
func (it *userIter) least() []byte {
	var least []byte
	for _, kc := range it.cursors {
		if kc.key != nil && (least == nil || bytes.Compare(kc.key, least) < 0) {
			least = kc.key
		}
	}
	return least
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
