package enroll

import "net/http"

// contentSecurityPolicy allows resources from this site only (it has a
// style sheet, the QR code and no scripts) and no framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. Cache-Control
// is no-store everywhere (pages show secrets, codes and account state);
// only the static style sheet overrides it.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
