// Package directory checks user names and passwords against LDAP.
//
// A Client searches for the user as the service account on one pool of
// connections and binds as the user on a second, bind-only pool, so a user
// bind never changes the identity of a search connection. Each pool opens at
// most ldap.pool_size connections and reuses idle ones; a connection that
// failed at the transport level is closed and replaced on demand. Servers
// listed in ldap.urls are tried in order; a server that fails is skipped for
// a few seconds unless every server has failed. An operation whose
// connection broke is retried once on a new connection, never after an LDAP
// answer such as invalid credentials.
//
// Authenticate has three outcomes: a valid identity, invalid credentials
// (wrong password, unknown user, blank password — not an error) and an
// error (LDAP down, a timeout, several entries matching). Callers must treat
// an error as a failure, never as a success. Every operation ends when its
// context does, or after ldap.timeout, whichever comes first.
//
// A user found by a search is cached for ldap.cache_ttl (DN and groups,
// never the password), so a repeated login costs one bind. The
// connections speak the few LDAP messages a login needs (bind, search,
// StartTLS) directly, synchronously in the caller's goroutine; go-ldap
// compiles the filters and escapes values.
//
// The canonical user id — the value of ldap.user_id_attribute, lower-cased —
// is what every other part of radius2fa keys on; Canonical gives the same
// form where no directory is consulted.
//
// The package logs user names and DNs at Debug and servers going down or
// coming back at Warn; it never logs a password. It does not decide policy,
// count failures or know about TOTP.
package directory
