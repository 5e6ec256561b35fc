package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/config"
	"github.com/calendarbot/calendarbot/server/feed"
	"github.com/calendarbot/calendarbot/server/render"
	"github.com/calendarbot/calendarbot/server/sample"
	"github.com/calendarbot/calendarbot/server/service"
)

const renderUsage = `usage: calendarbot render [--config FILE | --feed NAME=URL... | --sample] [--now RFC3339] [--tz ZONE]
                          [--w N] [--h N] [--mode color|gray|mono] [--rotate 0|90|180|270] -o FILE.png|-

Draws the what's-next screen once, exactly as the server's framebuffer and
/display.png do, after fetching the configured feeds once. --rotate and
--mode default to the [display] settings; the size defaults to 480×800.
/display.png draws at the start of the minute: give --now a whole minute
to compare the two byte for byte.

flags:
`

// runRender writes the screen as PNG: for users trying a layout or a
// panel size, and for tests that compare the drawn screen (QEMU's
// framebuffer, /display.png) with a reference for the same clock.
func runRender(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("render", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	// The server's own flags (--config, --feed, --sample, --now, --tz,
	// --rotate, --display-mode, ...), so a config renders as it serves.
	fv := config.Flags(fs)
	width := fs.Int("w", DefaultRenderWidth, "width in pixels")
	height := fs.Int("h", DefaultRenderHeight, "height in pixels")
	mode := fs.String("mode", "", "color, gray or mono (default: display.mode)")
	out := fs.StringP("output", "o", "", "PNG file to write; - for standard output")
	ticking := fs.Bool("ticking", false, "mm:ss countdowns as on the appliance's screen (default: to the minute, as /display.png)")
	usage := func() { fmt.Fprint(stderr, renderUsage+fs.FlagUsages()) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, renderUsage+fs.FlagUsages())
			return exitOK
		}
		fmt.Fprintf(stderr, "calendarbot render: %v\n", err)
		usage()
		return exitUsage
	}
	if fs.NArg() > 0 || *out == "" {
		usage()
		return exitUsage
	}
	cfg, err := fv.Config(os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot render: %v\n", err)
		return exitUsage
	}
	o := render.Options{Width: *width, Height: *height, Rotate: cfg.Display.Rotate}
	m := cfg.Display.Mode
	if fs.Changed("mode") {
		m = *mode
	}
	if o.Mode, err = render.ParseMode(m); err != nil {
		fmt.Fprintf(stderr, "calendarbot render: --mode: %v\n", err)
		return exitUsage
	}
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "calendarbot render: %v\n", err)
		return exitUsage
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	png, err := renderConfig(ctx, cfg, now, o, *ticking, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot render: %v\n", err)
		return exitFailure
	}
	if *out == "-" {
		_, err = stdout.Write(png)
	} else {
		err = os.WriteFile(*out, png, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "calendarbot render: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// Default size of the render command: the kiosk's portrait screen.
const (
	DefaultRenderWidth  = service.DefaultDisplayWidth
	DefaultRenderHeight = service.DefaultDisplayHeight
)

// renderConfig loads the calendars of cfg once (fetching feeds, which may
// fail: the screen then says so, as the server's would) and draws.
func renderConfig(ctx context.Context, cfg *config.Config, now time.Time, o render.Options, ticking bool, stderr io.Writer) ([]byte, error) {
	clock := func() time.Time { return now }
	names, colors, sources := feedsOf(cfg)
	store := service.NewStore()
	ref := service.NewRefresher(store, names, service.RefresherOptions{
		Location: cfg.Location, Clock: clock, Past: cfg.WindowPast, Future: cfg.WindowFuture, Colors: colors,
		Logger: newLogger(stderr, "warn", cfg.LogFormat),
	})
	if cfg.Sample {
		cal, err := calendar.Parse(sample.ICS(now, cfg.Location), calendar.Options{Floating: cfg.Location})
		if err != nil {
			return nil, fmt.Errorf("sample calendar: %w", err)
		}
		ref.SetCalendar(sampleFeed, cal)
	}
	if len(sources) > 0 {
		fetcher := feed.NewFetcher(feed.Options{Pooling: cfg.Pooling, MaxBytes: cfg.MaxFeedBytes, Timeout: cfg.FetchTimeout})
		defer fetcher.Close()
		mgr := feed.NewManager(fetcher, sources, cfg.Refresh, ref.Sink, feed.ManagerOptions{})
		fctx, cancel := context.WithTimeout(ctx, cfg.FetchTimeout+5*time.Second)
		mgr.Refresh(fctx)
		cancel()
	}
	svc := service.New(service.Config{Location: cfg.Location, Clock: clock, Colors: colors}, store)
	b, err := screenPNG(ctx, svc, cfg.Location, now, o, ticking, nil)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}
