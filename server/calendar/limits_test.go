package calendar

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// limSanity is a generous real-time guard against hangs, not a performance
// assertion: every case below takes milliseconds when the limits work.
const limSanity = 10 * time.Second

func limExpand(t *testing.T, ics string, from, to string, lim Limits) ([]Occurrence, []Problem) {
	t.Helper()
	c := domParse(t, domCal(ics), Options{})
	start := time.Now()
	occ, probs := c.Expand(domTime(t, from), domTime(t, to), lim)
	if d := time.Since(start); d > limSanity {
		t.Errorf("expansion took %v", d)
	}
	return occ, probs
}

func limHasProblem(probs []Problem, substr string) bool {
	for _, p := range probs {
		if strings.Contains(p.Msg, substr) {
			return true
		}
	}
	return false
}

// The hostile-rule cases use DefaultLimits' MaxPerSeries without its
// wall-time budget (domLimits), so they test the instance cap and the rule
// arithmetic, not the speed of the machine; the budget has its own tests.

func TestSecondlyWithoutEndIsTruncated(t *testing.T) {
	occ, probs := limExpand(t, `
BEGIN:VEVENT
UID:secondly@example.com
DTSTART:20260101T000000Z
RRULE:FREQ=SECONDLY
SUMMARY:Every second
END:VEVENT`, "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", domLimits)
	if len(occ) == 0 || len(occ) > DefaultLimits.MaxPerSeries {
		t.Fatalf("%d occurrences, want 1..%d", len(occ), DefaultLimits.MaxPerSeries)
	}
	if !limHasProblem(probs, "truncated") || !limHasProblem(probs, "secondly@example.com") {
		t.Errorf("problems %v do not report the truncated series", probs)
	}
	// What is listed is the start of the series, second by second.
	for i, o := range occ[:100] {
		if want := domTime(t, "2026-01-01T00:00:00Z").Add(time.Duration(i) * time.Second); !o.Start.Equal(want) {
			t.Fatalf("occurrence %d at %v, want %v", i, o.Start, want)
		}
	}
}

func TestSecondlyStartedBeforeWindowStillShows(t *testing.T) {
	occ, probs := limExpand(t, `
BEGIN:VEVENT
UID:secondly@example.com
DTSTART:20251201T000000Z
RRULE:FREQ=SECONDLY
SUMMARY:Every second
END:VEVENT`, "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", domLimits)
	if len(occ) == 0 || len(occ) > DefaultLimits.MaxPerSeries {
		t.Fatalf("%d occurrences, want 1..%d", len(occ), DefaultLimits.MaxPerSeries)
	}
	if want := domTime(t, "2026-01-01T00:00:00Z"); !occ[0].Start.Equal(want) {
		t.Errorf("first occurrence at %v, want the window start %v", occ[0].Start, want)
	}
	if !limHasProblem(probs, "truncated") {
		t.Errorf("problems %v do not report the truncation", probs)
	}
}

func TestNeverMatchingRuleKeepsDTSTART(t *testing.T) {
	occ, _ := limExpand(t, `
BEGIN:VEVENT
UID:feb30@example.com
DTSTART:20260115T100000Z
DTEND:20260115T110000Z
RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30
SUMMARY:30 February
END:VEVENT`, "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", domLimits)
	domEqual(t, "occurrences", domIDs(occ), []string{"feb30@example.com_20260115T100000 2026-01-15T10:00:00Z"})
}

func TestMinutelyFrom1970FastForwards(t *testing.T) {
	// Every 7 minutes since 1970-01-01 00:03Z, 10 minutes long. In a window
	// in 2026 the instances are those at 00:03Z + k*7min; the first one
	// listed may start up to 10 minutes before the window (still running).
	dtstart := domTime(t, "1970-01-01T00:03:00Z")
	from, to := domTime(t, "2026-03-10T12:00:00Z"), domTime(t, "2026-03-10T13:00:00Z")
	occ, probs := limExpand(t, `
BEGIN:VEVENT
UID:m7@example.com
DTSTART:19700101T000300Z
DTEND:19700101T001300Z
RRULE:FREQ=MINUTELY;INTERVAL=7
SUMMARY:Every 7 minutes
END:VEVENT`, from.Format(time.RFC3339), to.Format(time.RFC3339), domLimits)
	if len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
	var want []string
	step := 7 * time.Minute
	k := from.Add(-10*time.Minute).Sub(dtstart) / step
	for s := dtstart.Add(k * step); s.Before(to); s = s.Add(step) {
		if s.Add(10 * time.Minute).After(from) {
			want = append(want, "m7@example.com_"+s.Format("20060102T150405")+" "+s.Format(time.RFC3339))
		}
	}
	// Sanity of the expectation itself: 2026-03-10T12:00Z is minute
	// 29,552,400 since the epoch = 3 + 7*4,221,771, an instance; the one
	// before (11:53Z) still runs until 12:03Z; the last is 12:56Z.
	if len(want) != 10 || want[0] != "m7@example.com_20260310T115300 2026-03-10T11:53:00Z" ||
		want[9] != "m7@example.com_20260310T125600 2026-03-10T12:56:00Z" {
		t.Fatalf("test expectation wrong: %q", want)
	}
	domEqual(t, "occurrences", domIDs(occ), want)
}

