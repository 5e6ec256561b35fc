// Package sample generates the built-in demo calendar. It is produced
// relative to "now" so that whenever the demo runs there is a meeting in
// progress and one coming up, next to recurring, all-day and multi-zone
// events: everything the display has to get right, with no network.
package sample

import (
	"fmt"
	"strings"
	"time"
)

// ICS returns the sample feed for now, in the display zone loc.
func ICS(now time.Time, loc *time.Location) []byte {
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	// Meetings snap to the quarter hour around now.
	q := local.Truncate(15 * time.Minute)
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	wall := func(t time.Time) string { return t.Format("20060102T150405") }
	date := func(t time.Time) string { return t.Format("20060102") }

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("BEGIN:VCALENDAR")
	w("VERSION:2.0")
	w("PRODID:-//CalendarBot//Sample Calendar//EN")
	w("X-WR-CALNAME:Sample")
	event := func(uid, summary, location string, start, end time.Time, extra ...string) {
		w("BEGIN:VEVENT")
		w("UID:%s@sample.calendarbot", uid)
		w("DTSTAMP:%s", utc(now))
		w("DTSTART:%s", utc(start))
		w("DTEND:%s", utc(end))
		w("SUMMARY:%s", summary)
		if location != "" {
			w("LOCATION:%s", location)
		}
		for _, e := range extra {
			w("%s", e)
		}
		w("END:VEVENT")
	}
	event("in-progress", "Design review: kiosk layout", "Room 4.01", q.Add(-15*time.Minute), q.Add(30*time.Minute),
		"DESCRIPTION:Walk through the 480x800 layout\\, countdown and stale banner.")
	event("next", "1:1 with Alex", "Café corner", q.Add(45*time.Minute), q.Add(75*time.Minute))
	event("later", "Customer call (Tokyo)", "Teams", q.Add(3*time.Hour), q.Add(4*time.Hour),
		"STATUS:TENTATIVE", "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE")
	// A daily stand-up in the display zone, every weekday, that started a
	// month ago: exercises RRULE, EXDATE and DST on the wall clock.
	standup := time.Date(day.Year(), day.Month(), day.Day()-30, 9, 30, 0, 0, loc)
	w("BEGIN:VEVENT")
	w("UID:standup@sample.calendarbot")
	w("DTSTAMP:%s", utc(now))
	w("DTSTART;TZID=%s:%s", loc.String(), wall(standup))
	w("DTEND;TZID=%s:%s", loc.String(), wall(standup.Add(15*time.Minute)))
	w("RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
	w("EXDATE;TZID=%s:%s", loc.String(), wall(standup.AddDate(0, 0, 7)))
	w("SUMMARY:Daily stand-up")
	w("LOCATION:Team space")
	w("END:VEVENT")
	// A meeting written in another zone, as a colleague abroad would send it.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		s := time.Date(day.Year(), day.Month(), day.Day()+1, 11, 0, 0, 0, ny)
		w("BEGIN:VEVENT")
		w("UID:ny-sync@sample.calendarbot")
		w("DTSTAMP:%s", utc(now))
		w("DTSTART;TZID=America/New_York:%s", wall(s))
		w("DTEND;TZID=America/New_York:%s", wall(s.Add(time.Hour)))
		w("SUMMARY:Sync with the New York office")
		w("END:VEVENT")
	}
	w("BEGIN:VEVENT")
	w("UID:offsite@sample.calendarbot")
	w("DTSTAMP:%s", utc(now))
	w("DTSTART;VALUE=DATE:%s", date(day))
	w("DTEND;VALUE=DATE:%s", date(day.AddDate(0, 0, 1)))
	w("SUMMARY:Release week · v2.0") // drawable by the screen's Go fonts (no emoji)
	w("TRANSP:TRANSPARENT")
	w("END:VEVENT")
	w("END:VCALENDAR")
	return []byte(b.String())
}
