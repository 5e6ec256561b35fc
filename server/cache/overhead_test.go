package cache

import (
	"runtime"
	"strconv"
	"testing"
)

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// measureOverhead stores n entries whose key and body bytes are allocated
// up front (so they are excluded), and returns the growth of the live heap
// per entry: what EntryOverhead has to stand for.
func measureOverhead(t testing.TB, n int) float64 {
	keys := make([]string, n)
	bodies := make([][]byte, n)
	for i := range keys {
		keys[i] = Key("/api/week", "tz=Europe/Berlin", "v"+strconv.Itoa(i))
		bodies[i] = make([]byte, 256)
		bodies[i][0] = byte(i)
	}
	c := New(Options{MaxBytes: 1 << 40, Enabled: true})
	before := liveHeap()
	for i := range keys {
		if !c.Set(keys[i], NewEntry(bodies[i], "application/json")) {
			t.Fatalf("entry %d not stored", i)
		}
	}
	_ = c.Bytes() // settle maintenance
	after := liveHeap()
	if got := c.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	runtime.KeepAlive(keys)
	runtime.KeepAlive(bodies)
	runtime.KeepAlive(c)
	return float64(after-before) / float64(n)
}

func TestEntryOverheadMeasured(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation sizes")
	}
	for _, n := range []int{1000, 3000, 5000, 8000, 12000, 20000, 50000} {
		per := measureOverhead(t, n)
		t.Logf("n=%d: %.1f bytes per entry beyond key and body (EntryOverhead=%d)", n, per, EntryOverhead)
		if per > EntryOverhead*1.25 {
			t.Errorf("measured %.1f bytes per entry, EntryOverhead %d is too small", per, EntryOverhead)
		}
	}
}
