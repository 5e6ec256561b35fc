package main

import (
	"math"
	"testing"
)

func TestPairRatios(t *testing.T) {
	s := []PairSlice{
		{Server: "default", RPS: 40, CPUPer1k: 0.025},
		{Server: "minimal", RPS: 50, CPUPer1k: 0.020},
		{Server: "minimal", RPS: 60, CPUPer1k: 0.016},
		{Server: "default", RPS: 45, CPUPer1k: 0.0200},
		{Server: "default", RPS: 1, CPUPer1k: 1}, // unpaired tail: ignored
	}
	rps, cpu := pairRatios(s)
	want := [][2]float64{{80, 80}, {75, 80}}
	if len(rps) != len(want) || len(cpu) != len(want) {
		t.Fatalf("pairs: %v %v", rps, cpu)
	}
	for i, w := range want {
		if math.Abs(rps[i]-w[0]) > 1e-9 || math.Abs(cpu[i]-w[1]) > 1e-9 {
			t.Errorf("pair %d: %.2f %% by req/s, %.2f %% by CPU; want %v", i, rps[i], cpu[i], w)
		}
	}
	p := &PairedResult{PctRPS: rps, PctCPU: cpu}
	if p.MedianRPS() != 77.5 || p.MedianCPU() != 80 {
		t.Errorf("medians %v %v", p.MedianRPS(), p.MedianCPU())
	}
	// Two slices of the same server make no pair.
	if r, _ := pairRatios([]PairSlice{{Server: "default", RPS: 1, CPUPer1k: 1}, {Server: "default", RPS: 1, CPUPer1k: 1}}); len(r) != 0 {
		t.Errorf("same-server pair counted: %v", r)
	}
}
