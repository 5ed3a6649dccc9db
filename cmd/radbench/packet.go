package main

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"hash"
	"math/rand/v2"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// Access-Requests are encoded by hand into one buffer per worker: a login
// costs no allocation here, which keeps the tool's CPU away from the server
// it measures.

const (
	headerLen      = 20
	authLen        = 16
	maLen          = 16
	maxPacketLen   = 4096
	maxAttrLen     = 253 // longest attribute value
	maxPasswordLen = 128 // longest User-Password (RFC 2865 §5.2)
)

// encoder builds the Access-Requests of one worker and checks the answers.
// Not safe for concurrent use.
type encoder struct {
	secret  []byte
	msgAuth bool
	fixed   []byte        // NAS-Identifier and station ids, encoded once
	rng     *rand.ChaCha8 // Request Authenticators
	mac     hash.Hash     // HMAC-MD5 keyed with the secret
	scratch []byte        // secret followed by 16 bytes, for User-Password
	buf     []byte        // the request being built
}

// newEncoder returns an encoder for the shared secret and the attributes
// every request carries. seed makes the Request Authenticators.
func newEncoder(o Options, seed [32]byte) *encoder {
	secret := []byte(o.Secret)
	var fixed []byte
	for _, a := range []struct {
		typ radius.Type
		v   string
	}{
		{rfc2865.NASIdentifier_Type, o.NASIdentifier},
		{rfc2865.CallingStationID_Type, o.CallingStation},
		{rfc2865.CalledStationID_Type, o.CalledStation},
	} {
		if a.v != "" {
			fixed = appendAttr(fixed, a.typ, a.v)
		}
	}
	return &encoder{
		secret:  secret,
		msgAuth: o.MsgAuth,
		fixed:   fixed,
		rng:     rand.NewChaCha8(seed),
		mac:     hmac.New(md5.New, secret),
		scratch: make([]byte, len(secret)+authLen),
		buf:     make([]byte, 0, maxPacketLen),
	}
}

// request returns an Access-Request with identifier id for name and
// password, carrying state when it is not nil. The result is valid until
// the next call. Lengths were checked when the users were loaded.
func (e *encoder) request(id byte, name string, password, state []byte) []byte {
	b := e.buf[:headerLen]
	b[0], b[1] = byte(radius.CodeAccessRequest), id
	e.rng.Read(b[4:headerLen])
	if e.msgAuth {
		// First, as BlastRADIUS hardening recommends (RFC 3579 §3.2).
		var zero [maLen]byte
		b = append(b, byte(rfc2869.MessageAuthenticator_Type), 2+maLen)
		b = append(b, zero[:]...)
	}
	b = appendAttr(b, rfc2865.UserName_Type, name)
	b = e.appendPassword(b, password)
	if state != nil {
		b = appendAttr(b, rfc2865.State_Type, state)
	}
	b = append(b, e.fixed...)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	if e.msgAuth {
		e.mac.Reset()
		e.mac.Write(b)
		e.mac.Sum(b[headerLen+2 : headerLen+2]) // fills the zeroed value in place
	}
	e.buf = b
	return b
}

// appendPassword appends User-Password hiding pw as RFC 2865 §5.2 says:
// padded to 16 bytes, each block XORed with MD5(secret + previous block),
// the first with the Request Authenticator.
func (e *encoder) appendPassword(b, pw []byte) []byte {
	n := max((len(pw)+15)/16*16, 16)
	b = append(b, byte(rfc2865.UserPassword_Type), byte(2+n))
	start := len(b)
	b = append(b, pw...)
	b = append(b, make([]byte, n-len(pw))...)
	prev := b[4:headerLen]
	key := len(e.secret)
	copy(e.scratch, e.secret)
	for i := start; i < start+n; i += 16 {
		copy(e.scratch[key:], prev)
		sum := md5.Sum(e.scratch)
		for j := range 16 {
			b[i+j] ^= sum[j]
		}
		prev = b[i : i+16]
	}
	return b
}

// appendAttr appends one attribute.
func appendAttr[V string | []byte](b []byte, typ radius.Type, v V) []byte {
	b = append(b, byte(typ), byte(2+len(v)))
	return append(b, v...)
}
