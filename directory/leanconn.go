package directory

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"time"
)

// The pools' connections. A login's LDAP traffic is one search and one
// bind (one bind when the identity is cached), so it is spoken directly:
// the request written and the response read by the goroutine that asks,
// with the deadline on the socket. go-ldap runs two goroutines per
// connection and hands every message across channels, which cost about as
// much CPU as the operation itself. Only what a directory client for
// logins needs is encoded here (RFC 4511: BindRequest, SearchRequest,
// StartTLS and their responses); filters are compiled by go-ldap.

// Result codes of RFC 4511 §4.1.9 used here.
const (
	resultSuccess            = 0
	resultInvalidCredentials = 49
)

// maxMessage bounds one LDAPMessage read from the server: a user entry
// with thousands of memberOf values fits. A connection keeps a buffer of
// at most keptBuffer bytes between messages.
const (
	maxMessage = 1 << 20
	keptBuffer = 64 << 10
)

// startTLSOID names the StartTLS extended operation (RFC 4511 §4.14).
const startTLSOID = "1.3.6.1.4.1.1466.20037"

var errProtocol = errors.New("malformed LDAP response")

// ctxEnded returns why ctx ended, or nil. A socket deadline taken from
// ctx can pass a moment before ctx's own timer marks it done; that wait
// still ended because of ctx, so a passed deadline counts as ended.
func ctxEnded(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// errTimeout reports an operation the server did not answer in time.
var errTimeout = errors.New("no answer")

// timedOut reports an error from a server that did not answer in time.
func timedOut(err error) bool {
	return errors.Is(err, errTimeout)
}

// resultError is an LDAP result other than success from a server that
// answered.
type resultError struct {
	code int
	diag string
}

func (e *resultError) Error() string {
	if e.diag != "" {
		return fmt.Sprintf("LDAP result %d: %s", e.code, e.diag)
	}
	return fmt.Sprintf("LDAP result %d", e.code)
}

// lconn is a pooled connection: bind-only in the bind pool, bound as the
// service account in the search pool.
type lconn struct {
	conn   net.Conn
	r      *bufio.Reader
	server int    // index in servers.list
	id     int32  // last message ID sent
	buf    []byte // request and response buffer, reused
	broken bool
}

// usable reports whether the connection may be lent again.
func (b *lconn) usable() bool { return !b.broken }

// serverIndex is the server the connection goes to.
func (b *lconn) serverIndex() int { return b.server }

func (b *lconn) close() {
	b.broken = true
	b.conn.Close()
}

// bind binds as dn. A refused bind is a *resultError; a connection that
// failed or timed out is broken.
func (b *lconn) bind(ctx context.Context, timeout time.Duration, dn, password string) error {
	b.buf = appendBindRequest(b.buf[:0], b.nextID(), dn, password)
	return b.session(ctx, timeout, b.readResult(0x61))
}

// readResult returns a session step that reads one response with the
// given protocol tag and turns a result other than success into a
// *resultError.
func (b *lconn) readResult(tag byte) func() (bool, error) {
	return func() (bool, error) {
		msg, err := b.readMessage()
		if err != nil {
			return true, err
		}
		id, op, opTag, err := splitMessage(msg)
		if err != nil {
			return true, err
		}
		if id == 0 { // unsolicited notification: the server is hanging up
			_, diag, _ := parseResult(op)
			return true, fmt.Errorf("server closes the connection: %s", diag)
		}
		if id != b.id || opTag != tag {
			return true, fmt.Errorf("%w: unexpected message %d (tag %#x)", errProtocol, id, opTag)
		}
		code, diag, err := parseResult(op)
		if err == nil && code != resultSuccess {
			err = &resultError{code: code, diag: diag}
		}
		return true, err
	}
}

// session writes b.buf, then calls read until it reports done, within
// timeout and ctx's deadline. Any error but a *resultError (an answer from
// the server) breaks the connection.
func (b *lconn) session(ctx context.Context, timeout time.Duration, read func() (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	b.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { b.conn.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		if !stop() {
			// ctx ended: its callback has set, or is about to set, a
			// past deadline that would fail the connection's next user.
			b.broken = true
		}
	}()
	err := b.roundTrip(read)
	var answer *resultError
	if err == nil || errors.As(err, &answer) {
		return err
	}
	b.broken = true
	switch {
	case ctxEnded(ctx) != nil:
		return ctxEnded(ctx)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%w within %s", errTimeout, timeout)
	}
	return err
}

func (b *lconn) roundTrip(read func() (bool, error)) error {
	if _, err := b.conn.Write(b.buf); err != nil {
		return err
	}
	for {
		done, err := read()
		if err != nil || done {
			return err
		}
	}
}

// nextID returns the next message ID (1 to MaxInt32; 0 is reserved for
// unsolicited notifications).
func (b *lconn) nextID() int32 {
	if b.id == math.MaxInt32 {
		b.id = 0
	}
	b.id++
	return b.id
}

// readMessage reads one LDAPMessage into b.buf and returns its content.
func (b *lconn) readMessage() ([]byte, error) {
	tag, err := b.r.ReadByte()
	if err != nil {
		return nil, err
	}
	if tag != 0x30 {
		return nil, fmt.Errorf("%w: tag %#x", errProtocol, tag)
	}
	n, err := readLength(b.r)
	if err != nil {
		return nil, err
	}
	if n > maxMessage {
		return nil, fmt.Errorf("%w: %d-byte message", errProtocol, n)
	}
	buf := b.buf
	if cap(buf) < n {
		buf = make([]byte, n)
		if n <= keptBuffer {
			b.buf = buf
		}
	}
	buf = buf[:n]
	if _, err := io.ReadFull(b.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// dial opens a connection to the first server that answers.
func (s *servers) dial(ctx context.Context) (*lconn, error) {
	var errs []error
	for _, i := range s.candidates() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("dial ldap: %w", context.Cause(ctx))
		}
		b, err := s.dialOne(ctx, i)
		if err == nil {
			s.markUp(i)
			return b, nil
		}
		if err := ctxEnded(ctx); err != nil {
			return nil, fmt.Errorf("dial %s: %w", s.list[i].url, err)
		}
		s.markDown(i, err)
		errs = append(errs, fmt.Errorf("%s: %w", s.list[i].url, err))
	}
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

// dialOne connects to server i: ldaps:// is TLS from the start,
// ldap:// with start_tls upgrades with StartTLS; all within the timeout
// and ctx's deadline.
func (s *servers) dialOne(ctx context.Context, i int) (*lconn, error) {
	srv := s.list[i]
	u, err := url.Parse(srv.url)
	if err != nil {
		return nil, err
	}
	addr := u.Host
	if u.Port() == "" {
		port := "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	deadline := time.Now().Add(s.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	d := &net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	b := &lconn{conn: conn, server: i}
	fail := func(err error) (*lconn, error) {
		conn.Close()
		return nil, err
	}
	switch {
	case u.Scheme == "ldaps":
		if b.conn, err = handshake(ctx, conn, srv.tls, deadline); err != nil {
			return fail(err)
		}
	case s.startTLS:
		b.r = bufio.NewReaderSize(conn, 4096)
		b.buf = appendStartTLS(b.buf[:0], b.nextID())
		if err := b.session(ctx, time.Until(deadline), b.readResult(0x78)); err != nil {
			return fail(fmt.Errorf("starttls: %w", err))
		}
		if b.conn, err = handshake(ctx, conn, srv.tls, deadline); err != nil {
			return fail(fmt.Errorf("starttls: %w", err))
		}
	}
	b.r = bufio.NewReaderSize(b.conn, 4096)
	return b, nil
}

// handshake starts TLS on conn before deadline.
func handshake(ctx context.Context, conn net.Conn, cfg *tls.Config, deadline time.Time) (net.Conn, error) {
	hctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// BER encoding of the requests (RFC 4511 §5.1: definite lengths).

func appendLength(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xff:
		return append(b, 0x81, byte(n))
	case n <= 0xffff:
		return append(b, 0x82, byte(n>>8), byte(n))
	default:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
}

func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	}
	return 4
}

// intBytes returns a positive INTEGER's content octets.
func intBytes(v int32) []byte {
	var out [5]byte
	n := 0
	for i := 3; i >= 0; i-- {
		c := byte(v >> (8 * i))
		if n == 0 && c == 0 && i > 0 {
			continue
		}
		if n == 0 && c&0x80 != 0 {
			out[n] = 0
			n++
		}
		out[n] = c
		n++
	}
	return out[:n]
}

func appendTLV(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	b = appendLength(b, len(v))
	return append(b, v...)
}

func tlvLen(n int) int { return 1 + lengthLen(n) + n }

// appendMessage appends an LDAPMessage with the given ID around an
// operation of opLen bytes that write appends.
func appendMessage(b []byte, id int32, opLen int, write func([]byte) []byte) []byte {
	idb := intBytes(id)
	b = append(b, 0x30)
	b = appendLength(b, tlvLen(len(idb))+opLen)
	b = appendTLV(b, 0x02, idb)
	return write(b)
}

// appendBindRequest appends a simple BindRequest (version 3).
func appendBindRequest(b []byte, id int32, dn, password string) []byte {
	body := 3 + tlvLen(len(dn)) + tlvLen(len(password))
	return appendMessage(b, id, tlvLen(body), func(b []byte) []byte {
		b = append(b, 0x60)
		b = appendLength(b, body)
		b = append(b, 0x02, 0x01, 0x03)
		b = append(b, 0x04)
		b = appendLength(b, len(dn))
		b = append(b, dn...)
		b = append(b, 0x80)
		b = appendLength(b, len(password))
		return append(b, password...)
	})
}

// appendStartTLS appends the StartTLS ExtendedRequest.
func appendStartTLS(b []byte, id int32) []byte {
	body := tlvLen(len(startTLSOID))
	return appendMessage(b, id, tlvLen(body), func(b []byte) []byte {
		b = append(b, 0x77)
		b = appendLength(b, body)
		b = append(b, 0x80)
		b = appendLength(b, len(startTLSOID))
		return append(b, startTLSOID...)
	})
}

// BER decoding of the responses.

// readLength reads a definite length.
func readLength(r *bufio.Reader) (int, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if c < 0x80 {
		return int(c), nil
	}
	k := int(c & 0x7f)
	if k == 0 || k > 4 { // Active Directory writes every length in 4 octets
		return 0, fmt.Errorf("%w: length of %d octets", errProtocol, k)
	}
	n := 0
	for range k {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		n = n<<8 | int(c)
	}
	return n, nil
}

// tlv splits the first element off b.
func tlv(b []byte) (tag byte, value, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errProtocol
	}
	tag, n, i := b[0], int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, errProtocol
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n < 0 || n > len(b)-i {
		return 0, nil, nil, errProtocol
	}
	return tag, b[i : i+n], b[i+n:], nil
}

// splitMessage returns the message ID and the protocol operation of an
// LDAPMessage's content.
func splitMessage(msg []byte) (id int32, op []byte, opTag byte, err error) {
	tag, v, rest, err := tlv(msg)
	if err != nil || tag != 0x02 || len(v) == 0 || len(v) > 4 {
		return 0, nil, 0, errProtocol
	}
	for _, c := range v {
		id = id<<8 | int32(c)
	}
	opTag, op, _, err = tlv(rest)
	if err != nil {
		return 0, nil, 0, err
	}
	return id, op, opTag, nil
}

// parseResult reads the resultCode and diagnosticMessage of an LDAPResult.
func parseResult(op []byte) (code int, diag string, err error) {
	tag, v, rest, err := tlv(op)
	if err != nil || tag != 0x0a || len(v) == 0 || len(v) > 4 {
		return 0, "", errProtocol
	}
	for _, c := range v {
		code = code<<8 | int(c)
	}
	if _, _, rest, err = tlv(rest); err != nil { // matchedDN
		return 0, "", err
	}
	tag, v, _, err = tlv(rest)
	if err != nil || tag != 0x04 {
		return 0, "", errProtocol
	}
	return code, string(v), nil
}

// isResult reports whether err is the LDAP result code.
func isResult(err error, code int) bool {
	var r *resultError
	return errors.As(err, &r) && r.code == code
}
