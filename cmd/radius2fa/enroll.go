package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/radiusd/enroll"
)

// liveDirectory is the directory in use now: a reload may replace it.
type liveDirectory struct{ d *daemon }

func (l liveDirectory) Authenticate(ctx context.Context, user, password string) (directory.Identity, bool, error) {
	return l.d.dir.Load().Authenticate(ctx, user, password)
}

// startEnroll serves the enrollment page on enroll.listen, when set, until
// ctx ends. The page keeps the settings it started with until a restart
// (its sessions live in memory); its directory follows reloads.
func (d *daemon) startEnroll(ctx context.Context, cfg *config.Config, now func() time.Time) error {
	if cfg.Enroll.Listen == "" {
		return nil
	}
	srv, err := enroll.New(enroll.Options{
		Config:    cfg,
		Directory: liveDirectory{d},
		Store:     d.store,
		Logger:    d.log.With("component", "enroll"),
		Now:       now,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Enroll.Listen)
	if err != nil {
		return fmt.Errorf("enroll.listen: %w", err)
	}
	d.enrollLn = ln
	d.log.Info("serving the enrollment page", "addr", ln.Addr().String(), "tls", cfg.Enroll.TLSCertFile != "")
	go func() {
		if err := srv.Serve(ctx, ln); err != nil {
			d.log.Error("enrollment page stopped", "err", err)
		}
	}()
	return nil
}
