package main

import (
	"fmt"
	"time"
)

// PairedResult compares the cached server with the minimal handler while
// both processes run side by side on the server core and the load
// alternates between them in short slices (ours, minimal, minimal, ours, …).
//
// Why: this machine's speed drifts by ±15–25 % over tens of seconds (other
// tenants of the host), and the separate runs above measure the two servers
// 10–30 s apart, so their ratio swings from 60 % to 96 % between runs of the
// same binaries. Neighbouring one-second slices see the same machine; the
// ratio of each pair is the comparison, and the median over pairs is robust
// to the odd disturbed slice.
type PairedResult struct {
	Conns  int         `json:"connections"`
	SliceS float64     `json:"slice_s"`
	Slices []PairSlice `json:"slices"` // in the order they ran
	// Per pair of neighbouring slices (one of each server): the cached
	// server's req/s as % of the minimal handler's, and the minimal
	// handler's CPU per request as % of ours.
	PctRPS []float64 `json:"pct_rps"`
	PctCPU []float64 `json:"pct_cpu"`
}

// PairSlice is one slice of load on one server.
type PairSlice struct {
	Server   string  `json:"server"` // default or minimal
	RPS      float64 `json:"rps"`
	CPUPer1k float64 `json:"server_cpu_s_per_1k"`
	P99Ms    float64 `json:"p99_ms"`
}

// MedianRPS and MedianCPU summarise the pairs (NaN without pairs).
func (p *PairedResult) MedianRPS() float64 { return median(p.PctRPS) }
func (p *PairedResult) MedianCPU() float64 { return median(p.PctCPU) }

// pairedRun starts calendarbot (with its feed) and the minimal handler
// serving calendarbot's answer, both pinned to the server core, and loads
// them alternately with b.pairSlices slices of b.pairSlice at the highest
// connection count.
func (b *bench) pairedRun() (*PairedResult, error) {
	conns := b.maxConns()
	logf("paired: both servers on the server core, %d alternating slices of %v at c=%d", b.pairSlices, b.pairSlice, conns)
	srv, err := b.startServer("default", "paired-default.log", nil)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ours := srv.p
	minimal, _, err := b.startMinimal("paired", srv.body, srv.hdr)
	if err != nil {
		return nil, err
	}
	defer minimal.stop()
	if _, err := minimal.waitResponse("http://"+minimal.addr+"/api/whats-next", time.Millisecond, 20*time.Second); err != nil {
		return nil, err
	}
	for _, p := range []*proc{ours, minimal} {
		if b.warmup > 0 {
			if _, err := b.loadgen(p.addr, conns, b.warmup); err != nil {
				return nil, err
			}
		}
	}
	res := &PairedResult{Conns: conns, SliceS: b.pairSlice.Seconds()}
	for i := range b.pairSlices {
		// ours, minimal, minimal, ours, …: a steady drift favours neither.
		p := ours
		if (i%4 == 1) || (i%4 == 2) {
			p = minimal
		}
		s, err := b.slice(p, conns)
		if err != nil {
			return nil, fmt.Errorf("paired slice %d (%s): %w", i+1, p.name, err)
		}
		res.Slices = append(res.Slices, s)
	}
	res.PctRPS, res.PctCPU = pairRatios(res.Slices)
	rlo, rhi := spread(res.PctRPS)
	clo, chi := spread(res.PctCPU)
	logf("paired: cached as %% of minimal, median of %d pairs: %.0f %% by req/s (%.0f–%.0f), %.0f %% by CPU per request (%.0f–%.0f)",
		len(res.PctRPS), res.MedianRPS(), rlo, rhi, res.MedianCPU(), clo, chi)
	return res, nil
}

// slice loads p once for b.pairSlice and charges its CPU time to the
// requests.
func (b *bench) slice(p *proc, conns int) (PairSlice, error) {
	cpu0, err := cpuSeconds(p.pid())
	if err != nil {
		return PairSlice{}, err
	}
	rep, err := b.loadgen(p.addr, conns, b.pairSlice)
	if err != nil {
		return PairSlice{}, err
	}
	cpu1, err := cpuSeconds(p.pid())
	if err != nil {
		return PairSlice{}, err
	}
	if rep.Requests == 0 || rep.Errors > 0 || rep.Non200 > 0 {
		return PairSlice{}, fmt.Errorf("%d requests, %d errors, %d non-200 (%s)", rep.Requests, rep.Errors, rep.Non200, rep.FirstError)
	}
	return PairSlice{Server: p.name, RPS: rep.RPS, CPUPer1k: (cpu1 - cpu0) / float64(rep.Requests) * 1000, P99Ms: rep.P99Ms}, nil
}

// pairRatios pairs the slices two by two in order (each pair holds one
// slice of each server) and gives, per pair, ours as % of minimal by req/s
// and minimal's CPU per request as % of ours.
func pairRatios(s []PairSlice) (rps, cpu []float64) {
	for i := 0; i+1 < len(s); i += 2 {
		a, m := s[i], s[i+1]
		if a.Server == "minimal" {
			a, m = m, a
		}
		if a.Server != "default" || m.Server != "minimal" || m.RPS == 0 || a.CPUPer1k == 0 {
			continue
		}
		rps = append(rps, 100*a.RPS/m.RPS)
		cpu = append(cpu, 100*m.CPUPer1k/a.CPUPer1k)
	}
	return rps, cpu
}
