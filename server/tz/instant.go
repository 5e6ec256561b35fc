package tz

import (
	"math"
	"time"
)

// window is the largest distance between a wall-clock reading taken as
// UTC and the instant it denotes: every UTC offset Instant supports is
// smaller. It covers the tz database (offsets under 16 hours) and every
// zone FromTransitions builds (MaxOffset).
const window = MaxOffset + 1

// Instant interprets wall as a local time in loc and returns the instant
// it denotes, in loc, following RFC 5545 section 3.3.5. Only wall's clock
// reading matters (year, month, day, hour, minute, second, nanosecond as
// seen in wall's own Location); its Location is otherwise ignored.
//
//   - A wall time that does not exist because it falls in a gap (spring
//     forward) is taken with the UTC offset in effect before the gap, so
//     it lands as far after the gap's end as it was after its start:
//     02:30 on 2025-03-09 in America/Los_Angeles is 03:30 PDT (-07:00).
//   - A wall time that occurs twice (fall back) means its first
//     occurrence, the earlier instant with the pre-transition offset:
//     01:30 on 2025-11-02 in America/Los_Angeles is 01:30 PDT (-07:00).
//
// The answer is computed from the zone's offsets rather than taken from
// time.Date, whose choice in these cases is documented as unspecified.
// It does not allocate. For locations from LoadIANA (or Resolver) it uses
// a per-zone table of offset changes and costs one binary search when no
// transition is within about a day of wall, which is nearly always; for
// other locations it costs two of Go's zone lookups in that case. Zones with
// offsets of MaxOffset or more (possible only with hand-made TZif data)
// are not supported. Instant panics if loc is nil, as time.Time.In does.
func Instant(wall time.Time, loc *time.Location) time.Time {
	if loc == nil {
		panic("tz: Instant called with nil Location")
	}
	_, woff := wall.Zone()
	local := wall.Unix() + int64(woff) // the wall reading, counted as if UTC
	ns := int64(wall.Nanosecond())
	if loc == time.UTC {
		return time.Unix(local, ns).UTC()
	}
	if local < math.MinInt64/2 || local > math.MaxInt64/2 {
		// Far outside any zone's transitions; avoid overflow below.
		_, off, _, _ := period(local, loc)
		return time.Unix(local-int64(off), ns).In(loc)
	}
	if t := tableFor(loc); t != nil && t.covers(local+window) {
		return time.Unix(t.instant(local), ns).In(loc)
	}
	// Every instant t with t + offset(t) == local lies within window of
	// local. If one zone period covers that whole range, its offset is the
	// only candidate and it is consistent.
	_, off, start, end := period(local, loc)
	if start <= local-window && local+window < end {
		return time.Unix(local-int64(off), ns).In(loc)
	}
	return time.Unix(instantSlow(local, loc), ns).In(loc)
}

// instantSlow walks the zone periods that overlap [local-window,
// local+window] in time order. A period [x, end) with offset off contains
// a consistent instant iff x <= local-off < end; the first such instant is
// the earliest, which is the RFC 5545 choice for repeated times. If no
// period has one, local is in a gap, and the offset of the last period
// that ended before local (in its own offset) is the one from before the
// gap.
func instantSlow(local int64, loc *time.Location) int64 {
	lo, hi := local-window, local+window
	x := lo
	gapOff := int64(0)
	haveGap := false
	for x <= hi {
		_, o, _, end := period(x, loc)
		off := int64(o)
		cand := local - off
		if x <= cand && cand < end {
			return cand
		}
		if cand >= end {
			gapOff, haveGap = off, true
		}
		x = end
	}
	if !haveGap {
		// Unreachable with offsets below window; be deterministic anyway.
		_, o, _, _ := period(local, loc)
		gapOff = int64(o)
	}
	return local - gapOff
}

// period returns the time at instant x in loc, the UTC offset in effect
// there, and the bounds [start, end) of the zone period containing x, with
// math.MinInt64 and math.MaxInt64 standing for unbounded. The bounds may
// be narrower than the true period (Go splits rule-based periods at year
// boundaries), never wider, so a period's offset is valid throughout.
func period(x int64, loc *time.Location) (t time.Time, off int, start, end int64) {
	t = time.Unix(x, 0).In(loc)
	_, off = t.Zone()
	s, e := t.ZoneBounds()
	start, end = math.MinInt64, math.MaxInt64
	if !s.IsZero() {
		start = s.Unix()
	}
	if !e.IsZero() {
		end = e.Unix()
	}
	if end <= x {
		// Go's TZ-string (tzset) lookups, used past the last explicit
		// transition, report an end at or before x throughout 31 December
		// (UTC) of leap years: the computed period ends "365 days after
		// the start of the year". The rules only change the offset at
		// their two yearly transitions, which never fall on that day in
		// the tz database, so the period runs at least to the next UTC
		// midnight.
		end = x - mod(x, 86400) + 86400
	}
	if start > x {
		start = x
	}
	return t, off, start, end
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// Wall returns t's wall-clock reading in loc as a time.Time in UTC whose
// fields are that reading (the frame recurrence expansion works in). It is
// the inverse of Instant except for wall times in gaps and the second
// occurrence of repeated wall times. Wall panics if loc is nil.
func Wall(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		panic("tz: Wall called with nil Location")
	}
	sec := t.Unix()
	return time.Unix(sec+int64(offsetAt(sec, loc)), int64(t.Nanosecond())).UTC()
}
