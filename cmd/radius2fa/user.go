package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	path := configFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noPositional(pos); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	fmt.Fprintln(stdout, cfg.Summary())
	return nil
}

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: user needs a subcommand", errUsage)
	}
	switch args[0] {
	case "enroll":
		return cmdUserEnroll(ctx, args[1:], stdout, stderr)
	case "recovery-codes":
		return cmdUserRecoveryCodes(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("%w: unknown user subcommand %q", errUsage, args[0])
	}
}

// userCmd is what every `radius2fa user SUBCOMMAND USER` starts with: the
// config, a logger, the canonical user id and the open store.
type userCmd struct {
	cfg   *config.Config
	log   *slog.Logger
	user  string
	store *store.Bolt
}

// openUserCmd parses the common flags (fs may carry more), resolves USER
// to its canonical id through the directory (unless --no-directory) and
// opens the store. The caller closes the store.
func openUserCmd(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer) (*userCmd, error) {
	path := configFlag(fs)
	noDir := fs.Bool("no-directory", false, "do not look the user up in LDAP; key on the user name as given (lower-cased, realm stripped)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("%w: %s needs exactly one USER", errUsage, fs.Name())
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return nil, err
	}
	user := directory.Canonical(pos[0], cfg.LDAP.StripRealm)
	if !*noDir {
		if user, err = lookupUser(ctx, cfg, log, pos[0]); err != nil {
			return nil, err
		}
	}
	if user == "" {
		return nil, fmt.Errorf("%w: empty user name", errUsage)
	}
	st, err := openStore(cfg, log, nil)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return nil, fmt.Errorf("%w\n(the running daemon holds the store; stop it to change users from the command line)", err)
		}
		return nil, err
	}
	return &userCmd{cfg: cfg, log: log, user: user, store: st}, nil
}

// audit logs an admin action with the OS user who asked for it.
func (c *userCmd) audit(action string) {
	c.log.Info("admin action", "action", action, "user", c.user, "os_user", osUser())
}

// cmdUserEnroll registers a new TOTP secret for a user, active at once,
// and prints what the user types or scans into an authenticator app.
func cmdUserEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user enroll", flag.ContinueOnError)
	qrFile := fs.String("qr", "", "also write the QR code as a PNG to this file")
	c, err := openUserCmd(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer c.store.Close()

	secret, err := totp.NewSecret()
	if err != nil {
		return err
	}
	params := totp.Params{Digits: c.cfg.TOTP.Digits, Period: c.cfg.TOTP.Period, Algorithm: totp.SHA1}
	e := store.Enrollment{
		User:      c.user,
		Secret:    secret,
		Digits:    params.Digits,
		Period:    params.Period,
		Algorithm: string(params.Algorithm),
		CreatedAt: time.Now(),
	}
	if _, err := c.store.Enroll(ctx, e); err != nil {
		return fmt.Errorf("enroll %s: %w", c.user, err)
	}
	uri := totp.URI(c.cfg.TOTP.Issuer, c.user, secret, params)
	if *qrFile != "" {
		png, err := totp.QRPNG(uri, 8)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*qrFile, png, 0o600); err != nil {
			return err
		}
	}
	c.audit("user enroll")
	fmt.Fprintf(stdout, "Enrolled %s; any previous registration is replaced and this one is active now.\n", c.user)
	fmt.Fprintf(stdout, "Key (type into the app): %s\n", totp.FormatSecret(totp.EncodeSecret(secret)))
	fmt.Fprintf(stdout, "URI (scan as QR code):   %s\n", uri)
	return nil
}

// recoveryCodeCount is how many recovery codes a user gets at a time.
const recoveryCodeCount = 10

// cmdUserRecoveryCodes replaces a user's recovery codes with fresh ones and
// prints them; only their salted hashes are stored.
func cmdUserRecoveryCodes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user recovery-codes", flag.ContinueOnError)
	c, err := openUserCmd(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer c.store.Close()

	codes, err := totp.NewRecoveryCodes(recoveryCodeCount)
	if err != nil {
		return err
	}
	hashes := make([][]byte, len(codes))
	for i, code := range codes {
		if hashes[i], err = totp.HashRecoveryCode(code); err != nil {
			return err
		}
	}
	if err := c.store.SetRecoveryCodes(ctx, c.user, hashes); err != nil {
		return fmt.Errorf("recovery codes for %s: %w", c.user, err)
	}
	c.audit("user recovery-codes")
	fmt.Fprintf(stdout, "New recovery codes for %s (the old ones no longer work). Each works once, in place of\n", c.user)
	fmt.Fprintln(stdout, "a code from the app: typed after the password exactly as printed (with the dashes), or at the code prompt.")
	for _, code := range codes {
		fmt.Fprintf(stdout, "  %s\n", code)
	}
	st, err := c.store.Get(ctx, c.user)
	if err == nil && st.Enrollment == nil {
		fmt.Fprintf(stdout, "Note: %s has no app registered; recovery codes are accepted once an app is registered.\n", c.user)
	}
	return nil
}

// lookupUser finds the canonical id of name in the directory.
func lookupUser(ctx context.Context, cfg *config.Config, log *slog.Logger, name string) (string, error) {
	dir, err := directory.New(cfg.LDAP, log)
	if err != nil {
		return "", fmt.Errorf("ldap: %w", err)
	}
	defer dir.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*cfg.LDAP.Timeout)
	defer cancel()
	id, found, err := dir.Lookup(ctx, name)
	if err != nil {
		return "", fmt.Errorf("looking up %q in LDAP: %w (use --no-directory to enroll without LDAP)", name, err)
	}
	if !found {
		return "", fmt.Errorf("user %q not found in LDAP under %s", name, cfg.LDAP.BaseDN)
	}
	return id.ID, nil
}

// osUser names the operating-system user running the command, for the
// audit log.
func osUser() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	return fmt.Sprintf("uid=%d", os.Getuid())
}
