package appliance

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Knobs are the calendarbot.* parameters of the kernel command line.
type Knobs struct {
	// Debug (calendarbot.debug=1) logs more and starts a shell on the
	// console beside the server (if the image has one).
	Debug bool
	// Port (calendarbot.port=8080) is the server's TCP port; 0 keeps
	// Options.Port.
	Port int
	// Args (calendarbot.args="--now 2026-01-15T09:00:00Z") are appended to
	// the server's command line. Single quotes group words inside the
	// double-quoted value.
	Args []string
	// Config (calendarbot.config=/etc/calendarbot/calendarbot.toml) names
	// the configuration file directly: the boot partition is then not
	// searched (QEMU virt has no SD card).
	Config string
	// ClockWait (calendarbot.clockwait=5s, or 0) overrides how long the
	// server start waits for NTP; negative means "not set".
	ClockWait time.Duration
	// NoWatchdog (calendarbot.watchdog=0) leaves /dev/watchdog alone:
	// QEMU's raspi3b emulation resets the machine as soon as its watchdog
	// is armed, and a developer at the serial console may want the same.
	NoWatchdog bool
	// Problems lists knobs that could not be used, for the boot log.
	Problems []string
}

// ParseCmdline extracts the calendarbot.* knobs from a kernel command line
// (the contents of /proc/cmdline). Unknown calendarbot.* parameters and bad
// values are reported in Knobs.Problems and otherwise ignored: a typo on
// the command line must not stop the appliance from booting.
func ParseCmdline(cmdline string) Knobs {
	k := Knobs{ClockWait: -1}
	for _, param := range splitCmdline(cmdline) {
		key, val, hasVal := strings.Cut(param, "=")
		name, ok := strings.CutPrefix(key, "calendarbot.")
		if !ok {
			continue
		}
		switch name {
		case "debug":
			if !hasVal {
				k.Debug = true
				continue
			}
			b, err := strconv.ParseBool(val)
			if err != nil {
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.debug=%q is not 0 or 1 (ignored)", val))
				continue
			}
			k.Debug = b
		case "port":
			p, err := strconv.Atoi(val)
			if err != nil || p < 1 || p > 65535 {
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.port=%q is not a port number 1..65535 (ignored)", val))
				continue
			}
			k.Port = p
		case "args":
			args, err := splitArgs(val)
			if err != nil {
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.args: %v (ignored)", err))
				continue
			}
			k.Args = append(k.Args, args...)
		case "config":
			if !strings.HasPrefix(val, "/") {
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.config=%q must be an absolute path (ignored)", val))
				continue
			}
			k.Config = val
		case "clockwait":
			d, err := time.ParseDuration(val)
			if val == "0" {
				d, err = 0, nil
			}
			if err != nil || d < 0 {
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.clockwait=%q is not a duration such as 20s or 0 (ignored)", val))
				continue
			}
			k.ClockWait = d
		case "boot":
			// overlays/boot/cmdline.txt names the boot partition
			// (PARTUUID=<disk id>-01) for people reading the card; the
			// disk id the uinit matches is the one baked into the image.
		case "watchdog":
			switch val {
			case "0", "off", "no":
				k.NoWatchdog = true
			case "1", "on", "yes":
			default:
				k.Problems = append(k.Problems, fmt.Sprintf("calendarbot.watchdog=%q: want 0 or 1 (ignored)", val))
			}
		default:
			k.Problems = append(k.Problems, fmt.Sprintf("unknown kernel parameter %q (known: calendarbot.debug, .port, .args, .config, .clockwait, .watchdog, .boot)", key))
		}
	}
	return k
}

// splitCmdline splits a kernel command line the way the kernel does:
// parameters are separated by white space, and double quotes (anywhere in
// a parameter) protect white space; the quotes themselves are removed.
func splitCmdline(s string) []string {
	var (
		out     []string
		cur     strings.Builder
		inQuote bool
		started bool
	)
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			started = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}

// splitArgs splits the value of calendarbot.args into arguments: white
// space separates, single quotes group (the kernel command line cannot
// carry double quotes inside a quoted value).
func splitArgs(s string) ([]string, error) {
	var (
		out     []string
		cur     strings.Builder
		inQuote bool
		started bool
	)
	for _, r := range s {
		switch {
		case r == '\'':
			inQuote = !inQuote
			started = true
		case !inQuote && (r == ' ' || r == '\t'):
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unbalanced single quote in %q", s)
	}
	if started {
		out = append(out, cur.String())
	}
	return out, nil
}
