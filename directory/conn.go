package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// errTimeout reports an operation the server did not answer in time.
var errTimeout = errors.New("no answer")

// pconn is a pooled connection.
type pconn struct {
	l      *ldap.Conn
	server int // index in servers.list
	// broken marks a connection that must not be reused: it was closed,
	// timed out or failed at the transport level.
	broken bool
}

// do runs op on the connection. go-ldap operations take no context, so when
// ctx ends or timeout passes first the connection is closed, which makes op
// return at once; the connection is then broken.
func (pc *pconn) do(ctx context.Context, timeout time.Duration, op func(*ldap.Conn) error) error {
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(opCtx, func() { pc.l.Close() })
	err := op(pc.l)
	if !stop() {
		pc.broken = true
		if err == nil {
			return nil // the answer arrived before the close
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("%w within %s", errTimeout, timeout)
	}
	if err != nil && (connError(err) || pc.l.IsClosing()) {
		pc.broken = true
	}
	return err
}

// usable reports whether the connection may be lent again.
func (pc *pconn) usable() bool { return !pc.broken && !pc.l.IsClosing() }

// serverIndex is the server the connection goes to.
func (pc *pconn) serverIndex() int { return pc.server }

// close closes the connection; go-ldap's Close is idempotent.
func (pc *pconn) close() {
	pc.broken = true
	pc.l.Close()
}

// connError reports a transport failure, as opposed to an LDAP result from
// a server that answered. go-ldap returns plain errors and result code
// ErrorNetwork for the first kind.
func connError(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return true
	}
	return le.ResultCode == ldap.ErrorNetwork
}

// timedOut reports an error from a server that did not answer in time,
// from do or from go-ldap's own request timeout.
func timedOut(err error) bool {
	return errors.Is(err, errTimeout) || (connError(err) && strings.Contains(err.Error(), "timed out"))
}
