package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/server/ical"
	"github.com/calendarbot/calendarbot/server/recur"
	"github.com/calendarbot/calendarbot/server/tz"
)

// Options control how a feed is read.
type Options struct {
	// Floating is the zone for floating times and all-day dates: the display
	// zone. Nil means UTC.
	Floating *time.Location
	// IgnoreXWRTimezone reads the feed strictly by RFC 5545. By default
	// X-WR-TIMEZONE re-expresses UTC and floating times in that zone, as
	// Google Calendar intends, so that recurring meetings follow its DST.
	IgnoreXWRTimezone bool
}

func (o Options) floating() *time.Location {
	if o.Floating == nil {
		return time.UTC
	}
	return o.Floating
}

// Calendar is one parsed feed: its series and single events, ready to be
// expanded over any window. It is immutable after Parse and safe for
// concurrent use.
type Calendar struct {
	Name     string // X-WR-CALNAME of the first VCALENDAR that has one
	series   []*series
	Problems ical.Problems
	floating *time.Location
}

// Parse reads a feed. It fails only when the data holds no calendar at all;
// anything skipped is listed in Calendar.Problems with its line number.
func Parse(data []byte, opts Options) (*Calendar, error) {
	c := &Calendar{floating: opts.floating()}
	cals, err := ical.Parse(data, &c.Problems)
	if err != nil {
		return nil, err
	}
	zones := newZoneSet(&c.Problems)
	var events []*vevent
	for ci, vcal := range cals {
		for _, comp := range vcal.Children {
			if comp.Name == "VTIMEZONE" {
				zones.add(comp)
			}
		}
		r := reader{zones: zones, floating: opts.floating(), probs: &c.Problems, cal: ci}
		if !opts.IgnoreXWRTimezone {
			if p := vcal.Prop("X-WR-TIMEZONE"); p != nil {
				name := strings.TrimSpace(p.Value)
				if loc, ok := zones.resolve(name); ok {
					r.xwr = loc
				} else if name != "" {
					c.Problems.Add(p.Line, "X-WR-TIMEZONE %q is not a known zone: ignored", clip(name, 60))
				}
			}
		}
		if c.Name == "" {
			if p := vcal.Prop("X-WR-CALNAME"); p != nil {
				c.Name = ical.UnescapeText(strings.TrimSpace(p.Value))
			}
		}
		for _, comp := range vcal.Children {
			if comp.Name != "VEVENT" {
				continue
			}
			if ev, err := r.event(comp); err != nil {
				c.Problems.Add(comp.Line, "VEVENT skipped: %v", err)
			} else {
				events = append(events, ev)
			}
		}
	}
	compactText(c, events)
	c.series = group(events)
	return c, nil
}

// reader decodes the VEVENTs of one VCALENDAR.
type reader struct {
	zones    *zoneSet
	floating *time.Location
	xwr      *time.Location // X-WR-TIMEZONE, nil when absent or ignored
	probs    *ical.Problems
	cal      int
}

// stamp decodes a date or date-time property value with the property's TZID.
func (r *reader) stamp(p *ical.Property, value string) (stamp, error) {
	dt, err := ical.ParseDateTime(value)
	if err != nil {
		return stamp{}, err
	}
	return r.fromDateTime(dt, p.Param("TZID"), p.Line), nil
}

func (r *reader) fromDateTime(dt ical.DateTime, tzid string, line int) stamp {
	switch {
	case dt.Date:
		return stamp{wall: dt.Wall, loc: r.floating, date: true, float: true}
	case dt.UTC:
		if r.xwr != nil {
			return stamp{wall: tz.Wall(dt.Wall, r.xwr), loc: r.xwr}
		}
		return stamp{wall: dt.Wall, loc: time.UTC}
	case tzid != "":
		if loc, ok := r.zones.resolve(tzid); ok {
			return stamp{wall: dt.Wall, loc: loc}
		}
		r.zones.unknown(tzid, line)
	}
	if r.xwr != nil {
		return stamp{wall: dt.Wall, loc: r.xwr}
	}
	return stamp{wall: dt.Wall, loc: r.floating, float: true}
}

