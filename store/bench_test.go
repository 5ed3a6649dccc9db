package store_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/store"
)

// benchStore opens a store in a temporary directory (real file, real
// fsync) with n enrolled users u0000… and returns their enrollment ids;
// the benchmark's clock and counters start after that.
func benchStore(b *testing.B, n int) (*store.Bolt, []uint64) {
	b.Helper()
	dir := b.TempDir()
	s, err := store.Open(dir+"/bench.db", store.Options{KeyFile: dir + "/bench.key"})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ids := make([]uint64, n)
	for i := range ids {
		if ids[i], err = s.Enroll(b.Context(), enrollment(fmt.Sprintf("u%04d", i), "12345678901234567890")); err != nil {
			b.Fatalf("Enroll: %v", err)
		}
	}
	b.ResetTimer() // the enrollments are setup, not what is measured
	return s, ids
}

// reportCommits adds the mean number of commits per op (each a bbolt
// transaction or a journal write, with its syncs) and of checkpoints
// (journal folds, each a bbolt transaction of its own here).
func reportCommits(b *testing.B, s *store.Bolt, before store.Stats) {
	after := s.Stats()
	b.ReportMetric(float64(after.Commits-before.Commits)/float64(b.N), "commits/op")
	b.ReportMetric(float64(after.Checkpoints-before.Checkpoints)/float64(b.N), "checkpoints/op")
}

// BenchmarkAcceptStep is one login at a time: the latency of one commit
// (a journal write and fdatasync, and a share of the checkpoints).
func BenchmarkAcceptStep(b *testing.B) {
	s, ids := benchStore(b, 1)
	now := time.Now()
	b.ReportAllocs()
	before := s.Stats()
	step := uint64(0)
	for b.Loop() {
		step++
		if err := s.AcceptStep(b.Context(), "u0000", ids[0], step, now); err != nil {
			b.Fatalf("AcceptStep: %v", err)
		}
	}
	reportCommits(b, s, before)
}

// BenchmarkAcceptStepParallel is many concurrent logins of distinct
// users; group commit shares each fsync among them.
func BenchmarkAcceptStepParallel(b *testing.B) {
	for _, par := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("goroutines=%dxGOMAXPROCS", par), func(b *testing.B) {
			benchLogins(b, par, 0)
		})
	}
}

// BenchmarkAcceptStepAfterBind is the server's pattern: each of 16 ×
// GOMAXPROCS concurrent logins spends about a millisecond in an LDAP bind
// before its AcceptStep, so logins reach the store one by one rather than
// in a burst. commits/op shows how many logins share one fdatasync; ns/op
// is the closed loop's pace, mostly the sleeps. Run with
// -benchtime=5000x: with the sleeps the default b.N ramp is erratic.
func BenchmarkAcceptStepAfterBind(b *testing.B) {
	benchLogins(b, 16, 500*time.Microsecond)
}

// benchLogins runs par × GOMAXPROCS goroutines, each logging one user in
// at the next step in a loop, after a pause of bind to bind+1ms (spread
// over the users; none when bind is 0).
func benchLogins(b *testing.B, par int, bind time.Duration) {
	s, ids := benchStore(b, 1024)
	now := time.Now()
	var next atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	before := s.Stats()
	b.RunParallel(func(pb *testing.PB) {
		u := int(next.Add(1)-1) % len(ids)
		user := fmt.Sprintf("u%04d", u)
		pause := time.Duration(0)
		if bind > 0 {
			pause = bind + time.Duration(u*31%1000)*time.Microsecond
		}
		step := uint64(0)
		for pb.Next() {
			time.Sleep(pause)
			step++
			if err := s.AcceptStep(b.Context(), user, ids[u], step, now); err != nil {
				b.Errorf("AcceptStep(%s): %v", user, err)
				return
			}
		}
	})
	reportCommits(b, s, before)
}

// BenchmarkFold is the latency of a write (Unlock) that first folds
// the logins of n users from the journal into the database: the stall a
// checkpoint puts on the committer.
func BenchmarkFold(b *testing.B) {
	for _, n := range []int{1000, 16000} {
		b.Run(fmt.Sprintf("logins=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			s, err := store.OpenTunedForTest(dir+"/fold.db", store.Options{KeyFile: dir + "/fold.key"}, store.DefaultJournalSize, time.Hour)
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			b.Cleanup(func() { _ = s.Close() })
			es := importSet(n)
			if err := s.EnrollMany(b.Context(), es); err != nil {
				b.Fatalf("EnrollMany: %v", err)
			}
			ids := make([]uint64, n)
			for i, e := range es {
				st, err := s.Get(b.Context(), e.User)
				if err != nil {
					b.Fatalf("Get: %v", err)
				}
				ids[i] = st.Enrollment.ID
			}
			step := uint64(0)
			for b.Loop() {
				b.StopTimer()
				step++
				loginAll(b, s, es, ids, step)
				before := s.Stats().Checkpoints
				b.StartTimer()
				if err := s.Unlock(b.Context(), es[0].User); err != nil {
					b.Fatalf("Unlock: %v", err)
				}
				if s.Stats().Checkpoints != before+1 {
					b.Fatalf("Unlock did not fold the journal")
				}
			}
		})
	}
}

// loginAll accepts step for every user, 64 at a time.
func loginAll(b *testing.B, s *store.Bolt, es []store.Enrollment, ids []uint64, step uint64) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(es); i = int(next.Add(1) - 1) {
				if err := s.AcceptStep(b.Context(), es[i].User, ids[i], step, time.Now()); err != nil {
					b.Errorf("AcceptStep: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkGet reads one user's state and opens the secret; no fsync.
func BenchmarkGet(b *testing.B) {
	s, _ := benchStore(b, 100)
	b.ReportAllocs()
	var i int
	for b.Loop() {
		i++
		if _, err := s.Get(b.Context(), fmt.Sprintf("u%04d", i%100)); err != nil {
			b.Fatalf("Get: %v", err)
		}
	}
}

// BenchmarkEnrollMany is a migration: one op imports n users into a new
// store in one transaction (the import set's order is descending).
func BenchmarkEnrollMany(b *testing.B) {
	for _, n := range []int{20000, 300000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			es := importSet(n)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				s, err := store.Open(dir+"/import.db", store.Options{KeyFile: dir + "/import.key"})
				if err != nil {
					b.Fatalf("Open: %v", err)
				}
				b.StartTimer()
				if err := s.EnrollMany(b.Context(), es); err != nil {
					b.Fatalf("EnrollMany: %v", err)
				}
				b.StopTimer()
				if err := s.Close(); err != nil {
					b.Fatalf("Close: %v", err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
}
