package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/radiusd"
	"github.com/radius2fa/radius2fa/store"
)

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
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
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	d, err := startDaemon(ctx, cfg, log, daemonOptions{})
	if err != nil {
		return err
	}
	stop := d.reloadOnHUP()
	defer stop()
	return d.wait()
}

// newLogger builds the daemon's logger from log.format and log.level.
func newLogger(c config.Log, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// daemon is a running radius2fa: the store, the directory, the RADIUS
// server and its listeners.
type daemon struct {
	log      *slog.Logger
	cfg      atomic.Pointer[config.Config]
	reloadMu sync.Mutex
	store    *store.Bolt
	dir      atomic.Pointer[directory.Client] // the current one; a reload replaces it
	server   *radiusd.Server
	conns    []net.PacketConn // authentication
	acct     net.PacketConn   // accounting, or nil
	done     chan error
}

// daemonOptions are knobs for tests.
type daemonOptions struct {
	now func() time.Time // the daemon's clock; nil → time.Now
}

// startDaemon opens everything cfg names and starts serving until ctx is
// cancelled. On error nothing is left open.
func startDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger, opts daemonOptions) (_ *daemon, err error) {
	for _, w := range cfg.Warnings {
		log.Warn("config: " + w)
	}
	d := &daemon{log: log, done: make(chan error, 1)}
	d.cfg.Store(cfg)
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if d.store, err = openStore(cfg, log); err != nil {
		return nil, err
	}
	dir, err := directory.New(cfg.LDAP, log.With("component", "ldap"))
	if err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	d.dir.Store(dir)
	d.server, err = radiusd.New(cfg, radiusd.Options{Directory: dir, Store: d.store, Logger: log, Now: opts.now})
	if err != nil {
		return nil, err
	}
	for _, addr := range cfg.Radius.Listen {
		conn, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("radius.listen: %w", err)
		}
		d.conns = append(d.conns, conn)
	}
	if addr := cfg.Radius.AccountingListen; addr != "" {
		if d.acct, err = net.ListenPacket("udp", addr); err != nil {
			return nil, fmt.Errorf("radius.accounting_listen: %w", err)
		}
	}

	var wg sync.WaitGroup
	errs := make([]error, len(d.conns)+1)
	for i, conn := range d.conns {
		log.Info("listening for RADIUS authentication", "addr", conn.LocalAddr().String())
		wg.Go(func() { errs[i] = d.server.Serve(ctx, conn) })
	}
	if d.acct != nil {
		log.Info("listening for RADIUS accounting", "addr", d.acct.LocalAddr().String())
		wg.Go(func() { errs[len(d.conns)] = d.server.ServeAccounting(ctx, d.acct) })
	}
	log.Info("radius2fa started", "clients", len(cfg.Radius.Clients), "ldap", strings.Join(cfg.LDAP.URLs, " "), "store", cfg.Store.Path)
	go func() {
		wg.Wait()
		log.Info("radius2fa stopping: requests in flight have finished")
		d.close()
		d.done <- errors.Join(errs...)
	}()
	return d, nil
}

// openStore opens the store named by cfg with a short lock wait, so a
// second daemon or a CLI command fails fast with a clear message.
func openStore(cfg *config.Config, log *slog.Logger) (*store.Bolt, error) {
	return store.Open(cfg.Store.Path, store.Options{
		KeyFile:     cfg.Store.EncryptionKeyFile,
		LockTimeout: time.Second,
		Logger:      log.With("component", "store"),
	})
}

// addrs returns the addresses the RADIUS listeners are bound to.
func (d *daemon) addrs() []net.Addr {
	out := make([]net.Addr, len(d.conns))
	for i, c := range d.conns {
		out[i] = c.LocalAddr()
	}
	return out
}

// wait blocks until the daemon has stopped and everything is closed.
func (d *daemon) wait() error {
	return <-d.done
}

func (d *daemon) close() {
	for _, c := range d.conns {
		c.Close()
	}
	if d.acct != nil {
		d.acct.Close()
	}
	if dir := d.dir.Load(); dir != nil {
		dir.Close()
	}
	if d.store != nil {
		if err := d.store.Close(); err != nil {
			d.log.Error("closing the store", "err", err)
		}
	}
}
