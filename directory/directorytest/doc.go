// Package directorytest starts a throwaway OpenLDAP slapd for tests, from
// testdata/ldap/slapd.sh and seed.ldif: mdb backend, memberof overlay,
// 127.0.0.1 on a free port, ready in well under a second, stopped when the
// test ends. Every package whose tests need LDAP uses it; when slapd is not
// installed the test fails with the apt-get command, it does not skip.
//
// The demo users, passwords and groups are listed in testdata/ldap/README.md.
package directorytest
