package calendar

import (
	"fmt"
	"sort"
	"time"

	"github.com/calendarbot/calendarbot/server/recur"
	"github.com/calendarbot/calendarbot/server/tz"
)

// Occurrence is one instance of an event in a window.
type Occurrence struct {
	UID    string
	HasUID bool
	// InSeries is true for instances of a recurring series and for
	// overrides; RecurrenceID is then the instance's original start.
	InSeries     bool
	RecurrenceID time.Time // instant; for all-day series midnight UTC of the date
	// RIDDate is true when RecurrenceID is a date: the series is all-day.
	RIDDate bool
	// Start and End are instants in the event's own zone. For all-day
	// events they are midnight of the local dates in the display zone and
	// End is exclusive.
	Start, End time.Time
	AllDay     bool
	// Calendar is the name of the feed the occurrence came from.
	Calendar string
	*Details
}

// ID is the occurrence's stable identifier: the UID, and for instances of
// a series "_" plus the original start in UTC (YYYYMMDDTHHMMSS), so that it
// survives refreshes and restarts.
func (o *Occurrence) ID() string {
	if !o.InSeries {
		return o.UID
	}
	// One allocation (the API asks for the IDs of every meeting it shows).
	var buf [96]byte
	b := append(buf[:0], o.UID...)
	b = append(b, '_')
	u := o.RecurrenceID.UTC()
	y, mo, d := u.Date()
	h, mi, sec := u.Clock()
	if y < 0 || y > 9999 {
		b = u.AppendFormat(b, "20060102T150405")
	} else {
		b = append2(append2(b, y/100), y%100)
		b = append2(append2(b, int(mo)), d)
		b = append(b, 'T')
		b = append2(append2(append2(b, h), mi), sec)
	}
	return string(b)
}

// append2 appends v (0-99) as two digits.
func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// Limits bound the work one expansion may do, so that a hostile rule
// (FREQ=SECONDLY with no end, a rule that never matches) cannot hang the
// server or exhaust its memory.
type Limits struct {
	// MaxPerSeries caps the instances of one series in the window.
	MaxPerSeries int
	// MaxTotal caps the occurrences of the whole expansion (an occurrence
	// costs ~150 bytes: 100,000 is 15 MB, the server's whole budget).
	MaxTotal int
	// Budget caps the wall time of the whole expansion.
	Budget time.Duration
}

// DefaultLimits are generous for real calendars (decades of daily
// meetings, a fortnight of a minutely reminder) and bound hostile ones.
var DefaultLimits = Limits{MaxPerSeries: 25_000, MaxTotal: 100_000, Budget: 2 * time.Second}

// series is every VEVENT of one UID in a feed: at most one master and one
// override per instance.
type series struct {
	uid       string
	hasUID    bool
	master    *vevent
	overrides []*vevent
	allDay    bool
	recurring bool
	maxDur    time.Duration // longest instance, to widen the window
	maxShift  time.Duration // largest THISANDFUTURE move
}

// group builds series from decoded events. Events without a UID are never
// merged with anything. Among copies of one master, or of one override of
// the same instance, the highest SEQUENCE wins and the first in the file on
// ties, as calendar clients apply updates.
func group(events []*vevent) []*series {
	byUID := make(map[string]*series, len(events))
	var out []*series
	get := func(ev *vevent) *series {
		if ev.uid == "" {
			s := &series{}
			out = append(out, s)
			return s
		}
		s := byUID[ev.uid]
		if s == nil {
			s = &series{uid: ev.uid, hasUID: true}
			byUID[ev.uid] = s
			out = append(out, s)
		}
		return s
	}
	for _, ev := range events {
		s := get(ev)
		if !ev.hasRID {
			if s.master == nil || ev.seq > s.master.seq {
				s.master = ev
			}
			continue
		}
		replaced := false
		for i, o := range s.overrides {
			if sameRID(o, ev) {
				if ev.seq > o.seq {
					s.overrides[i] = ev
				}
				replaced = true
				break
			}
		}
		if !replaced {
			s.overrides = append(s.overrides, ev)
		}
	}
	for _, s := range out {
		s.finish()
	}
	return out
}

