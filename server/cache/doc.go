// Package cache holds CalendarBot's response cache and the memory governor
// that sizes it.
//
// # Response cache
//
// Rendered responses (JSON bodies, HTML pages) are cached as immutable
// *Entry values under keys that the caller builds from the endpoint, its
// normalised parameters, the calendar snapshot version and the time bucket
// (Key, KeyBuilder). Because the snapshot version is part of the key, a new
// snapshot never serves stale entries; the old ones simply age out.
// GetOrCompute coalesces concurrent misses for the same key (singleflight),
// so a burst of displays refreshing at the top of the minute renders each
// page once. Errors are never cached.
//
// # Why a byte budget, not an entry count
//
// The server has to live in ~15 MiB RSS on a Raspberry Pi Zero 2 W, and its
// responses range from a few hundred bytes (a "next event" JSON) to tens or
// hundreds of KiB (a month page for a busy calendar). An entry limit is
// therefore no memory limit at all: 1 000 entries may be 200 KiB or 100 MiB.
// The cache is bounded by MaxBytes, and each entry is weighed (Weight) as
//
//	EntryOverhead + len(key) + cap(Body) + header sizes
//
// where EntryOverhead (320 bytes) is the measured cost of the *Entry, its
// ETag and otter's node and hash-table slot on a 64-bit platform (see
// EntryOverhead and TestEntryOverheadMeasured). An entry that alone weighs
// more than the budget is not stored. Eviction is otter's W-TinyLFU, which
// keeps the frequently requested pages.
//
// otter applies writes to its eviction policy in batches (on a goroutine
// after the write, or by the next caller that finds maintenance due), so
// right after a burst of writes the stored bytes may briefly exceed the
// budget by the entries still in otter's write buffer (at most 128 × GOMAXPROCS
// writes, and writers drain it themselves when it is full). Bytes, and the
// calendarbot_cache_bytes gauge, run pending maintenance first and so report
// the settled size.
//
// # Kill switches
//
// Options.Enabled=false turns the cache off (every request computes;
// counted as result="bypass"); Options.Coalescing=false turns off request
// coalescing. Both are for ruling the cache out when diagnosing a problem.
//
// # Memory governor
//
// The Governor takes a Reading every 5 s (Go runtime, cgroup, /proc/meminfo)
// and computes the memory pressure as a percentage (PressureOf): the largest
// of
//
//   - the Go heap in use against GOMEMLIMIT, when one is set;
//   - the cgroup's working set against its limit, when there is one;
//   - the machine's used memory, 1 - MemAvailable/MemTotal.
//
// It then sizes the cache (base = the configured MaxBytes):
//
//	pressure < 70        budget = base
//	70 <= pressure < 85  budget shrinks linearly from base towards 25 % of base
//	pressure >= 85       InvalidateAll on entering the band; budget = 10 % of base
//	pressure >= 95       bypass: Get misses and nothing is stored, until
//	                     pressure falls below 80 (hysteresis)
//
// The cache is the one big discretionary consumer of memory in the server,
// so it gives way first: a smaller cache costs some rendering CPU, whereas
// an OOM kill (or a Pi swapping to its SD card) takes the display down. The
// shrink band gives back memory gradually while most hits are kept (the
// W-TinyLFU policy evicts the coldest entries first); the critical band
// frees everything at once, because by then the memory matters more than
// the hit rate; and bypass takes the cache out of the picture entirely
// while something else (a large feed being parsed, another process) holds
// the machine at its limit. The hysteresis between 95 and 80 keeps the
// cache from flapping on and off, and refilling, around a single threshold.
//
// DefaultMemoryLimit and ApplyDefaultMemoryLimit choose a GOMEMLIMIT when
// the environment sets none; see DefaultMemoryLimit for the reasoning.
//
// # Metrics
//
// In the VictoriaMetrics default set:
//
//	calendarbot_cache_requests_total{result="hit|miss|bypass"}
//	calendarbot_cache_bytes, calendarbot_cache_max_bytes, calendarbot_cache_entries
//	calendarbot_cache_evictions_total
//	calendarbot_coalesced_total   (callers that waited for another's compute)
//	calendarbot_memory_pressure
//	calendarbot_memory_governor_actions_total{action="shrink|clear|bypass|restore"}
package cache
