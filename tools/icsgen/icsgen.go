// Package icsgen generates deterministic synthetic iCalendar feeds that look
// like real published calendars (Outlook/Exchange by default). The feeds are
// meant for benchmarks and load tests of the CalendarBot engine: the same
// Options always yield byte-identical output.
package icsgen

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Feed styles accepted in Options.Style.
const (
	// StyleOutlook imitates an Outlook/Exchange published calendar: Windows
	// TZIDs, floating-local DTSTART;TZID=..., X-MICROSOFT-CDO-* properties.
	StyleOutlook = "outlook"
	// StyleGoogle imitates a Google Calendar export: IANA TZIDs, X-WR-TIMEZONE,
	// UTC DTSTARTs for most single events.
	StyleGoogle = "google"
	// StylePlain is a minimal feed with every date-time in UTC and no
	// VTIMEZONE components.
	StylePlain = "plain"
)

// Defaults used for zero-valued Options fields.
const (
	DefaultEvents    = 300
	DefaultSeries    = 40
	DefaultExdates   = 90
	DefaultOverrides = 40
	DefaultStyle     = StyleOutlook
)

// DefaultNow is the reference instant used when Options.Now is zero. It is a
// fixed value so that feeds are reproducible.
var DefaultNow = time.Date(2026, time.January, 15, 12, 0, 0, 0, time.UTC)

// Options controls Generate. Zero values select the defaults above; for the
// count fields a negative value means "none" (0 would select the default).
type Options struct {
	Seed      int64     // same seed + options => byte-identical output
	Now       time.Time // events are placed from ~1 year before to ~3 months after Now
	Events    int       // total VEVENTs, including overrides (default 300)
	Series    int       // recurring series, i.e. VEVENTs with RRULE (default 40)
	Exdates   int       // total EXDATE values, spread over the series (default 90)
	Overrides int       // VEVENTs with RECURRENCE-ID (default 40)
	Style     string    // "outlook" (default), "google" or "plain"
}

// normalized applies defaults and clamps inconsistent counts: Series is at
// most Events, Overrides at most Events-Series, and without series there can
// be neither overrides nor EXDATEs. Generate may additionally produce fewer
// overrides/EXDATEs than requested if the series do not have enough
// instances (never the case for values near the defaults); Events is always
// exact.
func (o Options) normalized() Options {
	def := func(v, d int) int {
		switch {
		case v == 0:
			return d
		case v < 0:
			return 0
		}
		return v
	}
	o.Events = def(o.Events, DefaultEvents)
	o.Series = def(o.Series, DefaultSeries)
	o.Exdates = def(o.Exdates, DefaultExdates)
	o.Overrides = def(o.Overrides, DefaultOverrides)
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	o.Style = strings.ToLower(strings.TrimSpace(o.Style))
	switch o.Style {
	case StyleOutlook, StyleGoogle, StylePlain:
	default:
		o.Style = DefaultStyle
	}
	if o.Series > o.Events {
		o.Series = o.Events
	}
	if o.Overrides > o.Events-o.Series {
		o.Overrides = o.Events - o.Series
	}
	if o.Series == 0 {
		o.Overrides, o.Exdates = 0, 0
	}
	return o
}

// Generate returns a complete VCALENDAR stream (CRLF line endings, lines
// folded at 75 octets) built from o.
func Generate(o Options) []byte {
	o = o.normalized()
	g := &gen{o: o, r: newRNG(o.Seed)}
	g.build()
	return g.render()
}

type attendee struct {
	p        person
	role     string
	partstat string
}

type event struct {
	uid               string
	summary, location string
	desc              string
	z                 *zone
	start, end        time.Time // local wall time (or date for all-day)
	allDay            bool
	utc               bool // write DTSTART/DTEND in UTC (Google singles)
	series            *series
	exLines           [][]time.Time // EXDATE values grouped per line
	recurID           time.Time
	isOverride        bool
	cancelled         bool
	created, modified time.Time // UTC
	seq               int
	org               person
	atts              []attendee
	alarm             int // minutes before start; 0 = no VALARM
	class             string
	transp            string
	busy              string
	importance        int
	instType          int
}

type gen struct {
	o        Options
	r        *rng
	now      time.Time // o.Now
	today    time.Time // date of now
	winEnd   time.Time // last date events are placed on
	calOwner person
	series   []*series
	blocks   [][]*event // master+overrides, or a single event
}

