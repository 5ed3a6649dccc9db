package store

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkOverlayMemory reports the heap one journaled login costs
// until the next checkpoint: a map entry and the user id it keeps
// (11 bytes here), for 10,000 distinct users.
func BenchmarkOverlayMemory(b *testing.B) {
	const n = 10000
	users := make([]string, n)
	var perEntry float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range users {
			users[i] = fmt.Sprintf("user%07d", i) // a fresh string, as a request brings
		}
		o := newOverlay(1)
		batch := make(map[string]acceptedStep, 1)
		for i, u := range users {
			batch[u] = acceptedStep{enrollmentID: uint64(i), step: 1, used: 1}
			o.publish(batch)
			clear(batch)
		}
		clear(users) // the overlay alone holds them now
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(o)
	}
	b.ReportMetric(perEntry, "B/entry")
}
