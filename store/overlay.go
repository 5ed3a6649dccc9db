package store

import (
	"sync"
	"time"
)

// The overlay is the journaled state not yet folded into the database:
// for each user, the newest step accepted through the journal in the
// current epoch. Reads merge it into what the database says (merge);
// the committer is its only writer.
//
// An entry means two things. Its step and time are the user's LastStep
// and LastUsed if, and only if, its enrollment id is the user's current
// one (EnrollMany may have replaced the enrollment since, without a
// checkpoint). And the user's failures and lockout were cleared by that
// login, whatever the enrollment is now: every write that counts or
// clears failures (RecordFailure, Unlock, UseRecoveryCode, Delete…)
// folds the overlay first, so nothing in the database's failure records
// is newer than an entry of the current epoch.

// overlay maps users to their journaled step. Readers hold mu for
// reading across their whole read transaction (see Bolt.viewMerged); the
// committer reads without it and writes under it.
type overlay struct {
	mu    sync.RWMutex
	epoch uint64 // the journal epoch the entries belong to
	steps map[string]acceptedStep
}

func newOverlay(epoch uint64) *overlay {
	return &overlay{epoch: epoch, steps: make(map[string]acceptedStep)}
}

// publish adds the steps of a batch whose records are durable.
func (o *overlay) publish(batch map[string]acceptedStep) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for user, a := range batch {
		o.steps[user] = a
	}
}

// restart drops every entry (they have been folded) and moves to epoch.
// A new map gives back the memory of a busy epoch.
func (o *overlay) restart(epoch uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.steps = make(map[string]acceptedStep)
	o.epoch = epoch
}

// journaled is the overlay as one read transaction must see it: its
// entries if the transaction's snapshot predates their fold, none if the
// snapshot already holds them. The overlay's read lock is held while it
// is used.
type journaled struct {
	steps map[string]acceptedStep // nil: nothing to merge
}

// at returns what a snapshot whose journal epoch is epoch must merge.
// The caller holds o.mu for reading.
func (o *overlay) at(epoch uint64) journaled {
	if epoch != o.epoch {
		// A checkpoint committed after o.epoch's entries were read
		// into the snapshot: they are in it already, and so may be
		// later writes that they must not mask.
		return journaled{}
	}
	return journaled{steps: o.steps}
}

// merge applies the user's journaled login, if any, to st as read from
// the snapshot.
func (j journaled) merge(st *UserState) {
	a, ok := j.steps[st.User]
	if !ok {
		return
	}
	st.Failures, st.LockedUntil = 0, time.Time{}
	if st.Enrollment != nil && st.Enrollment.ID == a.enrollmentID && a.step > st.LastStep {
		st.LastStep, st.LastUsed = a.step, a.usedTime()
	}
}
