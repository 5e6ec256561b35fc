package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/render"
)

// Defaults of GET /display.png. They deliberately do not follow the
// [display] section: that describes the panel attached to the appliance,
// while a PNG client (an e-ink frame, a Kindle) is another device with its
// own panel, which says what it wants in the query.
const (
	DefaultDisplayWidth  = 480
	DefaultDisplayHeight = 800
	// MaxDisplayPixels caps width×height of one HTTP render at 4 MiP
	// (2560×1600 and 2048×2048 fit). A colour frame costs 4 bytes a
	// pixel plus the PNG encoder's buffers, so one render stays under
	// ~20 MB and the few allowed at once cannot push a 512 MB Pi, whose
	// server otherwise lives in ~15 MiB, into the OOM killer.
	// render.MaxSize alone (4096×4096, 64 MiB a frame) would allow that.
	MaxDisplayPixels = 4 << 20
	// DefaultDisplayConcurrency bounds renders running at once; identical
	// requests share one render through the cache, so this only limits
	// distinct sizes and modes requested together.
	DefaultDisplayConcurrency = 2
	// DefaultDisplayWait is how long a request waits for a render slot
	// before it is answered 503 with Retry-After.
	DefaultDisplayWait = 2 * time.Second
)

// ErrBusy means every render slot stayed taken for the whole wait.
var ErrBusy = errors.New("display: too many renders at once")

// DisplayRenderFunc draws the what's-next screen as it is at now (already
// cut to the minute) with o and returns it PNG-encoded. The slice is kept
// by the cache: return a right-sized one.
type DisplayRenderFunc func(ctx context.Context, now time.Time, o render.Options) ([]byte, error)

// DisplayOptions configure a Display.
type DisplayOptions struct {
	Render      DisplayRenderFunc
	Store       *Store
	Cache       *cache.Cache // nil: every request renders
	Clock       func() time.Time
	Concurrency int           // 0: DefaultDisplayConcurrency
	Wait        time.Duration // 0: DefaultDisplayWait
	Logger      *slog.Logger
}

// Display renders the screen as PNG for HTTP clients (GET /display.png and
// the TRMNL device API): it normalises parameters, caches encoded images
// in the response cache and limits how many renders run at once.
//
// Images are drawn for the start of the current minute and cached per
// minute (and per calendar state and skip set): e-ink clients poll every
// few minutes, so a per-second image would never be reused, and everyone
// polling within one minute gets the same bytes, ETag and TRMNL filename.
type Display struct {
	o   DisplayOptions
	sem chan struct{}
}

var (
	displayRenderSeconds = metrics.NewHistogram(`calendarbot_display_render_duration_seconds`)
	displayRenders       = metrics.NewCounter(`calendarbot_display_renders_total`)
	displayBusy          = metrics.NewCounter(`calendarbot_display_busy_total`)
	displayBytes         = metrics.NewHistogram(`calendarbot_display_png_bytes`)
)

// NewDisplay returns a Display; o.Render and o.Store are required.
func NewDisplay(o DisplayOptions) *Display {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultDisplayConcurrency
	}
	if o.Wait <= 0 {
		o.Wait = DefaultDisplayWait
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Display{o: o, sem: make(chan struct{}, o.Concurrency)}
}

