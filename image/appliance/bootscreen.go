package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PathFramebuffer is the screen. When it exists, the boot screen is drawn
// on it at every step and the server is started with --framebuffer.
const PathFramebuffer = "/dev/fb0"

// BootScreenTimeout bounds one boot screen drawing: a hung display driver
// must not hold up the boot.
const BootScreenTimeout = 5 * time.Second

// Boot steps as the screen names them, in order.
const (
	StepDrivers = "Drivers"
	StepConfig  = "Settings"
	StepNetwork = "Network"
	StepClock   = "Clock"
	StepServer  = "Calendar"
)

// Step states, as render.StepState names them in the boot screen's JSON.
const (
	StatePending = "pending"
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
	StateSkipped = "skipped"
)

// BootStep is one line of the boot screen.
type BootStep struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// BootState is what the boot screen shows; it is written to
// /run/calendarbot/boot.json and drawn by `calendarbot bootscreen --state`.
type BootState struct {
	Steps   []BootStep `json:"steps"`
	Error   string     `json:"error,omitempty"`
	Hint    string     `json:"hint,omitempty"`
	Address string     `json:"address,omitempty"`
	Version string     `json:"version,omitempty"`
}

// bootScreen keeps the boot state and draws it in the background with the
// server binary's bootscreen command, one drawing at a time; updates that
// arrive while one is drawn are merged into the next. Without a
// framebuffer it only keeps the state (nil-safe: every method of a nil
// *bootScreen does nothing).
type bootScreen struct {
	c       *console
	o       Options
	fb      string // device path as the server is to open it
	starter Starter

	mu       sync.Mutex
	st       BootState
	errRank  int // the shown Error's importance; higher wins
	rotate   int
	mode     string
	dirty    bool
	finished bool
	gaveUp   bool // Finish stopped waiting: start no drawing any more
	kick     chan struct{}
	done     chan struct{}
	failures int
}

// newBootScreen returns nil when there is no framebuffer (and says so
// when report is set).
func newBootScreen(ctx context.Context, c *console, o Options, report bool) *bootScreen {
	if _, err := os.Stat(o.path(PathFramebuffer)); err != nil {
		if report {
			c.logf("screen", "no %s: no screen (boot progress on the console only)", PathFramebuffer)
		}
		return nil
	}
	c.logf("screen", "drawing the boot screen on %s", PathFramebuffer)
	b := &bootScreen{c: c, o: o, fb: PathFramebuffer, starter: o.BootScreenStarter,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	if b.starter == nil {
		b.starter = o.Starter
	}
	for _, n := range []string{StepDrivers, StepConfig, StepNetwork, StepClock, StepServer} {
		b.st.Steps = append(b.st.Steps, BootStep{Name: n, State: StatePending})
	}
	go b.loop(ctx)
	return b
}

// Framebuffer is the device for the server's --framebuffer ("" if none).
func (b *bootScreen) Framebuffer() string {
	if b == nil {
		return ""
	}
	return b.fb
}

// Step sets a step's state and detail and redraws.
func (b *bootScreen) Step(name, state, detail string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	for i := range b.st.Steps {
		if b.st.Steps[i].Name == name {
			b.st.Steps[i].State, b.st.Steps[i].Detail = state, detail
		}
	}
	b.mu.Unlock()
	b.redraw()
}

// Problem sets the boot screen's error and hint, unless a more important
// one (higher rank) is already shown: a missing configuration matters more
// than the clock it would have configured.
func (b *bootScreen) Problem(rank int, msg, hint string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.st.Error == "" || rank > b.errRank {
		b.st.Error, b.st.Hint, b.errRank = msg, hint, rank
	}
	b.mu.Unlock()
	b.redraw()
}

// Address sets where the server can be reached.
func (b *bootScreen) Address(a string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.st.Address = a
	b.mu.Unlock()
	b.redraw()
}

// Display sets the rotation and mode (from [display] once the config is read).
func (b *bootScreen) Display(rotate int, mode string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.rotate, b.mode = rotate, mode
	b.mu.Unlock()
}

// State returns a copy of the current boot state.
func (b *bootScreen) State() BootState {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.st
	s.Steps = append([]BootStep(nil), b.st.Steps...)
	return s
}

func (b *bootScreen) redraw() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.dirty = true
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Finish stops drawing: later updates are ignored; a drawing in progress
// finishes and the last update not yet drawn is drawn (within
// BootScreenTimeout in all; otherwise a fast boot would never show a boot
// screen at all, and it is the last picture if the server cannot start, so
// it must show how the boot ended), and no drawing starts after it returns,
// so the server's first frame is never drawn over. Later calls do nothing.
func (b *bootScreen) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.finished {
		b.mu.Unlock()
		return
	}
	b.finished = true
	close(b.kick)
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-b.o.After(BootScreenTimeout):
		b.mu.Lock()
		b.gaveUp = true
		b.mu.Unlock()
		b.c.logf("screen", "the boot screen is still drawing after %s: starting the server anyway", BootScreenTimeout)
	}
}

func (b *bootScreen) loop(ctx context.Context) {
	defer close(b.done)
	for range b.kick {
		if ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		// After Finish the kick still buffered (if any) draws the final state.
		if !b.dirty || b.gaveUp {
			b.mu.Unlock()
			continue
		}
		b.dirty = false
		st := b.st
		st.Steps = append([]BootStep(nil), b.st.Steps...)
		rotate, mode := b.rotate, b.mode
		b.mu.Unlock()
		b.draw(st, rotate, mode)
	}
}