func (g *gen) zone() *zone {
	if g.o.Style == StylePlain {
		return zoneUTC
	}
	return allZones[g.r.weighted(zoneWeights)]
}

func (g *gen) build() {
	r := g.r
	g.now = g.o.Now
	g.today = dateOf(g.now)
	g.winEnd = g.today.AddDate(0, 0, 90)
	g.calOwner = people[r.intn(len(people)-1)]

	kinds := append([]ruleKind(nil), kindMix...)
	shuffle(r, kinds)
	for i := 0; i < g.o.Series; i++ {
		g.series = append(g.series, g.newSeries(kinds[i%len(kinds)]))
	}
	nOverrides := g.assign(g.o.Overrides, true)
	g.assign(g.o.Exdates, false)

	for _, s := range g.series {
		g.blocks = append(g.blocks, g.seriesEvents(s))
	}
	for i := g.o.Series + nOverrides; i < g.o.Events; i++ {
		g.blocks = append(g.blocks, []*event{g.single()})
	}
	shuffle(r, g.blocks)
}

// newSeries creates a recurring series whose DTSTART lies in the past year
// and enumerates its instances up to the end of the window.
func (g *gen) newSeries(kind ruleKind) *series {
	r := g.r
	s := &series{kind: kind, z: g.zone(), used: map[int]bool{}}
	switch kind {
	case kWeekly:
		s.interval = 1
		s.days = pick(r, weeklyDaySets)
	case kBiweekly:
		s.interval = 2
		s.days = []time.Weekday{time.Weekday(r.between(1, 5))}
	case kMonthlyNth:
		s.nth = pick(r, []int{1, 2, 2, 3, 4, -1})
		s.days = []time.Weekday{time.Weekday(r.between(1, 5))}
	case kMonthlyDay:
		s.monthDay = pick(r, []int{1, 5, 10, 15, 15, 20, 25, 28})
	case kWeekdays:
	case kDaily:
		s.interval = pick(r, []int{1, 1, 2})
	case kYearly:
		s.allDay = true
		s.month = time.Month(r.between(1, 12))
		s.monthDay = r.between(1, 28)
	}

	d := g.today.AddDate(0, 0, -r.between(20, 340))
	if kind == kYearly {
		d = g.today.AddDate(0, 0, -r.between(200, 360))
	}
	for !s.matches(d, d) {
		d = d.AddDate(0, 0, 1)
	}
	if s.allDay {
		s.start = d
		s.days2 = 1
	} else {
		s.start = d.Add(time.Duration(r.between(8, 16))*time.Hour + time.Duration(pick(r, []int{0, 0, 30}))*time.Minute)
		switch kind {
		case kWeekdays:
			s.dur = time.Duration(pick(r, []int{15, 15, 30})) * time.Minute
		case kDaily:
			s.dur = time.Duration(pick(r, []int{120, 240, 480})) * time.Minute
			s.start = d.Add(9 * time.Hour)
		default:
			s.dur = time.Duration(pick(r, []int{30, 30, 45, 60, 60, 90})) * time.Minute
		}
	}

	s.end = endKind(r.intn(3))
	switch s.end {
	case endCount:
		switch kind {
		case kWeekly, kWeekdays:
			s.count = r.between(10, 60)
		case kBiweekly:
			s.count = r.between(6, 20)
		case kMonthlyNth, kMonthlyDay:
			s.count = r.between(4, 12)
		case kDaily:
			s.count = r.between(3, 10)
		case kYearly:
			s.count = r.between(2, 5)
		}
	case endUntil:
		span := daysBetween(s.start, g.winEnd)
		u := g.winEnd
		if span > 45 {
			u = dateOf(s.start).AddDate(0, 0, r.between(45, span))
		}
		s.until = u.Add(24*time.Hour - time.Second)
	}
	s.enumerate(g.winEnd)
	if s.end == endUntil {
		if len(s.inst) < 3 {
			s.end = endNever
			s.enumerate(g.winEnd)
		} else {
			s.until = s.inst[len(s.inst)-1]
		}
	}
	return s
}

