package directory

import (
	"context"
	"fmt"
	"sync"
)

// pool lends at most size connections at a time, reusing idle ones and
// dialing new ones on demand. Callers wait, respecting ctx, while all are
// lent. At most size connections are open at any time.
type pool struct {
	name string
	size int
	dial func(ctx context.Context) (*pconn, error)
	// tokens holds one value per lent connection.
	tokens chan struct{}

	mu     sync.Mutex
	idle   []*pconn // most recently returned last
	open   int      // lent + idle + being dialed
	closed bool
}

func newPool(name string, size int, dial func(context.Context) (*pconn, error)) *pool {
	return &pool{name: name, size: size, dial: dial, tokens: make(chan struct{}, size)}
}

// get lends a connection: an idle one unless fresh is set, else a new one.
// Every connection get returns must be given back with put.
func (p *pool) get(ctx context.Context, fresh bool) (*pconn, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a %s connection: %w", p.name, context.Cause(ctx))
	}
	pc, stale, err := p.take(fresh)
	for _, s := range stale {
		s.l.Close()
	}
	if pc != nil || err != nil {
		if err != nil {
			<-p.tokens
		}
		return pc, err
	}
	pc, err = p.dial(ctx)
	if err != nil {
		p.mu.Lock()
		p.open--
		p.mu.Unlock()
		<-p.tokens
		return nil, err
	}
	return pc, nil
}

// take returns an idle connection, or nil after reserving room to dial one.
// It also returns the connections to close: dead idle ones and, when the
// pool is full, the oldest idle one.
func (p *pool) take(fresh bool) (pc *pconn, stale []*pconn, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil, ErrClosed
	}
	for !fresh && len(p.idle) > 0 {
		last := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !last.l.IsClosing() { // the server has not hung up
			return last, stale, nil
		}
		p.open--
		stale = append(stale, last)
	}
	if p.open >= p.size && len(p.idle) > 0 {
		stale = append(stale, p.idle[0])
		p.idle = p.idle[1:]
		p.open--
	}
	p.open++
	return nil, stale, nil
}

// put takes back a lent connection, keeping it for reuse unless it broke.
func (p *pool) put(pc *pconn) {
	p.mu.Lock()
	keep := !p.closed && !pc.broken && !pc.l.IsClosing()
	if keep {
		p.idle = append(p.idle, pc)
	} else {
		p.open--
	}
	p.mu.Unlock()
	if !keep {
		pc.close()
	}
	<-p.tokens
}

// stats describes the pool right now.
func (p *pool) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{InUse: len(p.tokens), Idle: len(p.idle), Size: p.size}
}

// close closes the idle connections; lent ones close when given back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.open -= len(idle)
	p.mu.Unlock()
	for _, pc := range idle {
		pc.l.Close()
	}
}
