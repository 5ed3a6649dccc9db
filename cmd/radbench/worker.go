package main

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/radius2fa/radius2fa/totp"
)

// worker runs logins one after the other on its own connected UDP socket,
// so an answer can only be for its request in flight (or a late one).
type worker struct {
	o      *Options
	users  []user
	picker *picker
	conn   *net.UDPConn
	enc    *encoder
	id     byte   // Identifier of the next request
	rbuf   []byte // receive buffer
	pw     []byte // User-Password being sent
	state  []byte // State of the challenge being answered
	timer  *time.Timer

	meas, warm *stats // counts of the measured period and of the warm-up
}

// statsFor returns where a login counts.
func (w *worker) statsFor(measured bool) *stats {
	if measured {
		return w.meas
	}
	return w.warm
}

// nextUser picks the user of a login. When this run has used every user
// it may in the current step it waits for the next step, or returns false
// if stop closes first. waited is when a user became free after a wait,
// zero without a wait.
func (w *worker) nextUser(s *stats, stop <-chan struct{}) (u *user, step uint64, waited time.Time, ok bool) {
	for {
		now := time.Now()
		i, step, ok := w.picker.pick(now)
		if ok {
			return &w.users[i], step, waited, true
		}
		s.WaitsForStep++
		if !sleepOn(w.timer, time.Until(w.picker.nextStep(now)), stop) {
			return nil, 0, waited, false
		}
		waited = time.Now()
	}
}

// login runs one whole login of u with the code of step, counting it in
// s; start is when it began, for its latency.
func (w *worker) login(u *user, step uint64, start time.Time, s *stats) {
	s.Sent++
	resp, out := w.exchange(w.enc.request(w.nextID(), u.name, w.firstPassword(u, step), nil), s)
	withCode := w.o.Mode == modeAppend
	if w.o.Mode == modeChallenge && out == answered && radius.Code(resp[0]) == radius.CodeAccessChallenge {
		state, ok := findAttr(resp, rfc2865.State_Type)
		if !ok {
			s.Errors++
			return
		}
		w.state = append(w.state[:0], state...)
		resp, out = w.exchange(w.enc.request(w.nextID(), u.name, w.codeAnswer(u, step), w.state), s)
		withCode = true
	}
	s.finish(resp, out, start, step, withCode, w.o.Period)
}

// firstPassword returns the User-Password of a login's first request: the
// password, followed in append mode by the code of step.
func (w *worker) firstPassword(u *user, step uint64) []byte {
	w.pw = append(w.pw[:0], u.password...)
	if w.o.Mode == modeAppend {
		w.pw = append(w.pw, totp.Code(u.secret, step, w.o.params())...)
	}
	return w.pw
}

// codeAnswer returns the User-Password answering a challenge: the code of
// step, the one in which the login began (servers accept the previous
// step's code within their skew, and the user stays used in one step).
func (w *worker) codeAnswer(u *user, step uint64) []byte {
	w.pw = append(w.pw[:0], totp.Code(u.secret, step, w.o.params())...)
	return w.pw
}

func (w *worker) nextID() byte {
	w.id++
	return w.id
}

// exchange sends req and waits for its answer, sending it again up to
// -retries times after a timeout. The answer is valid until the next
// exchange.
func (w *worker) exchange(req []byte, s *stats) ([]byte, outcome) {
	for try := 0; try <= w.o.Retries; try++ {
		if try > 0 {
			s.pkt.Retransmits++
		}
		if !w.send(req, s) {
			return nil, failed
		}
		if err := w.conn.SetReadDeadline(time.Now().Add(w.o.Timeout)); err != nil {
			return nil, failed
		}
		if resp, out := w.await(req, s); out != timedOut {
			return resp, out
		}
	}
	return nil, timedOut
}

// send writes req. A connected UDP socket reports an ICMP port unreachable
// that came after the last read on the next write, which then sends
// nothing: that write is counted as refused and tried once more.
func (w *worker) send(req []byte, s *stats) bool {
	_, err := w.conn.Write(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		s.pkt.Refused++
		_, err = w.conn.Write(req)
	}
	if err != nil {
		return false
	}
	s.pkt.Sent++
	return true
}

// await reads until the answer to req arrives or the read deadline passes.
// Late answers to earlier requests are counted and skipped; an ICMP port
// unreachable is counted and the wait goes on, as a NAS's would.
func (w *worker) await(req []byte, s *stats) ([]byte, outcome) {
	for {
		n, err := w.conn.Read(w.rbuf)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, timedOut
		case errors.Is(err, syscall.ECONNREFUSED):
			s.pkt.Refused++
			continue
		case err != nil:
			return nil, failed
		}
		resp, v := w.enc.check(w.rbuf[:n], req)
		switch v {
		case late:
			s.pkt.Late++
			continue
		case bad:
			s.pkt.Bad++
			return nil, badAnswer
		}
		s.pkt.count(radius.Code(resp[0]))
		return resp, answered
	}
}
