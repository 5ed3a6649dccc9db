package radiusd

import (
	"testing"
	"time"
)

// idleWorker is a worker blocked in next once.
type idleWorker struct {
	got chan *job // receives what next returned: nil when it was told to stop
}

// startIdle starts a worker that waits in d.next once, and returns when
// it is registered as idle (the last one idle).
func startIdle(t *testing.T, d *dispatcher) idleWorker {
	t.Helper()
	w := idleWorker{got: make(chan *job, 1)}
	d.mu.Lock()
	before := len(d.idle)
	d.mu.Unlock()
	go func() {
		j, ok := d.next(make(chan *job, 1))
		if !ok {
			j = nil
		}
		w.got <- j
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		n := len(d.idle)
		d.mu.Unlock()
		if n > before {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatal("worker never became idle")
		}
		time.Sleep(time.Millisecond)
	}
}

func (w idleWorker) wait(t *testing.T) *job {
	t.Helper()
	select {
	case j := <-w.got:
		return j
	case <-time.After(5 * time.Second):
		t.Fatal("worker got nothing")
		return nil
	}
}

func (w idleWorker) waiting(t *testing.T) {
	t.Helper()
	select {
	case j := <-w.got:
		t.Fatalf("worker got %v, want it still idle", j)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestDispatchToWorkerIdleLast(t *testing.T) {
	d := newDispatcher(3, 4)
	first, second, third := startIdle(t, d), startIdle(t, d), startIdle(t, d)

	j1, j2 := &job{}, &job{}
	if !d.dispatch(j1) || !d.dispatch(j2) {
		t.Fatal("dispatch with idle workers refused")
	}
	if got := third.wait(t); got != j1 {
		t.Errorf("worker idle last got %p, want the first datagram %p", got, j1)
	}
	if got := second.wait(t); got != j2 {
		t.Errorf("worker idle second got %p, want the second datagram %p", got, j2)
	}
	first.waiting(t)

	d.close()
	if got := first.wait(t); got != nil {
		t.Errorf("idle worker after close got %p, want to be stopped", got)
	}
}

func TestDispatchQueuesWhileAllBusy(t *testing.T) {
	d := newDispatcher(1, 2)
	j1, j2, j3 := &job{}, &job{}, &job{}
	if !d.dispatch(j1) || !d.dispatch(j2) {
		t.Fatal("dispatch into a queue with room refused")
	}
	if d.dispatch(j3) {
		t.Error("dispatch into a full queue accepted")
	}

	// A worker coming back takes the oldest queued datagram first.
	inbox := make(chan *job, 1)
	for i, want := range []*job{j1, j2} {
		if got, ok := d.next(inbox); !ok || got != want {
			t.Fatalf("next #%d: %p %v, want %p", i+1, got, ok, want)
		}
	}

	// Close lets the queue drain, then stops the worker.
	if !d.dispatch(j3) {
		t.Fatal("dispatch into an emptied queue refused")
	}
	d.close()
	if d.dispatch(&job{}) {
		t.Error("dispatch after close accepted")
	}
	if got, ok := d.next(inbox); !ok || got != j3 {
		t.Fatalf("next after close: %p %v, want the queued %p", got, ok, j3)
	}
	if got, ok := d.next(inbox); ok {
		t.Fatalf("next after close with an empty queue: %p, want stop", got)
	}
}

func TestJobRingWrapsAround(t *testing.T) {
	r := jobRing{buf: make([]*job, 3)}
	jobs := make([]*job, 7)
	for i := range jobs {
		jobs[i] = &job{}
	}
	// Seven through a ring of three, one or two held at a time: it wraps.
	r.push(jobs[0])
	for i := 1; i < len(jobs); i++ {
		if !r.push(jobs[i]) {
			t.Fatalf("push #%d refused with %d held", i, r.count)
		}
		if got, _ := r.pop(); got != jobs[i-1] {
			t.Fatalf("pop after push #%d: %p, want %p", i, got, jobs[i-1])
		}
	}
	if got, ok := r.pop(); !ok || got != jobs[6] {
		t.Fatalf("last pop: %p %v, want %p", got, ok, jobs[6])
	}
	if _, ok := r.pop(); ok {
		t.Fatal("pop from an empty ring succeeded")
	}
}
