package enroll

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// ErrInvalidOptions is returned (wrapped) by New when the options or the
// configuration cannot serve the page.
var ErrInvalidOptions = errors.New("enroll: invalid options")

// Directory checks a user's LDAP password. It has the three outcomes of
// directory.Client.Authenticate: valid, invalid (wrong password, unknown
// user) and error (the directory cannot answer).
type Directory interface {
	Authenticate(ctx context.Context, user, password string) (directory.Identity, bool, error)
}

// Store is the part of store.Store the page uses; see store.Store for
// what each method does.
type Store interface {
	Get(ctx context.Context, user string) (store.UserState, error)
	AcceptStep(ctx context.Context, user string, enrollmentID uint64, step uint64, now time.Time) error
	RecordFailure(ctx context.Context, user string, now time.Time, l store.Lockout) (store.UserState, error)
	Delete(ctx context.Context, user string) error
	SetRecoveryCodes(ctx context.Context, user string, hashes [][]byte) error
	UseRecoveryCode(ctx context.Context, user string, now time.Time, match func(hash []byte) bool) (int, error)
	SetPending(ctx context.Context, p store.Pending) error
	GetPending(ctx context.Context, user string, now time.Time) (store.Pending, bool, error)
	ConfirmPending(ctx context.Context, user string, pendingCreatedAt time.Time, step uint64, now time.Time) (store.Enrollment, error)
}

var (
	_ Directory = (*directory.Client)(nil)
	_ Store     = (store.Store)(nil)
)

// Options are what New needs.
type Options struct {
	// Config supplies enroll.*, totp.*, lockout.* and messages.language
	// (the page language when the browser asks for neither ja nor en).
	Config *config.Config
	// Directory checks passwords and returns the canonical user id.
	Directory Directory
	// Store keeps enrollments; it is keyed by the canonical user id.
	Store Store
	// Logger receives the audit lines; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Lifetimes and limits of the page.
const (
	// pendingLifetime is how long a shown secret can be confirmed.
	pendingLifetime = 10 * time.Minute
	// sessionIdle and sessionAbsolute end a session after inactivity and
	// after login, whichever comes first.
	sessionIdle     = 15 * time.Minute
	sessionAbsolute = time.Hour
	// maxSessions bounds the session table; the least recently used
	// session is dropped beyond it.
	maxSessions = 10000
	// Failed logins allowed per loginWindow, per user and per address.
	loginWindow       = 15 * time.Minute
	maxFailuresUser   = 5
	maxFailuresAddr   = 20
	maxLimiterEntries = 10000
	// recoveryCodeCount is how many recovery codes one request makes.
	recoveryCodeCount = 10
	// qrModuleSize is the QR code's pixels per module: about 350 px for a
	// typical otpauth URI, comfortable to scan from a screen.
	qrModuleSize = 5
	// offsetSearchSteps bounds the clock-offset hint: a day of 30 s steps.
	offsetSearchSteps = totp.MaxOffsetSteps
)

// Server is the enrollment web site. It is safe for concurrent use.
type Server struct {
	dir        Directory
	store      Store
	log        *slog.Logger
	now        func() time.Time
	campus     campus
	totp       config.TOTP
	lockout    store.Lockout
	language   string
	stripRealm bool
	texts      texts
	tlsCert    *tls.Certificate
	sessions   *sessions
	users      *limiter // failed logins per user
	addrs      *limiter // failed logins per address
	templates  map[string]*template.Template
}

// New checks opts and returns a Server. It loads the TLS certificate when
// enroll.tls_cert_file and enroll.tls_key_file are set, and warns when the
// page will be served over plain HTTP.
func New(opts Options) (*Server, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	cfg := opts.Config
	s := &Server{
		dir:        opts.Directory,
		store:      opts.Store,
		log:        opts.Logger,
		now:        opts.Now,
		campus:     campus{allowed: slices.Clone(cfg.Enroll.AllowedCIDRs), trusted: slices.Clone(cfg.Enroll.TrustedProxies)},
		totp:       cfg.TOTP,
		lockout:    store.Lockout{MaxFailures: cfg.Lockout.MaxFailures, Duration: cfg.Lockout.Duration},
		language:   cfg.Messages.Language,
		stripRealm: cfg.LDAP.StripRealm,
		texts:      texts{en: catalog(langEN), ja: catalog(langJA)},
		sessions:   newSessions(maxSessions, sessionIdle, sessionAbsolute),
		users:      newLimiter(maxFailuresUser, loginWindow, maxLimiterEntries),
		addrs:      newLimiter(maxFailuresAddr, loginWindow, maxLimiterEntries),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.language != langJA {
		s.language = langEN
	}
	var err error
	if s.templates, err = parseTemplates(); err != nil {
		return nil, err
	}
	if cfg.Enroll.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Enroll.TLSCertFile, cfg.Enroll.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: enroll.tls_cert_file, enroll.tls_key_file: %w", ErrInvalidOptions, err)
		}
		s.tlsCert = &cert
	} else {
		s.log.Warn("enrollment page served over plain HTTP: only acceptable on loopback or behind a TLS-terminating proxy in enroll.trusted_proxies",
			"listen", cfg.Enroll.Listen)
	}
	return s, nil
}

