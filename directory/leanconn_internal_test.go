package directory

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
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

func TestSearchRequestEncoding(t *testing.T) {
	req := searchReq{base: "ou=people,dc=example,dc=ac,dc=jp", scope: scopeSubtree, filter: "(uid=alice)", limit: 2, secs: 5, attrs: []string{"uid", "memberOf"}}
	filter, err := ldap.CompileFilter(req.filter)
	if err != nil {
		t.Fatal(err)
	}
	// The same request built with go-asn1-ber, field by field as RFC 4511
	// §4.5.1 lists them.
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 300, "MessageID"))
	sr := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 3, nil, "Search Request")
	sr.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, req.base, "Base DN"))
	sr.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 2, "Scope"))
	sr.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, 0, "Deref Aliases"))
	sr.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 2, "Size Limit"))
	sr.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 5, "Time Limit"))
	sr.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, "Types Only"))
	sr.AppendChild(filter)
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range req.attrs {
		attrs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "Attribute"))
	}
	sr.AppendChild(attrs)
	msg.AppendChild(sr)
	if got := appendSearchRequest(nil, 300, req, filter.Bytes()); !bytes.Equal(got, msg.Bytes()) {
		t.Fatalf("SearchRequest:\n got % x\nwant % x", got, msg.Bytes())
	}
}

func TestParseSearchEntry(t *testing.T) {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 4, nil, "Search Result Entry")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "uid=Eve,ou=people,dc=example,dc=ac,dc=jp", "DN"))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range []struct {
		name string
		vals []string
	}{{"uid", []string{"Eve"}}, {"memberOf", []string{"cn=students,ou=groups,dc=example,dc=ac,dc=jp", "cn=lab," + strings.Repeat("x", 200)}}, {"empty", nil}} {
		one := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
		one.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.name, "Type"))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
		for _, v := range a.vals {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, "Value"))
		}
		one.AppendChild(set)
		list.AppendChild(one)
	}
	op.AppendChild(list)
	_, content, _, err := tlv(op.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e, err := parseEntry(content)
	if err != nil {
		t.Fatal(err)
	}
	if e.dn != "uid=Eve,ou=people,dc=example,dc=ac,dc=jp" || len(e.values("UID")) != 1 || e.values("uid")[0] != "Eve" ||
		len(e.values("memberof")) != 2 || e.values("empty") != nil || e.values("cn") != nil {
		t.Fatalf("entry: %+v", e)
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte{0x04, 0x01, 'x', 0x30, 0x0a, 0x30, 0x08, 0x04, 0x01, 'a', 0x31, 0x03, 0x04, 0x01, 'b'})
	f.Fuzz(func(t *testing.T, b []byte) { parseEntry(b) })
}

// Active Directory writes every length in the 4-octet long form
// (30 84 00 00 00 xx): a bind response written that way is read.
func TestFourOctetLengths(t *testing.T) {
	long := func(tag byte, content ...[]byte) []byte {
		body := bytes.Join(content, nil)
		n := len(body)
		return append([]byte{tag, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, body...)
	}
	msg := long(0x30,
		long(0x02, []byte{9}),
		long(0x61, long(0x0a, []byte{49}), long(0x04), long(0x04, []byte("80090308: LdapErr"))))
	b := &lconn{r: bufio.NewReader(bytes.NewReader(msg))}
	content, err := b.readMessage()
	if err != nil {
		t.Fatalf("readMessage: %v", err)
	}
	id, op, tag, err := splitMessage(content)
	if err != nil || id != 9 || tag != 0x61 {
		t.Fatalf("splitMessage = %d %#x %v, want 9 0x61", id, tag, err)
	}
	if code, diag, err := parseResult(op); err != nil || code != 49 || diag != "80090308: LdapErr" {
		t.Errorf("parseResult = %d %q %v, want 49 (invalid credentials)", code, diag, err)
	}
}
