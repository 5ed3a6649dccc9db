package radiusd

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/radius2fa/radius2fa/config"
)

// Pending Access-Challenges. A State is issued once the password is right
// and the user must still give a code; the NAS sends it back with the
// code. A State is random, printable ASCII (radcli-based NAS such as
// ocserv echo it as a C string, so it must not hold a 0x00 byte), used
// once, valid for radius.challenge_timeout, and bound to the user and the
// client it was issued to.

const (
	// stateBytes of randomness in a State: 128 bits.
	stateBytes = 16
	// statePrefix marks radius2fa's States in packet dumps.
	statePrefix = "r2f-"
	// maxChallengeAttempts is how many codes a user may try in one login.
	maxChallengeAttempts = 3
)

// challenge is what a State stands for.
type challenge struct {
	user     string // canonical id
	name     string // the User-Name as sent, canonicalised: the answer must come for the same name
	client   string // the client it was issued to
	rule     string // the policy rule that asked for the code
	reply    config.Reply
	attempts int // wrong codes so far in this login
	expires  time.Time
}

// challenges holds the pending challenges. Its size is bounded: only users
// who gave a right password get one, and beyond max the oldest are
// forgotten rather than memory growing.
type challenges struct {
	max int

	mu sync.Mutex
	m  map[string]*challenge
}

func newChallenges(max int) *challenges {
	return &challenges{max: max, m: make(map[string]*challenge)}
}

// issue stores c under a new State and returns it.
func (cs *challenges) issue(c challenge, now time.Time) (string, error) {
	var b [stateBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	state := statePrefix + hex.EncodeToString(b[:])
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.m) >= cs.max {
		cs.sweepLocked(now)
		if len(cs.m) >= cs.max {
			cs.evictOldestLocked()
		}
	}
	cs.m[state] = &c
	return state, nil
}

// take removes the challenge for state and returns it, unless there is
// none or it has expired. A State is good for one answer only.
func (cs *challenges) take(state string, now time.Time) (challenge, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.m[state]
	if !ok {
		return challenge{}, false
	}
	delete(cs.m, state)
	if !now.Before(c.expires) {
		return challenge{}, false
	}
	return *c, true
}

// sweep forgets expired challenges.
func (cs *challenges) sweep(now time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.sweepLocked(now)
}

func (cs *challenges) sweepLocked(now time.Time) {
	for k, c := range cs.m {
		if !now.Before(c.expires) {
			delete(cs.m, k)
		}
	}
}

func (cs *challenges) evictOldestLocked() {
	var oldest string
	var at time.Time
	for k, c := range cs.m {
		if oldest == "" || c.expires.Before(at) {
			oldest, at = k, c.expires
		}
	}
	delete(cs.m, oldest)
}

func (cs *challenges) len() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.m)
}
