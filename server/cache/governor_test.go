package cache

import (
	"context"
	"math"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// machineAt returns a Reading whose only pressure is the machine's, at p %.
func machineAt(p int) Reading {
	return Reading{MemTotal: 1000 << 20, MemAvailable: int64(100-p) * 10 << 20}
}

func TestPressureOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Reading
		want int
	}{
		{"nothing known", Reading{}, 0},
		{"machine", machineAt(42), 42},
		{"machine full", Reading{MemTotal: 100, MemAvailable: 0}, 100},
		{"machine avail > total", Reading{MemTotal: 100, MemAvailable: 200}, 0},
		{"heap vs GOMEMLIMIT", Reading{HeapInuse: 48 << 20, GoMemLimit: 64 << 20}, 75},
		{"heap without GOMEMLIMIT ignored", Reading{HeapInuse: 48 << 20}, 0},
		{"heap over GOMEMLIMIT", Reading{HeapInuse: 80 << 20, GoMemLimit: 64 << 20}, 100},
		{"cgroup", Reading{CgroupUsage: 90 << 20, CgroupLimit: 100 << 20}, 90},
		{"max of all", Reading{HeapInuse: 10 << 20, GoMemLimit: 64 << 20, CgroupUsage: 30, CgroupLimit: 100,
			MemTotal: 1000, MemAvailable: 400}, 60},
		{"huge values", Reading{CgroupUsage: math.MaxInt64 / 2, CgroupLimit: math.MaxInt64 - 1}, 49},
	} {
		if got := PressureOf(tc.r); got != tc.want {
			t.Errorf("%s: PressureOf = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestBudget(t *testing.T) {
	const base = 1 << 20
	for _, tc := range []struct {
		p    int
		want int64
	}{
		{0, base}, {69, base}, {70, base},
		{75, base * 3 / 4}, {80, base / 2}, {84, base * 3 / 10},
		{85, base / 10}, {99, base / 10}, {100, base / 10},
	} {
		if got := Budget(base, tc.p); got != tc.want {
			t.Errorf("Budget(%d) = %d, want %d", tc.p, got, tc.want)
		}
	}
	// Monotone through the shrink band, ending near 25 %.
	prev := Budget(base, 70)
	for p := 71; p < 85; p++ {
		b := Budget(base, p)
		if b >= prev {
			t.Errorf("Budget(%d) = %d not below Budget(%d) = %d", p, b, p-1, prev)
		}
		prev = b
	}
	if got := Budget(math.MaxInt64, 80); got != math.MaxInt64/2 {
		t.Errorf("Budget(MaxInt64, 80) = %d (overflow?)", got)
	}
}

type actionCounts struct{ shrink, clear, bypass, restore uint64 }

func actions() actionCounts {
	return actionCounts{actShrink.Get(), actClear.Get(), actBypass.Get(), actRestore.Get()}
}

func (a actionCounts) minus(b actionCounts) actionCounts {
	return actionCounts{a.shrink - b.shrink, a.clear - b.clear, a.bypass - b.bypass, a.restore - b.restore}
}

func TestGovernorPolicy(t *testing.T) {
	const base = 1 << 20
	c := New(Options{MaxBytes: base, Enabled: true, Coalescing: true})
	var p atomic.Int64
	g := NewGovernor(c, base, GovernorOptions{Read: func() Reading { return machineAt(int(p.Load())) }})

	type none = actionCounts
	steps := []struct {
		p       int
		budget  int64
		bypass  bool
		cleared bool // the sentinel entry stored before the step is gone
		acts    actionCounts
	}{
		{10, base, false, false, none{}},
		{69, base, false, false, none{}},
		{70, base, false, false, none{}},
		{75, base * 3 / 4, false, false, none{shrink: 1}},
		{84, base * 3 / 10, false, false, none{shrink: 1}},
		{80, base / 2, false, false, none{}}, // grows back, not to base: no restore
		{85, base / 10, false, true, none{shrink: 1, clear: 1}},
		{90, base / 10, false, false, none{}}, // cleared on entry only
		{85, base / 10, false, false, none{}},
		{72, Budget(base, 72), false, false, none{}},
		{60, base, false, false, none{restore: 1}},
		{95, base / 10, true, true, none{shrink: 1, bypass: 1}},
		{99, base / 10, true, true, none{}},
		{90, base / 10, true, true, none{}}, // hysteresis: still bypassed
		{80, base / 10, true, true, none{}}, // not yet below 80
		{79, Budget(base, 79), false, false, none{restore: 1}},
		{50, base, false, false, none{restore: 1}},
		{97, base / 10, true, true, none{shrink: 1, bypass: 1}},
		{40, base, false, false, none{restore: 1}}, // bypass and budget restored in one step: counted once
	}
	for i, s := range steps {
		stored := c.Set("sentinel", entryOf(100)) // not while bypassed
		before := actions()
		p.Store(int64(s.p))
		if got := g.Check(); got != s.p || g.Pressure() != s.p {
			t.Fatalf("step %d: Check = %d, Pressure = %d, want %d", i, got, g.Pressure(), s.p)
		}
		_, present := c.o.GetIfPresent("sentinel")
		if c.MaxBytes() != s.budget || c.Bypassed() != s.bypass || present != (stored && !s.cleared) {
			t.Errorf("step %d (p=%d): budget %d bypass %v sentinel present %v; want %d %v %v",
				i, s.p, c.MaxBytes(), c.Bypassed(), present, s.budget, s.bypass, stored && !s.cleared)
		}
		if got := actions().minus(before); got != s.acts {
			t.Errorf("step %d (p=%d): actions %+v, want %+v", i, s.p, got, s.acts)
		}
		if got := metrics.GetOrCreateGauge(`calendarbot_memory_pressure`, nil).Get(); got != float64(s.p) {
			t.Errorf("step %d: pressure gauge %v", i, got)
		}
		if b := c.Bytes(); b > c.MaxBytes() {
			t.Errorf("step %d: Bytes %d > budget %d", i, b, c.MaxBytes())
		}
	}
}

func TestGovernorShrinkEvicts(t *testing.T) {
	const base = 256 << 10
	c := New(Options{MaxBytes: base, Enabled: true})
	for i := range 300 {
		c.Set(Key("k", string(rune('a'+i%26)), string(rune(i))), entryOf(600))
	}
	var p atomic.Int64
	g := NewGovernor(c, 0, GovernorOptions{Read: func() Reading { return machineAt(int(p.Load())) }})
	p.Store(80)
	g.Check()
	if b := c.Bytes(); b > base/2 {
		t.Errorf("at 80 %%: Bytes %d > %d", b, base/2)
	}
}

func TestGovernorRun(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true})
	var reads atomic.Int32
	g := NewGovernor(c, 1<<20, GovernorOptions{
		Interval: time.Millisecond,
		Read:     func() Reading { reads.Add(1); return machineAt(75) },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.Run(ctx); close(done) }()
	for reads.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if g.Pressure() != 75 || c.MaxBytes() != Budget(1<<20, 75) {
		t.Errorf("pressure %d budget %d", g.Pressure(), c.MaxBytes())
	}
}

func TestGovernorDefaultReader(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true})
	g := NewGovernor(c, 1<<20, GovernorOptions{Root: "testdata/v2"})
	if g.interval != DefaultGovernorInterval {
		t.Errorf("interval %v", g.interval)
	}
	// testdata/v2: machine at 50 %, cgroup 32 MiB of 96 MiB = 33 %; the
	// heap term depends on this process's GOMEMLIMIT.
	old := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(old)
	if p := g.Check(); p != 50 {
		t.Errorf("pressure from testdata/v2 = %d, want 50", p)
	}
	// An operator sees the machine's memory in /metrics (on the appliance:
	// kernel, the initramfs in RAM and the server together).
	var b strings.Builder
	metrics.WritePrometheus(&b, false)
	for _, want := range []string{"calendarbot_system_memory_available_bytes 225071104\n",
		"calendarbot_system_memory_total_bytes 450142208\n", "calendarbot_memory_pressure 50\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestReadSystem(t *testing.T) {
	const piTotal = 439592 * 1024
	for _, tc := range []struct {
		root                       string
		total, avail, limit, usage int64
	}{
		// v2 service below a slice with a tighter limit; usage minus inactive_file.
		{"testdata/v2", piTotal, 219796 * 1024, 96 << 20, 40<<20 - 8<<20},
		// v2 in a container, memory.max "max".
		{"testdata/v2max", piTotal, 219796 * 1024, 0, 16 << 20},
		// v1 with a 64 MiB limit; usage minus total_inactive_file.
		{"testdata/v1", piTotal, 219796 * 1024, 64 << 20, 48<<20 - 16<<20},
		// v1 unlimited (PAGE_COUNTER_MAX), found at the hierarchy root.
		{"testdata/v1unlimited", piTotal, 219796 * 1024, 0, 100 << 20},
		// No memory controller; meminfo without MemAvailable.
		{"testdata/nocgroup", piTotal, (100000 + 10000 + 50000) * 1024, 0, 0},
		{"testdata/does-not-exist", 0, 0, 0, 0},
	} {
		r := ReadSystem(tc.root)
		if r.MemTotal != tc.total || r.MemAvailable != tc.avail || r.CgroupLimit != tc.limit || r.CgroupUsage != tc.usage {
			t.Errorf("%s: MemTotal %d MemAvailable %d CgroupLimit %d CgroupUsage %d; want %d %d %d %d",
				tc.root, r.MemTotal, r.MemAvailable, r.CgroupLimit, r.CgroupUsage, tc.total, tc.avail, tc.limit, tc.usage)
		}
		if r.HeapInuse == 0 || r.HeapSys < r.HeapInuse || r.Sys < r.HeapSys {
			t.Errorf("%s: runtime figures HeapInuse %d HeapSys %d Sys %d", tc.root, r.HeapInuse, r.HeapSys, r.Sys)
		}
	}
	// The real system must at least be readable without panicking.
	r := ReadSystem("")
	t.Logf("this machine: %+v, pressure %d, default limit %d MiB", r, PressureOf(r), DefaultMemoryLimit(r)>>20)
}

