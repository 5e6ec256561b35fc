package recur

import (
	"errors"
	"math/bits"
	"time"
)

var (
	// ErrStepLimit means Limits.MaxSteps periods were examined without the
	// rule ending; the instances produced so far are valid but incomplete.
	ErrStepLimit = errors.New("recur: step limit reached")
	// ErrDeadline means Limits.Deadline passed before the rule ended.
	ErrDeadline = errors.New("recur: deadline passed")
	// ErrInvalidRule is reported for a Rule with no valid Freq (only
	// possible for rules built by hand; ParseRule rejects them).
	ErrInvalidRule = errors.New("recur: rule has no valid FREQ")
	// ErrRange is reported when DTSTART lies before year 1, which the
	// iCalendar date grammar cannot express.
	ErrRange = errors.New("recur: DTSTART before year 1")
)

// DefaultMaxSteps is used when Limits.MaxSteps is 0. A step is one period
// (or one jump over periods that provably cannot match), so this allows
// e.g. 2700 years of a DAILY rule while still bounding pathological rules
// to a few milliseconds of work.
const DefaultMaxSteps = 1_000_000

// Limits bounds an iteration. Expansion of an unbounded rule is only safe
// with some limit, and the appliance must never stall a feed refresh on a
// hostile or broken RRULE.
type Limits struct {
	// Stop is a wall-clock bound: instances at or after Stop are not
	// produced (exclusive, so a query window [from, to) passes to directly).
	// Zero means none.
	Stop time.Time
	// Start is a wall-clock hint. When the rule has no COUNT, the iterator
	// skips whole periods (in multiples of INTERVAL, keeping the alignment
	// they would have from DTSTART) that end before Start, so results at or
	// after Start are identical to a full iteration. Instances before Start
	// from the period containing Start may still be produced; callers that
	// care filter them (they usually need to anyway, to catch instances
	// that start earlier but overlap their window). With COUNT the hint is
	// ignored, since counting requires every earlier instance.
	Start time.Time
	// MaxSteps caps the number of periods examined over the life of the
	// iterator (0 = DefaultMaxSteps). Reaching it sets Err to ErrStepLimit.
	MaxSteps int
	// Deadline is a real (time.Now) time after which iteration gives up with
	// ErrDeadline. It is checked every 1024 steps to keep the clock off the
	// hot path. Zero means none.
	Deadline time.Time
}

// Iterator yields the instances of a rule in increasing order. It is not
// safe for concurrent use.
type Iterator struct {
	freq     Freq
	interval int64
	count    int

	// Day filters, already reduced to bit masks.
	monthMask    uint16 // bit m set: month m allowed; 0 = any
	mdPos, mdNeg uint32 // BYMONTHDAY: bit n for +n / -n
	hasMD        bool
	ydPos, ydNeg yset // BYYEARDAY: bit n-1 for +n / -n
	hasYD        bool
	every        uint8 // BYDAY without ordinal, bit per time.Weekday
	nth          []WeekdayNum
	nthYear      bool // ordinals count within the year, not the month
	hasDay       bool
	weekNo       []int
	wkst         int
	static       [2]yset   // month/monthday/yearday filters for [non-leap, leap]
	wdPat        [7]uint64 // BYDAY pattern, see loadYear

	// Time-of-day: lists expand (coarse freqs), masks filter (fine freqs).
	hourList, minList, secList []int
	hourMask                   uint32
	minMask, secMask           uint64
	setPos                     []int

	dtSec, dtDay int64
	end          int64 // last wall second (inclusive) that may be produced

	// Current period.
	year, month int   // YEARLY, MONTHLY
	day         int64 // WEEKLY: first day of the week; DAILY: the day
	t           int64 // finer than DAILY: first second of the period
	unit        int64 // seconds per FREQ unit for finer than DAILY
	started     bool

	// Day filter of one year, cached because consecutive periods almost
	// always fall in the same year.
	mValid bool
	mYear  int
	mJan1  int64
	mLen   int
	mask   yset

	// Candidates of the current period: days × hours × mins × secs, in
	// lexicographic (= chronological) order, never materialised.
	days              []int64
	hours, mins, secs []int
	h1, m1, s1        [1]int
	sel               []int
	selIdx            int
	useSel            bool
	di, hi, mi, si    int
	produced, steps   int
	maxSteps          int
	deadline          time.Time
	err               error
	done              bool
}

