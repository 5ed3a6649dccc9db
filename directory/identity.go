package directory

import "strings"

// Identity is a user found in the directory.
type Identity struct {
	// ID is the canonical user id: the first value of ldap.user_id_attribute,
	// lower-cased. Every store key uses it.
	ID string
	// DN is the user's entry.
	DN string
	// Groups holds the DNs of the user's groups, as the server returned them.
	Groups []string
	// Cached reports that Lookup answered from its cache (ldap.cache_ttl)
	// rather than from a search.
	Cached bool
}

// Normalize trims surrounding white space from a user name and, when
// stripRealm is set, removes a realm suffix ("alice@example.ac.jp", at the
// last @) and a Windows domain prefix ("CAMPUS\alice"). It does not change
// case: the directory decides what the canonical id is.
func Normalize(user string, stripRealm bool) string {
	user = strings.TrimSpace(user)
	if !stripRealm {
		return user
	}
	if i := strings.LastIndexByte(user, '@'); i >= 0 {
		user = user[:i]
	}
	if i := strings.IndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	return strings.TrimSpace(user)
}

// Canonical is the user id used where no directory is consulted (admin
// imports, the command line): Normalize, then lower-case.
func Canonical(user string, stripRealm bool) string {
	return strings.ToLower(Normalize(user, stripRealm))
}
