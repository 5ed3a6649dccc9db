package store

import "time"

// Names of the database layout, for tests that edit the file directly.
const (
	BucketMeta         = bucketMeta
	BucketEnrollments  = bucketEnrollments
	BucketSteps        = bucketSteps
	BucketRecovery     = bucketRecovery
	BucketPending      = bucketPending
	SchemaKey          = schemaKey
	CountsKey          = countsKey
	JournalEpochKey    = journalEpochKey
	JournalSuffix      = journalSuffix
	DefaultJournalSize = defaultJournalSize
)

// CrashForTest stops the store as a crash would after its last
// acknowledged write: the committer finishes what was queued, then both
// files are closed without folding the journal into the database.
func (b *Bolt) CrashForTest() error { return b.shutdown(false) }

// OpenTunedForTest is Open with a journal of journalSize bytes and a
// checkpoint foldEvery after the first journaled login.
func OpenTunedForTest(path string, opts Options, journalSize int64, foldEvery time.Duration) (*Bolt, error) {
	return open(path, opts, tuning{journalSize: journalSize, foldEvery: foldEvery})
}

// JournalRecordLen is the size of the journal record of one login of
// user.
func JournalRecordLen(user string) int { return journalRecordLen(user) }

// LeaseRecordLen is the size of a lease's journal record.
const LeaseRecordLen = journalHeaderLen + journalLeaseLen