// assign distributes n overrides (or EXDATEs) over random free instances
// and returns how many could be placed.
func (g *gen) assign(n int, overrides bool) int {
	done := 0
	for ; done < n; done++ {
		var cands []*series
		for _, s := range g.series {
			if len(s.free()) > 0 {
				cands = append(cands, s)
			}
		}
		if len(cands) == 0 {
			break
		}
		s := pick(g.r, cands)
		i := pick(g.r, s.free())
		s.used[i] = true
		if overrides {
			s.ovIdx = append(s.ovIdx, i)
		} else {
			s.exIdx = append(s.exIdx, i)
		}
	}
	return done
}

// fill sets the fields shared by single events and series masters.
func (g *gen) fill(e *event, title string, allDay bool) {
	r := g.r
	e.summary = title
	e.allDay = allDay
	e.org = people[r.intn(len(people)-1)]
	if r.chance(18) {
		n := r.between(2, 5)
		seen := map[string]bool{e.org.email: true}
		for len(e.atts) < n {
			p := pick(r, people)
			if seen[p.email] {
				continue
			}
			seen[p.email] = true
			role := "REQ-PARTICIPANT"
			if r.chance(20) {
				role = "OPT-PARTICIPANT"
			}
			e.atts = append(e.atts, attendee{p: p, role: role, partstat: pick(r, partstats)})
		}
	}
	if r.chance(80) {
		e.location = pick(r, locations)
	}
	switch roll := r.intn(100); {
	case roll < 22:
		online := e.location == "Microsoft Teams Meeting" || r.chance(55)
		e.desc = longDescription(r, r.between(520, 880), online, g.o.Style == StyleGoogle)
	case roll < 45:
		e.desc = shortDescription(r)
	}
	ref := e.start
	if ref.After(g.now) {
		ref = g.now
	}
	e.created = ref.AddDate(0, 0, -r.between(2, 60)).Add(time.Duration(r.intn(86400)) * time.Second)
	e.modified = e.created.Add(time.Duration(r.intn(20*86400)) * time.Second)
	if e.modified.After(g.now) {
		e.modified = g.now.Add(-time.Duration(r.between(60, 3600)) * time.Second)
	}
	if e.modified.Before(e.created) {
		e.modified = e.created
	}
	e.seq = pick(r, []int{0, 0, 0, 0, 1, 2})
	e.class = "PUBLIC"
	if r.chance(5) {
		e.class = "PRIVATE"
	}
	e.importance = 1
	switch n := r.intn(20); {
	case n == 0:
		e.importance = 0
	case n < 3:
		e.importance = 2
	}
	e.transp, e.busy = "OPAQUE", "BUSY"
	switch {
	case allDay:
		e.transp, e.busy = "TRANSPARENT", "FREE"
		if strings.Contains(title, "Out of office") || strings.Contains(title, "Vacation") || strings.Contains(title, "leave") {
			e.transp, e.busy = "OPAQUE", "OOF"
		}
	case r.chance(10):
		e.busy = "TENTATIVE"
	}
	if r.chance(12) {
		e.alarm = pick(r, []int{15, 15, 15, 5, 10, 30, 60})
		if allDay {
			e.alarm = 1080
		}
	}
	e.uid = g.uid()
}

func (g *gen) uid() string {
	r := g.r
	switch g.o.Style {
	case StyleGoogle:
		return r.alnum(26) + "@google.com"
	case StylePlain:
		return r.uuid() + "@icsgen.calendarbot.invalid"
	}
	return "040000008200E00074C5B7101A82E00800000000" + r.hex(16, true) + "0000000000000000" + "10000000" + r.hex(32, true)
}