func sameRID(a, b *vevent) bool {
	return sameInstance(a.rid, b.rid, false)
}

// sameInstance reports whether two recurrence points (RECURRENCE-ID,
// EXDATE, an instance's original start) name the same instance: by
// calendar date when either is a DATE or the series is all-day (byDate),
// otherwise as instants. It is the one rule overrides, EXDATEs and
// duplicate overrides are matched by.
func sameInstance(a, b stamp, byDate bool) bool {
	if byDate || a.date || b.date {
		return sameDate(a.wall, b.wall)
	}
	return a.instant().Equal(b.instant())
}

// finish derives what expansion needs once all events are grouped.
func (s *series) finish() {
	m := s.master
	if m != nil {
		s.recurring = len(m.rules) > 0 || len(m.rdates) > 0
		s.allDay = m.start.date
		// An override that carries its own RRULE, is older than the master
		// and names an instance the master no longer produces describes a
		// series the master has since replaced (python-recurring-ical-events
		// issue 253): drop it. See docs/RECURRENCE.md.
		kept := s.overrides[:0]
		for _, o := range s.overrides {
			if len(o.rules) > 0 && o.seq < m.seq && !m.produces(o.rid) {
				continue
			}
			kept = append(kept, o)
		}
		s.overrides = kept
		s.maxDur = m.duration()
		for _, rd := range m.rdates {
			if rd.hasEnd {
				s.maxDur = max(s.maxDur, rd.end.instant().Sub(rd.start.instant()))
			} else if rd.hasDur {
				s.maxDur = max(s.maxDur, rd.dur)
			}
		}
	}
	for _, o := range s.overrides {
		s.maxDur = max(s.maxDur, o.duration())
		if o.future {
			d := o.start.instant().Sub(o.rid.instant())
			s.maxShift = max(s.maxShift, d, -d)
		}
	}
}

// duration is how long the event's instances last, measured the way the
// reference does: on the wall clock when DTSTART and DTEND share a zone, as
// elapsed time otherwise.
func (ev *vevent) duration() time.Duration {
	switch {
	case ev.hasEnd:
		if ev.start.loc == ev.end.loc || ev.start.date {
			return ev.end.wall.Sub(ev.start.wall)
		}
		return ev.end.instant().Sub(ev.start.instant())
	case ev.hasDur:
		return ev.dur
	case ev.start.date:
		return 24 * time.Hour
	}
	return 0
}

// Expand lists every occurrence overlapping [from, to): start < to and
// end > from, or for zero-length ones from <= start < to. Cancelled
// instances are listed with StatusCancelled; callers decide whether to show
// them. The result is sorted by start, then UID, then recurrence ID.
func (c *Calendar) Expand(from, to time.Time, lim Limits) ([]Occurrence, []Problem) {
	x := expander{from: from, to: to, lim: lim, floating: c.floating}
	if lim.Budget > 0 {
		x.deadline = time.Now().Add(lim.Budget)
	}
	for i, s := range c.series {
		if x.full() {
			x.probs = append(x.probs, Problem{Line: s.line(), Msg: fmt.Sprintf("expansion limit reached (%d occurrences or %v): %d of %d events not expanded",
				lim.MaxTotal, lim.Budget, len(c.series)-i, len(c.series))})
			break
		}
		x.series(s)
	}
	SortOccurrences(x.out)
	return x.out, x.probs
}

// SortOccurrences orders occurrences by start instant, UID and recurrence ID.
func SortOccurrences(occ []Occurrence) {
	sort.SliceStable(occ, func(i, j int) bool {
		a, b := &occ[i], &occ[j]
		if c := a.Start.Compare(b.Start); c != 0 {
			return c < 0
		}
		if a.UID != b.UID {
			return a.UID < b.UID
		}
		return ridKey(a) < ridKey(b)
	})
}

