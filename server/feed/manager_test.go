package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// ctlServer serves /feed/NAME with a per-feed behaviour the test controls.
type ctlServer struct {
	*httptest.Server
	mu       sync.Mutex
	status   map[string]int    // 0 = 200
	after    map[string]string // Retry-After
	version  map[string]int    // content version: a new version is a new body
	hits     map[string]int
	gate     chan struct{} // when non-nil, requests wait for it to close
	inflight atomic.Int32
	peak     atomic.Int32
	delay    time.Duration
}

func newCtlServer(t *testing.T) *ctlServer {
	s := &ctlServer{status: map[string]int{}, after: map[string]string{}, version: map[string]int{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/feed/")
		n := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for {
			p := s.peak.Load()
			if n <= p || s.peak.CompareAndSwap(p, n) {
				break
			}
		}
		s.mu.Lock()
		s.hits[name]++
		gate, status, after, version, delay := s.gate, s.status[name], s.after[name], s.version[name], s.delay
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		if status != 0 {
			if after != "" {
				w.Header().Set("Retry-After", after)
			}
			http.Error(w, "nope", status)
			return
		}
		etag := fmt.Sprintf(`"%s-%d"`, name, version)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, ics("20260302T080000Z", fmt.Sprintf("%s v%d", name, version)))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *ctlServer) set(name string, status int, after string) {
	s.mu.Lock()
	s.status[name], s.after[name] = status, after
	s.mu.Unlock()
}

func (s *ctlServer) bump(name string) {
	s.mu.Lock()
	s.version[name]++
	s.mu.Unlock()
}

func (s *ctlServer) Hits(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[name]
}

func (s *ctlServer) setGate(g chan struct{}) {
	s.mu.Lock()
	s.gate = g
	s.mu.Unlock()
}

func (s *ctlServer) sources(names ...string) []Source {
	var out []Source
	for _, n := range names {
		out = append(out, Source{Name: n, URL: s.URL + "/feed/" + n})
	}
	return out
}

// sinkRecorder records every sink call.
type sinkRecorder struct {
	mu    sync.Mutex
	calls [][]State
}

func (r *sinkRecorder) sink(_ context.Context, st []State) {
	r.mu.Lock()
	r.calls = append(r.calls, st)
	r.mu.Unlock()
}

func (r *sinkRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func byName(states []State) map[string]State {
	m := map[string]State{}
	for _, s := range states {
		m[s.Name] = s
	}
	return m
}

func TestRefreshCoalesces(t *testing.T) {
	s := newCtlServer(t)
	gate := make(chan struct{})
	s.setGate(gate)
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	names := []string{"coA", "coB", "coC"}
	m := NewManager(f, s.sources(names...), 15*time.Minute, rec.sink, ManagerOptions{Coalescing: true, Now: newClock().Now})

	own0, joined0 := counter(`calendarbot_refresh_cycles_total{joined="false"}`), counter(`calendarbot_refresh_cycles_total{joined="true"}`)
	results := make([][]State, 3)
	var wg sync.WaitGroup
	wg.Go(func() { results[0] = m.Refresh(context.Background()) })
	waitFor(t, "first cycle's requests", func() bool { return s.Hits("coA")+s.Hits("coB")+s.Hits("coC") == 3 })
	wg.Go(func() { results[1] = m.Refresh(context.Background()) })
	wg.Go(func() { results[2] = m.Refresh(context.Background()) })
	waitFor(t, "joiners", func() bool { return m.waiting.Load() == 3 })
	time.Sleep(20 * time.Millisecond) // from Add(1) into the singleflight call
	close(gate)
	wg.Wait()

	for _, n := range names {
		if h := s.Hits(n); h != 1 {
			t.Errorf("%s: server saw %d requests, want 1", n, h)
		}
	}
	if rec.count() != 1 {
		t.Errorf("sink called %d times, want 1", rec.count())
	}
	for i, r := range results {
		if len(r) != 3 {
			t.Fatalf("caller %d: %d states", i, len(r))
		}
		for j, st := range r {
			if st.Name != names[j] || !st.Changed || st.Body == nil || st.Hash != results[0][j].Hash {
				t.Errorf("caller %d state %d: %+v", i, j, st)
			}
		}
	}
	if d := counter(`calendarbot_refresh_cycles_total{joined="true"}`) - joined0; d != 2 {
		t.Errorf("joined cycles %d, want 2", d)
	}
	if d := counter(`calendarbot_refresh_cycles_total{joined="false"}`) - own0; d != 1 {
		t.Errorf("own cycles %d, want 1", d)
	}
}

func TestRefreshWithoutCoalescing(t *testing.T) {
	s := newCtlServer(t)
	gate := make(chan struct{})
	s.setGate(gate)
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	m := NewManager(f, s.sources("ncA", "ncB"), 15*time.Minute, rec.sink, ManagerOptions{Coalescing: false, Now: newClock().Now})

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { m.Refresh(context.Background()) })
	}
	waitFor(t, "both cycles' requests", func() bool { return s.Hits("ncA") == 2 && s.Hits("ncB") == 2 })
	close(gate)
	wg.Wait()
	if rec.count() != 2 {
		t.Errorf("sink called %d times, want 2", rec.count())
	}
}

