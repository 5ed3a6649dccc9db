package config

import (
	"net/netip"
	"time"
)

// Config is the whole configuration of radius2fa. Field tags are the YAML
// keys of DESIGN.md (contract); each key can also be set from the
// environment as RADIUS2FA_SECTION_KEY (RADIUS2FA_LDAP_BIND_DN, …).
type Config struct {
	Radius   Radius   `mapstructure:"radius"`
	LDAP     LDAP     `mapstructure:"ldap"`
	TOTP     TOTP     `mapstructure:"totp"`
	Policy   Policy   `mapstructure:"policy"`
	Lockout  Lockout  `mapstructure:"lockout"`
	Enroll   Enroll   `mapstructure:"enroll"`
	Store    Store    `mapstructure:"store"`
	Admin    Admin    `mapstructure:"admin"`
	Messages Messages `mapstructure:"messages"`
	Log      Log      `mapstructure:"log"`

	// Path is the file the configuration was loaded from.
	Path string `mapstructure:"-"`
	// Warnings are problems that do not stop the daemon, such as a secret
	// file that other users can read. The caller logs them.
	Warnings []string `mapstructure:"-"`
}

// Radius configures the RADIUS listeners and the NAS clients.
type Radius struct {
	// Listen holds the UDP addresses for authentication (host:port).
	Listen []string `mapstructure:"listen"`
	// AccountingListen is an optional UDP address answering
	// Accounting-Request with Accounting-Response.
	AccountingListen string `mapstructure:"accounting_listen"`
	// ChallengeTimeout is how long an Access-Challenge State stays valid.
	ChallengeTimeout time.Duration `mapstructure:"challenge_timeout"`
	Clients          []Client      `mapstructure:"clients"`
}

// Client modes.
const (
	ModeAppend    = "append"
	ModeChallenge = "challenge"
	ModeAuto      = "auto"
)

// Message-Authenticator requirements.
const (
	RequireMAAuto = "auto"
	RequireMAYes  = "yes"
	RequireMANo   = "no"
)

// Client is one NAS allowed to send requests.
type Client struct {
	Name string `mapstructure:"name"`
	// Address is the client's IP address (a host prefix) or network.
	Address netip.Prefix `mapstructure:"address"`
	// Secret is the shared secret; after Load it also holds the content
	// of SecretFile when that is used instead.
	Secret     string `mapstructure:"secret"`
	SecretFile string `mapstructure:"secret_file"`
	// Mode is append, challenge or auto.
	Mode string `mapstructure:"mode"`
	// RequireMessageAuthenticator is auto, yes or no.
	RequireMessageAuthenticator string `mapstructure:"require_message_authenticator"`
	// Proxy allows Proxy-State without a Message-Authenticator.
	Proxy bool `mapstructure:"proxy"`
}

// LDAP configures the directory that checks passwords.
type LDAP struct {
	URLs     []string `mapstructure:"urls"`
	StartTLS bool     `mapstructure:"start_tls"`
	CAFile   string   `mapstructure:"ca_file"`
	BindDN   string   `mapstructure:"bind_dn"`
	// BindPassword is the service account's password; after Load it also
	// holds the content of BindPasswordFile when that is used instead.
	BindPassword     string `mapstructure:"bind_password"`
	BindPasswordFile string `mapstructure:"bind_password_file"`
	BaseDN           string `mapstructure:"base_dn"`
	// UserFilter must contain {user}, replaced by the escaped user name.
	UserFilter      string `mapstructure:"user_filter"`
	StripRealm      bool   `mapstructure:"strip_realm"`
	UserIDAttribute string `mapstructure:"user_id_attribute"`
	GroupAttribute  string `mapstructure:"group_attribute"`
	// GroupBaseDN, when set, makes groups a search under it with
	// GroupFilter ({dn} is the user's escaped DN) instead of GroupAttribute.
	GroupBaseDN string        `mapstructure:"group_base_dn"`
	GroupFilter string        `mapstructure:"group_filter"`
	Timeout     time.Duration `mapstructure:"timeout"`
	PoolSize    int           `mapstructure:"pool_size"`
	// CacheTTL is how long a user found by a search is remembered (DN and
	// groups, never the password); 0 searches on every login.
	CacheTTL time.Duration `mapstructure:"cache_ttl"`
}