func ridKey(o *Occurrence) string {
	if !o.InSeries {
		return ""
	}
	if o.RIDDate {
		return o.RecurrenceID.Format("2006-01-02")
	}
	return o.RecurrenceID.UTC().Format("2006-01-02T15:04:05Z")
}

type expander struct {
	from, to time.Time
	lim      Limits
	deadline time.Time
	floating *time.Location
	out      []Occurrence
	probs    []Problem
}

// full reports whether the expansion must stop: out of time or at MaxTotal.
func (x *expander) full() bool {
	if x.lim.MaxTotal > 0 && len(x.out) >= x.lim.MaxTotal {
		return true
	}
	return !x.deadline.IsZero() && time.Now().After(x.deadline)
}

func (s *series) line() int {
	if s.master != nil {
		return s.master.line
	}
	if len(s.overrides) > 0 {
		return s.overrides[0].line
	}
	return 0
}

// overlaps applies the window rule.
func (x *expander) overlaps(start, end time.Time) bool {
	if start.Equal(end) {
		return !start.Before(x.from) && start.Before(x.to)
	}
	return start.Before(x.to) && end.After(x.from)
}

func (x *expander) series(s *series) {
	m := s.master
	for _, o := range s.overrides {
		if m != nil && m.excluded(o.rid, s.allDay) {
			continue
		}
		x.emitEvent(s, o, o.start, o.end, o.hasEnd, o.duration(), o.rid, true)
	}
	if m == nil {
		return
	}
	if !s.recurring && len(s.overrides) == 0 {
		x.emitEvent(s, m, m.start, m.end, m.hasEnd, m.duration(), stamp{}, false)
		return
	}
	x.instances(s)
}

// emitEvent lists one concrete VEVENT (a single event, an override, or the
// DTSTART instance of a series) when it overlaps the window.
func (x *expander) emitEvent(s *series, ev *vevent, start, end stamp, hasEnd bool, dur time.Duration, rid stamp, inSeries bool) {
	o := Occurrence{UID: s.uid, HasUID: s.hasUID, InSeries: inSeries || s.recurring, AllDay: start.date, Details: ev.details}
	o.Start = start.instant()
	switch {
	case start.date:
		o.End = instantIn(start.wall.Add(dur.Truncate(24*time.Hour)), start.loc)
	case hasEnd:
		o.End = end.instant()
	default:
		// Durations run on the wall clock from the start as it really
		// is: a start moved forward out of a DST gap keeps its length.
		o.End = instantIn(wallOf(o.Start, start.loc).Add(dur), start.loc)
	}
	if !x.overlaps(o.Start, o.End) {
		return
	}
	if o.InSeries {
		if rid.loc == nil {
			rid = start
		}
		o.RecurrenceID = ridInstant(rid, s.allDay)
		o.RIDDate = s.allDay || rid.date
	}
	x.out = append(x.out, o)
}

// ridInstant is the value reported as an instance's recurrence ID: the
// original start instant, or for all-day series its date (a DATE-TIME
// RECURRENCE-ID on an all-day series, as Outlook writes them, means its date).
func ridInstant(rid stamp, allDaySeries bool) time.Time {
	if allDaySeries || rid.date {
		w := rid.wall
		return time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, time.UTC)
	}
	return rid.instant()
}

