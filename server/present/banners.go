package present

import (
	"strconv"
	"strings"
	"time"
)

// Feed is one feed's freshness, as the banners need it.
type Feed struct {
	Name        string
	Stale       bool
	Error       string    // the last fetch's error, already free of secrets
	LastSuccess time.Time // zero: never
}

// Status is what the banners speak about.
type Status struct {
	Loaded     bool      // the calendar has been loaded at least once
	Stale      bool      // the data is older than it should be
	StaleSince time.Time // last successful refresh, when no feed says more
	UpdatedAt  time.Time // last successful refresh; zero: never
	Feeds      []Feed

	// Appliance problems; the kiosk page has no way to know them.
	ClockUnsynced bool
	NoNetwork     bool
	Notices       []string
}

// Banner is one problem in words a user can act on; Detail (often a feed's
// error) may be empty.
type Banner struct{ Text, Detail string }

// Banners lists the problems to show above the agenda, most fundamental
// first: never loaded, feeds that failed, stale data, then the appliance's
// own problems and notices.
func (c Clock) Banners(s Status) []Banner {
	var out []Banner
	if !s.Loaded {
		out = append(out, Banner{Text: "Calendar not loaded yet — waiting for the first refresh"})
	}
	feedSaid := false
	for _, f := range s.Feeds {
		if f.Error != "" && f.LastSuccess.IsZero() {
			// Never loaded: there is no saved data to speak of, and the
			// empty agenda below must not read as a free day.
			feedSaid = true
			out = append(out, Banner{Text: "Calendar '" + f.Name + "' could not be loaded", Detail: FeedError(f.Name, f.Error)})
			continue
		}
		if !f.Stale {
			continue
		}
		feedSaid = true
		t := "Calendar '" + f.Name + "' could not be refreshed"
		if !f.LastSuccess.IsZero() {
			t += " since " + c.Instant(f.LastSuccess)
		}
		out = append(out, Banner{Text: t + " — showing saved data", Detail: FeedError(f.Name, f.Error)})
	}
	if s.Stale && !feedSaid {
		since := s.StaleSince
		if since.IsZero() {
			since = s.UpdatedAt
		}
		t := "Calendar could not be refreshed"
		if !since.IsZero() {
			t += " since " + c.Instant(since)
		}
		out = append(out, Banner{Text: t + " — showing saved data"})
	}
	if s.NoNetwork {
		out = append(out, Banner{Text: "No network — showing saved data", Detail: "Check the Wi-Fi settings in calendarbot.toml or the cable."})
	}
	if s.ClockUnsynced {
		out = append(out, Banner{Text: "Clock not set from the network yet — times may be wrong"})
	}
	for _, n := range s.Notices {
		if n != "" {
			out = append(out, Banner{Text: n})
		}
	}
	return out
}

// FeedError is a feed's error for a banner that already names the feed:
// without the `feed "Work": ` prefix the fetcher puts on it for logs.
// kiosk.js does the same.
func FeedError(name, err string) string {
	if rest, ok := strings.CutPrefix(err, "feed "+strconv.Quote(name)+": "); ok {
		return rest
	}
	return err
}
