package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/radius2fa/radius2fa/config"
)

func main() {
	tuneGC()
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		tuneProcs()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  radius2fa serve --config FILE [--debug]
  radius2fa check-config --config FILE
  radius2fa user list [--json] --config FILE
  radius2fa user show USER [--json] [--no-directory] --config FILE
  radius2fa user enroll USER [--no-directory] [--qr FILE.png] --config FILE
  radius2fa user reset USER [--no-directory] --config FILE
  radius2fa user unlock USER [--no-directory] --config FILE
  radius2fa user recovery-codes USER [--no-directory] --config FILE
  radius2fa user import [--format csv|uri] [--columns user,secret,digits,period,algorithm] [--skip-bad] FILE|- --config FILE
  radius2fa user export [--with-secrets] [--format csv|uri] [--out FILE] --config FILE
  radius2fa backup --out PATH --config FILE
  radius2fa reload --config FILE

The user, backup and reload commands talk to the running daemon over
admin.socket; with no daemon running, user and backup open the store
themselves. USER is looked up in LDAP and keyed on its canonical id; show,
reset and unlock fall back to the name as given (lower-cased, realm
stripped) for a user LDAP no longer knows, and --no-directory skips LDAP.
user import never asks LDAP: names are only lower-cased and stripped of
their realm (Alice@example.ac.jp is alice). It reads CSV (columns may be
user|uid, secret|totp_secret_base32, digits, period, algorithm, created;
password or - for columns to ignore; a header row is recognised) or
otpauth://totp/ URIs, one per line; it imports nothing if a line is bad,
unless --skip-bad.
`

// errUsage marks a command line mistake: usage is printed, exit status 2.
var errUsage = errors.New("usage")

// cli runs one command and returns the process exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stderr)
	case "check-config":
		err = cmdCheckConfig(args[1:], stdout, stderr)
	case "user":
		err = cmdUser(ctx, args[1:], stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr)
	case "reload":
		err = cmdReload(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "radius2fa: %v\n%s", err, usage)
		return 2
	default:
		printError(stderr, err)
		return 1
	}
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("user enroll alice --config f") and returns the
// positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// configFlag adds the --config flag every command has.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "/etc/radius2fa/config.yaml", "configuration file")
}

func noPositional(pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, strings.Join(pos, " "))
	}
	return nil
}

// printError prints err; a configuration error as one problem per line.
func printError(w io.Writer, err error) {
	var cerr *config.Error
	if errors.As(err, &cerr) && len(cerr.Problems) > 0 {
		fmt.Fprintf(w, "radius2fa: the configuration has %d problem(s):\n", len(cerr.Problems))
		for _, p := range cerr.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return
	}
	fmt.Fprintf(w, "radius2fa: %v\n", err)
}

// tuneGC makes the garbage collector keep the heap at 1.25 times the live
// data instead of Go's default 2 (GOGC=25): most of the daemon's live heap
// is its duplicate and identity caches, which hold no pointers, so a
// collection costs little more than marking the rest, and collecting more
// often keeps the memory of a busy server well below what the default
// would. GOGC in the environment wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}

// tuneProcs runs the daemon's Go code on one thread at a time
// (GOMAXPROCS=1) instead of one per CPU. A login costs the daemon about
// 0.1 ms of CPU, most of it in system calls and in handing the request
// from goroutine to goroutine (socket reader, worker, store committer);
// with more than one P every hand-off may wake an idle thread on another
// CPU, and on a 2-vCPU VM shared with slapd that cost more than it gave
// (README, Performance). Blocking system calls still run beside it.
// GOMAXPROCS in the environment wins.
func tuneProcs() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