func TestConcurrencyBound(t *testing.T) {
	s := newCtlServer(t)
	s.delay = 20 * time.Millisecond
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	var names []string
	for i := range 8 {
		names = append(names, fmt.Sprintf("cb%d", i))
	}
	m := NewManager(f, s.sources(names...), time.Hour, nil, ManagerOptions{Concurrency: 2})
	states := m.Refresh(context.Background())
	for _, st := range states {
		if st.LastError != "" || !st.Changed {
			t.Fatalf("%+v", st)
		}
	}
	if p := s.peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrency %d, want at most 2", p)
	}
}

func TestFailingFeedBackoffAndRecovery(t *testing.T) {
	s := newCtlServer(t)
	clock := newClock()
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true, Now: clock.Now})
	defer f.Close()
	interval := 5 * time.Minute
	m := NewManager(f, s.sources("good", "bad"), interval, rec.sink,
		ManagerOptions{Coalescing: true, Now: clock.Now, Rand: func() float64 { return 0 }})
	ctx := context.Background()

	st := byName(m.Refresh(ctx))
	if !st["good"].Changed || !st["bad"].Changed || st["bad"].Body == nil {
		t.Fatalf("first cycle: %+v", st)
	}
	goodHash, badHash := st["good"].Hash, st["bad"].Hash
	t0 := clock.Now()

	// "bad" starts failing while "good" changes.
	s.set("bad", 500, "")
	s.bump("good")
	clock.Advance(interval)
	st = byName(m.Refresh(ctx))
	bad, good := st["bad"], st["good"]
	if !good.Changed || good.Hash == goodHash || good.Stale {
		t.Fatalf("good should update: %+v", good)
	}
	if bad.Changed || bad.Body != nil || !bad.Stale || bad.Consecutive != 1 || bad.Hash != badHash || !bad.LastSuccess.Equal(t0) {
		t.Fatalf("bad should keep its data, stale: %+v", bad)
	}
	if want := `feed "bad": GET ` + s.URL + `/…: 500 Internal Server Error`; bad.LastError != want {
		t.Fatalf("LastError %q", bad.LastError)
	}
	if !bad.NextAttempt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("first backoff: next %v, now %v", bad.NextAttempt, clock.Now())
	}
	if g := metrics.GetOrCreateGauge(`calendarbot_feed_stale{feed="bad"}`, nil).Get(); g != 1 {
		t.Errorf("stale gauge %v", g)
	}
	if a := metrics.GetOrCreateGauge(`calendarbot_feed_age_seconds{feed="bad"}`, nil).Get(); a != interval.Seconds() {
		t.Errorf("age gauge %v", a)
	}

	// In backoff: skipped, state kept, still stale.
	hits := s.Hits("bad")
	clock.Advance(30 * time.Second)
	st = byName(m.Refresh(ctx))
	if s.Hits("bad") != hits {
		t.Fatal("feed in backoff was fetched")
	}
	if b := st["bad"]; !b.Stale || b.Consecutive != 1 || b.Changed {
		t.Fatalf("skipped feed: %+v", b)
	}

	// Backoff over: fetched, fails again, backoff doubles.
	clock.Advance(time.Minute)
	st = byName(m.Refresh(ctx))
	if s.Hits("bad") != hits+1 || st["bad"].Consecutive != 2 || !st["bad"].NextAttempt.Equal(clock.Now().Add(2*time.Minute)) {
		t.Fatalf("second failure: hits %d %+v", s.Hits("bad"), st["bad"])
	}

	// Recovery resets everything; an unchanged body is not Changed.
	s.set("bad", 0, "")
	clock.Advance(3 * time.Minute)
	st = byName(m.Refresh(ctx))
	if b := st["bad"]; b.Consecutive != 0 || b.Stale || b.LastError != "" || !b.NextAttempt.IsZero() || b.Changed || b.Body != nil || b.Hash != badHash || !b.LastSuccess.Equal(clock.Now()) {
		t.Fatalf("recovered: %+v", b)
	}
	if g := metrics.GetOrCreateGauge(`calendarbot_feed_stale{feed="bad"}`, nil).Get(); g != 0 {
		t.Errorf("stale gauge %v after recovery", g)
	}
	if rec.count() != 5 {
		t.Errorf("sink calls %d, want one per cycle (5)", rec.count())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	s := newCtlServer(t)
	clock := newClock()
	f := NewFetcher(Options{Pooling: true, Now: clock.Now})
	defer f.Close()
	m := NewManager(f, s.sources("ra", "rd", "rcap"), time.Minute, nil,
		ManagerOptions{Now: clock.Now, Rand: func() float64 { return 0 }})
	s.set("ra", 429, "3600")
	s.set("rd", 503, clock.Now().Add(2*time.Hour).Format(http.TimeFormat))
	s.set("rcap", 429, "86400")
	st := byName(m.Refresh(context.Background()))
	now := clock.Now()
	for name, want := range map[string]time.Duration{"ra": time.Hour, "rd": 2 * time.Hour, "rcap": 6 * time.Hour} {
		if got := st[name].NextAttempt.Sub(now); got != want {
			t.Errorf("%s: backoff %v, want %v", name, got, want)
		}
		if st[name].Stale {
			t.Errorf("%s: stale without ever having good data", name)
		}
	}
	clock.Advance(59 * time.Minute)
	m.Refresh(context.Background())
	if s.Hits("ra") != 1 {
		t.Fatal("Retry-After not honoured")
	}
	clock.Advance(2 * time.Minute)
	m.Refresh(context.Background())
	if s.Hits("ra") != 2 || s.Hits("rd") != 1 {
		t.Fatalf("hits ra=%d rd=%d", s.Hits("ra"), s.Hits("rd"))
	}
}

