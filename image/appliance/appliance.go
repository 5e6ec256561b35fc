package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths inside the initramfs (relative to Options.Root) that the image
// builder provides or that Run creates.
const (
	PathCmdline       = "/proc/cmdline"
	PathModulesLoadD  = "/lib/modules-load.d"           // *.conf, one module per line
	PathModuleList    = "/etc/calendarbot/modules"      // optional extra list, same format
	PathBootDiskID    = "/etc/calendarbot/boot-disk-id" // MBR disk identifier, 8 hex digits
	PathBuildTime     = "/etc/calendarbot/build-time"   // RFC 3339 or unix seconds
	PathBakedConfig   = "/etc/calendarbot/calendarbot.toml"
	PathServer        = "/bin/calendarbot"
	PathBootMount     = "/boot"
	PathRunDir        = "/run/calendarbot"
	PathSysBlock      = "/sys/block"
	PathDev           = "/dev"
	PathProcModules   = "/proc/modules"
	PathResolvConf    = "/etc/resolv.conf"
	BootConfigName    = "calendarbot.toml"
	BootLabel         = "CALBOOT"
	DefaultPort       = 80
	DefaultHostname   = "calendarbot"
	DefaultDeviceWait = 10 * time.Second
	DefaultClockWait  = 20 * time.Second
	DefaultNetWait    = 15 * time.Second
)

// DefaultNTP are the NTP servers used when [clock] ntp is empty.
var DefaultNTP = []string{"0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org"}

// Options configure Run. Zero values take the defaults named on each field;
// nil effects are filled in by SystemEffects (the real thing on Linux) or,
// where the platform has none, the step is skipped with a log line.
type Options struct {
	Root       string    // file system root every path is relative to; "/" by default
	Console    io.Writer // boot messages (the console); os.Stdout by default
	Cmdline    *string   // kernel command line; nil reads Root/proc/cmdline
	ServerPath string    // the server binary; PathServer by default
	Port       int       // the server's port; DefaultPort (80) by default, calendarbot.port overrides
	DeviceWait time.Duration
	NetWait    time.Duration
	ClockWait  time.Duration // how long the server start waits for NTP when the clock is not plausible

	Modules ModuleLoader
	Mounter Mounter
	Net     Network
	Clock   Clock
	Starter Starter
	// BootScreenStarter runs `calendarbot bootscreen`; Starter by default.
	BootScreenStarter Starter
	Watchdog          WatchdogOpener
	Dial              DialFunc                             // for SNTP; net.Dialer by default
	After             func(time.Duration) <-chan time.Time // time.After by default (injected in tests)
	Shell             []string                             // shell started with calendarbot.debug=1; /bin/defaultsh, /bin/sh
}

// Run brings the appliance up and supervises the server until ctx ends:
// modules, boot partition and configuration, network, clock, watchdog,
// server. Every step logs to o.Console; no step is fatal except failing to
// start the supervisor at all. It returns when ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	o.defaults()
	c := newConsole(o.Console, o.Clock.Now)
	if err := os.MkdirAll(o.path(PathRunDir), 0o755); err != nil {
		c.logf("boot", "cannot create %s (state and logs stay on the console only): %v", PathRunDir, err)
	} else if f, err := os.Create(o.path(PathRunDir, "boot.log")); err == nil {
		defer f.Close()
		c.tee(f)
	}
	c.logf("boot", "CalendarBot appliance starting")

	// Kernel command line.
	cmdline := ""
	if o.Cmdline != nil {
		cmdline = *o.Cmdline
	} else if b, err := os.ReadFile(o.path(PathCmdline)); err == nil {
		cmdline = string(b)
	} else {
		c.logf("boot", "cannot read %s: %v (no calendarbot.* knobs)", PathCmdline, err)
	}
	knobs := ParseCmdline(cmdline)
	for _, p := range knobs.Problems {
		c.logf("boot", "kernel command line: %s", p)
	}
	if knobs.Port != 0 {
		o.Port = knobs.Port
	}
	if knobs.ClockWait >= 0 {
		o.ClockWait = knobs.ClockWait
	}
	if knobs.NoWatchdog {
		o.Watchdog = nil
		c.logf("watchdog", "disabled on the kernel command line (calendarbot.watchdog=0)")
	}
	if knobs.Debug {
		c.debug = true
		c.logf("boot", "debug mode (calendarbot.debug=1)")
		// Libraries (u-root's DHCP client) log through the standard logger.
		log.SetFlags(0)
		log.SetOutput(newPrefixWriter(c.out(), "calendarbot debug: "))
	} else {
		log.SetOutput(io.Discard)
	}

	// The boot screen, when there is a screen (simplefb is built into the
	// kernel; a DRM driver may come with the modules: look again after).
	screen := newBootScreen(ctx, c, o, false)
	screen.Step(StepDrivers, StateRunning, "")

	// 1. Modules.
	modSummary, modOK := LoadModules(c, o.Root, o.Modules)
	if screen == nil {
		screen = newBootScreen(ctx, c, o, true)
	}
	screen.Step(StepDrivers, stepState(modOK), modSummary)

	// 2. Configuration (boot partition, read-only).
	screen.Step(StepConfig, StateRunning, "looking for the SD card")
	cs := FindConfig(ctx, c, o, knobs.Config)
	writeJSON(c, o.path(PathRunDir, "config.json"), cs.status())
	showConfig(screen, cs)

	// 3. Network.
	screen.Step(StepNetwork, StateRunning, "")
	netState := StartNetwork(ctx, c, o, cs.Config)

	// 4. Clock.
	clock := NewClockKeeper(c, o, cs.ntpServers())
	plausible := clock.Floor()
	netUp := netState.WaitUp(ctx, o.NetWait, o.After)
	if !netUp {
		c.logf("network", "no network address after %s: the server starts anyway and the network keeps trying in the background", o.NetWait)
	}
	showNetwork(screen, netState, netUp, cs, o.Port)
	screen.Step(StepClock, StateRunning, "asking a time server")
	clock.SyncAtBoot(ctx, plausible, netUp)
	showClock(screen, clock.Status())
	go clock.KeepSynced(ctx)

	// 5. Server, 6. watchdog. The server's first frame replaces the boot
	// screen: nothing may draw after it.
	screen.Finish()
	args := ServerArgs(cs, o.Port, nil)
	if fb := screen.Framebuffer(); fb != "" {
		args = append(args, "--framebuffer", fb)
	}
	args = append(args, knobs.Args...)
	c.logf("server", "starting %s %s", o.ServerPath, strings.Join(redactArgs(args), " "))
	logFile := newCappedFile(o.path(PathRunDir, "server.log"), 1<<20)
	sup := &Supervisor{
		Name:    "server",
		Path:    o.ServerPath,
		Args:    args,
		Env:     serverEnv(os.Environ()),
		Starter: o.Starter,
		Output:  io.MultiWriter(newPrefixWriter(c.out(), "server | "), logFile),
		Logf:    func(format string, a ...any) { c.logf("server", format, a...) },
		Now:     o.Clock.Now,
		After:   o.After,
	}
	var wg sync.WaitGroup
	if o.Watchdog != nil {
		if dev, err := o.Watchdog(); err == nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				RunWatchdog(ctx, dev, WatchdogTimeout, WatchdogInterval, sup.Healthy, o.After,
					func(format string, a ...any) { c.logf("watchdog", format, a...) })
			}()
		} else if errors.Is(err, os.ErrNotExist) {
			c.logf("watchdog", "no /dev/watchdog: running without a hardware watchdog")
		} else {
			c.logf("watchdog", "cannot use /dev/watchdog: %v (running without a hardware watchdog)", err)
		}
	}
	if knobs.Debug {
		startShell(ctx, c, o, &wg)
	}
	sup.Run(ctx)
	wg.Wait()
	c.logf("boot", "stopped")
	return ctx.Err()
}

