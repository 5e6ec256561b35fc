package present

import (
	"testing"
	"time"
	_ "time/tzdata"
)

var (
	cet, _ = time.LoadLocation("Europe/Berlin")
	now0   = time.Date(2025, 11, 12, 10, 0, 0, 0, cet)
)

func TestClock(t *testing.T) {
	c := NewClock(now0, cet)
	if c.Today != "2025-11-12" || c.Tomorrow != "2025-11-13" || c.ClockText() != "10:00" || c.DateText() != "Wed 12 Nov" {
		t.Errorf("clock %+v", c)
	}
	// Tomorrow across a DST change and the year's end.
	if c := NewClock(time.Date(2025, 12, 31, 23, 30, 0, 0, cet), cet); c.Tomorrow != "2026-01-01" {
		t.Errorf("tomorrow = %s", c.Tomorrow)
	}
	if c := NewClock(now0, nil); c.Loc != time.UTC {
		t.Error("nil zone is UTC")
	}
}

func TestWording(t *testing.T) {
	c := NewClock(now0, cet)
	for s, want := range map[int64]string{0: "00:00", 754: "12:34", 3599: "59:59", 3600: "1 h 00 min", 7500: "2 h 05 min"} {
		if got := DurClock(s); got != want {
			t.Errorf("DurClock(%d) = %q, want %q", s, got, want)
		}
	}
	for s, want := range map[int64]string{59: "under 1 min", 720: "12 min", 7500: "2 h 05 min"} {
		if got := DurWords(s); got != want {
			t.Errorf("DurWords(%d) = %q, want %q", s, got, want)
		}
	}
	in := func(d time.Duration) string { return c.Local(now0.Add(d)) }
	if got := c.Countdown(in(12*time.Minute), false, 720); got != "in 12:00" {
		t.Errorf("countdown = %q", got)
	}
	if got := c.Countdown(in(23*time.Hour), false, 82800); got != "tomorrow 09:00" {
		t.Errorf("countdown = %q", got)
	}
	if got := c.Range(in(0), in(time.Hour), false); got != "10:00–11:00" {
		t.Errorf("range = %q", got)
	}
	if got := c.FreeText(true, in(90*time.Minute), 5400); got != "for 1 h 30 min · until 11:30" {
		t.Errorf("free = %q", got)
	}
	if got := c.FreeText(true, in(24*time.Hour), 86400); got != "for the rest of the day" {
		t.Errorf("free = %q", got)
	}
	if got := c.FreeText(false, "", 0); got != "nothing else scheduled" {
		t.Errorf("free = %q", got)
	}
	if got := Updated(now0.Add(-2*time.Hour), now0); got != "updated 2 h ago" {
		t.Errorf("updated = %q", got)
	}
	if got := DateLabel("garbage"); got != "garbage" {
		t.Errorf("DateLabel = %q", got)
	}
	if YMD("x") != "" || HM("2025-11-12") != "" {
		t.Error("short strings")
	}
}

func TestLevelAndProgress(t *testing.T) {
	for _, tc := range []struct {
		s                    int64
		allDay, urgent, crit bool
		want, badge          string
	}{
		{120, false, false, false, LevelCritical, "● Starting"},
		{121, false, false, false, LevelUrgent, "▲ Soon"},
		{900, false, false, false, LevelUrgent, "▲ Soon"},
		{901, false, false, false, LevelNone, ""},
		{5000, false, true, false, LevelUrgent, "▲ Soon"},
		{5000, false, false, true, LevelCritical, "● Starting"},
		{10, true, true, true, LevelNone, ""},
	} {
		l := Level(tc.s, tc.allDay, tc.urgent, tc.crit)
		if l != tc.want || Badge(l) != tc.badge {
			t.Errorf("Level(%+v) = %q %q", tc, l, Badge(l))
		}
	}
	if p := Progress(now0.AddDate(-1, 0, 0), now0.AddDate(1, 0, 0), now0); p != 500 {
		t.Errorf("progress %d", p)
	}
	if p := Progress(now0, now0.Add(-time.Hour), now0); p != 0 {
		t.Errorf("inverted progress %d", p)
	}
}

func TestBanners(t *testing.T) {
	c := NewClock(now0, cet)
	bs := c.Banners(Status{Loaded: false, Stale: true, UpdatedAt: now0.Add(-3 * time.Hour),
		Feeds: []Feed{
			{Name: "Work", Stale: true, Error: "401 Unauthorized", LastSuccess: now0.Add(-2 * time.Hour)},
			{Name: "New", Error: "timeout"},
			{Name: "Fine", LastSuccess: now0},
		},
		NoNetwork: true, ClockUnsynced: true, Notices: []string{"", "Disk full"}})
	want := []Banner{
		{Text: "Calendar not loaded yet — waiting for the first refresh"},
		{Text: "Calendar 'Work' could not be refreshed since 08:00 — showing saved data", Detail: "401 Unauthorized"},
		{Text: "Calendar 'New' could not be loaded", Detail: "timeout"},
		{Text: "No network — showing saved data", Detail: "Check the Wi-Fi settings in calendarbot.toml or the cable."},
		{Text: "Clock not set from the network yet — times may be wrong"},
		{Text: "Disk full"},
	}
	if len(bs) != len(want) {
		t.Fatalf("banners %q", bs)
	}
	for i := range want {
		if bs[i] != want[i] {
			t.Errorf("banner %d = %q, want %q", i, bs[i], want[i])
		}
	}
	// Stale without a feed to blame.
	bs = c.Banners(Status{Loaded: true, Stale: true, UpdatedAt: now0.Add(-26 * time.Hour)})
	if len(bs) != 1 || bs[0].Text != "Calendar could not be refreshed since Tue 11 Nov 08:00 — showing saved data" {
		t.Errorf("banners %q", bs)
	}
}

func TestFeedError(t *testing.T) {
	for _, tt := range []struct{ name, err, want string }{
		{"Work", `feed "Work": GET https://example.com/…: 401 Unauthorized`, "GET https://example.com/…: 401 Unauthorized"},
		{"Work", `feed "Home": timed out`, `feed "Home": timed out`}, // another feed's name stays
		{"Work", "not an iCalendar feed", "not an iCalendar feed"},
		{"Work", "", ""},
	} {
		if got := FeedError(tt.name, tt.err); got != tt.want {
			t.Errorf("FeedError(%q, %q) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}