func TestBackoffSchedule(t *testing.T) {
	r := 0.0
	m := NewManager(NewFetcher(Options{}), nil, time.Minute, nil, ManagerOptions{Rand: func() float64 { return r }})
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30, 30}
	for i, w := range want {
		if got := m.backoff(i+1, 0); got != w*time.Minute {
			t.Errorf("failure %d: %v, want %v", i+1, got, w*time.Minute)
		}
	}
	if got := m.backoff(1000, 0); got != 30*time.Minute {
		t.Errorf("failure 1000: %v", got)
	}
	r = 0.999
	if got := m.backoff(1, 0); got < 54*time.Second || got > time.Minute {
		t.Errorf("jittered: %v", got)
	}
	if got := m.backoff(1, 2*time.Hour); got != 2*time.Hour {
		t.Errorf("Retry-After: %v", got)
	}
	if got := m.backoff(6, 10*time.Minute); got > 30*time.Minute || got < 27*time.Minute {
		t.Errorf("smaller Retry-After should not shorten backoff: %v", got)
	}
	if got := m.backoff(1, 48*time.Hour); got != 6*time.Hour {
		t.Errorf("Retry-After cap: %v", got)
	}
}

func TestOwnershipAndInvalidate(t *testing.T) {
	s := newCtlServer(t)
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	m := NewManager(f, s.sources("own"), time.Hour, rec.sink, ManagerOptions{})
	ctx := context.Background()

	st := m.Refresh(ctx)[0]
	if !st.Changed || st.Body == nil || st.Bytes != len(st.Body) {
		t.Fatalf("first: %+v", st)
	}
	if &rec.calls[0][0].Body[0] != &st.Body[0] {
		t.Error("sink and Refresh should see the same bytes, not copies")
	}
	for _, s := range m.States() {
		if s.Body != nil || s.Changed {
			t.Fatalf("manager kept the body: %+v", s)
		}
	}
	st = m.Refresh(ctx)[0]
	if st.Changed || st.Body != nil || st.Bytes == 0 || st.Hash == ([32]byte{}) {
		t.Fatalf("unchanged: %+v", st)
	}
	m.Invalidate("own")
	st = m.Refresh(ctx)[0]
	if !st.Changed || st.Body == nil {
		t.Fatalf("after Invalidate: %+v", st)
	}
	if s.Hits("own") != 3 {
		t.Fatalf("hits %d", s.Hits("own"))
	}
}

