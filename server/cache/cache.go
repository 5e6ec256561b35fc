package cache

import (
	"errors"
	"math"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"
)

// EntryOverhead is the fixed number of bytes charged per entry on top of
// len(key) and cap(Body): the memory an entry occupies besides its key and
// body bytes. TestEntryOverheadMeasured measures it as the growth of the
// live heap (after GC) per stored entry, with keys and bodies allocated
// beforehand, for 1 000 to 50 000 entries. On linux/amd64 it measured
// 306-317 bytes (not measured on the Pi itself, but 64-bit Go uses the
// same struct layouts and size classes on linux/arm64):
//
//	*Entry (slice, 2 strings, map pointer, 3 header
//	  slices = 136 B in the 144 B class)              144
//	ETag string data (18 B in the 24 B size class)     24
//	the ready-made header value slices (3 x 16 B)
//	  and the Content-Length digits                    56
//	otter: node (56 B in the 64 B class), hash table
//	  slots amortised over table growth, sketch       90-98
//	ContentType (normally a shared constant)            0
//
// 320 covers the worst measurement with a little margin. Not included:
// size-class rounding of the key and body allocations themselves (at most
// 12.5 % for objects under 32 KiB, at most one 8 KiB page above), which
// depends on their lengths; on a 32-bit OS the true overhead is smaller.
const EntryOverhead = 320

// DefaultMaxBytes is the budget used when Options.MaxBytes is not positive:
// 4 MiB, a quarter of the server's ~15 MiB RSS target.
const DefaultMaxBytes = 4 << 20

// Options configures a Cache.
type Options struct {
	// MaxBytes is the byte budget for all entries, as weighed by Weight.
	// Zero or negative means DefaultMaxBytes.
	MaxBytes int64
	// Enabled is the cache's kill switch. When false, every Get misses and
	// GetOrCompute always computes and never stores (it still coalesces
	// concurrent identical computations if Coalescing is set).
	Enabled bool
	// Coalescing is the kill switch for request coalescing: when true,
	// concurrent GetOrCompute misses for the same key run compute once and
	// share its result (singleflight).
	Coalescing bool
	// Clock is the time an Entry's TTL counts on; nil means time.Now. The
	// server passes its own clock, which keys are bucketed by: under a
	// frozen clock (--now) nothing expires, as the same bucket is asked
	// for again and again.
	Clock func() time.Time
}

// noExpiry stands for "never" in otter's expiry: ten years, short enough
// that a clock frozen late in this century plus it still fits UnixNano.
const noExpiry = 10 * 365 * 24 * time.Hour

// otterClock gives otter the cache's clock. Tick returns nil: no periodic
// clean-up goroutine; expired entries are dropped during the maintenance
// that writes trigger, and a hit checks expiry itself.
type otterClock struct{ now func() time.Time }

func (c otterClock) NowNano() int64                      { return c.now().UnixNano() }
func (c otterClock) Tick(time.Duration) <-chan time.Time { return nil }

// Cache is a byte-bounded cache of rendered HTTP responses, safe for
// concurrent use. Eviction is otter's W-TinyLFU with each entry weighed by
// Weight.
type Cache struct {
	o          *otter.Cache[string, *Entry]
	sf         singleflight.Group
	enabled    bool
	coalescing bool
	bypass     atomic.Bool
	maxBytes   atomic.Int64
	// gen is bumped by InvalidateAll, so that a compute that started
	// before an InvalidateAll does not store its (possibly stale) result
	// after it.
	gen       atomic.Uint64
	evictions atomic.Uint64
}

// Weight is the number of bytes an entry is charged against the budget:
// EntryOverhead + len(key) + cap(e.Body) + the sizes of e.Header's keys and
// values (plus 16 bytes per value string and 56 per key, for the map and
// slice headers). cap rather than len of Body is charged because the cache
// keeps the whole backing array alive. ContentType is not charged: it is
// normally a string constant shared by all entries. The result saturates at
// math.MaxUint32 (otter weights are uint32).
func Weight(key string, e *Entry) int64 {
	w := int64(EntryOverhead) + int64(len(key))
	if e == nil {
		return w
	}
	w += int64(cap(e.Body))
	for k, vs := range e.Header {
		w += 56 + int64(len(k))
		for _, v := range vs {
			w += 16 + int64(len(v))
		}
	}
	return w
}

func weigher(key string, e *Entry) uint32 {
	w := Weight(key, e)
	if w > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(w)
}

// New returns a Cache configured by o. The gauges calendarbot_cache_bytes,
// calendarbot_cache_max_bytes and calendarbot_cache_entries report on the
// most recently created Cache.
func New(o Options) *Cache {
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	c := &Cache{enabled: o.Enabled, coalescing: o.Coalescing}
	c.maxBytes.Store(limit)
	c.o = otter.Must(&otter.Options[string, *Entry]{
		MaximumWeight: uint64(limit),
		Weigher:       weigher,
		// Evictions are counted by a synchronous listener rather than a
		// StatsRecorder: otter wraps a recorder's calls in a deferred
		// recover on every read (~4 ns of a ~40 ns hit), and an
		// OnDeletion listener would start a goroutine per deletion.
		OnAtomicDeletion: c.onDeletion,
		// An entry with a TTL is dropped once it has passed: keys
		// bucketed by time (the second, the minute) are never asked for
		// again after their bucket, and without this they would fill the
		// byte budget with dead answers on a server polled for days.
		ExpiryCalculator: otter.ExpiryCreatingFunc(func(e otter.Entry[string, *Entry]) time.Duration {
			if e.Value.TTL > 0 {
				return e.Value.TTL
			}
			return noExpiry
		}),
		Clock: otterClock{now: clock},
	})
	published.Store(c)
	return c
}

