package enroll_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

func testJapanese(t *testing.T, ldap *directorytest.Server) {

	t.Run("by Accept-Language", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.header.Set("Accept-Language", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7")
		r := b.get("/")
		expect(t, r, http.StatusOK, `<html lang="ja">`, "ワンタイムパスワードアプリの登録", "ユーザー名", "パスワード",
			`<a id="lang-ja" href="?lang=ja"`, `<a id="lang-en" href="?lang=en"`, ">日本語</a>", ">English</a>")
		r = b.post("/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
		expect(t, r, http.StatusUnauthorized, "ユーザー名またはパスワードが正しくありません。")
		b.login("alice", "alice-pass")
		expect(t, b.last, http.StatusOK, "アプリは登録されていません。", "アプリを登録する")
		secret := b.startRegistration()
		expect(t, b.last, http.StatusOK, "QRコード", "キー")
		r = b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now().Add(-7*time.Minute))}})
		expect(t, r, http.StatusUnprocessableEntity, "確認コードが正しくありません。", "スマートフォンの時計が約7分遅れています。")
		r = b.post("/register/confirm", url.Values{"code": {code(secret, h.clock.Now())}})
		expect(t, r, http.StatusOK, `id="done"`, "登録が完了しました。")
	})

	t.Run("English preferred by q-value", func(t *testing.T) {
		h := newHarness(t, ldap, func(c *config.Config) { c.Messages.Language = "ja" })
		b := h.browser()
		b.header.Set("Accept-Language", "ja;q=0.3, en-GB;q=0.8")
		expect(t, b.get("/"), http.StatusOK, `<html lang="en">`, "Register one-time password app")
	})

	t.Run("default from messages.language", func(t *testing.T) {
		h := newHarness(t, ldap, func(c *config.Config) { c.Messages.Language = "ja" })
		b := h.browser()
		expect(t, b.get("/"), http.StatusOK, `<html lang="ja">`)
		b.header.Set("Accept-Language", "de-DE, fr;q=0.9")
		expect(t, b.get("/"), http.StatusOK, `<html lang="ja">`)
	})

	t.Run("switch with ?lang", func(t *testing.T) {
		h := newHarness(t, ldap)
		b := h.browser()
		b.header.Set("Accept-Language", "en")
		r := b.get("/?lang=ja")
		expect(t, r, http.StatusOK, `<html lang="ja">`, "ログイン")
		var set string
		for _, c := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "lang=ja") {
				set = c
			}
		}
		if !strings.Contains(set, "SameSite=Strict") || !strings.Contains(set, "Path=/") {
			t.Errorf("language cookie %q: want SameSite=Strict, Path=/", set)
		}
		// The choice sticks, whatever the browser asks for.
		expect(t, b.get("/"), http.StatusOK, `<html lang="ja">`)
		b.login("alice", "alice-pass")
		expect(t, b.last, http.StatusOK, `<html lang="ja">`, "ログアウト")
		expect(t, b.get("/?lang=en"), http.StatusOK, `<html lang="en">`, "Log out")
		expect(t, b.get("/"), http.StatusOK, `<html lang="en">`)
		// A language link on a page that answered a POST leads back to a page.
		b.get("/?lang=ja")
		r = b.get("/register/confirm?lang=ja")
		expect(t, r, http.StatusGone, `<html lang="ja">`, "登録の有効期限")
	})
}
