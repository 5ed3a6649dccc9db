package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"

	"github.com/radius2fa/radius2fa/totp"
)

const benchSecret = "nas-shared-secret"

func testOptions(mode string, msgAuth bool) Options {
	return Options{Secret: benchSecret, Mode: mode, MsgAuth: msgAuth, Digits: 6, Period: 30 * time.Second}
}

func testWorker(o Options) *worker {
	return &worker{o: &o, enc: newEncoder(o, [32]byte{7}), pw: make([]byte, 0, maxPasswordLen)}
}

// The code in a login is the RFC 6238 code of its step: every SHA1 vector
// of Appendix B, 8 digits, and its last 6 digits for the usual 6.
func TestLoginCodeRFC6238Vectors(t *testing.T) {
	f, err := os.Open("../../testdata/totp/rfc6238-sha1.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := &user{name: "alice", password: "alice-pass", secret: []byte("12345678901234567890")}
	vectors := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		unix, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		step := totp.Step(time.Unix(unix, 0), 30*time.Second)
		for _, digits := range []int{8, 6} {
			o := testOptions(modeAppend, false)
			o.Digits = digits
			want := fields[3][8-digits:]
			if got := string(testWorker(o).firstPassword(u, step)); got != "alice-pass"+want {
				t.Errorf("t=%d, %d digits: password %q, want alice-pass%s", unix, digits, got, want)
			}
			o.Mode = modeChallenge
			w := testWorker(o)
			if got := string(w.firstPassword(u, step)); got != "alice-pass" {
				t.Errorf("challenge mode sends %q first, want the password alone", got)
			}
			if got := string(w.codeAnswer(u, step)); got != want {
				t.Errorf("t=%d, %d digits: answer %q, want %s", unix, digits, got, want)
			}
		}
		vectors++
	}
	if vectors != 6 {
		t.Fatalf("read %d vectors, want 6", vectors)
	}
}

// Requests decode with layeh/radius to what was meant, for passwords of
// every padding length, and carry a valid Message-Authenticator first.
func TestRequestEncoding(t *testing.T) {
	o := testOptions(modeAppend, true)
	o.NASIdentifier, o.CallingStation, o.CalledStation = "radbench-nas", "10.1.2.3", "AA-BB-CC-DD-EE-FF:eduroam"
	e := newEncoder(o, [32]byte{1})
	auths := map[[16]byte]bool{}
	for _, pw := range []string{"", "x", "fifteen-bytes!!", "sixteen-bytes!!!", "seventeen-bytes!!", strings.Repeat("p", 128), "p@ss wörd 1"} {
		state := []byte("ST4TE~printable")
		req := e.request(42, "Alice@example.ac.jp", []byte(pw), state)
		pkt, err := radius.Parse(req, []byte(benchSecret))
		if err != nil {
			t.Fatalf("password %q: %v", pw, err)
		}
		got, err := rfc2865.UserPassword_LookupString(pkt)
		if err != nil || got != pw {
			t.Errorf("User-Password %q (%v), want %q", got, err, pw)
		}
		if pkt.Code != radius.CodeAccessRequest || pkt.Identifier != 42 ||
			rfc2865.UserName_GetString(pkt) != "Alice@example.ac.jp" ||
			rfc2865.State_GetString(pkt) != string(state) ||
			rfc2865.NASIdentifier_GetString(pkt) != "radbench-nas" ||
			rfc2865.CallingStationID_GetString(pkt) != "10.1.2.3" ||
			rfc2865.CalledStationID_GetString(pkt) != "AA-BB-CC-DD-EE-FF:eduroam" {
			t.Errorf("decoded request: %+v", pkt)
		}
		if req[20] != byte(rfc2869.MessageAuthenticator_Type) || !validRequestMA(req, benchSecret) {
			t.Errorf("no valid Message-Authenticator first: % x", req[20:40])
		}
		if auths[pkt.Authenticator] {
			t.Errorf("Request Authenticator %x used twice", pkt.Authenticator)
		}
		auths[pkt.Authenticator] = true
	}
	plain := newEncoder(testOptions(modeAppend, false), [32]byte{1})
	pkt, err := radius.Parse(plain.request(1, "bob", []byte("bob-pass123456"), nil), []byte(benchSecret))
	if err != nil || len(pkt.Attributes) != 2 {
		t.Fatalf("without -msgauth or station attributes: %v, %d attributes, want User-Name and User-Password", err, len(pkt.Attributes))
	}
}

// validRequestMA checks a Message-Authenticator (first attribute) the way
// RFC 3579 §3.2 defines it, independently of the encoder.
func validRequestMA(req []byte, secret string) bool {
	b := bytes.Clone(req)
	got := bytes.Clone(b[22:38])
	clear(b[22:38])
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(b)
	return hmac.Equal(mac.Sum(nil), got)
}

// respond builds the answer a server would send to req: attrs, with a
// Message-Authenticator first when ma is set (as radiusd does), and the
// Response Authenticator, both computed with secret.
func respond(t testing.TB, req []byte, secret string, code radius.Code, ma bool, attrs ...*radius.AVP) []byte {
	t.Helper()
	pkt, err := radius.Parse(req, []byte(secret))
	if err != nil {
		pkt, _ = radius.Parse(req, []byte(benchSecret))
	}
	resp := pkt.Response(code)
	resp.Secret = []byte(secret)
	if ma {
		resp.Attributes = append(resp.Attributes, &radius.AVP{Type: rfc2869.MessageAuthenticator_Type, Attribute: make([]byte, 16)})
	}
	resp.Attributes = append(resp.Attributes, attrs...)
	b, err := resp.MarshalBinary() // Request Authenticator in place
	if err != nil {
		t.Fatal(err)
	}
	if ma {
		mac := hmac.New(md5.New, []byte(secret))
		mac.Write(b)
		copy(b[22:38], mac.Sum(nil))
	}
	h := md5.New()
	h.Write(b)
	h.Write([]byte(secret))
	copy(b[4:20], h.Sum(nil))
	return b
}

