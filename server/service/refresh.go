package service

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/feed"
)

// RefresherOptions configure how feeds become published snapshots.
type RefresherOptions struct {
	Location     *time.Location // display zone: floating times and all-day dates
	Clock        func() time.Time
	Past, Future time.Duration // expansion window around now
	Limits       calendar.Limits
	Colors       map[string]string
	Logger       *slog.Logger
	// OnPublish is called after every publish (the response cache is keyed
	// by version and needs no invalidation; tests use this to wait).
	OnPublish func(*State)
}

// Refresher turns the feed manager's cycles into published states: it
// parses the feeds whose bodies changed, keeps the last good parse of every
// feed (a failing feed keeps serving it, marked stale), expands the window
// and publishes one merged snapshot per cycle.
type Refresher struct {
	o     RefresherOptions
	store *Store
	names []string

	mu     sync.Mutex
	cals   map[string]*calendar.Calendar
	errs   map[string]string // parse errors, by feed
	states map[string]feed.State
	// rawSuccess is the manager's (real-time) LastSuccess per feed, to
	// notice a new success when mapping it onto the service clock.
	rawSuccess map[string]time.Time
	version    uint64
	cycles     int
	updated    time.Time
}

// NewRefresher publishes into store for the named feeds, in config order.
func NewRefresher(store *Store, names []string, o RefresherOptions) *Refresher {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Past <= 0 {
		o.Past = 24 * time.Hour
	}
	if o.Future <= 0 {
		o.Future = 14 * 24 * time.Hour
	}
	if o.Limits == (calendar.Limits{}) {
		o.Limits = calendar.DefaultLimits
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Refresher{o: o, store: store, names: names,
		cals: map[string]*calendar.Calendar{}, errs: map[string]string{}, states: map[string]feed.State{},
		rawSuccess: map[string]time.Time{}}
}

var (
	parseDuration  = metrics.NewHistogram(`calendarbot_parse_duration_seconds`)
	expandDuration = metrics.NewHistogram(`calendarbot_expand_duration_seconds`)
	snapshotEvents = metrics.NewCounter(`calendarbot_snapshots_published_total`)
)

// Sink receives one refresh cycle from the feed manager.
func (r *Refresher) Sink(ctx context.Context, states []feed.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	parsed := false
	for _, st := range states {
		if st.Changed && st.Body != nil {
			parsed = true
			start := time.Now()
			cal, err := calendar.Parse(st.Body, calendar.Options{Floating: r.o.Location})
			parseDuration.UpdateDuration(start)
			if err != nil {
				// Not a calendar (an HTML login page, an error document):
				// keep the last good one and say why.
				r.errs[st.Name] = "not an iCalendar feed: " + err.Error()
				r.o.Logger.WarnContext(ctx, "feed unusable, keeping last good data", "feed", st.Name, "err", err)
			} else if cal.Problems.Truncated && r.cals[st.Name] != nil {
				// A body that ends inside its calendar was cut off on the way
				// (a proxy, a dropped chunked transfer): serving it would drop
				// every event after the cut. Keep the last good copy.
				r.errs[st.Name] = "feed ends before END:VCALENDAR (cut off in transfer?): keeping the last good data"
				r.o.Logger.WarnContext(ctx, "feed truncated, keeping last good data", "feed", st.Name)
			} else {
				r.cals[st.Name] = cal
				delete(r.errs, st.Name)
				metrics.GetOrCreateGauge(`calendarbot_feed_skipped_components{feed="`+st.Name+`"}`, nil).Set(float64(cal.Problems.Len()))
				if n := cal.Problems.Len(); n > 0 {
					r.o.Logger.InfoContext(ctx, "feed read with problems", "feed", st.Name, "problems", n, "first", cal.Problems.List[0].String())
				}
			}
		}
		st.Body = nil // the parsed calendar is what we keep
		// Feed times are reported on the service's clock (which tests and
		// demos freeze), while the manager schedules on real time.
		raw := st.LastSuccess
		switch {
		case raw.IsZero():
		case raw.Equal(r.rawSuccess[st.Name]):
			st.LastSuccess = r.states[st.Name].LastSuccess
		default:
			st.LastSuccess = r.o.Clock()
		}
		r.rawSuccess[st.Name] = raw
		st.LastAttempt = r.o.Clock()
		r.states[st.Name] = st
	}
	r.cycles++
	r.publishLocked()
	if parsed {
		// Parsing a feed allocates several times the feed's size, briefly.
		// Handing that memory back at once keeps the resident set at what
		// the server really holds, which is what a 512 MB device (and the
		// memory governor) sees; it costs one GC per changed feed cycle.
		debug.FreeOSMemory()
	}
}

// SetCalendar installs a calendar that does not come from the feed manager
// (the built-in sample) and publishes.
func (r *Refresher) SetCalendar(name string, cal *calendar.Calendar) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cals[name] = cal
	now := r.o.Clock()
	r.states[name] = feed.State{Name: name, LastAttempt: now, LastSuccess: now}
	r.cycles++
	r.publishLocked()
}

// Rebuild re-expands the window around the current time and publishes,
// without fetching: the server calls it as time moves on.
func (r *Refresher) Rebuild() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cycles > 0 {
		r.publishLocked()
	}
}

func (r *Refresher) publishLocked() {
	now := r.o.Clock()
	feeds := make([]calendar.Feed, 0, len(r.names))
	infos := make([]FeedInfo, 0, len(r.names))
	allFresh := true
	for _, name := range r.names {
		st := r.states[name]
		cal := r.cals[name]
		feeds = append(feeds, calendar.Feed{Name: name, Cal: cal})
		info := FeedInfo{Name: name, Color: r.o.Colors[name], LastSuccess: st.LastSuccess, LastAttempt: st.LastAttempt,
			Error: st.LastError, Stale: st.Stale}
		if msg, ok := r.errs[name]; ok {
			info.Error, info.Stale = msg, true
		}
		if cal == nil && info.Error == "" && st.LastAttempt.IsZero() {
			info.Error = "not fetched yet"
		}
		if cal == nil || info.Stale || info.Error != "" {
			allFresh = false
		}
		if cal != nil {
			info.Problems = cal.Problems.Len()
		}
		infos = append(infos, info)
	}
	if allFresh {
		r.updated = now
	}
	r.version++
	start := time.Now()
	snap := calendar.NewSnapshot(r.version, now, now.Add(-r.o.Past), now.Add(r.o.Future), feeds, r.o.Limits)
	expandDuration.UpdateDuration(start)
	counts := map[string]int{}
	for i := range snap.Occurrences {
		counts[snap.Occurrences[i].Calendar]++
	}
	for i := range infos {
		infos[i].Events = counts[infos[i].Name]
	}
	for _, p := range snap.Problems {
		r.o.Logger.Warn("expansion problem", "problem", p.String())
	}
	st := &State{Snap: snap, Feeds: infos, Initialized: true, Updated: r.updated}
	if r.updated.IsZero() {
		// Nothing has fully succeeded yet; whatever succeeded is still data.
		for _, f := range infos {
			if !f.LastSuccess.IsZero() && f.LastSuccess.After(st.Updated) {
				st.Updated = f.LastSuccess
			}
		}
	}
	r.store.Publish(st)
	snapshotEvents.Inc()
	if r.o.OnPublish != nil {
		r.o.OnPublish(st)
	}
}
