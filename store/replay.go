package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// replayJournal runs at Open, before the committer starts: it applies
// the logins the journal holds for the database's epoch (those a crash
// left unfolded) with the fold's rules, raises the embargo to the
// highest lease among them (lease.go), and starts a new epoch, in one
// transaction. A database without an epoch (written before the journal
// existed) gets its first one and replays nothing. It returns the new
// epoch, and the lease it found (0 for none).
func replayJournal(db *bolt.DB, j *journal) (epoch uint64, replayed int, lease int64, err error) {
	var current uint64
	var ok bool
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		current, ok, err = readEpoch(tx.Bucket([]byte(bucketMeta)))
		return err
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: reading journal epoch: %w", err)
	}
	var recs []journalRecord
	if ok {
		if recs, lease, err = j.scan(current); err != nil {
			return 0, 0, 0, err
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bk := bucketsOf(tx)
		for _, rec := range recs {
			if err := applyAccepted(bk, rec.user, rec.acceptedStep); err != nil {
				return err
			}
		}
		if lease != 0 {
			if _, err := raiseEmbargo(bk.meta, lease); err != nil {
				return err
			}
		}
		var err error
		epoch, err = nextEpoch(bk.meta)
		return err
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: replaying %d journal records: %w", len(recs), err)
	}
	j.restart()
	return epoch, len(recs), lease, nil
}
