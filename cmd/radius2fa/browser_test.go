package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"layeh.com/radius"
)

// The enrollment page in a real browser: Debian's headless Chromium,
// driven with chromedp, logs in, registers an app and confirms it, with a
// full-page screenshot of every page in English (desktop) and Japanese
// (phone). The QR code is read off the screenshot with zbarimg — what a
// phone camera sees, not the PNG the server sent — the code comes from
// oathtool, and the new registration then logs in over RADIUS. A second
// daemon, whose campus does not include 127.0.0.1, shows the browser its
// 403 page.
//
// The screenshots are for a person to look at: with
// RADIUS2FA_SCREENSHOTS=/work/main/testdata/screenshots they are written
// there (and kept in the repository), else to a temporary directory.

// browserTimeout bounds one browser session, so that a page that never
// shows what the test waits for fails the test instead of hanging it.
const browserTimeout = time.Minute

// Accept-Language headers of the simulated browsers.
const (
	acceptEnglish  = "en-US,en;q=0.9"
	acceptJapanese = "ja-JP,ja;q=0.9,en;q=0.8"
)

func TestBrowser(t *testing.T) {
	needTool(t, "zbarimg", "zbar-tools")
	needTool(t, "oathtool", "oathtool")
	b := newBrowser(t)
	t.Run("enrollment", func(t *testing.T) { testBrowserEnrollment(t, b) })
	t.Run("off-campus", func(t *testing.T) { testBrowserOffCampus(t, b) })
}

func testBrowserEnrollment(t *testing.T, b *browser) {
	h := newHarness(t, harnessOptions{enrollYAML: `  listen: "127.0.0.1:0"
  public_url: "http://127.0.0.1/"
  allowed_cidrs: [127.0.0.0/8]`})
	h.start()
	base := "http://" + h.d.enrollLn.Addr().String()

	// English on a desktop, the language the browser asks for.
	en := b.newTab(t, "en", desktop(), acceptEnglish)
	en.load(http.StatusOK, chromedp.Navigate(base+"/"))
	key := en.enroll("alice", "alice-pass")
	radiusLogin(t, h, "alice", "alice-pass", key)

	// Japanese on a phone whose browser asks for English: the language
	// link switches, and the choice holds through login and registration.
	ja := b.newTab(t, "ja", phone(), acceptEnglish)
	ja.load(http.StatusOK, chromedp.Navigate(base+"/"))
	if lang := ja.pageLang(); lang != "en" {
		t.Fatalf("login page for Accept-Language %q is in %q, want en", acceptEnglish, lang)
	}
	ja.load(http.StatusOK, chromedp.Click("#lang-ja"))
	key = ja.enroll("bob", "bob-pass")
	radiusLogin(t, h, "bob", "bob-pass", key)
}

func testBrowserOffCampus(t *testing.T, b *browser) {
	h := newHarness(t, harnessOptions{enrollYAML: `  listen: "127.0.0.1:0"
  public_url: "http://127.0.0.1/"
  allowed_cidrs: [10.0.0.0/8]`})
	h.start()
	base := "http://" + h.d.enrollLn.Addr().String()

	tb := b.newTab(t, "en", desktop(), acceptEnglish)
	tb.load(http.StatusForbidden, chromedp.Navigate(base+"/"))
	tb.expectPage("#off-campus")
	tb.expectNone("#login")
	tb.shoot("off-campus")

	// A Japanese phone: the browser asks for Japanese.
	tb.set("ja", phone(), acceptJapanese)
	tb.load(http.StatusForbidden, chromedp.Navigate(base+"/register"))
	tb.expectPage("#off-campus")
	tb.expectNone("#qr")
	tb.shoot("off-campus")

	// Every path is refused before anything else runs, the QR code too.
	resp, err := http.Get(base + "/register/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `id="off-campus"`) {
		t.Fatalf("GET /register/qr.png off campus: %d\n%s", resp.StatusCode, body)
	}
}

