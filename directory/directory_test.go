package directory_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

const (
	staff    = "cn=staff,ou=groups," + directorytest.BaseDN
	faculty  = "cn=faculty,ou=groups," + directorytest.BaseDN
	students = "cn=students,ou=groups," + directorytest.BaseDN
)

func userDN(uid string) string { return "uid=" + uid + "," + directorytest.PeopleDN }

// TestOneServer runs the tests that leave the directory as they found it
// against one slapd: starting one takes longer than most tests.
func TestOneServer(t *testing.T) {
	srv := directorytest.Start(t)
	for _, tt := range []struct {
		name string
		test func(*testing.T, *directorytest.Server)
	}{
		{"Authenticate", testAuthenticate},
		{"GroupsFromGroupSearch", testGroupsFromGroupSearch},
		{"CheckPasswordRefusesBlankDN", testCheckPasswordRefusesBlankDN},
		{"SeveralEntriesMatchIsAnError", testSeveralEntriesMatchIsAnError},
		{"EntryWithoutUserIDAttributeIsAnError", testEntryWithoutUserIDAttributeIsAnError},
		{"WrongServicePasswordIsAnError", testWrongServicePasswordIsAnError},
		{"ClosedClient", testClosedClient},
		{"FailoverToTheNextURL", testFailoverToTheNextURL},
		{"ConcurrentAuthenticationsShareThePool", testConcurrentAuthenticationsShareThePool},
		{"UserBindsNeverTouchSearchConnections", testUserBindsNeverTouchSearchConnections},
		{"ConnectionReusedAfterWrongPassword", testConnectionReusedAfterWrongPassword},
		{"Ping", testPing},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, srv) })
	}
}

func testAuthenticate(t *testing.T, srv *directorytest.Server) {
	c := newClient(t, srv.Config())

	tests := []struct {
		name, user, password string
		ok                   bool
		want                 directory.Identity // zero: user not found
	}{
		{"valid", "alice", "alice-pass", true, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"two groups", "bob", "bob-pass", true, directory.Identity{ID: "bob", DN: userDN("bob"), Groups: []string{staff, faculty}}},
		{"wrong password", "alice", "bob-pass", false, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"password not trimmed", "alice", "alice-pass ", false, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"unknown user", "mallory", "alice-pass", false, directory.Identity{}},
		{"capitalised", "Alice", "alice-pass", true, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"realm", "alice@example.ac.jp", "alice-pass", true, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"spaces and upper case", " ALICE ", "alice-pass", true, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"windows domain", `CAMPUS\alice`, "alice-pass", true, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff}}},
		{"capitalised uid", "Eve", "eve-pass", true, directory.Identity{ID: "eve", DN: userDN("Eve"), Groups: []string{students}}},
		{"capitalised uid typed lower", "eve", "eve-pass", true, directory.Identity{ID: "eve", DN: userDN("Eve"), Groups: []string{students}}},
		{"spaces and non-ASCII password", "frank", "p@ss wörd 1", true, directory.Identity{ID: "frank", DN: userDN("frank")}},
		{"non-ASCII password, other form", "frank", "p@ss wo\u0308rd 1", false, directory.Identity{ID: "frank", DN: userDN("frank")}},
		{"filter injection", "*)(uid=*", "alice-pass", false, directory.Identity{}},
		{"wildcard", "*", "alice-pass", false, directory.Identity{}},
		{"wildcard prefix", "al*", "alice-pass", false, directory.Identity{}},
		{"NUL byte", "alice\x00", "alice-pass", false, directory.Identity{}},
		{"long name", strings.Repeat("a", 4000), "alice-pass", false, directory.Identity{}},
		{"empty user", "", "alice-pass", false, directory.Identity{}},
		{"realm only", "@example.ac.jp", "alice-pass", false, directory.Identity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok, err := authenticate(t, c, tt.user, tt.password)
			if err != nil {
				t.Fatalf("Authenticate(%q) error: %v", tt.user, err)
			}
			if ok != tt.ok {
				t.Errorf("Authenticate(%q) ok = %v, want %v", tt.user, ok, tt.ok)
			}
			assertIdentity(t, id, tt.want)
		})
	}
}

func assertIdentity(t *testing.T, got, want directory.Identity) {
	t.Helper()
	slices.Sort(got.Groups)
	slices.Sort(want.Groups)
	if got.ID != want.ID || !strings.EqualFold(got.DN, want.DN) || !slices.Equal(got.Groups, want.Groups) {
		t.Errorf("identity = %+v, want %+v", got, want)
	}
}

func testGroupsFromGroupSearch(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.GroupAttribute = ""
	cfg.GroupBaseDN = directorytest.GroupsDN
	cfg.GroupFilter = "(&(objectClass=groupOfNames)(member={dn}))"
	c := newClient(t, cfg)

	for user, groups := range map[string][]string{"bob": {staff, faculty}, "Eve": {students}, "frank": nil} {
		id, found, err := c.Lookup(context.Background(), user)
		if err != nil || !found {
			t.Fatalf("Lookup(%q) = %v, %v", user, found, err)
		}
		assertIdentity(t, id, directory.Identity{ID: strings.ToLower(user), DN: userDN(user), Groups: groups})
	}
}

