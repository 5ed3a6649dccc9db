package radiusd

import (
	"bytes"
	"testing"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// What the duplicate cache keeps of a response, expanded for a retransmit
// of the request, is the response as first sent, byte for byte: a NAS
// matches the retransmit's answer by its Response Authenticator and
// Message-Authenticator.
func TestCompactResponseExpandsToTheSameBytes(t *testing.T) {
	cl := benchClient()
	req, err := radius.Parse(accessRequest(t, cl.secret), cl.secret)
	if err != nil {
		t.Fatal(err)
	}
	proxied, err := radius.Parse(accessRequest(t, cl.secret), cl.secret)
	if err != nil {
		t.Fatal(err)
	}
	proxied.Add(rfc2865.ProxyState_Type, radius.Attribute("hop-1"))
	proxied.Add(rfc2865.ProxyState_Type, radius.Attribute("hop-2"))

	for _, tc := range []struct {
		name  string
		code  radius.Code
		req   *radius.Packet
		attrs radius.Attributes
		kept  int // bytes the cache keeps
	}{
		{"accept", radius.CodeAccessAccept, req, nil, 8},
		{"reject with a message", radius.CodeAccessReject, req, radius.Attributes{
			{Type: rfc2865.ReplyMessage_Type, Attribute: radius.Attribute("Wrong code. 2 attempts left.")},
		}, 8 + 2 + 28},
		{"challenge with state", radius.CodeAccessChallenge, proxied, radius.Attributes{
			{Type: rfc2865.ReplyMessage_Type, Attribute: radius.Attribute("Enter the 6-digit code")},
			{Type: rfc2865.State_Type, Attribute: radius.Attribute("0123456789abcdef")},
		}, 8 + 24 + 18 + 7 + 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := cl.encodeResponse(tc.code, tc.req, tc.attrs)
			if err != nil {
				t.Fatal(err)
			}
			kept := appendCompact(nil, sent)
			if len(kept) != tc.kept {
				t.Errorf("kept %d of %d bytes, want %d", len(kept), len(sent), tc.kept)
			}
			again := cl.expandResponse(kept, tc.req)
			if !bytes.Equal(again, sent) {
				t.Fatalf("expanded\n%x\nwant what was sent\n%x", again, sent)
			}
			// Another request that found this entry (a digest collision)
			// gets nothing.
			other := *tc.req
			other.Authenticator[0] ^= 1
			if got := cl.expandResponse(kept, &other); got != nil {
				t.Errorf("expanded for another request's Authenticator: %x, want nothing", got)
			}
			// As the NAS checks them: the Response Authenticator, and the
			// Message-Authenticator over the packet with the request's
			// Authenticator in place (RFC 3579 §3.2).
			reqHeader := append(make([]byte, 4), tc.req.Authenticator[:]...)
			if !radius.IsAuthenticResponse(again, reqHeader, cl.secret) {
				t.Error("the expanded answer's Response Authenticator does not verify")
			}
			withReqAuth := bytes.Clone(again)
			copy(withReqAuth[4:headerLen], tc.req.Authenticator[:])
			if present, valid := cl.messageAuthenticator(withReqAuth, false); !present || !valid {
				t.Errorf("the expanded answer's Message-Authenticator: present %v, valid %v", present, valid)
			}
		})
	}
}

// A packet that does not start with a Message-Authenticator is kept and
// given back whole; bytes that are neither form give nothing to send.
func TestCompactResponseOtherPackets(t *testing.T) {
	cl := benchClient()
	req, err := radius.Parse(accessRequest(t, cl.secret), cl.secret)
	if err != nil {
		t.Fatal(err)
	}
	plain := radius.New(radius.CodeAccessReject, cl.secret)
	plain.Identifier = req.Identifier
	rfc2865.ReplyMessage_SetString(plain, "no")
	rfc2869.MessageAuthenticator_Set(plain, make([]byte, 16)) // not first
	raw, err := plain.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if kept := appendCompact(nil, raw); !bytes.Equal(kept, raw) {
		t.Fatalf("kept %x, want the whole packet %x", kept, raw)
	}
	if got := cl.expandResponse(raw, req); !bytes.Equal(got, raw) {
		t.Fatalf("expanded %x, want the packet as kept", got)
	}
	for _, junk := range [][]byte{nil, {2, 1, 0, 7, 1, 2, 3}, {2, 1, 0, 11, 1, 2, 3, 4, 5}} {
		if got := cl.expandResponse(junk, req); got != nil {
			t.Errorf("expandResponse(%x) = %x, want nothing", junk, got)
		}
	}
}