func TestCheckAnswers(t *testing.T) {
	e := newEncoder(testOptions(modeAppend, true), [32]byte{2})
	req := bytes.Clone(e.request(9, "alice", []byte("alice-pass123456"), nil))
	state := &radius.AVP{Type: rfc2865.State_Type, Attribute: []byte("abc")}
	otherReq := bytes.Clone(e.request(8, "alice", []byte("alice-pass123456"), nil))
	sameIDOtherAuth := bytes.Clone(e.request(9, "alice", []byte("alice-pass123456"), nil))
	tamper := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }

	accept := respond(t, req, benchSecret, radius.CodeAccessAccept, true)
	badMA := respondBadMA(t, req)
	twoMA := respond(t, req, benchSecret, radius.CodeAccessAccept, false,
		&radius.AVP{Type: rfc2869.MessageAuthenticator_Type, Attribute: make([]byte, 16)},
		&radius.AVP{Type: rfc2869.MessageAuthenticator_Type, Attribute: make([]byte, 16)})
	for _, tt := range []struct {
		name string
		resp []byte
		want verdict
	}{
		{"Access-Accept with a Message-Authenticator", accept, answer},
		{"Access-Reject without one", respond(t, req, benchSecret, radius.CodeAccessReject, false), answer},
		{"Access-Challenge with State", respond(t, req, benchSecret, radius.CodeAccessChallenge, true, state), answer},
		{"bytes after the length field are ignored", append(bytes.Clone(accept), 0, 0, 0), answer},
		{"answer to an earlier request", respond(t, otherReq, benchSecret, radius.CodeAccessAccept, true), late},
		{"wrong shared secret", respond(t, req, "other-secret", radius.CodeAccessAccept, false), bad},
		{"answer to another request with the same Identifier", respond(t, sameIDOtherAuth, benchSecret, radius.CodeAccessAccept, false), bad},
		{"wrong Message-Authenticator", badMA, bad},
		{"two Message-Authenticators", twoMA, bad},
		{"Accounting-Response", respond(t, req, benchSecret, radius.CodeAccountingResponse, false), bad},
		{"tampered attribute", tamper(respond(t, req, benchSecret, radius.CodeAccessChallenge, false, state), 22), bad},
		{"too short", accept[:19], bad},
		{"length field beyond the datagram", accept[:len(accept)-1], bad},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := e.check(tt.resp, req); got != tt.want {
				t.Fatalf("verdict %d, want %d", got, tt.want)
			}
		})
	}
}

// respondBadMA is an Access-Accept with a right Response Authenticator but
// a Message-Authenticator computed with another secret.
func respondBadMA(t *testing.T, req []byte) []byte {
	t.Helper()
	good := respond(t, req, benchSecret, radius.CodeAccessAccept, true)
	other := respond(t, req, "other-secret", radius.CodeAccessAccept, true)
	b := bytes.Clone(good)
	copy(b[22:38], other[22:38])
	copy(b[4:20], req[4:20])
	h := md5.New()
	h.Write(b)
	h.Write([]byte(benchSecret))
	copy(b[4:20], h.Sum(nil))
	return b
}

func TestFindState(t *testing.T) {
	e := newEncoder(testOptions(modeChallenge, false), [32]byte{3})
	req := e.request(1, "alice", []byte("alice-pass"), nil)
	resp := respond(t, req, benchSecret, radius.CodeAccessChallenge, true,
		&radius.AVP{Type: rfc2865.ReplyMessage_Type, Attribute: []byte("Enter the code")},
		&radius.AVP{Type: rfc2865.State_Type, Attribute: []byte("0123456789abcdef")})
	got, v := e.check(resp, req)
	if v != answer {
		t.Fatalf("verdict %d", v)
	}
	if s, ok := findAttr(got, rfc2865.State_Type); !ok || string(s) != "0123456789abcdef" {
		t.Fatalf("State %q, %v", s, ok)
	}
	if _, ok := findAttr(got, rfc2865.Class_Type); ok {
		t.Fatal("found a Class that is not there")
	}
}

// BenchmarkRequest is the client's work to build one append-mode request
// with a Message-Authenticator: the code and the packet.
func BenchmarkRequest(b *testing.B) {
	w := testWorker(testOptions(modeAppend, true))
	u := &user{name: "user000001", password: "pass-user000001", secret: []byte("12345678901234567890")}
	b.ReportAllocs()
	for b.Loop() {
		w.enc.request(1, u.name, w.firstPassword(u, 1), nil)
	}
}

// BenchmarkCheck is the client's work to check one answer carrying a
// Message-Authenticator.
func BenchmarkCheck(b *testing.B) {
	e := newEncoder(testOptions(modeAppend, true), [32]byte{4})
	req := bytes.Clone(e.request(1, "user000001", []byte("pass-user000001123456"), nil))
	resp := respond(b, req, benchSecret, radius.CodeAccessAccept, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, v := e.check(resp, req); v != answer {
			b.Fatal("not an answer")
		}
	}
}
