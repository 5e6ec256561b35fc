package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/config"
	"github.com/calendarbot/calendarbot/server/framebuffer"
	"github.com/calendarbot/calendarbot/server/render"
	"github.com/calendarbot/calendarbot/server/service"
)

// The screen on the appliance: when [display] framebuffer is set, the
// server draws the what's-next view on that Linux framebuffer once a
// second, writing only what changed (the countdowns, most seconds).

// displayRetry is how long the loop waits before trying a framebuffer
// that could not be opened or written again (a display driver that loads
// late, a cable plugged in later).
const displayRetry = 30 * time.Second

// consoleTTY is the text console switched to graphics mode while the
// server draws, so the kernel draws no text or cursor over the picture.
const consoleTTY = "/dev/tty0"

// applianceStateDir holds the appliance's state files, written by its
// uinit (image/appliance); elsewhere it does not exist.
const applianceStateDir = "/run/calendarbot"

var (
	fbFrames  = metrics.NewCounter(`calendarbot_framebuffer_frames_total`)
	fbSeconds = metrics.NewHistogram(`calendarbot_framebuffer_frame_duration_seconds`)
	fbPixels  = metrics.NewCounter(`calendarbot_framebuffer_pixels_written_total`)
	fbErrors  = metrics.NewCounter(`calendarbot_framebuffer_errors_total`)
	fbUpGauge = metrics.NewGauge(`calendarbot_framebuffer_up`, nil)
)

