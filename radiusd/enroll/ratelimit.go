package enroll

import (
	"net/netip"
	"sync"
	"time"
)

// limiter counts failures per key in a sliding window: a key with max
// failures in the last window is refused until the oldest of them is
// older than window. At most maxKeys keys are tracked; beyond that, keys
// without recent failures are dropped, then the one whose last failure is
// oldest.
type limiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	maxKeys int
	fails   map[string][]time.Time // oldest first, at most max
}

func newLimiter(max int, window time.Duration, maxKeys int) *limiter {
	return &limiter{max: max, window: window, maxKeys: maxKeys, fails: make(map[string][]time.Time)}
}

// allow reports whether key may try again at now; when not, it also says
// how long until it may.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(key, now)
	if len(f) < l.max {
		return true, 0
	}
	return false, f[0].Add(l.window).Sub(now)
}

// acquire counts one attempt of key at now, as a failure until release
// takes it back, and reports whether key was still allowed. Counting
// before the attempt runs means concurrent attempts cannot all pass the
// check before any of them is recorded. A refused attempt is not counted.
func (l *limiter) acquire(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(key, now)
	if len(f) >= l.max {
		return false, f[0].Add(l.window).Sub(now)
	}
	if f == nil && len(l.fails) >= l.maxKeys {
		l.evict(now)
	}
	l.fails[key] = append(f, now)
	return true, 0
}

// release takes back the attempt acquire counted at at: it was not a
// failure (a correct password, or the directory could not answer).
func (l *limiter) release(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[key]
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].Equal(at) {
			f = append(f[:i:i], f[i+1:]...)
			break
		}
	}
	if len(f) == 0 {
		delete(l.fails, key)
		return
	}
	l.fails[key] = f
}

// fail records one failure of key at now, beyond any limit (the oldest
// is forgotten when key already has max).
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(key, now)
	if f == nil && len(l.fails) >= l.maxKeys {
		l.evict(now)
	}
	if len(f) >= l.max {
		f = f[len(f)-l.max+1:]
	}
	l.fails[key] = append(f, now)
}

// reset forgets key's failures (after a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent drops key's failures outside the window and returns the rest.
// l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	if i == len(f) {
		delete(l.fails, key)
		return nil
	}
	f = f[i:]
	l.fails[key] = f
	return f
}

// evict makes room for one key. l.mu is held.
func (l *limiter) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, f := range l.fails {
		last := f[len(f)-1]
		if now.Sub(last) >= l.window {
			delete(l.fails, k)
			continue
		}
		if oldestKey == "" || last.Before(oldest) {
			oldestKey, oldest = k, last
		}
	}
	if len(l.fails) >= l.maxKeys {
		delete(l.fails, oldestKey)
	}
}

// addrKey is the rate-limit key of a client address: the address itself
// for IPv4, its /64 for IPv6 (one host usually owns a whole /64).
func addrKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