func TestReadingGoMemLimit(t *testing.T) {
	old := debug.SetMemoryLimit(50 << 20)
	defer debug.SetMemoryLimit(old)
	if r := ReadSystem("testdata/nocgroup"); r.GoMemLimit != 50<<20 {
		t.Errorf("GoMemLimit %d", r.GoMemLimit)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if r := ReadSystem("testdata/nocgroup"); r.GoMemLimit != 0 {
		t.Errorf("unset GoMemLimit read as %d", r.GoMemLimit)
	}
}

func TestDefaultMemoryLimit(t *testing.T) {
	const MiB = 1 << 20
	for _, tc := range []struct {
		name string
		r    Reading
		want int64
	}{
		{"Pi Zero 2 W, no cgroup", Reading{MemTotal: 439592 * 1024}, 64 * MiB},
		{"small machine: 25 %", Reading{MemTotal: 200 * MiB}, 50 * MiB},
		{"tiny machine: floor", Reading{MemTotal: 64 * MiB}, 32 * MiB},
		{"big machine: 64 MiB cap", Reading{MemTotal: 16 << 30}, 64 * MiB},
		{"cgroup 96 MiB: 75 %", Reading{MemTotal: 439592 * 1024, CgroupLimit: 96 * MiB}, 72 * MiB},
		{"cgroup 200 MiB: 75 %, above the machine default", Reading{MemTotal: 1 << 30, CgroupLimit: 200 * MiB}, 150 * MiB},
		{"cgroup 40 MiB: floor", Reading{MemTotal: 439592 * 1024, CgroupLimit: 40 * MiB}, 32 * MiB},
		{"cgroup above MemTotal ignored", Reading{MemTotal: 400 * MiB, CgroupLimit: 800 * MiB}, 64 * MiB},
		{"cgroup, MemTotal unknown", Reading{CgroupLimit: 128 * MiB}, 96 * MiB},
		{"nothing known", Reading{}, 64 * MiB},
	} {
		if got := DefaultMemoryLimit(tc.r); got != tc.want {
			t.Errorf("%s: %d MiB, want %d MiB", tc.name, got/MiB, tc.want/MiB)
		}
	}
}

func TestApplyDefaultMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)

	t.Setenv("GOMEMLIMIT", "100MiB")
	debug.SetMemoryLimit(100 << 20)
	if l, set := ApplyDefaultMemoryLimit(); set || l != 100<<20 {
		t.Errorf("with GOMEMLIMIT set: %d, %v", l, set)
	}

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	l, set := ApplyDefaultMemoryLimit()
	if !set || l < MinMemoryLimit || debug.SetMemoryLimit(-1) != l {
		t.Errorf("without GOMEMLIMIT: %d, %v (runtime limit %d)", l, set, debug.SetMemoryLimit(-1))
	}
}
