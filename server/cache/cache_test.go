package cache

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

func entryOf(n int) *Entry {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return NewEntry(b, "application/json")
}

func TestKey(t *testing.T) {
	if got, want := Key("/api/day", "tz=UTC", "v1"), "/api/day\x1ftz=UTC\x1fv1"; got != want {
		t.Fatalf("Key = %q, want %q", got, want)
	}
	// Distinct part lists give distinct keys, also when parts contain the
	// separator or the escape byte.
	lists := [][]string{
		{"a\x1f", "b"}, {"a", "\x1fb"}, {"a\x1fb"}, {"a", "b"}, {"ab"},
		{"a\x1e", "b"}, {"a", "\x1eb"}, {"a\x1e\x01", "b"}, {"a\x1e\x01b"}, {"", ""}, {""}, {"", "", ""},
	}
	seen := map[string]int{}
	for i, l := range lists {
		k := Key(l...)
		if j, dup := seen[k]; dup {
			t.Errorf("Key(%q) == Key(%q) == %q", l, lists[j], k)
		}
		seen[k] = i
		var kb KeyBuilder
		for _, p := range l {
			kb.Str(p)
		}
		if kb.String() != k {
			t.Errorf("KeyBuilder(%q) = %q, Key = %q", l, kb.String(), k)
		}
	}
	var kb KeyBuilder
	if got, want := kb.Str("/api/week").Int(-5).Uint(42).String(), Key("/api/week", "-5", "42"); got != want {
		t.Errorf("KeyBuilder ints = %q, want %q", got, want)
	}
	// Spill beyond the inline buffer.
	long := strings.Repeat("x", 150)
	kb.Reset()
	if got, want := kb.Str(long).Str(long).Uint(7).Str("a\x1fb").String(), Key(long, long, "7", "a\x1fb"); got != want {
		t.Errorf("long KeyBuilder = %q, want %q", got, want)
	}

	if n := testing.AllocsPerRun(100, func() {
		var kb KeyBuilder
		_ = kb.Str("/api/week").Str("tz=Europe/Berlin").Uint(123456).Int(28512345).String()
	}); n != 1 {
		t.Errorf("KeyBuilder allocs = %v, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		_ = Key("/api/week", "tz=Europe/Berlin", "v123456", "b28512345")
	}); n != 1 {
		t.Errorf("Key allocs = %v, want 1", n)
	}
}

func TestETagAndServeHTTP(t *testing.T) {
	e := NewEntry([]byte(`{"ok":true}`), "application/json")
	if len(e.ETag) != 18 || e.ETag[0] != '"' || e.ETag[17] != '"' {
		t.Fatalf("ETag = %q", e.ETag)
	}
	if ETagOf([]byte(`{"ok":false}`)) == e.ETag {
		t.Fatal("different bodies, same ETag")
	}
	if ETagOf([]byte(`{"ok":true}`)) != e.ETag {
		t.Fatal("ETag not deterministic")
	}
	e.Header = http.Header{"Cache-Control": {"no-cache"}}

	for _, tc := range []struct {
		method, inm string
		code        int
		body        string
	}{
		{"GET", "", 200, `{"ok":true}`},
		{"HEAD", "", 200, ""},
		{"GET", e.ETag, 304, ""},
		{"GET", `"x", W/` + e.ETag, 304, ""},
		{"GET", "*", 304, ""},
		{"GET", `"0000000000000000"`, 200, `{"ok":true}`},
	} {
		r := httptest.NewRequest(tc.method, "/api/x", nil)
		if tc.inm != "" {
			r.Header.Set("If-None-Match", tc.inm)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != tc.code || w.Body.String() != tc.body {
			t.Errorf("%s If-None-Match=%q: %d %q, want %d %q", tc.method, tc.inm, w.Code, w.Body.String(), tc.code, tc.body)
		}
		if w.Header().Get("ETag") != e.ETag || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s If-None-Match=%q: headers %v", tc.method, tc.inm, w.Header())
		}
		if tc.code == 200 && (w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Content-Length") != "11") {
			t.Errorf("%s: headers %v", tc.method, w.Header())
		}
	}
}

func TestWeight(t *testing.T) {
	e := &Entry{Body: make([]byte, 100, 128), ETag: `"x"`}
	if got, want := Weight("key", e), int64(EntryOverhead+3+128); got != want {
		t.Errorf("Weight = %d, want %d (cap, not len, of Body)", got, want)
	}
	e.Header = http.Header{"Vary": {"Accept"}}
	if got, want := Weight("key", e), int64(EntryOverhead+3+128+56+4+16+6); got != want {
		t.Errorf("Weight with header = %d, want %d", got, want)
	}
}