func TestBlankPasswordMakesNoLDAPTraffic(t *testing.T) {
	srv := directorytest.Start(t)
	c := newClient(t, srv.Config())
	var n counter
	c.SetObserver(&n)
	srv.Stop() // any LDAP traffic would now be an error, not false

	for _, pw := range []string{"", " ", "\t \n", "\u3000"} {
		id, ok, err := authenticate(t, c, "alice", pw)
		if ok || err != nil || id.ID != "" {
			t.Errorf("Authenticate(alice, %q) = %+v, %v, %v; want false, nil", pw, id, ok, err)
		}
		ok, err = c.CheckPassword(context.Background(), userDN("alice"), pw)
		if ok || err != nil {
			t.Errorf("CheckPassword(alice, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
	if s, b := n.counts(); s != 0 || b != 0 {
		t.Errorf("blank passwords made %d searches and %d binds, want none", s, b)
	}
}

func testCheckPasswordRefusesBlankDN(t *testing.T, srv *directorytest.Server) {
	c := newClient(t, srv.Config())
	var n counter
	c.SetObserver(&n)
	// An empty DN with a password would be an anonymous bind attempt.
	if ok, err := c.CheckPassword(context.Background(), " ", "alice-pass"); ok || err != nil {
		t.Errorf("CheckPassword(blank dn) = %v, %v; want false, nil", ok, err)
	}
	if _, b := n.counts(); b != 0 {
		t.Errorf("blank dn made %d binds", b)
	}
	if ok, err := c.CheckPassword(context.Background(), userDN("bob"), "bob-pass"); !ok || err != nil {
		t.Errorf("CheckPassword(bob) = %v, %v; want true, nil", ok, err)
	}
	if _, b := n.counts(); b != 1 {
		t.Errorf("observer saw %d binds, want 1", b)
	}
}

func testSeveralEntriesMatchIsAnError(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.UserFilter = "(mail={user})"
	cfg.StripRealm = false
	c := newClient(t, cfg)

	id, ok, err := authenticate(t, c, "shared@example.ac.jp", "lab-pass")
	if !errors.Is(err, directory.ErrAmbiguous) || ok {
		t.Fatalf("Authenticate(shared mail) = %+v, %v, %v; want ErrAmbiguous", id, ok, err)
	}
	id, ok, err = authenticate(t, c, "alice@example.ac.jp", "alice-pass")
	if err != nil || !ok || id.ID != "alice" {
		t.Fatalf("Authenticate(alice's mail) = %+v, %v, %v; want alice", id, ok, err)
	}
}

func testEntryWithoutUserIDAttributeIsAnError(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.UserIDAttribute = "employeeNumber"
	c := newClient(t, cfg)
	_, ok, err := authenticate(t, c, "alice", "alice-pass")
	if err == nil || ok || !strings.Contains(err.Error(), "has no employeeNumber") {
		t.Fatalf("Authenticate = %v, %v; want an error naming employeeNumber", ok, err)
	}
}

func TestExtraLDIF(t *testing.T) {
	ldif := filepath.Join(t.TempDir(), "extra.ldif")
	err := os.WriteFile(ldif, []byte(`dn: uid=grace,ou=people,dc=example,dc=ac,dc=jp
objectClass: inetOrgPerson
uid: grace
cn: Grace
sn: Example
userPassword: grace-pass

dn: cn=vpn-users,ou=groups,dc=example,dc=ac,dc=jp
objectClass: groupOfNames
cn: vpn-users
member: uid=grace,ou=people,dc=example,dc=ac,dc=jp
member: uid=alice,ou=people,dc=example,dc=ac,dc=jp
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	srv := directorytest.Start(t, directorytest.WithLDIF(ldif))
	c := newClient(t, srv.Config())
	vpn := "cn=vpn-users,ou=groups," + directorytest.BaseDN

	id, ok, err := authenticate(t, c, "grace", "grace-pass")
	if err != nil || !ok {
		t.Fatalf("Authenticate(grace) = %v, %v", ok, err)
	}
	assertIdentity(t, id, directory.Identity{ID: "grace", DN: userDN("grace"), Groups: []string{vpn}})
	id, _, err = c.Lookup(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	assertIdentity(t, id, directory.Identity{ID: "alice", DN: userDN("alice"), Groups: []string{staff, vpn}})
}

func testPing(t *testing.T, srv *directorytest.Server) {
	c := newClient(t, srv.Config())
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	cfg := srv.Config()
	cfg.BindPassword = "wrong"
	bad := newClient(t, cfg)
	if err := bad.Ping(context.Background()); err == nil {
		t.Fatal("Ping with a wrong service password succeeded")
	}
}

func testWrongServicePasswordIsAnError(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.BindPassword = "wrong"
	c := newClient(t, cfg)
	_, ok, err := authenticate(t, c, "alice", "alice-pass")
	if err == nil || ok {
		t.Fatalf("Authenticate = %v, %v; want an error", ok, err)
	}
}

func testClosedClient(t *testing.T, srv *directorytest.Server) {
	c := newClient(t, srv.Config())
	if _, ok, err := authenticate(t, c, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate = %v, %v", ok, err)
	}
	c.Close()
	if _, ok, err := authenticate(t, c, "alice", "alice-pass"); ok || !errors.Is(err, directory.ErrClosed) {
		t.Fatalf("Authenticate after Close = %v, %v; want ErrClosed", ok, err)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	srv := directorytest.Start(t)
	var buf syncBuffer
	log := slogDebug(&buf)
	cfg := srv.Config()
	c, err := directory.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	authenticate(t, c, "alice", "alice-pass")
	authenticate(t, c, "alice", "wrong-secret-typed")
	authenticate(t, c, "frank", "p@ss wörd 1")
	srv.Stop()
	authenticate(t, c, "bob", "bob-pass")

	logs := buf.String()
	if !strings.Contains(logs, "alice") || !strings.Contains(logs, "ldap server down") {
		t.Fatalf("expected debug lines naming alice and a server down warning, got:\n%s", logs)
	}
	for _, secret := range []string{"alice-pass", "wrong-secret-typed", "wörd", "bob-pass", cfg.BindPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}