func TestStaleByAge(t *testing.T) {
	s := newCtlServer(t)
	clock := newClock()
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	m := NewManager(f, s.sources("aged"), time.Minute, nil, ManagerOptions{Now: clock.Now})
	if st := m.States()[0]; st.Stale || !st.LastSuccess.IsZero() {
		t.Fatalf("%+v", st)
	}
	if a := metrics.GetOrCreateGauge(`calendarbot_feed_age_seconds{feed="aged"}`, nil).Get(); a != 0 {
		t.Errorf("age before any fetch: %v", a)
	}
	m.Refresh(context.Background())
	clock.Advance(3*time.Minute + time.Second)
	if st := m.States()[0]; !st.Stale {
		t.Fatalf("data older than 3 intervals not stale: %+v", st)
	}
	if a := metrics.GetOrCreateGauge(`calendarbot_feed_age_seconds{feed="aged"}`, nil).Get(); a != 181 {
		t.Errorf("age %v", a)
	}
}

func TestCancelledCycleIsNotAFailure(t *testing.T) {
	s := newCtlServer(t)
	s.setGate(make(chan struct{})) // never opens
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	m := NewManager(f, s.sources("cx"), time.Minute, rec.sink, ManagerOptions{Coalescing: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for s.Hits("cx") == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
	}()
	m.Refresh(ctx)
	waitFor(t, "sink", func() bool { return rec.count() == 1 })
	if st := m.States()[0]; st.Consecutive != 0 || !st.NextAttempt.IsZero() || st.LastError != "" {
		t.Fatalf("cancellation counted as a failure: %+v", st)
	}
}

func TestRun(t *testing.T) {
	s := newCtlServer(t)
	rec := &sinkRecorder{}
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	tick := make(chan time.Time)
	delays := make(chan time.Duration, 4)
	m := NewManager(f, s.sources("run"), 10*time.Minute, rec.sink, ManagerOptions{
		Coalescing: true,
		Rand:       func() float64 { return 1 }, // maximum jitter: +10%
		After: func(d time.Duration) <-chan time.Time {
			delays <- d
			return tick
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()

	if d := <-delays; d != 11*time.Minute {
		t.Errorf("delay %v, want interval+10%%", d)
	}
	if rec.count() != 1 {
		t.Fatalf("first cycle not immediate: %d", rec.count())
	}
	tick <- time.Time{}
	<-delays
	if rec.count() != 2 {
		t.Fatalf("cycles %d", rec.count())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func histCount(name string) uint64 {
	var n uint64
	metrics.GetOrCreateHistogram(name).VisitNonZeroBuckets(func(_ string, c uint64) { n += c })
	return n
}

func TestFetchMetrics(t *testing.T) {
	s := newCtlServer(t)
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	m := NewManager(f, s.sources(`met"x`), time.Hour, nil, ManagerOptions{})
	name := func(r string) string { return `calendarbot_feed_fetch_total{feed="met\"x",result="` + r + `"}` }
	const hist = `calendarbot_feed_fetch_duration_seconds{feed="met\"x"}`
	before := map[string]uint64{}
	for _, r := range []string{"ok", "not_modified", "error"} {
		before[r] = counter(name(r))
	}
	h0 := histCount(hist)

	m.Refresh(context.Background())
	m.Refresh(context.Background())
	s.set(`met"x`, 500, "")
	m.Invalidate(`met"x`) // no validators: a full GET that fails
	if st := m.Refresh(context.Background()); st[0].LastError == "" {
		t.Fatal("no error")
	}
	for _, r := range []string{"ok", "not_modified", "error"} {
		if got := counter(name(r)) - before[r]; got != 1 {
			t.Errorf("%s: moved by %d, want 1", r, got)
		}
	}
	if got := histCount(hist) - h0; got != 3 {
		t.Errorf("duration histogram counted %d fetches, want 3", got)
	}
	if b := metrics.GetOrCreateGauge(`calendarbot_feed_bytes{feed="met\"x"}`, nil).Get(); b <= 0 {
		t.Errorf("bytes gauge %v", b)
	}
	var sb strings.Builder
	metrics.WritePrometheus(&sb, false)
	for _, want := range []string{
		`calendarbot_feed_fetch_duration_seconds_count{feed="met\"x"}`,
		`calendarbot_feed_age_seconds{feed="met\"x"}`,
		`calendarbot_feed_stale{feed="met\"x"} 1`,
		`calendarbot_http_conn_total{reused="true"}`,
		`calendarbot_dns_cache_total{result="hit"}`,
		`calendarbot_refresh_cycles_total{joined="false"}`,
	} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
}

// A person pressing refresh after fixing a feed gets it fetched at once,
// despite our backoff, but a server's Retry-After is still honoured.
func TestRefreshNowSkipsBackoffNotRetryAfter(t *testing.T) {
	s := newCtlServer(t)
	clock := newClock()
	f := NewFetcher(Options{Pooling: true, Now: clock.Now})
	defer f.Close()
	m := NewManager(f, s.sources("broken", "limited"), 5*time.Minute, nil,
		ManagerOptions{Coalescing: true, Now: clock.Now, Rand: func() float64 { return 0 }})
	ctx := context.Background()
	s.set("broken", 500, "")
	s.set("limited", 429, "3600")
	st := byName(m.Refresh(ctx))
	if st["broken"].Consecutive != 1 || st["limited"].Consecutive != 1 {
		t.Fatalf("first cycle: %+v", st)
	}

	// Still failing: a forced refresh fetches "broken" although it is in
	// backoff, and leaves "limited" alone.
	clock.Advance(10 * time.Second)
	m.RefreshNow(ctx)
	if s.Hits("broken") != 2 || s.Hits("limited") != 1 {
		t.Fatalf("forced refresh while failing: hits broken=%d limited=%d", s.Hits("broken"), s.Hits("limited"))
	}
	// A scheduled cycle still respects the (now doubled) backoff.
	clock.Advance(10 * time.Second)
	m.Refresh(ctx)
	if s.Hits("broken") != 2 {
		t.Fatalf("scheduled cycle ignored the backoff: hits %d", s.Hits("broken"))
	}

	// Fixed: the forced refresh recovers it at once.
	s.set("broken", 0, "")
	clock.Advance(10 * time.Second)
	st = byName(m.RefreshNow(ctx))
	if b := st["broken"]; b.Consecutive != 0 || b.LastError != "" || !b.Changed || s.Hits("limited") != 1 {
		t.Fatalf("forced refresh after the fix: %+v, limited hits %d", b, s.Hits("limited"))
	}
	// Once the server's pause is over, forcing fetches the limited feed too.
	s.set("limited", 0, "")
	clock.Advance(time.Hour)
	st = byName(m.RefreshNow(ctx))
	if l := st["limited"]; s.Hits("limited") != 2 || l.Consecutive != 0 {
		t.Fatalf("after Retry-After: hits %d %+v", s.Hits("limited"), l)
	}
}
