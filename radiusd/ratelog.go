package radiusd

import (
	"net/netip"
	"sync"
	"time"
)

// rateLimiter lets a message about one source through at most once per
// interval, and counts what it held back, so a flood of forged packets
// cannot flood the log.
type rateLimiter struct {
	interval time.Duration
	max      int // sources remembered; beyond that the oldest are forgotten

	mu   sync.Mutex
	last map[netip.Addr]*rateEntry
}

type rateEntry struct {
	at         time.Time
	suppressed int
}

func newRateLimiter(interval time.Duration, max int) *rateLimiter {
	return &rateLimiter{interval: interval, max: max, last: make(map[netip.Addr]*rateEntry)}
}

// allow reports whether a message about src may be logged now, and how
// many were suppressed since the last one that was.
func (r *rateLimiter) allow(src netip.Addr, now time.Time) (ok bool, suppressed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, found := r.last[src]
	if found && now.Sub(e.at) < r.interval {
		e.suppressed++
		return false, 0
	}
	if !found {
		if len(r.last) >= r.max {
			r.forget(now)
		}
		e = &rateEntry{}
		r.last[src] = e
	}
	suppressed = e.suppressed
	e.at, e.suppressed = now, 0
	return true, suppressed
}

// forget drops sources not heard of for an interval, or everything when
// that is not enough.
func (r *rateLimiter) forget(now time.Time) {
	for k, e := range r.last {
		if now.Sub(e.at) >= r.interval {
			delete(r.last, k)
		}
	}
	if len(r.last) >= r.max {
		clear(r.last)
	}
}
