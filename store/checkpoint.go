package store

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Checkpoints fold the overlay (the journaled logins) into the database
// in one bbolt transaction that also starts a new journal epoch; once it
// has committed, the overlay is emptied and the journal is written from
// offset 0 again. The committer checkpoints about once a second while
// the overlay is not empty, when the journal is full, at the start of
// every transaction that writes anything else (inside that same
// transaction), before a backup snapshot, and Close does at the end.
//
// The fold never resurrects a replaced or deleted enrollment's step and
// never lowers a step: a step is written only over the step record of
// the same enrollment, and only if it is newer. Open replays the
// journal with the same rule (recovery.go).
//
// Epochs are random: a journal left beside a restored backup, or beside
// another database copied to the same path, never matches its epoch.

// defaultFoldEvery is how long journaled logins wait for a checkpoint.
const defaultFoldEvery = time.Second

// readEpoch returns the journal epoch stored in meta; ok is false for a
// database that has none yet (written before the journal existed).
func readEpoch(meta *bolt.Bucket) (epoch uint64, ok bool, err error) {
	raw := meta.Get([]byte(journalEpochKey))
	if raw == nil {
		return 0, false, nil
	}
	if len(raw) != 8 {
		return 0, false, fmt.Errorf("%w: journal epoch of %d bytes", ErrCorrupt, len(raw))
	}
	return binary.BigEndian.Uint64(raw), true, nil
}

// nextEpoch stores a new random epoch, different from the current one,
// in meta and returns it.
func nextEpoch(meta *bolt.Bucket) (uint64, error) {
	old, _, err := readEpoch(meta)
	if err != nil {
		return 0, err
	}
	var epoch uint64
	for epoch == 0 || epoch == old {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
		epoch = binary.BigEndian.Uint64(b[:])
	}
	if err := meta.Put([]byte(journalEpochKey), binary.BigEndian.AppendUint64(nil, epoch)); err != nil {
		return 0, fmt.Errorf("store: writing journal epoch: %w", err)
	}
	return epoch, nil
}

// fold writes steps (user → journaled login) into the database and
// starts a new epoch, returning it.
func fold(bk buckets, steps map[string]acceptedStep) (uint64, error) {
	for user, a := range steps {
		if err := applyAccepted(bk, user, a); err != nil {
			return 0, err
		}
	}
	return nextEpoch(bk.meta)
}

// applyAccepted records one journaled login as AcceptStep did: the step
// and time if the enrollment is still the one it was for and the step
// is newer, and failures and lockout cleared in any case (the login
// happened; nothing that counts failures has run since, or the journal
// would have been folded first). A corrupt step record is left alone:
// the user cannot log in anyway, and one bad record must not stop every
// fold.
func applyAccepted(bk buckets, user string, a acceptedStep) error {
	key := []byte(user)
	rec, enrolled, err := readStep(bk, key)
	if err == nil && enrolled && rec.EnrollmentID == a.enrollmentID && a.step > rec.LastStep {
		rec.LastStep, rec.LastUsed = a.step, a.usedTime()
		if err := bk.steps.Put(key, rec.encode()); err != nil {
			return fmt.Errorf("store: user %q: writing step: %w", user, err)
		}
	}
	if bk.failures.Get(key) == nil {
		return nil
	}
	clearFailures := func() (error, error) {
		if err := bk.failures.Delete(key); err != nil {
			return nil, fmt.Errorf("store: user %q: clearing failures: %w", user, err)
		}
		return nil, nil
	}
	if enrolled {
		_, err = clearFailures() // still listed: the counts do not change
	} else {
		_, err = track(bk, user, clearFailures)
	}
	return err
}

// needsCheckpoint reports whether the journal holds logins the database
// lacks, or its epoch must end.
func (b *Bolt) needsCheckpoint() bool {
	return len(b.overlay.steps) > 0 || b.j.rotate
}

// checkpoint folds the overlay into the database in a transaction of its
// own, if there is anything to fold. Only the committer calls it (or
// Close, once the committer has stopped).
func (b *Bolt) checkpoint() error {
	if !b.needsCheckpoint() {
		return nil
	}
	var epoch uint64
	err := b.db.Update(func(tx *bolt.Tx) error {
		var err error
		epoch, err = fold(bucketsOf(tx), b.overlay.steps)
		return err
	})
	if err != nil {
		b.j.rotate = true
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	b.folded(epoch)
	return nil
}

// folded records that a fold starting epoch has committed.
func (b *Bolt) folded(epoch uint64) {
	b.overlay.restart(epoch)
	b.j.restart()
	b.checkpoints.Add(1)
}
