package recur

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goldenExcluded lists golden cases where dateutil contradicts RFC 5545; the
// Go package keeps the RFC behaviour. Keyed by "RRULE|DTSTART".
//
// Both BYWEEKNO classes concern days at the edges of a calendar year that
// belong to a week of the neighbouring week-numbering year. RFC 5545 (and
// ISO 8601 for WKST=MO) give every day exactly one week number; the YEARLY
// period is the calendar year, so such a day is produced when its week
// number, counted in its own week-numbering year, matches. TestByWeekNoISO
// checks that reading against time.ISOWeek.
const (
	// dateutil only marks next year's week 1 when BYWEEKNO contains 1 and
	// skips its negative form ("TODO: Check -numweeks for next year").
	weekNoNextNeg = "day at year end is in week 1 (= -N) of the next year; dateutil does not match the negative form"
	// dateutil computes the previous year's week count from the current
	// year's length, so it can call a 52-week year's last week "53".
	weekNoPrevCount = "day at year start is in week 52 of a 52-week previous year; dateutil counts that year as having 53 weeks"
)

var goldenExcluded = map[string]string{
	"FREQ=YEARLY;BYWEEKNO=53|19980101T000000":                                                     weekNoPrevCount, // 2011-01-01 is ISO 2010-W52
	"BYMONTHDAY=-1;WKST=WE;BYWEEKNO=-52,37,34;FREQ=YEARLY|20020923T023753":                        weekNoNextNeg,   // 2003-12-31 is week 1 = -52 of 2004
	"BYWEEKNO=-52,11,-53;WKST=SA;FREQ=YEARLY;COUNT=17|20210824T232316":                            weekNoNextNeg,   // 2022-12-31 is week 1 = -52 of 2023
	"WKST=SU;INTERVAL=4;BYWEEKNO=48,39,-53;BYDAY=WE,MO,SU,SA;FREQ=YEARLY|20070702T233544":         weekNoNextNeg,   // 2007-12-30 is week 1 = -53 of 2008
	"BYHOUR=17,13,0,21;FREQ=YEARLY;WKST=TU;BYWEEKNO=53,-53;UNTIL=20100125T154531|20030609T224053": weekNoNextNeg,   // 2003-12-30 is week 1 = -53 of 2004
	"WKST=FR;UNTIL=20320227T082732;FREQ=YEARLY;BYWEEKNO=-11,23,53|20300818T230000":                weekNoPrevCount, // 2031-01-01 is in week 52 of 2030
}

// mixedByDay reports a MONTHLY/YEARLY BYDAY list that mixes plain weekdays
// with ordinals (e.g. BYDAY=TH,4MO). RFC 5545 makes BYDAY a list of day
// specifications, so the result is the union: every Thursday plus the fourth
// Monday. dateutil keeps the two kinds in separate filters and requires a
// day to pass both (only fourth Mondays that are Thursdays, i.e. nothing),
// so these cases are skipped in the comparison and checked against the RFC
// reading in TestMixedByDay instead.
func mixedByDay(r *Rule) bool {
	if r.Freq != Monthly && r.Freq != Yearly {
		return false
	}
	var plain, ord bool
	for _, w := range r.ByDay {
		if w.N == 0 {
			plain = true
		} else {
			ord = true
		}
	}
	return plain && ord
}

// TestDateutilGolden compares against expansions produced by
// python-dateutil (testdata/gen_golden.py), instance by instance.
func TestDateutilGolden(t *testing.T) {
	f, err := os.Open("testdata/dateutil_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, instances, excluded, mixed := 0, 0, 0, 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "|")
		if len(fs) != 4 {
			t.Fatalf("bad golden line %q", line)
		}
		if why, ok := goldenExcluded[fs[0]+"|"+fs[1]]; ok {
			t.Logf("excluded %s|%s: %s", fs[0], fs[1], why)
			excluded++
			continue
		}
		max, _ := strconv.Atoi(fs[2])
		var want []string
		if fs[3] != "" {
			want = strings.Split(fs[3], ",")
		}
		r, err := ParseRule(fs[0])
		if err != nil {
			t.Errorf("%s: %v", fs[0], err)
			continue
		}
		if mixedByDay(r) {
			mixed++
			continue
		}
		var until time.Time
		if r.UntilKind == UntilLocal || r.UntilKind == UntilDate {
			until = r.Until
		}
		got, err := r.All(wall(fs[1]), until, Limits{}, max)
		if err != nil {
			t.Errorf("%s dtstart %s: %v", fs[0], fs[1], err)
		}
		n++
		instances += len(want)
		if !sameTimes(got, want) {
			t.Errorf("%s dtstart %s:\n got  %d %v\n want %d %v", fs[0], fs[1], len(got), fmtTimes(got), len(want), want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 300 {
		t.Errorf("only %d golden cases", n)
	}
	t.Logf("%d golden cases, %d instances compared; %d excluded, %d with mixed BYDAY skipped", n, instances, excluded, mixed)
}

func fmtTimes(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, x := range ts {
		out[i] = x.Format("20060102T150405")
	}
	return out
}

func sameTimes(got []time.Time, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		if g.Format("20060102T150405") != want[i] {
			return false
		}
	}
	return true
}
