// Package store keeps what radius2fa must remember about users: their
// enrolled TOTP secret, the last time step accepted, wrong-code counters
// and lockouts, recovery code hashes, and registrations waiting for
// their first code (pending enrollments).
//
// Store is the interface the daemon uses; Open returns its bbolt backend,
// and package storetest holds the conformance suite every backend passes.
// The store does not generate or verify codes (package totp does; the
// store sees recovery codes only as the hashes the caller made, and
// UseRecoveryCode takes the comparison as a function) and does not
// canonicalise user ids: callers key every user by the canonical id the
// directory returns.
//
// # Secrets at rest
//
// TOTP secrets are sealed with AES-256-GCM under a key kept outside the
// database (Options.KeyFile), with the user id and enrollment id as
// additional data: a sealed secret copied to another user's record does
// not open (ErrCorrupt), it never yields another user's secret. The
// database remembers a check value of its key, so opening it with
// another key fails at once (ErrWrongKey). Everything but the secret is
// stored in plain form. Pending secrets are sealed the same way, bound
// to the user and the pending enrollment's CreatedAt, and each user's
// recovery code hashes as one list bound to the user; the three kinds use
// different additional data, so none can be passed off as another.
//
// # Writes
//
// Checks and the writes they justify happen in one transaction: a time
// step is accepted only if it is newer than the last one, so one code
// typed into many sessions at once passes exactly once. Concurrent writes
// are grouped into shared commits so that many logins do not each pay an
// fsync; a write is committed at once unless it is a login arriving while
// the previous batch held more logins (then it waits up to 0.5 ms for them).
// A write whose context ends while it waits returns ctx.Err() and may
// still be committed; one whose context has already ended is not made.
//
// # Logins and the journal
//
// A successful login (AcceptStep) is the hot write. Batches made only of
// logins are not written to the database but appended to a journal file
// beside it, <path>-journal (mode 0600, preallocated, 1 MiB), with one
// fdatasync: about half the time of a bbolt commit, which syncs twice.
// The logins are kept in memory (about 100 bytes per user who logged in
// since the last checkpoint) and merged into every read, so nothing a
// caller sees differs. A checkpoint folds them into the database in one
// transaction: about a second after the first, when the journal is full,
// at the start of any other write's transaction (so every other write
// sees them), before a backup's snapshot, and at Close. A fold never
// gives a step to an enrollment other than the one it was accepted for,
// and never lowers a step. A fold holds up every write, logins
// included, for about 1.6 ms per 1,000 logins folded on the development
// machine (28 ms for a full journal).
//
// With Options.Lease, a batch of logins is answered once its records
// are written, before any fdatasync: the journal also carries leases,
// made durable a few times a second, that bound the time steps answered
// so far. After a crash Open refuses, from then on, every code of a time
// step that began before the last lease's end, so a code used in a login
// the crash lost is not accepted again (lease.go).
//
// After a crash, Open replays the journal: the records of the current
// epoch (the journal between two checkpoints; the database names it)
// from the start of the file while they are whole and their checksums
// match. A torn last record is ignored; it was never acknowledged. The
// journal holds user ids, enrollment ids, steps and times, never a
// secret. Keep it with the database: deleting it after a crash gives
// the codes of the last second's logins a second use. A backup does not
// need it, and a backup restored beside it replays none of it.
//
// EnrollMany (a migration) is one transaction of its own, all or
// nothing; logins wait for it (about 1.5 s for 300,000 users on the
// development machine). It does not fold the journal: a journaled step
// of an enrollment it replaces is dropped by the fold's enrollment
// check, and the failures that login cleared, which it leaves alone,
// stay cleared. Backup copies the database in one read
// transaction while writes go on. Count reads counters kept up to date
// by every write, so metrics do not walk the users.
//
// # Lockout
//
// RecordFailure counts wrong codes. Reaching Lockout.MaxFailures locks
// the user for Lockout.Duration; the count is kept during the lockout
// (so the helpdesk can see "locked until 10:15 after 5 failures") and
// restarts from zero at the first failure after the lockout ends. A
// successful code or Unlock clears both.
//
// Bolt holds an exclusive lock on its file: one process at a time. Other
// processes get ErrInUse and should talk to the running daemon instead.
package store
