package main

import (
	"math"
	"sync/atomic"
	"time"
)

// plan is the timetable of the open loop: login i is due at begin + i/rate.
// Free workers take the next login off it, so no goroutine hands logins
// out and none is made per login. Safe for concurrent use.
type plan struct {
	begin   time.Time
	rate    float64
	first   int64     // the first measured login
	end     int64     // -n: the first login past the measured ones; else -1
	until   time.Time // -d: no login is due at or after it
	counter atomic.Int64
}

func newPlan(o *Options, begin, measureFrom time.Time) *plan {
	p := &plan{begin: begin, rate: o.Rate, end: -1, until: measureFrom.Add(o.Duration)}
	p.first = int64(math.Ceil(measureFrom.Sub(begin).Seconds() * o.Rate))
	if o.Count > 0 {
		p.end = p.first + o.Count
	}
	return p
}

// ticket is one login of the plan.
type ticket struct {
	due      time.Time
	measured bool
}

// next takes the next login, or returns false when the plan is done.
func (p *plan) next() (ticket, bool) {
	i := p.counter.Add(1) - 1
	due := p.begin.Add(time.Duration(float64(i) / p.rate * float64(time.Second)))
	if p.end >= 0 && i >= p.end || p.end < 0 && !due.Before(p.until) {
		return ticket{}, false
	}
	return ticket{due: due, measured: i >= p.first}, true
}

// newStoppedTimer returns a timer for sleepOn.
func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// sleepOn waits d with t, a stopped timer; it returns false if stop closes
// first.
func sleepOn(t *time.Timer, d time.Duration, stop <-chan struct{}) bool {
	t.Reset(d)
	select {
	case <-t.C:
		return true
	case <-stop:
		t.Stop()
		return false
	}
}

// lateSlack is how late a login may begin before it counts as having
// waited for a free worker (timers and the scheduler are that imprecise).
const lateSlack = time.Millisecond

// openLoop begins the logins of the plan on time, one at a time. A login
// whose time came while every worker was busy begins at once, and counts
// as inflight_full if it is more than lateSlack late. Its latency runs from its due time, so a slow server
// shows in the latencies rather than in a slower load; only a wait for the
// next time step (every user used) is left out.
func (w *worker) openLoop(c *control, p *plan) {
	for !c.stopped() {
		t, ok := p.next()
		if !ok {
			return
		}
		s := w.statsFor(t.measured)
		if wait := time.Until(t.due); wait < -lateSlack {
			s.InflightFull++
		} else if wait > 0 && !sleepOn(w.timer, wait, c.stop) {
			return
		}
		u, step, waited, ok := w.nextUser(s, c.stop)
		if !ok {
			return
		}
		start := t.due
		if !waited.IsZero() {
			start = waited
		}
		w.login(u, step, start, s)
	}
}