// storedWeight sums Weight over the entries actually in the table, as an
// accounting check independent of otter's weightedSize.
func storedWeight(c *Cache) (sum int64, n int) {
	for k, e := range c.o.All() {
		sum += Weight(k, e)
		n++
	}
	return sum, n
}

func TestEvictionBoundedByBytes(t *testing.T) {
	const budget = 256 << 10
	c := New(Options{MaxBytes: budget, Enabled: true})
	ev0 := evictionsTotal.Get()
	rng := rand.New(rand.NewPCG(1, 2))
	var inserted, maxOver int64
	for i := 0; inserted < 10*budget; i++ {
		// Varied sizes: mostly small JSON, some pages up to 24 KiB.
		n := 64 + rng.IntN(2048)
		if i%10 == 0 {
			n = 4096 + rng.IntN(20<<10)
		}
		k := Key("/api/x", strconv.Itoa(i))
		e := entryOf(n)
		c.Set(k, e)
		inserted += Weight(k, e)
		// Before maintenance has run, the table may hold more than the
		// budget: the writes otter has not yet applied to its policy.
		if sum, _ := storedWeight(c); sum-budget > maxOver {
			maxOver = sum - budget
		}
		// Bytes runs pending maintenance first, so it is the settled size.
		if b := c.Bytes(); b > budget {
			t.Fatalf("after %d inserts Bytes = %d > budget %d", i+1, b, budget)
		}
		// Reads in between feed the frequency sketch as real traffic does.
		c.Get(Key("/api/x", strconv.Itoa(rng.IntN(i+1))))
	}
	c.o.CleanUp()
	sum, n := storedWeight(c)
	if sum > budget || sum != c.Bytes() {
		t.Errorf("stored weight %d (%d entries), Bytes %d, budget %d", sum, n, c.Bytes(), budget)
	}
	if sum < budget/2 {
		t.Errorf("cache only %d of %d bytes full after inserting 10x the budget", sum, budget)
	}
	if c.Evictions() == 0 || evictionsTotal.Get()-ev0 != c.Evictions() {
		t.Errorf("evictions: cache %d, metric delta %d", c.Evictions(), evictionsTotal.Get()-ev0)
	}
	t.Logf("inserted %d bytes into %d: %d entries / %d bytes kept, %d evictions; largest unsettled excess %d bytes",
		inserted, budget, n, sum, c.Evictions(), maxOver)
}

func TestEvictionConcurrentWriters(t *testing.T) {
	const budget = 128 << 10
	c := New(Options{MaxBytes: budget, Enabled: true})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				c.Set(Key("/p", strconv.Itoa(g), strconv.Itoa(i)), entryOf(64+(i*37)%3000))
			}
		})
	}
	wg.Wait()
	// Once writers stop, the settled size is within the budget.
	if b := c.Bytes(); b > budget {
		t.Fatalf("Bytes = %d > budget %d", b, budget)
	}
	if sum, _ := storedWeight(c); sum > budget {
		t.Fatalf("stored weight %d > budget %d", sum, budget)
	}
}

func TestOversizedEntryNotCached(t *testing.T) {
	c := New(Options{MaxBytes: 16 << 10, Enabled: true, Coalescing: true})
	small := entryOf(100)
	c.Set("small", small)
	big := entryOf(16 << 10) // + key + overhead > budget
	if c.Set("big", big) {
		t.Fatal("Set stored an entry larger than the budget")
	}
	calls := 0
	for range 3 {
		e, err := c.GetOrCompute("big", func() (*Entry, error) { calls++; return big, nil })
		if err != nil || e != big {
			t.Fatalf("GetOrCompute = %p, %v", e, err)
		}
	}
	if calls != 3 {
		t.Errorf("oversized entry computed %d times in 3 calls, want 3 (never cached)", calls)
	}
	if _, ok := c.Get("big"); ok {
		t.Error("oversized entry cached")
	}
	if e, ok := c.Get("small"); !ok || e != small {
		t.Error("oversized entry displaced the small one")
	}
	// Exactly the budget fits.
	c2 := New(Options{MaxBytes: Weight("k", entryOf(1000)), Enabled: true})
	if !c2.Set("k", entryOf(1000)) {
		t.Error("entry weighing exactly the budget not stored")
	}
}

