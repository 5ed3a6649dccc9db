package radiusd

import (
	"strings"
	"testing"
	"time"
)

func TestChallengesSingleUseAndExpiry(t *testing.T) {
	cs := newChallenges(10)
	now := time.Unix(1_700_000_000, 0)
	state, err := cs.issue(challenge{user: "alice", expires: now.Add(time.Minute)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(state, statePrefix) || len(state) != len(statePrefix)+2*stateBytes {
		t.Fatalf("state %q", state)
	}
	if c, ok := cs.take(state, now.Add(59*time.Second)); !ok || c.user != "alice" {
		t.Fatalf("take: %+v %v", c, ok)
	}
	if _, ok := cs.take(state, now); ok {
		t.Fatal("a State was good twice")
	}
	late, _ := cs.issue(challenge{user: "bob", expires: now.Add(time.Minute)}, now)
	if _, ok := cs.take(late, now.Add(time.Minute)); ok {
		t.Fatal("an expired State was accepted")
	}
	if cs.len() != 0 {
		t.Fatalf("%d challenges left", cs.len())
	}
}

func TestChallengesBounded(t *testing.T) {
	cs := newChallenges(3)
	now := time.Unix(1_700_000_000, 0)
	var states []string
	for i := range 5 {
		s, err := cs.issue(challenge{expires: now.Add(time.Duration(i+1) * time.Second)}, now)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, s)
	}
	if cs.len() != 3 {
		t.Fatalf("%d challenges kept, want 3", cs.len())
	}
	// The ones that expire first were forgotten; the newest still work.
	if _, ok := cs.take(states[0], now); ok {
		t.Fatal("the oldest challenge survived")
	}
	if _, ok := cs.take(states[4], now); !ok {
		t.Fatal("the newest challenge was forgotten")
	}
}
