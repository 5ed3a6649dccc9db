package radiusd

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/radius2fa/radius2fa/config"
)

func TestMessagesRenderAndOverride(t *testing.T) {
	m := newMessages(config.Messages{Language: "en", WrongPassword: "Nope."}, "https://mfa.example.ac.jp/")
	if got := m.render(m.text.NotRegistered, msgArgs{}); got != "Not registered: register your authenticator app at https://mfa.example.ac.jp/" {
		t.Errorf("not_registered = %q", got)
	}
	if got := m.render(m.text.LockedOut, msgArgs{minutes: 14}); got != "Too many wrong codes: try again in 14 min" {
		t.Errorf("locked_out = %q", got)
	}
	if got := m.text.WrongPassword; got != "Nope." {
		t.Errorf("override ignored: %q", got)
	}
	ja := newMessages(config.Messages{Language: "ja"}, "")
	if got := ja.render(ja.text.NotRegistered, msgArgs{}); got != "ワンタイムパスワードのアプリが登録されていません。学内の登録ページ で登録してください。" {
		t.Errorf("ja not_registered = %q", got)
	}
}

// Every catalog text fits one Reply-Message attribute once rendered.
func TestCatalogFitsReplyMessage(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		m := newMessages(config.Messages{Language: lang}, "https://mfa.example.ac.jp/register")
		for _, text := range []string{m.text.NotRegistered, m.text.WrongPassword, m.text.WrongCode, m.text.CodeReused,
			m.text.CodeMissing, m.text.CodePrompt, m.text.ChallengeExpired, m.text.LockedOut, m.text.UnsupportedMethod, m.text.PasswordTooLong,
			m.text.AccessDenied, m.text.ServiceUnavailable} {
			out := m.render(text, msgArgs{minutes: 15, method: "MS-CHAPv2", digits: 6})
			if len(out) > 253 || !utf8.ValidString(out) || strings.Contains(out, "{") {
				t.Errorf("%s: %q (%d bytes)", lang, out, len(out))
			}
		}
	}
}

func TestSplitReplyMessageKeepsRunes(t *testing.T) {
	s := strings.Repeat("確認コード", 40) // 600 bytes, 3 bytes per rune
	parts := splitReplyMessage(s)
	if strings.Join(parts, "") != s {
		t.Fatal("parts do not join back")
	}
	for _, p := range parts {
		if len(p) > 253 || !utf8.ValidString(p) {
			t.Errorf("bad part: %d bytes, valid %v", len(p), utf8.ValidString(p))
		}
	}
}
