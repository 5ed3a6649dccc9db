package directory

import (
	"context"
	"fmt"
)

// withRetry runs op on a connection from p; op reports whether the
// connection broke. When it broke at the transport level (a stale idle
// connection, a server restart) op runs once more on a freshly dialed
// connection, possibly to the next server; an LDAP result such as invalid
// credentials is never retried. A server that did not answer in time is
// put in back-off and the retry happens only if another server is up, so a
// hung server costs one timeout, not two.
func withRetry[C poolConn](c *Client, ctx context.Context, p *pool[C], op func(C) (broken bool, err error)) error {
	for attempt := 0; ; attempt++ {
		pc, err := p.get(ctx, attempt > 0)
		if err != nil {
			return err
		}
		broken, err := op(pc)
		p.put(pc)
		switch {
		case err == nil:
			return nil
		case ctxEnded(ctx) != nil:
			return ctxEnded(ctx)
		case !broken:
			return err // the server answered
		}
		url := c.servers.list[pc.serverIndex()].url
		err = fmt.Errorf("%w: %s: %w", ErrUnavailable, url, err)
		if timedOut(err) {
			c.servers.markDown(pc.serverIndex(), err)
			if !c.servers.othersUp(pc.serverIndex()) {
				return err
			}
		}
		if attempt > 0 {
			return err
		}
		c.log.Debug("ldap: connection failed, retrying on a new one", "pool", p.name, "url", url, "err", err)
	}
}
