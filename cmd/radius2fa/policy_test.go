package main

import (
	"net"
	"strings"
	"testing"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// What a campus declares: the wired network trusts the password, Wi-Fi
// SSIDs and the guest portal need the code, a blocked network gets
// nothing, the faculty need the code everywhere, and everyone else may opt
// in. Decisions are observed as a NAS sees them.
func TestPolicyRules(t *testing.T) {
	h := newHarness(t, harnessOptions{
		clock: newTestClock(fixedNow),
		clientYAML: `
    - name: vpn-gw
      address: 127.0.0.1
      secret: "` + testSecret + `"
      require_message_authenticator: "no"
    - name: switches
      address: 127.0.0.8
      secret: "` + testSecret + `"
      require_message_authenticator: "no"`,
		policyYAML: `  default: totp_if_enrolled
  rules:
    - name: campus-wired
      clients: [switches]
      require: password
    - name: wifi
      ssids: [eduroam, tutguest]
      require: totp
    - name: portal
      nas_identifiers: [guest-portal]
      require: totp
      reply: {class: "vpn-users", filter_id: "offcampus"}
    - name: blocked
      user_cidrs: [192.0.2.0/24]
      require: reject
    - name: faculty-vpn
      groups: ["CN=Faculty, OU=groups, DC=example, DC=ac, DC=jp"]
      require: totp`,
	})
	alice := h.enroll("alice")
	h.start()

	str := func(t radius.Type, v string) *radius.AVP { return &radius.AVP{Type: t, Attribute: radius.Attribute(v)} }
	ssid := func(s string) radius.Attributes {
		return radius.Attributes{str(rfc2865.CalledStationID_Type, "AA-BB-CC-DD-EE-FF:"+s)}
	}
	tests := []struct {
		name  string
		req   request
		code  radius.Code
		msg   string
		audit string
	}{
		{"wired: password only, even for faculty",
			request{user: "bob", password: "bob-pass", from: "127.0.0.8"},
			radius.CodeAccessAccept, "", "user=bob client=switches src=127.0.0.8:"},
		{"eduroam SSID needs the code (case-insensitive)",
			request{user: "carol", password: "carol-pass", attrs: ssid("EDUROAM")},
			radius.CodeAccessReject, msgNotRegistered, "user=carol client=vpn-gw"},
		{"a blocked user network, by Calling-Station-Id",
			request{user: "alice", password: "alice-pass" + h.code(alice, 0), attrs: radius.Attributes{str(rfc2865.CallingStationID_Type, "192.0.2.55")}},
			radius.CodeAccessReject, "Access to this network is not allowed", "rule=blocked outcome=reject reason=policy_reject"},
		{"a blocked user network, by Framed-IP-Address when Calling-Station-Id is a MAC",
			request{user: "carol", password: "carol-pass", attrs: radius.Attributes{
				str(rfc2865.CallingStationID_Type, "11-22-33-44-55-66"),
				{Type: rfc2865.FramedIPAddress_Type, Attribute: radius.Attribute(net.IPv4(192, 0, 2, 9).To4())}}},
			radius.CodeAccessReject, "Access to this network is not allowed", "user=carol client=vpn-gw"},
		{"faculty group needs the code",
			request{user: "bob", password: "bob-pass"},
			radius.CodeAccessReject, msgNotRegistered, "rule=faculty-vpn outcome=reject reason=not_enrolled"},
		{"opt-in: not enrolled passes with the password",
			request{user: "carol", password: "carol-pass"},
			radius.CodeAccessAccept, "", "rule=default outcome=accept reason=ok factor=password"},
		{"opt-in: enrolled must give the code",
			request{user: "alice", password: "alice-pass"},
			radius.CodeAccessReject, msgCodeMissing, "rule=default outcome=reject reason=code_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustCode(tt.req, tt.code, tt.msg)
			if !strings.Contains(h.logs.String(), tt.audit) {
				t.Errorf("audit log lacks %q", tt.audit)
			}
		})
	}

	t.Run("portal: the code, and the rule's reply attributes", func(t *testing.T) {
		resp := h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0),
			attrs: radius.Attributes{str(rfc2865.NASIdentifier_Type, "guest-portal")}}, radius.CodeAccessAccept, "")
		if c, f := rfc2865.Class_Get(resp.pkt), rfc2865.FilterID_GetString(resp.pkt); string(c) != "vpn-users" || f != "offcampus" {
			t.Fatalf("Class %q Filter-Id %q, want vpn-users offcampus", c, f)
		}
		if !strings.Contains(h.logs.String(), "user=alice client=vpn-gw src=127.0.0.1") || !strings.Contains(h.logs.String(), "rule=portal outcome=accept reason=ok factor=totp") {
			t.Error("audit log does not name the portal rule")
		}
	})
	t.Run("a reject carries no reply attributes", func(t *testing.T) {
		resp := h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0),
			attrs: radius.Attributes{str(rfc2865.NASIdentifier_Type, "guest-portal")}}, radius.CodeAccessReject, msgReused)
		if _, ok := resp.pkt.Lookup(rfc2865.Class_Type); ok {
			t.Fatal("Class on a reject")
		}
	})
}

func TestJapaneseMessages(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow), messagesYAML: "  language: ja\n  code_reused: \"このコードは使用済みです\""})
	alice := h.enroll("alice")
	h.start()
	h.mustCode(request{user: "alice", password: "nope"}, radius.CodeAccessReject, "パスワードに続けて6桁の確認コードを入力してください。")
	h.mustCode(request{user: "alice", password: "alice-pass" + wrongCode(h.code(alice, 0))}, radius.CodeAccessReject,
		"確認コードが正しくありません。スマートフォンの時刻が自動で設定されているか確認してください。")
	h.mustCode(request{user: "bob", password: "bob-pass"}, radius.CodeAccessReject,
		"ワンタイムパスワードのアプリが登録されていません。https://mfa.example.ac.jp/ で登録してください。")
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessAccept, "")
	// An override replaces the catalog text.
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessReject, "このコードは使用済みです")
}