// TOTP configures codes for new enrollments and verification.
type TOTP struct {
	Issuer string        `mapstructure:"issuer"`
	Digits int           `mapstructure:"digits"`
	Period time.Duration `mapstructure:"period"`
	// Skew is how many time steps before and after now are accepted.
	Skew int `mapstructure:"skew"`
}

// Policy requirements.
const (
	RequirePassword       = "password"
	RequireTOTP           = "totp"
	RequireTOTPIfEnrolled = "totp_if_enrolled"
	RequireReject         = "reject"
)

// Policy decides what a session needs; the first matching rule wins.
type Policy struct {
	Default string `mapstructure:"default"`
	Rules   []Rule `mapstructure:"rules"`
}

// Rule matches when every condition it sets holds.
type Rule struct {
	Name           string         `mapstructure:"name"`
	Clients        []string       `mapstructure:"clients"`
	NASIdentifiers []string       `mapstructure:"nas_identifiers"`
	SSIDs          []string       `mapstructure:"ssids"`
	UserCIDRs      []netip.Prefix `mapstructure:"user_cidrs"`
	Groups         []string       `mapstructure:"groups"`
	Require        string         `mapstructure:"require"`
	Reply          Reply          `mapstructure:"reply"`
}

// Reply lists attributes added to an Access-Accept.
type Reply struct {
	Class    string `mapstructure:"class"`
	FilterID string `mapstructure:"filter_id"`
}

// Lockout configures how many wrong codes lock a user out, and for how long.
type Lockout struct {
	MaxFailures int           `mapstructure:"max_failures"`
	Duration    time.Duration `mapstructure:"duration"`
}

// Enroll configures the self-service enrollment web page.
type Enroll struct {
	Listen         string         `mapstructure:"listen"`
	PublicURL      string         `mapstructure:"public_url"`
	AllowedCIDRs   []netip.Prefix `mapstructure:"allowed_cidrs"`
	TrustedProxies []netip.Prefix `mapstructure:"trusted_proxies"`
	TLSCertFile    string         `mapstructure:"tls_cert_file"`
	TLSKeyFile     string         `mapstructure:"tls_key_file"`
}

// Store configures the enrollment database.
type Store struct {
	Path              string `mapstructure:"path"`
	EncryptionKeyFile string `mapstructure:"encryption_key_file"`
	// Lease lets a login be answered once its time step is written to the
	// store's journal, under a promise made durable about this far ahead
	// (store.Options.Lease); 0 makes every login wait for its fdatasync.
	Lease time.Duration `mapstructure:"lease"`
}

// Admin configures the local admin API and metrics.
type Admin struct {
	Socket        string `mapstructure:"socket"`
	MetricsListen string `mapstructure:"metrics_listen"`
}

// Messages selects the language of the texts users see and overrides
// single messages. An empty override keeps the catalog text.
// Placeholders: {url} (enroll.public_url), {minutes}, {method}, {digits}.
type Messages struct {
	Language           string `mapstructure:"language"`
	NotRegistered      string `mapstructure:"not_registered"`
	WrongPassword      string `mapstructure:"wrong_password"`
	WrongCode          string `mapstructure:"wrong_code"`
	CodeReused         string `mapstructure:"code_reused"`
	CodeMissing        string `mapstructure:"code_missing"`
	CodePrompt         string `mapstructure:"code_prompt"`
	ChallengeExpired   string `mapstructure:"challenge_expired"`
	LockedOut          string `mapstructure:"locked_out"`
	UnsupportedMethod  string `mapstructure:"unsupported_method"`
	PasswordTooLong    string `mapstructure:"password_too_long"`
	AccessDenied       string `mapstructure:"access_denied"`
	ServiceUnavailable string `mapstructure:"service_unavailable"`
}

// Log configures the daemon's log output.
type Log struct {
	Format string `mapstructure:"format"`
	Level  string `mapstructure:"level"`
}