// DisplayParams parses the query of GET /display.png: w, h (pixels), mode
// (color, gray, mono) and rotate (0, 90, 180, 270). Missing parameters take
// the defaults; unknown ones are ignored. The error names the parameter
// and is meant for the client.
func DisplayParams(q url.Values) (render.Options, error) {
	o := render.Options{Width: DefaultDisplayWidth, Height: DefaultDisplayHeight, Mode: render.ModeColor}
	var err error
	if o.Width, err = intParam(q, "w", o.Width, render.MinSize, render.MaxSize, "pixels"); err != nil {
		return o, err
	}
	if o.Height, err = intParam(q, "h", o.Height, render.MinSize, render.MaxSize, "pixels"); err != nil {
		return o, err
	}
	if s := q.Get("mode"); s != "" {
		m, perr := render.ParseMode(s)
		if perr != nil {
			return o, fmt.Errorf("mode: %q is not color, gray or mono", clip(s, 20))
		}
		o.Mode = m
	}
	if s := q.Get("rotate"); s != "" {
		n, perr := strconv.Atoi(strings.TrimSpace(s))
		if perr != nil || n != 0 && n != 90 && n != 180 && n != 270 {
			return o, fmt.Errorf("rotate: %q is not 0, 90, 180 or 270", clip(s, 20))
		}
		o.Rotate = n
	}
	if err := CheckDisplaySize(o.Width, o.Height); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// CheckDisplaySize enforces MaxDisplayPixels.
func CheckDisplaySize(w, h int) error {
	if w*h > MaxDisplayPixels {
		return fmt.Errorf("w×h: %d×%d is %d pixels, more than the %d a request may ask for", w, h, w*h, MaxDisplayPixels)
	}
	return nil
}

func intParam(q url.Values, name string, def, lo, hi int, unit string) (int, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %q is not a whole number of %s from %d to %d", name, clip(s, 20), unit, lo, hi)
	}
	return n, nil
}

// PNG returns the screen for o as a cache entry (body, image/png, ETag).
// It may wait for a render slot and then fails with ErrBusy.
func (d *Display) PNG(ctx context.Context, o render.Options) (*cache.Entry, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := CheckDisplaySize(o.Width, o.Height); err != nil {
		return nil, err
	}
	now := d.o.Clock().Truncate(time.Minute)
	// Waiters coalesced onto this render share its result: one client
	// going away must not fail the others (the render is bounded anyway).
	rctx := context.WithoutCancel(ctx)
	compute := func() (*cache.Entry, error) { return d.render(rctx, now, o) }
	if d.o.Cache == nil {
		return compute()
	}
	// Every normalised parameter is part of the key, so ?w=0480 and
	// ?w=480 share an entry and unknown parameters cannot add entries.
	var kb cache.KeyBuilder
	kb.Str("display.png").Int(int64(o.Width)).Int(int64(o.Height)).Int(int64(o.Rotate)).Str(o.Mode.String())
	kb.Uint(d.o.Store.Load().Snap.Version).Uint(d.o.Store.SkipsVersion()).Int(now.Unix())
	return d.o.Cache.GetOrCompute(kb.String(), compute)
}

func (d *Display) render(ctx context.Context, now time.Time, o render.Options) (*cache.Entry, error) {
	t := time.NewTimer(d.o.Wait)
	defer t.Stop()
	select {
	case d.sem <- struct{}{}:
	case <-t.C:
		displayBusy.Inc()
		return nil, ErrBusy
	}
	defer func() { <-d.sem }()
	start := time.Now()
	body, err := d.o.Render(ctx, now, o)
	if err != nil {
		return nil, fmt.Errorf("render %dx%d %s: %w", o.Width, o.Height, o.Mode, err)
	}
	displayRenderSeconds.UpdateDuration(start)
	displayRenders.Inc()
	displayBytes.Update(float64(len(body)))
	e := cache.NewEntry(body, "image/png")
	// e-ink clients poll: they must revalidate every time (the ETag
	// makes that a 304 when nothing changed).
	e.Header = http.Header{"Cache-Control": hdrNoCache}
	// Keyed by the minute: dead once the minute has passed.
	e.TTL = 61 * time.Second
	return e, nil
}

// ServeHTTP answers GET /display.png.
func (d *Display) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o, err := DisplayParams(r.URL.Query())
	if err != nil {
		plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	e, err := d.PNG(r.Context(), o)
	switch {
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", "5")
		plainError(w, http.StatusServiceUnavailable, "the server is busy drawing other screens; retry in a few seconds")
		return
	case err != nil:
		d.o.Logger.Warn("display.png failed", "err", err)
		plainError(w, http.StatusInternalServerError, "the screen could not be drawn")
		return
	}
	e.ServeHTTP(w, r)
}

// plainError answers in plain text: the client asked for an image, and a
// person reading the answer in a browser or curl should see the reason.
func plainError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}
