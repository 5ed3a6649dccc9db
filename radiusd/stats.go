package radiusd

import "sync/atomic"

// dropCause says why a datagram got no answer.
type dropCause int

const (
	dropUnknownClient        dropCause = iota // source matches no client
	dropMalformed                             // not a RADIUS packet
	dropUnexpectedCode                        // not a request this listener answers
	dropBadAuthenticator                      // Message-Authenticator or Request Authenticator wrong
	dropMissingAuthenticator                  // required Message-Authenticator absent
	dropProxyState                            // Proxy-State without Message-Authenticator from a non-proxy
	dropBadSecret                             // User-Password does not decode to text: shared secret mismatch
	dropInFlight                              // retransmit of a request still being handled
	dropQueueFull                             // workers busy and queue full
	dropPanic                                 // the handler panicked
	numDropCauses
)

func (c dropCause) String() string {
	return [...]string{
		"unknown_client", "malformed", "unexpected_code", "bad_authenticator",
		"missing_message_authenticator", "proxy_state_without_authenticator",
		"bad_secret", "in_flight_duplicate", "queue_full", "panic",
	}[c]
}

// counters are the server's running totals.
type counters struct {
	received    atomic.Uint64
	accepts     atomic.Uint64
	rejects     atomic.Uint64
	challenges  atomic.Uint64
	cacheHits   atomic.Uint64
	accounting  atomic.Uint64
	statusReply atomic.Uint64
	drops       [numDropCauses]atomic.Uint64
}

// Stats is a snapshot of the server's counters.
type Stats struct {
	Received   uint64
	Accepts    uint64
	Rejects    uint64
	Challenges uint64
	// CacheHits counts retransmits answered from the duplicate cache.
	CacheHits uint64
	// Accounting counts Accounting-Responses sent.
	Accounting uint64
	// StatusServer counts Status-Server requests answered.
	StatusServer uint64
	// Drops counts datagrams left unanswered, by cause.
	Drops map[string]uint64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.counters
	st := Stats{
		Received:     c.received.Load(),
		Accepts:      c.accepts.Load(),
		Rejects:      c.rejects.Load(),
		Challenges:   c.challenges.Load(),
		CacheHits:    c.cacheHits.Load(),
		Accounting:   c.accounting.Load(),
		StatusServer: c.statusReply.Load(),
		Drops:        make(map[string]uint64, numDropCauses),
	}
	for i := range c.drops {
		st.Drops[dropCause(i).String()] = c.drops[i].Load()
	}
	return st
}
