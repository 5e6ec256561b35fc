package recur

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func fuzzSeeds() []string {
	var out []string
	for _, c := range rfcCases {
		out = append(out, c.rule)
	}
	if f, err := os.Open("testdata/dateutil_golden.txt"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for i := 0; sc.Scan(); i++ {
			if line := sc.Text(); i%8 == 1 && !strings.HasPrefix(line, "#") {
				out = append(out, strings.SplitN(line, "|", 2)[0])
			}
		}
	}
	return append(out,
		"", ";", "FREQ", "FREQ=", "freq=secondly", "RRULE:FREQ=DAILY;;;", "FREQ=DAILY;UNTIL=20250101T000000Z;COUNT=-1",
		"FREQ=YEARLY;BYDAY=-53SU,+53MO;BYSETPOS=-366,366", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
		"FREQ=HOURLY;INTERVAL=99999999999999999999", "FREQ=SECONDLY;INTERVAL=9223372036854775807")
}

func FuzzParseRule(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if r != nil {
				t.Fatal("rule returned with error")
			}
			return
		}
		if !r.Freq.valid() || r.Interval < 1 || r.Count < 0 {
			t.Fatalf("invalid rule from %q: %+v", s, r)
		}
		c := r.String()
		r2, err := ParseRule(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if c2 := r2.String(); c2 != c {
			t.Fatalf("canonical form not stable: %q -> %q", c, c2)
		}
	})
}

func FuzzIter(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add(s, int64(i)*86400*397+873_000_000, uint32(86400*(i%400+1)), uint32(i*3600), 0)
	}
	f.Fuzz(func(t *testing.T, s string, dt int64, stopAfter, startAfter uint32, interval int) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		if interval != 0 {
			r.Interval = interval // hand-made rules may carry anything
		}
		dtw := time.Unix(minYearSec+floorMod(dt, maxYearSec-minYearSec+1), 0).UTC()
		var until time.Time
		if r.UntilKind == UntilLocal || r.UntilKind == UntilDate {
			until = r.Until
		}
		lim := Limits{MaxSteps: 5000, Stop: dtw.Add(time.Duration(stopAfter) * time.Second)}
		const max = 5000

		began := time.Now()
		full, errFull, capped := collect(t, r, dtw, until, lim, max)
		if el := time.Since(began); el > 2*time.Second {
			t.Fatalf("%s from %v took %v", r, dtw, el)
		}
		if startAfter == 0 || r.Count > 0 || errFull != nil || capped {
			return
		}
		lim.Start = dtw.Add(time.Duration(startAfter) * time.Second)
		ff, errFF, capped := collect(t, r, dtw, until, lim, max)
		if errFF != nil || capped {
			return
		}
		var a, b []string
		for _, x := range full {
			if !x.Before(lim.Start) {
				a = append(a, x.String())
			}
		}
		for _, x := range ff {
			if !x.Before(lim.Start) {
				b = append(b, x.String())
			}
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("%s from %v start %v: fast-forward differs\nfull %v\nff   %v", r, dtw, lim.Start, a, b)
		}
	})
}

// collect iterates with invariant checks; capped reports hitting max.
func collect(t *testing.T, r *Rule, dt, until time.Time, lim Limits, max int) ([]time.Time, error, bool) {
	t.Helper()
	it := r.Iter(dt, until, lim)
	var out []time.Time
	for x, ok := it.Next(); ok; x, ok = it.Next() {
		if x.Before(dt) {
			t.Fatalf("%s from %v: %v before dtstart", r, dt, x)
		}
		if n := len(out); n > 0 && !x.After(out[n-1]) {
			t.Fatalf("%s from %v: %v not after %v", r, dt, x, out[n-1])
		}
		if !x.Before(lim.Stop) || (!until.IsZero() && x.After(until)) {
			t.Fatalf("%s from %v: %v outside bounds", r, dt, x)
		}
		if x.Year() > 9999 || x.Location() != time.UTC {
			t.Fatalf("%s: bad instance %v", r, x)
		}
		out = append(out, x)
		if r.Count > 0 && len(out) > r.Count {
			t.Fatalf("%s: more than COUNT", r)
		}
		if len(out) >= max {
			return out, it.Err(), true
		}
	}
	if _, ok := it.Next(); ok {
		t.Fatalf("%s: Next true after false", r)
	}
	return out, it.Err(), false
}