// waitInDo waits until n goroutines started by the function fn are inside
// singleflight.Group.Do (the leader running compute and the rest waiting).
func waitInDo(t *testing.T, n int, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := runtime.Stack(buf, true)
		// Count only this test's callers: other tests of the package may
		// have goroutines in singleflight too.
		in := 0
		for _, g := range strings.Split(string(buf[:m]), "\n\n") {
			if strings.Contains(g, "singleflight.(*Group).Do(") && strings.Contains(g, "."+fn+".") {
				in++
			}
		}
		if in >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d callers in singleflight", n)
		}
		time.Sleep(time.Millisecond)
	}
}

func testCoalescing(t *testing.T, enabled bool) {
	const callers = 50
	c := New(Options{MaxBytes: 1 << 20, Enabled: enabled, Coalescing: true})
	co0 := coalescedTotal.Get()
	release := make(chan struct{})
	var computes atomic.Int32
	want := entryOf(500)
	compute := func() (*Entry, error) {
		computes.Add(1)
		<-release
		return want, nil
	}
	results := make([]*Entry, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			e, err := c.GetOrCompute("/api/day", compute)
			if err != nil {
				t.Error(err)
			}
			results[i] = e
		})
	}
	waitInDo(t, callers, "testCoalescing")
	close(release)
	wg.Wait()
	if n := computes.Load(); n != 1 {
		t.Errorf("compute ran %d times for %d concurrent callers, want 1", n, callers)
	}
	for i, e := range results {
		if e != want {
			t.Fatalf("caller %d got %p, want %p", i, e, want)
		}
	}
	if d := coalescedTotal.Get() - co0; d != callers-1 {
		t.Errorf("coalesced_total delta %d, want %d", d, callers-1)
	}
	if _, ok := c.Get("/api/day"); ok != enabled {
		t.Errorf("cached after compute: %v, want %v", ok, enabled)
	}
}

func TestGetOrComputeCoalesces(t *testing.T) {
	t.Run("enabled", func(t *testing.T) { testCoalescing(t, true) })
	// The Enabled kill switch leaves coalescing on.
	t.Run("disabled", func(t *testing.T) { testCoalescing(t, false) })
}

func TestErrorsNotCached(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true, Coalescing: true})
	boom := errors.New("boom")
	calls := 0
	for range 3 {
		e, err := c.GetOrCompute("k", func() (*Entry, error) { calls++; return nil, boom })
		if !errors.Is(err, boom) || e != nil {
			t.Fatalf("GetOrCompute = %v, %v", e, err)
		}
	}
	if calls != 3 {
		t.Errorf("failing compute ran %d times in 3 calls, want 3", calls)
	}
	if _, ok := c.Get("k"); ok {
		t.Error("error cached")
	}
	if _, err := c.GetOrCompute("k", func() (*Entry, error) { return nil, nil }); !errors.Is(err, ErrNilEntry) {
		t.Errorf("nil entry: err = %v", err)
	}
	// Concurrent callers sharing a failing compute all see the error.
	release := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 10 {
		wg.Go(func() {
			if _, err := c.GetOrCompute("k2", func() (*Entry, error) { <-release; return nil, boom }); errors.Is(err, boom) {
				failed.Add(1)
			}
		})
	}
	waitInDo(t, 10, "TestErrorsNotCached")
	close(release)
	wg.Wait()
	if failed.Load() != 10 {
		t.Errorf("%d of 10 callers saw the error", failed.Load())
	}
	e := entryOf(10)
	if got, err := c.GetOrCompute("k2", func() (*Entry, error) { return e, nil }); err != nil || got != e {
		t.Errorf("after errors: %p, %v", got, err)
	}
	if got, ok := c.Get("k2"); !ok || got != e {
		t.Error("success after errors not cached")
	}
}

func TestKillSwitchEnabled(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: false, Coalescing: true})
	by0, hit0, miss0 := reqBypass.Get(), reqHit.Get(), reqMiss.Get()
	e := entryOf(10)
	if c.Set("k", e) {
		t.Error("Set stored into a disabled cache")
	}
	calls := 0
	for range 5 {
		got, err := c.GetOrCompute("k", func() (*Entry, error) { calls++; return e, nil })
		if err != nil || got != e {
			t.Fatal(got, err)
		}
	}
	if _, ok := c.Get("k"); ok {
		t.Error("Get hit in a disabled cache")
	}
	if calls != 5 || c.Len() != 0 {
		t.Errorf("disabled: %d computes in 5 calls, %d entries", calls, c.Len())
	}
	if reqBypass.Get()-by0 != 6 || reqHit.Get() != hit0 || reqMiss.Get() != miss0 {
		t.Errorf("metrics: bypass +%d hit +%d miss +%d, want +6 +0 +0",
			reqBypass.Get()-by0, reqHit.Get()-hit0, reqMiss.Get()-miss0)
	}
}

