package directory_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/directory/directorytest"
)

// BenchmarkAuthenticate measures a lookup plus a user bind against a real
// slapd, in parallel on pooled connections.
func BenchmarkAuthenticate(b *testing.B) {
	srv := directorytest.Start(b)
	cfg := srv.Config()
	cfg.PoolSize = 16
	c, err := directory.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, ok, err := c.Authenticate(context.Background(), "alice", "alice-pass")
			if err != nil || !ok {
				b.Errorf("Authenticate = %v, %v", ok, err)
				return
			}
		}
	})
}