func TestHugeCountFrom2020(t *testing.T) {
	occ, probs := limExpand(t, `
BEGIN:VEVENT
UID:daily@example.com
DTSTART;TZID=Europe/Berlin:20200101T080000
DTEND;TZID=Europe/Berlin:20200101T081500
RRULE:FREQ=DAILY;COUNT=1000000000
SUMMARY:Daily
END:VEVENT`, "2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", domLimits)
	if len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
	// 08:00 in Berlin: 07:00Z until the DST change on 29 March, 06:00Z after.
	domEqual(t, "occurrences", domIDs(occ), []string{
		"daily@example.com_20260327T070000 2026-03-27T07:00:00Z",
		"daily@example.com_20260328T070000 2026-03-28T07:00:00Z",
		"daily@example.com_20260329T060000 2026-03-29T06:00:00Z",
		"daily@example.com_20260330T060000 2026-03-30T06:00:00Z",
	})
}

func limManySecondly(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:s%d@example.com\nDTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:S%d\nEND:VEVENT\n", i, i)
	}
	return b.String()
}

func TestBudgetStopsExpansion(t *testing.T) {
	const series = 50
	occ, probs := limExpand(t, limManySecondly(series), "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z",
		Limits{MaxPerSeries: DefaultLimits.MaxPerSeries, Budget: time.Millisecond})
	if !limHasProblem(probs, "deadline") {
		t.Fatalf("no problem reports the exhausted budget (%d problems)", len(probs))
	}
	perSeries := map[string]int{}
	for _, o := range occ {
		perSeries[o.UID]++
	}
	for uid, n := range perSeries {
		if n > DefaultLimits.MaxPerSeries {
			t.Errorf("%s: %d occurrences, above MaxPerSeries", uid, n)
		}
	}
	// Without the budget every series would list MaxPerSeries instances.
	if len(occ) >= series*DefaultLimits.MaxPerSeries/10 {
		t.Errorf("%d occurrences: the budget did not stop the expansion", len(occ))
	}
}

func TestBudgetBoundsOutputOfManySeries(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	occ, probs := limExpand(t, limManySecondly(2000), "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z",
		Limits{MaxPerSeries: DefaultLimits.MaxPerSeries, Budget: time.Millisecond})
	runtime.ReadMemStats(&after)
	if len(probs) == 0 {
		t.Error("no problems reported")
	}
	if len(occ) > DefaultLimits.MaxPerSeries {
		t.Errorf("%d occurrences after a 1 ms budget, want at most %d", len(occ), DefaultLimits.MaxPerSeries)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 256 {
		t.Errorf("allocated %d MB for a 1 ms budget", mb)
	}
}

func TestWeeklySeriesYearMemory(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:w%d@example.com\nDTSTART;TZID=Europe/Berlin:2025%02d%02dT%02d0000\nDTEND;TZID=Europe/Berlin:2025%02d%02dT%02d3000\nRRULE:FREQ=WEEKLY\nSUMMARY:Weekly %d\nEND:VEVENT\n",
			i, i%12+1, i%28+1, 8+i%9, i%12+1, i%28+1, 8+i%9, i)
	}
	c := domParse(t, domCal(b.String()), Options{})
	from, to := domTime(t, "2026-01-01T00:00:00Z"), domTime(t, "2027-01-01T00:00:00Z")
	occ, probs := c.Expand(from, to, domLimits)
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	// 300 weekly series over a year: 52 or 53 instances each.
	if len(occ) < 300*52 || len(occ) > 300*53 {
		t.Fatalf("%d occurrences, want 300 series x 52-53 weeks", len(occ))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const runs = 3
	for i := 0; i < runs; i++ {
		c.Expand(from, to, domLimits)
	}
	runtime.ReadMemStats(&after)
	// ~16k occurrences of ~150 bytes: a few MB per expansion. The bound
	// only catches blow-ups (per-instance allocations of whole slices,
	// quadratic copies).
	perRun := (after.TotalAlloc - before.TotalAlloc) / runs
	if perRun > 64<<20 {
		t.Errorf("one expansion allocates %d MB", perRun>>20)
	}
	t.Logf("one expansion: %d occurrences, %.1f MB, %d mallocs", len(occ), float64(perRun)/(1<<20), (after.Mallocs-before.Mallocs)/runs)
}
