package feed

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
)

// Backoff after failures: 1 min, 2, 4, ... capped at 30 min, each shortened
// by up to 10% at random so that feeds failing together spread out. A larger
// Retry-After wins, up to 6 h.
const (
	backoffBase = time.Minute
	backoffMax  = 30 * time.Minute
)

// State is an immutable snapshot of one feed's status.
type State struct {
	Name        string
	LastAttempt time.Time // zero: never attempted (or only skipped)
	LastSuccess time.Time // zero: no good data yet
	LastError   string    // redacted (see FetchError); "" after a success
	Consecutive int       // consecutive failures
	NextAttempt time.Time // the feed is skipped by cycles before this
	// Stale: good data exists (LastSuccess is set) but the last attempt
	// failed, or the data is older than 3 refresh intervals.
	Stale bool
	// Body is set only when Changed, and only in the states handed to the
	// sink and returned by Refresh: ownership of the bytes passes to the
	// caller and the Manager drops its reference. States() never has it.
	Body []byte
	Hash [32]byte // content hash of the last good body
	// Changed: this cycle fetched a body whose hash differs from the last
	// good one; it must be parsed.
	Changed bool
	Bytes   int // size of the last good body
}

// ManagerOptions tune a Manager.
type ManagerOptions struct {
	// Concurrency bounds the fetches in flight in one cycle (default 4).
	Concurrency int
	// Jitter spreads Run's cycles by ±Jitter (default interval/10;
	// negative: none).
	Jitter time.Duration
	// Coalescing is the kill switch for joining cycles: when true a
	// Refresh during a running cycle waits for it and returns its states;
	// when false every Refresh runs its own cycle.
	Coalescing bool
	// Now is the clock for ages, staleness and backoff (default time.Now).
	Now func() time.Time
	// After waits between Run's cycles (default time.After).
	After func(time.Duration) <-chan time.Time
	// Rand returns a number in [0,1) for jitter (default math/rand/v2).
	Rand func() float64
}

// Manager refreshes all feeds together, in cycles.
type Manager struct {
	f        *Fetcher
	sources  []Source
	interval time.Duration
	sink     func(ctx context.Context, states []State)
	opts     ManagerOptions
	created  time.Time

	mu    sync.Mutex
	feeds []feedState // index-aligned with sources

	group   singleflight.Group
	sinkMu  sync.Mutex   // sink calls never overlap
	waiting atomic.Int32 // Refresh calls in progress (tests)
}

type feedState struct {
	st                 State // Body nil, Changed false
	etag, lastModified string
	// serverWait is when the feed's server allowed us back (Retry-After);
	// zero when it did not say. A forced refresh skips our own backoff
	// but never this: hammering a server that asked for a pause gets a
	// calendar subscription blocked.
	serverWait time.Time
}

// NewManager returns a Manager for sources, refreshed every interval. sink
// (may be nil) is called once per cycle with the states of all feeds, in
// the order of sources. Feed names should be unique: they key the metrics.
func NewManager(f *Fetcher, sources []Source, interval time.Duration, sink func(ctx context.Context, states []State), opts ManagerOptions) *Manager {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Jitter == 0 {
		opts.Jitter = interval / 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if interval <= 0 {
		interval = 15 * time.Minute
	}
	m := &Manager{
		f:        f,
		sources:  slices.Clone(sources),
		interval: interval,
		sink:     sink,
		opts:     opts,
		created:  opts.Now(),
		feeds:    make([]feedState, len(sources)),
	}
	for i, s := range m.sources {
		m.feeds[i].st.Name = s.Name
		registerAge(s.Name, func() float64 { return m.age(i) })
		setStale(s.Name, false)
	}
	return m
}

// age is the seconds since the feed's last success, or since the Manager
// was created when it has never succeeded (so an alert on age also fires
// for a feed that never loaded).
func (m *Manager) age(i int) float64 {
	m.mu.Lock()
	last := m.feeds[i].st.LastSuccess
	m.mu.Unlock()
	if last.IsZero() {
		last = m.created
	}
	return m.opts.Now().Sub(last).Seconds()
}

// Refresh runs one cycle now over all feeds and returns their states (see
// State for who owns Body). With Coalescing, a call made while a cycle is
// running joins it instead of starting another. A caller whose ctx ends
// while waiting on another's cycle gets States() instead.
func (m *Manager) Refresh(ctx context.Context) []State {
	return m.refresh(ctx, false)
}

// RefreshNow is Refresh for a person asking for fresh data (POST
// /api/refresh after fixing a feed): feeds in backoff after failures are
// fetched anyway, except those whose server asked for a pause with
// Retry-After, which is still honoured. Forced refreshes coalesce with each
// other, not with a scheduled cycle that might skip a feed in backoff.
func (m *Manager) RefreshNow(ctx context.Context) []State {
	return m.refresh(ctx, true)
}

func (m *Manager) refresh(ctx context.Context, force bool) []State {
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	if !m.opts.Coalescing {
		cyclesOwn.Inc()
		return m.cycle(ctx, force)
	}
	key := "cycle"
	if force {
		key = "forced cycle"
	}
	var started atomic.Bool
	ch := m.group.DoChan(key, func() (any, error) {
		started.Store(true)
		return m.cycle(ctx, force), nil
	})
	select {
	case res := <-ch:
		if started.Load() {
			cyclesOwn.Inc()
		} else {
			cyclesJoined.Inc()
		}
		// Joiners share the cycle's states, Body slices included: they
		// must treat the bytes as read-only.
		return slices.Clone(res.Val.([]State))
	case <-ctx.Done():
		return m.States()
	}
}

// Run refreshes immediately, then every interval ± jitter until ctx is done.
func (m *Manager) Run(ctx context.Context) {
	for ctx.Err() == nil {
		m.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-m.opts.After(m.nextDelay()):
		}
	}
}

