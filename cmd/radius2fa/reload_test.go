package main

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"layeh.com/radius"
)

// A reload under a stream of logins: every request gets its answer, a new
// NAS is served without a restart, and a broken file changes nothing.
func TestReloadUnderLoad(t *testing.T) {
	h := newHarness(t, harnessOptions{policyYAML: "  default: password"})
	h.start()

	var (
		stop     atomic.Bool
		sent     atomic.Int64
		lost     atomic.Int64
		wrong    atomic.Int64
		maxNanos atomic.Int64
		wg       sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				start := time.Now()
				r := h.send(request{user: "carol", password: "carol-pass"}, 3*time.Second)
				took := time.Since(start)
				sent.Add(1)
				switch {
				case r == nil:
					lost.Add(1)
				case r.code != radius.CodeAccessAccept:
					wrong.Add(1)
				}
				for {
					old := maxNanos.Load()
					if int64(took) <= old || maxNanos.CompareAndSwap(old, int64(took)) {
						break
					}
				}
			}
		})
	}

	newClient := `
    - name: new-nas
      address: 127.0.0.9
      secret: "` + testSecret + `"
      require_message_authenticator: "no"`
	withNewClient := strings.Replace(h.yaml, "  clients:", "  clients:"+newClient, 1)
	time.Sleep(200 * time.Millisecond) // let the load run before the reloads
	for i := range 10 {
		text := h.yaml
		if i%2 == 0 {
			text = withNewClient
		}
		writeFile(t, h.cfgPath, text)
		res, err := h.d.reload()
		if err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		if !strings.Contains(res.Summary, "OK") {
			t.Fatalf("reload summary: %q", res.Summary)
		}
	}
	writeFile(t, h.cfgPath, withNewClient)
	if _, err := h.d.reload(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	t.Logf("%d requests during 11 reloads, longest took %v", sent.Load(), time.Duration(maxNanos.Load()))
	if lost.Load() != 0 || wrong.Load() != 0 {
		t.Fatalf("during reloads: %d of %d requests got no answer, %d a wrong one", lost.Load(), sent.Load(), wrong.Load())
	}

	// The NAS added by the reload is served.
	h.mustCode(request{user: "carol", password: "carol-pass", from: "127.0.0.9"}, radius.CodeAccessAccept, "")

	// A broken file: every problem reported, nothing changed.
	writeFile(t, h.cfgPath, strings.Replace(withNewClient, "address: 127.0.0.9", "address: 127.0.0.300", 1)+"\nbogus_section: 1\n")
	_, err := h.d.reload()
	if err == nil || !strings.Contains(err.Error(), `radius.clients[0].address: "127.0.0.300" is not an IP or CIDR`) ||
		!strings.Contains(err.Error(), "bogus_section: unknown key") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	h.mustCode(request{user: "carol", password: "carol-pass", from: "127.0.0.9"}, radius.CodeAccessAccept, "")
	if !strings.Contains(h.logs.String(), "reload failed: the configuration in use is unchanged") {
		t.Error("the failed reload was not logged")
	}

	// A change that needs a restart is named.
	writeFile(t, h.cfgPath, strings.Replace(withNewClient, `listen: ["127.0.0.1:0"]`, `listen: ["127.0.0.1:0", "127.0.0.1:0"]`, 1))
	res, err := h.d.reload()
	if err != nil || len(res.Restart) != 1 || res.Restart[0] != "radius.listen" {
		t.Fatalf("reload with a new listen address: %+v %v", res, err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
