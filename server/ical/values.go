package ical

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// DateTime is a decoded DATE or DATE-TIME value.
//
// Wall holds the clock reading as written, in the UTC location: for a UTC
// value ("...Z") that is the real instant; for a floating or TZID value it is
// a wall-clock reading whose zone the caller resolves. Keeping the reading
// unresolved here lets recurrence run on wall-clock time, which is what makes
// DST handling exact.
type DateTime struct {
	Wall time.Time
	Date bool // a DATE (all-day) value
	UTC  bool // ended in Z
}

// ParseDateTime decodes "YYYYMMDD", "YYYYMMDDTHHMMSS" or "YYYYMMDDTHHMMSSZ".
// It is lenient where feeds are sloppy (lower-case t/z, missing seconds,
// surrounding spaces) and strict about impossible dates.
func ParseDateTime(v string) (DateTime, error) {
	v = strings.TrimSpace(v)
	var d DateTime
	if len(v) < 8 {
		return d, fmt.Errorf("date %q: too short", clip(v, 30))
	}
	y, ok1 := digits(v[0:4])
	mo, ok2 := digits(v[4:6])
	da, ok3 := digits(v[6:8])
	if !ok1 || !ok2 || !ok3 {
		return d, fmt.Errorf("date %q: not YYYYMMDD", clip(v, 30))
	}
	if mo < 1 || mo > 12 || da < 1 || da > daysIn(y, time.Month(mo)) {
		return d, fmt.Errorf("date %q: no such day", clip(v, 30))
	}
	if len(v) == 8 {
		d.Date = true
		d.Wall = time.Date(y, time.Month(mo), da, 0, 0, 0, 0, time.UTC)
		return d, nil
	}
	rest := v[8:]
	if rest[0] != 'T' && rest[0] != 't' {
		return d, fmt.Errorf("date-time %q: expected T after the date", clip(v, 30))
	}
	rest = rest[1:]
	if n := len(rest); n > 0 && (rest[n-1] == 'Z' || rest[n-1] == 'z') {
		d.UTC = true
		rest = rest[:n-1]
	}
	var h, mi, se int
	switch len(rest) {
	case 6:
		se, ok1 = digits(rest[4:6])
		if !ok1 {
			return d, fmt.Errorf("date-time %q: bad seconds", clip(v, 30))
		}
		fallthrough
	case 4:
		var okh, okm bool
		h, okh = digits(rest[0:2])
		mi, okm = digits(rest[2:4])
		if !okh || !okm {
			return d, fmt.Errorf("date-time %q: bad time", clip(v, 30))
		}
	default:
		return d, fmt.Errorf("date-time %q: time is not HHMMSS", clip(v, 30))
	}
	if h > 23 || mi > 59 || se > 60 {
		return d, fmt.Errorf("date-time %q: time out of range", clip(v, 30))
	}
	if se == 60 { // a leap second: the clock shows :59 once more
		se = 59
	}
	d.Wall = time.Date(y, time.Month(mo), da, h, mi, se, 0, time.UTC)
	return d, nil
}

// Format renders the value back in iCalendar form.
func (d DateTime) Format() string {
	switch {
	case d.Date:
		return d.Wall.Format("20060102")
	case d.UTC:
		return d.Wall.Format("20060102T150405Z")
	}
	return d.Wall.Format("20060102T150405")
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// ParseDuration decodes a DURATION value ("P1D", "-PT15M", "P1W", "P1DT2H").
// Days and weeks are nominal: the result is meant to be added to a
// wall-clock reading (RFC 5545 3.3.6: a day is 23 hours across spring-forward).
func ParseDuration(v string) (time.Duration, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] != 'P' {
		return 0, fmt.Errorf("duration %q: must start with P", clip(v, 30))
	}
	s = s[1:]
	var total time.Duration
	inTime, seen := false, false
	for s != "" {
		if s[0] == 'T' {
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 9 {
			return 0, fmt.Errorf("duration %q: malformed", clip(v, 30))
		}
		n, _ := digits(s[:i])
		var unit time.Duration
		switch s[i] {
		case 'W':
			unit = 7 * 24 * time.Hour
		case 'D':
			unit = 24 * time.Hour
		case 'H':
			unit = time.Hour
		case 'M':
			unit = time.Minute
			if !inTime {
				return 0, fmt.Errorf("duration %q: months are not allowed", clip(v, 30))
			}
		case 'S':
			unit = time.Second
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q", clip(v, 30), s[i])
		}
		if (unit < 24*time.Hour) != inTime {
			return 0, fmt.Errorf("duration %q: %c in the wrong part", clip(v, 30), s[i])
		}
		if time.Duration(n) > (math.MaxInt64-total)/unit {
			return 0, fmt.Errorf("duration %q: too long", clip(v, 30))
		}
		total += time.Duration(n) * unit
		seen = true
		s = s[i+1:]
	}
	if !seen {
		return 0, fmt.Errorf("duration %q: empty", clip(v, 30))
	}
	if neg {
		total = -total
	}
	return total, nil
}

// Period is a decoded PERIOD value: a start and either an explicit end or a
// duration.
type Period struct {
	Start    DateTime
	End      DateTime // valid when HasEnd
	HasEnd   bool
	Duration time.Duration // valid when !HasEnd
}

// ParsePeriod decodes "start/end" or "start/duration".
func ParsePeriod(v string) (Period, error) {
	var p Period
	a, b, ok := strings.Cut(v, "/")
	if !ok {
		return p, fmt.Errorf("period %q: no '/'", clip(v, 30))
	}
	var err error
	if p.Start, err = ParseDateTime(a); err != nil {
		return p, fmt.Errorf("period start: %w", err)
	}
	b = strings.TrimSpace(b)
	if b != "" && (b[0] == 'P' || b[0] == 'p' || b[0] == '+' || b[0] == '-') {
		p.Duration, err = ParseDuration(b)
		return p, err
	}
	if p.End, err = ParseDateTime(b); err != nil {
		return p, fmt.Errorf("period end: %w", err)
	}
	p.HasEnd = true
	return p, nil
}

// ParseUTCOffset decodes "+0100", "-0530" or "+013000" into seconds east of UTC.
func ParseUTCOffset(v string) (int, error) {
	s := strings.TrimSpace(v)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("utc offset %q: want ±HHMM[SS]", clip(v, 30))
	}
	h, ok1 := digits(s[1:3])
	m, ok2 := digits(s[3:5])
	sec, ok3 := 0, true
	if len(s) == 7 {
		sec, ok3 = digits(s[5:7])
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, fmt.Errorf("utc offset %q: out of range", clip(v, 30))
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// UnescapeText decodes TEXT escapes (\n \N \, \; \\). An unknown escape keeps
// the escaped character, which is what lenient readers do with "\:" etc.
// It allocates only when s contains a backslash.
func UnescapeText(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// SplitList splits a comma-separated list value (EXDATE, RDATE, CATEGORIES
// without escaped commas), skipping empty items.
func SplitList(v string) []string {
	if strings.IndexByte(v, ',') < 0 {
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		return []string{v}
	}
	parts := strings.Split(v, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
