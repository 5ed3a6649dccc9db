package directory_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

var passwords = map[string]string{
	"alice": "alice-pass", "bob": "bob-pass", "carol": "carol-pass", "dave": "dave-pass", "Eve": "eve-pass",
}

func testConcurrentAuthenticationsShareThePool(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.PoolSize = 4
	c := newClient(t, cfg)
	users := []string{"alice", "bob", "carol", "dave", "Eve"}

	var wg sync.WaitGroup
	errs := make(chan error, 50*20)
	for g := range 50 {
		wg.Go(func() {
			for i := range 20 {
				user := users[(g+i)%len(users)]
				pw, want := passwords[user], true
				if i%3 == 0 {
					pw, want = passwords[users[(g+i+1)%len(users)]], false
				}
				id, ok, err := c.Authenticate(context.Background(), user, pw)
				if err != nil || ok != want || id.DN != userDN(user) {
					errs <- fmt.Errorf("Authenticate(%s) = %+v, %v, %v; want ok=%v", user, id, ok, err, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	search, bind := c.PoolStats()
	for name, s := range map[string]directory.PoolStats{"search": search, "bind": bind} {
		if s.InUse != 0 || s.Idle < 1 || s.Idle > 4 || s.Size != 4 {
			t.Errorf("%s pool after the run: %+v, want 0 in use and 1..4 idle", name, s)
		}
	}
}

// With ACLs that let a user read only their own entry, a search connection
// that had been re-bound as a user would no longer find other users.
func testUserBindsNeverTouchSearchConnections(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.PoolSize = 1
	c := newClient(t, cfg)
	for range 10 {
		for user, pw := range passwords {
			if _, ok, err := authenticate(t, c, user, pw); !ok || err != nil {
				t.Fatalf("Authenticate(%s) = %v, %v", user, ok, err)
			}
		}
	}
	for user := range passwords {
		id, found, err := c.Lookup(context.Background(), user)
		if !found || err != nil || id.DN != userDN(user) {
			t.Fatalf("Lookup(%s) after user binds = %+v, %v, %v", user, id, found, err)
		}
	}
}

func testConnectionReusedAfterWrongPassword(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.PoolSize = 1
	c := newClient(t, cfg)
	if ok, err := c.CheckPassword(context.Background(), userDN("alice"), "wrong"); ok || err != nil {
		t.Fatalf("CheckPassword(wrong) = %v, %v", ok, err)
	}
	if _, bind := c.PoolStats(); bind.Idle != 1 || bind.InUse != 0 {
		t.Fatalf("bind pool after a wrong password: %+v, want the connection idle for reuse", bind)
	}
	if ok, err := c.CheckPassword(context.Background(), userDN("alice"), "alice-pass"); !ok || err != nil {
		t.Fatalf("CheckPassword(right) on the reused connection = %v, %v", ok, err)
	}
}

func TestWaitForAFreeConnectionRespectsContext(t *testing.T) {
	srv := directorytest.Start(t)
	cfg := srv.Config()
	cfg.PoolSize = 1
	c := newClient(t, cfg)
	srv.Pause()
	// The first call holds the only bind connection while the server hangs.
	first, cancelFirst := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.CheckPassword(first, userDN("alice"), "alice-pass")
		done <- err
	}()
	waitFor(t, func() bool { _, b := c.PoolStats(); return b.InUse == 1 })
	second, cancelSecond := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelSecond()
	if ok, err := c.CheckPassword(second, userDN("bob"), "bob-pass"); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CheckPassword(pool busy, deadline) = %v, %v; want context.DeadlineExceeded", ok, err)
	}
	cancelFirst()
	if err := <-done; err == nil {
		t.Fatal("CheckPassword on a hung server returned no error")
	}
	srv.Resume()
	if ok, err := c.CheckPassword(context.Background(), userDN("bob"), "bob-pass"); !ok || err != nil {
		t.Fatalf("CheckPassword after Resume = %v, %v", ok, err)
	}
}
