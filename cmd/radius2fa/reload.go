package main

import (
	"os"
	"os/signal"
	"reflect"
	"slices"
	"syscall"
	"time"

	"github.com/radius2fa/radius2fa/config"
)

// Reloading the configuration while serving: SIGHUP and `radius2fa
// reload`. The file is read and validated into a new Config; if anything
// is wrong nothing changes and every problem is reported. Otherwise the
// clients, policy, messages, TOTP and lockout settings and the LDAP
// settings are swapped in at once; requests in flight finish with the old
// ones. What needs new sockets or files (listen addresses, the store, the
// admin socket) keeps its old value until a restart, and the reload says so.

// reloadResult tells what a successful reload did.
type reloadResult struct {
	Summary string   `json:"summary"`
	Restart []string `json:"restart,omitempty"` // keys whose change needs a restart
}

// reload re-reads the configuration file the daemon was started with.
func (d *daemon) reload() (reloadResult, error) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	old := d.cfg.Load()
	cfg, err := config.Load(old.Path)
	if err != nil {
		d.log.Error("reload failed: the configuration in use is unchanged", "config", old.Path, "err", err)
		return reloadResult{}, err
	}
	for _, w := range cfg.Warnings {
		d.log.Warn("config: " + w)
	}
	res := reloadResult{Summary: cfg.Summary(), Restart: needsRestart(old, cfg)}

	dir := d.dir.Load()
	if !reflect.DeepEqual(old.LDAP, cfg.LDAP) {
		next, err := d.newDirectory(cfg)
		if err != nil {
			d.log.Error("reload failed: the configuration in use is unchanged", "config", old.Path, "err", err)
			return reloadResult{}, err
		}
		d.dir.Store(next)
		// Requests in flight still use the old connections.
		time.AfterFunc(d.server.RequestTimeout(), func() { dir.Close() })
		dir = next
	}
	d.server.Reload(cfg, dir)
	d.cfg.Store(cfg)
	d.log.Info("configuration reloaded", "summary", res.Summary, "restart_needed_for", res.Restart)
	return res, nil
}

// needsRestart lists the keys that changed but only take effect after a
// restart.
func needsRestart(old, cfg *config.Config) []string {
	var keys []string
	check := func(key string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			keys = append(keys, key)
		}
	}
	check("radius.listen", old.Radius.Listen, cfg.Radius.Listen)
	check("radius.accounting_listen", old.Radius.AccountingListen, cfg.Radius.AccountingListen)
	check("enroll", old.Enroll, cfg.Enroll)
	check("store", old.Store, cfg.Store)
	check("admin", old.Admin, cfg.Admin)
	check("log", old.Log, cfg.Log)
	return slices.Clip(keys)
}

// reloadOnHUP reloads the configuration on every SIGHUP until stop is
// called.
func (d *daemon) reloadOnHUP() (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				d.reload() // logs success and failure
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}