func TestKillSwitchCoalescing(t *testing.T) {
	const callers = 10
	c := New(Options{MaxBytes: 1 << 20, Enabled: true, Coalescing: false})
	// Every caller must reach compute: it only returns once all have.
	var in sync.WaitGroup
	in.Add(callers)
	done := make(chan struct{})
	var computes atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			_, err := c.GetOrCompute("k", func() (*Entry, error) {
				computes.Add(1)
				in.Done()
				in.Wait()
				return entryOf(10), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("callers were coalesced with Coalescing=false")
	}
	if computes.Load() != callers {
		t.Errorf("%d computes, want %d", computes.Load(), callers)
	}
}

func TestHitMissMetrics(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true, Coalescing: true})
	hit0, miss0 := reqHit.Get(), reqMiss.Get()
	e := entryOf(10)
	c.GetOrCompute("k", func() (*Entry, error) { return e, nil }) // miss
	c.GetOrCompute("k", func() (*Entry, error) { return e, nil }) // hit
	c.Get("k")                                                    // hit
	c.Get("nope")                                                 // miss
	if reqHit.Get()-hit0 != 2 || reqMiss.Get()-miss0 != 2 {
		t.Errorf("hit +%d miss +%d, want +2 +2", reqHit.Get()-hit0, reqMiss.Get()-miss0)
	}
	if c.Len() != 1 || c.Bytes() != Weight("k", e) {
		t.Errorf("Len %d Bytes %d", c.Len(), c.Bytes())
	}
}

func TestSetMaxBytesShrinks(t *testing.T) {
	c := New(Options{MaxBytes: 256 << 10, Enabled: true})
	for i := range 400 {
		c.Set(Key("k", strconv.Itoa(i)), entryOf(500))
	}
	if b := c.Bytes(); b < 128<<10 {
		t.Fatalf("cache not filled: %d", b)
	}
	c.SetMaxBytes(32 << 10)
	// SetMaximum evicts eagerly.
	if b, m := c.Bytes(), c.MaxBytes(); b > 32<<10 || m != 32<<10 {
		t.Fatalf("after SetMaxBytes(32K): Bytes %d MaxBytes %d", b, m)
	}
	if sum, _ := storedWeight(c); sum > 32<<10 {
		t.Fatalf("stored weight %d after shrink", sum)
	}
	if c.Set("big", entryOf(40<<10)) {
		t.Error("entry above the shrunk budget stored")
	}
	c.SetMaxBytes(0)
	if c.Bytes() != 0 || c.Len() != 0 {
		t.Errorf("SetMaxBytes(0): Bytes %d Len %d", c.Bytes(), c.Len())
	}
	c.SetMaxBytes(256 << 10)
	if !c.Set("again", entryOf(40<<10)) {
		t.Error("not stored after growing the budget again")
	}
}

func TestBypass(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true, Coalescing: true})
	e := entryOf(100)
	c.Set("k", e)
	c.SetBypass(true)
	if !c.Bypassed() || c.Len() != 0 {
		t.Fatalf("SetBypass(true): bypassed %v, %d entries left", c.Bypassed(), c.Len())
	}
	if _, ok := c.Get("k"); ok {
		t.Error("Get hit while bypassed")
	}
	if got, err := c.GetOrCompute("k", func() (*Entry, error) { return e, nil }); got != e || err != nil {
		t.Error(got, err)
	}
	if c.Len() != 0 {
		t.Error("computed entry stored while bypassed")
	}
	c.SetBypass(false)
	c.GetOrCompute("k", func() (*Entry, error) { return e, nil })
	if got, ok := c.Get("k"); !ok || got != e {
		t.Error("not caching after bypass ended")
	}
}

func TestInvalidateAllDuringCompute(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true, Coalescing: true})
	c.Set("other", entryOf(10))
	got, _ := c.GetOrCompute("k", func() (*Entry, error) {
		c.InvalidateAll()
		return entryOf(10), nil
	})
	if got == nil {
		t.Fatal("no entry")
	}
	if _, ok := c.Get("k"); ok {
		t.Error("entry computed across InvalidateAll was stored")
	}
	if c.Len() != 0 {
		t.Errorf("%d entries after InvalidateAll", c.Len())
	}
	c.Invalidate("nothing")
}

