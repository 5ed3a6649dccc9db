package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Searches on a lean connection (RFC 4511 §4.5): one SearchRequest, then
// entries until SearchResultDone.

// Search scopes.
const (
	scopeBase    = 0
	scopeSubtree = 2
)

// Result code for a search that found more entries than its size limit.
const resultSizeLimitExceeded = 4

// maxSearchEntries bounds what one search may return to this client.
const maxSearchEntries = 10000

// searchReq describes one search.
type searchReq struct {
	base   string
	scope  int
	filter string // RFC 4515 text, already escaped
	limit  int    // size limit; 0: the server's
	secs   int    // time limit in seconds
	attrs  []string
}

// entry is one search result.
type entry struct {
	dn    string
	attrs []attribute
}

type attribute struct {
	name string
	vals []string
}

// values returns the values of the attribute called name (any case).
func (e *entry) values(name string) []string {
	for _, a := range e.attrs {
		if strings.EqualFold(a.name, name) {
			return a.vals
		}
	}
	return nil
}

// search runs req. A result other than success is a *resultError (the
// entries read so far are returned with it).
func (b *lconn) search(ctx context.Context, timeout time.Duration, req searchReq) ([]entry, error) {
	filter, err := ldap.CompileFilter(req.filter)
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", req.filter, err)
	}
	b.buf = appendSearchRequest(b.buf[:0], b.nextID(), req, filter.Bytes())
	var entries []entry
	err = b.session(ctx, timeout, func() (bool, error) {
		msg, err := b.readMessage()
		if err != nil {
			return false, err
		}
		id, op, tag, err := splitMessage(msg)
		if err != nil {
			return false, err
		}
		if id == 0 {
			_, diag, _ := parseResult(op)
			return false, fmt.Errorf("server closes the connection: %s", diag)
		}
		if id != b.id {
			return false, fmt.Errorf("%w: unexpected message %d", errProtocol, id)
		}
		switch tag {
		case 0x64: // SearchResultEntry
			if len(entries) >= maxSearchEntries {
				return false, fmt.Errorf("%w: more than %d entries", errProtocol, maxSearchEntries)
			}
			e, err := parseEntry(op)
			if err != nil {
				return false, err
			}
			entries = append(entries, e)
			return false, nil
		case 0x73: // SearchResultReference: not followed
			return false, nil
		case 0x65: // SearchResultDone
			code, diag, err := parseResult(op)
			if err != nil {
				return true, err
			}
			if code != resultSuccess {
				return true, &resultError{code: code, diag: diag}
			}
			return true, nil
		}
		return false, fmt.Errorf("%w: unexpected tag %#x", errProtocol, tag)
	})
	return entries, err
}

// appendSearchRequest appends a SearchRequest; filter is the BER of the
// compiled filter.
func appendSearchRequest(b []byte, id int32, req searchReq, filter []byte) []byte {
	attrsLen := 0
	for _, a := range req.attrs {
		attrsLen += tlvLen(len(a))
	}
	limit, secs := intBytes(int32(req.limit)), intBytes(int32(req.secs))
	body := tlvLen(len(req.base)) + 3 + 3 + tlvLen(len(limit)) + tlvLen(len(secs)) + 3 + len(filter) + tlvLen(attrsLen)
	return appendMessage(b, id, tlvLen(body), func(b []byte) []byte {
		b = append(b, 0x63)
		b = appendLength(b, body)
		b = append(b, 0x04)
		b = appendLength(b, len(req.base))
		b = append(b, req.base...)
		b = append(b, 0x0a, 0x01, byte(req.scope))
		b = append(b, 0x0a, 0x01, 0x00) // neverDerefAliases
		b = appendTLV(b, 0x02, limit)
		b = appendTLV(b, 0x02, secs)
		b = append(b, 0x01, 0x01, 0x00) // typesOnly FALSE
		b = append(b, filter...)
		b = append(b, 0x30)
		b = appendLength(b, attrsLen)
		for _, a := range req.attrs {
			b = append(b, 0x04)
			b = appendLength(b, len(a))
			b = append(b, a...)
		}
		return b
	})
}

// parseEntry reads a SearchResultEntry's name and attributes.
func parseEntry(op []byte) (entry, error) {
	tag, dn, rest, err := tlv(op)
	if err != nil || tag != 0x04 {
		return entry{}, errProtocol
	}
	e := entry{dn: string(dn)}
	tag, list, _, err := tlv(rest)
	if err != nil || tag != 0x30 {
		return entry{}, errProtocol
	}
	for len(list) > 0 {
		var one []byte
		if tag, one, list, err = tlv(list); err != nil || tag != 0x30 {
			return entry{}, errProtocol
		}
		tag, name, vals, err := tlv(one)
		if err != nil || tag != 0x04 {
			return entry{}, errProtocol
		}
		if tag, vals, _, err = tlv(vals); err != nil || tag != 0x31 {
			return entry{}, errProtocol
		}
		a := attribute{name: string(name)}
		for len(vals) > 0 {
			var v []byte
			if tag, v, vals, err = tlv(vals); err != nil || tag != 0x04 {
				return entry{}, errProtocol
			}
			a.vals = append(a.vals, string(v))
		}
		e.attrs = append(e.attrs, a)
	}
	return e, nil
}
