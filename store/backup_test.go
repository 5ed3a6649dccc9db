package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// TestBackupWhileWriting takes a backup while 8 goroutines enroll users
// and log in, then opens the copy: every enrollment confirmed before the
// backup started is in it, and the copy is one consistent snapshot.
func TestBackupWhileWriting(t *testing.T) {
	p := newPaths(t)
	s := p.open(t)
	aliceID := mustEnroll(t, s, enrollment("alice", "alice's secret"))
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := s.AcceptStep(t.Context(), "alice", aliceID, 77, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecoveryCodes(t.Context(), "alice", [][]byte{[]byte("h1"), []byte("h2")}); err != nil {
		t.Fatal(err)
	}

	const writers = 8
	var confirmed [writers]atomic.Int64 // enrollments of writer w that returned
	ids := make([][]uint64, writers)
	stop, started := make(chan struct{}), make(chan struct{}, writers)
	var wg sync.WaitGroup
	for w := range writers {
		ids[w] = make([]uint64, 0, 1024)
		wg.Go(func() { backupWriter(t, s, w, &confirmed[w], &ids[w], stop, started) })
	}
	for range writers {
		<-started // every writer has confirmed a write: the backup overlaps them
	}
	var before [writers]int64
	for w := range writers {
		before[w] = confirmed[w].Load()
	}
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.OpenFile(copyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f)
	close(stop)
	wg.Wait()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if info, err := os.Stat(copyPath); err != nil || info.Size() != n {
		t.Fatalf("Backup returned %d bytes, the copy has %v (%v)", n, info.Size(), err)
	}

	c, err := store.Open(copyPath, store.Options{KeyFile: p.key})
	if err != nil {
		t.Fatalf("Open of the backup: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	alice, err := c.Get(t.Context(), "alice")
	if err != nil || alice.Enrollment == nil || alice.Enrollment.ID != aliceID || string(alice.Enrollment.Secret) != "alice's secret" ||
		alice.LastStep != 77 || alice.RecoveryCodes != 2 {
		t.Fatalf("Get(alice) in the backup = %+v, %v", alice, err)
	}
	for w := range writers {
		for i := range before[w] {
			user := fmt.Sprintf("w%d-%04d", w, i)
			st, err := c.Get(t.Context(), user)
			if err != nil || st.Enrollment == nil || st.Enrollment.ID != ids[w][i] {
				t.Fatalf("Get(%s) in the backup = %+v, %v; want enrollment %d confirmed before the backup", user, st, err, ids[w][i])
			}
		}
	}
	checkCountsMatchList(t, c) // one snapshot: the counts agree with the users
}

// backupWriter enrolls users w<w>-0000… and logs each in until stop,
// counting the enrollments confirmed.
func backupWriter(t *testing.T, s *store.Bolt, w int, confirmed *atomic.Int64, ids *[]uint64, stop <-chan struct{}, started chan<- struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		user := fmt.Sprintf("w%d-%04d", w, i)
		id, err := s.Enroll(t.Context(), enrollment(user, "secret of "+user))
		if err != nil {
			t.Errorf("Enroll(%s): %v", user, err)
			return
		}
		*ids = append(*ids, id)
		confirmed.Add(1)
		if err := s.AcceptStep(t.Context(), user, id, 1, time.Now()); err != nil {
			t.Errorf("AcceptStep(%s): %v", user, err)
			return
		}
		if i == 0 {
			started <- struct{}{}
		}
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.after < len(b) {
		return 0, errors.New("disk full")
	}
	w.after -= len(b)
	return len(b), nil
}

func TestBackupWriteError(t *testing.T) {
	s := newPaths(t).open(t)
	mustEnroll(t, s, enrollment("alice", "secret"))
	if n, err := s.Backup(&failingWriter{after: 4096}); err == nil {
		t.Fatalf("Backup to a failing writer = %d bytes, nil error", n)
	}
	if _, err := s.Get(t.Context(), "alice"); err != nil {
		t.Fatalf("Get after a failed backup: %v", err)
	}
}
