package appliance

import (
	"context"
	"time"
)

// Watchdog timing: the hardware resets the board WatchdogTimeout after the
// last ping; pings come every WatchdogInterval while the supervisor is
// healthy. (bcm2835_wdt allows up to about 15 s.)
const (
	WatchdogTimeout  = 15 * time.Second
	WatchdogInterval = 5 * time.Second
)

// WatchdogDevice is an open /dev/watchdog.
type WatchdogDevice interface {
	// SetTimeout asks for a timeout and returns the one the driver set.
	SetTimeout(d time.Duration) (time.Duration, error)
	// Ping restarts the countdown.
	Ping() error
	// Close writes the magic 'V' (so that the driver disarms the
	// watchdog) and closes the device.
	Close() error
}

// WatchdogOpener opens the watchdog; it returns an error satisfying
// errors.Is(err, os.ErrNotExist) if there is none.
type WatchdogOpener func() (WatchdogDevice, error)

// RunWatchdog pets dev every interval while healthy() holds, and disarms
// it (magic close) when ctx ends. When healthy() turns false it stops
// petting, and the hardware resets the board within timeout: that is what
// it is for (uinit wedged or its supervisor dead). If uinit itself dies,
// the device is closed without the magic character and the board resets
// too.
func RunWatchdog(ctx context.Context, dev WatchdogDevice, timeout, interval time.Duration, healthy func() bool, after func(time.Duration) <-chan time.Time, logf func(string, ...any)) {
	got, err := dev.SetTimeout(timeout)
	switch {
	case err != nil:
		logf("cannot set the timeout to %s (%v): using the driver's default", timeout, err)
	case got != timeout:
		logf("armed: the driver chose a timeout of %s (asked for %s)", got, timeout)
	default:
		logf("armed: the board resets if CalendarBot hangs for %s", got)
	}
	if got > 0 && interval >= got {
		interval = got / 3
	}
	if err := dev.Ping(); err != nil {
		logf("ping failed: %v", err)
	}
	warned := false
	for {
		select {
		case <-ctx.Done():
			if err := dev.Close(); err != nil {
				logf("clean close failed (%v): the board may reset", err)
			} else {
				logf("disarmed (clean shutdown)")
			}
			return
		case <-after(interval):
		}
		if !healthy() {
			if !warned {
				logf("the supervisor is not healthy: no longer pinging, the board resets shortly")
				warned = true
			}
			continue
		}
		warned = false
		if err := dev.Ping(); err != nil {
			logf("ping failed: %v", err)
		}
	}
}
