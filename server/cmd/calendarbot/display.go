package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/config"
	"github.com/calendarbot/calendarbot/server/render"
	"github.com/calendarbot/calendarbot/server/service"
	"github.com/calendarbot/calendarbot/server/trmnl"
)

// screenPNG draws the what's-next screen at now from the same answer as
// /api/whats-next (see screenView) and encodes it as PNG. ticking selects
// the framebuffer's mm:ss countdowns; PNG clients look at one image for
// minutes, so they get countdowns to the minute. state (may be nil) adds
// the appliance's problems, so a PNG says what the HDMI screen says.
func screenPNG(ctx context.Context, svc service.Service, loc *time.Location, now time.Time, o render.Options, ticking bool, state *applianceState) ([]byte, error) {
	wn, err := svc.WhatsNext(ctx, service.WhatsNextRequest{Now: now})
	if err != nil {
		return nil, fmt.Errorf("what's next: %w", err)
	}
	v := screenView(wn, loc)
	v.Coarse = !ticking
	if state != nil {
		state.apply(&v, time.Now())
	}
	img, err := render.Render(v, o)
	if err != nil {
		return nil, fmt.Errorf("draw: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := render.EncodePNG(&buf, img); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	// Right-sized: the response cache keeps the slice and weighs its capacity.
	return bytes.Clone(buf.Bytes()), nil
}

// nextChange is when the screen next changes for a reason a sleeping
// e-ink device cares about: the current meeting ends, the next one
// starts, or the day changes (all-day events, dates).
func nextChange(ctx context.Context, svc service.Service, loc *time.Location, now time.Time) (time.Time, error) {
	wn, err := svc.WhatsNext(ctx, service.WhatsNextRequest{Now: now})
	if err != nil {
		return time.Time{}, err
	}
	local := now.In(loc)
	next := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	consider := func(s string) {
		if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(now) && t.Before(next) {
			next = t
		}
	}
	if wn.Current != nil {
		consider(wn.Current.EndISO)
	}
	if wn.Meeting != nil && !wn.Meeting.AllDay {
		consider(wn.Meeting.StartISO)
	}
	for _, m := range wn.Later {
		if !m.AllDay {
			consider(m.StartISO)
			break
		}
	}
	return next, nil
}

// newTRMNL builds the TRMNL device API on top of the display's cached PNGs.
func newTRMNL(cfg *config.Config, disp *service.Display, svc service.Service, clock func() time.Time, log *slog.Logger) (*trmnl.Server, error) {
	devices := make([]trmnl.Device, len(cfg.TRMNL.Devices))
	for i, d := range cfg.TRMNL.Devices {
		devices[i] = trmnl.Device{ID: d.ID, Token: d.Token, Name: d.Name}
	}
	return trmnl.New(trmnl.Options{
		Devices:  devices,
		Refresh:  cfg.TRMNL.Refresh,
		BaseURL:  cfg.TRMNL.BaseURL,
		SetupOff: !cfg.TRMNL.Setup,
		Image: func(ctx context.Context, w, h int, mode render.Mode) ([]byte, error) {
			e, err := disp.PNG(ctx, render.Options{Width: w, Height: h, Mode: mode})
			if err != nil {
				return nil, err
			}
			return e.Body, nil
		},
		NextChange: func(ctx context.Context) (time.Time, error) {
			return nextChange(ctx, svc, cfg.Location, clock())
		},
		ImagePath:      "/display.png",
		SetupImagePath: service.TRMNLSetupImagePath,
		Clock:          clock,
		Logger:         log,
	})
}

// newDisplay serves the screen as PNG through the response cache.
func newDisplay(svc service.Service, store *service.Store, c *cache.Cache, clock func() time.Time, loc *time.Location, log *slog.Logger) *service.Display {
	state := &applianceState{dir: applianceStateDir}
	return service.NewDisplay(service.DisplayOptions{
		Render: func(ctx context.Context, now time.Time, o render.Options) ([]byte, error) {
			return screenPNG(ctx, svc, loc, now, o, false, state)
		},
		Store: store, Cache: c, Clock: clock, Logger: log,
	})
}

// trmnlDevices lets /api/health list the TRMNL devices' last contacts;
// the TRMNL server is built after the service that reports health.
type trmnlDevices struct {
	mu sync.Mutex
	s  *trmnl.Server
}

func (d *trmnlDevices) set(s *trmnl.Server) {
	d.mu.Lock()
	d.s = s
	d.mu.Unlock()
}

// statuses is nil (no field in /api/health) without TRMNL devices.
func (d *trmnlDevices) statuses() any {
	d.mu.Lock()
	s := d.s
	d.mu.Unlock()
	if s == nil || !s.Enabled() {
		return nil
	}
	return s.Statuses()
}
