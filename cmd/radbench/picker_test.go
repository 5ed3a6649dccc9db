package main

import (
	"slices"
	"sync"
	"testing"
	"time"
)

const period = 30 * time.Second

// stepStart returns the beginning of time step 57,000,000 (in 2024).
func stepStart() time.Time { return time.Unix(57_000_000*30, 0) }

func TestClockIndex(t *testing.T) {
	for _, tt := range []struct {
		into time.Duration
		n    int
		want int
	}{
		{0, 1000, 0},
		{15 * time.Second, 1000, 500},
		{29*time.Second + 999*time.Millisecond, 1000, 999},
		{10 * time.Second, 3, 1},
		{29 * time.Second, 1, 0},
		{7*time.Second + 500*time.Millisecond, 300_000_000, 75_000_000},
	} {
		if got := clockIndex(stepStart().Add(tt.into), period, tt.n); got != tt.want {
			t.Errorf("clockIndex(%v into the step, n=%d) = %d, want %d", tt.into, tt.n, got, tt.want)
		}
	}
}

func TestPickerOncePerStep(t *testing.T) {
	p := newPicker(10, period, true)
	at := stepStart().Add(12 * time.Second) // 40% into the step: users 4…9
	var got []int
	for {
		i, step, ok := p.pick(at)
		if !ok {
			break
		}
		if step != 57_000_000 {
			t.Fatalf("step = %d", step)
		}
		got = append(got, i)
		at = at.Add(time.Millisecond)
	}
	if want := []int{4, 5, 6, 7, 8, 9}; !slices.Equal(got, want) {
		t.Fatalf("users in the step: %v, want %v (never the ones an earlier run may have used)", got, want)
	}
	if next := p.nextStep(at); !next.Equal(stepStart().Add(period)) {
		t.Fatalf("nextStep = %v, want %v", next, stepStart().Add(period))
	}
	// The next step starts again from the user of that moment.
	if i, step, ok := p.pick(stepStart().Add(period + 3*time.Second)); !ok || i != 1 || step != 57_000_001 {
		t.Fatalf("first pick of the next step = %d, %d, %v; want user 1 of step 57000001", i, step, ok)
	}
}

// Runs started one after the other in the same step never share a user
// when each logs in no faster than users/period a second; with users ≥
// 2 × rate × period there is room to spare.
func TestPickerBackToBackRunsDoNotMeet(t *testing.T) {
	const n = 3000
	for _, tt := range []struct {
		name  string
		rate  float64       // logins/s of every run
		start time.Duration // first run, into the step
		runs  []time.Duration
	}{
		{"three 5 s runs at users/(2·period)", n / 60, time.Second, []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second}},
		{"at the limit users/period", n / 30, 0, []time.Duration{10 * time.Second, 10 * time.Second, 9 * time.Second}},
		{"short runs late in the step", n / 60, 25 * time.Second, []time.Duration{time.Second, 2 * time.Second, time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			used := map[int]int{} // user → run
			at := stepStart().Add(tt.start)
			for run, d := range tt.runs {
				p := newPicker(n, period, true) // a new process
				end := at.Add(d)
				for k := 0; ; k++ {
					now := at.Add(time.Duration(float64(k) / tt.rate * float64(time.Second)))
					if !now.Before(end) {
						break
					}
					i, _, ok := p.pick(now)
					if !ok {
						t.Fatalf("run %d ran out of users at %v", run, now.Sub(stepStart()))
					}
					if prev, dup := used[i]; dup {
						t.Fatalf("run %d got user %d, used by run %d in the same step", run, i, prev)
					}
					used[i] = run
				}
				at = end
			}
			if len(used) == 0 {
				t.Fatal("no logins")
			}
		})
	}
}

// A run faster than the clock uses up the users and waits for the next
// step: it never wraps around to users an earlier run may have had.
func TestPickerRunsOut(t *testing.T) {
	p := newPicker(100, period, true)
	at := stepStart().Add(27 * time.Second) // users 90…99 left
	picks := 0
	for ; ; picks++ {
		if _, _, ok := p.pick(at); !ok {
			break
		}
	}
	if picks != 10 {
		t.Fatalf("%d picks before running out, want 10", picks)
	}
	if _, _, ok := p.pick(stepStart().Add(29 * time.Second)); ok {
		t.Fatal("picked again in the same step")
	}
}

func TestPickerConcurrentPicksAreDistinct(t *testing.T) {
	p := newPicker(1000, period, true)
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i, _, ok := p.pick(stepStart())
				if !ok {
					return
				}
				mu.Lock()
				if seen[i] {
					t.Errorf("user %d handed out twice", i)
				}
				seen[i] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 1000 {
		t.Fatalf("%d users handed out, want all 1000", len(seen))
	}
}

func TestPickerCyclesWithoutOncePerWindow(t *testing.T) {
	p := newPicker(3, period, false)
	var got []int
	for k := range 7 {
		i, _, ok := p.pick(stepStart().Add(29*time.Second + time.Duration(k)))
		if !ok {
			t.Fatal("ran out")
		}
		got = append(got, i)
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Fatalf("picks %v, want %v", got, want)
	}
}

// A worker that read the clock just before a step began may pick after
// another worker began that step: it must get the new step's next user,
// not restart the old step (whose users were used) nor the new one.
func TestPickerStaleClockAcrossABoundary(t *testing.T) {
	p := newPicker(10, period, true)
	boundary := stepStart().Add(period)
	late := boundary.Add(-time.Millisecond) // read before the boundary
	if i, _, _ := p.pick(stepStart().Add(29 * time.Second)); i != 9 {
		t.Fatalf("last pick of the old step = user %d, want 9", i)
	}
	i1, s1, _ := p.pick(boundary)
	i2, s2, ok := p.pick(late)
	i3, s3, _ := p.pick(boundary.Add(time.Millisecond))
	if !ok || i1 != 0 || i2 != 1 || i3 != 2 {
		t.Errorf("picks at the boundary, with a stale clock, after = users %d, %d, %d; want 0, 1, 2", i1, i2, i3)
	}
	if s2 != s1 || s3 != s1 {
		t.Errorf("steps = %d, %d, %d; want all %d", s1, s2, s3, s1)
	}
}
