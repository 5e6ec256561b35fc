// Package recur parses RFC 5545 RRULE values and expands them into
// instances.
//
// The package works purely in wall-clock (civil) time: every time.Time it
// accepts or returns is a clock reading represented in time.UTC, and the
// caller maps readings to real instants in the event's zone. Keeping zones
// out of the expansion is deliberate: a rule such as FREQ=HOURLY then
// advances over clock readings, which cannot repeat or vanish around DST
// transitions the way arithmetic on real instants does. Deciding what a
// skipped or repeated local time means is the caller's job, done once per
// instance, after expansion.
//
// The expansion follows RFC 5545 section 3.3.10, which is also what
// python-dateutil implements; dateutil is the reference the tests compare
// against.
package recur

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Freq is the FREQ rule part. The zero value is deliberately invalid so that
// a Rule built by hand without a frequency is caught rather than silently
// treated as some default.
type Freq int

// Frequencies, finest first, so that a larger value is a coarser period.
const (
	Secondly Freq = iota + 1
	Minutely
	Hourly
	Daily
	Weekly
	Monthly
	Yearly
)

var freqNames = [...]string{"", "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}

func (f Freq) String() string {
	if f >= Secondly && f <= Yearly {
		return freqNames[f]
	}
	return "Freq(" + strconv.Itoa(int(f)) + ")"
}

func (f Freq) valid() bool { return f >= Secondly && f <= Yearly }

// WeekdayNum is one BYDAY entry. N is the ordinal (+1 first, -1 last, ...);
// N == 0 means every such weekday in the period.
type WeekdayNum struct {
	N   int
	Day time.Weekday
}

var dayNames = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func (w WeekdayNum) String() string {
	d := "??"
	if w.Day >= 0 && w.Day < 7 {
		d = dayNames[w.Day]
	}
	if w.N == 0 {
		return d
	}
	return strconv.Itoa(w.N) + d
}

// UntilKind records how UNTIL was written, because each form has to be
// mapped into the event's wall-clock frame differently by the caller.
type UntilKind int

const (
	UntilNone  UntilKind = iota
	UntilDate            // VALUE=DATE form, e.g. 20250101
	UntilUTC             // UTC form, e.g. 20250101T100000Z
	UntilLocal           // floating form, e.g. 20250101T100000
)

// Rule is a parsed RRULE. After ParseRule it holds the rule as it will be
// applied: parts RFC 5545 marks as not applicable to the frequency have
// already been removed (and noted in Warnings), so String shows what is
// actually evaluated.
type Rule struct {
	Freq     Freq
	Interval int // >= 1
	Count    int // 0 = no COUNT

	// Until is the bound as written. For UntilUTC it is a real UTC instant;
	// for UntilDate and UntilLocal it is a wall clock in UTC representation
	// (midnight for UntilDate). Iter does not read it: the caller converts it
	// into the event's wall-clock frame and passes that to Iter.
	Until     time.Time
	UntilKind UntilKind

	BySecond, ByMinute, ByHour []int
	ByDay                      []WeekdayNum
	ByMonthDay                 []int
	ByYearDay                  []int
	ByWeekNo                   []int
	ByMonth                    []int
	BySetPos                   []int
	Wkst                       time.Weekday // default Monday

	// Warnings lists what lenient parsing changed or ignored, so callers can
	// surface feed problems without rejecting the event.
	Warnings []string
}

// ErrNoFreq is returned by ParseRule when no usable FREQ is present.
var ErrNoFreq = errors.New("recur: RRULE has no valid FREQ")

// ParseRule parses the value of an RRULE property, e.g.
// "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250101T000000Z".
//
// Real feeds contain malformed rules, and dropping a whole series over one
// bad part is worse for users than ignoring that part, so parsing is
// lenient: names and values are case-insensitive, unknown parts, invalid
// COUNT/INTERVAL/UNTIL and out-of-range values are ignored with a warning,
// and empty parts are fine. Only a missing or unknown FREQ is an error,
// because without it there is no sensible expansion at all.
func ParseRule(s string) (*Rule, error) {
	r := &Rule{Interval: 1, Wkst: time.Monday}
	s = strings.TrimSpace(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "RRULE:") {
		s = s[6:]
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		name = strings.ToUpper(strings.TrimSpace(name))
		val = strings.ToUpper(strings.TrimSpace(val))
		if !ok {
			r.warnf("ignored malformed part %q", part)
			continue
		}
		if seen[name] {
			r.warnf("%s given more than once; the last one wins", name)
		}
		seen[name] = true
		switch name {
		case "FREQ":
			r.Freq = 0
			for f := Secondly; f <= Yearly; f++ {
				if val == freqNames[f] {
					r.Freq = f
				}
			}
		case "INTERVAL":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				r.warnf("ignored invalid INTERVAL %q", val)
				r.Interval = 1
			} else {
				r.Interval = n
			}
		case "COUNT":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				r.warnf("ignored invalid COUNT %q", val)
				r.Count = 0
			} else {
				r.Count = n
			}
		case "UNTIL":
			t, k, ok := parseUntil(val)
			if !ok {
				r.warnf("ignored invalid UNTIL %q", val)
				r.Until, r.UntilKind = time.Time{}, UntilNone
			} else {
				r.Until, r.UntilKind = t, k
			}
		case "BYSECOND":
			// 60 is legal RFC syntax for a leap second, but a wall clock
			// cannot show it and normalising it would invent 00 of the next
			// minute, so it is dropped.
			r.BySecond = r.intList(name, val, 0, 59, false)
		case "BYMINUTE":
			r.ByMinute = r.intList(name, val, 0, 59, false)
		case "BYHOUR":
			r.ByHour = r.intList(name, val, 0, 23, false)
		case "BYMONTHDAY":
			r.ByMonthDay = r.intList(name, val, 1, 31, true)
		case "BYYEARDAY":
			r.ByYearDay = r.intList(name, val, 1, 366, true)
		case "BYWEEKNO":
			r.ByWeekNo = r.intList(name, val, 1, 53, true)
		case "BYMONTH":
			r.ByMonth = r.intList(name, val, 1, 12, false)
		case "BYSETPOS":
			r.BySetPos = r.intList(name, val, 1, 366, true)
		case "BYDAY":
			r.ByDay = r.ByDay[:0]
			for _, item := range strings.Split(val, ",") {
				item = strings.TrimSpace(item)
				if item == "" {
					continue
				}
				w, ok := parseWeekdayNum(item)
				if !ok {
					r.warnf("ignored invalid BYDAY value %q", item)
					continue
				}
				r.ByDay = append(r.ByDay, w)
			}
		case "WKST":
			d, ok := parseDay(val)
			if !ok {
				r.warnf("ignored invalid WKST %q", val)
				r.Wkst = time.Monday
			} else {
				r.Wkst = d
			}
		default:
			r.warnf("ignored unknown part %q", name)
		}
	}
	if !r.Freq.valid() {
		return nil, ErrNoFreq
	}
	if r.Count > 0 && r.UntilKind != UntilNone {
		r.warnf("COUNT and UNTIL both given (RFC 5545 forbids it); both are applied")
	}
	r.dropNotApplicable()
	return r, nil
}

