package directory

import (
	"context"
	"fmt"
	"sync"
)

// poolConn is what a pool holds: a search connection (go-ldap) or a bind
// connection.
type poolConn interface {
	comparable
	// usable reports whether the connection may be lent again: it did not
	// fail and, as far as is known, the server has not hung up.
	usable() bool
	// serverIndex is the server the connection goes to.
	serverIndex() int
	close()
}

// pool lends at most size connections at a time, reusing idle ones and
// dialing new ones on demand. Callers wait, respecting ctx, while all are
// lent. At most size connections are open at any time.
type pool[C poolConn] struct {
	name string
	size int
	dial func(ctx context.Context) (C, error)
	// tokens holds one value per lent connection.
	tokens chan struct{}

	mu     sync.Mutex
	idle   []C // most recently returned last
	open   int // lent + idle + being dialed
	closed bool
}

func newPool[C poolConn](name string, size int, dial func(context.Context) (C, error)) *pool[C] {
	return &pool[C]{name: name, size: size, dial: dial, tokens: make(chan struct{}, size)}
}

// get lends a connection: an idle one unless fresh is set, else a new one.
// Every connection get returns must be given back with put.
func (p *pool[C]) get(ctx context.Context, fresh bool) (C, error) {
	var zero C
	if ctx.Err() != nil {
		return zero, context.Cause(ctx)
	}
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return zero, fmt.Errorf("waiting for a %s connection: %w", p.name, context.Cause(ctx))
	}
	pc, found, stale, err := p.take(fresh)
	for _, s := range stale {
		s.close()
	}
	if found || err != nil {
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
		return zero, err
	}
	return pc, nil
}

// take returns an idle connection, or found=false after reserving room to
// dial one. It also returns the connections to close: dead idle ones and,
// when the pool is full, the oldest idle one.
func (p *pool[C]) take(fresh bool) (pc C, found bool, stale []C, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return pc, false, nil, ErrClosed
	}
	for !fresh && len(p.idle) > 0 {
		last := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if last.usable() {
			return last, true, stale, nil
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
	return pc, false, stale, nil
}

// put takes back a lent connection, keeping it for reuse unless it broke.
func (p *pool[C]) put(pc C) {
	p.mu.Lock()
	keep := !p.closed && pc.usable()
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
func (p *pool[C]) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{InUse: len(p.tokens), Idle: len(p.idle), Size: p.size}
}

// close closes the idle connections; lent ones close when given back.
func (p *pool[C]) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.open -= len(idle)
	p.mu.Unlock()
	for _, pc := range idle {
		pc.close()
	}
}
