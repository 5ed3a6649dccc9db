package config

import (
	"fmt"
	"net/netip"
)

func (ck *checker) radius(r *Radius) {
	if len(r.Listen) == 0 {
		ck.add("radius.listen", "missing (at least one host:port, e.g. 0.0.0.0:1812)")
	}
	for i, l := range r.Listen {
		ck.hostPort(fmt.Sprintf("radius.listen[%d]", i), l, "0.0.0.0:1812")
	}
	if r.AccountingListen != "" {
		ck.hostPort("radius.accounting_listen", r.AccountingListen, "0.0.0.0:1813")
	}
	ck.positive("radius.challenge_timeout", r.ChallengeTimeout)
	if len(r.Clients) == 0 {
		ck.add("radius.clients", "missing (declare at least one NAS client)")
	}
	names := map[string]int{}
	prefixes := map[netip.Prefix]int{}
	for i := range r.Clients {
		ck.client(i, &r.Clients[i], names, prefixes)
	}
}

// client checks radius.clients[i]; names and prefixes map what earlier
// clients declared to their index.
func (ck *checker) client(i int, cl *Client, names map[string]int, prefixes map[netip.Prefix]int) {
	key := fmt.Sprintf("radius.clients[%d]", i)
	if ck.required(key+".name", cl.Name, "") {
		if j, dup := names[cl.Name]; dup {
			ck.add(key+".name", "%q is already used by radius.clients[%d]", cl.Name, j)
		} else {
			names[cl.Name] = i
		}
	}
	switch p := cl.Address.Masked(); {
	case !p.IsValid():
		ck.add(key+".address", "missing (an IP or CIDR)")
	case p.Bits() == 0:
		ck.add(key+".address", "%q would accept requests from any address (list the NAS addresses or networks)", p)
	default:
		if j, dup := prefixes[p]; dup {
			ck.add(key+".address", "%q is already used by radius.clients[%d]", p, j)
		} else {
			prefixes[p] = i
		}
	}
	ck.required(key+".secret", cl.Secret, "set secret or secret_file")
	ck.oneOf(key+".mode", cl.Mode, ModeAppend, ModeChallenge, ModeAuto)
	ck.oneOf(key+".require_message_authenticator", cl.RequireMessageAuthenticator,
		RequireMAAuto, RequireMAYes, RequireMANo)
}