// enroll registers an app for user as a person does: log in, Register,
// scan the QR code, type the app's code, with a screenshot of each page.
// It returns the base32 key the QR code on the screen carries.
func (tb *tab) enroll(user, password string) string {
	t := tb.t
	t.Helper()
	tb.expectPage("#login")
	tb.shoot("1-login")

	tb.load(http.StatusOK,
		chromedp.SendKeys("#username", user),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#login"))
	tb.expectPage("#status")
	tb.expectText("#user", user)
	tb.expectNone(".state.ok")
	tb.shoot("2-status")

	tb.load(http.StatusOK, chromedp.Click("#register"))
	tb.expectPage("img#qr")
	if !tb.eval(`(() => { const i = document.querySelector("img#qr"); return i.complete && i.naturalWidth > 0 })()`) {
		t.Fatalf("%s: the QR code image did not load", tb.lang)
	}
	key := qrKey(t, tb.shoot("3-register"), user)
	shown := strings.ReplaceAll(tb.text("code#secret"), " ", "")
	if shown != key {
		t.Fatalf("%s: key shown for manual entry %q, QR code carries %q", tb.lang, shown, key)
	}

	tb.load(http.StatusOK,
		chromedp.SendKeys("#code", oathtoolCode(t, key)),
		chromedp.Click("#confirm"))
	tb.expectPage("#done")
	tb.shoot("4-done")
	return key
}

// radiusLogin logs user in over RADIUS with the code of the next time
// step (the current one was used to confirm the registration; skew 1
// accepts the next one).
func radiusLogin(t *testing.T, h *harness, user, password, key string) {
	t.Helper()
	code := oathtoolCodeAt(t, key, time.Now().Add(30*time.Second))
	h.mustCode(request{user: user, password: password + code}, radius.CodeAccessAccept, "")
}

// oathtoolCodeAt asks oathtool for the code of a base32 key at a time.
func oathtoolCodeAt(t *testing.T, key string, at time.Time) string {
	t.Helper()
	tool := needTool(t, "oathtool", "oathtool")
	out, err := exec.Command(tool, "--totp", "-b", "-N", "@"+strconv.FormatInt(at.Unix(), 10), key).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// qrKey decodes the one QR code in a screenshot with zbarimg and returns
// the base32 key of its otpauth:// URI, after checking the URI names the
// issuer and the account.
func qrKey(t *testing.T, png, user string) string {
	t.Helper()
	tool := needTool(t, "zbarimg", "zbar-tools")
	out, err := exec.Command(tool, "--raw", "-q", png).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in the screenshot %s: %v", png, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 1 {
		t.Fatalf("zbarimg found %d codes in %s, want 1:\n%s", len(lines), png, out)
	}
	u, err := url.Parse(lines[0])
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("QR code in %s is not an otpauth://totp URI: %q", png, lines[0])
	}
	q := u.Query()
	if want := "/Example University:" + user; u.Path != want || q.Get("issuer") != "Example University" {
		t.Fatalf("QR code URI %q: want label %q and issuer Example University", lines[0], want)
	}
	if q.Get("secret") == "" {
		t.Fatalf("QR code URI carries no secret")
	}
	return q.Get("secret")
}

// device is a browser viewport.
type device struct {
	width, height int64
	scale         float64
	mobile        bool
}

// phone is a phone held upright (an iPhone 14's CSS size).
func phone() device { return device{width: 390, height: 844, scale: 2, mobile: true} }

// desktop is a laptop's browser window.
func desktop() device { return device{width: 1280, height: 800, scale: 1} }

// emulate sets the tab's viewport to d.
func (d device) emulate() chromedp.Action[chromedp.Void] {
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(d.scale)}
	if d.mobile {
		opts = append(opts, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.EmulateViewport(d.width, d.height, opts...)
}

// browser is one headless Chromium, stopped when the test that started
// it ends.
type browser struct {
	ctx   context.Context
	shots string // where screenshots go
}

// newBrowser starts Debian's Chromium with a fresh profile and no
// background traffic (the network here is closed: Chromium would try to
// reach Google).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := needTool(t, "chromium", "chromium")
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
	)
	t.Cleanup(cancelAlloc) // waits for Chromium to exit, before its profile is removed
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return &browser{ctx: ctx, shots: screenshotDir(t)}
}

// screenshotDir is $RADIUS2FA_SCREENSHOTS, created if need be, else a
// temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RADIUS2FA_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is a browser session with its own cookies, as another person's
// browser would be.
type tab struct {
	t    *testing.T
	ctx  context.Context
	lang string // the language its pages must be in; prefix of its screenshots
	dir  string
}

// newTab opens a tab for test t in a new browser context (closed when t
// ends), with viewport d and an Accept-Language header.
func (b *browser) newTab(t *testing.T, lang string, d device, acceptLanguage string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancelTimeout)
	tb := &tab{t: t, ctx: ctx, dir: b.shots}
	tb.set(lang, d, acceptLanguage)
	return tb
}

// set makes the tab's next pages those of a browser with viewport d
// asking for acceptLanguage, expected in lang.
func (tb *tab) set(lang string, d device, acceptLanguage string) {
	tb.t.Helper()
	tb.lang = lang
	err := chromedp.Do(tb.ctx, d.emulate(), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": acceptLanguage},
		})
		return err
	}))
	if err != nil {
		tb.t.Fatalf("%s: setting the viewport and Accept-Language: %v", lang, err)
	}
}

