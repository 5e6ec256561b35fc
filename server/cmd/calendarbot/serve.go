package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/config"
	"github.com/calendarbot/calendarbot/server/feed"
	"github.com/calendarbot/calendarbot/server/sample"
	"github.com/calendarbot/calendarbot/server/service"
	"github.com/calendarbot/calendarbot/server/web"
)

// readTimeout bounds how long a client may take to send a request's
// headers and body: slow senders cannot hold connections open.
const readTimeout = 10 * time.Second

// defaultGCPercent is GOGC when the environment does not set it.
const defaultGCPercent = 50

// sampleFeed is the name the built-in sample calendar is shown under.
const sampleFeed = "Sample"

// runServe starts the server: configuration, feeds, the refresh loop, the
// response cache and its memory governor, the go-kit service and HTTP.
// ready, when not nil, receives the bound address once the server listens
// (tests start it on 127.0.0.1:0).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(addr string)) int {
	cfg, err := config.Load(args, os.Environ())
	if err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, config.FlagUsage())
			return exitOK
		}
		fmt.Fprintf(stderr, "calendarbot: %v\n", err)
		return exitUsage
	}
	if len(cfg.Feeds) == 0 && !cfg.Sample {
		fmt.Fprintln(stderr, "calendarbot: no feeds configured: add [[feed]] to the config file, pass --feed NAME=URL, or --sample for the built-in calendar")
		return exitUsage
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if limit, set := cache.ApplyDefaultMemoryLimit(); set {
		log.Info("memory limit set", "gomemlimit_bytes", limit)
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is a few MiB, so the runtime's default lets it
		// double before collecting: under load that is most of the
		// server's own memory. Collecting at +50 % keeps the resident set
		// within budget for ~2 % more CPU (docs/PERFORMANCE.md).
		debug.SetGCPercent(defaultGCPercent)
	}
	clock := time.Now
	if !cfg.Now.IsZero() {
		frozen := cfg.Now
		clock = func() time.Time { return frozen }
		log.Info("clock frozen", "now", frozen.Format(time.RFC3339))
	}
	feed.Version = version

	names, colors, sources := feedsOf(cfg)

	store := service.NewStore()
	ref := service.NewRefresher(store, names, service.RefresherOptions{
		Location: cfg.Location, Clock: clock, Past: cfg.WindowPast, Future: cfg.WindowFuture,
		Colors: colors, Logger: log,
	})
	respCache := cache.New(cache.Options{MaxBytes: cfg.CacheBytes, Enabled: cfg.Caching, Coalescing: cfg.Coalescing, Clock: clock})
	gov := cache.NewGovernor(respCache, cfg.CacheBytes, cache.GovernorOptions{})

	devices := &trmnlDevices{} // filled in below, read by /api/health
	var svc service.Service = service.New(service.Config{Location: cfg.Location, Clock: clock, Colors: colors,
		ClockState: applianceClock(clockStatePath), Devices: devices.statuses}, store)
	stopDisplay := startDisplay(ctx, cfg, svc, log) // [display] framebuffer: display_fb.go
	defer stopDisplay()
	svc = service.LoggingMiddleware(log)(svc)
	svc = service.InstrumentingMiddleware(nil)(svc)
	var c *cache.Cache
	if cfg.Caching {
		c = respCache
	}
	var (
		refresh func(ctx context.Context) error
		mgr     *feed.Manager
	)
	if len(sources) > 0 {
		// The fetcher and manager schedule on real time even when the clock is
		// frozen (backoff must expire); the refresher reports feed times on
		// the service clock.
		fetcher := feed.NewFetcher(feed.Options{Pooling: cfg.Pooling, MaxBytes: cfg.MaxFeedBytes, Timeout: cfg.FetchTimeout})
		defer fetcher.Close()
		mgr = feed.NewManager(fetcher, sources, cfg.Refresh, ref.Sink, feed.ManagerOptions{Coalescing: cfg.Coalescing})
		refresh = func(rctx context.Context) error {
			// Bounded: a client going away does not cancel the cycle for
			// others joined to it, and a hung feed cannot hold the request.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(rctx), cfg.FetchTimeout+5*time.Second)
			defer cancel()
			mgr.RefreshNow(rctx) // a person asked: skip our backoff, honour Retry-After
			return nil
		}
	}
	// /display.png and the TRMNL device API: display.go.
	disp := newDisplay(svc, store, c, clock, cfg.Location, log)
	trmnlAPI, err := newTRMNL(cfg, disp, svc, clock, log)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot: %v\n", err)
		return exitUsage
	}
	devices.set(trmnlAPI)
	handler := service.NewHTTPHandler(service.MakeEndpoints(svc), service.HTTPOptions{
		Store: store, Cache: c, Clock: clock, Location: cfg.Location,
		AdminToken: cfg.AdminToken, AlexaToken: cfg.AlexaToken, Logger: log,
		Page:    pageHandler(svc, cfg.Location),
		Static:  web.Static(),
		Metrics: func(w io.Writer) { metrics.WritePrometheus(w, true) },
		Refresh: refresh,
		Display: disp,
		TRMNL:   trmnlAPI,
	})

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot: listen on %s: %v\n", cfg.Listen, err)
		return exitFailure
	}
	srv := &http.Server{
		Handler: handler,
		// One deadline for the headers and the body: with equal values
		// net/http sets the connection's read deadline once per request
		// instead of twice. Bodies are at most 64 KiB (limitRequest).
		ReadHeaderTimeout: readTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    service.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go gov.Run(ctx)

	// The sample is generated around the current time; regenerating it as
	// time passes keeps a meeting in progress and one coming up.
	loadSample := func() error {
		cal, err := calendar.Parse(sample.ICS(clock(), cfg.Location), calendar.Options{Floating: cfg.Location})
		if err != nil {
			return err
		}
		ref.SetCalendar(sampleFeed, cal)
		return nil
	}
	if cfg.Sample {
		if err := loadSample(); err != nil {
			fmt.Fprintf(stderr, "calendarbot: sample calendar: %v\n", err)
			return exitFailure
		}
	}
	if mgr != nil {
		go mgr.Run(ctx)
	}
	// The window moves with time even when no feed changes.
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if cfg.Sample && clock().Minute()%15 == 0 {
					_ = loadSample() // it parsed at start-up; it cannot fail later
				}
				ref.Rebuild()
			}
		}
	}()

	addr := ln.Addr().String()
	log.Info("listening", "addr", addr, "feeds", len(names), "tz", cfg.Location.String(), "config", cfg.ConfigFile)
	fmt.Fprintf(stdout, "CalendarBot is serving on %s\n", displayURL(addr))
	fmt.Fprintf(stdout, "  the screen as an image: %sdisplay.png (e-ink: ?w=800&h=480&mode=mono)\n", displayURL(addr))
	if ready != nil {
		ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return exitFailure
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return exitOK
}

