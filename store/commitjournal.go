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
// after a fold; the accepted logins are written to the journal, made
// durable with one fdatasync (or covered by the lease, lease.go), and
// only then published in the overlay and answered. A failed write or
// sync fails every op of the batch and publishes nothing.

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
	ask, err := b.decide(batch)
	if errors.Is(err, errEpochMoved) {
		b.log.Error("store journal epoch differs from the database's; folding the journal", "path", b.j.path)
		b.j.rotate = true
		return false
	}
	var renew int64
	if err == nil && len(b.j.buf) > 0 {
		renew, err = b.writeBatch(ask)
	}
	if err == nil {
		b.overlay.publish(b.accepted)
	}
	b.finish(batch, start, err)
	if renew != 0 {
		b.renewLease(renew)
	}
	return true
}

// leaseNeed is what a batch's accepted logins ask of the lease: the
// latest start of their steps and the latest of their times, Unix ns.
type leaseNeed struct {
	start, now int64
}

// writeBatch writes the batch's records in j.buf and makes them durable,
// or, when the durable lease covers every step they accept, only writes
// them. It returns the bound of a lease to make durable once the batch
// is answered (0 for none): when less than half of the lease is left.
func (b *Bolt) writeBatch(need leaseNeed) (renew int64, err error) {
	if b.lease <= 0 {
		return 0, b.j.write()
	}
	bound := leaseBound(b.lease, need.now, need.start)
	if b.j.leased > 0 && need.start <= b.j.leased {
		if err := b.j.writeOnly(); err != nil {
			return 0, err
		}
		if b.j.leased-need.now < int64(b.lease)/2 {
			return bound, nil
		}
		return 0, nil
	}
	b.j.appendLease(b.overlay.epoch, bound)
	if err := b.j.write(); err != nil {
		return 0, err
	}
	b.j.leased = max(b.j.leased, bound)
	return 0, nil
}

// renewLease makes a lease up to bound durable. A failure is logged and
// ends the epoch (journal.sync): the logins after it wait for a new
// lease in a new epoch.
func (b *Bolt) renewLease(bound int64) {
	b.j.buf = b.j.buf[:0]
	b.j.appendLease(b.overlay.epoch, bound)
	if err := b.j.write(); err != nil {
		b.log.Error("store lease renewal failed", "error", err)
		return
	}
	b.j.leased = max(b.j.leased, bound)
}

// decide sets each op's outcome, and encodes the accepted logins into
// the journal's buffer and b.accepted. need is what they ask of the
// lease, when the store keeps one.
func (b *Bolt) decide(batch []*op) (need leaseNeed, err error) {
	b.j.buf = b.j.buf[:0]
	epoch := b.overlay.epoch
	err = b.db.View(func(tx *bolt.Tx) error {
		bk := bucketsOf(tx)
		current, ok, err := readEpoch(bk.meta)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !ok || current != epoch {
			return errEpochMoved
		}
		embargo, err := readEmbargo(bk.meta)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		for _, o := range batch {
			if err := o.ctx.Err(); err != nil {
				o.outcome = err
				continue
			}
			a, start, outcome := b.decideAccept(bk, o.accept, embargo)
			o.outcome = outcome
			if outcome == nil {
				b.accepted[o.accept.user] = a
				b.j.appendRecord(epoch, o.accept.user, a)
				need.start, need.now = max(need.start, start), max(need.now, a.used)
			}
		}
		return nil
	})
	return need, err
}

// decideAccept decides one AcceptStep as acceptStep would on the
// database with the overlay and the batch so far folded in, and returns
// the login to record when it is accepted, with the start of its step
// when the store keeps a lease or an embargo.
func (b *Bolt) decideAccept(bk buckets, a acceptArgs, embargo int64) (acceptedStep, int64, error) {
	key := []byte(a.user)
	rec, ok, err := readStep(bk, key)
	switch {
	case err != nil:
		return acceptedStep{}, 0, fmt.Errorf("store: user %q: %w", a.user, err)
	case !ok || rec.EnrollmentID != a.enrollmentID:
		return acceptedStep{}, 0, ErrNotFound
	}
	var start int64
	if b.lease > 0 || embargo > 0 {
		period, err := readPeriod(bk, key)
		if err != nil {
			return acceptedStep{}, 0, fmt.Errorf("store: user %q: %w", a.user, err)
		}
		start = stepStart(a.step, period)
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
			return acceptedStep{}, 0, fmt.Errorf("store: user %q: %w", a.user, err)
		case a.now.Before(f.LockedUntil):
			return acceptedStep{}, 0, ErrLocked
		}
	}
	switch {
	case a.step <= rec.LastStep:
		return acceptedStep{}, 0, ErrReplay
	case embargoed(start, embargo):
		return acceptedStep{}, 0, ErrEmbargoed
	}
	return acceptedStep{enrollmentID: rec.EnrollmentID, step: a.step, used: unixNanos(a.now)}, start, nil
}