// load runs actions that load a page (a navigation, a click on a link or
// a submit button) and fails unless the page's HTTP status is want.
func (tb *tab) load(want int, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		tb.t.Fatalf("%s: loading a page: %v", tb.lang, err)
	}
	if resp.Status != int64(want) {
		tb.t.Fatalf("%s: %s answered %d %s, want %d", tb.lang, resp.URL, resp.Status, resp.StatusText, want)
	}
}

// expectPage fails unless the page shows sel and is in the tab's
// language.
func (tb *tab) expectPage(sel string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.WaitVisible(sel)); err != nil {
		tb.t.Fatalf("%s: waiting for %s: %v", tb.lang, sel, err)
	}
	if lang := tb.pageLang(); lang != tb.lang {
		tb.t.Fatalf("page with %s is in %q, want %q", sel, lang, tb.lang)
	}
	h1 := tb.text("h1")
	if tb.lang == "ja" && !japanese.MatchString(h1) {
		tb.t.Fatalf("heading of the Japanese page with %s is %q", sel, h1)
	}
	if tb.lang == "en" && japanese.MatchString(h1) {
		tb.t.Fatalf("heading of the English page with %s is %q", sel, h1)
	}
}

// japanese matches a kana or kanji character.
var japanese = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}]`)

// expectNone fails when the page has an element matching sel.
func (tb *tab) expectNone(sel string) {
	tb.t.Helper()
	if tb.eval(`document.querySelector(` + strconv.Quote(sel) + `) !== null`) {
		tb.t.Fatalf("%s: page has %s", tb.lang, sel)
	}
}

// expectText fails unless the text of sel is want.
func (tb *tab) expectText(sel, want string) {
	tb.t.Helper()
	if got := tb.text(sel); got != want {
		tb.t.Fatalf("%s: %s shows %q, want %q", tb.lang, sel, got, want)
	}
}

// text is the visible text of the first element matching sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(sel))
	if err != nil {
		tb.t.Fatalf("%s: text of %s: %v", tb.lang, sel, err)
	}
	return strings.TrimSpace(s)
}

// pageLang is the lang attribute of the page's html element.
func (tb *tab) pageLang() string {
	tb.t.Helper()
	lang, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil {
		tb.t.Fatalf("%s: reading html@lang: %v", tb.lang, err)
	}
	return lang
}

// eval evaluates a boolean JavaScript expression in the page.
func (tb *tab) eval(expr string) bool {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.lang, expr, err)
	}
	return v
}

// shoot writes a full-page PNG screenshot named <lang>-<name>.png and
// returns its path.
func (tb *tab) shoot(name string) string {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		tb.t.Fatalf("%s: screenshot %s: %v", tb.lang, name, err)
	}
	path := filepath.Join(tb.dir, tb.lang+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.expectGlyphs(name)
	return path
}

// expectGlyphs fails when the Japanese text of the page is drawn with
// no other font than its Latin text: without a Japanese font (Debian:
// fonts-ipafont-gothic) Chromium draws boxes ("tofu") in the Latin font.
// The language link 日本語 is on every page; so is the heading of a
// Japanese one.
func (tb *tab) expectGlyphs(name string) {
	tb.t.Helper()
	latin := tb.fonts("#lang-en")
	sels := []string{"#lang-ja"}
	if tb.lang == "ja" {
		sels = append(sels, "h1")
	}
	for _, sel := range sels {
		fonts := tb.fonts(sel)
		other := false
		for f := range fonts {
			if _, ok := latin[f]; !ok {
				other = true
			}
		}
		tb.t.Logf("%s-%s: %s drawn with %v, Latin text with %v", tb.lang, name, sel, fonts, latin)
		if !other {
			tb.t.Fatalf("%s-%s: the Japanese text of %s is drawn only with the Latin font %v: boxes instead of characters? apt-get install -y fonts-ipafont-gothic", tb.lang, name, sel, fonts)
		}
	}
}

// fonts returns the families Chromium drew the text of sel with, and how
// many glyphs each.
func (tb *tab) fonts(sel string) map[string]int {
	tb.t.Helper()
	used, err := chromedp.Run(tb.ctx, chromedp.QueryAfter(sel,
		func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) ([]*css.PlatformFontUsage, error) {
			res, err := cdp.Call(ctx, t, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: nodes[0].NodeID})
			return res.Fonts, err
		}))
	if err != nil {
		tb.t.Fatalf("%s: fonts of %s: %v", tb.lang, sel, err)
	}
	m := make(map[string]int, len(used))
	for _, f := range used {
		m[f.FamilyName] += int(f.GlyphCount)
	}
	return m
}
