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
// fsync; a lone write is committed at once, without waiting for company.
// A write whose context ends while it waits returns ctx.Err() and may
// still be committed; one whose context has already ended is not made.
//
// EnrollMany (a migration) is one transaction of its own, all or
// nothing; logins wait for it (about 1.5 s for 300,000 users on the
// development machine). Backup copies the database in one read
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
