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
	default:
		return fmt.Errorf("%w: unknown user subcommand %q", errUsage, args[0])
	}
}

// cmdUserEnroll registers a new TOTP secret for a user, active at once,
// and prints what the user types or scans into an authenticator app.
func cmdUserEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user enroll", flag.ContinueOnError)
	path := configFlag(fs)
	noDir := fs.Bool("no-directory", false, "do not look the user up in LDAP; key on the user name as given (lower-cased, realm stripped)")
	qrFile := fs.String("qr", "", "also write the QR code as a PNG to this file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: user enroll needs exactly one USER", errUsage)
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}

	user := directory.Canonical(pos[0], cfg.LDAP.StripRealm)
	if !*noDir {
		if user, err = lookupUser(ctx, cfg, log, pos[0]); err != nil {
			return err
		}
	}
	if user == "" {
		return fmt.Errorf("%w: empty user name", errUsage)
	}

	st, err := openStore(cfg, log)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return fmt.Errorf("%w\n(the running daemon holds the store; stop it to enroll from the command line)", err)
		}
		return err
	}
	defer st.Close()

	secret, err := totp.NewSecret()
	if err != nil {
		return err
	}
	params := totp.Params{Digits: cfg.TOTP.Digits, Period: cfg.TOTP.Period, Algorithm: totp.SHA1}
	e := store.Enrollment{
		User:      user,
		Secret:    secret,
		Digits:    params.Digits,
		Period:    params.Period,
		Algorithm: string(params.Algorithm),
		CreatedAt: time.Now(),
	}
	if _, err := st.Enroll(ctx, e); err != nil {
		return fmt.Errorf("enroll %s: %w", user, err)
	}
	uri := totp.URI(cfg.TOTP.Issuer, user, secret, params)
	if *qrFile != "" {
		png, err := totp.QRPNG(uri, 8)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*qrFile, png, 0o600); err != nil {
			return err
		}
	}
	log.Info("admin action", "action", "user enroll", "user", user, "os_user", osUser())
	fmt.Fprintf(stdout, "Enrolled %s; any previous registration is replaced and this one is active now.\n", user)
	fmt.Fprintf(stdout, "Key (type into the app): %s\n", totp.FormatSecret(totp.EncodeSecret(secret)))
	fmt.Fprintf(stdout, "URI (scan as QR code):   %s\n", uri)
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
