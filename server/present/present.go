// Package present words what CalendarBot's screens show: countdowns, time
// ranges, durations, the "updated …" line, the free-time line, urgency and
// the problem banners. The kiosk page (server/web) and the drawn screen
// (server/render) both use it, so the HTML page, the framebuffer and the
// e-ink PNG say exactly the same thing in the same words; kiosk.js repeats
// these rules for the page's live ticks.
//
// Most helpers work on RFC 3339 strings in the display zone, as kiosk.js
// does with the API's start_local and end_local: the date and time of day
// are then substrings, the same in every place that shows them.
package present

import (
	"strconv"
	"time"
)

// Clock is "now" in the display zone plus the two dates the wording needs.
type Clock struct {
	Now             time.Time      // in Loc
	Loc             *time.Location // never nil once built by NewClock
	Today, Tomorrow string         // YYYY-MM-DD in Loc
}

// NewClock returns the clock for now in loc (nil: UTC; a zero now:
// time.Now()).
func NewClock(now time.Time, loc *time.Location) Clock {
	if loc == nil {
		loc = time.UTC
	}
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(loc)
	// Tomorrow is the next calendar date, whatever the zone's transitions.
	y, m, d := now.Date()
	return Clock{Now: now, Loc: loc, Today: now.Format(time.DateOnly),
		Tomorrow: time.Date(y, m, d+1, 12, 0, 0, 0, time.UTC).Format(time.DateOnly)}
}

// Local is t as RFC 3339 in the display zone, the form the other helpers take.
func (c Clock) Local(t time.Time) string { return t.In(c.Loc).Format(time.RFC3339) }

// ClockText is the status line's time of day, "15:04".
func (c Clock) ClockText() string { return c.Now.Format("15:04") }

// DateText is the status line's date, "Wed 12 Nov".
func (c Clock) DateText() string { return DateLabel(c.Today) }

// YMD is the date part of an RFC 3339 string, "" when it has none.
func YMD(rfc string) string {
	if len(rfc) < 10 {
		return ""
	}
	return rfc[:10]
}

// HM is the hour and minute of an RFC 3339 string, "" when it has none.
func HM(rfc string) string {
	if len(rfc) < 16 {
		return ""
	}
	return rfc[11:16]
}

var (
	weekdays = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// DateLabel turns "2025-11-12" into "Wed 12 Nov"; anything else is returned as is.
func DateLabel(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return weekdays[t.Weekday()] + " " + strconv.Itoa(t.Day()) + " " + months[t.Month()-1]
}

// Range is a meeting's time range: "10:00–11:00" today, with the date
// when it is another day, "All day" for today's all-day events.
func (c Clock) Range(start, end string, allDay bool) string {
	sd := YMD(start)
	if allDay {
		if sd == c.Today {
			return "All day"
		}
		return DateLabel(sd) + " · all day"
	}
	s := HM(start)
	if sd != c.Today {
		s = DateLabel(sd) + " " + s
	}
	if YMD(end) == sd {
		return s + "–" + HM(end)
	}
	return s + " – " + DateLabel(YMD(end)) + " " + HM(end)
}

// Countdown is the big text for the next meeting, starting s seconds from
// now: "in 12:34" under an hour or later today, else "tomorrow 09:00",
// "today" (all day) or the date.
func (c Clock) Countdown(start string, allDay bool, s int64) string {
	sd := YMD(start)
	if !allDay && (s < 3600 || sd == c.Today) {
		return "in " + DurClock(s)
	}
	t := ""
	if !allDay {
		t = " " + HM(start)
	}
	if sd == c.Tomorrow {
		return "tomorrow" + t
	}
	if sd == c.Today { // all day, today
		return "today"
	}
	return DateLabel(sd) + t
}

// FreeText follows "Free" when no meeting is in progress. hasNext says
// whether there is a next meeting, starting at nextStart (RFC 3339 in the
// display zone), s seconds from now.
func (c Clock) FreeText(hasNext bool, nextStart string, s int64) string {
	switch {
	case !hasNext:
		return "nothing else scheduled"
	case YMD(nextStart) != c.Today:
		return "for the rest of the day"
	}
	return "for " + DurWords(s) + " · until " + HM(nextStart)
}

// SecsUntil is the whole seconds from now to t, rounded up, never negative.
func SecsUntil(t, now time.Time) int64 {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.Itoa(int(n))
	}
	return strconv.Itoa(int(n))
}

// DurClock is mm:ss under an hour, "1 h 05 min" from an hour on: the
// countdown and the time left, which tick every second.
func DurClock(s int64) string {
	if s < 3600 {
		return pad2(s/60) + ":" + pad2(s%60)
	}
	return strconv.Itoa(int(s/3600)) + " h " + pad2(s%3600/60) + " min"
}

// DurWords is a duration to the minute: "under 1 min", "12 min", "1 h 05 min".
func DurWords(s int64) string {
	switch {
	case s < 60:
		return "under 1 min"
	case s < 3600:
		return strconv.Itoa(int(s/60)) + " min"
	}
	return strconv.Itoa(int(s/3600)) + " h " + pad2(s%3600/60) + " min"
}

// Updated is the freshness line: "updated 3 min ago", "not updated yet".
func Updated(t, now time.Time) string {
	if t.IsZero() {
		return "not updated yet"
	}
	s := int64(now.Sub(t) / time.Second)
	switch {
	case s < 60:
		return "updated just now"
	case s < 3600:
		return "updated " + strconv.Itoa(int(s/60)) + " min ago"
	}
	return "updated " + strconv.Itoa(int(s/3600)) + " h ago"
}

// Instant is a time of day, with the date when it is not today.
func (c Clock) Instant(t time.Time) string {
	l := c.Local(t)
	if YMD(l) == c.Today {
		return HM(l)
	}
	return DateLabel(YMD(l)) + " " + HM(l)
}

// Progress is how far now is between start and end, in per mille
// (0..1000), computed in milliseconds as kiosk.js does; 0 for an empty or
// inverted span. It does not overflow for events lasting years.
func Progress(start, end, now time.Time) int {
	span := end.Sub(start).Milliseconds()
	if span <= 0 {
		return 0
	}
	return int(min(max(now.Sub(start).Milliseconds()*1000/span, 0), 1000))
}

// Urgency levels of the next meeting, as the page's CSS classes name them.
const (
	LevelNone     = ""
	LevelUrgent   = "urgent"   // starts within 15 minutes
	LevelCritical = "critical" // starts within 2 minutes
)

// Level is the urgency of a meeting starting s seconds from now: ≤ 2 min
// critical, ≤ 15 min urgent (as the API computes it); urgent and critical
// are the API's own flags, honoured when set. All-day events are never urgent.
func Level(s int64, allDay, urgent, critical bool) string {
	if allDay {
		return LevelNone
	}
	switch {
	case s <= 120 || critical:
		return LevelCritical
	case s <= 900 || urgent:
		return LevelUrgent
	}
	return LevelNone
}

// Badge is the worded badge beside NEXT for a level, so urgency never
// depends on colour alone.
func Badge(level string) string {
	switch level {
	case LevelCritical:
		return "● Starting"
	case LevelUrgent:
		return "▲ Soon"
	}
	return ""
}
