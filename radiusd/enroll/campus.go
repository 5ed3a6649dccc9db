package enroll

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
)

// campus decides who may open the page: the client address must be in
// allowed. X-Forwarded-For is read only when the peer is a trusted proxy.
type campus struct {
	allowed []netip.Prefix
	trusted []netip.Prefix
}

// client is who a request comes from, as the campus filter saw it.
type client struct {
	// addr is the client's address (unmapped).
	addr netip.Addr
	// https reports that the browser used TLS: this server's own, or a
	// trusted proxy's that said so in X-Forwarded-Proto.
	https bool
}

// clientKey is the context key of the request's client.
type clientKey struct{}

// clientOf returns the client the campus filter put in r's context.
func clientOf(r *http.Request) client {
	c, _ := r.Context().Value(clientKey{}).(client)
	return c
}

var errBadForwardedFor = errors.New("malformed X-Forwarded-For")

// clientAddr returns the address a request counts as coming from, and
// whether it came through a trusted proxy.
//
// The peer is the TCP peer, IPv4-mapped IPv6 unmapped. Unless the peer is
// a trusted proxy that is the answer. Otherwise the X-Forwarded-For
// entries (all headers, in order) are walked from the right, skipping
// trusted proxies; the first other address is the client. When every
// entry is a trusted proxy the left-most one counts, and without the
// header the peer itself. An entry that is neither an IP address nor
// IP:port makes the request malformed: a proxy we trust wrote something
// we cannot read, so nothing is guessed.
func (c campus) clientAddr(r *http.Request) (netip.Addr, bool, error) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false, err
	}
	peer := ap.Addr().Unmap()
	if !contains(c.trusted, peer) {
		return peer, false, nil
	}
	var entries []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		entries = append(entries, strings.Split(h, ",")...)
	}
	addr := peer
	for i := len(entries) - 1; i >= 0; i-- {
		a, err := parseForwarded(strings.TrimSpace(entries[i]))
		if err != nil {
			return netip.Addr{}, true, err
		}
		addr = a
		if !contains(c.trusted, a) {
			break
		}
	}
	return addr, true, nil
}

// parseForwarded reads one X-Forwarded-For entry: an IP address,
// optionally with a port ("192.0.2.1:1234", "[2001:db8::1]:1234").
func parseForwarded(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	return netip.Addr{}, errBadForwardedFor
}

// contains reports whether any prefix holds a.
func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// campusOnly answers 403 to clients outside enroll.allowed_cidrs and 400
// to a malformed X-Forwarded-For from a trusted proxy, before any session
// or cookie is looked at; others go on with their client in the context.
func (s *Server) campusOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, proxied, err := s.campus.clientAddr(r)
		if err != nil {
			s.log.Warn("enroll", "action", "request", "outcome", "bad_forwarded_for", "src", r.RemoteAddr)
			t := s.text(r)
			s.renderMessage(w, http.StatusBadRequest, page{T: t, Title: t.BadRequestTitle, Message: t.BadRequest, MessageID: "bad-request"})
			return
		}
		if !contains(s.campus.allowed, addr) {
			s.log.Info("enroll", "action", "request", "outcome", "off_campus", "src", addr.String(), "peer", r.RemoteAddr)
			t := s.text(r)
			s.renderMessage(w, http.StatusForbidden, page{T: t, Title: t.OffCampusTitle, Message: t.OffCampus, MessageID: "off-campus"})
			return
		}
		c := client{
			addr:  addr,
			https: r.TLS != nil || (proxied && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")),
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
	})
}
