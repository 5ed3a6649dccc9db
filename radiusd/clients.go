package radiusd

import (
	"cmp"
	"crypto/hmac"
	"crypto/md5"
	"net/netip"
	"slices"
	"sync"

	"github.com/radius2fa/radius2fa/config"
)

// client is one NAS as the server uses it.
type client struct {
	// macs holds HMAC-MD5 states keyed with secret, for the
	// Message-Authenticator of requests and responses.
	macs      sync.Pool
	name      string
	prefix    netip.Prefix
	secret    []byte
	mode      string
	requireMA string
	proxy     bool
}

// clientTable finds the client for a source address: the most specific
// prefix that contains it.
type clientTable struct {
	// byLen is sorted by prefix length, longest first.
	byLen []*client
}

func newClientTable(cfgs []config.Client) clientTable {
	t := clientTable{byLen: make([]*client, 0, len(cfgs))}
	for _, c := range cfgs {
		cl := &client{
			name:      c.Name,
			prefix:    c.Address.Masked(),
			secret:    []byte(c.Secret),
			mode:      c.Mode,
			requireMA: c.RequireMessageAuthenticator,
			proxy:     c.Proxy,
		}
		cl.macs.New = func() any { return hmac.New(md5.New, cl.secret) }
		t.byLen = append(t.byLen, cl)
	}
	slices.SortStableFunc(t.byLen, func(a, b *client) int {
		return cmp.Compare(b.prefix.Bits(), a.prefix.Bits())
	})
	return t
}

// lookup returns the client for addr, or nil. IPv4-mapped IPv6 addresses
// (a dual-stack socket's view of an IPv4 peer) are unmapped first.
func (t clientTable) lookup(addr netip.Addr) *client {
	addr = addr.Unmap()
	for _, c := range t.byLen {
		if c.prefix.Contains(addr) {
			return c
		}
	}
	return nil
}

// byName returns the client called name, or nil.
func (t clientTable) byName(name string) *client {
	for _, c := range t.byLen {
		if c.name == name {
			return c
		}
	}
	return nil
}
