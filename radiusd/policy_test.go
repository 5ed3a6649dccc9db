package radiusd

import (
	"net/netip"
	"testing"

	"github.com/radius2fa/radius2fa/config"
)

func TestSSIDFromCalledStationID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AA-BB-CC-DD-EE-FF:eduroam", "eduroam"},
		{"aa-bb-cc-dd-ee-ff:tutguest", "tutguest"},
		{"aa:bb:cc:dd:ee:ff:eduroam", "eduroam"},
		{"AABBCCDDEEFF:guest wifi", "guest wifi"},
		{"aabb.ccdd.eeff:eduroam", "eduroam"},
		{"AA-BB-CC-DD-EE-FF:ssid:with:colons", "ssid:with:colons"},
		{"AA-BB-CC-DD-EE-FF", ""},
		{"AA-BB-CC-DD-EE-FF:", ""},
		{"192.0.2.10", ""},
		{"eduroam", ""},
		{"", ""},
		{"AA-BB-CC-DD-EE-FF-00:x", ""},
	}
	for _, tt := range tests {
		if got := ssidFromCalledStationID(tt.in); got != tt.want {
			t.Errorf("ssidFromCalledStationID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeDN(t *testing.T) {
	a := normalizeDN("CN=Staff, OU=Groups ,dc=Example,DC=ac,dc=jp")
	b := normalizeDN("cn=staff,ou=groups,dc=example,dc=ac,dc=jp")
	if a != b {
		t.Fatalf("normalizeDN: %q != %q", a, b)
	}
}

func TestPolicyFirstMatchWins(t *testing.T) {
	p := newPolicy(config.Policy{
		Default: config.RequireTOTP,
		Rules: []config.Rule{
			{Name: "campus-wired", Clients: []string{"switches"}, Require: config.RequirePassword},
			{Name: "wifi", SSIDs: []string{"eduroam", "TUTguest"}, Require: config.RequireTOTP},
			{Name: "staff-on-campus", UserCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
				Groups: []string{"cn=staff,ou=groups,dc=example,dc=ac,dc=jp"}, Require: config.RequireTOTPIfEnrolled},
			{Name: "portal", NASIdentifiers: []string{"guest-portal"}, Require: config.RequireReject},
		},
	})
	staff := []string{normalizeDN("CN=staff,OU=groups,DC=example,DC=ac,DC=jp")}
	tests := []struct {
		name string
		s    session
		rule string
	}{
		{"client rule", session{client: "switches", ssid: "eduroam"}, "campus-wired"},
		{"ssid case-insensitive", session{client: "ap", ssid: "tutguest"}, "wifi"},
		{"all conditions must hold: group missing", session{client: "vpn", userAddr: netip.MustParseAddr("10.1.2.3")}, "default"},
		{"all conditions hold", session{client: "vpn", userAddr: netip.MustParseAddr("10.1.2.3"), groups: staff}, "staff-on-campus"},
		{"mapped address", session{client: "vpn", userAddr: netip.MustParseAddr("::ffff:10.1.2.3"), groups: staff}, "staff-on-campus"},
		{"address outside", session{client: "vpn", userAddr: netip.MustParseAddr("192.0.2.1"), groups: staff}, "default"},
		{"nas identifier", session{client: "x", nasID: "Guest-Portal"}, "portal"},
		{"nothing matches", session{client: "x"}, "default"},
	}
	for _, tt := range tests {
		if got := p.decide(&tt.s).rule; got != tt.rule {
			t.Errorf("%s: rule %q, want %q", tt.name, got, tt.rule)
		}
	}
}
