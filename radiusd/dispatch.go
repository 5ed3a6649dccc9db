package radiusd

import "sync"

// dispatcher hands datagrams from a listener's reader to its workers.
//
// The worker that became idle last gets the next datagram (a stack, not a
// queue of idle workers), so at c logins in flight about c workers do
// all the work: their stacks stay warm in the CPU's caches, and the
// stacks of the others, idle since the last garbage collection, are
// shrunk by it and stay small. A channel shared by all workers hands
// each datagram to the worker idle longest instead, so every one of them
// runs between two collections and grows its stack again.
//
// Datagrams that arrive while every worker is busy wait in a bounded
// queue, oldest first.
type dispatcher struct {
	mu     sync.Mutex
	idle   []chan *job // inboxes of idle workers, the last one idle last
	queue  jobRing     // datagrams waiting for a worker
	closed bool
}

func newDispatcher(workers, queue int) *dispatcher {
	return &dispatcher{
		idle:  make([]chan *job, 0, workers),
		queue: jobRing{buf: make([]*job, queue)},
	}
}

// dispatch gives j to the worker idle last, or queues it. It returns
// false, keeping nothing, when the queue is full or the dispatcher is
// closed.
func (d *dispatcher) dispatch(j *job) bool {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return false
	}
	if n := len(d.idle); n > 0 {
		inbox := d.idle[n-1]
		d.idle[n-1] = nil
		d.idle = d.idle[:n-1]
		d.mu.Unlock()
		inbox <- j // buffered: an idle worker's inbox is empty
		return true
	}
	ok := d.queue.push(j)
	d.mu.Unlock()
	return ok
}

// next returns the worker's next datagram: the oldest queued one, or
// else one handed to inbox (a channel of capacity 1 owned by the worker)
// once it is the worker idle last. ok is false when the dispatcher is
// closed and nothing is queued: the worker stops.
func (d *dispatcher) next(inbox chan *job) (j *job, ok bool) {
	d.mu.Lock()
	if j, ok := d.queue.pop(); ok {
		d.mu.Unlock()
		return j, true
	}
	if d.closed {
		d.mu.Unlock()
		return nil, false
	}
	d.idle = append(d.idle, inbox)
	d.mu.Unlock()
	j, ok = <-inbox
	return j, ok
}

// close refuses further datagrams and stops the idle workers; busy ones
// stop once the queue is empty.
func (d *dispatcher) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for i, inbox := range d.idle {
		close(inbox)
		d.idle[i] = nil
	}
	d.idle = d.idle[:0]
}

// jobRing is a fixed-capacity FIFO of datagrams.
type jobRing struct {
	buf   []*job
	head  int // index of the oldest
	count int
}

func (r *jobRing) push(j *job) bool {
	if r.count == len(r.buf) {
		return false
	}
	r.buf[(r.head+r.count)%len(r.buf)] = j
	r.count++
	return true
}

func (r *jobRing) pop() (*job, bool) {
	if r.count == 0 {
		return nil, false
	}
	j := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) % len(r.buf)
	r.count--
	return j, true
}
