package appliance

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock reads and sets the system time.
type Clock interface {
	Now() time.Time
	Set(t time.Time) error
}

// ParseBuildTime parses /etc/calendarbot/build-time: RFC 3339 or unix
// seconds (SOURCE_DATE_EPOCH).
func ParseBuildTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor unix seconds", s)
	}
	return t, nil
}

// ApplyFloor sets the clock to floor if it is earlier. It reports whether
// the clock was set.
func ApplyFloor(c Clock, floor time.Time) (bool, error) {
	if floor.IsZero() || !c.Now().Before(floor) {
		return false, nil
	}
	return true, c.Set(floor)
}

// Clock states in /run/calendarbot/clock.json.
const (
	ClockUnsynced       = "unsynced"         // nothing known: the clock is what the kernel had
	ClockBuildTimeFloor = "build-time-floor" // set to the image's build time (no RTC, no NTP yet)
	ClockNTP            = "ntp"              // synchronised by SNTP
)

// ClockStatus is the content of /run/calendarbot/clock.json.
type ClockStatus struct {
	State     string    `json:"state"`                // unsynced | build-time-floor | ntp
	Server    string    `json:"server,omitempty"`     // ntp: the server that answered
	OffsetMS  int64     `json:"offset_ms"`            // ntp: the correction applied, ms
	RoundTrip int64     `json:"round_trip_ms"`        // ntp: round trip, ms
	Stratum   uint8     `json:"stratum,omitempty"`    // ntp
	BuildTime time.Time `json:"build_time,omitzero"`  // the floor
	Updated   time.Time `json:"updated"`              // when this was written (system time)
	LastError string    `json:"last_error,omitempty"` // the last failure, if any
	Plausible bool      `json:"plausible"`            // fit for TLS certificate checks
	Summary   string    `json:"summary"`              // "ntp:0.pool.ntp.org offset +1.234s"
}

// ClockKeeper sets the clock: the build-time floor, then SNTP.
type ClockKeeper struct {
	c       *console
	o       Options
	servers []string
	mu      sync.Mutex
	status  ClockStatus
}

// NewClockKeeper prepares the clock step; servers are [clock] ntp.
func NewClockKeeper(c *console, o Options, servers []string) *ClockKeeper {
	k := &ClockKeeper{c: c, o: o, servers: servers}
	k.status.State = ClockUnsynced
	if b, err := os.ReadFile(o.path(PathBuildTime)); err == nil {
		if t, err := ParseBuildTime(string(b)); err == nil {
			k.status.BuildTime = t
		} else {
			c.logf("clock", "%s: %v (no build-time floor)", PathBuildTime, err)
		}
	} else {
		c.logf("clock", "no %s in the image: no build-time floor", PathBuildTime)
	}
	return k
}

// Floor applies the build-time floor. It reports whether the clock was
// already plausible at boot (at or after the build time: a real-time clock
// set it, as in QEMU); then the server start does not wait for NTP.
func (k *ClockKeeper) Floor() (plausible bool) {
	bt := k.status.BuildTime
	now := k.o.Clock.Now()
	if bt.IsZero() {
		k.write()
		return false
	}
	set, err := ApplyFloor(k.o.Clock, bt)
	switch {
	case err != nil:
		k.c.logf("clock", "the clock says %s, before the image was built (%s), and cannot be set: %v", now.UTC().Format(time.RFC3339), bt.Format(time.RFC3339), err)
		k.status.LastError = err.Error()
	case set:
		k.c.logf("clock", "no real-time clock: set the clock from %s to the image's build time %s until NTP answers", now.UTC().Format(time.RFC3339), bt.Format(time.RFC3339))
		k.status.State = ClockBuildTimeFloor
	default:
		k.c.logf("clock", "the clock says %s (after the build time: a real-time clock set it)", now.UTC().Format(time.RFC3339))
		plausible = true
	}
	k.status.Plausible = plausible
	k.write()
	return plausible
}

