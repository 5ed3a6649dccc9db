package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs radbench with args and returns the exit status: 0 after a run
// (whatever the server answered), 1 when the run could not be made, 2 for
// a wrong command line.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		var res Result
		if res, err = run(ctx, o); err == nil {
			return report(res, o.JSON, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "radbench: %v\n", err)
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// report prints res as text or JSON on stdout, and its warnings on stderr.
func report(res Result, asJSON bool, stdout, stderr io.Writer) int {
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "radbench: warning: %s\n", w)
	}
	if !asJSON {
		fmt.Fprint(stdout, res.Text())
		return 0
	}
	b, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(stderr, "radbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}