// excluded reports whether an EXDATE removes the instance originally at rid.
func (m *vevent) excluded(rid stamp, allDay bool) bool {
	for _, ex := range m.exdates {
		if sameInstance(ex, rid, allDay) {
			return true
		}
	}
	return false
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// instance is one original start of a series, before overrides apply.
type instance struct {
	wall   time.Time // wall clock in the master's zone
	own    stamp     // an RDATE as written: listed in its own zone, as the references do
	hasOwn bool
	end    stamp // an RDATE PERIOD's own end
	hasEnd bool
	dur    time.Duration
	hasDur bool
}

// instances expands the master's DTSTART, RRULEs and RDATEs and lists every
// instance that no override replaces and no EXDATE removes.
func (x *expander) instances(s *series) {
	m := s.master
	loc := m.start.loc
	// Instances starting before from-margin end before the window, those
	// after to+margin start after it; 3h covers any DST jump between the
	// wall clock and the instant.
	margin := s.maxDur + s.maxShift + 3*time.Hour
	startWall := tz.Wall(x.from.Add(-margin), loc)
	stopWall := tz.Wall(x.to.Add(margin), loc)

	var list []instance
	if m.startIsInstance() {
		list = append(list, instance{wall: m.start.wall})
	}
	for _, rule := range m.rules {
		until := untilWall(rule, m.start)
		lim := recur.Limits{Start: startWall, Stop: stopWall, Deadline: x.deadline}
		if rule.Count > 0 {
			lim.Start = time.Time{} // COUNT needs every instance from DTSTART
		}
		it := rule.Iter(m.start.wall, until, lim)
		n := 0
		for w, ok := it.Next(); ok; w, ok = it.Next() {
			if w.Before(startWall) {
				continue
			}
			if n++; x.lim.MaxPerSeries > 0 && n > x.lim.MaxPerSeries || x.lim.MaxTotal > 0 && len(list)+len(x.out) >= x.lim.MaxTotal {
				x.probs = append(x.probs, Problem{Line: m.line, Msg: "series " + clip(s.uid, 60) + " has too many instances in the window: truncated"})
				break
			}
			list = append(list, instance{wall: w})
		}
		if err := it.Err(); err != nil {
			x.probs = append(x.probs, Problem{Line: m.line, Msg: "series " + clip(s.uid, 60) + ": expansion stopped: " + err.Error()})
		}
	}
	for _, rd := range m.rdates {
		in := instance{wall: toFrame(rd.start, m.start), own: rd.start, hasOwn: !m.start.date, end: rd.end, hasEnd: rd.hasEnd, dur: rd.dur, hasDur: rd.hasDur}
		list = append(list, in)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].wall.Before(list[j].wall) })

	dur := m.duration()
	var prev, prevInstant time.Time
	for i, in := range list {
		if i > 0 && in.wall.Equal(prev) {
			continue // an RDATE or a second RRULE repeating an instance
		}
		prev = in.wall
		rid := stamp{wall: in.wall, loc: loc, date: m.start.date, float: m.start.float}
		if in.wall.Before(startWall) || in.wall.After(stopWall) {
			continue
		}
		// A wall time in a DST gap is read with the offset before the gap
		// (RFC 5545 3.3.5), which can land on the next wall time's instant:
		// an HOURLY rule's 02:00 and 03:00 on a spring-forward day. RFC 5545
		// 3.3.10 ignores non-existent instances; keeping the first and
		// dropping the repeat lists what calendar clients show (a daily
		// 02:30 meeting at 03:30) without ever listing an instant twice.
		if !s.allDay {
			inst := rid.instant()
			if inst.Equal(prevInstant) {
				continue
			}
			prevInstant = inst
		}
		if m.excluded(rid, s.allDay) || s.overridden(rid) {
			continue
		}
		ev, start, d := m, rid, dur
		if in.hasOwn {
			start = in.own
		}
		switch {
		case in.hasEnd:
			d = in.end.instant().Sub(rid.instant())
		case in.hasDur:
			d = in.dur
		}
		if o := s.futureOverride(rid); o != nil {
			ev = o
			start = stamp{wall: in.wall.Add(o.start.wall.Sub(o.rid.wall)), loc: o.start.loc, date: o.start.date, float: o.start.float}
			if o.start.loc != loc {
				start.wall = tz.Wall(rid.instant().Add(o.start.instant().Sub(o.rid.instant())), o.start.loc)
			}
			d = o.duration()
		}
		if ev == m && in.wall.Equal(m.start.wall) && m.hasEnd && !in.hasEnd && !in.hasDur {
			x.emitEvent(s, m, m.start, m.end, true, d, rid, true)
		} else {
			x.emitEvent(s, ev, start, stamp{}, false, d, rid, true)
		}
	}
}