// SyncAtBoot waits for SNTP before the server starts, for at most
// Options.ClockWait, and only when it matters: when the clock was not
// plausible at boot (no real-time clock, as on the Pi) and there is a
// network to ask. A clock set by a real-time clock (QEMU) is good enough
// for certificate checks, so the server starts at once and NTP runs in
// the background (KeepSynced).
func (k *ClockKeeper) SyncAtBoot(ctx context.Context, plausible, network bool) {
	wait := k.o.ClockWait
	switch {
	case plausible:
		k.c.logf("clock", "the real-time clock's time is plausible: synchronising with NTP in the background")
		return
	case !network:
		k.c.logf("clock", "CLOCK NOT SYNCED: there is no network to ask an NTP server; starting the server anyway (feeds over https may fail until the network is up and NTP answers)")
		return
	case wait <= 0:
		k.c.logf("clock", "CLOCK NOT SYNCED: not waiting for NTP (calendarbot.clockwait=0); synchronising in the background")
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan bool, 1)
	go func() { done <- k.syncLoop(wctx, true) }()
	select {
	case ok := <-done:
		if ok {
			return
		}
	case <-k.o.After(wait):
	case <-ctx.Done():
		return
	}
	k.c.logf("clock", "CLOCK NOT SYNCED after %s: starting the server anyway (feeds over https may fail until NTP answers; it keeps trying)", wait)
}

// KeepSynced synchronises until ctx ends: with backoff until the first
// success, then hourly (the Pi's oscillator drifts by seconds a day).
func (k *ClockKeeper) KeepSynced(ctx context.Context) {
	for ctx.Err() == nil {
		if k.Status().State == ClockNTP {
			select {
			case <-ctx.Done():
				return
			case <-k.o.After(time.Hour):
			}
		}
		k.syncLoop(ctx, false)
	}
}

// syncLoop tries the servers in turn, with backoff from 1 s to 64 s between
// rounds, until one answers (true) or ctx ends (false).
func (k *ClockKeeper) syncLoop(ctx context.Context, boot bool) bool {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		for _, s := range k.servers {
			r, err := QuerySNTP(ctx, k.o.dial(), s, k.o.Clock.Now, 3*time.Second)
			if err != nil {
				if ctx.Err() != nil {
					return false
				}
				k.c.debugf("clock", "NTP %s: %v", s, err)
				k.mu.Lock()
				k.status.LastError = s + ": " + err.Error()
				k.mu.Unlock()
				continue
			}
			k.apply(r, boot)
			return true
		}
		if attempt == 1 || attempt%8 == 0 {
			k.mu.Lock()
			last := k.status.LastError
			k.mu.Unlock()
			k.c.logf("clock", "no NTP server answered (%s; last error: %s): retrying in %s", strings.Join(k.servers, ", "), last, backoff)
		}
		k.write()
		select {
		case <-ctx.Done():
			return false
		case <-k.o.After(backoff):
		}
		backoff = min(backoff*2, 64*time.Second)
	}
}

func (k *ClockKeeper) apply(r SNTPResult, boot bool) {
	const tolerance = 100 * time.Millisecond
	var setErr error
	if r.Offset > tolerance || r.Offset < -tolerance {
		setErr = k.o.Clock.Set(k.o.Clock.Now().Add(r.Offset))
	}
	k.mu.Lock()
	if setErr != nil {
		k.status.LastError = "setting the clock: " + setErr.Error()
	} else {
		k.status.State, k.status.Server, k.status.Stratum = ClockNTP, r.Server, r.Stratum
		k.status.OffsetMS, k.status.RoundTrip = r.Offset.Milliseconds(), r.RoundTrip.Milliseconds()
		k.status.Plausible, k.status.LastError = true, ""
	}
	k.mu.Unlock()
	if setErr != nil {
		k.c.logf("clock", "NTP %s says the clock is off by %s, but it cannot be set: %v", r.Server, fmtOffset(r.Offset), setErr)
	} else if boot || r.Offset > time.Second || r.Offset < -time.Second {
		k.c.logf("clock", "synchronised with %s (stratum %d, round trip %s): corrected by %s, now %s", r.Server, r.Stratum, r.RoundTrip.Round(time.Millisecond), fmtOffset(r.Offset), k.o.Clock.Now().UTC().Format(time.RFC3339))
	}
	k.write()
}

// Status returns the current clock state.
func (k *ClockKeeper) Status() ClockStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.status
	s.Summary = s.State
	if s.State == ClockNTP {
		s.Summary = fmt.Sprintf("ntp:%s offset %s", s.Server, fmtOffset(time.Duration(s.OffsetMS)*time.Millisecond))
	}
	return s
}

func (k *ClockKeeper) write() {
	s := k.Status()
	s.Updated = k.o.Clock.Now().UTC()
	writeJSON(k.c, k.o.path(PathRunDir, "clock.json"), s)
}

func fmtOffset(d time.Duration) string {
	if d >= 0 {
		return "+" + d.Round(time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func (o *Options) dial() DialFunc {
	if o.Dial != nil {
		return o.Dial
	}
	var d net.Dialer
	return d.DialContext
}