// event decodes one VEVENT. It fails only when the event has no usable
// DTSTART; other bad properties are reported and ignored.
func (r *reader) event(c *ical.Component) (*vevent, error) {
	ev := &vevent{line: c.Line, calendar: r.cal, details: &Details{}}
	d := ev.details
	var startSeen, busySeen bool
	var endProp, durProp *ical.Property
	for i := range c.Props {
		p := &c.Props[i]
		switch p.Name {
		case "UID":
			if ev.uid == "" {
				ev.uid = strings.TrimSpace(p.Value)
			}
		case "SEQUENCE":
			n, err := strconv.Atoi(strings.TrimSpace(p.Value))
			if err != nil {
				r.probs.Add(p.Line, "SEQUENCE %q is not a number: ignored", clip(p.Value, 20))
				continue
			}
			ev.seq, d.Sequence = n, n
		case "DTSTART":
			if startSeen {
				continue
			}
			s, err := r.stamp(p, p.Value)
			if err != nil {
				return nil, fmt.Errorf("DTSTART (line %d): %w", p.Line, err)
			}
			ev.start, startSeen = s, true
		case "DTEND":
			if endProp == nil {
				endProp = p
			}
		case "DURATION":
			if durProp == nil {
				durProp = p
			}
		case "RRULE":
			rule, err := recur.ParseRule(p.Value)
			if err != nil {
				r.probs.Add(p.Line, "RRULE ignored: %v", err)
				continue
			}
			for _, w := range rule.Warnings {
				r.probs.Add(p.Line, "RRULE: %s", w)
			}
			ev.rules = append(ev.rules, rule)
		case "RDATE":
			r.rdates(ev, p)
		case "EXDATE":
			for _, v := range ical.SplitList(p.Value) {
				s, err := r.stamp(p, v)
				if err != nil {
					r.probs.Add(p.Line, "EXDATE value ignored: %v", err)
					continue
				}
				ev.exdates = append(ev.exdates, s)
			}
		case "RECURRENCE-ID":
			s, err := r.stamp(p, p.Value)
			if err != nil {
				return nil, fmt.Errorf("RECURRENCE-ID (line %d): %w", p.Line, err)
			}
			ev.rid, ev.hasRID = s, true
			ev.future = strings.EqualFold(p.Param("RANGE"), "THISANDFUTURE")
		case "SUMMARY":
			if !d.HasSummary {
				d.Summary, d.HasSummary = ical.UnescapeText(p.Value), true
			}
		case "DESCRIPTION":
			if d.Description == "" {
				d.Description = ical.UnescapeText(p.Value)
			}
		case "LOCATION":
			if d.Location == "" {
				d.Location = ical.UnescapeText(p.Value)
			}
		case "URL":
			d.URL = strings.TrimSpace(p.Value)
		case "CLASS":
			d.Class = strings.ToUpper(strings.TrimSpace(p.Value))
		case "STATUS":
			d.RawStatus = strings.ToUpper(strings.TrimSpace(p.Value))
			d.Status = parseStatus(d.RawStatus)
		case "TRANSP":
			if strings.EqualFold(strings.TrimSpace(p.Value), "TRANSPARENT") && !busySeen {
				d.Busy = BusyFree
			}
		case "X-MICROSOFT-CDO-BUSYSTATUS":
			// Outlook's own free/busy is more precise than TRANSP and wins
			// wherever it appears in the event.
			d.Busy, busySeen = parseBusy(p.Value, d.Busy), true
		case "ORGANIZER":
			d.Organizer = personName(p)
		case "ATTENDEE":
			d.Attendees = append(d.Attendees, Attendee{
				Name:     p.Param("CN"),
				Email:    mailto(p.Value),
				Role:     strings.ToUpper(p.Param("ROLE")),
				PartStat: strings.ToUpper(p.Param("PARTSTAT")),
			})
		}
	}
	if !startSeen {
		return nil, fmt.Errorf("no DTSTART")
	}
	if d.Status == StatusTentative && d.Busy == BusyBusy && !busySeen {
		d.Busy = BusyTentative
	}
	if endProp != nil {
		e, err := r.stamp(endProp, endProp.Value)
		if err != nil {
			r.probs.Add(endProp.Line, "DTEND ignored: %v", err)
		} else {
			ev.end, ev.hasEnd = e, true
		}
	}
	if !ev.hasEnd && durProp != nil {
		dur, err := ical.ParseDuration(durProp.Value)
		if err != nil {
			r.probs.Add(durProp.Line, "DURATION ignored: %v", err)
		} else {
			ev.dur, ev.hasDur = dur, true
		}
	}
	r.normalize(ev)
	return ev, nil
}

