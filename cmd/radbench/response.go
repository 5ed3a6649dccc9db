package main

import (
	"crypto/hmac"
	"encoding/binary"

	"layeh.com/radius"
	"layeh.com/radius/rfc2869"
)

// verdict is what a datagram received on a worker's socket is.
type verdict int

const (
	// answer: an authentic Access-Accept, -Reject or -Challenge to the
	// request in flight.
	answer verdict = iota
	// late: an answer to an earlier request (another Identifier), whose
	// wait had timed out.
	late
	// bad: not an authentic answer to the request in flight: too short, a
	// wrong length, Response Authenticator or Message-Authenticator, or a
	// code that does not answer an Access-Request.
	bad
)

// check tells what resp is with respect to req, the request in flight.
// It returns the packet without any bytes past its length field.
func (e *encoder) check(resp, req []byte) ([]byte, verdict) {
	if len(resp) < headerLen {
		return nil, bad
	}
	n := int(binary.BigEndian.Uint16(resp[2:4]))
	if n < headerLen || n > len(resp) {
		return nil, bad
	}
	resp = resp[:n]
	if resp[1] != req[1] {
		return nil, late
	}
	if !radius.IsAuthenticResponse(resp, req, e.secret) || !e.validMessageAuthenticator(resp, req) {
		return nil, bad
	}
	switch radius.Code(resp[0]) {
	case radius.CodeAccessAccept, radius.CodeAccessReject, radius.CodeAccessChallenge:
		return resp, answer
	}
	return nil, bad
}

// validMessageAuthenticator reports whether the attributes of resp are
// well formed and a Message-Authenticator, if there is one, is right: an
// HMAC-MD5 of the response with the Request Authenticator in place of the
// Response Authenticator and the attribute's value zeroed (RFC 3579 §3.2).
// More than one, or one of the wrong length, is wrong.
func (e *encoder) validMessageAuthenticator(resp, req []byte) bool {
	off := -1
	for i := headerLen; i < len(resp); {
		if i+2 > len(resp) || resp[i+1] < 2 || i+int(resp[i+1]) > len(resp) {
			return false
		}
		if radius.Type(resp[i]) == rfc2869.MessageAuthenticator_Type {
			if off >= 0 || resp[i+1] != 2+maLen {
				return false
			}
			off = i + 2
		}
		i += int(resp[i+1])
	}
	if off < 0 {
		return true
	}
	var zero [maLen]byte
	e.mac.Reset()
	e.mac.Write(resp[:4])
	e.mac.Write(req[4:headerLen])
	e.mac.Write(resp[headerLen:off])
	e.mac.Write(zero[:])
	e.mac.Write(resp[off+maLen:])
	var sum [maLen]byte
	return hmac.Equal(e.mac.Sum(sum[:0]), resp[off:off+maLen])
}

// findAttr returns the value of the first attribute of type typ in a
// packet whose attributes check has validated.
func findAttr(pkt []byte, typ radius.Type) ([]byte, bool) {
	for i := headerLen; i+2 <= len(pkt); i += int(pkt[i+1]) {
		if radius.Type(pkt[i]) == typ {
			return pkt[i+2 : i+int(pkt[i+1])], true
		}
	}
	return nil, false
}
