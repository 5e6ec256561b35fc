package calendar

import (
	"sort"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/server/ical"
	"github.com/calendarbot/calendarbot/server/recur"
	"github.com/calendarbot/calendarbot/server/tz"
)

// zoneSet resolves the TZIDs of one feed. Precedence (the project's output
// contract): an exact IANA name or a CLDR-mapped Windows name uses tzdata,
// even when the feed ships a VTIMEZONE for it (feeds ship truncated ones);
// any other TZID uses the feed's own VTIMEZONE; then well-known prefixes are
// stripped and tzdata tried again; unknown zones are floating.
type zoneSet struct {
	defs     map[string]*ical.Component
	built    map[string]*time.Location
	reported map[string]bool
	probs    *ical.Problems
	names    tz.Resolver // IANA, Windows and fallback spellings; caches per feed
}

func newZoneSet(probs *ical.Problems) *zoneSet {
	return &zoneSet{probs: probs}
}

func (z *zoneSet) add(c *ical.Component) {
	p := c.Prop("TZID")
	if p == nil {
		z.probs.Add(c.Line, "VTIMEZONE without TZID: ignored")
		return
	}
	id := strings.TrimSpace(p.Value)
	if z.defs == nil {
		z.defs = make(map[string]*ical.Component)
	}
	if _, dup := z.defs[id]; !dup {
		z.defs[id] = c
	}
}

// resolve returns the zone for tzid.
func (z *zoneSet) resolve(tzid string) (*time.Location, bool) {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if tzid == "" {
		return nil, false
	}
	known, src := z.names.ResolveSource(tzid)
	if src == tz.IANA || src == tz.Windows {
		return known, true
	}
	if loc, ok := z.built[tzid]; ok {
		return loc, loc != nil
	}
	if def, ok := z.defs[tzid]; ok {
		loc, err := buildZone(tzid, def)
		if err != nil {
			z.probs.Add(def.Line, "VTIMEZONE %q unusable: %v", clip(tzid, 60), err)
		}
		if z.built == nil {
			z.built = make(map[string]*time.Location)
		}
		z.built[tzid] = loc
		if loc != nil {
			return loc, true
		}
	}
	return known, src != tz.Unresolved
}

// unknown reports a TZID that resolves to nothing, once per feed.
func (z *zoneSet) unknown(tzid string, line int) {
	if z.reported[tzid] {
		return
	}
	if z.reported == nil {
		z.reported = make(map[string]bool)
	}
	z.reported[tzid] = true
	z.probs.Add(line, "unknown time zone %q: times read as floating", clip(tzid, 60))
}

// Range of years a VTIMEZONE's rules are evaluated over. Before the first
// onset the zone keeps the first observance's TZOFFSETFROM; after the last,
// the last offset persists, which is right for zones that stopped changing.
const (
	zoneFirstYear = 1900
	zoneLastYear  = 2100
)

// buildZone evaluates a VTIMEZONE's STANDARD/DAYLIGHT observances (DTSTART,
// RRULE, RDATE, TZOFFSETFROM/TO) into transitions and builds a location.
func buildZone(tzid string, def *ical.Component) (*time.Location, error) {
	type onset struct {
		at   time.Time
		from int
	}
	var (
		trans     []tz.Transition
		first     onset
		haveFirst bool
	)
	stop := time.Date(zoneLastYear, 12, 31, 23, 59, 59, 0, time.UTC)
	start := time.Date(zoneFirstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, obs := range def.Children {
		if obs.Name != "STANDARD" && obs.Name != "DAYLIGHT" {
			continue
		}
		var (
			dtstart  ical.DateTime
			from, to int
			name     string
			haveFrom bool
			haveTo   bool
			haveDT   bool
			rules    []*recur.Rule
			rdates   []time.Time
		)
		for i := range obs.Props {
			p := &obs.Props[i]
			var err error
			switch p.Name {
			case "DTSTART":
				dtstart, err = ical.ParseDateTime(p.Value)
				haveDT = err == nil
			case "TZOFFSETFROM":
				from, err = ical.ParseUTCOffset(p.Value)
				haveFrom = err == nil
			case "TZOFFSETTO":
				to, err = ical.ParseUTCOffset(p.Value)
				haveTo = err == nil
			case "TZNAME":
				name = strings.TrimSpace(p.Value)
			case "RRULE":
				if r, err := recur.ParseRule(p.Value); err == nil {
					rules = append(rules, r)
				}
			case "RDATE":
				for _, v := range ical.SplitList(p.Value) {
					if d, err := ical.ParseDateTime(v); err == nil {
						rdates = append(rdates, d.Wall)
					}
				}
			}
		}
		if !haveDT || !haveTo {
			continue
		}
		if !haveFrom {
			from = to
		}
		dst := obs.Name == "DAYLIGHT"
		// Onsets are wall-clock readings in the offset before the change.
		addOnset := func(wall time.Time) {
			at := wall.Add(-time.Duration(from) * time.Second)
			trans = append(trans, tz.Transition{At: at, Offset: to, Name: name, DST: dst})
			if !haveFirst || at.Before(first.at) {
				first, haveFirst = onset{at: at, from: from}, true
			}
		}
		addOnset(dtstart.Wall)
		for _, w := range rdates {
			addOnset(w)
		}
		for _, rule := range rules {
			until := time.Time{}
			if rule.UntilKind == recur.UntilUTC {
				until = rule.Until.Add(time.Duration(from) * time.Second)
			} else if rule.UntilKind != recur.UntilNone {
				until = rule.Until
			}
			it := rule.Iter(dtstart.Wall, until, recur.Limits{Start: start, Stop: stop, MaxSteps: 10000})
			for w, ok := it.Next(); ok; w, ok = it.Next() {
				addOnset(w)
			}
		}
	}
	if !haveFirst {
		return nil, errNoObservance
	}
	sort.Slice(trans, func(i, j int) bool { return trans[i].At.Before(trans[j].At) })
	return tz.FromTransitions(tzid, first.from, "", trans)
}

type zoneError string

func (e zoneError) Error() string { return string(e) }

const errNoObservance = zoneError("no STANDARD or DAYLIGHT with DTSTART and TZOFFSETTO")