// dropNotApplicable removes parts that the RFC 5545 table (p. 44) marks
// N/A for the frequency. The RFC gives them no meaning, so rather than
// guess one (dateutil, for instance, silently uses them as filters) they
// are ignored and reported.
func (r *Rule) dropNotApplicable() {
	if len(r.ByWeekNo) > 0 && r.Freq != Yearly {
		r.warnf("BYWEEKNO is only valid with FREQ=YEARLY; ignored")
		r.ByWeekNo = nil
	}
	if len(r.ByYearDay) > 0 && (r.Freq == Daily || r.Freq == Weekly || r.Freq == Monthly) {
		r.warnf("BYYEARDAY is not valid with FREQ=%s; ignored", r.Freq)
		r.ByYearDay = nil
	}
	if len(r.ByMonthDay) > 0 && r.Freq == Weekly {
		r.warnf("BYMONTHDAY is not valid with FREQ=WEEKLY; ignored")
		r.ByMonthDay = nil
	}
	if r.Freq != Monthly && r.Freq != Yearly {
		changed := false
		out := r.ByDay[:0]
		var seen uint8
		for _, w := range r.ByDay {
			if w.N != 0 {
				changed = true
				w.N = 0
			}
			if seen&(1<<w.Day) != 0 {
				continue
			}
			seen |= 1 << w.Day
			out = append(out, w)
		}
		r.ByDay = out
		if changed {
			r.warnf("BYDAY ordinals are only valid with FREQ=MONTHLY or YEARLY; ordinals ignored")
		}
	}
}

func (r *Rule) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// intList parses a comma list; values outside [lo,hi] (or ±[lo,hi] when
// signed) are dropped with a warning.
func (r *Rule) intList(name, val string, lo, hi int, signed bool) []int {
	var out []int
	for _, item := range strings.Split(val, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, err := strconv.Atoi(item)
		a := n
		if signed && a < 0 {
			a = -a
		}
		if err != nil || a < lo || a > hi || (!signed && n < 0) {
			r.warnf("dropped out-of-range %s value %q", name, item)
			continue
		}
		out = append(out, n)
	}
	return out
}

