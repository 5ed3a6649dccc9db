package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Leases (Options.Lease). Without one, a batch of logins is answered
// only once its journal records are fdatasynced. With one, the
// committer instead keeps a promise on disk, a lease: "no login has been
// answered, without its record being durable, for a time step that
// began after the bound". A login whose step began at or before the
// durable bound is answered as soon as its record is written to the
// journal (the page cache): a crash of the process loses nothing
// written, and the fdatasyncs drop from one per batch to a few a
// second, made while logins go on.
//
// What an operating-system crash or power cut may lose is covered by the
// lease instead: the leases are journal records of the epoch, and the
// fdatasync that made one durable made every record before it durable
// too. Open, finding a lease among the current epoch's records (the
// store was not closed, which folds them), stores its bound as the
// embargo: from then on no login is accepted for a time step that began
// at or before it. That refuses every code that may have been used in
// the logins a crash lost, and costs users at most the rest of the step
// that was current at the crash (the bound is about one Options.Lease
// ahead of the last login's time) — usually nothing, as a machine takes
// longer than that to come back. A crash of the process alone is treated
// the same way, as it cannot be told apart from a lost page cache.
//
// The committer renews the lease when less than half of it is left,
// after answering the batch that found it short; a login for a step that
// begins after the bound (a code of the next step, from a phone whose
// clock is ahead) waits for a renewal that covers it. A failed write or
// fdatasync, a checkpoint, or a backup ends the epoch and with it the
// lease: the first logins of the next epoch wait for a new one.

const (
	// embargoKey holds the embargo in meta: a Unix-ns bound, int64
	// big-endian. Added without a schema change; an older release
	// ignores it (and stops reading a journal at its first lease).
	embargoKey = "embargo"
	// maxLeadCovered is how far past a login's time a lease stretches to
	// cover the step the login was for. A step further ahead is not
	// answered before its record is durable, and does not stretch the
	// embargo a crash would leave.
	maxLeadCovered = 10 * time.Minute
)

// readEmbargo returns the embargo stored in meta, 0 for none.
func readEmbargo(meta *bolt.Bucket) (int64, error) {
	raw := meta.Get([]byte(embargoKey))
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("%w: embargo of %d bytes", ErrCorrupt, len(raw))
	}
	return int64(binary.BigEndian.Uint64(raw)), nil
}

// raiseEmbargo stores bound as the embargo unless it already reaches
// further, and returns the embargo in force.
func raiseEmbargo(meta *bolt.Bucket, bound int64) (int64, error) {
	old, err := readEmbargo(meta)
	if err != nil || old >= bound {
		return old, err
	}
	if err := meta.Put([]byte(embargoKey), binary.BigEndian.AppendUint64(nil, uint64(bound))); err != nil {
		return 0, fmt.Errorf("store: writing embargo: %w", err)
	}
	return bound, nil
}

// readPeriod returns the period of user's enrollment (key), read from
// its record without decoding the rest.
func readPeriod(bk buckets, key []byte) (time.Duration, error) {
	raw := bk.enrollments.Get(key)
	if len(raw) < enrollmentFixedLen || raw[0] != recordVersion {
		return 0, fmt.Errorf("%w: enrollment record of %d bytes, version %d", ErrCorrupt, len(raw), firstByte(raw))
	}
	p := enrollmentPeriod(raw)
	if p <= 0 {
		return 0, fmt.Errorf("%w: enrollment period %d", ErrCorrupt, p)
	}
	return p, nil
}

// stepStart is when step of period began, in Unix ns, saturated at
// math.MaxInt64.
func stepStart(step uint64, period time.Duration) int64 {
	if step > uint64(math.MaxInt64/period) {
		return math.MaxInt64
	}
	return int64(step) * int64(period)
}

// embargoed reports whether the step of a login began at or before the
// embargo, so that it may have been used before a crash.
func embargoed(start, embargo int64) bool {
	return embargo > 0 && start <= embargo
}

// stepEmbargoed reports whether step of user's enrollment (key) began at
// or before the embargo, reading both from the database.
func stepEmbargoed(bk buckets, key []byte, step uint64) (bool, error) {
	embargo, err := readEmbargo(bk.meta)
	if err != nil || embargo == 0 {
		return false, err
	}
	period, err := readPeriod(bk, key)
	if err != nil {
		return false, err
	}
	return embargoed(stepStart(step, period), embargo), nil
}

// leaseBound is the bound of the lease to make durable for logins of the
// latest time now, covering a step beginning at start when it is not
// further ahead than maxLeadCovered.
func leaseBound(lease time.Duration, now, start int64) int64 {
	bound := now + int64(lease)
	if start > bound && start-now <= int64(maxLeadCovered) {
		bound = start
	}
	return bound
}