// onDeletion runs under the lock of the entry's hash-table bucket, so it
// only counts.
func (c *Cache) onDeletion(e otter.DeletionEvent[string, *Entry]) {
	if e.WasEvicted() {
		c.evictions.Add(1)
		evictionsTotal.Inc()
	}
}

func (c *Cache) active() bool { return c.enabled && !c.bypass.Load() }

// Get returns the entry cached under key. It misses when the cache is
// disabled or bypassed (counted as result="bypass").
func (c *Cache) Get(key string) (*Entry, bool) {
	if !c.active() {
		reqBypass.Inc()
		return nil, false
	}
	e, ok := c.o.GetIfPresent(key)
	if ok {
		reqHit.Inc()
	} else {
		reqMiss.Inc()
	}
	return e, ok
}

// ErrNilEntry is returned by GetOrCompute when compute returns neither an
// entry nor an error.
var ErrNilEntry = errors.New("cache: compute returned a nil entry")

// GetOrCompute returns the entry cached under key, or calls compute, stores
// its entry (when the cache is enabled, not bypassed, and the entry fits the
// budget) and returns it. Errors are returned to every caller that shared
// the computation and are never cached.
//
// With Coalescing, concurrent misses for the same key wait for a single
// compute and all receive its result (each waiter is counted in
// calendarbot_coalesced_total). compute runs on the first caller's
// goroutine; if it panics, every caller sharing it panics.
func (c *Cache) GetOrCompute(key string, compute func() (*Entry, error)) (*Entry, error) {
	if c.active() {
		if e, ok := c.o.GetIfPresent(key); ok {
			reqHit.Inc()
			return e, nil
		}
		reqMiss.Inc()
	} else {
		reqBypass.Inc()
	}
	if !c.coalescing {
		return c.computeAndStore(key, compute)
	}
	leader := false
	v, err, _ := c.sf.Do(key, func() (any, error) {
		leader = true
		// The previous leader for this key may have stored its entry
		// between our lookup and our joining the group.
		if c.active() {
			if e, ok := c.o.GetIfPresent(key); ok {
				return e, nil
			}
		}
		return c.computeAndStore(key, compute)
	})
	if !leader {
		coalescedTotal.Inc()
	}
	if err != nil {
		return nil, err
	}
	e, _ := v.(*Entry)
	return e, nil
}

func (c *Cache) computeAndStore(key string, compute func() (*Entry, error)) (*Entry, error) {
	gen := c.gen.Load()
	e, err := compute()
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNilEntry
	}
	c.store(key, e, gen)
	return e, nil
}

// Set stores e under key, as GetOrCompute does with a computed entry, and
// reports whether it was stored: not when the cache is disabled or
// bypassed, or when Weight(key, e) exceeds the whole budget (such an entry
// would only evict everything else and then itself).
func (c *Cache) Set(key string, e *Entry) bool {
	if e == nil {
		return false
	}
	return c.store(key, e, c.gen.Load())
}

func (c *Cache) store(key string, e *Entry, gen uint64) bool {
	if !c.active() || Weight(key, e) > c.maxBytes.Load() || c.gen.Load() != gen {
		return false
	}
	c.o.Set(key, e)
	if c.gen.Load() != gen || !c.active() {
		// InvalidateAll or SetBypass(true) ran concurrently with Set.
		c.o.Invalidate(key)
		return false
	}
	return true
}

// Invalidate removes the entry cached under key, if any.
func (c *Cache) Invalidate(key string) {
	c.o.Invalidate(key)
}

// InvalidateAll removes every entry. Computations already running when it
// is called do not store their results.
func (c *Cache) InvalidateAll() {
	c.gen.Add(1)
	c.o.InvalidateAll()
}

// SetMaxBytes changes the byte budget; entries are evicted at once until the
// cache fits (otter SetMaximum). n < 0 is taken as 0, which empties the
// cache and keeps it empty.
func (c *Cache) SetMaxBytes(n int64) {
	if n < 0 {
		n = 0
	}
	c.maxBytes.Store(n)
	c.o.SetMaximum(uint64(n))
}

// MaxBytes returns the current byte budget.
func (c *Cache) MaxBytes() int64 { return c.maxBytes.Load() }

// Bytes returns the current weighted size of the cache (the sum of Weight
// over its entries). It first runs otter's pending maintenance (CleanUp),
// so right after writes it already reflects the evictions they cause:
// otter hands maintenance to a new goroutine after a write, and without
// the CleanUp a reading taken before that goroutine has run would miss
// both the latest writes and their evictions.
func (c *Cache) Bytes() int64 {
	c.o.CleanUp()
	return int64(c.o.WeightedSize())
}

// Len returns the approximate number of entries.
func (c *Cache) Len() int { return c.o.EstimatedSize() }

// Evictions returns how many entries this cache has evicted for size.
func (c *Cache) Evictions() uint64 { return c.evictions.Load() }

// SetBypass switches bypass mode, used by the Governor at critical memory
// pressure: while on, Get misses and computed entries are not stored.
// Turning it on also empties the cache, so that the memory is returned.
func (c *Cache) SetBypass(on bool) {
	c.bypass.Store(on)
	if on {
		c.InvalidateAll()
	}
}

// Bypassed reports whether bypass mode is on.
func (c *Cache) Bypassed() bool { return c.bypass.Load() }

// Enabled reports whether the cache was created enabled.
func (c *Cache) Enabled() bool { return c.enabled }
