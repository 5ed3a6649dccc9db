package main

import (
	"net"
	"testing"
	"time"

	"layeh.com/radius"
)

// BenchmarkAuthentication measures one whole password+TOTP login through
// the daemon: UDP, parsing, LDAP search and bind against the real slapd,
// the code check and the durable replay-step commit. Each iteration moves
// the daemon's clock one period on, so every code is fresh.
func BenchmarkAuthentication(b *testing.B) {
	clock := newTestClock(fixedNow)
	h := newHarness(b, harnessOptions{clock: clock})
	secret := h.enroll("alice")
	h.start()
	conn, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, h.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clock.Advance(30 * time.Second)
		raw, pkt := h.encode(request{user: "alice", password: "alice-pass" + h.code(secret, 0)})
		if _, err := conn.Write(raw); err != nil {
			b.Fatal(err)
		}
		resp := h.receive(conn, raw, pkt, 5*time.Second)
		if resp == nil || resp.code != radius.CodeAccessAccept {
			b.Fatalf("got %+v, want Access-Accept", resp)
		}
	}
}
