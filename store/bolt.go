package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options configure Open.
type Options struct {
	// KeyFile is the file holding the 32-byte AES-256 key as 64 hex
	// characters and an optional newline. Required. When it is missing
	// and the database is new, a random key is written there (mode 0600).
	KeyFile string
	// LockTimeout is how long Open waits for the database file lock held
	// by another process; 0 means 1s.
	LockTimeout time.Duration
	// Logger receives the store's log lines; nil discards them.
	Logger *slog.Logger
	// ObserveCommit, if set, is called after every group commit with its
	// duration (the transaction and its fsync) and the writes it carried,
	// for metrics. It runs on the committer goroutine: it must not block.
	ObserveCommit func(d time.Duration, ops int)
	// Lease, when positive, lets logins be answered once their journal
	// record is written, without waiting for an fdatasync, under a lease
	// kept durable about this far ahead of the logins' time (lease.go).
	// After a crash, codes of the time steps that began before the
	// lease's end are refused. 0 makes every batch of logins wait for
	// its fdatasync.
	Lease time.Duration
}

// defaultLockTimeout applies when Options.LockTimeout is zero.
const defaultLockTimeout = time.Second

// initialMmapSize is the address space bbolt maps at Open (not file
// size: the file grows as data is written). A write that outgrows the
// map must remap it, which waits for every read transaction to end (a
// Backup, say) and copies every page the write has touched; a map that
// holds a few hundred thousand users (about 70 MB) avoids both.
const initialMmapSize = 256 << 20

// Bolt is the Store kept in one bbolt file and its journal. Writes go
// through a group committer (see Store); logins are made durable in the
// journal and folded into the database in bulk. Reads are read-only
// transactions merged with the logins not yet folded; they do not wait
// for commits, only for the moment the committer publishes a batch of
// logins or empties the overlay after a checkpoint.
type Bolt struct {
	db     *bolt.DB
	path   string
	sealer sealer
	log    *slog.Logger
	// observeCommit is Options.ObserveCommit, or a no-op.
	observeCommit func(time.Duration, int)
	// foldEvery is how long journaled logins wait for a checkpoint.
	foldEvery time.Duration
	// lease is Options.Lease: 0 syncs every batch of logins.
	lease time.Duration

	queue   chan *op
	stopped chan struct{} // closed when the committer has exited

	mu     sync.RWMutex // guards closed; held for reading while using db
	closed bool

	// The committer's own (see journal and overlay for who else reads).
	j        *journal
	overlay  *overlay
	accepted map[string]acceptedStep // the journal batch being decided

	commits     atomic.Uint64
	ops         atomic.Uint64
	checkpoints atomic.Uint64
}

var _ Store = (*Bolt)(nil)

// Open opens the store at path, creating the file (mode 0600) and its
// directory (mode 0700) when missing, and loads or creates the
// encryption key. It opens the journal beside it (path + "-journal",
// created when missing) and replays into the database what a crash left
// there. It fails with an error matching ErrInUse when another process
// holds the file for longer than opts.LockTimeout, and with one matching
// ErrWrongKey when the key is not the one the database was created with.
func Open(path string, opts Options) (*Bolt, error) {
	return open(path, opts, defaultTuning())
}

// tuning holds what tests shrink: the journal's capacity and how long
// journaled logins wait for a checkpoint.
type tuning struct {
	journalSize int64
	foldEvery   time.Duration
}

func defaultTuning() tuning {
	return tuning{journalSize: defaultJournalSize, foldEvery: defaultFoldEvery}
}

func open(path string, opts Options, tune tuning) (*Bolt, error) {
	if opts.KeyFile == "" {
		return nil, fmt.Errorf("store %s: no encryption key file given", path)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, s, err := openDB(path, opts, log)
	if err != nil {
		return nil, err
	}
	j, epoch, err := openJournalFor(db, path, tune.journalSize, log)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	observe := opts.ObserveCommit
	if observe == nil {
		observe = func(time.Duration, int) {}
	}
	b := &Bolt{
		db:            db,
		path:          path,
		sealer:        s,
		log:           log,
		observeCommit: observe,
		foldEvery:     tune.foldEvery,
		lease:         max(opts.Lease, 0),
		queue:         make(chan *op, maxBatch),
		stopped:       make(chan struct{}),
		j:             j,
		overlay:       newOverlay(epoch),
		accepted:      make(map[string]acceptedStep),
	}
	go b.commitLoop()
	return b, nil
}

// openDB opens and prepares the bbolt file.
func openDB(path string, opts Options, log *slog.Logger) (*bolt.DB, sealer, error) {
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = defaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, sealer{}, fmt.Errorf("store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, InitialMmapSize: initialMmapSize})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, sealer{}, newOpenError(fmt.Sprintf("store %s: database is in use by another process (is \"radius2fa serve\" running?)", path), ErrInUse, err)
	}
	if err != nil {
		return nil, sealer{}, fmt.Errorf("store %s: %w", path, err)
	}
	s, err := prepare(db, path, opts.KeyFile, log)
	if err != nil {
		_ = db.Close()
		return nil, sealer{}, err
	}
	return db, s, nil
}