func TestMetricsExposed(t *testing.T) {
	c := New(Options{MaxBytes: 1 << 20, Enabled: true})
	c.Set("k", entryOf(100))
	var b strings.Builder
	metrics.WritePrometheus(&b, false)
	out := b.String()
	for _, want := range []string{
		`calendarbot_cache_requests_total{result="hit"}`,
		`calendarbot_cache_requests_total{result="miss"}`,
		`calendarbot_cache_requests_total{result="bypass"}`,
		"calendarbot_cache_bytes " + strconv.FormatInt(Weight("k", entryOf(100)), 10),
		"calendarbot_cache_max_bytes 1048576",
		"calendarbot_cache_entries 1",
		"calendarbot_cache_evictions_total",
		"calendarbot_coalesced_total",
		"calendarbot_memory_pressure",
		`calendarbot_memory_governor_actions_total{action="shrink"}`,
		`calendarbot_memory_governor_actions_total{action="clear"}`,
		`calendarbot_memory_governor_actions_total{action="bypass"}`,
		`calendarbot_memory_governor_actions_total{action="restore"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

func TestDefaultMaxBytes(t *testing.T) {
	if c := New(Options{Enabled: true}); c.MaxBytes() != DefaultMaxBytes || !c.Enabled() {
		t.Errorf("MaxBytes %d", c.MaxBytes())
	}
}

func BenchmarkGetHit(b *testing.B) {
	c := New(Options{MaxBytes: 4 << 20, Enabled: true, Coalescing: true})
	key := Key("/api/week", "tz=Europe/Berlin", "v42", "b28512345")
	c.Set(key, entryOf(2048))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Get(key); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkGetOrComputeHitParallel(b *testing.B) {
	c := New(Options{MaxBytes: 4 << 20, Enabled: true, Coalescing: true})
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = Key("/api/week", "tz=Europe/Berlin", "v42", strconv.Itoa(i))
		c.Set(keys[i], entryOf(2048))
	}
	compute := func() (*Entry, error) { panic("computed on a hit") }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.GetOrCompute(keys[i&63], compute); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkGetOrComputeMiss(b *testing.B) {
	c := New(Options{MaxBytes: 4 << 20, Enabled: true, Coalescing: true})
	e := entryOf(512)
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = Key("/api/day", strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.GetOrCompute(keys[i&(1<<16-1)], func() (*Entry, error) { return e, nil })
		i++
	}
}

func BenchmarkKeyBuilder(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var kb KeyBuilder
		_ = kb.Str("/api/week").Str("tz=Europe/Berlin").Uint(123456).Int(28512345).String()
	}
}

// An entry with a TTL is served until its TTL has passed on the cache's
// clock, then it is gone and its bytes are returned; entries without one
// stay until evicted for space, and a clock that does not move keeps them.
func TestEntryTTL(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := New(Options{Enabled: true, Coalescing: true, Clock: clock})
	short, forever := entryOf(1000), entryOf(1000)
	short.TTL = 2 * time.Second
	c.Set("short", short)
	c.Set("forever", forever)
	full := c.Bytes()
	advance(1900 * time.Millisecond)
	if _, ok := c.Get("short"); !ok {
		t.Fatal("an entry is gone before its TTL")
	}
	advance(200 * time.Millisecond)
	if _, ok := c.Get("short"); ok {
		t.Error("an entry is served after its TTL")
	}
	if _, ok := c.Get("forever"); !ok {
		t.Error("an entry without a TTL expired")
	}
	if got := c.Bytes(); got >= full {
		t.Errorf("the expired entry's bytes are still counted: %d of %d", got, full)
	}
	// GetOrCompute recomputes an expired key.
	calls := 0
	compute := func() (*Entry, error) {
		calls++
		e := entryOf(100)
		e.TTL = time.Second
		return e, nil
	}
	for range 3 {
		if _, err := c.GetOrCompute("k", compute); err != nil {
			t.Fatal(err)
		}
	}
	advance(time.Second)
	if _, err := c.GetOrCompute("k", compute); err != nil || calls != 2 {
		t.Errorf("computed %d times, want 2 (once, then once after the TTL): %v", calls, err)
	}
}
