package icsgen

import (
	"fmt"
	"strings"
	"time"
)

type ruleKind int

const (
	kWeekly     ruleKind = iota // FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE
	kBiweekly                   // FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
	kMonthlyNth                 // FREQ=MONTHLY;BYDAY=2TU (or -1FR)
	kMonthlyDay                 // FREQ=MONTHLY;BYMONTHDAY=15
	kWeekdays                   // FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR
	kDaily                      // FREQ=DAILY;INTERVAL=n
	kYearly                     // FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=d (all-day)
)

// kindMix is the repeating pattern of rule kinds; it is shuffled per feed.
var kindMix = []ruleKind{kWeekly, kWeekly, kWeekly, kBiweekly, kBiweekly, kMonthlyNth, kMonthlyDay, kWeekdays, kWeekdays, kDaily, kYearly,
	kWeekly, kBiweekly, kMonthlyNth}

var dayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

var weeklyDaySets = [][]time.Weekday{
	{time.Monday, time.Wednesday},
	{time.Tuesday, time.Thursday},
	{time.Monday},
	{time.Wednesday},
	{time.Friday},
	{time.Monday, time.Wednesday, time.Friday},
	{time.Thursday},
}

type endKind int

const (
	endNever endKind = iota
	endCount
	endUntil
)

// series is a recurring event and everything needed to render its rule and
// to know which instances the rule produces.
type series struct {
	kind     ruleKind
	interval int
	days     []time.Weekday
	nth      int // kMonthlyNth: 1..4 or -1
	monthDay int
	month    time.Month
	end      endKind
	count    int
	until    time.Time // local wall time of the last instance (endUntil)

	z      *zone
	allDay bool
	start  time.Time     // local wall time of DTSTART (first instance)
	dur    time.Duration // timed events
	days2  int           // all-day events: length in days

	inst  []time.Time // instances (local wall time) up to the window end
	exIdx []int       // indices into inst that are EXDATEd
	ovIdx []int       // indices into inst that have a RECURRENCE-ID override
	used  map[int]bool

	master *event
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func daysBetween(a, b time.Time) int { return int(dateOf(b).Sub(dateOf(a)).Hours() / 24) }

func mondayOf(t time.Time) time.Time {
	d := dateOf(t)
	off := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return d.AddDate(0, 0, -off)
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// matches reports whether date d is an instance of the rule whose DTSTART
// falls on date start (WKST=MO).
func (s *series) matches(d, start time.Time) bool {
	switch s.kind {
	case kWeekly, kBiweekly:
		weeks := daysBetween(mondayOf(start), d) / 7
		return hasDay(s.days, d.Weekday()) && weeks%s.interval == 0
	case kMonthlyNth:
		if d.Weekday() != s.days[0] {
			return false
		}
		if s.nth < 0 {
			return d.AddDate(0, 0, 7).Month() != d.Month()
		}
		return (d.Day()-1)/7+1 == s.nth
	case kMonthlyDay:
		return d.Day() == s.monthDay
	case kWeekdays:
		return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
	case kDaily:
		return daysBetween(start, d)%s.interval == 0
	case kYearly:
		return d.Month() == s.month && d.Day() == s.monthDay
	}
	return false
}

// enumerate fills s.inst with every instance up to limit (inclusive, by
// date), honouring COUNT and UNTIL.
func (s *series) enumerate(limit time.Time) {
	s.inst = s.inst[:0]
	tod := s.start.Sub(dateOf(s.start))
	for d := dateOf(s.start); !d.After(limit); d = d.AddDate(0, 0, 1) {
		if !s.matches(d, s.start) {
			continue
		}
		t := d.Add(tod)
		if s.end == endUntil && t.After(s.until) {
			break
		}
		s.inst = append(s.inst, t)
		if s.end == endCount && len(s.inst) == s.count {
			break
		}
	}
}

// rrule renders the rule's value in the flavour of style.
func (s *series) rrule(style string) string {
	var freq string
	var by []string
	interval := 0
	switch s.kind {
	case kWeekly, kBiweekly:
		freq = "WEEKLY"
		interval = s.interval
		by = append(by, "BYDAY="+dayList(s.days))
	case kMonthlyNth:
		freq = "MONTHLY"
		by = append(by, fmt.Sprintf("BYDAY=%d%s", s.nth, dayCodes[s.days[0]]))
	case kMonthlyDay:
		freq = "MONTHLY"
		by = append(by, fmt.Sprintf("BYMONTHDAY=%d", s.monthDay))
	case kWeekdays:
		freq = "DAILY"
		by = append(by, "BYDAY=MO,TU,WE,TH,FR")
	case kDaily:
		freq = "DAILY"
		interval = s.interval
	case kYearly:
		freq = "YEARLY"
		by = append(by, fmt.Sprintf("BYMONTHDAY=%d", s.monthDay), fmt.Sprintf("BYMONTH=%d", int(s.month)))
	}
	var end string
	switch s.end {
	case endCount:
		end = fmt.Sprintf("COUNT=%d", s.count)
	case endUntil:
		if s.allDay {
			end = "UNTIL=" + fmtDate(s.until)
		} else {
			end = "UNTIL=" + fmtUTC(s.z.toUTC(s.until))
		}
	}
	parts := []string{"FREQ=" + freq}
	weekly := freq == "WEEKLY"
	switch style {
	case StyleGoogle: // FREQ;WKST;UNTIL|COUNT;INTERVAL;BY*
		if weekly {
			parts = append(parts, "WKST=MO")
		}
		if end != "" {
			parts = append(parts, end)
		}
		if interval > 1 {
			parts = append(parts, fmt.Sprintf("INTERVAL=%d", interval))
		}
		parts = append(parts, by...)
	case StylePlain: // FREQ;INTERVAL;BY*;UNTIL|COUNT
		if interval > 1 {
			parts = append(parts, fmt.Sprintf("INTERVAL=%d", interval))
		}
		parts = append(parts, by...)
		if end != "" {
			parts = append(parts, end)
		}
	default: // Outlook: FREQ;UNTIL|COUNT;INTERVAL;BY*;WKST
		if end != "" {
			parts = append(parts, end)
		}
		if interval > 0 {
			parts = append(parts, fmt.Sprintf("INTERVAL=%d", interval))
		}
		parts = append(parts, by...)
		if weekly {
			parts = append(parts, "WKST=MO")
		}
	}
	return strings.Join(parts, ";")
}

func dayList(days []time.Weekday) string {
	codes := make([]string, len(days))
	for i, d := range days {
		codes[i] = dayCodes[d]
	}
	return strings.Join(codes, ",")
}

// free returns the instance indices still available for an EXDATE or an
// override. The first instance (DTSTART) is never touched.
func (s *series) free() []int {
	var out []int
	for i := 1; i < len(s.inst); i++ {
		if !s.used[i] {
			out = append(out, i)
		}
	}
	return out
}
