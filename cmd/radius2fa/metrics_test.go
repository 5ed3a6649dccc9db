package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"layeh.com/radius"
)

// scrape reads /metrics as Prometheus does and returns the families.
func (h *harness) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + h.d.metricsLn.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels
// include want, or -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsAndHealth(t *testing.T) {
	h := newHarness(t, harnessOptions{clock: newTestClock(fixedNow), maxFailures: 2})
	alice := h.enroll("alice")
	h.enroll("bob")
	h.start()
	base := "http://" + h.d.metricsLn.Addr().String()

	before := h.scrape(t)
	if v := value(before, "radius2fa_enrollments", nil); v != 2 {
		t.Fatalf("radius2fa_enrollments = %v, want 2", v)
	}

	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessAccept, "")
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 0)}, radius.CodeAccessReject, msgReused)
	h.mustCode(request{user: "alice", password: "nope" + h.code(alice, 0)}, radius.CodeAccessReject, msgWrongPassword)
	h.mustCode(request{user: "bob", password: "bob-pass000000"}, radius.CodeAccessReject, msgWrongCode)
	h.mustCode(request{user: "bob", password: "bob-pass000000"}, radius.CodeAccessReject, "Too many wrong codes: try again in 15 min")
	h.mustCode(request{user: "alice", password: "alice-pass" + h.code(alice, 1)}, radius.CodeAccessAccept, "")
	if r := h.send(request{user: "alice", password: "x", from: "127.0.0.2"}, 300*time.Millisecond); r != nil {
		t.Fatal("an unknown client got an answer")
	}

	after := h.scrape(t)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"radius2fa_requests_total", map[string]string{"client": "vpn-gw", "outcome": "accept", "reason": "ok"}, 2},
		{"radius2fa_requests_total", map[string]string{"client": "vpn-gw", "outcome": "reject", "reason": "code_reused"}, 1},
		{"radius2fa_requests_total", map[string]string{"client": "vpn-gw", "outcome": "reject", "reason": "wrong_password"}, 1},
		{"radius2fa_requests_total", map[string]string{"client": "vpn-gw", "outcome": "reject", "reason": "wrong_code"}, 1},
		{"radius2fa_requests_total", map[string]string{"client": "vpn-gw", "outcome": "reject", "reason": "locked_out"}, 1},
		{"radius2fa_lockouts_total", map[string]string{"client": "vpn-gw"}, 1},
		{"radius2fa_request_duration_seconds", map[string]string{"outcome": "reject"}, 4},
		{"radius2fa_dropped_total", map[string]string{"cause": "unknown_client"}, 1},
		// alice and bob once each, then from the cache (ldap.cache_ttl);
		// alice once more after her wrong password.
		{"radius2fa_ldap_search_duration_seconds", map[string]string{"result": "ok"}, 3},
		{"radius2fa_ldap_bind_duration_seconds", map[string]string{"result": "valid"}, 5},
		{"radius2fa_ldap_bind_duration_seconds", map[string]string{"result": "invalid"}, 1},
		// Lookups: alice hit 3 times (the third's bind failed, so she was
		// searched again), bob once.
		{"radius2fa_ldap_identity_cache_lookups_total", map[string]string{"result": "hit"}, 4},
		{"radius2fa_ldap_identity_cache_lookups_total", map[string]string{"result": "miss"}, 3},
		{"radius2fa_ldap_identity_cache_entries", nil, 2},
		{"radius2fa_ldap_pool_size", map[string]string{"pool": "bind"}, 4},
		{"radius2fa_ldap_pool_connections", map[string]string{"pool": "bind", "state": "in_use"}, 0},
	} {
		if got := value(after, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(after, "radius2fa_store_commit_duration_seconds", nil); v < 3 {
		t.Errorf("store commits observed: %v, want at least 3", v)
	}

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	h.ldap.Stop()
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.HasPrefix(body, "not ready: ldap: ") {
		t.Fatalf("/readyz with LDAP down: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz with LDAP down: %d", code)
	}
}
