package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/radiusd/admin"
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

// userCommand runs one `radius2fa user SUBCOMMAND USER` against the API.
type userCommand func(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: user needs a subcommand", errUsage)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	var run userCommand
	switch args[0] {
	case "list":
		return cmdUserList(ctx, args[1:], stdout, stderr)
	case "import":
		return cmdUserImport(ctx, args[1:], stdout, stderr)
	case "export":
		return cmdUserExport(ctx, args[1:], stdout, stderr)
	case "show":
		run = userShow(fs.Bool("json", false, "print JSON"))
	case "enroll":
		run = userEnroll(fs.String("qr", "", "also write the QR code as a PNG to this file"))
	case "reset":
		run = userReset
	case "unlock":
		run = userUnlock
	case "recovery-codes":
		run = userRecoveryCodes
	default:
		return fmt.Errorf("%w: unknown user subcommand %q", errUsage, args[0])
	}
	path := configFlag(fs)
	noDir := fs.Bool("no-directory", false, "do not look the user up in LDAP; key on the name as given (lower-cased, realm stripped)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: %s needs exactly one USER", errUsage, fs.Name())
	}
	c, err := openAdmin(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer c.close()
	return run(adminContext(ctx), c.api, admin.UserRequest{User: pos[0], NoDirectory: *noDir}, stdout)
}

