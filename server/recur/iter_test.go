package recur

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, s string) *Rule {
	t.Helper()
	r, err := ParseRule(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return r
}

func TestIterSemantics(t *testing.T) {
	tests := []struct {
		name    string
		rule    string
		dtstart string
		until   string
		lim     Limits
		max     int
		want    string // space-separated 20060102T150405
		err     error
	}{
		{name: "dtstart not matching is not produced", rule: "FREQ=WEEKLY;BYDAY=MO;COUNT=2", dtstart: "20250101T090000",
			want: "20250106T090000 20250113T090000"},
		{name: "until inclusive", rule: "FREQ=DAILY", dtstart: "20250101T090000", until: "20250103T090000",
			want: "20250101T090000 20250102T090000 20250103T090000"},
		{name: "until one second before", rule: "FREQ=DAILY", dtstart: "20250101T090000", until: "20250103T085959",
			want: "20250101T090000 20250102T090000"},
		{name: "stop exclusive", rule: "FREQ=DAILY", dtstart: "20250101T090000", lim: Limits{Stop: wall("20250103T090000")},
			want: "20250101T090000 20250102T090000"},
		{name: "stop just after", rule: "FREQ=DAILY", dtstart: "20250101T090000", lim: Limits{Stop: wall("20250103T090001")},
			want: "20250101T090000 20250102T090000 20250103T090000"},
		{name: "until before dtstart", rule: "FREQ=DAILY", dtstart: "20250101T090000", until: "20241231T000000", want: ""},
		{name: "feb 29 yearly skips non-leap years", rule: "FREQ=YEARLY;COUNT=3", dtstart: "20200229T120000",
			want: "20200229T120000 20240229T120000 20280229T120000"},
		{name: "31st monthly skips short months", rule: "FREQ=MONTHLY;COUNT=4", dtstart: "20250131T080000",
			want: "20250131T080000 20250331T080000 20250531T080000 20250731T080000"},
		{name: "feb 30 never", rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dtstart: "20250101T000000", want: ""},
		{name: "april 31 never (monthly)", rule: "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4", dtstart: "20250101T000000", want: ""},
		{name: "count with setpos", rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", dtstart: "20250101T170000",
			want: "20250131T170000 20250228T170000 20250331T170000"},
		{name: "setpos before dtstart dropped after selection", rule: "FREQ=MONTHLY;BYMONTHDAY=1,2,3;BYSETPOS=1;COUNT=2",
			dtstart: "20250102T000000", want: "20250201T000000 20250301T000000"},
		{name: "yearly byweekno spans new year", rule: "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO,TU,WE;COUNT=6", dtstart: "20240101T000000",
			// ISO week 1 of 2025 starts Mon 2024-12-30.
			want: "20240101T000000 20240102T000000 20240103T000000 20241230T000000 20241231T000000 20250101T000000"},
		{name: "yearly nth in year", rule: "FREQ=YEARLY;BYDAY=-1MO;COUNT=2", dtstart: "20250101T000000",
			want: "20251229T000000 20261228T000000"},
		{name: "yearly nth in month with BYMONTH", rule: "FREQ=YEARLY;BYMONTH=3;BYDAY=-1MO;COUNT=2", dtstart: "20250101T000000",
			want: "20250331T000000 20260330T000000"},
		{name: "hourly expands minutes", rule: "FREQ=HOURLY;BYMINUTE=0,30;COUNT=4", dtstart: "20250101T091500",
			want: "20250101T093000 20250101T100000 20250101T103000 20250101T110000"},
		{name: "secondly interval across midnight", rule: "FREQ=SECONDLY;INTERVAL=40;COUNT=3", dtstart: "20241231T235930",
			want: "20241231T235930 20250101T000010 20250101T000050"},
		{name: "leap day minutely", rule: "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=0;BYMINUTE=0;COUNT=2",
			dtstart: "20210101T000000", want: "20240229T000000 20280229T000000"},
		{name: "weekly wkst interval", rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=MO;COUNT=4", dtstart: "20250106T100000",
			want: "20250106T100000 20250112T100000 20250120T100000 20250126T100000"},
		{name: "nanoseconds of dtstart ignored", rule: "FREQ=DAILY;COUNT=1", dtstart: "20250101T090000",
			want: "20250101T090000"},
		{name: "end at 9999", rule: "FREQ=YEARLY", dtstart: "99981231T235959",
			want: "99981231T235959 99991231T235959"},
		{name: "yearly never matching ends at 9999 without error", rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dtstart: "20250101T000000", want: ""},
		{name: "step limit", rule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", dtstart: "20250101T000000", lim: Limits{MaxSteps: 50},
			want: "", err: ErrStepLimit},
		{name: "deadline", rule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", dtstart: "20250101T040000",
			lim: Limits{Deadline: time.Now().Add(-time.Second)}, want: "", err: ErrDeadline},
		{name: "max steps counts periods", rule: "FREQ=DAILY", dtstart: "20250101T000000", lim: Limits{MaxSteps: 3},
			want: "20250101T000000 20250102T000000 20250103T000000", err: ErrStepLimit},
		{name: "hand-made interval 0 treated as 1", rule: "FREQ=DAILY;COUNT=2", dtstart: "20250101T000000",
			want: "20250101T000000 20250102T000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustParse(t, tc.rule)
			if tc.name == "hand-made interval 0 treated as 1" {
				r.Interval = 0
			}
			var until time.Time
			if tc.until != "" {
				until = wall(tc.until)
			}
			dt := wall(tc.dtstart)
			if tc.name == "nanoseconds of dtstart ignored" {
				dt = dt.Add(500 * time.Millisecond)
			}
			got, err := r.All(dt, until, tc.lim, tc.max)
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
			if g := strings.Join(fmtTimes(got), " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// TestNeverMatching: rules that never produce anything must end quickly,
// by the year-9999 cap where periods are coarse and by MaxSteps where the
// RFC allows a pathological number of them.
func TestNeverMatching(t *testing.T) {
	for _, s := range []string{
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
		"FREQ=MONTHLY;BYMONTH=8,12;INTERVAL=4", // from June: only months 6,10,2
		"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=DAILY;BYMONTHDAY=31;BYMONTH=4,6,9,11",
		"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=HOURLY;INTERVAL=24;BYHOUR=5", // dtstart hour 6: never 5
		"FREQ=MINUTELY;INTERVAL=60;BYMINUTE=1",
		"FREQ=SECONDLY;BYYEARDAY=366;BYMONTH=1",
		"FREQ=SECONDLY;INTERVAL=2;BYSECOND=1",
		"FREQ=SECONDLY",
		"FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
	} {
		t.Run(s, func(t *testing.T) {
			r := mustParse(t, s)
			it := r.Iter(wall("20250601T060000"), time.Time{}, Limits{})
			n := 0
			for _, ok := it.Next(); ok && n < 2_000_000; _, ok = it.Next() {
				n++
			}
			if s != "FREQ=SECONDLY" && n != 0 {
				t.Errorf("produced %d instances", n)
			}
			if s == "FREQ=SECONDLY" && !errors.Is(it.Err(), ErrStepLimit) {
				t.Errorf("unbounded SECONDLY: err %v after %d", it.Err(), n)
			}
			// Bounded in work, not wall time (a loaded CI machine is slow):
			// a never-matching rule ends within the step limit.
			if it.steps > DefaultMaxSteps+1 {
				t.Errorf("took %d steps, limit %d", it.steps, DefaultMaxSteps)
			}
			t.Logf("err=%v, steps=%d", it.Err(), it.steps)
		})
	}
}

// TestWallClockNoRepeats guards against the rrule-go class of bug, where
// HOURLY arithmetic on zoned instants yields the same local time twice on a
// DST fall-back day. In the wall frame times are plain clock readings, so
// the output must be strictly increasing and unique across such dates.
func TestWallClockNoRepeats(t *testing.T) {
	for _, s := range []string{
		"FREQ=HOURLY", "FREQ=HOURLY;INTERVAL=2", "FREQ=HOURLY;BYMINUTE=0,30",
		"FREQ=MINUTELY;INTERVAL=7", "FREQ=MINUTELY;BYHOUR=1,2,3", "FREQ=SECONDLY;INTERVAL=61",
		"FREQ=DAILY;BYHOUR=0,1,2,3;BYMINUTE=0,30",
	} {
		for _, dt := range []string{"20241102T220000", "20241026T230000", "20240309T230000", "20250329T220000"} {
			r := mustParse(t, s)
			got, err := r.All(wall(dt), time.Time{}, Limits{Stop: wall(dt).Add(30 * time.Hour)}, 0)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[time.Time]bool{}
			for i, g := range got {
				if seen[g] {
					t.Errorf("%s from %s: repeated %v", s, dt, g)
				}
				seen[g] = true
				if i > 0 && !g.After(got[i-1]) {
					t.Errorf("%s from %s: not increasing at %v", s, dt, g)
				}
				if g.Location() != time.UTC {
					t.Errorf("output not in UTC representation: %v", g.Location())
				}
			}
			// Hourly output keeps a fixed wall-clock step, including over
			// the local 01:00-02:00 hour that DST repeats or skips.
			if s == "FREQ=HOURLY" {
				for i := 1; i < len(got); i++ {
					if d := got[i].Sub(got[i-1]); d != time.Hour {
						t.Errorf("%s: step %v at %v", s, d, got[i])
					}
				}
				if len(got) != 30 {
					t.Errorf("%s from %s: %d instances, want 30", s, dt, len(got))
				}
			}
		}
	}
}

// TestByWeekNoISO checks BYWEEKNO (WKST=MO) against time.ISOWeek, including
// the days at year edges that belong to the neighbouring ISO year.
func TestByWeekNoISO(t *testing.T) {
	weeksIn := func(y int) int {
		_, w := time.Date(y, 12, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
		return w
	}
	from, to := wall("19900101T000000"), wall("20401231T000000")
	for _, v := range []int{1, 2, 26, 52, 53, -1, -2, -52, -53} {
		r := mustParse(t, fmt.Sprintf("FREQ=YEARLY;BYWEEKNO=%d", v))
		got, err := r.All(from, to, Limits{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want []time.Time
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			y, w := d.ISOWeek()
			if w == v || w-weeksIn(y)-1 == v {
				want = append(want, d)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("BYWEEKNO=%d: got %d days, want %d\n got %v\nwant %v", v, len(got), len(want), fmtTimes(got), fmtTimes(want))
		}
	}
}

// TestMixedByDay checks the RFC reading of a BYDAY list mixing plain days
// and ordinals: the union (see mixedByDay in golden_test.go).
func TestMixedByDay(t *testing.T) {
	r := mustParse(t, "FREQ=MONTHLY;BYDAY=MO,-1WE")
	got, err := r.All(wall("20250101T090000"), wall("20251231T090000"), Limits{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []time.Time
	for d := wall("20250101T090000"); d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		lastWed := d.Weekday() == time.Wednesday && d.AddDate(0, 0, 7).Month() != d.Month()
		if d.Weekday() == time.Monday || lastWed {
			want = append(want, d)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", fmtTimes(got), fmtTimes(want))
	}
}

// randomRule builds a rule string that uses the BY parts defined for its
// frequency, biased towards the values that exercise edge cases.
func randomRule(rng *rand.Rand, withCount bool) string {
	freqs := []string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}
	fi := rng.Intn(len(freqs))
	f := freqs[fi]
	parts := []string{"FREQ=" + f}
	list := func(n int, gen func() int) string {
		var s []string
		for i := 0; i < 1+rng.Intn(n); i++ {
			s = append(s, fmt.Sprint(gen()))
		}
		return strings.Join(s, ",")
	}
	sign := func(v int) int {
		if rng.Intn(3) == 0 {
			return -v
		}
		return v
	}
	if rng.Intn(3) == 0 {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", 1+rng.Intn(12)))
	}
	if rng.Intn(4) == 0 {
		parts = append(parts, "BYMONTH="+list(3, func() int { return 1 + rng.Intn(12) }))
	}
	if f != "WEEKLY" && rng.Intn(4) == 0 {
		parts = append(parts, "BYMONTHDAY="+list(3, func() int { return sign(1 + rng.Intn(31)) }))
	}
	if (f == "YEARLY" || fi >= 4) && rng.Intn(5) == 0 {
		parts = append(parts, "BYYEARDAY="+list(3, func() int { return sign(1 + rng.Intn(366)) }))
	}
	if f == "YEARLY" && rng.Intn(4) == 0 {
		parts = append(parts, "BYWEEKNO="+list(3, func() int { return sign(1 + rng.Intn(53)) }))
	}
	if rng.Intn(3) == 0 {
		days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
		var s []string
		for i := 0; i < 1+rng.Intn(3); i++ {
			d := days[rng.Intn(7)]
			if (f == "MONTHLY" || f == "YEARLY") && rng.Intn(2) == 0 {
				d = fmt.Sprint(sign(1+rng.Intn(5))) + d
			}
			s = append(s, d)
		}
		parts = append(parts, "BYDAY="+strings.Join(s, ","))
	}
	if rng.Intn(4) == 0 {
		parts = append(parts, "BYHOUR="+list(3, func() int { return rng.Intn(24) }))
	}
	if rng.Intn(5) == 0 {
		parts = append(parts, "BYMINUTE="+list(3, func() int { return rng.Intn(60) }))
	}
	if rng.Intn(6) == 0 {
		parts = append(parts, "BYSECOND="+list(3, func() int { return rng.Intn(60) }))
	}
	if rng.Intn(5) == 0 {
		parts = append(parts, "BYSETPOS="+list(2, func() int { return sign(1 + rng.Intn(5)) }))
	}
	if rng.Intn(4) == 0 {
		parts = append(parts, "WKST="+[]string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}[rng.Intn(7)])
	}
	if withCount && rng.Intn(3) == 0 {
		parts = append(parts, fmt.Sprintf("COUNT=%d", 1+rng.Intn(30)))
	}
	return strings.Join(parts, ";")
}

// spans picks a window length that gives a manageable number of instances
// per frequency.
var spans = map[Freq]time.Duration{
	Yearly: 20 * 365 * 24 * time.Hour, Monthly: 5 * 365 * 24 * time.Hour, Weekly: 2 * 365 * 24 * time.Hour,
	Daily: 180 * 24 * time.Hour, Hourly: 10 * 24 * time.Hour, Minutely: 12 * time.Hour, Secondly: 20 * time.Minute,
}

// TestFastForwardProperty: with Limits.Start the instances at or after
// Start are identical to a full iteration.
func TestFastForwardProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cases, compared := 0, 0
	for i := 0; i < 3000; i++ {
		r := mustParse(t, randomRule(rng, true))
		dt := time.Date(1990+rng.Intn(40), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60), rng.Intn(60), 0, time.UTC)
		span := spans[r.Freq]
		start := dt.Add(time.Duration(rng.Int63n(int64(3 * span))))
		stop := start.Add(span)
		var until time.Time
		if rng.Intn(4) == 0 {
			until = start.Add(time.Duration(rng.Int63n(int64(span))))
		}
		lim := Limits{Stop: stop, MaxSteps: 200000}
		full, err1 := r.All(dt, until, lim, 0)
		lim.Start = start
		ff, err2 := r.All(dt, until, lim, 0)
		if err1 != nil || err2 != nil {
			continue // step limit hit by a sparse rule; not comparable
		}
		cases++
		var a, b []time.Time
		for _, x := range full {
			if !x.Before(start) {
				a = append(a, x)
			}
		}
		for _, x := range ff {
			if !x.Before(start) {
				b = append(b, x)
			}
		}
		compared += len(a)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("%s dtstart %v start %v until %v:\nfull %v\nff   %v", r, dt, start, until, fmtTimes(a), fmtTimes(b))
		}
	}
	if cases < 2500 {
		t.Errorf("only %d comparable cases", cases)
	}
	t.Logf("%d rules, %d instances compared", cases, compared)
}

// TestFastForwardSkipsWork shows the point of Start: a daily rule from 1990
// queried for one week of 2025 examines a handful of periods, not 12000.
func TestFastForwardSkipsWork(t *testing.T) {
	r := mustParse(t, "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR")
	it := r.Iter(wall("19900101T090000"), time.Time{}, Limits{Start: wall("20250106T000000"), Stop: wall("20250113T000000")})
	var got []time.Time
	for x, ok := it.Next(); ok; x, ok = it.Next() {
		got = append(got, x)
	}
	if len(got) != 5 || it.steps > 10 {
		t.Errorf("got %v in %d steps", fmtTimes(got), it.steps)
	}
}

// TestIterInvariants runs many random rules and checks the general
// guarantees: increasing, >= DTSTART, COUNT respected, bounds respected.
func TestIterInvariants(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 3000; i++ {
		r := mustParse(t, randomRule(rng, true))
		dt := time.Date(1900+rng.Intn(200), time.Month(1+rng.Intn(12)), 1+rng.Intn(31), rng.Intn(24), rng.Intn(60), rng.Intn(60), 0, time.UTC)
		checkInvariants(t, r, dt, time.Time{}, Limits{Stop: dt.Add(spans[r.Freq]), MaxSteps: 100000}, 5000)
	}
}

func checkInvariants(t *testing.T, r *Rule, dt, until time.Time, lim Limits, max int) {
	t.Helper()
	it := r.Iter(dt, until, lim)
	var prev time.Time
	n := 0
	dtw := time.Unix(wallSec(dt), 0).UTC()
	for x, ok := it.Next(); ok; x, ok = it.Next() {
		n++
		if x.Before(dtw) {
			t.Fatalf("%s dtstart %v: %v before dtstart", r, dt, x)
		}
		if n > 1 && !x.After(prev) {
			t.Fatalf("%s dtstart %v: %v not after %v", r, dt, x, prev)
		}
		if !lim.Stop.IsZero() && !x.Before(lim.Stop) {
			t.Fatalf("%s dtstart %v: %v not before Stop %v", r, dt, x, lim.Stop)
		}
		if !until.IsZero() && x.After(until) {
			t.Fatalf("%s dtstart %v: %v after until %v", r, dt, x, until)
		}
		if r.Count > 0 && n > r.Count {
			t.Fatalf("%s: more than COUNT instances", r)
		}
		if n >= max {
			break
		}
		prev = x
	}
}
