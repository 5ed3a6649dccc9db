package enroll

import (
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// session is one logged-in browser.
type session struct {
	// user is the canonical user id, as the store keys it.
	user string
	// csrf is the token every form of this session carries.
	csrf     string
	created  time.Time
	lastSeen time.Time
}

// sessions is the server-side session table, in memory and bounded. It is
// keyed by a hash of the session id, so the table never holds the value of
// a cookie.
type sessions struct {
	mu       sync.Mutex
	byID     map[[sha256.Size]byte]*session
	max      int
	idle     time.Duration
	absolute time.Duration
}

func newSessions(max int, idle, absolute time.Duration) *sessions {
	return &sessions{byID: make(map[[sha256.Size]byte]*session), max: max, idle: idle, absolute: absolute}
}

// sessionKey hashes a session id for the table.
func sessionKey(id string) [sha256.Size]byte {
	return sha256.Sum256([]byte(id))
}

// create starts a session for user and returns its id (256 random bits,
// base64url). When the table is full, expired sessions are dropped and
// then, if needed, the least recently used one.
func (ss *sessions) create(user string, now time.Time) (string, session, error) {
	id, err := randomToken()
	if err != nil {
		return "", session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", session{}, err
	}
	s := &session{user: user, csrf: csrf, created: now, lastSeen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= ss.max {
		ss.evict(now)
	}
	ss.byID[sessionKey(id)] = s
	return id, *s, nil
}

// get returns the live session with id and marks it used at now. An
// expired session is removed.
func (ss *sessions) get(id string, now time.Time) (session, bool) {
	if !wellFormedToken(id) {
		return session{}, false
	}
	key := sessionKey(id)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[key]
	if !ok {
		return session{}, false
	}
	if ss.expired(s, now) {
		delete(ss.byID, key)
		return session{}, false
	}
	s.lastSeen = now
	return *s, true
}

// delete ends the session with id, if any.
func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, sessionKey(id))
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.lastSeen) >= ss.idle || now.Sub(s.created) >= ss.absolute || now.Before(s.created)
}

// evict makes room for one session. ss.mu is held.
func (ss *sessions) evict(now time.Time) {
	var oldestKey [sha256.Size]byte
	var oldest *session
	for k, s := range ss.byID {
		if ss.expired(s, now) {
			delete(ss.byID, k)
			continue
		}
		if oldest == nil || s.lastSeen.Before(oldest.lastSeen) {
			oldestKey, oldest = k, s
		}
	}
	if len(ss.byID) >= ss.max && oldest != nil {
		delete(ss.byID, oldestKey)
	}
}

// tokenBytes is the entropy of session ids and CSRF tokens.
const tokenBytes = 32

// wellFormedToken reports whether s looks like a randomToken result, so
// that junk cookies are refused before any lookup.
func wellFormedToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
