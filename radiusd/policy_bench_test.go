package radiusd

import (
	"net/netip"
	"testing"

	"github.com/radius2fa/radius2fa/config"
)

// BenchmarkPolicyDecide measures the rule matching of one request against
// a campus-sized policy where the last rule matches (the worst case).
func BenchmarkPolicyDecide(b *testing.B) {
	p := newPolicy(config.Policy{
		Default: config.RequireTOTP,
		Rules: []config.Rule{
			{Name: "campus-wired", Clients: []string{"switch-a", "switch-b", "switch-c"}, Require: config.RequirePassword},
			{Name: "wifi", SSIDs: []string{"eduroam", "tutguest", "campus-iot"}, Require: config.RequireTOTP},
			{Name: "portal", NASIdentifiers: []string{"guest-portal"}, Require: config.RequireTOTP},
			{Name: "lab-nets", UserCIDRs: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("10.30.0.0/16")}, Require: config.RequirePassword},
			{Name: "staff-opt-in", UserCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
				Groups: []string{"cn=staff,ou=groups,dc=example,dc=ac,dc=jp", "cn=faculty,ou=groups,dc=example,dc=ac,dc=jp"}, Require: config.RequireTOTPIfEnrolled},
		},
	})
	s := &session{
		client:   "vpn-gw",
		nasID:    "vpn-gw-1",
		ssid:     "",
		userAddr: netip.MustParseAddr("10.1.2.3"),
		groups:   []string{"cn=students,ou=groups,dc=example,dc=ac,dc=jp", "cn=faculty,ou=groups,dc=example,dc=ac,dc=jp"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := p.decide(s); d.rule != "staff-opt-in" {
			b.Fatalf("rule %q", d.rule)
		}
	}
}
