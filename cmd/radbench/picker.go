package main

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// picker chooses the user of each login. With oncePerWindow it hands out
// each user at most once per time step, and runs started one after the
// other in the same step do not meet (the rule is in doc.go): the first
// pick in a step starts at the user that belongs to that moment of the
// step, later picks take the following users, and none wraps around.
// Without it, it cycles through the users. Safe for concurrent use.
type picker struct {
	n             int
	period        time.Duration
	oncePerWindow bool

	mu   sync.Mutex
	step uint64 // step of the current window; valid when used
	used bool   // a user was picked in step
	next int    // next user to hand out in step

	cycle atomic.Uint64 // without oncePerWindow: logins so far
}

// newPicker returns a picker over n users.
func newPicker(n int, period time.Duration, oncePerWindow bool) *picker {
	return &picker{n: n, period: period, oncePerWindow: oncePerWindow}
}

// pick returns the index of the user for a login beginning at now and the
// time step its code belongs to. ok is false when every user this run may
// use in now's step has been used: wait until nextStep(now).
func (p *picker) pick(now time.Time) (idx int, step uint64, ok bool) {
	step = totp.Step(now, p.period)
	if !p.oncePerWindow {
		return int((p.cycle.Add(1) - 1) % uint64(p.n)), step, true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.used || step > p.step:
		p.step, p.used, p.next = step, true, clockIndex(now, p.period, p.n)
	case step < p.step:
		// now was read before another worker's pick began the next
		// step: the login belongs to that step, whose users are
		// handed out from p.next.
		step = p.step
	}
	if p.next >= p.n {
		return 0, step, false
	}
	p.next++
	return p.next - 1, step, true
}

// nextStep returns when the step after now's begins.
func (p *picker) nextStep(now time.Time) time.Time {
	secs := int64(p.period / time.Second)
	return time.Unix(int64(totp.Step(now, p.period)+1)*secs, 0)
}

// clockIndex returns the user that belongs to now's moment in its step:
// ⌊n·f⌋ for the fraction f of the step that has passed.
func clockIndex(now time.Time, period time.Duration, n int) int {
	secs := int64(period / time.Second)
	step := totp.Step(now, period)
	into := now.UnixNano() - int64(step)*secs*int64(time.Second)
	whole := uint64(secs) * uint64(time.Second)
	if into < 0 || uint64(into) >= whole {
		return 0 // before 1970: step 0
	}
	hi, lo := bits.Mul64(uint64(n), uint64(into))
	q, _ := bits.Div64(hi, lo, whole) // hi < whole since into < whole
	return int(q)
}
