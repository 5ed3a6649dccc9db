package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/radius2fa/radius2fa/directory"
)

// readCollector reads counters and gauges kept elsewhere when scraped, so
// nothing is counted twice.
type readCollector struct {
	src                                              Sources
	received, dropped, cacheHits, accounting, status *prometheus.Desc
	pool, poolSize, users, enrollments               *prometheus.Desc
	cacheLookups, cacheEntries                       *prometheus.Desc
}

func newReadCollector(src Sources) *readCollector {
	return &readCollector{
		src: src,
		received: prometheus.NewDesc("radius2fa_received_total",
			"Datagrams received on the RADIUS listeners.", nil, nil),
		dropped: prometheus.NewDesc("radius2fa_dropped_total",
			"Datagrams left unanswered, by cause.", []string{"cause"}, nil),
		cacheHits: prometheus.NewDesc("radius2fa_response_cache_hits_total",
			"Retransmitted requests answered from the duplicate cache.", nil, nil),
		accounting: prometheus.NewDesc("radius2fa_accounting_responses_total",
			"Accounting-Responses sent.", nil, nil),
		status: prometheus.NewDesc("radius2fa_status_server_total",
			"Status-Server requests answered.", nil, nil),
		pool: prometheus.NewDesc("radius2fa_ldap_pool_connections",
			"LDAP connections, by pool (search, bind) and state (in_use, idle).", []string{"pool", "state"}, nil),
		poolSize: prometheus.NewDesc("radius2fa_ldap_pool_size",
			"Most LDAP connections a pool opens (ldap.pool_size).", []string{"pool"}, nil),
		cacheLookups: prometheus.NewDesc("radius2fa_ldap_identity_cache_lookups_total",
			"User lookups by whether the identity cache (ldap.cache_ttl) answered (hit) or a search did (miss), since the directory settings were last loaded.", []string{"result"}, nil),
		cacheEntries: prometheus.NewDesc("radius2fa_ldap_identity_cache_entries",
			"Users held in the identity cache, expired ones until a sweep forgets them.", nil, nil),
		users: prometheus.NewDesc("radius2fa_users",
			"Users the store knows (enrolled, with failures or recovery codes).", nil, nil),
		enrollments: prometheus.NewDesc("radius2fa_enrollments",
			"Users with a registered authenticator app.", nil, nil),
	}
}

func (c *readCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.received, c.dropped, c.cacheHits, c.accounting, c.status,
		c.pool, c.poolSize, c.cacheLookups, c.cacheEntries, c.users, c.enrollments} {
		ch <- d
	}
}

func (c *readCollector) Collect(ch chan<- prometheus.Metric) {
	if c.src.Server != nil {
		st := c.src.Server()
		ch <- prometheus.MustNewConstMetric(c.received, prometheus.CounterValue, float64(st.Received))
		for cause, n := range st.Drops {
			ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(n), cause)
		}
		ch <- prometheus.MustNewConstMetric(c.cacheHits, prometheus.CounterValue, float64(st.CacheHits))
		ch <- prometheus.MustNewConstMetric(c.accounting, prometheus.CounterValue, float64(st.Accounting))
		ch <- prometheus.MustNewConstMetric(c.status, prometheus.CounterValue, float64(st.StatusServer))
	}
	if c.src.Pools != nil {
		search, bind := c.src.Pools()
		for _, p := range []struct {
			name string
			s    directory.PoolStats
		}{{"search", search}, {"bind", bind}} {
			ch <- prometheus.MustNewConstMetric(c.pool, prometheus.GaugeValue, float64(p.s.InUse), p.name, "in_use")
			ch <- prometheus.MustNewConstMetric(c.pool, prometheus.GaugeValue, float64(p.s.Idle), p.name, "idle")
			ch <- prometheus.MustNewConstMetric(c.poolSize, prometheus.GaugeValue, float64(p.s.Size), p.name)
		}
	}
	if c.src.IdentityCache != nil {
		if st, ok := c.src.IdentityCache(); ok {
			ch <- prometheus.MustNewConstMetric(c.cacheLookups, prometheus.CounterValue, float64(st.Hits), "hit")
			ch <- prometheus.MustNewConstMetric(c.cacheLookups, prometheus.CounterValue, float64(st.Misses), "miss")
			ch <- prometheus.MustNewConstMetric(c.cacheEntries, prometheus.GaugeValue, float64(st.Entries))
		}
	}
	if c.src.Enrollments != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if users, enrolled, err := c.src.Enrollments(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(c.users, prometheus.GaugeValue, float64(users))
			ch <- prometheus.MustNewConstMetric(c.enrollments, prometheus.GaugeValue, float64(enrolled))
		}
	}
}
