package recur

import "math/bits"

// Civil-date arithmetic on day numbers (days since 1970-01-01, proleptic
// Gregorian). Working on plain integers instead of time.Time keeps the hot
// loop free of normalisation: time.Date would silently turn Feb 30 into
// Mar 2, which is exactly what recurrence expansion must never do.

const secsPerDay = 86400

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func yearLen(y int) int {
	if isLeap(y) {
		return 366
	}
	return 365
}

var monthLen = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// monthStart[leap][m] is the 0-based day of year of the 1st of month m;
// monthStart[leap][13] is the year length.
var monthStart [2][14]int

func init() {
	for l := 0; l < 2; l++ {
		d := 0
		for m := 1; m <= 12; m++ {
			monthStart[l][m] = d
			d += monthLen[m]
			if m == 2 && l == 1 {
				d++
			}
		}
		monthStart[l][13] = d
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func daysIn(y, m int) int {
	if m == 2 && isLeap(y) {
		return 29
	}
	return monthLen[m]
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dayNumber returns the day number of y-m-d (m 1..12, d 1..31).
func dayNumber(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400                // [0, 399]
	mp := int64((m + 9) % 12)          // March = 0
	doy := (153*mp+2)/5 + int64(d) - 1 // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil is the inverse of dayNumber.
func civil(n int64) (y, m, d int) {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// weekday of a day number; day 0 (1970-01-01) was a Thursday.
func weekday(n int64) int {
	w := (n + 4) % 7
	if w < 0 {
		w += 7
	}
	return int(w)
}

// yset is a set of days of one year, bit i = 0-based day of year i.
type yset [6]uint64

func (s *yset) set(i int)      { s[i>>6] |= 1 << (uint(i) & 63) }
func (s *yset) has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }
func (s *yset) and(o *yset) {
	s[0] &= o[0]
	s[1] &= o[1]
	s[2] &= o[2]
	s[3] &= o[3]
	s[4] &= o[4]
	s[5] &= o[5]
}
func (s *yset) or(o *yset) {
	s[0] |= o[0]
	s[1] |= o[1]
	s[2] |= o[2]
	s[3] |= o[3]
	s[4] |= o[4]
	s[5] |= o[5]
}
func (s *yset) empty() bool { return s[0]|s[1]|s[2]|s[3]|s[4]|s[5] == 0 }
func (s *yset) setRange(a, b int) { // [a, b)
	for i := a; i < b; i++ {
		s.set(i)
	}
}

// orBits ORs the low n (<= 32) bits of v into the set starting at day off.
func (s *yset) orBits(off int, v uint64) {
	w, sh := off>>6, uint(off)&63
	s[w] |= v << sh
	if sh != 0 && w+1 < len(s) {
		s[w+1] |= v >> (64 - sh)
	}
}

// next returns the first member >= i and < end, or -1.
func (s *yset) next(i, end int) int {
	for i < end {
		w := i >> 6
		word := s[w] >> (uint(i) & 63)
		if word != 0 {
			j := i + bits.TrailingZeros64(word)
			if j < end {
				return j
			}
			return -1
		}
		i = (w + 1) << 6
	}
	return -1
}
