package cache

import (
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics live in the VictoriaMetrics default set. Counters are process-wide
// (every Cache and Governor adds to them); the gauges describe the most
// recently constructed Cache and the most recent governor reading, since the
// server runs exactly one of each.
var (
	reqHit         = metrics.GetOrCreateCounter(`calendarbot_cache_requests_total{result="hit"}`)
	reqMiss        = metrics.GetOrCreateCounter(`calendarbot_cache_requests_total{result="miss"}`)
	reqBypass      = metrics.GetOrCreateCounter(`calendarbot_cache_requests_total{result="bypass"}`)
	evictionsTotal = metrics.GetOrCreateCounter(`calendarbot_cache_evictions_total`)
	coalescedTotal = metrics.GetOrCreateCounter(`calendarbot_coalesced_total`)

	actShrink  = metrics.GetOrCreateCounter(`calendarbot_memory_governor_actions_total{action="shrink"}`)
	actClear   = metrics.GetOrCreateCounter(`calendarbot_memory_governor_actions_total{action="clear"}`)
	actBypass  = metrics.GetOrCreateCounter(`calendarbot_memory_governor_actions_total{action="bypass"}`)
	actRestore = metrics.GetOrCreateCounter(`calendarbot_memory_governor_actions_total{action="restore"}`)

	// published is the Cache the gauges report on.
	published atomic.Pointer[Cache]
	// lastPressure is the pressure of the latest Governor.Check.
	lastPressure atomic.Int64
	// The machine's memory at the latest Governor.Check (/proc/meminfo;
	// 0 where it could not be read). On the appliance this is the whole
	// system: kernel, the initramfs in RAM and the server.
	lastMemAvailable, lastMemTotal atomic.Int64
)

func init() {
	metrics.GetOrCreateGauge(`calendarbot_cache_bytes`, func() float64 {
		if c := published.Load(); c != nil {
			return float64(c.Bytes())
		}
		return 0
	})
	metrics.GetOrCreateGauge(`calendarbot_cache_max_bytes`, func() float64 {
		if c := published.Load(); c != nil {
			return float64(c.MaxBytes())
		}
		return 0
	})
	metrics.GetOrCreateGauge(`calendarbot_cache_entries`, func() float64 {
		if c := published.Load(); c != nil {
			return float64(c.Len())
		}
		return 0
	})
	metrics.GetOrCreateGauge(`calendarbot_memory_pressure`, func() float64 {
		return float64(lastPressure.Load())
	})
	metrics.GetOrCreateGauge(`calendarbot_system_memory_available_bytes`, func() float64 {
		return float64(lastMemAvailable.Load())
	})
	metrics.GetOrCreateGauge(`calendarbot_system_memory_total_bytes`, func() float64 {
		return float64(lastMemTotal.Load())
	})
}
