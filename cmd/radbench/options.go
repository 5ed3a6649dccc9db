package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// errUsage marks a problem with the command line (exit status 2).
var errUsage = errors.New("usage")

// Modes of a login.
const (
	modeAppend    = "append"
	modeChallenge = "challenge"
	modePassword  = "password"
)

// Options is what one run does; the flags fill it in.
type Options struct {
	Server      string // host:port
	AllowRemote bool   // allow a server that is not on a loopback address
	Secret      string // the shared secret
	UsersFile   string
	Columns     string // CSV layout, e.g. "user,password,secret"
	Mode        string // append, challenge or password

	Concurrency int     // closed loop: workers, one login in flight each
	Rate        float64 // open loop: logins a second (0: closed loop)
	MaxInflight int     // open loop: most logins in flight

	Duration time.Duration // measured time (unless Count > 0)
	Warmup   time.Duration // unmeasured time before
	Count    int64         // measured logins instead of Duration

	Timeout time.Duration // wait for each answer
	Retries int           // retransmissions after a timeout
	MsgAuth bool          // add a Message-Authenticator to requests

	OncePerWindow bool // each user at most once per time step
	Digits        int
	Period        time.Duration

	NASIdentifier  string
	CallingStation string
	CalledStation  string

	JSON bool // print one JSON object instead of the text line
}

// parseFlags reads the command line into Options. Help goes to stderr.
func parseFlags(args []string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("radbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: radbench -secret S|-secret-file F -users FILE [flags]\n\n"+
			"Floods a RADIUS server with PAP logins (password, + TOTP code) and reports\n"+
			"logins/s and latencies. See `go doc github.com/radius2fa/radius2fa/cmd/radbench`.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	secretFile := defineFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["c"] && set["rate"] {
		return o, fmt.Errorf("%w: -c (closed loop) and -rate (open loop) exclude each other", errUsage)
	}
	if set["secret"] && set["secret-file"] {
		return o, fmt.Errorf("%w: -secret and -secret-file exclude each other", errUsage)
	}
	if *secretFile != "" {
		s, err := readSecretFile(*secretFile)
		if err != nil {
			return o, err
		}
		o.Secret = s
	}
	return o, o.validate()
}

// defineFlags declares the flags that fill o, and returns -secret-file.
func defineFlags(fs *flag.FlagSet, o *Options) *string {
	fs.StringVar(&o.Server, "server", "127.0.0.1:1812", "RADIUS server `host:port` (loopback only unless -allow-remote)")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a server that is not on a loopback address (this tool floods)")
	fs.StringVar(&o.Secret, "secret", "", "shared `secret` (visible in ps: prefer -secret-file)")
	secretFile := fs.String("secret-file", "", "read the shared secret from `file` (first line)")
	fs.StringVar(&o.UsersFile, "users", "", "CSV `file` of users (see -columns; # lines skipped)")
	fs.StringVar(&o.Columns, "columns", defaultColumns, "CSV `layout`: user (or uid), password, secret (or totp_secret_base32), - to skip")
	fs.StringVar(&o.Mode, "mode", modeAppend, "append (password+code), challenge (password, then code with State) or password")
	fs.IntVar(&o.Concurrency, "c", 8, "closed loop: `workers`, each with its own UDP socket and one login in flight")
	fs.Float64Var(&o.Rate, "rate", 0, "open loop: start this many `logins/s` whatever the answers (instead of -c)")
	fs.IntVar(&o.MaxInflight, "max-inflight", 256, "open loop: most logins in flight (one UDP socket each)")
	fs.DurationVar(&o.Duration, "d", 10*time.Second, "measured `duration` (unless -n)")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured `duration` before the measured one")
	fs.Int64Var(&o.Count, "n", 0, "measure this many `logins` instead of a duration")
	fs.DurationVar(&o.Timeout, "timeout", 3*time.Second, "wait this long for each answer")
	fs.IntVar(&o.Retries, "retries", 0, "send a packet again this many `times` after a timeout")
	fs.BoolVar(&o.MsgAuth, "msgauth", false, "add a Message-Authenticator to every request")
	fs.BoolVar(&o.OncePerWindow, "once-per-window", true, "log each user in at most once per time step, across runs, for servers with\nreplay protection; -once-per-window=false cycles through the users")
	fs.IntVar(&o.Digits, "digits", totp.DefaultDigits, "code length (6 or 8)")
	fs.DurationVar(&o.Period, "period", totp.DefaultPeriod, "TOTP time step")
	fs.StringVar(&o.NASIdentifier, "nas-id", "", "send this NAS-Identifier")
	fs.StringVar(&o.CallingStation, "calling-station", "", "send this Calling-Station-Id (the user's address)")
	fs.StringVar(&o.CalledStation, "called-station", "", "send this Called-Station-Id (e.g. AA-BB-CC-DD-EE-FF:eduroam)")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object instead of the text summary")
	return secretFile
}

// readSecretFile returns the first line of path.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-secret-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// validate reports every problem of o at once, wrapping errUsage.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...))
	}
	if o.Secret == "" {
		bad("a shared secret is needed: -secret or -secret-file")
	}
	if o.UsersFile == "" {
		bad("-users FILE is needed")
	}
	switch o.Mode {
	case modeAppend, modeChallenge, modePassword:
	default:
		bad("-mode %q: must be append, challenge or password", o.Mode)
	}
	switch {
	case math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || o.Rate < 0 || (o.Rate > 0 && o.Rate < minRate):
		bad("-rate %v: must be a number of logins/s from %g up", o.Rate, minRate)
	case o.Rate == 0 && o.Concurrency < 1:
		bad("-c %d: must be at least 1 (or give -rate)", o.Concurrency)
	}
	if o.Rate > 0 && o.MaxInflight < 1 {
		bad("-max-inflight must be at least 1")
	}
	if o.Count < 0 || (o.Count == 0 && o.Duration <= 0) {
		bad("give a positive -d or -n")
	}
	if o.Warmup < 0 {
		bad("-warmup %v: must not be negative", o.Warmup)
	}
	if o.Timeout <= 0 {
		bad("-timeout %v: must be positive", o.Timeout)
	}
	if o.Retries < 0 {
		bad("-retries %d: must not be negative", o.Retries)
	}
	if err := (totp.Params{Digits: o.Digits, Period: o.Period}).Validate(); err != nil {
		bad("%v", err)
	}
	for _, a := range []struct{ flag, v string }{
		{"-nas-id", o.NASIdentifier}, {"-calling-station", o.CallingStation}, {"-called-station", o.CalledStation},
	} {
		if len(a.v) > maxAttrLen {
			bad("%s is longer than %d bytes", a.flag, maxAttrLen)
		}
	}
	return errors.Join(errs...)
}

// minRate is the slowest -rate: one login a minute.
const minRate = 1.0 / 60

// defaultColumns is the users file layout without -columns.
const defaultColumns = "user,password,secret"

// withDefaults fills in what the flags default to where o leaves it zero.
func (o Options) withDefaults() Options {
	if o.Columns == "" {
		o.Columns = defaultColumns
	}
	if o.Digits == 0 {
		o.Digits = totp.DefaultDigits
	}
	if o.Period == 0 {
		o.Period = totp.DefaultPeriod
	}
	return o
}

// params are the code parameters of every user.
func (o Options) params() totp.Params {
	return totp.Params{Digits: o.Digits, Period: o.Period, Algorithm: totp.SHA1}
}
