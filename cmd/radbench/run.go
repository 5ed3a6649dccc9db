package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errRemote is returned for a server off the loopback without -allow-remote.
var errRemote = errors.New("refusing to flood a server that is not on a loopback address (give -allow-remote if you mean it)")

// control is what the workers of a run share to start and stop.
type control struct {
	measuring atomic.Bool   // logins begun now are measured (closed loop)
	stop      chan struct{} // closed: begin no more logins
	once      sync.Once
	counted   bool         // -n: measured logins are counted down in left
	left      atomic.Int64 // -n: measured logins still to begin
}

func newControl(count int64) *control {
	c := &control{stop: make(chan struct{}), counted: count > 0}
	c.left.Store(count)
	return c
}

// halt stops the run; it may be called more than once.
func (c *control) halt() { c.once.Do(func() { close(c.stop) }) }

func (c *control) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// take reserves one measured login under -n, halting the run when it is
// the last one; it returns false when none is left.
func (c *control) take() bool {
	if !c.counted {
		return true
	}
	left := c.left.Add(-1)
	if left <= 0 {
		c.halt()
	}
	return left >= 0
}

// run floods the server as o says and returns what it measured. It stops
// early, with what was measured so far, when ctx is done.
func run(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	raddr, err := resolveServer(o)
	if err != nil {
		return Result{}, err
	}
	l, err := parseColumns(o.Columns)
	if err != nil {
		return Result{}, err
	}
	maxPassword := maxPasswordLen
	if o.Mode == modeAppend {
		maxPassword -= o.Digits
	}
	users, err := loadUsers(o.UsersFile, l, o.Mode != modePassword, maxPassword)
	if err != nil {
		return Result{}, err
	}
	n := o.Concurrency
	if o.Rate > 0 {
		n = o.MaxInflight
	}
	ws, err := newWorkers(&o, users, raddr, n)
	if err != nil {
		return Result{}, err
	}
	defer closeWorkers(ws)
	res := drive(ctx, &o, ws)
	res.describe(o, raddr, len(users))
	return res, nil
}

// resolveServer resolves -server and refuses an address off the loopback
// unless -allow-remote.
func resolveServer(o Options) (*net.UDPAddr, error) {
	raddr, err := net.ResolveUDPAddr("udp", o.Server)
	if err != nil {
		return nil, fmt.Errorf("%w: -server: %w", errUsage, err)
	}
	if !raddr.IP.IsLoopback() && !o.AllowRemote {
		return nil, fmt.Errorf("-server %s: %w", raddr, errRemote)
	}
	return raddr, nil
}

// newWorkers dials one connected UDP socket for each of n workers.
func newWorkers(o *Options, users []user, raddr *net.UDPAddr, n int) ([]*worker, error) {
	p := newPicker(len(users), o.Period, o.OncePerWindow)
	ws := make([]*worker, 0, n)
	for range n {
		conn, err := net.DialUDP("udp", nil, raddr)
		if err != nil {
			closeWorkers(ws)
			return nil, fmt.Errorf("dial %s: %w", raddr, err)
		}
		var seed [32]byte
		rand.Read(seed[:])
		ws = append(ws, &worker{
			o: o, users: users, picker: p, conn: conn, enc: newEncoder(*o, seed),
			id: seed[0], rbuf: make([]byte, maxPacketLen+1), pw: make([]byte, 0, maxPasswordLen),
			state: make([]byte, 0, maxAttrLen), timer: newStoppedTimer(), meas: newStats(true), warm: newStats(false),
		})
	}
	return ws, nil
}

func closeWorkers(ws []*worker) {
	for _, w := range ws {
		w.conn.Close()
	}
}

// drive runs the warm-up and the measured period with the workers and
// merges what they counted.
func drive(ctx context.Context, o *Options, ws []*worker) Result {
	c := newControl(o.Count)
	go func() {
		select {
		case <-ctx.Done():
			c.halt()
		case <-c.stop:
		}
	}()
	c.measuring.Store(o.Warmup <= 0) // else the first logins could miss the measured period
	begin := time.Now()
	measureFrom := begin.Add(o.Warmup)
	var wg sync.WaitGroup
	if o.Rate > 0 {
		p := newPlan(o, begin, measureFrom)
		for _, w := range ws {
			wg.Go(func() { w.openLoop(c, p) })
		}
	} else {
		for _, w := range ws {
			wg.Go(func() { w.closedLoop(c) })
		}
	}
	waitUntil(measureFrom, c.stop)
	cpu0 := cpuTime()
	c.measuring.Store(true)
	elapsed := time.Duration(0)
	if o.Count == 0 {
		waitUntil(measureFrom.Add(o.Duration), c.stop)
		elapsed = time.Since(measureFrom)
		c.halt()
	}
	wg.Wait()
	c.halt() // ends the watcher of ctx
	if o.Count > 0 {
		elapsed = time.Since(measureFrom)
	}
	res := merge(ws, max(elapsed, 0), cpuTime()-cpu0)
	res.Interrupted = ctx.Err() != nil
	return res
}

// waitUntil waits until t or until stop closes.
func waitUntil(t time.Time, stop <-chan struct{}) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-stop:
	}
}

// closedLoop begins a login as soon as the last one ended, until the run
// stops.
func (w *worker) closedLoop(c *control) {
	for !c.stopped() {
		u, step, _, ok := w.nextUser(w.statsFor(c.measuring.Load()), c.stop)
		if !ok {
			return
		}
		measured := c.measuring.Load()
		if measured && !c.take() {
			return
		}
		w.login(u, step, time.Now(), w.statsFor(measured))
	}
}
