package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// ListUsers implements API.
func (l *Local) ListUsers(ctx context.Context, fn func(UserInfo) error) error {
	l.audit(ctx, "list", "")
	return l.opts.Store.List(ctx, func(st store.UserState) error {
		return fn(userInfo(st, l.opts.Now()))
	})
}

// ShowUser implements API.
func (l *Local) ShowUser(ctx context.Context, r UserRequest) (UserInfo, error) {
	user, how, err := l.resolve(ctx, r, false)
	if err != nil {
		return UserInfo{}, err
	}
	info, err := l.current(ctx, user, how)
	if err != nil {
		return UserInfo{}, err
	}
	l.audit(ctx, "show", user)
	return info, nil
}

// current reads what is stored about user, pending registration
// included; how says how the name was resolved.
func (l *Local) current(ctx context.Context, user, how string) (UserInfo, error) {
	now := l.opts.Now()
	st, err := l.opts.Store.Get(ctx, user)
	if err != nil {
		return UserInfo{}, fmt.Errorf("reading %s: %w", user, err)
	}
	info := userInfo(st, now)
	info.Directory = how
	p, ok, err := l.opts.Store.GetPending(ctx, user, now)
	if err != nil {
		return UserInfo{}, fmt.Errorf("reading %s: %w", user, err)
	}
	if ok {
		info.Pending = &PendingInfo{Started: p.CreatedAt, Expires: p.ExpiresAt}
	}
	return info, nil
}

// Enroll implements API.
func (l *Local) Enroll(ctx context.Context, r UserRequest) (Enrolled, error) {
	user, _, err := l.resolve(ctx, r, true)
	if err != nil {
		return Enrolled{}, err
	}
	secret, err := totp.NewSecret()
	if err != nil {
		return Enrolled{}, err
	}
	cfg := l.opts.Config().TOTP
	params := totp.Params{Digits: cfg.Digits, Period: cfg.Period, Algorithm: totp.SHA1}
	e := store.Enrollment{
		User:      user,
		Secret:    secret,
		Digits:    params.Digits,
		Period:    params.Period,
		Algorithm: string(params.Algorithm),
		CreatedAt: l.opts.Now(),
	}
	if _, err := l.opts.Store.Enroll(ctx, e); err != nil {
		return Enrolled{}, fmt.Errorf("enroll %s: %w", user, err)
	}
	l.audit(ctx, "enroll", user)
	return Enrolled{User: user, Secret: secret, URI: totp.URI(cfg.Issuer, user, secret, params)}, nil
}

// Reset implements API.
func (l *Local) Reset(ctx context.Context, r UserRequest) (UserInfo, error) {
	user, how, err := l.resolve(ctx, r, false)
	if err != nil {
		return UserInfo{}, err
	}
	before, err := l.current(ctx, user, how)
	if err != nil {
		return UserInfo{}, err
	}
	err = l.opts.Store.Delete(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return UserInfo{}, fail(ErrNotFound, "nothing to reset: %s has no registration, recovery codes or failures", user)
	}
	if err != nil {
		return UserInfo{}, fmt.Errorf("reset %s: %w", user, err)
	}
	l.audit(ctx, "reset", user)
	return before, nil
}

// Unlock implements API.
func (l *Local) Unlock(ctx context.Context, r UserRequest) (UserInfo, error) {
	user, how, err := l.resolve(ctx, r, false)
	if err != nil {
		return UserInfo{}, err
	}
	before, err := l.current(ctx, user, how)
	if err != nil {
		return UserInfo{}, err
	}
	if err := l.opts.Store.Unlock(ctx, user); err != nil {
		return UserInfo{}, fmt.Errorf("unlock %s: %w", user, err)
	}
	l.audit(ctx, "unlock", user)
	return before, nil
}

// RecoveryCodes implements API.
func (l *Local) RecoveryCodes(ctx context.Context, r UserRequest) (RecoveryCodes, error) {
	user, _, err := l.resolve(ctx, r, true)
	if err != nil {
		return RecoveryCodes{}, err
	}
	codes, err := totp.NewRecoveryCodes(RecoveryCodeCount)
	if err != nil {
		return RecoveryCodes{}, err
	}
	hashes := make([][]byte, len(codes))
	for i, code := range codes {
		if hashes[i], err = totp.HashRecoveryCode(code); err != nil {
			return RecoveryCodes{}, err
		}
	}
	// Read before the old codes are revoked: a failure after that would
	// lose the new ones.
	st, err := l.opts.Store.Get(ctx, user)
	if err != nil {
		return RecoveryCodes{}, fmt.Errorf("reading %s: %w", user, err)
	}
	if err := l.opts.Store.SetRecoveryCodes(ctx, user, hashes); err != nil {
		return RecoveryCodes{}, fmt.Errorf("recovery codes for %s: %w", user, err)
	}
	l.audit(ctx, "recovery-codes", user)
	return RecoveryCodes{User: user, Codes: codes, Registered: st.Enrollment != nil}, nil
}

// resolve returns the canonical id of r.User and how it was found. The
// directory's canonical id wins; when the directory does not know the
// user, mustExist refuses, else the name canonicalised is used (a user
// removed from LDAP can still be shown and reset).
func (l *Local) resolve(ctx context.Context, r UserRequest, mustExist bool) (string, string, error) {
	cfg := l.opts.Config()
	name := directory.Canonical(r.User, cfg.LDAP.StripRealm)
	if p := userProblem(name); p != "" {
		return "", "", fail(ErrInvalid, "%s", p)
	}
	if r.NoDirectory {
		return name, DirectoryNotConsulted, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*cfg.LDAP.Timeout)
	defer cancel()
	id, found, err := l.opts.Directory().Lookup(ctx, r.User)
	switch {
	case err != nil:
		return "", "", fail(ErrDirectory, "looking up %q in LDAP: %v (use --no-directory to go by the name as given)", r.User, err)
	case found:
		return id.ID, DirectoryFound, nil
	case mustExist:
		return "", "", fail(ErrUnknownUser, "user %q not found in LDAP under %s (use --no-directory to go by the name as given)", r.User, cfg.LDAP.BaseDN)
	}
	return name, DirectoryNotFound, nil
}
