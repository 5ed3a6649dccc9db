package radiusd

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/radius2fa/radius2fa/config"
)

// The Reply-Message catalog. Texts are what a user sees in a VPN client or
// a captive portal, so they say what to do next. Placeholders: {url},
// {minutes}, {method}, {digits}.

func catalog(language string) config.Messages {
	if language == "ja" {
		return config.Messages{
			NotRegistered:      "ワンタイムパスワードのアプリが登録されていません。{url} で登録してください。",
			WrongPassword:      "ユーザー名またはパスワードが正しくありません。",
			WrongCode:          "確認コードが正しくありません。スマートフォンの時刻が自動で設定されているか確認してください。",
			CodeReused:         "この確認コードは使用済みです。次のコードが表示されてから入力してください。",
			CodeMissing:        "パスワードに続けて{digits}桁の確認コードを入力してください。",
			CodePrompt:         "認証アプリに表示されている{digits}桁の確認コード（またはリカバリーコード）を入力してください。",
			ChallengeExpired:   "確認コードの入力期限が切れました。もう一度ログインしてください。",
			LockedOut:          "確認コードの誤りが続いたためロックされています。{minutes}分後にもう一度お試しください。",
			UnsupportedMethod:  "{method}には対応していません。PAP（パスワード認証）を使用してください。",
			PasswordTooLong:    "パスワードと確認コードが長すぎます（合わせて128バイトまで）。",
			AccessDenied:       "このネットワークへの接続は許可されていません。",
			ServiceUnavailable: "認証サービスを一時的に利用できません。しばらくしてからもう一度お試しください。",
		}
	}
	return config.Messages{
		NotRegistered:      "Not registered: register your authenticator app at {url}",
		WrongPassword:      "Wrong user name or password",
		WrongCode:          "Wrong code: check that your phone sets its time automatically",
		CodeReused:         "This code was already used: wait for the next one",
		CodeMissing:        "Enter your password followed by the {digits}-digit code",
		CodePrompt:         "Enter the {digits}-digit code from your authenticator app (or a recovery code)",
		ChallengeExpired:   "The code prompt has expired: log in again",
		LockedOut:          "Too many wrong codes: try again in {minutes} min",
		UnsupportedMethod:  "{method} is not supported: use PAP",
		PasswordTooLong:    "Password and code are too long (at most 128 bytes)",
		AccessDenied:       "Access to this network is not allowed",
		ServiceUnavailable: "Authentication service unavailable: try again later",
	}
}

// defaultEnrollURL stands in for {url} when enroll.public_url is not set.
func defaultEnrollURL(language string) string {
	if language == "ja" {
		return "学内の登録ページ"
	}
	return "the campus registration page"
}

// messages is the catalog of one language with the config's overrides
// applied.
type messages struct {
	text config.Messages
	url  string
}

func newMessages(cfg config.Messages, publicURL string) messages {
	m := catalog(cfg.Language)
	override := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	override(&m.NotRegistered, cfg.NotRegistered)
	override(&m.WrongPassword, cfg.WrongPassword)
	override(&m.WrongCode, cfg.WrongCode)
	override(&m.CodeReused, cfg.CodeReused)
	override(&m.CodeMissing, cfg.CodeMissing)
	override(&m.CodePrompt, cfg.CodePrompt)
	override(&m.ChallengeExpired, cfg.ChallengeExpired)
	override(&m.LockedOut, cfg.LockedOut)
	override(&m.UnsupportedMethod, cfg.UnsupportedMethod)
	override(&m.PasswordTooLong, cfg.PasswordTooLong)
	override(&m.AccessDenied, cfg.AccessDenied)
	override(&m.ServiceUnavailable, cfg.ServiceUnavailable)
	if publicURL == "" {
		publicURL = defaultEnrollURL(cfg.Language)
	}
	return messages{text: m, url: publicURL}
}

// msgArgs fills placeholders.
type msgArgs struct {
	minutes int
	method  string
	digits  int
}

// render fills the placeholders of text.
func (m messages) render(text string, a msgArgs) string {
	if !strings.Contains(text, "{") {
		return text
	}
	digits := a.digits
	if digits == 0 {
		digits = 6
	}
	return strings.NewReplacer(
		"{url}", m.url,
		"{minutes}", strconv.Itoa(a.minutes),
		"{method}", a.method,
		"{digits}", strconv.Itoa(digits),
	).Replace(text)
}

// splitReplyMessage cuts s into pieces of at most 253 bytes (the longest
// attribute value) without splitting a UTF-8 sequence; a NAS shows
// consecutive Reply-Messages as one text (RFC 2865 §5.18).
func splitReplyMessage(s string) []string {
	const max = 253
	var parts []string
	for len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}
