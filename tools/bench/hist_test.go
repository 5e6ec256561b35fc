package main

import (
	"math"
	"testing"
)

func TestHistIndexRoundTrip(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 123456, 1e9, 1e12, math.MaxUint64} {
		i := histIndex(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d (previous %d, %d buckets)", v, i, prev, histBuckets)
		}
		prev = i
		up := histUpper(i)
		if up < v {
			t.Errorf("histUpper(histIndex(%d)) = %d < value", v, up)
		}
		if v >= histExact && float64(up-v) > float64(v)/histSub {
			t.Errorf("bucket of %d ends at %d: more than 1/%d off", v, up, histSub)
		}
		if i+1 < histBuckets && histIndex(up+1) != i+1 && up != math.MaxUint64 {
			t.Errorf("value after bucket %d's end goes to %d", i, histIndex(up+1))
		}
	}
}

func TestHistQuantiles(t *testing.T) {
	var a, b hist
	// 1..10000 µs, split over two histograms as the workers do.
	for i := uint64(1); i <= 10000; i++ {
		if i%2 == 0 {
			a.record(i * 1000)
		} else {
			b.record(i * 1000)
		}
	}
	a.merge(&b)
	if a.n != 10000 || a.min != 1000 || a.max != 10000*1000 {
		t.Fatalf("n=%d min=%d max=%d", a.n, a.min, a.max)
	}
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.5, 5000e3}, {0.9, 9000e3}, {0.99, 9900e3}, {0.999, 9990e3}, {1, 10000e3}} {
		got := float64(a.quantile(c.q))
		if got < c.want || got > c.want*(1+1.0/histSub) {
			t.Errorf("q%.3f = %.0f, want %.0f (+1/%d)", c.q, got, c.want, histSub)
		}
	}
	if m := a.mean(); math.Abs(m-5000.5e3) > 1 {
		t.Errorf("mean %.1f", m)
	}
	var one hist
	one.record(777)
	if one.quantile(0.5) != 777 || one.quantile(0.99) != 777 {
		t.Errorf("single value: %d %d", one.quantile(0.5), one.quantile(0.99))
	}
	var empty hist
	if empty.quantile(0.5) != 0 {
		t.Error("empty histogram")
	}
}

func TestMedianSpread(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	if m := median([]float64{math.NaN(), 5}); m != 5 {
		t.Errorf("median with NaN = %v", m)
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing")
	}
	if lo, hi := spread([]float64{2, math.NaN(), -1, 7}); lo != -1 || hi != 7 {
		t.Errorf("spread = %v %v", lo, hi)
	}
}
