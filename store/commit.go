package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Every write is an op sent to one committer goroutine. The
// committer takes the first op, then everything else already queued (up
// to maxBatch), applies them in order in one bbolt Update and commits
// once, so a batch costs one fsync however many logins it carries. There
// is no waiting for more ops to arrive: a lone op is committed at once,
// and ops that arrive during a commit form the next batch.
//
// Each op records its own outcome (nil, ErrReplay, ErrLocked, …) without
// failing the transaction; ops later in the batch see the writes of
// earlier ones. Only an error that breaks the transaction itself (a
// failed write or commit) fails every op of the batch.

// maxBatch bounds the ops in one transaction, and so a batch's latency.
const maxBatch = 512

// txFunc applies one op inside the shared transaction. outcome is the
// op's own result; when it is non-nil the op must have written nothing.
// A non-nil abort fails the whole batch.
type txFunc func(tx *bolt.Tx) (outcome, abort error)

type op struct {
	ctx     context.Context // checked before the op is applied
	run     txFunc
	outcome error
	done    chan error // buffered: the committer never blocks on it
}

// submit queues run and waits for its batch to commit. If ctx ends
// first, submit returns ctx.Err(); the op may still be committed.
func (b *Bolt) submit(ctx context.Context, run txFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{ctx: ctx, run: run, done: make(chan error, 1)}
	if err := b.enqueue(ctx, o); err != nil {
		return err
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
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
// everything queued before has been committed.
func (b *Bolt) commitLoop() {
	defer close(b.stopped)
	batch := make([]*op, 0, maxBatch)
	for first := range b.queue {
		batch = append(batch[:0], first)
		batch = b.drain(batch)
		b.commit(batch)
		clear(batch)
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

// commit applies batch in one transaction and answers every op.
func (b *Bolt) commit(batch []*op) {
	start := time.Now()
	err := b.db.Update(func(tx *bolt.Tx) error {
		for _, o := range batch {
			if err := o.ctx.Err(); err != nil {
				o.outcome = err
				continue
			}
			outcome, abort := o.run(tx)
			if abort != nil {
				return abort
			}
			o.outcome = outcome
		}
		return nil
	})
	b.commits.Add(1)
	b.ops.Add(uint64(len(batch)))
	b.observeCommit(time.Since(start), len(batch))
	if err != nil {
		b.log.Error("store commit failed", "ops", len(batch), "error", err)
		err = fmt.Errorf("store: commit: %w", err)
	}
	for _, o := range batch {
		if err != nil {
			o.done <- err
		} else {
			o.done <- o.outcome
		}
	}
}