// clockStatePath is where the appliance's uinit records how it set the
// clock (image/appliance); elsewhere the file does not exist.
const clockStatePath = "/run/calendarbot/clock.json"

var clockSynced = metrics.NewGauge(`calendarbot_clock_synced`, nil)

// applianceClock reads the appliance's clock state for /api/health and
// publishes calendarbot_clock_synced (1 after NTP, 0 otherwise; absent
// when not on the appliance).
func applianceClock(path string) func() *service.ClockState {
	return func() *service.ClockState {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		var st service.ClockState
		if json.Unmarshal(b, &st) != nil {
			return &service.ClockState{State: "unknown", Summary: "unreadable " + path}
		}
		if st.State == "ntp" {
			clockSynced.Set(1)
		} else {
			clockSynced.Set(0)
		}
		return &st
	}
}

// displayURL turns a listen address into a URL a person can open.
func displayURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// pageHandler renders the kiosk page from the same answer as
// /api/whats-next, so the page and the API can never disagree.
func pageHandler(svc service.Service, loc *time.Location) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wn, err := svc.WhatsNext(r.Context(), service.WhatsNextRequest{})
		if err != nil {
			http.Error(w, "calendar unavailable", http.StatusInternalServerError)
			return
		}
		now, _ := time.Parse(time.RFC3339, wn.NowISO)
		d := web.PageData{
			Current: meetingView(wn.Current),
			Next:    meetingView(wn.Meeting),
			Status:  web.StatusView{Message: wn.Status.Message, Urgent: wn.Status.IsUrgent, Critical: wn.Status.IsCritical},
			Now:     now,
			TZ:      loc,
			Loaded:  wn.Data.Initialized,
			Stale:   wn.Data.Stale,
			Variant: r.URL.Query().Get("variant"),
		}
		for i := range wn.Later {
			d.Later = append(d.Later, *meetingView(&wn.Later[i]))
		}
		for i := range wn.AllDayToday {
			d.AllDay = append(d.AllDay, *meetingView(&wn.AllDayToday[i]))
		}
		if t, err := time.Parse(time.RFC3339, wn.Data.UpdatedISO); err == nil {
			d.UpdatedAt, d.StaleSince = t, t
		}
		for _, f := range wn.Data.Feeds {
			fv := web.FeedView{Name: f.Name, Stale: f.Stale, Error: f.Error}
			fv.LastSuccess, _ = time.Parse(time.RFC3339, f.LastSuccessISO)
			d.Feeds = append(d.Feeds, fv)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := web.Render(w, d); err != nil {
			http.Error(w, "render failed", http.StatusInternalServerError)
		}
	})
}

// feedsOf lists the configured feeds (and the sample calendar) as the
// refresher and the fetcher want them: names in order, colours by name,
// and the sources to fetch.
func feedsOf(cfg *config.Config) (names []string, colors map[string]string, sources []feed.Source) {
	names = make([]string, 0, len(cfg.Feeds)+1)
	colors = map[string]string{}
	sources = make([]feed.Source, 0, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		names = append(names, f.Name)
		colors[f.Name] = f.Color
		sources = append(sources, feed.Source{Name: f.Name, URL: f.URL, Username: f.Username, Password: f.Password, Bearer: f.Bearer, Headers: f.Headers})
	}
	if cfg.Sample {
		names = append(names, sampleFeed)
		colors[sampleFeed] = "#0b6bcb"
	}
	return names, colors, sources
}

// localSpan is a meeting's start and end as the API gives them, in the
// display zone.
func localSpan(m *service.Meeting) (start, end time.Time) {
	start, _ = time.Parse(time.RFC3339, m.StartLocal)
	end, _ = time.Parse(time.RFC3339, m.EndLocal)
	return start, end
}

func meetingView(m *service.Meeting) *web.MeetingView {
	if m == nil {
		return nil
	}
	start, end := localSpan(m)
	return &web.MeetingView{ID: m.MeetingID, Subject: m.Subject, Location: m.Location, Calendar: m.Calendar,
		Color: m.Color, Start: start, End: end, AllDay: m.AllDay, Tentative: m.Status == "TENTATIVE"}
}
