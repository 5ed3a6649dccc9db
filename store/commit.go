package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every write is an op sent to one committer goroutine. The
// committer takes the first op, then everything else already queued (up
// to maxBatch), and makes the batch durable at once, so a batch costs one
// sync however many logins it carries. Ops that arrive during a commit
// form the next batch. After a batch of one op nothing waits; a batch of
// logins smaller than the previous batch may wait up to gatherFor for the
// rest (gatherer).
//
// A batch made only of AcceptStep ops (the logins) is decided against
// the database and the overlay and written to the journal: one append
// and one fdatasync (commitjournal.go). Any other batch is applied in
// order in one bbolt Update that first folds the journal into the
// database (checkpoint.go), so that every other write sees, and may
// change, the logins already accepted; its AcceptStep ops take the bbolt
// path with the rest. The committer also folds the journal about once a
// second while it holds logins.
//
// Each op records its own outcome (nil, ErrReplay, ErrLocked, …) without
// failing the batch; ops later in the batch see the writes of earlier
// ones. Only an error that breaks the batch itself (a failed write,
// commit or sync) fails every op of the batch.

// maxBatch bounds the ops in one transaction, and so a batch's latency.
const maxBatch = 512

// gatherFor is how long a batch of logins waits for more logins when the
// previous batch showed concurrent traffic; after a batch of one nothing
// waits. At a few thousand logins a second each sync then carries several
// times more logins: fewer fdatasyncs for the same work, for at most this
// much added latency.
const gatherFor = 500 * time.Microsecond

// txFunc applies one op inside the shared transaction. outcome is the
// op's own result; when it is non-nil the op must have written nothing.
// A non-nil abort fails the whole batch.
type txFunc func(tx *bolt.Tx) (outcome, abort error)

// opKind says how the committer handles an op.
type opKind uint8

const (
	// opWrite runs op.run in the batch's bbolt transaction.
	opWrite opKind = iota
	// opAccept is an AcceptStep: journaled when its whole batch is.
	opAccept
	// opSnapshot is a backup's read transaction, opened after a
	// checkpoint so that it holds every login accepted before it.
	opSnapshot
)

type op struct {
	ctx      context.Context // checked before the op is applied
	kind     opKind
	run      txFunc     // opWrite
	accept   acceptArgs // opAccept
	snapshot *bolt.Tx   // opSnapshot: the result, set before done is sent
	outcome  error
	done     chan error // buffered: the committer never blocks on it
}

// acceptArgs are AcceptStep's arguments.
type acceptArgs struct {
	user         string
	enrollmentID uint64
	step         uint64
	now          time.Time
}

// apply runs a write op in the batch's bbolt transaction.
func (o *op) apply(tx *bolt.Tx) (outcome, abort error) {
	if o.kind == opAccept {
		a := o.accept
		return acceptStep(bucketsOf(tx), a.user, a.enrollmentID, a.step, a.now)
	}
	return o.run(tx)
}

// submit queues run and waits for its batch to commit. If ctx ends
// first, submit returns ctx.Err(); the op may still be committed.
func (b *Bolt) submit(ctx context.Context, run txFunc) error {
	return b.submitOp(ctx, &op{kind: opWrite, run: run})
}