// checkOptions reports every problem of opts at once, wrapping
// ErrInvalidOptions.
func checkOptions(opts Options) error {
	if opts.Config == nil {
		return fmt.Errorf("%w: no Config", ErrInvalidOptions)
	}
	cfg := opts.Config
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, a...)...))
	}
	if opts.Directory == nil {
		add("no Directory")
	}
	if opts.Store == nil {
		add("no Store")
	}
	if len(cfg.Enroll.AllowedCIDRs) == 0 {
		add("enroll.allowed_cidrs: missing (the on-campus networks that may open the page)")
	}
	checkPrefixes := func(key string, ps []netip.Prefix) {
		for i, p := range ps {
			if !p.IsValid() {
				add("%s[%d]: not an IP or CIDR", key, i)
			}
		}
	}
	checkPrefixes("enroll.allowed_cidrs", cfg.Enroll.AllowedCIDRs)
	checkPrefixes("enroll.trusted_proxies", cfg.Enroll.TrustedProxies)
	if (cfg.Enroll.TLSCertFile == "") != (cfg.Enroll.TLSKeyFile == "") {
		add("enroll.tls_cert_file and enroll.tls_key_file: set both or neither")
	}
	if err := newParams(cfg.TOTP).Validate(); err != nil {
		add("totp: %v", err)
	}
	if cfg.TOTP.Issuer == "" {
		add("totp.issuer: missing")
	}
	if cfg.Lockout.MaxFailures <= 0 || cfg.Lockout.Duration <= 0 {
		add("lockout.max_failures and lockout.duration: must be positive")
	}
	return errors.Join(errs...)
}

// newParams are the code parameters of new enrollments.
func newParams(c config.TOTP) totp.Params {
	return totp.Params{Digits: c.Digits, Period: c.Period, Algorithm: totp.SHA1}
}

// Handler returns the whole site: security headers, then the campus
// filter, before anything else runs.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("POST /register", s.handleRegister)
	mux.HandleFunc("GET /register", s.handleRegisterPage)
	mux.HandleFunc("GET /register/qr.png", s.handleQR)
	mux.HandleFunc("POST /register/confirm", s.handleConfirm)
	mux.HandleFunc("POST /recovery", s.handleRecovery)
	mux.HandleFunc("POST /unregister", s.handleUnregister)
	// A language link clicked on a page that answered a POST lands here.
	for _, p := range []string{"/login", "/logout", "/register/confirm", "/recovery", "/unregister"} {
		mux.Handle("GET "+p, http.RedirectHandler(backTo(p), http.StatusSeeOther))
	}
	mux.HandleFunc("/", s.handleNotFound)
	// The style sheet holds nothing secret and is served to everyone, so
	// that the off-campus page is styled too; everything else is behind
	// the campus filter.
	outer := http.NewServeMux()
	outer.Handle("GET /static/", staticHandler())
	outer.Handle("/", s.campusOnly(s.languageCookie(mux)))
	return securityHeaders(outer)
}

// backTo is the page a GET of a POST-only path goes to.
func backTo(path string) string {
	if path == "/register/confirm" {
		return "/register"
	}
	return "/"
}
