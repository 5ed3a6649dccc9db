package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

func TestObserveCommit(t *testing.T) {
	p := newPaths(t)
	var mu sync.Mutex
	var commits, ops int
	s, err := store.Open(p.db, store.Options{KeyFile: p.key, ObserveCommit: func(d time.Duration, n int) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("commit duration %v", d)
		}
		commits++
		ops += n
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	id := mustEnroll(t, s, enrollment("alice", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
	if err := s.AcceptStep(ctx, "alice", id, 100, time.Now()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if commits != 2 || ops != 2 {
		t.Fatalf("observed %d commits carrying %d writes, want 2 and 2", commits, ops)
	}
}
