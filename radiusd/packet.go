package radiusd

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// Wire-level helpers that layeh/radius does not provide: the
// Message-Authenticator (RFC 3579 §3.2, RFC 2869 §5.14) on requests and
// responses, and response encoding with that attribute first.

const (
	headerLen = 20
	maLen     = 16
	// maxPasswordLen is the longest User-Password RFC 2865 §5.2 allows.
	maxPasswordLen = 128
)

var errBadMessageAuthenticator = errors.New("bad Message-Authenticator")

// messageAuthenticator reports whether raw carries a Message-Authenticator
// and, if it does, whether it is valid for secret. raw must be a whole
// packet whose length field has been checked (radius.Parse does that).
// Several Message-Authenticator attributes, or one of the wrong length,
// count as present and invalid. For an Accounting-Request the HMAC is
// computed with a zero Request Authenticator (zeroAuth), as its Request
// Authenticator is itself computed over the attributes (RFC 5997 §3).
func (cl *client) messageAuthenticator(raw []byte, zeroAuth bool) (present, valid bool) {
	off := -1
	for i := headerLen; i+2 <= len(raw); {
		t, l := raw[i], int(raw[i+1])
		if l < 2 || i+l > len(raw) {
			return present, false
		}
		if radius.Type(t) == rfc2869.MessageAuthenticator_Type {
			if present || l != 2+maLen {
				return true, false
			}
			present, off = true, i+2
		}
		i += l
	}
	if !present {
		return false, false
	}
	var got [maLen]byte
	copy(got[:], raw[off:off+maLen])
	mac := cl.mac()
	defer cl.macs.Put(mac)
	var zero [maLen]byte
	if zeroAuth {
		mac.Write(raw[:4])
		mac.Write(zero[:])
		mac.Write(raw[headerLen:off])
	} else {
		mac.Write(raw[:off])
	}
	mac.Write(zero[:])
	mac.Write(raw[off+maLen:])
	var sum [md5.Size]byte
	return true, hmac.Equal(mac.Sum(sum[:0]), got[:])
}

// mac returns an HMAC-MD5 keyed with the client's secret, reset; give it
// back with cl.macs.Put.
func (cl *client) mac() hash.Hash {
	h := cl.macs.Get().(hash.Hash)
	h.Reset()
	return h
}

// encodeResponse builds the wire form of a response to req: header,
// a Message-Authenticator as the first attribute, attrs, then every
// Proxy-State of the request in order (RFC 2865 §5.33). The
// Message-Authenticator is computed over the packet with the Request
// Authenticator in place (RFC 3579 §3.2), then the Response Authenticator
// over the packet including it.
func (cl *client) encodeResponse(code radius.Code, req *radius.Packet, attrs radius.Attributes) ([]byte, error) {
	out := make(radius.Attributes, 0, len(attrs)+3)
	out = append(out, &radius.AVP{Type: rfc2869.MessageAuthenticator_Type, Attribute: make(radius.Attribute, maLen)})
	out = append(out, attrs...)
	for _, avp := range req.Attributes {
		if avp.Type == rfc2865.ProxyState_Type {
			out = append(out, avp)
		}
	}
	resp := &radius.Packet{
		Code:          code,
		Identifier:    req.Identifier,
		Authenticator: req.Authenticator,
		Secret:        req.Secret,
		Attributes:    out,
	}
	b, err := resp.MarshalBinary()
	if err != nil {
		return nil, err
	}
	cl.sign(b, req)
	return b, nil
}

// sign fills in the Message-Authenticator, the first attribute of b (a
// response to req holding req's Authenticator and a zero
// Message-Authenticator: bytes 22..38), then the Response Authenticator.
// An Accounting-Response to an Accounting-Request computes the
// Message-Authenticator over a zero authenticator, as the request did
// (what FreeRADIUS does and checks).
func (cl *client) sign(b []byte, req *radius.Packet) {
	mac := cl.mac()
	defer cl.macs.Put(mac)
	if radius.Code(b[0]) == radius.CodeAccountingResponse && req.Code == radius.CodeAccountingRequest {
		var zero [16]byte
		mac.Write(b[:4])
		mac.Write(zero[:])
		mac.Write(b[headerLen:])
	} else {
		mac.Write(b)
	}
	mac.Sum(b[headerLen+2 : headerLen+2])

	h := md5.New()
	h.Write(b)
	h.Write(req.Secret)
	h.Sum(b[4:4])
}

// The duplicate cache keeps a response without most of its two
// signatures, the Response Authenticator and the Message-Authenticator:
// both are computed over the request's Authenticator and the shared
// secret, which a retransmit carries and its client has, so they come out
// the same again. It keeps the first 4 bytes of the Response
// Authenticator to check that they do: a request that only shares the
// original's cache entry (a 128-bit digest collision, see cache.go), or
// a retransmit after its client's secret changed, gets nothing. An
// Access-Accept is 38 bytes on the wire; 8 are kept.

// signedLen is what appendCompact leaves out: 12 bytes of the Response
// Authenticator and the whole Message-Authenticator attribute.
const signedLen = 12 + 2 + maLen

// appendCompact appends to dst what the duplicate cache keeps of resp, a
// response made by encodeResponse: its Code, Identifier and Length, the
// first 4 bytes of its Response Authenticator, and the attributes after
// the Message-Authenticator. A packet without the Message-Authenticator
// first is kept whole.
func appendCompact(dst, resp []byte) []byte {
	if len(resp) < headerLen+2+maLen || radius.Type(resp[headerLen]) != rfc2869.MessageAuthenticator_Type || resp[headerLen+1] != 2+maLen {
		return append(dst, resp...)
	}
	dst = append(dst, resp[:8]...)
	return append(dst, resp[headerLen+2+maLen:]...)
}

// expandResponse returns the response whose compact form (appendCompact)
// is c, to req, a retransmit of the request it answered: the bytes sent
// the first time. It returns nil when c is neither form, or was not an
// answer to req.
func (cl *client) expandResponse(c []byte, req *radius.Packet) []byte {
	if len(c) < 8 {
		return nil
	}
	switch n := int(binary.BigEndian.Uint16(c[2:4])); {
	case n == len(c):
		return c // kept whole
	case n != len(c)+signedLen:
		return nil
	}
	b := make([]byte, 0, len(c)+signedLen)
	b = append(b, c[:4]...)
	b = append(b, req.Authenticator[:]...)
	b = append(b, byte(rfc2869.MessageAuthenticator_Type), 2+maLen)
	b = append(b, make([]byte, maLen)...)
	b = append(b, c[8:]...)
	cl.sign(b, req)
	if subtle.ConstantTimeCompare(b[4:8], c[4:8]) != 1 {
		return nil
	}
	return b
}

// packetLength returns the length field of a datagram that is long enough
// to carry a header, or 0.
func packetLength(b []byte) int {
	if len(b) < headerLen {
		return 0
	}
	return int(binary.BigEndian.Uint16(b[2:4]))
}