// overridden reports whether an override replaces the instance at rid.
func (s *series) overridden(rid stamp) bool {
	for _, o := range s.overrides {
		if sameInstance(o.rid, rid, s.allDay) {
			return true
		}
	}
	return false
}

// futureOverride returns the latest RANGE=THISANDFUTURE override at or
// before the instance, which then takes the override's shift and details.
func (s *series) futureOverride(rid stamp) *vevent {
	var best *vevent
	at := rid.instant()
	for _, o := range s.overrides {
		if !o.future {
			continue
		}
		if r := o.rid.instant(); !r.After(at) && (best == nil || r.After(best.rid.instant())) {
			best = o
		}
	}
	return best
}

// untilWall converts a rule's UNTIL into the wall-clock frame of DTSTART.
func untilWall(rule *recur.Rule, start stamp) time.Time {
	switch rule.UntilKind {
	case recur.UntilUTC:
		if start.date {
			return allDayUntil(rule.Until, start.loc)
		}
		return tz.Wall(rule.Until, start.loc)
	case recur.UntilDate:
		// On a timed series (invalid by RFC 5545 3.3.10, common in feeds)
		// the date means its midnight, as python-dateutil reads it.
		return rule.Until
	case recur.UntilLocal:
		return rule.Until
	}
	return time.Time{}
}

// allDayUntil decides which dates a UTC UNTIL admits on an all-day series.
// Outlook writes the last instance's local midnight in UTC (the organiser's
// zone, e.g. 20200916T220000Z for 17 September in Berlin), which a strict
// comparison against midnight in the display zone would cut off. So an UNTIL
// that looks like a zone's midnight (a whole quarter hour) is read as the
// date of its nearest midnight: offsets from UTC-12 to UTC+12 map to the
// date the organiser meant. Other values (23:59:59Z) compare as instants.
// See docs/RECURRENCE.md.
func allDayUntil(u time.Time, loc *time.Location) time.Time {
	if u.Second() == 0 && u.Nanosecond() == 0 && u.Minute()%15 == 0 {
		d := u.Add(12 * time.Hour)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	}
	return tz.Wall(u, loc)
}

// startIsInstance reports whether DTSTART itself is listed: always, unless
// every RRULE ends (UNTIL) before it, which is how clients delete a series.
func (m *vevent) startIsInstance() bool {
	if len(m.rules) == 0 {
		return true
	}
	for _, rule := range m.rules {
		if u := untilWall(rule, m.start); u.IsZero() || !u.Before(m.start.wall) {
			return true
		}
	}
	return false
}

// produces reports whether the master's DTSTART, RRULEs or RDATEs generate
// an instance at rid. It iterates up to rid only, within the iterator's
// step limit, and is used for the rare overrides whose validity depends on it.
func (m *vevent) produces(rid stamp) bool {
	w := toFrame(rid, m.start)
	if w.Equal(m.start.wall) && m.startIsInstance() {
		return true
	}
	for _, rd := range m.rdates {
		if toFrame(rd.start, m.start).Equal(w) {
			return true
		}
	}
	for _, rule := range m.rules {
		lim := recur.Limits{Stop: w.Add(time.Second)} // Stop is exclusive
		if rule.Count == 0 {
			lim.Start = w.Add(-48 * time.Hour)
		}
		it := rule.Iter(m.start.wall, untilWall(rule, m.start), lim)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			if v.Equal(w) {
				return true
			}
			if v.After(w) {
				break
			}
		}
	}
	return false
}

// toFrame expresses an RDATE in the wall-clock frame of the series' DTSTART.
func toFrame(v, start stamp) time.Time {
	if start.date || v.date || v.loc == start.loc {
		return v.wall
	}
	return tz.Wall(v.instant(), start.loc)
}

// wallOf is tz.Wall with a fast path for UTC.
func wallOf(t time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return t.UTC()
	}
	return tz.Wall(t, loc)
}

// instantIn turns a wall-clock reading into an instant with RFC 5545's
// gap and fold rules.
func instantIn(wall time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return wall
	}
	return tz.Instant(wall, loc)
}
