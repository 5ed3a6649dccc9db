package main

import (
	"strings"
	"testing"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// serve --debug shows what a NAS sends and what it gets back, attribute by
// attribute, without the password.
func TestDebugDumpsPackets(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow), debug: true})
	alice := h.enroll("alice")
	h.start()
	code := h.code(alice, 0)
	h.mustCode(request{user: "alice", password: "alice-pass" + code, attrs: radius.Attributes{
		{Type: rfc2865.NASIdentifier_Type, Attribute: radius.Attribute("vpn-gw-1")},
		{Type: rfc2865.CalledStationID_Type, Attribute: radius.Attribute("AA-BB-CC-DD-EE-FF:eduroam")},
	}}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "alice", password: "alice-pass" + code}, radius.CodeAccessReject, msgReused)

	logs := h.logs.String()
	for _, want := range []string{
		`msg="received Access-Request" client=vpn-gw peer=127.0.0.1:`,
		`attrs="User-Name = \"alice\", User-Password = <hidden, 16 bytes>, NAS-Identifier = \"vpn-gw-1\", Called-Station-Id = \"AA-BB-CC-DD-EE-FF:eduroam\""`,
		`msg="sent Access-Accept" client=vpn-gw`,
		`msg="sent Access-Reject" client=vpn-gw`,
		`Reply-Message = \"This code was already used: wait for the next one\"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug log lacks %s", want)
		}
	}
	if strings.Contains(logs, "alice-pass") || strings.Contains(logs, code) {
		t.Error("the debug log shows the password or the code")
	}
}
