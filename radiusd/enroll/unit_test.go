package enroll

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	l := newLimiter(3, 15*time.Minute, 100)
	for i := 0; i < 3; i++ {
		if ok, _ := l.acquire("alice", now.Add(time.Duration(i)*time.Minute)); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := l.acquire("alice", now.Add(5*time.Minute))
	if ok || wait != 10*time.Minute {
		t.Fatalf("4th attempt: ok %v, wait %v; want refused for 10m", ok, wait)
	}
	if ok, _ := l.allow("bob", now); !ok {
		t.Fatal("bob is limited by alice's failures")
	}
	// The oldest failure leaves the window.
	if ok, _ := l.acquire("alice", now.Add(15*time.Minute)); !ok {
		t.Fatal("attempt after the window refused")
	}
	// A released attempt does not count.
	l2 := newLimiter(1, time.Minute, 100)
	l2.acquire("x", now)
	l2.release("x", now)
	if ok, _ := l2.acquire("x", now); !ok {
		t.Fatal("a released attempt still counts")
	}
	l2.reset("x")
	if ok, _ := l2.allow("x", now); !ok {
		t.Fatal("reset kept the failures")
	}
}

func TestLimiterBounded(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	l := newLimiter(1, time.Hour, 3)
	for i, k := range []string{"a", "b", "c", "d"} {
		l.fail(k, now.Add(time.Duration(i)*time.Second))
	}
	if len(l.fails) != 3 {
		t.Fatalf("%d keys tracked, want at most 3", len(l.fails))
	}
	if ok, _ := l.allow("a", now); !ok {
		t.Error("the oldest key was not the one dropped")
	}
	if ok, _ := l.allow("d", now); ok {
		t.Error("the newest key was dropped")
	}
}

func TestAddrKey(t *testing.T) {
	tests := map[string]string{
		"10.1.2.3":             "10.1.2.3",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::9":      "2001:db8:1:2::/64",
	}
	for in, want := range tests {
		if got := addrKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("addrKey(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestSessions(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	ss := newSessions(2, 15*time.Minute, time.Hour)
	a, sa, err := ss.create("alice", now)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ss.get(a, now.Add(time.Minute)); !ok || got.user != "alice" || got.csrf != sa.csrf {
		t.Fatalf("get: %+v, %v", got, ok)
	}
	if _, ok := ss.get(a[:len(a)-1]+"x", now); ok {
		t.Fatal("a different id found alice's session")
	}
	b, _, _ := ss.create("bob", now.Add(2*time.Minute))
	c, _, _ := ss.create("carol", now.Add(3*time.Minute)) // full: the least recently used (alice) goes
	if _, ok := ss.get(a, now.Add(3*time.Minute)); ok {
		t.Error("the table grew beyond its bound")
	}
	for _, id := range []string{b, c} {
		if _, ok := ss.get(id, now.Add(4*time.Minute)); !ok {
			t.Error("a recent session was dropped")
		}
	}
	if _, ok := ss.get(c, now.Add(20*time.Minute)); ok {
		t.Error("a session idle for 16 minutes is still valid")
	}
	for _, junk := range []string{"", "x", "AAAA", string(make([]byte, 43))} {
		if _, ok := ss.get(junk, now); ok {
			t.Errorf("junk id %q found a session", junk)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := map[string]string{
		"123456":         "123456",
		" 123 456 ":      "123456",
		"１２３４５６":         "123456",
		"123\u3000456":   "123456",
		"k7qm-2xbd-9rwe": "k7qm-2xbd-9rwe",
	}
	for in, want := range tests {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{"123456": true, "12345": false, "1234567": false, "12345a": false, "１２３４５６": false} {
		if got := codeShaped(in, 6); got != want {
			t.Errorf("codeShaped(%q) = %v", in, got)
		}
	}
}
