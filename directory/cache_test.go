package directory_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/radius2fa/radius2fa/directory/directorytest"
)

// With ldap.cache_ttl a repeated login costs one bind, no search; a moved
// entry is found again instead of looking like a wrong password; a wrong
// password is still wrong (and tried once).
func TestIdentityCache(t *testing.T) {
	srv := directorytest.Start(t)
	cfg := srv.Config()
	cfg.CacheTTL = time.Minute
	c := newClient(t, cfg)
	obs := &counter{}
	c.SetObserver(obs)
	ctx := context.Background()

	first, ok, err := c.Authenticate(ctx, "dave", "dave-pass")
	if err != nil || !ok || first.Cached || first.DN != "uid=dave,"+directorytest.PeopleDN || len(first.Groups) == 0 {
		t.Fatalf("first login: %+v %v %v", first, ok, err)
	}
	// The cache gives back what the search found: the DN (kept without
	// the base DN it ends with) and the groups.
	id, ok, err := c.Authenticate(ctx, "dave", "dave-pass")
	want := first
	want.Cached = true
	if err != nil || !ok || !reflect.DeepEqual(id, want) {
		t.Fatalf("second login: %+v %v %v; want %+v", id, ok, err, want)
	}
	if s, b := obs.counts(); s != 1 || b != 2 {
		t.Fatalf("two logins made %d searches and %d binds, want 1 and 2", s, b)
	}

	// A wrong password against the cached entry: refused, with one bind.
	if _, ok, err := c.Authenticate(ctx, "dave", "wrong"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	if s, b := obs.counts(); s != 2 || b != 3 {
		t.Fatalf("after a wrong password: %d searches, %d binds; want 2 (re-lookup) and 3 (no second bind)", s, b)
	}

	// The entry moves while it is cached.
	if _, _, err := c.Authenticate(ctx, "dave", "dave-pass"); err != nil {
		t.Fatal(err)
	}
	admin, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.Bind("cn=admin,"+directorytest.BaseDN, "admin-secret"); err != nil {
		t.Fatal(err)
	}
	add := ldap.NewAddRequest("ou=moved,"+directorytest.PeopleDN, nil)
	add.Attribute("objectClass", []string{"organizationalUnit"})
	add.Attribute("ou", []string{"moved"})
	if err := admin.Add(add); err != nil {
		t.Fatal(err)
	}
	if err := admin.ModifyDN(ldap.NewModifyDNRequest("uid=dave,"+directorytest.PeopleDN, "uid=dave", true, "ou=moved,"+directorytest.PeopleDN)); err != nil {
		t.Fatal(err)
	}
	id, ok, err = c.Authenticate(ctx, "dave", "dave-pass")
	if err != nil || !ok || id.DN != "uid=dave,ou=moved,"+directorytest.PeopleDN {
		t.Fatalf("login after the entry moved: %+v %v %v", id, ok, err)
	}
	// And the new place is what is cached now.
	id, ok, err = c.Authenticate(ctx, "dave", "dave-pass")
	if err != nil || !ok || !id.Cached || id.DN != "uid=dave,ou=moved,"+directorytest.PeopleDN {
		t.Fatalf("login after that: %+v %v %v", id, ok, err)
	}
}
