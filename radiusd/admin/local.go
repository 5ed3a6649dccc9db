package admin

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
)

// Store is what Local needs of the store: the Store interface and an
// online backup (*store.Bolt has both).
type Store interface {
	store.Store
	Backup(w io.Writer) (int64, error)
}

var _ Store = (*store.Bolt)(nil)

// Directory finds a user's canonical id. *directory.Client is one.
type Directory interface {
	Lookup(ctx context.Context, user string) (directory.Identity, bool, error)
}

var _ Directory = (*directory.Client)(nil)

// LocalOptions are the collaborators of a Local.
type LocalOptions struct {
	// Store holds the users. Required.
	Store Store
	// Directory returns the directory to ask (the daemon's current one,
	// which a reload may replace). Required.
	Directory func() Directory
	// Config returns the configuration in use. Required.
	Config func() *config.Config
	// Reload reloads the daemon's configuration; nil means there is no
	// daemon, and Reload fails with ErrNoDaemon.
	Reload func(ctx context.Context) (ReloadResult, error)
	// Logger receives the audit lines; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Local does admin actions itself, on its store, directory and
// configuration. It is safe for concurrent use.
type Local struct {
	opts LocalOptions
	log  *slog.Logger
}

var _ API = (*Local)(nil)

// NewLocal returns a Local working with what o names.
func NewLocal(o LocalOptions) *Local {
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Local{opts: o, log: log}
}

// Reload implements API.
func (l *Local) Reload(ctx context.Context) (ReloadResult, error) {
	if l.opts.Reload == nil {
		return ReloadResult{}, fail(ErrNoDaemon, "no daemon is running: nothing to reload")
	}
	res, err := l.opts.Reload(ctx)
	l.audit(ctx, "reload", "", "ok", err == nil)
	return res, err
}

// Backup implements API.
func (l *Local) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Logged first: who took a copy matters even if it fails.
	l.audit(ctx, "backup", "")
	return l.opts.Store.Backup(w)
}

// audit writes the audit line of one action; user is "" for an action
// on no one user. args are more attributes; they never hold a secret, a
// code or a password.
func (l *Local) audit(ctx context.Context, action, user string, args ...any) {
	a, ok := ActorFrom(ctx)
	if !ok {
		a = Actor{Name: "unknown", UID: -1}
	}
	attrs := []any{"action", action}
	if user != "" {
		attrs = append(attrs, "user", user)
	}
	attrs = append(attrs, "os_user", a.Name, "uid", a.UID)
	attrs = append(attrs, args...)
	l.log.InfoContext(ctx, "admin action", attrs...)
}

// userInfo turns a stored state into what the helpdesk sees.
func userInfo(st store.UserState, now time.Time) UserInfo {
	info := UserInfo{
		User:          st.User,
		LastUsed:      st.LastUsed,
		Failures:      st.Failures,
		LockedUntil:   st.LockedUntil,
		Locked:        st.Locked(now),
		RecoveryCodes: st.RecoveryCodes,
	}
	if e := st.Enrollment; e != nil {
		info.Registered = true
		info.RegisteredAt = e.CreatedAt
		info.Digits = e.Digits
		info.PeriodSeconds = int(e.Period / time.Second)
		info.Algorithm = e.Algorithm
	}
	return info
}