func (o *Options) defaults() {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Console == nil {
		o.Console = os.Stdout
	}
	if o.ServerPath == "" {
		o.ServerPath = PathServer
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.DeviceWait == 0 {
		o.DeviceWait = DefaultDeviceWait
	}
	if o.NetWait == 0 {
		o.NetWait = DefaultNetWait
	}
	if o.ClockWait == 0 {
		o.ClockWait = DefaultClockWait
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Shell == nil {
		o.Shell = []string{"/bin/defaultsh", "/bin/sh"}
	}
	SystemEffects(o)
	if o.Clock == nil {
		o.Clock = readOnlyClock{}
	}
	if o.Starter == nil {
		o.Starter = ExecStarter{}
	}
}

// path joins p (absolute, slash-separated) to the root.
func (o *Options) path(p ...string) string {
	return filepath.Join(append([]string{o.Root}, p...)...)
}

// readOnlyClock is the clock where it cannot be set.
type readOnlyClock struct{}

func (readOnlyClock) Now() time.Time { return time.Now() }
func (readOnlyClock) Set(time.Time) error {
	return errors.New("setting the clock is not supported on this platform")
}

// console writes numbered boot messages: "calendarbot [  1.23s] step: text".
type console struct {
	mu    sync.Mutex
	w     io.Writer
	extra io.Writer
	now   func() time.Time
	start time.Time
	debug bool
}

func newConsole(w io.Writer, now func() time.Time) *console {
	return &console{w: w, now: now, start: now()}
}

func (c *console) tee(w io.Writer) {
	c.mu.Lock()
	c.extra = w
	c.mu.Unlock()
}

func (c *console) logf(step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	el := c.now().Sub(c.start).Seconds()
	line := fmt.Sprintf("calendarbot [%7.2fs] %s: %s\n", el, step, msg)
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, line)
	if c.extra != nil {
		io.WriteString(c.extra, line)
	}
}

// debugf logs only in debug mode.
func (c *console) debugf(step, format string, args ...any) {
	if c.debug {
		c.logf(step, format, args...)
	}
}

// out returns a writer for whole lines from elsewhere (the server), which
// are serialised with the boot messages.
func (c *console) out() io.Writer { return consoleWriter{c} }

type consoleWriter struct{ c *console }

func (w consoleWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.extra != nil {
		w.c.extra.Write(p)
	}
	return w.c.w.Write(p)
}

// ServerArgs is the server's command line: the configuration file when it
// is valid, the built-in sample calendar when it is not (the reason is in
// /run/calendarbot/config.json and on the console), the listen address and
// the extra arguments from calendarbot.args.
func ServerArgs(cs *ConfigState, port int, extra []string) []string {
	var args []string
	if cs.OK {
		args = append(args, "--config", cs.Path)
	} else {
		args = append(args, "--sample")
	}
	args = append(args, "--listen", "0.0.0.0:"+strconv.Itoa(port))
	return append(args, extra...)
}

// serverEnv is the environment for the server: ours without CALENDARBOT_*
// variables (the server treats unknown ones as errors, and the kernel
// passes unrecognised parameters to init as environment variables).
func serverEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, "CALENDARBOT_") {
			out = append(out, e)
		}
	}
	return out
}

// redactArgs hides the values of secret flags in a logged command line.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		for _, f := range []string{"--admin-token", "--alexa-token", "--feed"} {
			if a == f && i+1 < len(out) {
				out[i+1] = "***"
			} else if strings.HasPrefix(a, f+"=") {
				out[i] = f + "=***"
			}
		}
	}
	return out
}
