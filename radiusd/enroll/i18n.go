package enroll

import (
	"net/http"
	"strconv"
	"strings"
)

// Page languages.
const (
	langEN = "en"
	langJA = "ja"
)

// supportedLanguage reports whether lang is one the page speaks.
func supportedLanguage(lang string) bool {
	return lang == langEN || lang == langJA
}

// text returns the catalog for r: the ?lang= query, else the lang cookie
// (set by the language links), else the browser's Accept-Language, else
// messages.language.
func (s *Server) text(r *http.Request) *text {
	if s.languageOf(r) == langJA {
		return s.texts.ja
	}
	return s.texts.en
}

// texts holds the catalog of each language, built once.
type texts struct {
	en, ja *text
}

func (s *Server) languageOf(r *http.Request) string {
	if q := r.URL.Query().Get("lang"); supportedLanguage(q) {
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && supportedLanguage(c.Value) {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"), s.language)
}

// languageCookie remembers a language chosen with ?lang=ja or ?lang=en in
// a cookie, so that the following pages keep it.
func (s *Server) languageCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("lang"); supportedLanguage(q) {
			c := s.cookie(r, langCookie, q)
			c.MaxAge = 365 * 24 * 60 * 60
			http.SetCookie(w, c)
		}
		next.ServeHTTP(w, r)
	})
}

// acceptLanguage picks ja or en from an Accept-Language header (RFC 9110
// §12.5.4): the supported language with the highest q-value, the earlier
// one on a tie; "ja-JP" counts as ja, "*" as def, q=0 as "not this one".
// With no usable entry it returns def.
func acceptLanguage(header, def string) string {
	best, bestQ := "", 0.0
	seen := map[string]bool{}
	for _, part := range strings.Split(header, ",") {
		tag, q, ok := parseLanguageRange(part)
		if !ok {
			continue
		}
		lang := tag
		if i := strings.IndexByte(tag, '-'); i >= 0 {
			lang = tag[:i]
		}
		if lang == "*" {
			lang = def
		}
		if !supportedLanguage(lang) || seen[lang] {
			continue
		}
		seen[lang] = true // the first range naming a language decides its q
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return def
	}
	return best
}

// parseLanguageRange splits "ja-JP;q=0.8" into the lower-cased tag and its
// q-value (1 when absent).
func parseLanguageRange(s string) (string, float64, bool) {
	fields := strings.Split(s, ";")
	tag := strings.ToLower(strings.TrimSpace(fields[0]))
	if tag == "" {
		return "", 0, false
	}
	q := 1.0
	for _, param := range fields[1:] {
		name, value, ok := strings.Cut(strings.TrimSpace(param), "=")
		if !ok || strings.TrimSpace(strings.ToLower(name)) != "q" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 {
			return "", 0, false
		}
		q = v
	}
	return tag, q, true
}
