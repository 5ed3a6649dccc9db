package radiusd

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"layeh.com/radius"
)

// Packet dumps for `radius2fa serve --debug`, in the spirit of
// `freeradius -X`: every attribute of every request and response, by
// name, so an admin can see what a NAS really sends. Passwords are never
// shown, only their length.

// attrKind says how to print an attribute's value.
type attrKind int

const (
	kindText attrKind = iota
	kindInt
	kindIP
	kindHidden
	kindOctets
)

type attrInfo struct {
	name string
	kind attrKind
}

// attrInfoOf names the attributes NAS commonly send (RFC 2865, 2866,
// 2869, 3162, 4372).
func attrInfoOf(t radius.Type) attrInfo {
	switch t {
	case 1:
		return attrInfo{"User-Name", kindText}
	case 2:
		return attrInfo{"User-Password", kindHidden}
	case 3:
		return attrInfo{"CHAP-Password", kindHidden}
	case 4:
		return attrInfo{"NAS-IP-Address", kindIP}
	case 5:
		return attrInfo{"NAS-Port", kindInt}
	case 6:
		return attrInfo{"Service-Type", kindInt}
	case 7:
		return attrInfo{"Framed-Protocol", kindInt}
	case 8:
		return attrInfo{"Framed-IP-Address", kindIP}
	case 11:
		return attrInfo{"Filter-Id", kindText}
	case 18:
		return attrInfo{"Reply-Message", kindText}
	case 24:
		return attrInfo{"State", kindOctets}
	case 25:
		return attrInfo{"Class", kindOctets}
	case 26:
		return attrInfo{"Vendor-Specific", kindOctets}
	case 27:
		return attrInfo{"Session-Timeout", kindInt}
	case 30:
		return attrInfo{"Called-Station-Id", kindText}
	case 31:
		return attrInfo{"Calling-Station-Id", kindText}
	case 32:
		return attrInfo{"NAS-Identifier", kindText}
	case 33:
		return attrInfo{"Proxy-State", kindOctets}
	case 40:
		return attrInfo{"Acct-Status-Type", kindInt}
	case 44:
		return attrInfo{"Acct-Session-Id", kindText}
	case 61:
		return attrInfo{"NAS-Port-Type", kindInt}
	case 79:
		return attrInfo{"EAP-Message", kindOctets}
	case 80:
		return attrInfo{"Message-Authenticator", kindOctets}
	case 87:
		return attrInfo{"NAS-Port-Id", kindText}
	}
	return attrInfo{"Attr-" + strconv.Itoa(int(t)), kindOctets}
}

// dumpAttributes renders attributes as `Name = value` pairs on one line.
func dumpAttributes(attrs radius.Attributes) string {
	var b strings.Builder
	for i, avp := range attrs {
		if i > 0 {
			b.WriteString(", ")
		}
		info := attrInfoOf(avp.Type)
		b.WriteString(info.name)
		b.WriteString(" = ")
		b.WriteString(formatValue(info.kind, avp.Attribute))
	}
	return b.String()
}

func formatValue(kind attrKind, v radius.Attribute) string {
	switch kind {
	case kindHidden:
		return fmt.Sprintf("<hidden, %d bytes>", len(v))
	case kindInt:
		if len(v) == 4 {
			return strconv.FormatUint(uint64(binary.BigEndian.Uint32(v)), 10)
		}
	case kindIP:
		if len(v) == 4 {
			return net.IP(v).String()
		}
	case kindText:
		if utf8.Valid(v) {
			return strconv.Quote(string(v))
		}
	}
	return "0x" + hex.EncodeToString(v)
}

// dumpPacket logs a packet when the server runs with Debug.
func (s *Server) dumpPacket(direction string, client string, peer fmt.Stringer, pkt *radius.Packet) {
	s.log.Info(direction+" "+pkt.Code.String(), "client", client, "peer", peer.String(),
		"id", int(pkt.Identifier), "attrs", dumpAttributes(pkt.Attributes))
}
