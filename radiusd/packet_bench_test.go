package radiusd

import (
	"crypto/hmac"
	"crypto/md5"
	"net/netip"
	"testing"

	"github.com/radius2fa/radius2fa/config"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// accessRequest builds a typical VPN concentrator's Access-Request with a
// Message-Authenticator.
func accessRequest(tb testing.TB, secret []byte) []byte {
	tb.Helper()
	pkt := radius.New(radius.CodeAccessRequest, secret)
	rfc2865.UserName_SetString(pkt, "alice")
	rfc2865.UserPassword_SetString(pkt, "alice-pass123456")
	rfc2865.NASIdentifier_SetString(pkt, "vpn-gw-1")
	rfc2865.NASPort_Set(pkt, 7)
	rfc2865.CallingStationID_SetString(pkt, "192.0.2.77")
	rfc2865.CalledStationID_SetString(pkt, "AA-BB-CC-DD-EE-FF:eduroam")
	pkt.Add(rfc2869.MessageAuthenticator_Type, make([]byte, 16))
	raw, err := pkt.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	mac := hmac.New(md5.New, secret)
	mac.Write(raw)
	copy(raw[len(raw)-16:], mac.Sum(nil))
	return raw
}

func benchClient() *client {
	return newClientTable([]config.Client{{
		Name: "vpn-gw", Address: netip.MustParsePrefix("127.0.0.1/32"), Secret: "nas-shared-secret",
	}}).byLen[0]
}

// BenchmarkDecodeVerify is the per-packet work before the directory is
// asked: parse, Message-Authenticator check, User-Password decryption.
func BenchmarkDecodeVerify(b *testing.B) {
	cl := benchClient()
	raw := accessRequest(b, cl.secret)
	b.ReportAllocs()
	for b.Loop() {
		pkt, err := radius.Parse(raw, cl.secret)
		if err != nil {
			b.Fatal(err)
		}
		if present, valid := cl.messageAuthenticator(raw, false); !present || !valid {
			b.Fatal("Message-Authenticator does not verify")
		}
		if pw, err := rfc2865.UserPassword_LookupString(pkt); err != nil || pw != "alice-pass123456" {
			b.Fatal(pw, err)
		}
	}
}

// BenchmarkEncodeResponse is the answer: Access-Accept with the
// Message-Authenticator first and the Response Authenticator.
func BenchmarkEncodeResponse(b *testing.B) {
	cl := benchClient()
	req, err := radius.Parse(accessRequest(b, cl.secret), cl.secret)
	if err != nil {
		b.Fatal(err)
	}
	attrs := radius.Attributes{{Type: rfc2865.ReplyMessage_Type, Attribute: radius.Attribute("Welcome")}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cl.encodeResponse(radius.CodeAccessAccept, req, attrs); err != nil {
			b.Fatal(err)
		}
	}
}
