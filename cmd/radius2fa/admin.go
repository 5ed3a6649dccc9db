package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/radiusd/admin"
	"github.com/radius2fa/radius2fa/store"
)

// The admin side of the command line: `user …`, `backup` and `reload`
// talk to the running daemon over its admin socket, or, with no daemon
// running, do the same work on the store themselves (admin.Local). The
// daemon serves the admin socket (startAdmin).

// adminConn is the API a command uses and what it opened for it.
type adminConn struct {
	api   admin.API
	cfg   *config.Config
	close func()
}

// openAdmin loads the configuration at path and connects to the daemon
// on admin.socket; when none answers there, it opens the store and the
// directory itself.
func openAdmin(ctx context.Context, path string, stderr io.Writer) (*adminConn, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	c, err := admin.Dial(ctx, cfg.Admin.Socket, os.Getenv("SUDO_USER"))
	if err == nil {
		return &adminConn{api: c, cfg: cfg, close: func() { c.Close() }}, nil
	}
	if !errors.Is(err, admin.ErrNoDaemon) {
		return nil, err
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return nil, err
	}
	st, err := openStore(cfg, log, nil)
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("%w\nthe running daemon holds the store %s, and the admin socket at %s does not answer "+
			"(is admin.socket the same in the daemon's configuration? a daemon started without it needs a restart)",
			err, cfg.Store.Path, cfg.Admin.Socket)
	}
	if err != nil {
		return nil, err
	}
	dir, err := directory.New(cfg.LDAP, log.With("component", "ldap"))
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("ldap: %w", err)
	}
	local := admin.NewLocal(admin.LocalOptions{
		Store:     st,
		Directory: func() admin.Directory { return dir },
		Config:    func() *config.Config { return cfg },
		Logger:    log.With("component", "admin"),
	})
	return &adminConn{api: local, cfg: cfg, close: func() {
		dir.Close()
		if err := st.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}}, nil
}

// adminContext names the OS user running this command, for the audit
// line of an action done locally (the daemon asks the kernel instead).
func adminContext(ctx context.Context) context.Context {
	return admin.WithActor(ctx, admin.ActorFor(os.Getuid(), os.Getenv("SUDO_USER")))
}

// startAdmin serves the admin API of the daemon on admin.socket.
func (d *daemon) startAdmin(ctx context.Context) error {
	path := d.cfg.Load().Admin.Socket
	log := d.log.With("component", "admin")
	local := admin.NewLocal(admin.LocalOptions{
		Store:     d.store,
		Directory: func() admin.Directory { return d.dir.Load() },
		Config:    d.cfg.Load,
		Reload: func(context.Context) (admin.ReloadResult, error) {
			res, err := d.reload()
			return admin.ReloadResult{Summary: res.Summary, Restart: res.Restart}, err
		},
		Logger: log,
	})
	srv, err := admin.Listen(ctx, path, local, log)
	if err != nil {
		return fmt.Errorf("admin.socket: %w", err)
	}
	d.adminSrv = srv
	log.Info("admin socket listening", "socket", path)
	return nil
}

// cmdBackup writes an online copy of the database to --out.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	path := configFlag(fs)
	out := fs.String("out", "", "write the backup to this file (through FILE.tmp, mode 0600)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noPositional(pos); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: backup needs --out PATH", errUsage)
	}
	c, err := openAdmin(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer c.close()
	var n int64
	err = writeFileAtomic(*out, func(w io.Writer) error {
		var err error
		n, err = c.api.Backup(adminContext(ctx), w)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "Backup of %s written to %s (%d bytes).\n", c.cfg.Store.Path, *out, n)
	fmt.Fprintf(stdout, "It opens only with the key %s: keep a copy of that key, apart from the backups.\n", c.cfg.Store.EncryptionKeyFile)
	return nil
}

// cmdReload makes the running daemon re-read its configuration.
func cmdReload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
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
		fmt.Fprintln(stderr, "radius2fa: nothing reloaded: the daemon keeps serving its current configuration.")
		return err
	}
	c, err := admin.Dial(ctx, cfg.Admin.Socket, os.Getenv("SUDO_USER"))
	if errors.Is(err, admin.ErrNoDaemon) {
		return fmt.Errorf("no daemon is running: nothing to reload (%w)", err)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Reload(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "radius2fa: nothing reloaded: the daemon keeps serving its current configuration.")
		return err
	}
	fmt.Fprintln(stdout, "reloaded: "+res.Summary)
	if len(res.Restart) > 0 {
		fmt.Fprintf(stdout, "restart needed for: %s\n", strings.Join(res.Restart, ", "))
	}
	return nil
}

// cmdUserImport imports enrollments from a file of CSV lines or
// otpauth:// URIs.
func cmdUserImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user import", flag.ContinueOnError)
	path := configFlag(fs)
	format := fs.String("format", "", "csv or uri (default: told from the first line)")
	columns := fs.String("columns", "", "CSV layout, e.g. uid,password,secret (default: a header row, else user,secret,digits,period,algorithm,created)")
	skipBad := fs.Bool("skip-bad", false, "import the good lines even if some are bad")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: user import needs one FILE (or - for standard input)", errUsage)
	}
	in := io.Reader(os.Stdin)
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	o := admin.ImportOptions{Format: *format, SkipBad: *skipBad}
	if *columns != "" {
		o.Columns = strings.Split(*columns, ",")
	}
	c, err := openAdmin(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer c.close()
	report, err := c.api.Import(adminContext(ctx), in, o)
	for _, b := range report.Bad {
		fmt.Fprintln(stderr, b)
	}
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("imported %s", countOf(report.Imported, "user"))
	if len(report.Bad) > 0 {
		summary += fmt.Sprintf("; %s skipped", countOf(len(report.Bad), "bad line"))
	}
	fmt.Fprintln(stdout, summary)
	return nil
}

// cmdUserExport writes every enrollment as CSV or otpauth:// URIs.
func cmdUserExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user export", flag.ContinueOnError)
	path := configFlag(fs)
	format := fs.String("format", admin.FormatCSV, "csv or uri")
	withSecrets := fs.Bool("with-secrets", false, "include the TOTP secrets (needed to move users to another server)")
	out := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
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
	o := admin.ExportOptions{Format: *format, WithSecrets: *withSecrets}
	if o.WithSecrets {
		fmt.Fprintln(stderr, "warning: the export contains the TOTP secrets: whoever reads it can make every user's codes. Keep it private and delete it after use.")
	}
	var n int
	export := func(w io.Writer) error {
		var err error
		n, err = c.api.Export(adminContext(ctx), w, o)
		return err
	}
	if *out == "" {
		err = export(stdout)
	} else {
		err = writeFileAtomic(*out, export)
	}
	if err != nil {
		return err
	}
	dest := "standard output"
	if *out != "" {
		dest = *out
	}
	note := ""
	if !o.WithSecrets {
		note = " (without secrets: add --with-secrets to include them)"
	}
	fmt.Fprintf(stderr, "exported %s to %s%s\n", countOf(n, "user"), dest, note)
	return nil
}

// writeFileAtomic writes path through path.tmp (mode 0600), renamed over
// path once fn has written everything and it is on disk.
func writeFileAtomic(path string, fn func(io.Writer) error) (err error) {
	tmp := path + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := fn(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// countOf renders "1 user", "3 users".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
