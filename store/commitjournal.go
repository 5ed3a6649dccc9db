package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The journal path of the committer: a batch of AcceptStep ops is
// decided in one read transaction against the database, the overlay and
// the batch's own earlier logins, exactly as acceptStep would decide it
// after a fold; the accepted logins are written to the journal with one
// fdatasync and only then published in the overlay and answered. A
// failed write or sync fails every op of the batch and publishes
// nothing.

// errEpochMoved means the database's journal epoch is not the one the
// committer writes: a commit it saw fail has reached the disk. The batch
// takes the bbolt path, which folds and starts a new epoch.
var errEpochMoved = errors.New("store: journal epoch moved")

// commitJournal records a batch of AcceptStep ops in the journal and
// answers them. It returns false, having answered nothing, when the
// batch must take the bbolt path instead: its records would not fit even
// in an empty journal, or the epochs disagree.
func (b *Bolt) commitJournal(batch []*op) bool {
	start := time.Now()
	need := 0
	for _, o := range batch {
		need += journalRecordLen(o.accept.user)
	}
	if int64(need) > b.j.size {
		return false
	}
	if b.j.rotate || !b.j.fits(need) {
		if err := b.checkpoint(); err != nil {
			b.finish(batch, start, err)
			return true
		}
	}
	defer clear(b.accepted)
	err := b.decide(batch)
	if errors.Is(err, errEpochMoved) {
		b.log.Error("store journal epoch differs from the database's; folding the journal", "path", b.j.path)
		b.j.rotate = true
		return false
	}
	if err == nil && len(b.j.buf) > 0 {
		err = b.j.write()
	}
	if err == nil {
		b.overlay.publish(b.accepted)
	}
	b.finish(batch, start, err)
	return true
}

// decide sets each op's outcome, and encodes the accepted logins into
// the journal's buffer and b.accepted.
func (b *Bolt) decide(batch []*op) error {
	b.j.buf = b.j.buf[:0]
	epoch := b.overlay.epoch
	return b.db.View(func(tx *bolt.Tx) error {
		bk := bucketsOf(tx)
		current, ok, err := readEpoch(bk.meta)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !ok || current != epoch {
			return errEpochMoved
		}
		for _, o := range batch {
			if err := o.ctx.Err(); err != nil {
				o.outcome = err
				continue
			}
			a, outcome := b.decideAccept(bk, o.accept)
			o.outcome = outcome
			if outcome == nil {
				b.accepted[o.accept.user] = a
				b.j.appendRecord(epoch, o.accept.user, a)
			}
		}
		return nil
	})
}

// decideAccept decides one AcceptStep as acceptStep would on the
// database with the overlay and the batch so far folded in, and returns
// the login to record when it is accepted.
func (b *Bolt) decideAccept(bk buckets, a acceptArgs) (acceptedStep, error) {
	key := []byte(a.user)
	rec, ok, err := readStep(bk, key)
	switch {
	case err != nil:
		return acceptedStep{}, fmt.Errorf("store: user %q: %w", a.user, err)
	case !ok || rec.EnrollmentID != a.enrollmentID:
		return acceptedStep{}, ErrNotFound
	}
	prev, journaled := b.accepted[a.user]
	if !journaled {
		prev, journaled = b.overlay.steps[a.user] // the committer is its only writer
	}
	if journaled {
		// That login cleared failures and lockout.
		if prev.enrollmentID == rec.EnrollmentID {
			rec.LastStep = max(rec.LastStep, prev.step)
		}
	} else {
		f, err := readFailures(bk, key)
		switch {
		case err != nil:
			return acceptedStep{}, fmt.Errorf("store: user %q: %w", a.user, err)
		case a.now.Before(f.LockedUntil):
			return acceptedStep{}, ErrLocked
		}
	}
	if a.step <= rec.LastStep {
		return acceptedStep{}, ErrReplay
	}
	return acceptedStep{enrollmentID: rec.EnrollmentID, step: a.step, used: unixNanos(a.now)}, nil
}
