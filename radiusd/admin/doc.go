// Package admin is what the helpdesk and the network admins do besides
// serving RADIUS: look at users (list, show), enroll, reset, unlock,
// recovery codes, import and export for migrations, online backups and
// configuration reloads.
//
// API is the one interface behind the command line. Local does the work
// on a store, a directory and a configuration: the daemon serves its own
// Local on a unix socket (Listen, Server), and the command line uses
// Local directly when no daemon is running (bbolt admits one process per
// file). Client speaks to the socket, so `radius2fa user …` behaves the
// same with the daemon running or stopped.
//
// The protocol is HTTP/1.1 with JSON over the unix socket, readable with
// curl --unix-socket SOCKET http://radius2fa/v1/users. Per-user commands
// are POST /v1/user/{show,enroll,reset,unlock,recovery-codes} with a JSON
// UserRequest; GET /v1/users streams one JSON UserInfo per line; POST
// /v1/import streams the file in the request body; GET /v1/export and GET
// /v1/backup stream the result, with an error after a partial stream sent
// as the trailer Radius2fa-Error. Errors are JSON ({"error", "kind", …})
// with a status code; Client turns them back into the sentinel errors of
// this package (and *config.Error for a reload of a broken file).
//
// The socket is created with mode 0600 in a directory created 0700, and
// the server asks the kernel who is calling (SO_PEERCRED): only root and
// the daemon's own user are served. Every action, reads included, is one
// audit line "admin action" with the OS user who asked (Actor); no line
// ever holds a secret, a code or a password.
//
// This package does not canonicalise user names by itself: it asks the
// directory (the LDAP canonical id) and falls back to directory.Canonical
// where the user need not exist in LDAP any more (show, reset, unlock) and
// for imports, which never ask LDAP.
package admin
