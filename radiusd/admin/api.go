package admin

import (
	"context"
	"io"
	"strconv"
	"time"
)

// API is everything the admin command line can ask for. Local does the
// work; Client asks a daemon that serves a Local. Both return the
// sentinel errors of this package (wrapped) and *config.Error for a
// reload of an invalid file.
type API interface {
	// ListUsers calls fn for every user with a registration, failures or
	// recovery codes, in byte order of the user id, and stops at the
	// first error fn returns.
	ListUsers(ctx context.Context, fn func(UserInfo) error) error
	// ShowUser returns what is known about one user, never the secret.
	ShowUser(ctx context.Context, r UserRequest) (UserInfo, error)
	// Enroll registers a new secret for a user who must exist in the
	// directory (unless r.NoDirectory), active at once and replacing any
	// earlier one.
	Enroll(ctx context.Context, r UserRequest) (Enrolled, error)
	// Reset removes everything stored about a user: registration,
	// recovery codes, failures, lockout, pending registration. It
	// returns the state before the reset.
	Reset(ctx context.Context, r UserRequest) (UserInfo, error)
	// Unlock clears a user's failures and lockout and returns the state
	// before.
	Unlock(ctx context.Context, r UserRequest) (UserInfo, error)
	// RecoveryCodes replaces a user's recovery codes with fresh ones.
	RecoveryCodes(ctx context.Context, r UserRequest) (RecoveryCodes, error)
	// Import reads enrollments from r (see ImportOptions) and stores them
	// all, or nothing when a line is bad and o.SkipBad is not set (then
	// the error matches ErrBadLines and the report lists every bad line).
	Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error)
	// Export writes every enrollment to w and returns how many.
	Export(ctx context.Context, w io.Writer, o ExportOptions) (int, error)
	// Backup writes a consistent copy of the database to w while the
	// store keeps serving, and returns its size.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	// Reload makes the daemon re-read its configuration file.
	Reload(ctx context.Context) (ReloadResult, error)
}

// UserRequest names the user of a per-user command.
type UserRequest struct {
	// User is the name as typed; it is canonicalised (see the package
	// comment).
	User string `json:"user"`
	// NoDirectory skips LDAP: the key is directory.Canonical(User).
	NoDirectory bool `json:"no_directory,omitempty"`
}

// How a user name was resolved, in UserInfo.Directory.
const (
	DirectoryFound        = "found"         // LDAP knows the user: its canonical id
	DirectoryNotFound     = "not_found"     // LDAP does not: the name canonicalised
	DirectoryNotConsulted = "not_consulted" // NoDirectory
)

// UserInfo is what the helpdesk sees about one user. It never holds the
// secret.
type UserInfo struct {
	// User is the canonical user id.
	User string `json:"user"`
	// Directory says how User was resolved (Directory* constants); empty
	// in listings, which do not ask LDAP.
	Directory string `json:"directory,omitempty"`
	// Registered tells whether an app is registered; RegisteredAt since
	// when, with the code parameters below.
	Registered    bool      `json:"registered"`
	RegisteredAt  time.Time `json:"registered_at,omitzero"`
	Digits        int       `json:"digits,omitempty"`
	PeriodSeconds int       `json:"period_seconds,omitempty"`
	Algorithm     string    `json:"algorithm,omitempty"`
	// LastUsed is when a code was last accepted (zero: never).
	LastUsed time.Time `json:"last_used,omitzero"`
	// Failures counts wrong codes since the last success or unlock.
	Failures int `json:"failures"`
	// LockedUntil is the end of the last lockout (zero: none); Locked
	// tells whether it was still running when the state was read.
	LockedUntil time.Time `json:"locked_until,omitzero"`
	Locked      bool      `json:"locked"`
	// RecoveryCodes is how many unused recovery codes are left.
	RecoveryCodes int `json:"recovery_codes"`
	// Pending is a self-service registration waiting for its first code;
	// nil when there is none (ShowUser only).
	Pending *PendingInfo `json:"pending,omitempty"`
}

// PendingInfo describes a registration started on the enrollment page
// and not yet confirmed with a code.
type PendingInfo struct {
	Started time.Time `json:"started"`
	Expires time.Time `json:"expires"`
}

// Enrolled is the result of Enroll: what the user types or scans into an
// authenticator app.
type Enrolled struct {
	User string `json:"user"`
	// Secret is the raw TOTP key. It is shown to the admin once and never
	// logged.
	Secret []byte `json:"secret"`
	// URI is the otpauth:// key URI for a QR code.
	URI string `json:"uri"`
}

// RecoveryCodes is the result of RecoveryCodes.
type RecoveryCodes struct {
	User  string   `json:"user"`
	Codes []string `json:"codes"`
	// Registered tells whether the user has an app registered; recovery
	// codes work only once one is.
	Registered bool `json:"registered"`
}

// Import formats.
const (
	FormatCSV = "csv"
	FormatURI = "uri"
)

// ImportOptions say how to read an import.
type ImportOptions struct {
	// Format is FormatCSV, FormatURI, or "" to tell from the first line.
	Format string `json:"format,omitempty"`
	// Columns names the CSV columns: user (or uid), secret (or
	// totp_secret_base32), digits, period, algorithm, created, and
	// password or - for a column to ignore. nil means the file's header
	// row if it has one, else user,secret,digits,period,algorithm,created
	// (a line may stop after the secret).
	Columns []string `json:"columns,omitempty"`
	// SkipBad imports the good lines even when some are bad.
	SkipBad bool `json:"skip_bad,omitempty"`
}

// ImportReport tells what an import did.
type ImportReport struct {
	// Imported is how many users were stored (0 when rejected).
	Imported int `json:"imported"`
	// Valid is how many lines were good.
	Valid int `json:"valid"`
	// Bad lists every bad line in file order.
	Bad []BadLine `json:"bad,omitempty"`
}

// BadLine is one line an import refused.
type BadLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// String renders the line as the report shows it: `line 7: secret "AB!!"
// is not base32`.
func (b BadLine) String() string {
	return "line " + strconv.Itoa(b.Line) + ": " + b.Reason
}

// ExportOptions say what to export.
type ExportOptions struct {
	// Format is FormatCSV (the default) or FormatURI.
	Format string `json:"format,omitempty"`
	// WithSecrets includes the secrets; without it the CSV secret column
	// is empty, and URIs cannot be written at all.
	WithSecrets bool `json:"with_secrets,omitempty"`
}

// ReloadResult tells what a successful reload did.
type ReloadResult struct {
	// Summary is the one-line description of the new configuration.
	Summary string `json:"summary"`
	// Restart lists the keys whose change takes effect only after a
	// restart.
	Restart []string `json:"restart,omitempty"`
}
