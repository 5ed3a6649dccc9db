package store

import (
	"context"
	"fmt"
)

// The meta bucket keeps a countsRecord so that Count is one read however
// many users there are. Every write that can add or remove a listed user
// or an enrollment goes through track, which compares the user's
// presence before and after and adjusts the counts in the same
// transaction. AcceptStep and the pending enrollment writes cannot change
// either and skip it.

// presence is what the counts know about one user.
type presence struct {
	listed   bool // has a record in one of bk.userBuckets
	enrolled bool
}

func presenceOf(bk buckets, key []byte) presence {
	var p presence
	for _, b := range bk.userBuckets() {
		if b.Get(key) != nil {
			p.listed = true
			break
		}
	}
	p.enrolled = bk.enrollments.Get(key) != nil
	return p
}

// track runs change, a write to user's records, and adjusts the counts
// by what it changed. Like a txFunc, change writes nothing when its
// outcome is not nil.
func track(bk buckets, user string, change func() (outcome, abort error)) (outcome, abort error) {
	key := []byte(user)
	before := presenceOf(bk, key)
	outcome, abort = change()
	if outcome != nil || abort != nil {
		return outcome, abort
	}
	after := presenceOf(bk, key)
	if after == before {
		return nil, nil
	}
	return nil, addCounts(bk, delta(before.listed, after.listed), delta(before.enrolled, after.enrolled))
}

func delta(before, after bool) int64 {
	switch {
	case after && !before:
		return 1
	case before && !after:
		return -1
	}
	return 0
}

// addCounts adds users and enrolled (either may be negative) to the
// stored counts.
func addCounts(bk buckets, users, enrolled int64) error {
	c, err := decodeCountsRecord(bk.meta.Get([]byte(countsKey)))
	if err != nil {
		return fmt.Errorf("store: counts: %w", err)
	}
	c.Users = uint64(int64(c.Users) + users)
	c.Enrolled = uint64(int64(c.Enrolled) + enrolled)
	if err := bk.meta.Put([]byte(countsKey), c.encode()); err != nil {
		return fmt.Errorf("store: writing counts: %w", err)
	}
	return nil
}

// Count returns how many users List would show and how many of them are
// enrolled, for metrics. It reads one record, however many users there
// are.
func (b *Bolt) Count(ctx context.Context) (users int, enrolled int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	var c countsRecord
	err = b.view(func(bk buckets) error {
		var err error
		c, err = decodeCountsRecord(bk.meta.Get([]byte(countsKey)))
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: count: %w", err)
	}
	return int(c.Users), int(c.Enrolled), nil
}