func parseDay(s string) (time.Weekday, bool) {
	for i, n := range dayNames {
		if s == n {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

func parseWeekdayNum(s string) (WeekdayNum, bool) {
	if len(s) < 2 {
		return WeekdayNum{}, false
	}
	d, ok := parseDay(s[len(s)-2:])
	if !ok {
		return WeekdayNum{}, false
	}
	w := WeekdayNum{Day: d}
	if num := s[:len(s)-2]; num != "" {
		n, err := strconv.Atoi(num)
		// An explicit 0 ordinal is meaningless; ±53 is the RFC maximum.
		if err != nil || n == 0 || n > 53 || n < -53 {
			return WeekdayNum{}, false
		}
		w.N = n
	}
	return w, true
}

func parseUntil(s string) (time.Time, UntilKind, bool) {
	kind := UntilDate
	switch {
	case len(s) == 8:
	case len(s) == 15 && s[8] == 'T':
		kind = UntilLocal
	case len(s) == 16 && s[8] == 'T' && s[15] == 'Z':
		kind = UntilUTC
		s = s[:15]
	default:
		return time.Time{}, 0, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(0, 4), num(4, 6), num(6, 8)
	h, mi, sec := 0, 0, 0
	if kind != UntilDate {
		h, mi, sec = num(9, 11), num(11, 13), num(13, 15)
	}
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 {
		return time.Time{}, 0, false
	}
	if sec == 60 {
		sec = 59 // leap second: the bound stays within the same minute
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), kind, true
}

// UntilWall maps UNTIL into the event's wall-clock frame, the form Iter
// takes. toWall converts a real instant to the event zone's clock reading;
// it is only called for UTC UNTIL values, because DATE and floating values
// already are clock readings. A DATE UNTIL becomes midnight at the start of
// that day, as in dateutil, so with a DATE-TIME DTSTART (which RFC 5545
// forbids combining with a DATE UNTIL) instances later on that day are
// excluded; callers wanting the whole day inclusive can add a day minus a
// second when r.UntilKind == UntilDate. Zero means no UNTIL.
func (r *Rule) UntilWall(toWall func(utc time.Time) time.Time) time.Time {
	switch r.UntilKind {
	case UntilUTC:
		w := toWall(r.Until)
		y, m, d := w.Date()
		h, mi, s := w.Clock()
		return time.Date(y, m, d, h, mi, s, 0, time.UTC)
	case UntilDate, UntilLocal:
		return r.Until
	}
	return time.Time{}
}

// String renders the rule in canonical RFC 5545 form: parts in a fixed
// order, defaults (INTERVAL=1, WKST=MO) omitted, so equal rules print the
// same.
func (r *Rule) String() string {
	var b strings.Builder
	b.WriteString("FREQ=")
	b.WriteString(r.Freq.String())
	switch r.UntilKind {
	case UntilDate:
		b.WriteString(";UNTIL=" + r.Until.Format("20060102"))
	case UntilLocal:
		b.WriteString(";UNTIL=" + r.Until.Format("20060102T150405"))
	case UntilUTC:
		b.WriteString(";UNTIL=" + r.Until.UTC().Format("20060102T150405Z"))
	}
	if r.Count > 0 {
		b.WriteString(";COUNT=" + strconv.Itoa(r.Count))
	}
	if r.Interval > 1 {
		b.WriteString(";INTERVAL=" + strconv.Itoa(r.Interval))
	}
	ints := func(name string, v []int) {
		if len(v) == 0 {
			return
		}
		b.WriteString(";" + name + "=")
		for i, n := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
	}
	ints("BYSECOND", r.BySecond)
	ints("BYMINUTE", r.ByMinute)
	ints("BYHOUR", r.ByHour)
	if len(r.ByDay) > 0 {
		b.WriteString(";BYDAY=")
		for i, w := range r.ByDay {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(w.String())
		}
	}
	ints("BYMONTHDAY", r.ByMonthDay)
	ints("BYYEARDAY", r.ByYearDay)
	ints("BYWEEKNO", r.ByWeekNo)
	ints("BYMONTH", r.ByMonth)
	ints("BYSETPOS", r.BySetPos)
	if r.Wkst != time.Monday && r.Wkst >= 0 && r.Wkst < 7 {
		b.WriteString(";WKST=" + dayNames[r.Wkst])
	}
	return b.String()
}
