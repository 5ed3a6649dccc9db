package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/radiusd"
	"github.com/radius2fa/radius2fa/radiusd/metrics"
	"github.com/radius2fa/radius2fa/store"
)

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	path := configFlag(fs)
	debug := fs.Bool("debug", false, "log every packet with its attributes (passwords hidden) and everything at debug level")
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
	logCfg := cfg.Log
	if *debug {
		logCfg.Level = "debug"
	}
	log, err := newLogger(logCfg, stderr)
	if err != nil {
		return err
	}
	d, err := startDaemon(ctx, cfg, log, daemonOptions{debug: *debug})
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
	metrics  *metrics.Metrics
	// metricsLn serves /metrics, /healthz and /readyz; nil when off.
	metricsLn net.Listener
	conns     []net.PacketConn // authentication
	acct      net.PacketConn   // accounting, or nil
	adminSrv  io.Closer        // the admin socket's server, or nil
	enrollLn  net.Listener     // the enrollment page, or nil
	done      chan error
}

// daemonOptions are knobs for tests.
type daemonOptions struct {
	now           func() time.Time // the daemon's clock; nil → time.Now
	debug         bool             // dump every packet (serve --debug)
	udpReadBuffer int              // asked for on the RADIUS sockets; 0 → udpReadBuffer
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
	d.metrics = metrics.New(metrics.Sources{
		Server:        func() radiusd.Stats { return d.server.Stats() },
		Pools:         func() (directory.PoolStats, directory.PoolStats) { return d.dir.Load().PoolStats() },
		IdentityCache: func() (directory.CacheStats, bool) { return d.dir.Load().CacheStats() },
		Enrollments:   func(ctx context.Context) (int, int, error) { return d.store.Count(ctx) },
		Ready:         d.ready,
	})
	if d.store, err = openStore(cfg, log, d.metrics.ObserveCommit); err != nil {
		return nil, err
	}
	dir, err := d.newDirectory(cfg)
	if err != nil {
		return nil, err
	}
	d.dir.Store(dir)
	d.server, err = radiusd.New(cfg, radiusd.Options{Directory: dir, Store: d.store, Logger: log, Observer: d.metrics, Now: opts.now, Debug: opts.debug})
	if err != nil {
		return nil, err
	}
	if err := d.serveMetrics(ctx, cfg.Admin.MetricsListen); err != nil {
		return nil, err
	}
	if err := d.startAdmin(ctx); err != nil {
		return nil, err
	}
	if err := d.startEnroll(ctx, cfg, opts.now); err != nil {
		return nil, err
	}
	readBuffer := opts.udpReadBuffer
	if readBuffer == 0 {
		readBuffer = udpReadBuffer
	}
	for _, addr := range cfg.Radius.Listen {
		conn, err := d.listenUDP("radius.listen", addr, readBuffer)
		if err != nil {
			return nil, fmt.Errorf("radius.listen: %w", err)
		}
		d.conns = append(d.conns, conn)
	}
	if addr := cfg.Radius.AccountingListen; addr != "" {
		if d.acct, err = d.listenUDP("radius.accounting_listen", addr, readBuffer); err != nil {
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
// observeCommit may be nil.
func openStore(cfg *config.Config, log *slog.Logger, observeCommit func(time.Duration, int)) (*store.Bolt, error) {
	return store.Open(cfg.Store.Path, store.Options{
		KeyFile:       cfg.Store.EncryptionKeyFile,
		LockTimeout:   time.Second,
		Logger:        log.With("component", "store"),
		ObserveCommit: observeCommit,
		Lease:         cfg.Store.Lease,
	})
}

// newDirectory connects to the LDAP servers of cfg, reporting to the
// daemon's metrics.
func (d *daemon) newDirectory(cfg *config.Config) (*directory.Client, error) {
	dir, err := directory.New(cfg.LDAP, d.log.With("component", "ldap"))
	if err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	dir.SetObserver(d.metrics)
	return dir, nil
}

// ready tells /readyz whether the daemon can serve: the store answers and
// at least one LDAP server does.
func (d *daemon) ready(ctx context.Context) error {
	if _, _, err := d.store.Count(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := d.dir.Load().Ping(ctx); err != nil {
		return fmt.Errorf("ldap: %w", err)
	}
	return nil
}

// serveMetrics serves /metrics, /healthz and /readyz on addr until ctx
// ends; "" turns them off.
func (d *daemon) serveMetrics(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("admin.metrics_listen: %w", err)
	}
	d.metricsLn = ln
	srv := &http.Server{Handler: d.metrics.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	context.AfterFunc(ctx, func() { srv.Close() })
	d.log.Info("serving metrics", "addr", ln.Addr().String())
	return nil
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
	if d.adminSrv != nil {
		d.adminSrv.Close() // before the store: requests in flight use it
	}
	for _, c := range d.conns {
		c.Close()
	}
	if d.acct != nil {
		d.acct.Close()
	}
	if d.metricsLn != nil {
		d.metricsLn.Close()
	}
	if d.enrollLn != nil {
		d.enrollLn.Close()
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

// udpReadBuffer is the receive buffer asked for on the RADIUS sockets. The
// default (about 200 KB, some 200 small datagrams) overflows when a burst
// of Access-Requests meets a busy moment — a wireless controller
// re-authenticating everyone after a restart — and the kernel then drops
// requests silently. Linux caps the value at net.core.rmem_max (Debian's
// default: 208 KiB), so the daemon says so when it gets less.
const udpReadBuffer = 4 << 20

// listenUDP opens the socket for config key on addr and asks for a
// receive buffer of want bytes.
func (d *daemon) listenUDP(key, addr string, want int) (net.PacketConn, error) {
	conn, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	u, ok := conn.(*net.UDPConn)
	if !ok {
		return conn, nil
	}
	_ = u.SetReadBuffer(want) // capped, never refused, on Linux
	if got, err := readBuffer(u); err == nil && got < want {
		d.log.Warn("the kernel gave a smaller UDP receive buffer than asked for: bursts of requests may be dropped; raise net.core.rmem_max",
			"key", key, "addr", addr, "asked_bytes", want, "got_bytes", got)
	}
	return conn, nil
}