// cmdUserList prints one line per user (or one JSON object per line).
func cmdUserList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	path := configFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per user and line")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noPositional(pos); err != nil {
		return err
	}
	c, err := openAdmin(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer c.close()
	out := bufio.NewWriter(stdout) // 300,000 lines are not 300,000 writes
	enc := json.NewEncoder(out)
	if !*asJSON {
		fmt.Fprintf(out, listFormat, "USER", "REGISTERED", "LAST USE", "FAILURES", "LOCKED UNTIL", "RECOVERY CODES")
	}
	err = c.api.ListUsers(adminContext(ctx), func(u admin.UserInfo) error {
		if *asJSON {
			return enc.Encode(u)
		}
		registered := "-"
		if u.Registered {
			registered = shortTime(u.RegisteredAt)
		}
		locked := "-"
		if u.Locked {
			locked = shortTime(u.LockedUntil)
		}
		_, err := fmt.Fprintf(out, listFormat, u.User, registered, shortTime(u.LastUsed), fmt.Sprint(u.Failures), locked, fmt.Sprint(u.RecoveryCodes))
		return err
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// listFormat lays out a line of `user list`.
const listFormat = "%-20s %-16s %-16s %8s  %-16s %s\n"

func userShow(asJSON *bool) userCommand {
	return func(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error {
		u, err := api.ShowUser(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(u)
		}
		printUser(stdout, u)
		return nil
	}
}

// printUser prints what `user show` shows; never the secret.
func printUser(w io.Writer, u admin.UserInfo) {
	line := func(label, value string) { fmt.Fprintf(w, "%-16s %s\n", label+":", value) }
	line("user", u.User)
	line("in LDAP", map[string]string{
		admin.DirectoryFound:        "yes",
		admin.DirectoryNotFound:     "no (not found: keyed on the name as given)",
		admin.DirectoryNotConsulted: "not asked (--no-directory)",
	}[u.Directory])
	if u.Registered {
		line("registered", fmt.Sprintf("since %s (%s, %d digits, %d s)", longTime(u.RegisteredAt), u.Algorithm, u.Digits, u.PeriodSeconds))
	} else {
		line("registered", "no")
	}
	line("last use", longTime(u.LastUsed))
	line("failures", fmt.Sprint(u.Failures))
	switch {
	case u.LockedUntil.IsZero():
		line("locked until", "-")
	case u.Locked:
		line("locked until", longTime(u.LockedUntil)+" (locked out now)")
	default:
		line("locked until", longTime(u.LockedUntil)+" (over)")
	}
	line("recovery codes", fmt.Sprintf("%d left", u.RecoveryCodes))
	if p := u.Pending; p != nil {
		line("pending", fmt.Sprintf("a registration started %s waits for its first code until %s", longTime(p.Started), longTime(p.Expires)))
	}
}

// userEnroll registers a new TOTP secret, active at once, and prints what
// the user types or scans into an authenticator app.
func userEnroll(qrFile *string) userCommand {
	return func(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error {
		e, err := api.Enroll(ctx, req)
		if err != nil {
			return err
		}
		// The enrollment is active now: the key is printed first, so a
		// QR file that cannot be written loses nothing.
		fmt.Fprintf(stdout, "Enrolled %s; any previous registration is replaced and this one is active now.\n", e.User)
		fmt.Fprintf(stdout, "Key (type into the app): %s\n", totp.FormatSecret(totp.EncodeSecret(e.Secret)))
		fmt.Fprintf(stdout, "URI (scan as QR code):   %s\n", e.URI)
		if *qrFile == "" {
			return nil
		}
		png, err := totp.QRPNG(e.URI, 8)
		if err != nil {
			return err
		}
		return writeFileAtomic(*qrFile, func(w io.Writer) error {
			_, err := w.Write(png)
			return err
		})
	}
}

// userReset removes a user's registration, recovery codes, failures and
// lockout (helpdesk: "none of my codes work").
func userReset(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error {
	u, err := api.Reset(ctx, req)
	if err != nil {
		return err
	}
	var parts []string
	if u.Registered {
		parts = append(parts, "the app registered since "+longTime(u.RegisteredAt))
	}
	if u.RecoveryCodes > 0 {
		parts = append(parts, countOf(u.RecoveryCodes, "recovery code"))
	}
	if u.Failures > 0 || !u.LockedUntil.IsZero() {
		parts = append(parts, countOf(u.Failures, "failure")+" and the lockout")
	}
	if u.Pending != nil {
		parts = append(parts, "a pending registration")
	}
	fmt.Fprintf(stdout, "Reset %s: removed %s.\n", u.User, joinAnd(parts))
	if u.Registered {
		fmt.Fprintf(stdout, "%s must register an app again.\n", u.User)
	}
	return nil
}

// userUnlock clears a user's failures and lockout.
func userUnlock(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error {
	u, err := api.Unlock(ctx, req)
	if err != nil {
		return err
	}
	switch {
	case u.Locked:
		fmt.Fprintf(stdout, "Unlocked %s: cleared %s and the lockout until %s.\n", u.User, countOf(u.Failures, "failure"), longTime(u.LockedUntil))
	case u.Failures > 0:
		fmt.Fprintf(stdout, "Unlocked %s: cleared %s (not locked out).\n", u.User, countOf(u.Failures, "failure"))
	default:
		fmt.Fprintf(stdout, "%s was not locked out and had no failures: nothing to clear.\n", u.User)
	}
	return nil
}

// userRecoveryCodes replaces a user's recovery codes with fresh ones and
// prints them; only their salted hashes are stored.
func userRecoveryCodes(ctx context.Context, api admin.API, req admin.UserRequest, stdout io.Writer) error {
	rc, err := api.RecoveryCodes(ctx, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "New recovery codes for %s (the old ones no longer work). Each works once, in place of\n", rc.User)
	fmt.Fprintln(stdout, "a code from the app: typed after the password exactly as printed (with the dashes), or at the code prompt.")
	for _, code := range rc.Codes {
		fmt.Fprintf(stdout, "  %s\n", code)
	}
	if !rc.Registered {
		fmt.Fprintf(stdout, "Note: %s has no app registered; recovery codes are accepted once an app is registered.\n", rc.User)
	}
	return nil
}

// longTime renders a time for `user show`, in the local zone.
func longTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// shortTime renders a time for `user list`, in the local zone.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// joinAnd renders "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
