package present

import (
	"testing"
	"time"
)

// Countdowns, "today" and "tomorrow" across midnight and the DST changes
// of Europe/Berlin and America/New_York: durations are real seconds, dates
// are the display zone's calendar dates.
func TestAcrossMidnightAndDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		loc       *time.Location
		now       time.Time
		start     time.Time
		allDay    bool
		countdown string
		free      string
	}{
		// Spring forward: 01:30 CET to 03:30 CEST is one hour.
		{"berlin spring", cet, time.Date(2026, 3, 29, 1, 30, 0, 0, cet), time.Date(2026, 3, 29, 3, 30, 0, 0, cet), false,
			"in 1 h 00 min", "for 1 h 00 min · until 03:30"},
		// Fall back: 01:30 CEST to the second 02:30 (CET) is two hours.
		{"berlin fall", cet, time.Date(2026, 10, 25, 1, 30, 0, 0, cet), time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), false,
			"in 2 h 00 min", "for 2 h 00 min · until 02:30"},
		// Ten minutes, across midnight into the day of the change.
		{"berlin midnight", cet, time.Date(2026, 3, 28, 23, 55, 0, 0, cet), time.Date(2026, 3, 29, 0, 5, 0, 0, cet), false,
			"in 10:00", "for the rest of the day"},
		{"berlin tomorrow", cet, time.Date(2026, 3, 28, 20, 0, 0, 0, cet), time.Date(2026, 3, 29, 9, 0, 0, 0, cet), false,
			"tomorrow 09:00", "for the rest of the day"},
		{"new york spring", ny, time.Date(2026, 3, 8, 1, 0, 0, 0, ny), time.Date(2026, 3, 8, 4, 0, 0, 0, ny), false,
			"in 2 h 00 min", "for 2 h 00 min · until 04:00"},
		{"new york fall tomorrow", ny, time.Date(2026, 10, 31, 23, 30, 0, 0, ny), time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), false, // 01:30 EST
			"tomorrow 01:30", "for the rest of the day"},
		// All-day events are dates: midnight in the display zone.
		{"new york all day tomorrow", ny, time.Date(2026, 10, 31, 23, 30, 0, 0, ny), time.Date(2026, 11, 1, 0, 0, 0, 0, ny), true,
			"tomorrow", "for the rest of the day"},
		{"berlin all day in two days", cet, time.Date(2026, 3, 28, 12, 0, 0, 0, cet), time.Date(2026, 3, 30, 0, 0, 0, 0, cet), true,
			"Mon 30 Mar", "for the rest of the day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock(tc.now, tc.loc)
			s := SecsUntil(tc.start, c.Now)
			start := c.Local(tc.start)
			if got := c.Countdown(start, tc.allDay, s); got != tc.countdown {
				t.Errorf("Countdown = %q, want %q", got, tc.countdown)
			}
			if got := c.FreeText(true, start, s); got != tc.free {
				t.Errorf("FreeText = %q, want %q", got, tc.free)
			}
		})
	}
}