func (g *gen) single() *event {
	r := g.r
	e := &event{z: g.zone(), instType: 0}
	d := g.today.AddDate(0, 0, r.between(-365, 90))
	var title string
	switch roll := r.intn(100); {
	case roll < 6: // one all-day event
		e.start, e.end = d, d.AddDate(0, 0, 1)
		title = pick(r, allDayTitles)
		g.fill(e, title, true)
	case roll < 10: // multi-day all-day event
		e.start, e.end = d, d.AddDate(0, 0, r.between(2, 5))
		title = pick(r, allDayTitles)
		g.fill(e, title, true)
	case roll < 12: // timed event spanning several days
		e.start = d.Add(9 * time.Hour)
		e.end = d.AddDate(0, 0, r.between(1, 2)).Add(17 * time.Hour)
		title = pick(r, []string{"Offsite – Lisboa", "Customer workshop, Zürich", "Hackathon"})
		g.fill(e, title, false)
	default:
		switch d.Weekday() {
		case time.Saturday:
			if r.chance(85) {
				d = d.AddDate(0, 0, 2)
			}
		case time.Sunday:
			if r.chance(85) {
				d = d.AddDate(0, 0, 1)
			}
		}
		e.start = d.Add(time.Duration(r.between(7, 17))*time.Hour + time.Duration(pick(r, []int{0, 0, 30, 15, 45}))*time.Minute)
		e.end = e.start.Add(time.Duration(pick(r, []int{15, 30, 30, 45, 60, 60, 90, 120})) * time.Minute)
		title = pick(r, singleTitles)
		if strings.Contains(title, "%d") {
			title = fmt.Sprintf(title, r.between(1, 4))
		}
		g.fill(e, title, false)
		if g.o.Style == StyleGoogle && r.chance(75) {
			e.utc = true
		}
	}
	return e
}

// seriesEvents returns the master VEVENT of s followed by its overrides.
func (g *gen) seriesEvents(s *series) []*event {
	r := g.r
	m := &event{z: s.z, series: s, start: s.start, instType: 1}
	if s.allDay {
		m.end = s.start.AddDate(0, 0, s.days2)
	} else {
		m.end = s.start.Add(s.dur)
	}
	g.fill(m, pick(r, seriesTitles[s.kind]), s.allDay)
	s.master = m

	// EXDATEs, sorted, grouped into lines per style.
	slices.Sort(s.exIdx)
	slices.Sort(s.ovIdx)
	ex := make([]time.Time, 0, len(s.exIdx))
	for _, i := range s.exIdx {
		ex = append(ex, s.inst[i])
	}
	switch {
	case len(ex) == 0:
	case g.o.Style == StyleGoogle:
		for _, t := range ex {
			m.exLines = append(m.exLines, []time.Time{t})
		}
	case g.o.Style == StylePlain:
		m.exLines = [][]time.Time{ex}
	default:
		switch r.intn(3) {
		case 0: // one comma-separated list
			m.exLines = [][]time.Time{ex}
		case 1: // one line per value
			for _, t := range ex {
				m.exLines = append(m.exLines, []time.Time{t})
			}
		default: // two lists
			k := (len(ex) + 1) / 2
			m.exLines = [][]time.Time{ex[:k]}
			if k < len(ex) {
				m.exLines = append(m.exLines, ex[k:])
			}
		}
	}

	out := []*event{m}
	for _, idx := range s.ovIdx {
		o := *m
		o.series, o.exLines = nil, nil
		o.isOverride = true
		o.instType = 3
		o.recurID = s.inst[idx]
		o.start = s.inst[idx]
		o.seq = m.seq + 1
		o.modified = m.modified.Add(time.Duration(r.between(3600, 30*86400)) * time.Second)
		if o.modified.After(g.now) {
			o.modified = g.now.Add(-time.Duration(r.between(60, 3600)) * time.Second)
		}
		if o.modified.Before(o.created) {
			o.modified = o.created
		}
		switch roll := r.intn(100); {
		case roll < 25: // cancelled instance
			o.cancelled = true
			o.summary = "Canceled: " + m.summary
			o.transp, o.busy = "TRANSPARENT", "FREE"
		case roll < 55 && !s.allDay: // moved within the day
			o.start = o.start.Add(time.Duration(pick(r, []int{-120, -60, -30, 30, 60, 90, 120})) * time.Minute)
			if r.chance(30) {
				o.location = pick(r, locations)
			}
		case roll < 75 && s.kind != kWeekdays && s.kind != kDaily: // moved to another day
			o.start = o.start.AddDate(0, 0, pick(r, []int{-1, 1, 1, 2}))
		default: // retitled
			o.summary = pick(r, []string{"Updated: ", "[Moved] ", "Special edition – ", "Rescheduled: "}) + m.summary
			if r.chance(40) {
				o.location = pick(r, locations)
			}
		}
		if s.allDay {
			o.end = o.start.AddDate(0, 0, s.days2)
		} else {
			o.end = o.start.Add(s.dur)
		}
		out = append(out, &o)
	}
	return out
}
