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
	bucketMeta        = "meta"        // schemaKey, keyCheckKey
	bucketEnrollments = "enrollments" // user → enrollmentRecord
	bucketSteps       = "steps"       // user → stepRecord
	bucketFailures    = "failures"    // user → failureRecord

	schemaKey   = "schema"    // uint32 big-endian
	keyCheckKey = "key_check" // sealer.keyCheck

	// schemaVersion is the layout this code reads and writes.
	schemaVersion = 1
)

func dataBuckets() []string {
	return []string{bucketEnrollments, bucketSteps, bucketFailures}
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
	if initialised {
		return s, db.View(func(tx *bolt.Tx) error { return verify(tx, s, dbPath, keyPath) })
	}
	return s, db.Update(func(tx *bolt.Tx) error { return initialise(tx, s) })
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
	for _, name := range dataBuckets() {
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return fmt.Errorf("store: creating bucket %s: %w", name, err)
		}
	}
	if err := meta.Put([]byte(schemaKey), binary.BigEndian.AppendUint32(nil, schemaVersion)); err != nil {
		return fmt.Errorf("store: writing schema version: %w", err)
	}
	if err := meta.Put([]byte(keyCheckKey), s.keyCheck()); err != nil {
		return fmt.Errorf("store: writing key check: %w", err)
	}
	return nil
}

func verify(tx *bolt.Tx, s sealer, dbPath, keyPath string) error {
	meta := tx.Bucket([]byte(bucketMeta))
	raw := meta.Get([]byte(schemaKey))
	if len(raw) != 4 {
		return fmt.Errorf("store %s: %w: schema version of %d bytes", dbPath, ErrCorrupt, len(raw))
	}
	if v := binary.BigEndian.Uint32(raw); v != schemaVersion {
		return fmt.Errorf("store %s: schema version %d is not supported (this radius2fa reads version %d); use the radius2fa release that wrote it",
			dbPath, v, schemaVersion)
	}
	for _, name := range dataBuckets() {
		if tx.Bucket([]byte(name)) == nil {
			return fmt.Errorf("store %s: %w: bucket %s is missing", dbPath, ErrCorrupt, name)
		}
	}
	if !s.matchesKeyCheck(meta.Get([]byte(keyCheckKey))) {
		return newOpenError(fmt.Sprintf("store %s: encryption key %s does not match this database (it was created with another key)",
			dbPath, keyPath), ErrWrongKey)
	}
	return nil
}
