// Package store keeps what radius2fa must remember about users: their
// enrolled TOTP secret, the last time step accepted, wrong-code counters
// and lockouts.
//
// Store is the interface the daemon uses; Open returns its bbolt backend,
// and package storetest holds the conformance suite every backend passes.
// The store does not generate or verify codes (package totp does) and
// does not canonicalise user ids: callers key every user by the
// canonical id the directory returns.
//
// # Secrets at rest
//
// TOTP secrets are sealed with AES-256-GCM under a key kept outside the
// database (Options.KeyFile), with the user id and enrollment id as
// additional data: a sealed secret copied to another user's record does
// not open (ErrCorrupt), it never yields another user's secret. The
// database remembers a check value of its key, so opening it with
// another key fails at once (ErrWrongKey). Everything but the secret is
// stored in plain form.
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