// draw writes boot.json and runs `calendarbot bootscreen` on it.
func (b *bootScreen) draw(st BootState, rotate int, mode string) {
	state := b.o.path(PathRunDir, "boot.json")
	data, _ := json.Marshal(st)
	tmp := state + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil || os.Rename(tmp, state) != nil {
		b.fail("cannot write %s: %v", state, err)
		return
	}
	args := []string{"bootscreen", "--framebuffer", b.fb, "--state", PathRunDir + "/boot.json"}
	if rotate != 0 {
		args = append(args, "--rotate", strconv.Itoa(rotate))
	}
	if mode != "" {
		args = append(args, "--display-mode", mode)
	}
	var out limitedBuffer
	p, err := b.starter.Start(b.o.ServerPath, args, serverEnv(os.Environ()), nil, &out, &out)
	if err != nil {
		b.fail("cannot run %s bootscreen: %v", b.o.ServerPath, err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err = <-done:
	case <-b.o.After(BootScreenTimeout):
		_ = p.Kill()
		<-done
		err = errors.New("timed out after " + BootScreenTimeout.String())
	}
	if err != nil {
		b.fail("drawing the boot screen failed: %v %s", err, strings.TrimSpace(out.String()))
	}
}

// fail logs a drawing failure; after three in a row only in debug mode.
func (b *bootScreen) fail(format string, a ...any) {
	b.failures++
	if b.failures <= 3 {
		b.c.logf("screen", format, a...)
	} else {
		b.c.debugf("screen", format, a...)
	}
}

// limitedBuffer keeps the first 512 bytes written to it.
type limitedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := 512 - len(l.b); n > 0 {
		l.b = append(l.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

var _ io.Writer = (*limitedBuffer)(nil)

func stepState(ok bool) string {
	if ok {
		return StateDone
	}
	return StateFailed
}

// Problem ranks: the most important problem is the one on the screen.
const (
	rankClock   = 1
	rankNetwork = 2
	rankConfig  = 3
)

// showConfig shows the configuration step, and a missing or invalid file
// in words a user can act on.
func showConfig(b *bootScreen, cs *ConfigState) {
	if b == nil {
		return
	}
	switch {
	case cs.OK:
		b.Display(cs.Config.Display.Rotate, cs.Config.Display.Mode)
		b.Step(StepConfig, StateDone, fmt.Sprintf("%d calendar(s), time zone %s", len(cs.Config.Feeds), cs.Config.TZ))
	case cs.Path == "":
		b.Step(StepConfig, StateFailed, "no calendarbot.toml")
		b.Problem(rankConfig, "No calendarbot.toml on the SD card",
			"Copy calendarbot.toml to the SD card's boot partition (the drive named CALBOOT) from any computer, then restart. A sample calendar is shown meanwhile.")
	default:
		first := ""
		if len(cs.Problems) > 0 {
			first = cs.Problems[0]
			if n := len(cs.Problems) - 1; n > 0 {
				first += fmt.Sprintf(" (and %d more)", n)
			}
		}
		b.Step(StepConfig, StateFailed, "calendarbot.toml has errors")
		b.Problem(rankConfig, "calendarbot.toml has errors: "+first,
			"Fix the file on the SD card from any computer (calendarbot check-config checks it), then restart. A sample calendar is shown meanwhile.")
	}
}

// showNetwork shows the network step.
func showNetwork(b *bootScreen, ns *NetState, up bool, cs *ConfigState, port int) {
	if b == nil {
		return
	}
	if !ns.started {
		b.Step(StepNetwork, StateSkipped, "not supported here")
		return
	}
	if !up {
		hint := "Plug in a USB Ethernet adapter with a cable to your router (Wi-Fi support arrives in a later version)."
		if cs.Config != nil && cs.Config.WiFi.SSID != "" {
			hint = fmt.Sprintf("Check the Wi-Fi name (ssid %q) and password (psk) in calendarbot.toml; until Wi-Fi support arrives, use a USB Ethernet adapter.", cs.Config.WiFi.SSID)
		}
		b.Step(StepNetwork, StateFailed, "no address yet (still trying)")
		b.Problem(rankNetwork, "No network connection: calendars cannot be updated", hint)
		return
	}
	addrs := ns.Addresses()
	names := make([]string, 0, len(addrs))
	for n := range addrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, n+" "+addrs[n])
	}
	b.Step(StepNetwork, StateDone, strings.Join(parts, ", "))
	if len(names) > 0 {
		if p, err := netip.ParsePrefix(addrs[names[0]]); err == nil {
			u := "http://" + p.Addr().String()
			if port != 80 {
				u += ":" + strconv.Itoa(port)
			}
			b.Address(u + "/")
		}
	}
}

// showClock shows the clock step.
func showClock(b *bootScreen, s ClockStatus) {
	if b == nil {
		return
	}
	switch {
	case s.State == ClockNTP:
		b.Step(StepClock, StateDone, "set from "+s.Server)
	case s.Plausible:
		b.Step(StepClock, StateDone, "set by the real-time clock")
	default:
		b.Step(StepClock, StateFailed, "not synced")
		b.Problem(rankClock, "Clock not synced: times may be wrong",
			"No time server answered yet. It keeps trying; check the network, or set [clock] ntp in calendarbot.toml to a time server your network allows.")
	}
}
