package directory

import (
	"bytes"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
)

// berBindRequest builds the same BindRequest with go-asn1-ber, an
// independent encoder.
func berBindRequest(id int64, dn, password string) []byte {
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 0, nil, "Bind Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "User Name"))
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, password, "Password"))
	msg.AppendChild(req)
	return msg.Bytes()
}

func TestBindRequestEncoding(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tt := range []struct {
		id           int32
		dn, password string
	}{
		{1, "uid=alice,ou=people,dc=example,dc=ac,dc=jp", "alice-pass"},
		{127, "uid=frank,ou=people,dc=example,dc=ac,dc=jp", "p@ss wörd 1"},
		{128, "cn=x", ""},
		{255, "uid=" + long, long},
		{65536, "uid=" + long + long, "pw"},
		{2147483647, "uid=bob", "bob-pass"},
	} {
		got := appendBindRequest(nil, tt.id, tt.dn, tt.password)
		want := berBindRequest(int64(tt.id), tt.dn, tt.password)
		if !bytes.Equal(got, want) {
			t.Errorf("BindRequest(%d, %q):\n got % x\nwant % x", tt.id, tt.dn, got, want)
		}
	}
}

func TestStartTLSEncoding(t *testing.T) {
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 1, "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 23, nil, "Extended Request")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, startTLSOID, "OID"))
	msg.AppendChild(req)
	if got := appendStartTLS(nil, 1); !bytes.Equal(got, msg.Bytes()) {
		t.Fatalf("StartTLS:\n got % x\nwant % x", got, msg.Bytes())
	}
}

func TestParseBindResponse(t *testing.T) {
	resp := func(id int64, code int64, diag string) []byte {
		msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
		msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
		op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 1, nil, "Bind Response")
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, diag, "diagnosticMessage"))
		msg.AppendChild(op)
		b := msg.Bytes()
		_, content, _, err := tlv(b)
		if err != nil {
			t.Fatal(err)
		}
		return content
	}
	for _, tt := range []struct {
		id   int64
		code int
		diag string
	}{{7, 0, ""}, {200, 49, ""}, {70000, 53, strings.Repeat("unwilling ", 40)}} {
		id, op, tag, err := splitMessage(resp(tt.id, int64(tt.code), tt.diag))
		if err != nil || int64(id) != tt.id || tag != 0x61 {
			t.Fatalf("splitMessage: %d %#x %v", id, tag, err)
		}
		code, diag, err := parseResult(op)
		if err != nil || code != tt.code || diag != tt.diag {
			t.Errorf("parseResult = %d %q %v, want %d %q", code, diag, err, tt.code, tt.diag)
		}
	}
}

// Garbage from the network is an error, never a panic.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
	f.Add([]byte{0x02, 0x84, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, op, _, err := splitMessage(b); err == nil {
			parseResult(op)
		}
	})
}
