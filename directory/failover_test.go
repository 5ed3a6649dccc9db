package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func testFailoverToTheNextURL(t *testing.T, srv *directorytest.Server) {
	cfg := srv.Config()
	cfg.URLs = []string{deadURL(t), srv.URL}
	c := newClient(t, cfg)
	for range 3 { // the dead server is skipped once it failed
		id, ok, err := authenticate(t, c, "alice", "alice-pass")
		if err != nil || !ok || id.ID != "alice" {
			t.Fatalf("Authenticate = %+v, %v, %v", id, ok, err)
		}
	}
}

func TestAllURLsDeadIsAnError(t *testing.T) {
	cfg := validConfig()
	cfg.URLs = []string{deadURL(t), deadURL(t)}
	c := newClient(t, cfg)
	for range 2 { // also once both are in back-off: then all are retried
		_, ok, err := authenticate(t, c, "alice", "alice-pass")
		if ok || !errors.Is(err, directory.ErrUnavailable) {
			t.Fatalf("Authenticate = %v, %v; want ErrUnavailable", ok, err)
		}
	}
}

func TestServerStoppedIsAnErrorNotAWrongPassword(t *testing.T) {
	srv := directorytest.Start(t)
	c := newClient(t, srv.Config())
	if _, ok, err := authenticate(t, c, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate before Stop = %v, %v", ok, err)
	}
	srv.Stop() // the pooled connections are now dead
	for _, user := range []string{"alice", "mallory"} {
		_, ok, err := authenticate(t, c, user, "alice-pass")
		if ok || !errors.Is(err, directory.ErrUnavailable) {
			t.Errorf("Authenticate(%s) after Stop = %v, %v; want ErrUnavailable", user, ok, err)
		}
	}
	ok, err := c.CheckPassword(context.Background(), userDN("alice"), "alice-pass")
	if ok || !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("CheckPassword after Stop = %v, %v; want ErrUnavailable", ok, err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("Ping after Stop = %v, want ErrUnavailable", err)
	}
}

func TestPausedServerTimesOut(t *testing.T) {
	srv := directorytest.Start(t)
	cfg := srv.Config()
	cfg.Timeout = 300 * time.Millisecond
	warm := newClient(t, cfg)
	if _, ok, err := authenticate(t, warm, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate before Pause = %v, %v", ok, err)
	}
	srv.Pause() // accepts TCP, answers nothing
	cold := newClient(t, cfg)
	for name, c := range map[string]*directory.Client{"pooled connections": warm, "new connections": cold} {
		_, ok, err := authenticate(t, c, "alice", "alice-pass")
		if ok || !errors.Is(err, directory.ErrUnavailable) {
			t.Errorf("%s: Authenticate while paused = %v, %v; want ErrUnavailable", name, ok, err)
		}
	}
	ok, err := warm.CheckPassword(context.Background(), userDN("alice"), "alice-pass")
	if ok || !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("CheckPassword while paused = %v, %v; want ErrUnavailable", ok, err)
	}
	srv.Resume()
	if _, ok, err := authenticate(t, warm, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate after Resume = %v, %v", ok, err)
	}
}

func TestContextEndsTheOperation(t *testing.T) {
	srv := directorytest.Start(t)
	cfg := srv.Config()
	cfg.Timeout = time.Hour // only the context can end the wait
	c := newClient(t, cfg)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok, err := c.Authenticate(cancelled, "alice", "alice-pass"); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Authenticate(cancelled ctx) = %v, %v; want context.Canceled", ok, err)
	}
	if _, ok, err := authenticate(t, c, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate = %v, %v", ok, err)
	}

	srv.Pause()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, ok, err := c.Authenticate(ctx, "alice", "alice-pass"); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Authenticate(paused server, deadline) = %v, %v; want context.DeadlineExceeded", ok, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }() // while the bind waits
	if ok, err := c.CheckPassword(ctx, userDN("alice"), "alice-pass"); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckPassword(paused server, cancelled) = %v, %v; want context.Canceled", ok, err)
	}
}

func TestServerRestartIsInvisible(t *testing.T) {
	srv := directorytest.Start(t)
	c := newClient(t, srv.Config())
	if _, ok, err := authenticate(t, c, "alice", "alice-pass"); !ok || err != nil {
		t.Fatalf("Authenticate before restart = %v, %v", ok, err)
	}
	srv.Restart() // every pooled connection is now dead
	for _, user := range []string{"alice", "bob"} {
		if _, ok, err := authenticate(t, c, user, passwords[user]); !ok || err != nil {
			t.Fatalf("Authenticate(%s) after restart = %v, %v", user, ok, err)
		}
	}
}
