package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	bolt "go.etcd.io/bbolt"
)

// Layout of the database: one bucket per kind of record, keyed by user
// id, so that the hot write (AcceptStep) rewrites only a small record.
const (
	bucketMeta        = "meta"        // schemaKey, keyCheckKey, countsKey, journalEpochKey
	bucketEnrollments = "enrollments" // user → enrollmentRecord
	bucketSteps       = "steps"       // user → stepRecord
	bucketFailures    = "failures"    // user → failureRecord
	bucketRecovery    = "recovery"    // user → recoveryRecord (schema 2)
	bucketPending     = "pending"     // user → pendingRecord (schema 2)

	schemaKey   = "schema"    // uint32 big-endian
	keyCheckKey = "key_check" // sealer.keyCheck
	countsKey   = "counts"    // countsRecord (schema 2)
	// journalEpochKey holds the journal epoch, a uint64 big-endian
	// (checkpoint.go). Added without a schema change: an older release
	// ignores it, and the journal, which Close leaves folded.
	journalEpochKey = "journal_epoch"

	// schemaVersion is the layout this code writes. Version 1 lacked the
	// recovery and pending buckets and the counts; Open upgrades it.
	schemaVersion = 2
	// oldestSchema is the oldest layout Open upgrades.
	oldestSchema = 1
)

// dataBuckets are the buckets of each schema version.
func dataBuckets(version uint32) []string {
	v1 := []string{bucketEnrollments, bucketSteps, bucketFailures}
	if version < 2 {
		return v1
	}
	return append(v1, bucketRecovery, bucketPending)
}

// prepare loads the encryption key and initialises a new database or
// verifies an existing one: its schema version and that the key opens it.
// The key file is generated only for a new database; for an existing one
// a missing key is an error, since a new key could not open its secrets.
func prepare(db *bolt.DB, dbPath, keyPath string, log *slog.Logger) (sealer, error) {
	initialised, err := inspect(db, dbPath)
	if err != nil {
		return sealer{}, err
	}
	key, err := readKeyFile(keyPath, log)
	switch {
	case errors.Is(err, fs.ErrNotExist) && initialised:
		return sealer{}, fmt.Errorf("store %s: encryption key %s is missing; the database was created with a key, restore it from backup: %w",
			dbPath, keyPath, err)
	case errors.Is(err, fs.ErrNotExist):
		key, err = createKeyFile(keyPath, log)
	}
	if err != nil {
		return sealer{}, err
	}
	s, err := newSealer(key)
	clear(key)
	if err != nil {
		return sealer{}, err
	}
	if !initialised {
		return s, db.Update(func(tx *bolt.Tx) error { return initialise(tx, s) })
	}
	var version uint32
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		version, err = verify(tx, s, dbPath, keyPath)
		return err
	})
	if err != nil || version == schemaVersion {
		return s, err
	}
	if err := db.Update(upgrade); err != nil {
		return sealer{}, fmt.Errorf("store %s: upgrading schema version %d to %d: %w", dbPath, version, schemaVersion, err)
	}
	log.Info("upgraded store schema", "path", dbPath, "from", version, "to", schemaVersion)
	return s, nil
}

// inspect tells a radius2fa database from an empty file, and refuses
// anything else.
func inspect(db *bolt.DB, dbPath string) (initialised bool, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketMeta)) != nil {
			initialised = true
			return nil
		}
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			return fmt.Errorf("store %s: not a radius2fa database (it has a bucket %q and no %q)", dbPath, name, bucketMeta)
		})
	})
	return initialised, err
}

func initialise(tx *bolt.Tx, s sealer) error {
	meta, err := tx.CreateBucket([]byte(bucketMeta))
	if err != nil {
		return fmt.Errorf("store: creating bucket %s: %w", bucketMeta, err)
	}
	for _, name := range dataBuckets(schemaVersion) {
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return fmt.Errorf("store: creating bucket %s: %w", name, err)
		}
	}
	if err := meta.Put([]byte(keyCheckKey), s.keyCheck()); err != nil {
		return fmt.Errorf("store: writing key check: %w", err)
	}
	if err := meta.Put([]byte(countsKey), countsRecord{}.encode()); err != nil {
		return fmt.Errorf("store: writing counts: %w", err)
	}
	return putSchema(meta)
}

func putSchema(meta *bolt.Bucket) error {
	if err := meta.Put([]byte(schemaKey), binary.BigEndian.AppendUint32(nil, schemaVersion)); err != nil {
		return fmt.Errorf("store: writing schema version: %w", err)
	}
	return nil
}

// upgrade brings a verified older database to schemaVersion: it adds the
// buckets it lacks and counts the users once.
func upgrade(tx *bolt.Tx) error {
	for _, name := range dataBuckets(schemaVersion) {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("creating bucket %s: %w", name, err)
		}
	}
	bk := bucketsOf(tx)
	var c countsRecord
	for it := newUserIter(bk, nil); it.user != nil; it.next() {
		c.Users++
	}
	c.Enrolled = uint64(bk.enrollments.Stats().KeyN)
	if err := bk.meta.Put([]byte(countsKey), c.encode()); err != nil {
		return fmt.Errorf("writing counts: %w", err)
	}
	return putSchema(bk.meta)
}

// verify checks an existing database and returns its schema version,
// which may be older than schemaVersion.
func verify(tx *bolt.Tx, s sealer, dbPath, keyPath string) (uint32, error) {
	meta := tx.Bucket([]byte(bucketMeta))
	raw := meta.Get([]byte(schemaKey))
	if len(raw) != 4 {
		return 0, fmt.Errorf("store %s: %w: schema version of %d bytes", dbPath, ErrCorrupt, len(raw))
	}
	v := binary.BigEndian.Uint32(raw)
	if v < oldestSchema || v > schemaVersion {
		return 0, fmt.Errorf("store %s: schema version %d is not supported (this radius2fa reads versions %d to %d); use the radius2fa release that wrote it",
			dbPath, v, oldestSchema, schemaVersion)
	}
	for _, name := range dataBuckets(v) {
		if tx.Bucket([]byte(name)) == nil {
			return 0, fmt.Errorf("store %s: %w: bucket %s is missing", dbPath, ErrCorrupt, name)
		}
	}
	if v >= 2 {
		if _, err := decodeCountsRecord(meta.Get([]byte(countsKey))); err != nil {
			return 0, fmt.Errorf("store %s: %w", dbPath, err)
		}
	}
	if !s.matchesKeyCheck(meta.Get([]byte(keyCheckKey))) {
		return 0, newOpenError(fmt.Sprintf("store %s: encryption key %s does not match this database (it was created with another key)",
			dbPath, keyPath), ErrWrongKey)
	}
	return v, nil
}
