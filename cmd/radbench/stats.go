package main

import (
	"time"

	"layeh.com/radius"

	"github.com/radius2fa/radius2fa/totp"
)

// PacketCounts count datagrams, where Counts count logins: in challenge
// mode a login is two requests.
type PacketCounts struct {
	Sent        int64 `json:"sent"`        // requests sent, retransmissions included
	Retransmits int64 `json:"retransmits"` // requests sent again after a timeout
	Accepts     int64 `json:"accepts"`     // Access-Accept received
	Rejects     int64 `json:"rejects"`     // Access-Reject received
	Challenges  int64 `json:"challenges"`  // Access-Challenge received
	Late        int64 `json:"late"`        // answers to a request whose wait had timed out
	Bad         int64 `json:"bad"`         // datagrams that were not an authentic answer
	Refused     int64 `json:"refused"`     // ICMP port unreachable (nothing listening)
}

func (p *PacketCounts) add(o PacketCounts) {
	p.Sent += o.Sent
	p.Retransmits += o.Retransmits
	p.Accepts += o.Accepts
	p.Rejects += o.Rejects
	p.Challenges += o.Challenges
	p.Late += o.Late
	p.Bad += o.Bad
	p.Refused += o.Refused
}

// count records an answer's code.
func (p *PacketCounts) count(c radius.Code) {
	switch c {
	case radius.CodeAccessAccept:
		p.Accepts++
	case radius.CodeAccessReject:
		p.Rejects++
	case radius.CodeAccessChallenge:
		p.Challenges++
	}
}

// Counts are the outcomes of logins.
type Counts struct {
	Sent            int64 `json:"sent"` // logins begun
	Accepts         int64 `json:"accepts"`
	Rejects         int64 `json:"rejects"`
	Challenges      int64 `json:"challenges"` // ended with an Access-Challenge (not expected by the mode)
	Timeouts        int64 `json:"timeouts"`   // a request got no answer, retries included
	Bad             int64 `json:"bad"`        // a request got an answer that was not authentic
	Errors          int64 `json:"errors"`     // a socket error, or a challenge without State
	BoundaryRejects int64 `json:"boundary_rejects"`
	WaitsForStep    int64 `json:"waits_for_step"` // every user was used in the step: waited for the next
	InflightFull    int64 `json:"inflight_full"`  // -rate: began late, every socket being busy
}

func (c *Counts) add(o Counts) {
	c.Sent += o.Sent
	c.Accepts += o.Accepts
	c.Rejects += o.Rejects
	c.Challenges += o.Challenges
	c.Timeouts += o.Timeouts
	c.Bad += o.Bad
	c.Errors += o.Errors
	c.BoundaryRejects += o.BoundaryRejects
	c.WaitsForStep += o.WaitsForStep
	c.InflightFull += o.InflightFull
}

// outcome is how one exchange (a request and its retransmissions) ended.
type outcome int

const (
	answered outcome = iota
	timedOut
	badAnswer
	failed
)

// stats are one worker's counts and latencies, in the measured period or
// in the warm-up (whose latencies are not kept: lat is nil). Not safe for
// concurrent use.
type stats struct {
	Counts
	pkt PacketCounts
	lat *histogram
}

func newStats(latencies bool) *stats {
	s := &stats{}
	if latencies {
		s.lat = newHistogram()
	}
	return s
}

// finish records the end of a login that began at start. withCode says
// whether its last request carried the code of step, whose rejection is a
// boundary reject if the answer came in another step. resp is the last
// answer when out is answered.
func (s *stats) finish(resp []byte, out outcome, start time.Time, step uint64, withCode bool, period time.Duration) {
	switch out {
	case timedOut:
		s.Timeouts++
		return
	case badAnswer:
		s.Bad++
		return
	case failed:
		s.Errors++
		return
	}
	now := time.Now()
	if s.lat != nil {
		s.lat.record(now.Sub(start))
	}
	switch radius.Code(resp[0]) {
	case radius.CodeAccessAccept:
		s.Accepts++
	case radius.CodeAccessReject:
		s.Rejects++
		if withCode && totp.Step(now, period) != step {
			s.BoundaryRejects++
		}
	case radius.CodeAccessChallenge:
		s.Challenges++
	}
}