// normalize repairs what real feeds get wrong, the way the reference
// expanders do: a DTEND before DTSTART is swapped, and an event whose start
// is a DATE but whose end is a DATE-TIME (or an hours-long DURATION) is a
// timed event starting at midnight.
func (r *reader) normalize(ev *vevent) {
	if ev.hasEnd && ev.start.date != ev.end.date {
		if ev.start.date {
			ev.start = stamp{wall: ev.start.wall, loc: ev.end.loc, float: ev.end.float}
		} else {
			ev.end = stamp{wall: ev.end.wall, loc: ev.start.loc, float: ev.start.float}
		}
	}
	if ev.hasDur && ev.start.date && ev.dur%(24*time.Hour) != 0 {
		ev.start.date = false
	}
	if ev.hasDur && ev.dur < 0 {
		// A negative DURATION is an end before the start: swap, as for DTEND.
		ev.start.wall = ev.start.wall.Add(ev.dur)
		ev.dur = -ev.dur
	}
	if ev.hasEnd && ev.end.instant().Before(ev.start.instant()) {
		ev.start, ev.end = ev.end, ev.start
	}
}

// rdates decodes one RDATE property: DATE, DATE-TIME or PERIOD values.
func (r *reader) rdates(ev *vevent, p *ical.Property) {
	tzid := p.Param("TZID")
	for _, v := range ical.SplitList(p.Value) {
		if strings.IndexByte(v, '/') >= 0 {
			per, err := ical.ParsePeriod(v)
			if err != nil {
				r.probs.Add(p.Line, "RDATE period ignored: %v", err)
				continue
			}
			rd := rdate{start: r.fromDateTime(per.Start, tzid, p.Line)}
			if per.HasEnd {
				rd.end, rd.hasEnd = r.fromDateTime(per.End, tzid, p.Line), true
			} else {
				rd.dur, rd.hasDur = per.Duration, true
			}
			ev.rdates = append(ev.rdates, rd)
			continue
		}
		dt, err := ical.ParseDateTime(v)
		if err != nil {
			r.probs.Add(p.Line, "RDATE value ignored: %v", err)
			continue
		}
		ev.rdates = append(ev.rdates, rdate{start: r.fromDateTime(dt, tzid, p.Line)})
	}
}

func parseStatus(s string) Status {
	switch s {
	case "":
		return StatusNone
	case "CONFIRMED":
		return StatusConfirmed
	case "TENTATIVE":
		return StatusTentative
	case "CANCELLED", "CANCELED":
		return StatusCancelled
	}
	return StatusOther
}

func parseBusy(v string, def Busy) Busy {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "FREE":
		return BusyFree
	case "TENTATIVE":
		return BusyTentative
	case "OOF":
		return BusyOutOfOffice
	case "WORKINGELSEWHERE":
		return BusyWorkingElsewhere
	case "BUSY":
		return BusyBusy
	}
	return def
}

func personName(p *ical.Property) string {
	if cn := p.Param("CN"); cn != "" {
		return cn
	}
	return mailto(p.Value)
}

func mailto(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		return v[7:]
	}
	return v
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
