package store

import (
	"testing"
	"time"
)

// The gatherer's decisions, driven with a bare queue: what a batch takes
// from the queue, and when it does not wait at all. The table's cases
// must end without the timer (an hour: a wrong wait fails the test's
// deadline); the last ones wait for it and assert what was taken, not
// how long.

func queued(ops ...*op) *Bolt {
	b := &Bolt{queue: make(chan *op, len(ops)+1)}
	for _, o := range ops {
		b.queue <- o
	}
	return b
}

func login() *op { return &op{kind: opAccept} }
func write() *op { return &op{kind: opWrite} }

func logins(n int) []*op {
	ops := make([]*op, n)
	for i := range ops {
		ops[i] = login()
	}
	return ops
}

func TestGatherer(t *testing.T) {
	for _, c := range []struct {
		name     string
		last     int   // the previous batch's size
		batch    []*op // what drain found
		queue    []*op // what arrives while it gathers (already queued here)
		want     int   // the batch's size afterwards
		leftOver int   // ops still queued
	}{
		{"first batch never waits", 0, []*op{login()}, []*op{login()}, 1, 1},
		{"after a batch of one nothing waits", 1, []*op{login()}, []*op{login()}, 1, 1},
		{"as large as the last: no wait", 3, []*op{login(), login(), login()}, []*op{login()}, 3, 1},
		{"smaller than the last: takes up to its size", 4, []*op{login()}, []*op{login(), login(), login(), login(), login()}, 4, 2},
		{"another write ends the wait, with what is queued behind it", 8, []*op{login()}, []*op{login(), write(), login()}, 4, 0},
		{"a batch holding another write does not wait", 8, []*op{login(), write()}, []*op{login()}, 2, 1},
		{"never more than maxBatch", maxBatch * 2, []*op{login()}, logins(maxBatch + 5), maxBatch, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := queued(c.queue...)
			g := gatherer{timer: time.NewTimer(time.Hour), window: time.Hour, last: c.last}
			g.timer.Stop()
			batch := make([]*op, 0, maxBatch)
			batch = append(batch, c.batch...)
			done := make(chan []*op)
			go func() { done <- g.gather(b, batch) }()
			var got []*op
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("gather did not return")
			}
			if len(got) != c.want || len(b.queue) != c.leftOver {
				t.Fatalf("batch of %d with %d left queued, want %d and %d", len(got), len(b.queue), c.want, c.leftOver)
			}
			if g.last != len(got) {
				t.Fatalf("remembers %d as the last batch, want %d", g.last, len(got))
			}
		})
	}

	// Fewer logins come than the last batch had: it stops waiting after
	// gatherFor with what it has, and a closed queue ends the wait too.
	b := queued(login())
	g := gatherer{timer: time.NewTimer(time.Hour), window: time.Millisecond, last: 5}
	g.timer.Stop()
	if got := g.gather(b, append(make([]*op, 0, maxBatch), login())); len(got) != 2 {
		t.Fatalf("timed-out wait: batch of %d, want 2", len(got))
	}
	close(b.queue)
	if got := g.gather(b, append(make([]*op, 0, maxBatch), login())); len(got) != 1 {
		t.Fatalf("closed queue: batch of %d, want 1", len(got))
	}
}