// submitOp queues o and waits for its answer, as submit does.
func (b *Bolt) submitOp(ctx context.Context, o *op) error {
	select {
	case err := <-b.send(ctx, o):
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send queues o without waiting for its answer and returns the channel
// the answer arrives on. An op that cannot be queued (ctx already done,
// the store closed) is answered at once and writes nothing.
func (b *Bolt) send(ctx context.Context, o *op) <-chan error {
	o.ctx, o.done = ctx, make(chan error, 1)
	err := ctx.Err()
	if err == nil {
		err = b.enqueue(ctx, o)
	}
	if err != nil {
		o.done <- err
	}
	return o.done
}

// enqueue hands o to the committer unless the store is closed. The read
// lock keeps Close from closing the queue while o is being sent.
func (b *Bolt) enqueue(ctx context.Context, o *op) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.queue <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commitLoop is the committer. It runs until Close closes the queue and
// everything queued before has been committed; Close then does the last
// checkpoint. While the overlay holds logins, a timer folds them into
// the database foldEvery after the first one.
func (b *Bolt) commitLoop() {
	defer close(b.stopped)
	batch := make([]*op, 0, maxBatch)
	timer := time.NewTimer(b.foldEvery)
	defer timer.Stop()
	timer.Stop()
	armed := false
	g := gatherer{timer: time.NewTimer(gatherFor), window: gatherFor}
	defer g.timer.Stop()
	g.timer.Stop()
	for {
		var due <-chan time.Time
		if armed {
			due = timer.C
		}
		select {
		case first, ok := <-b.queue:
			if !ok {
				return
			}
			batch = append(batch[:0], first)
			batch = b.drain(batch)
			batch = g.gather(b, batch)
			b.commit(batch)
			clear(batch)
		case <-due:
			armed = false
			if err := b.checkpoint(); err != nil {
				b.log.Error("store checkpoint failed", "error", err)
			}
		}
		switch pending := len(b.overlay.steps) > 0; {
		case pending && !armed:
			timer.Reset(b.foldEvery)
			armed = true
		case !pending && armed:
			timer.Stop()
			armed = false
		}
	}
}

// drain appends the ops already queued, without waiting for more.
func (b *Bolt) drain(batch []*op) []*op {
	for len(batch) < cap(batch) {
		select {
		case o, ok := <-b.queue:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// gatherer decides whether a batch of logins waits for more. Waiting
// pays when logins keep arriving while earlier ones wait, as when they
// come out of LDAP binds one by one; it only adds latency once everyone
// who will come soon is in. The last batch's size is the guess of how
// many will come: a batch smaller than that waits for the rest, up to
// gatherFor; after a batch of one, nothing waits.
type gatherer struct {
	timer  *time.Timer
	window time.Duration // the longest wait: gatherFor
	last   int           // the last batch's size
}

// gather returns batch with the ops that arrived while it waited, when it
// should wait at all. Only a batch of logins waits; any other op ends the
// wait.
func (g *gatherer) gather(b *Bolt, batch []*op) []*op {
	if len(batch) < g.last && onlyAccepts(batch) {
		batch = g.wait(b, batch, min(g.last, cap(batch)))
	}
	g.last = len(batch)
	return batch
}

func (g *gatherer) wait(b *Bolt, batch []*op, want int) []*op {
	g.timer.Reset(g.window)
	defer g.timer.Stop()
	for len(batch) < want {
		select {
		case o, ok := <-b.queue:
			if !ok {
				return batch
			}
			batch = append(batch, o)
			if o.kind != opAccept {
				return b.drain(batch)
			}
		case <-g.timer.C:
			return batch
		}
	}
	return batch
}

// commit makes batch durable and answers every op: through the journal
// when it holds only logins, else in one bbolt transaction. Backup
// snapshots are taken after the batch's writes.
func (b *Bolt) commit(batch []*op) {
	writes, snapshots := splitSnapshots(batch)
	switch {
	case len(writes) == 0:
	case onlyAccepts(writes) && b.commitJournal(writes):
	default:
		b.commitBolt(writes)
	}
	for _, o := range snapshots {
		b.snapshot(o)
	}
}

// splitSnapshots moves the snapshot ops out of batch, in place.
func splitSnapshots(batch []*op) (writes, snapshots []*op) {
	writes = batch[:0]
	for _, o := range batch {
		if o.kind == opSnapshot {
			snapshots = append(snapshots, o)
		} else {
			writes = append(writes, o)
		}
	}
	return writes, snapshots
}

func onlyAccepts(batch []*op) bool {
	for _, o := range batch {
		if o.kind != opAccept {
			return false
		}
	}
	return true
}

// commitBolt applies batch in one transaction, after folding the
// journal into it.
func (b *Bolt) commitBolt(batch []*op) {
	start := time.Now()
	folding := b.needsCheckpoint()
	var epoch uint64
	err := b.db.Update(func(tx *bolt.Tx) error {
		if folding {
			var err error
			if epoch, err = fold(bucketsOf(tx), b.overlay.steps); err != nil {
				return err
			}
		}
		for _, o := range batch {
			if err := o.ctx.Err(); err != nil {
				o.outcome = err
				continue
			}
			outcome, abort := o.apply(tx)
			if abort != nil {
				return abort
			}
			o.outcome = outcome
		}
		return nil
	})
	switch {
	case err != nil:
		b.j.rotate = true // the commit may have reached the disk in part
		err = fmt.Errorf("store: commit: %w", err)
	case folding:
		b.folded(epoch)
	}
	b.finish(batch, start, err)
}

// finish counts a batch's commit and answers its ops: err if the batch
// failed, else each op's own outcome.
func (b *Bolt) finish(batch []*op, start time.Time, err error) {
	b.commits.Add(1)
	b.ops.Add(uint64(len(batch)))
	b.observeCommit(time.Since(start), len(batch))
	if err != nil {
		b.log.Error("store commit failed", "ops", len(batch), "error", err)
	}
	for _, o := range batch {
		if err != nil {
			o.done <- err
		} else {
			o.done <- o.outcome
		}
	}
}

// snapshot answers a backup's op with a read transaction that holds
// every login accepted so far. Its epoch then ends before the journal
// takes another record: a copy restored from the snapshot must not
// replay the logins that came after it.
func (b *Bolt) snapshot(o *op) {
	err := b.checkpoint()
	if err == nil {
		o.snapshot, err = b.db.Begin(false)
	}
	if err != nil {
		o.done <- err
		return
	}
	b.j.rotate = true
	o.done <- nil
}