// openJournalFor opens the database's journal, which only the holder of
// the database's file lock touches, and replays it.
func openJournalFor(db *bolt.DB, path string, size int64, log *slog.Logger) (*journal, uint64, error) {
	j, err := openJournal(path+journalSuffix, size)
	if err != nil {
		return nil, 0, fmt.Errorf("store %s: %w", path, err)
	}
	epoch, replayed, lease, err := replayJournal(db, j)
	if err != nil {
		_ = j.close()
		return nil, 0, fmt.Errorf("store %s: %w", path, err)
	}
	log.Info("store journal replayed", "path", j.path, "records", replayed)
	if lease != 0 {
		log.Warn("store was not closed cleanly: codes of time steps that began before the lease's end are refused, as they may have been used in logins a crash lost",
			"path", j.path, "lease_end", time.Unix(0, lease).UTC().Format(time.RFC3339Nano))
	}
	return j, epoch, nil
}

// Path returns the database file's path.
func (b *Bolt) Path() string { return b.path }

// Stats counts the store's write activity since Open.
type Stats struct {
	// Commits is the number of batches made durable (or failed), each
	// with one bbolt transaction or one journal write (and sync, unless
	// a lease covers it).
	Commits uint64
	// Ops is the number of writes they carried. An EnrollMany is one
	// commit carrying one write.
	Ops uint64
	// Checkpoints is the number of times the journal was folded into
	// the database: in a transaction of its own (not counted in
	// Commits), or at the start of a batch's.
	Checkpoints uint64
	// JournalSyncs is the number of the journal's fdatasyncs: one per
	// batch of logins without a lease, a few a second with one.
	JournalSyncs uint64
}

// Stats returns the write counters; Ops/Commits is the mean batch size.
func (b *Bolt) Stats() Stats {
	return Stats{Commits: b.commits.Load(), Ops: b.ops.Load(), Checkpoints: b.checkpoints.Load(), JournalSyncs: b.j.syncs.Load()}
}

// Close commits the writes already submitted, stops the committer,
// folds the journal into the database and closes both files. Calls after
// Close return ErrClosed; Close itself may be called again and then does
// nothing.
func (b *Bolt) Close() error {
	return b.shutdown(true)
}

// shutdown is Close; without foldJournal it leaves the journal as a
// crash would.
func (b *Bolt) shutdown(foldJournal bool) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.queue)
	b.mu.Unlock()
	<-b.stopped
	var errs []error
	if foldJournal {
		errs = append(errs, b.checkpoint())
	}
	errs = append(errs, b.db.Close(), b.j.close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store %s: close: %w", b.path, err)
	}
	return nil
}

// view runs fn in a read-only transaction unless the store is closed.
func (b *Bolt) view(fn func(bk buckets) error) error {
	return b.viewTx(func(tx *bolt.Tx) error { return fn(bucketsOf(tx)) })
}

// viewTx runs fn in a read-only transaction unless the store is closed.
// Close waits for fn to return.
func (b *Bolt) viewTx(fn func(tx *bolt.Tx) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	return b.db.View(fn)
}

// viewMerged runs fn in a read-only transaction, with the journaled
// logins the transaction's snapshot lacks, unless the store is closed.
// The overlay's read lock is held across the transaction: a checkpoint
// cannot empty the overlay between the snapshot and the merge.
func (b *Bolt) viewMerged(fn func(bk buckets, j journaled) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	b.overlay.mu.RLock()
	defer b.overlay.mu.RUnlock()
	return b.db.View(func(tx *bolt.Tx) error {
		bk := bucketsOf(tx)
		epoch, _, err := readEpoch(bk.meta)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		return fn(bk, b.overlay.at(epoch))
	})
}

// Get implements Store. It opens the user's secret; a secret that does
// not open for this user is an error matching ErrCorrupt.
func (b *Bolt) Get(ctx context.Context, user string) (UserState, error) {
	if err := ctx.Err(); err != nil {
		return UserState{}, err
	}
	if err := validateUser(user); err != nil {
		return UserState{}, err
	}
	var st UserState
	err := b.viewMerged(func(bk buckets, j journaled) error {
		var err error
		st, err = readState(bk, b.sealer, user)
		if err == nil {
			j.merge(&st)
		}
		return err
	})
	if err != nil {
		return UserState{}, err
	}
	return st, nil
}
