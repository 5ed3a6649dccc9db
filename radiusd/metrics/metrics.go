// Package metrics exposes what the daemon does as Prometheus metrics, and
// its health: /metrics, /healthz (the process is up) and /readyz (the
// store is open and an LDAP server answers).
//
// Metrics receives observations from the RADIUS server (radiusd.Observer),
// the directory (directory.Observer) and the store (commit durations), and
// reads gauges and the server's counters when scraped. It owns its own
// registry: nothing is registered globally.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/radiusd"
)

// Sources are what Metrics reads when scraped. Any may be nil.
type Sources struct {
	// Server returns the RADIUS server's counters (drops, cache hits).
	Server func() radiusd.Stats
	// Pools returns the LDAP connection pools of the directory in use.
	Pools func() (search, bind directory.PoolStats)
	// IdentityCache describes the directory's identity cache; ok is false
	// when it is off.
	IdentityCache func() (st directory.CacheStats, ok bool)
	// Enrollments counts users and enrolled users in the store.
	Enrollments func(ctx context.Context) (users, enrolled int, err error)
	// Ready reports whether the daemon can serve: nil when the store is
	// open and at least one LDAP server answers.
	Ready func(ctx context.Context) error
}

// Metrics is the daemon's metrics registry.
type Metrics struct {
	reg   *prometheus.Registry
	ready func(ctx context.Context) error

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	lockouts     *prometheus.CounterVec
	ldapSearch   *prometheus.HistogramVec
	ldapBind     *prometheus.HistogramVec
	storeCommit  prometheus.Histogram
	storeBatches prometheus.Histogram
}

var (
	_ radiusd.Observer   = (*Metrics)(nil)
	_ directory.Observer = (*Metrics)(nil)
)

// New builds the registry.
func New(src Sources) *Metrics {
	// 100 µs to 10 s: a login takes about a millisecond, a slow LDAP
	// server seconds.
	latencyBuckets := []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &Metrics{
		reg:   prometheus.NewRegistry(),
		ready: src.Ready,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "radius2fa_requests_total",
			Help: "Access-Requests handled, by client, outcome (accept, reject, challenge, drop) and reason.",
		}, []string{"client", "outcome", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "radius2fa_request_duration_seconds",
			Help:    "Time to decide an Access-Request, by outcome.",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		lockouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "radius2fa_lockouts_total",
			Help: "Users locked out after too many wrong codes, by the client the last one came from.",
		}, []string{"client"}),
		ldapSearch: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "radius2fa_ldap_search_duration_seconds",
			Help:    "LDAP searches as the service account, by result (ok, error).",
			Buckets: latencyBuckets,
		}, []string{"result"}),
		ldapBind: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "radius2fa_ldap_bind_duration_seconds",
			Help:    "LDAP binds as a user, by result (valid, invalid, error).",
			Buckets: latencyBuckets,
		}, []string{"result"}),
		storeCommit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "radius2fa_store_commit_duration_seconds",
			Help:    "Store write transactions including fsync (one commit carries many logins).",
			Buckets: latencyBuckets,
		}),
		storeBatches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "radius2fa_store_commit_writes",
			Help:    "Writes carried by one store commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.lockouts, m.ldapSearch, m.ldapBind, m.storeCommit, m.storeBatches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newReadCollector(src))
	return m
}

// ObserveRequest implements radiusd.Observer.
func (m *Metrics) ObserveRequest(client, outcome, reason string, latency time.Duration) {
	m.requests.WithLabelValues(client, outcome, reason).Inc()
	m.latency.WithLabelValues(outcome).Observe(latency.Seconds())
}

// ObserveLockout implements radiusd.Observer.
func (m *Metrics) ObserveLockout(client string) {
	m.lockouts.WithLabelValues(client).Inc()
}

// ObserveSearch implements directory.Observer.
func (m *Metrics) ObserveSearch(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.ldapSearch.WithLabelValues(result).Observe(d.Seconds())
}

// ObserveBind implements directory.Observer.
func (m *Metrics) ObserveBind(d time.Duration, ok bool, err error) {
	result := "invalid"
	switch {
	case err != nil:
		result = "error"
	case ok:
		result = "valid"
	}
	m.ldapBind.WithLabelValues(result).Observe(d.Seconds())
}

// ObserveCommit is the store's commit observer (store.Options.ObserveCommit).
func (m *Metrics) ObserveCommit(d time.Duration, writes int) {
	m.storeCommit.Observe(d.Seconds())
	m.storeBatches.Observe(float64(writes))
}

// Handler serves /metrics, /healthz and /readyz.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if m.ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := m.ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}
