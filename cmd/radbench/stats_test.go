package main

import (
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/radius2fa/radius2fa/totp"
)

// A reject counts as a boundary reject when the code it refused was of
// another step than the one in which the answer came.
func TestFinishCountsBoundaryRejects(t *testing.T) {
	now := totp.Step(time.Now(), period)
	reject, accept := []byte{byte(radius.CodeAccessReject)}, []byte{byte(radius.CodeAccessAccept)}
	for _, tt := range []struct {
		name     string
		resp     []byte
		step     uint64
		withCode bool
		want     int64
	}{
		{"code of the previous step rejected", reject, now - 1, true, 1},
		{"code of a later step rejected", reject, now + 2, true, 1},
		{"rejected without a code (password, or a challenge's first request)", reject, now - 1, false, 0},
		{"accepted", accept, now - 1, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStats(true)
			s.finish(tt.resp, answered, time.Now(), tt.step, tt.withCode, period)
			if s.BoundaryRejects != tt.want {
				t.Fatalf("boundary_rejects = %d, want %d", s.BoundaryRejects, tt.want)
			}
		})
	}
	s := newStats(true)
	s.finish(reject, answered, time.Now(), totp.Step(time.Now(), period), true, period)
	s.finish(nil, timedOut, time.Now(), 0, true, period)
	s.finish(nil, badAnswer, time.Now(), 0, true, period)
	if s.Rejects != 1 || s.Timeouts != 1 || s.Bad != 1 || s.lat.n != 1 {
		t.Fatalf("counts %+v, %d latencies; want one reject (with its latency), one timeout, one bad", s.Counts, s.lat.n)
	}
}
