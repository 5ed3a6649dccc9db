package main

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Result is what a run measured; -json prints it as one object.
type Result struct {
	Tool          string  `json:"tool"`
	Server        string  `json:"server"`
	Mode          string  `json:"mode"`
	Concurrency   int     `json:"concurrency"`  // closed loop: workers; 0 with -rate
	Rate          float64 `json:"rate"`         // open loop: logins/s begun; 0 with -c
	MaxInflight   int     `json:"max_inflight"` // open loop: most logins in flight
	Users         int     `json:"users"`
	MsgAuth       bool    `json:"msgauth"`
	OncePerWindow bool    `json:"once_per_window"`
	DurationS     float64 `json:"duration_s"` // the measured period

	Counts
	PerS        float64 `json:"per_s"`         // answered logins a second
	AcceptsPerS float64 `json:"accepts_per_s"` // Access-Accepts a second
	P50Ms       float64 `json:"p50_ms"`        // latency of answered logins
	P90Ms       float64 `json:"p90_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	MeanMs      float64 `json:"mean_ms"`

	Packets PacketCounts `json:"packets"`

	// GenCPUMsPerReq is radbench's own CPU time (user + system, all
	// threads) per login begun; GenCPUPct is the same over the measured
	// period, in percent of one core.
	GenCPUMsPerReq float64 `json:"gen_cpu_ms_per_req"`
	GenCPUPct      float64 `json:"gen_cpu_pct"`

	Interrupted bool     `json:"interrupted,omitempty"` // stopped early (Ctrl-C)
	Warnings    []string `json:"warnings,omitempty"`
}

// merge sums what the workers measured over elapsed, with cpu the CPU
// time the process spent meanwhile.
func merge(ws []*worker, elapsed, cpu time.Duration) Result {
	r := Result{Tool: "radbench", DurationS: elapsed.Seconds()}
	h := newHistogram()
	for _, w := range ws {
		r.Counts.add(w.meas.Counts)
		r.Packets.add(w.meas.pkt)
		h.merge(w.meas.lat)
	}
	if elapsed > 0 {
		r.PerS = float64(r.Accepts+r.Rejects+r.Challenges) / elapsed.Seconds()
		r.AcceptsPerS = float64(r.Accepts) / elapsed.Seconds()
		r.GenCPUPct = 100 * cpu.Seconds() / elapsed.Seconds()
	}
	if r.Sent > 0 {
		r.GenCPUMsPerReq = ms(cpu) / float64(r.Sent)
	}
	r.P50Ms, r.P90Ms, r.P99Ms = ms(h.quantile(0.50)), ms(h.quantile(0.90)), ms(h.quantile(0.99))
	r.MaxMs, r.MeanMs = ms(h.max), ms(h.mean())
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// describe fills in the settings of the run and warns about a user list
// too short for the replay-aware picking.
func (r *Result) describe(o Options, raddr *net.UDPAddr, users int) {
	r.Server, r.Mode, r.Users = raddr.String(), o.Mode, users
	r.MsgAuth, r.OncePerWindow = o.MsgAuth, o.OncePerWindow
	if o.Rate > 0 {
		r.Rate, r.MaxInflight = o.Rate, o.MaxInflight
	} else {
		r.Concurrency = o.Concurrency
	}
	if !o.OncePerWindow || o.Mode == modePassword {
		return
	}
	rate := max(o.Rate, r.PerS)
	if need := 2 * rate * o.Period.Seconds(); float64(users) < need {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"%d users are fewer than 2 × %.0f logins/s × %s = %.0f: a run right after this one, in the same time step, may reuse users and get their codes rejected as replays",
			users, rate, o.Period, need))
	}
	if r.WaitsForStep > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"%d times a worker found every user already used in the current time step and waited for the next one (use more users)", r.WaitsForStep))
	}
}

// Text is the human summary: the outcomes of logins, their rate and
// latency on the first line; packets and radbench's own cost on the
// second.
func (r Result) Text() string {
	var b strings.Builder
	load := fmt.Sprintf("c=%d", r.Concurrency)
	if r.Rate > 0 {
		load = fmt.Sprintf("rate=%g/s", r.Rate)
	}
	fmt.Fprintf(&b, "radbench %s %s %.1fs sent=%d accept=%d reject=%d challenge=%d timeout=%d bad=%d",
		r.Mode, load, r.DurationS, r.Sent, r.Accepts, r.Rejects, r.Challenges, r.Timeouts, r.Bad)
	if r.Errors > 0 {
		fmt.Fprintf(&b, " errors=%d", r.Errors)
	}
	fmt.Fprintf(&b, " %.1f logins/s p50=%.3fms p90=%.3fms p99=%.3fms max=%.3fms (boundary_rejects=%d)\n",
		r.PerS, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.BoundaryRejects)
	p := r.Packets
	fmt.Fprintf(&b, "  packets: sent=%d retransmits=%d accept=%d reject=%d challenge=%d late=%d bad=%d refused=%d;"+
		" waits_for_step=%d inflight_full=%d; radbench CPU %.4f ms/login (%.1f%% of a core)\n",
		p.Sent, p.Retransmits, p.Accepts, p.Rejects, p.Challenges, p.Late, p.Bad, p.Refused,
		r.WaitsForStep, r.InflightFull, r.GenCPUMsPerReq, r.GenCPUPct)
	if r.Interrupted {
		b.WriteString("  interrupted: the numbers cover the time until then\n")
	}
	return b.String()
}
