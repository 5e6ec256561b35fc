package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Governor bands, in percent of memory pressure (see PressureOf).
const (
	BandShrink   = 70 // from here the budget shrinks linearly ...
	BandCritical = 85 // ... to 25 % of base here; at and above: clear, 10 %
	BandBypass   = 95 // at and above: bypass the cache ...
	BandRestore  = 80 // ... until pressure falls below this (hysteresis)
)

// DefaultGovernorInterval is the default time between readings.
const DefaultGovernorInterval = 5 * time.Second

// GovernorOptions configures a Governor. The zero value reads the real
// system every 5 s.
type GovernorOptions struct {
	// Interval between readings in Run; 0 means DefaultGovernorInterval.
	Interval time.Duration
	// Read takes a reading; nil means the Go runtime plus the files under
	// Root (as ReadSystem does, reusing its runtime/metrics buffers).
	// Tests inject readings here.
	Read func() Reading
	// Root is the file system root for /proc and /sys when Read is nil;
	// "" means "/".
	Root string
}

// Governor adapts a Cache's byte budget to memory pressure. See the package
// documentation for the bands.
type Governor struct {
	c        *Cache
	base     int64
	interval time.Duration
	read     func() Reading
	pressure atomic.Int64

	mu       sync.Mutex // serialises Check
	budget   int64      // budget last applied
	critical bool       // in the critical band (cleared on entry)
	bypassed bool       // bypass on (until pressure < BandRestore)
}

// NewGovernor returns a Governor for c whose full budget is base (the
// configured Options.MaxBytes; base <= 0 means c's current budget).
func NewGovernor(c *Cache, base int64, opts GovernorOptions) *Governor {
	if base <= 0 {
		base = c.MaxBytes()
	}
	g := &Governor{c: c, base: base, interval: opts.Interval, read: opts.Read, budget: c.MaxBytes()}
	if g.interval <= 0 {
		g.interval = DefaultGovernorInterval
	}
	if g.read == nil {
		root := opts.Root
		var mu sync.Mutex
		samples := newRuntimeSamples()
		g.read = func() Reading {
			mu.Lock()
			defer mu.Unlock()
			var r Reading
			readRuntime(&r, samples)
			readFiles(&r, root)
			return r
		}
	}
	return g
}

// PressureOf returns the memory pressure of r in percent, 0..100: the
// largest of the Go heap in use against GOMEMLIMIT (if set), the cgroup's
// working set against its limit (if any) and the machine's used share,
// 1 - MemAvailable/MemTotal.
func PressureOf(r Reading) int {
	p := int64(0)
	if r.GoMemLimit > 0 {
		p = max(p, pct(int64(min(r.HeapInuse, 1<<62)), r.GoMemLimit))
	}
	if r.CgroupLimit > 0 {
		p = max(p, pct(r.CgroupUsage, r.CgroupLimit))
	}
	if r.MemTotal > 0 {
		p = max(p, pct(r.MemTotal-min(max(r.MemAvailable, 0), r.MemTotal), r.MemTotal))
	}
	return int(min(p, 100))
}

func pct(used, total int64) int64 {
	if used <= 0 {
		return 0
	}
	if used >= total {
		return 100
	}
	// used < total, so used/total*100 is computed without overflow for
	// any realistic size by scaling down first.
	for used > 1<<55 {
		used, total = used>>8, total>>8
	}
	return used * 100 / total
}

// Budget returns the budget the policy gives base at pressure p without
// bypass: base below BandShrink, falling linearly to 25 % of base at
// BandCritical, and 10 % of base from BandCritical on.
func Budget(base int64, p int) int64 {
	switch {
	case p < BandShrink:
		return base
	case p < BandCritical:
		// base*(1 - 0.75*(p-70)/15), in integers.
		return base/1500*int64(1500-75*(p-BandShrink)) +
			base%1500*int64(1500-75*(p-BandShrink))/1500
	default:
		return base / 10
	}
}

// Pressure returns the pressure of the latest Check.
func (g *Governor) Pressure() int { return int(g.pressure.Load()) }

// Check takes one reading, applies the policy to the cache and returns the
// pressure:
//
//   - pressure >= 95: bypass the cache (SetBypass(true), which also empties
//     it) and keep it bypassed until pressure falls below 80;
//   - pressure >= 85 (or bypassed): on entering this band, InvalidateAll;
//     budget 10 % of base;
//   - 70 <= pressure < 85: budget shrinks linearly from base to 25 % of base;
//   - pressure < 70: budget base.
//
// The budget is changed (SetMaxBytes) only when it differs from the one last
// applied. Actions are counted in
// calendarbot_memory_governor_actions_total: shrink when the budget is
// lowered, clear on InvalidateAll, bypass when bypass starts, restore when
// bypass ends or the budget returns to base.
func (g *Governor) Check() int {
	r := g.read()
	p := PressureOf(r)
	lastMemAvailable.Store(r.MemAvailable)
	lastMemTotal.Store(r.MemTotal)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pressure.Store(int64(p))
	lastPressure.Store(int64(p))

	restored := false
	switch {
	case !g.bypassed && p >= BandBypass:
		g.bypassed = true
		g.critical = true // SetBypass empties the cache: no separate clear
		g.c.SetBypass(true)
		actBypass.Inc()
	case g.bypassed && p < BandRestore:
		g.bypassed = false
		g.c.SetBypass(false)
		restored = true
	}

	budget := g.base / 10
	if g.bypassed || p >= BandCritical {
		if !g.critical {
			g.critical = true
			g.c.InvalidateAll()
			actClear.Inc()
		}
	} else {
		g.critical = false
		budget = Budget(g.base, p)
	}
	if budget != g.budget {
		switch {
		case budget < g.budget:
			actShrink.Inc()
		case budget == g.base:
			restored = true
		}
		g.budget = budget
		g.c.SetMaxBytes(budget)
	}
	if restored {
		actRestore.Inc()
	}
	return p
}

// Run calls Check at once and then every interval until ctx is done.
func (g *Governor) Run(ctx context.Context) {
	t := time.NewTicker(g.interval)
	defer t.Stop()
	for {
		g.Check()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
