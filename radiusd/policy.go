package radiusd

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/radius2fa/radius2fa/config"
)

// policy decides what a session needs: the first rule whose conditions all
// hold, else the default.
type policy struct {
	def   string
	rules []rule
}

type rule struct {
	name    string
	clients []string
	nasIDs  []string
	ssids   []string
	cidrs   []netip.Prefix
	groups  []string // normalised DNs
	require string
	reply   config.Reply
}

// session is what the policy can look at.
type session struct {
	client   string
	nasID    string
	ssid     string
	userAddr netip.Addr // invalid when the request carries none
	groups   []string   // normalised DNs
}

// decision is the policy's answer.
type decision struct {
	rule    string // "default" when no rule matched
	require string
	reply   config.Reply
}

func newPolicy(cfg config.Policy) policy {
	p := policy{def: cfg.Default, rules: make([]rule, 0, len(cfg.Rules))}
	for _, r := range cfg.Rules {
		groups := make([]string, len(r.Groups))
		for i, g := range r.Groups {
			groups[i] = normalizeDN(g)
		}
		cidrs := make([]netip.Prefix, len(r.UserCIDRs))
		for i, c := range r.UserCIDRs {
			cidrs[i] = c.Masked()
		}
		p.rules = append(p.rules, rule{
			name:    r.Name,
			clients: r.Clients,
			nasIDs:  r.NASIdentifiers,
			ssids:   r.SSIDs,
			cidrs:   cidrs,
			groups:  groups,
			require: r.Require,
			reply:   r.Reply,
		})
	}
	return p
}

func (p *policy) decide(s *session) decision {
	for i := range p.rules {
		if r := &p.rules[i]; r.matches(s) {
			return decision{rule: r.name, require: r.require, reply: r.reply}
		}
	}
	return decision{rule: "default", require: p.def}
}

// matches reports whether every condition r sets holds for s.
func (r *rule) matches(s *session) bool {
	if len(r.clients) > 0 && !slices.Contains(r.clients, s.client) {
		return false
	}
	if len(r.nasIDs) > 0 && !containsFold(r.nasIDs, s.nasID) {
		return false
	}
	if len(r.ssids) > 0 && !containsFold(r.ssids, s.ssid) {
		return false
	}
	if len(r.cidrs) > 0 && !prefixesContain(r.cidrs, s.userAddr) {
		return false
	}
	if len(r.groups) > 0 && !intersects(r.groups, s.groups) {
		return false
	}
	return true
}

func containsFold(list []string, v string) bool {
	if v == "" {
		return false
	}
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func prefixesContain(list []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// intersects reports whether a and b share an element; both are short.
func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// normalizeDN makes DNs that differ only in case or in spaces around ','
// and '=' compare equal: "CN=Staff, OU=Groups" → "cn=staff,ou=groups".
func normalizeDN(dn string) string {
	var b strings.Builder
	b.Grow(len(dn))
	parts := strings.Split(dn, ",")
	for i, rdn := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		k, v, ok := strings.Cut(rdn, "=")
		if !ok {
			b.WriteString(strings.ToLower(strings.TrimSpace(rdn)))
			continue
		}
		b.WriteString(strings.ToLower(strings.TrimSpace(k)))
		b.WriteByte('=')
		b.WriteString(strings.ToLower(strings.TrimSpace(v)))
	}
	return b.String()
}

// ssidFromCalledStationID extracts the SSID from a Called-Station-Id of
// the form "AA-BB-CC-DD-EE-FF:SSID" (RFC 3580 §3.20); colon-separated MACs
// ("aa:bb:cc:dd:ee:ff:SSID") are handled too. Without an SSID part it
// returns "".
func ssidFromCalledStationID(v string) string {
	hex := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isHex(c):
			hex++
			if hex > 12 {
				return ""
			}
		case c == '-' || c == '.' || (c == ':' && hex < 12):
		case c == ':' && hex == 12:
			return v[i+1:]
		default:
			return ""
		}
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