var maxYearSec = dayNumber(9999, 12, 31)*secsPerDay + secsPerDay - 1
var minYearSec = dayNumber(1, 1, 1) * secsPerDay

// wallSec reads t's clock fields as seconds since 1970 in the wall frame,
// clamped just outside [year 1, year 9999] to keep the arithmetic in range.
func wallSec(t time.Time) int64 {
	y, m, d := t.Date()
	if y > 9999 {
		return maxYearSec + 1
	}
	if y < 1 {
		return minYearSec - 1
	}
	h, mi, s := t.Clock()
	return dayNumber(y, int(m), d)*secsPerDay + int64(h*3600+mi*60+s)
}

// periodsIn10000Years bounds INTERVAL: any larger value already puts the
// second period past year 9999, and clamping keeps period arithmetic from
// overflowing.
var periodsIn10000Years = [...]int64{0, 10001 * 366 * 86400, 10001 * 366 * 1440, 10001 * 366 * 24, 10001 * 366, 10001 * 53, 10001 * 12, 10001}

// Iter returns an iterator over the wall-clock instances of r for the
// wall-clock DTSTART dtstart. untilWall is UNTIL already mapped by the
// caller into the same wall frame (zero = none); it is inclusive, as in RFC
// 5545. Like dateutil, dtstart itself is produced only if it matches the
// rule, and COUNT counts produced instances only; the caller adds DTSTART to
// the recurrence set separately. Only the clock fields of dtstart, untilWall
// and the Limits wall times are read (their Location is ignored), and
// sub-second parts are dropped, as iCalendar has none.
func (r *Rule) Iter(dtstart, untilWall time.Time, lim Limits) *Iterator {
	it := &Iterator{}
	if r == nil || !r.Freq.valid() {
		it.done, it.err = true, ErrInvalidRule
		return it
	}
	it.freq = r.Freq
	it.interval = int64(r.Interval)
	if it.interval < 1 {
		it.interval = 1
	}
	if m := periodsIn10000Years[it.freq]; it.interval > m {
		it.interval = m
	}
	if r.Count > 0 {
		it.count = r.Count
	}
	it.maxSteps = lim.MaxSteps
	if it.maxSteps <= 0 {
		it.maxSteps = DefaultMaxSteps
	}
	it.deadline = lim.Deadline

	y, mon, d := dtstart.Date()
	hh, mm, ss := dtstart.Clock()
	if y < 1 {
		it.done, it.err = true, ErrRange
		return it
	}
	if y > 9999 {
		it.done = true
		return it
	}
	it.dtDay = dayNumber(y, int(mon), d)
	it.dtSec = it.dtDay*secsPerDay + int64(hh*3600+mm*60+ss)
	it.end = maxYearSec
	if !untilWall.IsZero() {
		it.end = min(it.end, wallSec(untilWall))
	}
	if !lim.Stop.IsZero() {
		s := wallSec(lim.Stop)
		if lim.Stop.Nanosecond() == 0 {
			s-- // exclusive
		}
		it.end = min(it.end, s)
	}
	if it.end < it.dtSec {
		it.done = true
		return it
	}
	it.compile(r, y, int(mon), d, hh, mm, ss)

	// First period: the one containing DTSTART.
	switch it.freq {
	case Yearly:
		it.year = y
	case Monthly:
		it.year, it.month = y, int(mon)
	case Weekly:
		it.day = it.dtDay - int64((weekday(it.dtDay)-it.wkst+7)%7)
	case Daily:
		it.day = it.dtDay
	default:
		switch it.freq {
		case Hourly:
			it.unit = 3600
		case Minutely:
			it.unit = 60
		default:
			it.unit = 1
		}
		it.t = it.dtSec - floorMod(it.dtSec, it.unit)
		if !it.todReachable() {
			// e.g. FREQ=HOURLY;INTERVAL=24;BYHOUR=5 from 06:00: no period
			// can ever match, so say so now instead of stepping to the limit.
			it.done = true
			return it
		}
	}
	if it.count == 0 && !lim.Start.IsZero() {
		if s := wallSec(lim.Start); s > it.dtSec {
			it.fastForward(s)
		}
	}
	switch it.freq {
	case Yearly, Monthly, Weekly:
		it.days = make([]int64, 0, 8)
	default:
		it.days = make([]int64, 0, 1)
	}
	return it
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// fastForward moves the first period to the last period starting at or
// before the period containing s, in whole multiples of INTERVAL.
func (it *Iterator) fastForward(s int64) {
	sd := floorDiv(s, secsPerDay)
	switch it.freq {
	case Yearly:
		sy, _, _ := civil(sd)
		if k := int64(sy-it.year) / it.interval; k > 0 {
			it.year += int(k * it.interval)
		}
	case Monthly:
		sy, sm, _ := civil(sd)
		cur := int64(it.year*12 + it.month - 1)
		if k := (int64(sy*12+sm-1) - cur) / it.interval; k > 0 {
			cur += k * it.interval
			it.year, it.month = int(cur/12), int(cur%12)+1
		}
	case Weekly:
		sw := sd - int64((weekday(sd)-it.wkst+7)%7)
		if k := (sw - it.day) / (7 * it.interval); k > 0 {
			it.day += k * 7 * it.interval
		}
	case Daily:
		if k := (sd - it.day) / it.interval; k > 0 {
			it.day += k * it.interval
		}
	default:
		p := it.unit * it.interval
		if k := (s - it.t) / p; k > 0 {
			it.t += k * p
		}
	}
}

func (it *Iterator) compile(r *Rule, y, mon, d, hh, mm, ss int) {
	f := it.freq
	for _, m := range r.ByMonth {
		if m >= 1 && m <= 12 {
			it.monthMask |= 1 << m
		}
	}
	// Parts RFC 5545 marks N/A for the frequency are ignored here too, so a
	// hand-built Rule behaves like a parsed one.
	if f != Weekly {
		for _, v := range r.ByMonthDay {
			switch {
			case v >= 1 && v <= 31:
				it.mdPos |= 1 << v
			case v <= -1 && v >= -31:
				it.mdNeg |= 1 << -v
			}
		}
		it.hasMD = it.mdPos|it.mdNeg != 0
	}
	if f == Yearly || f <= Hourly {
		for _, v := range r.ByYearDay {
			switch {
			case v >= 1 && v <= 366:
				it.ydPos.set(v - 1)
				it.hasYD = true
			case v <= -1 && v >= -366:
				it.ydNeg.set(-v - 1)
				it.hasYD = true
			}
		}
	}
	if f == Yearly {
		for _, v := range r.ByWeekNo {
			if v != 0 && v >= -53 && v <= 53 {
				it.weekNo = append(it.weekNo, v)
			}
		}
	}
	for _, w := range r.ByDay {
		if w.Day < 0 || w.Day > 6 {
			continue
		}
		if w.N != 0 && (f == Monthly || f == Yearly) {
			if w.N >= -53 && w.N <= 53 {
				it.nth = append(it.nth, w)
			}
		} else {
			it.every |= 1 << w.Day
		}
	}
	it.hasDay = it.every != 0 || len(it.nth) > 0
	it.nthYear = f == Yearly && it.monthMask == 0
	it.wkst = int(r.Wkst)
	if it.wkst < 0 || it.wkst > 6 {
		it.wkst = int(time.Monday)
	}

	// Defaults from DTSTART (RFC 5545: missing parts take DTSTART's value).
	switch f {
	case Yearly:
		if !it.hasMD && !it.hasYD && len(it.weekNo) == 0 && !it.hasDay {
			if it.monthMask == 0 {
				it.monthMask = 1 << mon
			}
			it.mdPos, it.hasMD = 1<<d, true
		}
	case Monthly:
		if !it.hasMD && !it.hasDay {
			it.mdPos, it.hasMD = 1<<d, true
		}
	case Weekly:
		if !it.hasDay {
			it.every, it.hasDay = 1<<weekday(it.dtDay), true
		}
	}

	for leap := 0; leap < 2; leap++ {
		s := &it.static[leap]
		for m := 1; m <= 12; m++ {
			if it.monthMask != 0 && it.monthMask&(1<<m) == 0 {
				continue
			}
			dim := monthStart[leap][m+1] - monthStart[leap][m]
			v := uint64(1)<<dim - 1
			if it.hasMD {
				v = uint64(it.mdPos>>1) & v
				for n := 1; n <= dim; n++ {
					if it.mdNeg&(1<<n) != 0 {
						v |= 1 << (dim - n)
					}
				}
			}
			s.orBits(monthStart[leap][m], v)
		}
		if it.hasYD {
			L := 365 + leap
			var yd yset
			for i := 0; i < L; i++ {
				if it.ydPos.has(i) || it.ydNeg.has(L-1-i) {
					yd.set(i)
				}
			}
			s.and(&yd)
		}
	}
	if it.every != 0 {
		// wdPat[o] has bit j set when weekday (o+j)%7 is in BYDAY, so the
		// word of a year bitset is one table lookup.
		var lo, hi uint64
		for k := 0; k < 71; k++ {
			if it.every&(1<<(k%7)) != 0 {
				if k < 64 {
					lo |= 1 << k
				} else {
					hi |= 1 << (k - 64)
				}
			}
		}
		for o := 0; o < 7; o++ {
			it.wdPat[o] = lo>>o | hi<<(64-o)
			if o == 0 {
				it.wdPat[o] = lo
			}
		}
	}

	expand := func(list []int, lim int, dflt int, isExpand bool) ([]int, uint64) {
		var mask uint64
		for _, v := range list {
			if v >= 0 && v < lim {
				mask |= 1 << v
			}
		}
		if !isExpand {
			if mask == 0 {
				mask = 1<<lim - 1
			}
			return nil, mask
		}
		if mask == 0 {
			mask = 1 << dflt
		}
		out := make([]int, 0, bits.OnesCount64(mask))
		for v := 0; v < lim; v++ {
			if mask&(1<<v) != 0 {
				out = append(out, v)
			}
		}
		return out, mask
	}
	var hm uint64
	it.hourList, hm = expand(r.ByHour, 24, hh, f >= Daily)
	it.hourMask = uint32(hm)
	it.minList, it.minMask = expand(r.ByMinute, 60, mm, f >= Hourly)
	it.secList, it.secMask = expand(r.BySecond, 60, ss, f >= Minutely)

	for _, p := range r.BySetPos {
		if p != 0 {
			it.setPos = append(it.setPos, p)
		}
	}
	if len(it.setPos) > 0 {
		it.sel = make([]int, 0, len(it.setPos))
	}
}

// loadYear computes the set of days of year y that pass every day filter.
func (it *Iterator) loadYear(y int) {
	leap := b2i(isLeap(y))
	L := 365 + leap
	jan1 := dayNumber(y, 1, 1)
	m := it.static[leap]
	if it.hasDay {
		var dm yset
		if it.every != 0 {
			o := weekday(jan1)
			for i := range dm {
				dm[i] = it.wdPat[(o+64*i)%7]
			}
		}
		for _, w := range it.nth {
			if it.nthYear {
				nthMark(&dm, jan1, 0, L, w)
				continue
			}
			for mo := 1; mo <= 12; mo++ {
				if it.monthMask == 0 || it.monthMask&(1<<mo) != 0 {
					nthMark(&dm, jan1, monthStart[leap][mo], monthStart[leap][mo+1], w)
				}
			}
		}
		m.and(&dm)
	}
	if len(it.weekNo) > 0 {
		wn := it.weekNoSet(y, L)
		m.and(&wn)
	}
	it.mask, it.mYear, it.mJan1, it.mLen, it.mValid = m, y, jan1, L, true
}

// nthMark marks the w.N-th w.Day within days [a, b) of the year.
func nthMark(s *yset, jan1 int64, a, b int, w WeekdayNum) {
	wd := int(w.Day)
	if w.N > 0 {
		i := a + (wd-weekday(jan1+int64(a))+7)%7 + (w.N-1)*7
		if i < b {
			s.set(i)
		}
	} else {
		i := b - 1 - (weekday(jan1+int64(b-1))-wd+7)%7 + (w.N+1)*7
		if i >= a {
			s.set(i)
		}
	}
}

// week1 returns the offset from Jan 1 of year y to the first day of its
// week 1: the first WKST-based week with at least 4 days in the year.
func (it *Iterator) week1(y int) int {
	d := (weekday(dayNumber(y, 1, 1)) - it.wkst + 7) % 7
	if d <= 3 {
		return -d
	}
	return 7 - d
}

// weekNoSet marks the days of year y whose week number matches BYWEEKNO.
// Every day belongs to exactly one week of one week-numbering year, so days
// before week 1 are the last week (-1) of the previous year and days after
// the last full week are week 1 of the next year.
func (it *Iterator) weekNoSet(y, L int) yset {
	var s yset
	w1 := it.week1(y)
	w1next := L + it.week1(y+1)
	n := (w1next - w1) / 7
	nPrev := (w1 - (it.week1(y-1) - yearLen(y-1))) / 7
	nNext := (yearLen(y+1) + it.week1(y+2) - it.week1(y+1)) / 7
	for _, v := range it.weekNo {
		k := v
		if v < 0 {
			k = n + 1 + v
		}
		if k >= 1 && k <= n {
			s.setRange(max(0, w1+7*(k-1)), min(L, w1+7*k))
		}
		if w1 > 0 && (v == nPrev || v == -1) {
			s.setRange(0, w1)
		}
		if w1next < L && (v == 1 || v == -nNext) {
			s.setRange(w1next, L)
		}
	}
	return s
}

func (it *Iterator) dayOK(d int64) bool {
	if !it.mValid || d < it.mJan1 || d >= it.mJan1+int64(it.mLen) {
		y, _, _ := civil(d)
		it.loadYear(y)
	}
	return it.mask.has(int(d - it.mJan1))
}

// nextMaskDay returns the first day after d that passes the day filters
// within d's year, or Jan 1 of the next year (unchecked). dayOK(d) must
// have been called first so the mask is for d's year.
func (it *Iterator) nextMaskDay(d int64) int64 {
	if i := it.mask.next(int(d-it.mJan1)+1, it.mLen); i >= 0 {
		return it.mJan1 + int64(i)
	}
	return it.mJan1 + int64(it.mLen)
}

func (it *Iterator) finish(err error) {
	it.done = true
	it.err = err
}

// step accounts for one examined period and enforces MaxSteps/Deadline.
func (it *Iterator) step() bool {
	it.steps++
	if it.steps > it.maxSteps {
		it.finish(ErrStepLimit)
		return false
	}
	if it.steps&1023 == 0 && !it.deadline.IsZero() && time.Now().After(it.deadline) {
		it.finish(ErrDeadline)
		return false
	}
	return true
}

// advance moves to the next period that has candidates.
func (it *Iterator) advance() {
	it.days = it.days[:0]
	it.di, it.hi, it.mi, it.si = 0, 0, 0, 0
	it.hours, it.mins, it.secs = it.hourList, it.minList, it.secList
	switch it.freq {
	case Yearly:
		it.advYear()
	case Monthly:
		it.advMonth()
	case Weekly:
		it.advWeek()
	case Daily:
		it.advDay()
	default:
		it.advSub()
	}
	if it.done {
		return
	}
	if len(it.setPos) > 0 {
		n := len(it.days) * len(it.hours) * len(it.mins) * len(it.secs)
		sel := it.sel[:0]
		for _, p := range it.setPos {
			i := p - 1
			if p < 0 {
				i = n + p
			}
			if i < 0 || i >= n {
				continue
			}
			// insertion into sorted, de-duplicated position list
			j := len(sel)
			for j > 0 && sel[j-1] > i {
				j--
			}
			if j > 0 && sel[j-1] == i {
				continue
			}
			sel = append(sel, 0)
			copy(sel[j+1:], sel[j:])
			sel[j] = i
		}
		it.sel, it.selIdx, it.useSel = sel, 0, true
		return
	}
	// Whole days before DTSTART cannot produce anything; skip them in one go.
	for it.di < len(it.days) && it.days[it.di] < it.dtDay {
		it.di++
	}
}

func (it *Iterator) advYear() {
	for {
		if it.started {
			it.year += int(it.interval)
		}
		it.started = true
		if !it.step() {
			return
		}
		if it.year > 9999 || dayNumber(it.year, 1, 1)*secsPerDay > it.end {
			it.finish(nil)
			return
		}
		it.loadYear(it.year)
		for i := it.mask.next(0, it.mLen); i >= 0; i = it.mask.next(i+1, it.mLen) {
			it.days = append(it.days, it.mJan1+int64(i))
		}
		if len(it.days) > 0 {
			return
		}
	}
}

func (it *Iterator) advMonth() {
	for {
		if it.started {
			c := int64(it.year*12+it.month-1) + it.interval
			it.year, it.month = int(c/12), int(c%12)+1
		}
		it.started = true
		if !it.step() {
			return
		}
		if it.year > 9999 || dayNumber(it.year, it.month, 1)*secsPerDay > it.end {
			it.finish(nil)
			return
		}
		if it.monthMask != 0 && it.monthMask&(1<<it.month) == 0 {
			continue
		}
		if !it.mValid || it.mYear != it.year {
			it.loadYear(it.year)
		}
		if it.mask.empty() {
			// Nothing this year: jump to the first aligned month of a later
			// year instead of examining each month.
			c := int64(it.year*12 + it.month - 1)
			c += ceilDiv(int64(it.year+1)*12-c, it.interval)*it.interval - it.interval
			it.year, it.month = int(c/12), int(c%12)+1
			continue
		}
		leap := it.mLen - 365
		a, b := monthStart[leap][it.month], monthStart[leap][it.month+1]
		for i := it.mask.next(a, b); i >= 0; i = it.mask.next(i+1, b) {
			it.days = append(it.days, it.mJan1+int64(i))
		}
		if len(it.days) > 0 {
			return
		}
	}
}

func (it *Iterator) advWeek() {
	for {
		if it.started {
			it.day += 7 * it.interval
		}
		it.started = true
		if !it.step() {
			return
		}
		if it.day*secsPerDay > it.end {
			it.finish(nil)
			return
		}
		for d := it.day; d < it.day+7; d++ {
			if it.dayOK(d) {
				it.days = append(it.days, d)
			}
		}
		if len(it.days) > 0 {
			return
		}
	}
}

func (it *Iterator) advDay() {
	if it.started {
		it.day += it.interval
	}
	it.started = true
	for {
		if !it.step() {
			return
		}
		if it.day*secsPerDay > it.end {
			it.finish(nil)
			return
		}
		if it.dayOK(it.day) {
			it.days = append(it.days, it.day)
			return
		}
		// Jump straight to the next day that passes the filters (or the
		// next year), rounded up to the INTERVAL grid.
		it.day += ceilDiv(it.nextMaskDay(it.day)-it.day, it.interval) * it.interval
	}
}

func (it *Iterator) advSub() {
	p := it.unit * it.interval
	if it.started {
		it.t += p
	}
	it.started = true
	for {
		if !it.step() {
			return
		}
		if it.t > it.end {
			it.finish(nil)
			return
		}
		day := floorDiv(it.t, secsPerDay)
		tod := int(it.t - day*secsPerDay)
		var target int64
		if !it.dayOK(day) {
			target = it.nextMaskDay(day) * secsPerDay
		} else {
			h, m, s := tod/3600, tod/60%60, tod%60
			next, ok := it.nextTOD(h, m, s)
			if ok && next == tod {
				it.days = append(it.days, day)
				it.h1[0] = h
				it.hours = it.h1[:]
				if it.freq <= Minutely {
					it.m1[0] = m
					it.mins = it.m1[:]
				}
				if it.freq == Secondly {
					it.s1[0] = s
					it.secs = it.s1[:]
				}
				return
			}
			if ok {
				target = day*secsPerDay + int64(next)
			} else {
				target = (day + 1) * secsPerDay
			}
		}
		// Every period between here and target fails the same filter.
		it.t += ceilDiv(target-it.t, p) * p
	}
}

// todReachable reports whether any time of day allowed by the filters lies
// on the grid of period starts. Period starts repeat their time of day
// modulo g = gcd(period, 86400), so that is the only question.
func (it *Iterator) todReachable() bool {
	g, b := it.unit*it.interval, int64(secsPerDay)
	for b != 0 {
		g, b = b, g%b
	}
	want := floorMod(it.t, g)
	for hm := it.hourMask; hm != 0; hm &= hm - 1 {
		h := int64(bits.TrailingZeros32(hm))
		if it.freq == Hourly {
			if (h*3600)%g == want {
				return true
			}
			continue
		}
		for mm := it.minMask; mm != 0; mm &= mm - 1 {
			m := int64(bits.TrailingZeros64(mm))
			if it.freq == Minutely {
				if (h*3600+m*60)%g == want {
					return true
				}
				continue
			}
			for sm := it.secMask; sm != 0; sm &= sm - 1 {
				if (h*3600+m*60+int64(bits.TrailingZeros64(sm)))%g == want {
					return true
				}
			}
		}
	}
	return false
}

// nextTOD returns the earliest time of day at or after h:m:s that passes
// the filters relevant to the frequency (BYHOUR; BYMINUTE for MINUTELY and
// SECONDLY; BYSECOND for SECONDLY), or false if none is left in the day.
func (it *Iterator) nextTOD(h, m, s int) (int, bool) {
	for h < 24 {
		if it.hourMask&(1<<h) == 0 {
			nh := bits.TrailingZeros32(it.hourMask >> (h + 1))
			if h+1+nh >= 24 {
				return 0, false
			}
			h, m, s = h+1+nh, 0, 0
			continue
		}
		if it.freq <= Minutely && it.minMask&(1<<m) == 0 {
			nm := m + 1 + bits.TrailingZeros64(it.minMask>>(m+1))
			if nm >= 60 {
				h, m, s = h+1, 0, 0
			} else {
				m, s = nm, 0
			}
			continue
		}
		if it.freq == Secondly && it.secMask&(1<<s) == 0 {
			ns := s + 1 + bits.TrailingZeros64(it.secMask>>(s+1))
			if ns >= 60 {
				m, s = m+1, 0
				if m == 60 {
					h, m = h+1, 0
				}
			} else {
				s = ns
			}
			continue
		}
		return h*3600 + m*60 + s, true
	}
	return 0, false
}

// Next returns the next instance, or false when the iteration has ended
// (see Err for why).
func (it *Iterator) Next() (time.Time, bool) {
	for !it.done {
		var sec int64
		if it.useSel {
			if it.selIdx >= len(it.sel) {
				it.advance()
				continue
			}
			k := it.sel[it.selIdx]
			it.selIdx++
			S, M, H := len(it.secs), len(it.mins), len(it.hours)
			s := it.secs[k%S]
			k /= S
			m := it.mins[k%M]
			k /= M
			h := it.hours[k%H]
			sec = it.days[k/H]*secsPerDay + int64(h*3600+m*60+s)
		} else {
			if it.di >= len(it.days) {
				it.advance()
				continue
			}
			sec = it.days[it.di]*secsPerDay + int64(it.hours[it.hi]*3600+it.mins[it.mi]*60+it.secs[it.si])
			if it.si++; it.si == len(it.secs) {
				it.si = 0
				if it.mi++; it.mi == len(it.mins) {
					it.mi = 0
					if it.hi++; it.hi == len(it.hours) {
						it.hi = 0
						it.di++
					}
				}
			}
		}
		if sec < it.dtSec {
			continue
		}
		if sec > it.end {
			it.finish(nil)
			break
		}
		it.produced++
		if it.count > 0 && it.produced >= it.count {
			it.done = true
		}
		return time.Unix(sec, 0).UTC(), true
	}
	return time.Time{}, false
}

// Err reports why iteration stopped early: ErrStepLimit or ErrDeadline (or
// ErrInvalidRule/ErrRange for unusable input). It is nil when the rule ended
// normally: COUNT reached, UNTIL or Stop passed, or year 9999 passed.
func (it *Iterator) Err() error { return it.err }

// All collects up to max instances (max <= 0: no cap beyond lim). It returns
// the instances gathered even when err is non-nil.
func (r *Rule) All(dtstart, untilWall time.Time, lim Limits, max int) ([]time.Time, error) {
	it := r.Iter(dtstart, untilWall, lim)
	var out []time.Time
	for max <= 0 || len(out) < max {
		t, ok := it.Next()
		if !ok {
			break
		}
		out = append(out, t)
	}
	return out, it.Err()
}
