package icsgen

import (
	"fmt"
	"time"
)

// transition describes a yearly DST switch: the week-th Sunday (-1 = last)
// of month, at hour o'clock local wall time (before the switch).
type transition struct {
	month time.Month
	week  int
	hour  int
}

// date returns the local wall-clock instant of the transition in year.
func (t transition) date(year int) time.Time {
	if t.week < 0 {
		d := time.Date(year, t.month+1, 0, t.hour, 0, 0, 0, time.UTC) // last day of month
		for d.Weekday() != time.Sunday {
			d = d.AddDate(0, 0, -1)
		}
		return d
	}
	d := time.Date(year, t.month, 1, t.hour, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7*(t.week-1))
}

// byday renders the transition in RRULE BYDAY form, e.g. "-1SU" or "2SU".
func (t transition) byday() string { return fmt.Sprintf("%dSU", t.week) }

// zone is a fixed-rule time zone. The generator never consults the system
// time zone database: the rules below are exactly the ones it writes into
// the VTIMEZONE components, so the feed is self-consistent and the output
// does not depend on the host's tzdata.
type zone struct {
	win, iana        string // Windows (Outlook) and IANA (Google) names
	std, dst         int    // UTC offsets in minutes
	stdName, dstName string // abbreviations (Google TZNAME)
	toDST, toSTD     transition
	utc              bool // plain style: everything in UTC
}

func (z *zone) hasDST() bool { return z.dst != z.std }

// offset returns the UTC offset (minutes) in effect at the local wall time.
func (z *zone) offset(local time.Time) int {
	if z.utc || !z.hasDST() {
		return z.std
	}
	y := local.Year()
	s, e := z.toDST.date(y), z.toSTD.date(y)
	var in bool
	if s.Before(e) { // northern hemisphere
		in = !local.Before(s) && local.Before(e)
	} else { // southern hemisphere: DST spans the new year
		in = !local.Before(s) || local.Before(e)
	}
	if in {
		return z.dst
	}
	return z.std
}

// toUTC converts a local wall time (carried in a time.UTC value) to UTC.
func (z *zone) toUTC(local time.Time) time.Time {
	return local.Add(-time.Duration(z.offset(local)) * time.Minute)
}

func fmtOffset(min int) string {
	sign := '+'
	if min < 0 {
		sign = '-'
		min = -min
	}
	return fmt.Sprintf("%c%02d%02d", sign, min/60, min%60)
}

var (
	zoneWEurope = &zone{win: "W. Europe Standard Time", iana: "Europe/Berlin", std: 60, dst: 120,
		stdName: "CET", dstName: "CEST", toDST: transition{time.March, -1, 2}, toSTD: transition{time.October, -1, 3}}
	zoneGMT = &zone{win: "GMT Standard Time", iana: "Europe/London", std: 0, dst: 60,
		stdName: "GMT", dstName: "BST", toDST: transition{time.March, -1, 1}, toSTD: transition{time.October, -1, 2}}
	zoneEastern = &zone{win: "Eastern Standard Time", iana: "America/New_York", std: -300, dst: -240,
		stdName: "EST", dstName: "EDT", toDST: transition{time.March, 2, 2}, toSTD: transition{time.November, 1, 2}}
	zonePacific = &zone{win: "Pacific Standard Time", iana: "America/Los_Angeles", std: -480, dst: -420,
		stdName: "PST", dstName: "PDT", toDST: transition{time.March, 2, 2}, toSTD: transition{time.November, 1, 2}}
	zoneIndia = &zone{win: "India Standard Time", iana: "Asia/Kolkata", std: 330, dst: 330,
		stdName: "IST", dstName: "IST"}
	zoneAUS = &zone{win: "AUS Eastern Standard Time", iana: "Australia/Sydney", std: 600, dst: 660,
		stdName: "AEST", dstName: "AEDT", toDST: transition{time.October, 1, 2}, toSTD: transition{time.April, 1, 3}}
	zoneUTC = &zone{win: "UTC", iana: "UTC", stdName: "UTC", dstName: "UTC", utc: true}

	// allZones is the order in which VTIMEZONEs are written.
	allZones = []*zone{zoneWEurope, zonePacific, zoneEastern, zoneGMT, zoneIndia, zoneAUS}
	// zoneWeights biases event zones toward the calendar owner's zone.
	zoneWeights = []int{55, 9, 10, 12, 7, 7}
)

// writeOutlookTZ writes a VTIMEZONE the way Outlook does: Windows TZID and
// observances anchored at 1601-01-01 with a yearly rule.
func writeOutlookTZ(w *writer, z *zone) {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + z.win)
	w.line("BEGIN:STANDARD")
	if z.hasDST() {
		w.line(fmt.Sprintf("DTSTART:16010101T%02d0000", z.toSTD.hour))
		w.line("TZOFFSETFROM:" + fmtOffset(z.dst))
		w.line("TZOFFSETTO:" + fmtOffset(z.std))
		w.line(fmt.Sprintf("RRULE:FREQ=YEARLY;BYDAY=%s;BYMONTH=%d", z.toSTD.byday(), int(z.toSTD.month)))
	} else {
		w.line("DTSTART:16010101T000000")
		w.line("TZOFFSETFROM:" + fmtOffset(z.std))
		w.line("TZOFFSETTO:" + fmtOffset(z.std))
	}
	w.line("END:STANDARD")
	if z.hasDST() {
		w.line("BEGIN:DAYLIGHT")
		w.line(fmt.Sprintf("DTSTART:16010101T%02d0000", z.toDST.hour))
		w.line("TZOFFSETFROM:" + fmtOffset(z.std))
		w.line("TZOFFSETTO:" + fmtOffset(z.dst))
		w.line(fmt.Sprintf("RRULE:FREQ=YEARLY;BYDAY=%s;BYMONTH=%d", z.toDST.byday(), int(z.toDST.month)))
		w.line("END:DAYLIGHT")
	}
	w.line("END:VTIMEZONE")
}

// writeGoogleTZ writes a VTIMEZONE the way Google Calendar does: IANA TZID,
// X-LIC-LOCATION, TZNAME and 1970-based DTSTARTs that match the rule.
func writeGoogleTZ(w *writer, z *zone) {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + z.iana)
	w.line("X-LIC-LOCATION:" + z.iana)
	if z.hasDST() {
		w.line("BEGIN:DAYLIGHT")
		w.line("TZOFFSETFROM:" + fmtOffset(z.std))
		w.line("TZOFFSETTO:" + fmtOffset(z.dst))
		w.line("TZNAME:" + z.dstName)
		w.line("DTSTART:" + fmtLocal(z.toDST.date(1970)))
		w.line(fmt.Sprintf("RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%s", int(z.toDST.month), z.toDST.byday()))
		w.line("END:DAYLIGHT")
		w.line("BEGIN:STANDARD")
		w.line("TZOFFSETFROM:" + fmtOffset(z.dst))
		w.line("TZOFFSETTO:" + fmtOffset(z.std))
		w.line("TZNAME:" + z.stdName)
		w.line("DTSTART:" + fmtLocal(z.toSTD.date(1970)))
		w.line(fmt.Sprintf("RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%s", int(z.toSTD.month), z.toSTD.byday()))
		w.line("END:STANDARD")
	} else {
		w.line("BEGIN:STANDARD")
		w.line("TZOFFSETFROM:" + fmtOffset(z.std))
		w.line("TZOFFSETTO:" + fmtOffset(z.std))
		w.line("TZNAME:" + z.stdName)
		w.line("DTSTART:19700101T000000")
		w.line("END:STANDARD")
	}
	w.line("END:VTIMEZONE")
}