// startDisplay starts the framebuffer loop when cfg.Display.Framebuffer is
// set. The returned function stops it and waits until the loop has given
// the console back.
func startDisplay(ctx context.Context, cfg *config.Config, svc service.Service, log *slog.Logger) (stop func()) {
	if cfg.Display.Framebuffer == "" {
		return func() {}
	}
	mode, err := render.ParseMode(cfg.Display.Mode)
	if err != nil {
		log.Error("display: not drawing", "err", err)
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &fbDisplay{
		path: cfg.Display.Framebuffer, rotate: cfg.Display.Rotate, mode: mode,
		svc: svc, loc: cfg.Location, log: log,
		state: &applianceState{dir: applianceStateDir},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

type fbDisplay struct {
	path   string
	rotate int
	mode   render.Mode
	svc    service.Service
	loc    *time.Location
	log    *slog.Logger
	state  *applianceState
	// open is framebuffer.Open (replaced in tests).
	open func(path string, o framebuffer.Options) (*framebuffer.Device, error)
}

// run opens the device, draws until ctx ends or writing fails, and
// retries every displayRetry.
func (d *fbDisplay) run(ctx context.Context) {
	if d.open == nil {
		d.open = framebuffer.Open
	}
	for {
		err := d.session(ctx)
		if ctx.Err() != nil {
			return
		}
		fbErrors.Inc()
		fbUpGauge.Set(0)
		d.log.Error("display: cannot draw on the framebuffer; the web page and API keep working, retrying in "+displayRetry.String(),
			"device", d.path, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(displayRetry):
		}
	}
}

// session draws on one opened device until ctx ends (nil) or an error.
func (d *fbDisplay) session(ctx context.Context) error {
	dev, err := d.open(d.path, framebuffer.Options{Console: consoleTTY, RestoreConsole: true})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist (no display driver loaded, or no screen attached at power-on): %w", d.path, err)
		}
		return err
	}
	defer func() {
		if err := dev.Close(); err != nil {
			d.log.Warn("display: closing the framebuffer", "device", d.path, "err", err)
		}
	}()
	g := dev.Geometry()
	screen, err := render.NewScreen(render.Options{Width: g.Width, Height: g.Height, Rotate: d.rotate, Mode: d.mode})
	if err != nil {
		return fmt.Errorf("framebuffer %s: %w", g, err)
	}
	how := "mmap"
	if !dev.Mapped() {
		how = "pwrite"
	}
	d.log.Info("display: drawing the screen on the framebuffer", "device", d.path, "driver", g.ID,
		"geometry", g.String(), "rotate", d.rotate, "mode", d.mode.String(), "write", how)
	if dev.ConsoleErr != nil {
		d.log.Warn("display: the text console may draw over the screen", "err", dev.ConsoleErr)
	}
	fbUpGauge.Set(1)
	defer fbUpGauge.Set(0)
	for first := true; ; first = false {
		if err := d.frame(ctx, screen, dev, first); err != nil {
			return err
		}
		// Wake just after the next second boundary, so the countdown
		// turns over when the wall clock does.
		now := time.Now()
		wait := now.Truncate(time.Second).Add(time.Second).Sub(now) + 2*time.Millisecond
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// frame draws and writes one frame.
func (d *fbDisplay) frame(ctx context.Context, screen *render.Screen, dev *framebuffer.Device, first bool) error {
	start := time.Now()
	wn, err := d.svc.WhatsNext(ctx, service.WhatsNextRequest{})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		d.log.Warn("display: no what's-next answer; keeping the last frame", "err", err)
		return nil
	}
	v := screenView(wn, d.loc)
	d.state.apply(&v, start)
	f := screen.Draw(v)
	n, err := dev.Write(f.Image, f.Dirty)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fbFrames.Inc()
	fbPixels.Add(n)
	fbSeconds.Update(el.Seconds())
	if first {
		d.log.Info("display: first frame", "pixels", n, "took", el.Round(time.Microsecond).String())
	}
	return nil
}

// applianceState reads what the appliance's uinit knows that the server
// does not (image/appliance writes these files under /run/calendarbot):
// clock.json (how the clock was set), network.json (whether there is an
// address) and config.json (whether calendarbot.toml was found and valid).
// Files are re-read at most every few seconds; missing files mean "not on
// the appliance" and add nothing.
type applianceState struct {
	dir  string
	mu   sync.Mutex
	read time.Time
	cur  applianceFlags
}

type applianceFlags struct {
	clockUnsynced bool
	noNetwork     bool
	notices       []string
}

const applianceStateEvery = 5 * time.Second

// apply sets v's appliance fields.
func (a *applianceState) apply(v *render.View, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.read.IsZero() || now.Sub(a.read) >= applianceStateEvery || now.Before(a.read) {
		a.cur = readApplianceState(a.dir)
		a.read = now
	}
	v.ClockUnsynced = a.cur.clockUnsynced
	v.NoNetwork = a.cur.noNetwork
	v.Notices = append(v.Notices, a.cur.notices...)
}

// applianceNetworkFile is network.json (see image/appliance NetStatus).
type applianceNetworkFile struct {
	State     string            `json:"state"` // "up", "down", "unsupported"
	Addresses map[string]string `json:"addresses"`
	Problem   string            `json:"problem"`
}

// applianceConfigFile is config.json (see image/appliance ConfigState).
type applianceConfigFile struct {
	Path     string   `json:"path"`
	OK       bool     `json:"ok"`
	Mode     string   `json:"mode"`
	Problems []string `json:"problems"`
}

func readApplianceState(dir string) applianceFlags {
	var f applianceFlags
	var clk service.ClockState // clock.json, as /api/health reads it
	if readJSON(filepath.Join(dir, "clock.json"), &clk) {
		// A clock set by a real-time clock is right even before NTP
		// answers (plausible); the Pi has none and starts at the build time.
		f.clockUnsynced = clk.State != "ntp" && !clk.Plausible
	}
	var nw applianceNetworkFile
	if readJSON(filepath.Join(dir, "network.json"), &nw) {
		f.noNetwork = nw.State == "down"
	}
	var cf applianceConfigFile
	if readJSON(filepath.Join(dir, "config.json"), &cf) && !cf.OK {
		f.notices = append(f.notices, configNotices(cf)...)
	}
	return f
}

// configNotices words a missing or invalid calendarbot.toml for the
// screen: what is wrong, then what to do.
func configNotices(cf applianceConfigFile) []string {
	if cf.Path == "" {
		return []string{"No calendarbot.toml on the SD card: showing a sample calendar. Copy one to the card's boot partition from any computer."}
	}
	out := []string{"calendarbot.toml has errors: showing a sample calendar. Fix the file on a computer and restart."}
	for i, p := range cf.Problems {
		if i == 3 {
			out = append(out, fmt.Sprintf("… and %d more (calendarbot check-config lists them all)", len(cf.Problems)-3))
			break
		}
		out = append(out, strings.TrimPrefix(p, "/boot/"))
	}
	return out
}

func readJSON(path string, v any) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}