func (m *Manager) nextDelay() time.Duration {
	d := m.interval
	if j := m.opts.Jitter; j > 0 {
		d += time.Duration((2*m.opts.Rand() - 1) * float64(j))
	}
	return max(d, time.Second)
}

// States returns the current state of every feed, without bodies.
func (m *Manager) States() []State {
	now := m.opts.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]State, len(m.feeds))
	for i := range m.feeds {
		out[i] = m.feeds[i].st
		out[i].Stale = m.stale(out[i], now)
	}
	return out
}

// Invalidate forgets a feed's validators and hash, so that its next fetch
// downloads and reports the body as Changed even if it did not change (for
// a service that lost or could not use the last body it was given).
func (m *Manager) Invalidate(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.feeds {
		if m.feeds[i].st.Name == name {
			m.feeds[i].etag, m.feeds[i].lastModified = "", ""
			m.feeds[i].st.Hash = [32]byte{}
		}
	}
}

func (m *Manager) stale(st State, now time.Time) bool {
	if st.LastSuccess.IsZero() {
		return false
	}
	return st.Consecutive > 0 || now.Sub(st.LastSuccess) > 3*m.interval
}

// cycle fetches every feed not in backoff, with bounded concurrency, then
// hands all states to the sink. The sink is called even when ctx ended
// mid-cycle (with a context that is no longer cancelled), because the
// changed bodies it receives are owned by nobody else.
func (m *Manager) cycle(ctx context.Context, force bool) []State {
	now := m.opts.Now()
	out := make([]State, len(m.sources))
	var g errgroup.Group
	g.SetLimit(m.opts.Concurrency)
	for i := range m.sources {
		m.mu.Lock()
		fs := &m.feeds[i]
		wait := fs.st.NextAttempt
		if force {
			wait = fs.serverWait
		}
		if now.Before(wait) {
			fs.st.Stale = m.stale(fs.st, now)
			out[i] = fs.st
			m.mu.Unlock()
			setStale(fs.st.Name, out[i].Stale)
			continue
		}
		m.mu.Unlock()
		g.Go(func() error {
			out[i] = m.fetchOne(ctx, i)
			return nil
		})
	}
	_ = g.Wait()
	if m.sink != nil {
		m.sinkMu.Lock()
		m.sink(context.WithoutCancel(ctx), out)
		m.sinkMu.Unlock()
	}
	return out
}

func (m *Manager) fetchOne(ctx context.Context, i int) State {
	src := m.sources[i]
	m.mu.Lock()
	prev := Validators{ETag: m.feeds[i].etag, LastModified: m.feeds[i].lastModified, Hash: m.feeds[i].st.Hash}
	m.mu.Unlock()

	r := m.f.Fetch(ctx, src, prev)
	now := m.opts.Now()

	m.mu.Lock()
	fs := &m.feeds[i]
	st := fs.st
	changed := false
	switch {
	case r.Err != nil && ctx.Err() != nil:
		// The caller gave up (shutdown): not the feed's fault, no backoff.
	case r.Err != nil:
		st.LastAttempt = now
		st.Consecutive++
		st.LastError = r.Err.Error()
		st.NextAttempt = now.Add(m.backoff(st.Consecutive, r.RetryAfter))
		fs.serverWait = time.Time{}
		if r.RetryAfter > 0 {
			fs.serverWait = now.Add(min(r.RetryAfter, maxRetryWait))
		}
	default:
		st.LastAttempt = now
		st.LastSuccess = now
		st.Consecutive = 0
		st.LastError = ""
		st.NextAttempt = time.Time{}
		fs.serverWait = time.Time{}
		fs.etag, fs.lastModified = r.ETag, r.LastModified
		if !r.NotModified {
			st.Hash = r.Hash
			st.Bytes = r.Bytes
			changed = true
		}
	}
	st.Stale = m.stale(st, now)
	fs.st = st
	m.mu.Unlock()
	setStale(st.Name, st.Stale)
	if changed {
		st.Body = r.Body
		st.Changed = true
	}
	return st
}

// backoff is the wait after the n-th consecutive failure.
func (m *Manager) backoff(n int, retryAfter time.Duration) time.Duration {
	d := backoffMax
	if n < 8 {
		d = min(backoffBase<<(n-1), backoffMax)
	}
	d -= time.Duration(m.opts.Rand() * float64(d) / 10)
	if retryAfter > d {
		d = min(retryAfter, maxRetryWait)
	}
	return d
}
