package tz

import (
	"math"
	"testing"
	"time"
)

// TestTablesMatchGo checks, for every zone, that the offset table agrees
// with Go's own lookups: at every period boundary Go reports (±1 s) and
// at instants spread over 1800-2200.
func TestTablesMatchGo(t *testing.T) {
	names := allZoneNames(t)
	step := 13*24*time.Hour + 5*time.Hour + 7*time.Minute
	if testing.Short() || raceEnabled {
		step *= 8
	}
	from := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Unix(tableLimit, 0)
	checked := 0
	for _, name := range names {
		loc := mustLoad(t, name)
		tb := tableFor(loc)
		if tb == nil {
			if loc != time.UTC {
				t.Errorf("%s: no table", name)
			}
			continue
		}
		if len(tb.start) != len(tb.off)+1 || tb.start[0] != math.MinInt64 {
			t.Fatalf("%s: malformed table", name)
		}
		for i := 1; i < len(tb.off); i++ {
			if tb.start[i] <= tb.start[i-1] || tb.off[i] == tb.off[i-1] {
				t.Fatalf("%s: entry %d not increasing or not a change", name, i)
			}
		}
		check := func(x time.Time) {
			_, want := x.In(loc).Zone()
			if got := offsetAt(x.Unix(), loc); got != want {
				t.Fatalf("%s at %v: table %d, Go %d", name, x, got, want)
			}
			checked++
		}
		for x := from; x.Before(to); x = x.Add(step) {
			check(x)
		}
		// Go's rule-string lookups report bogus period ends on 31
		// December (UTC) of leap years; scan those days hourly.
		for y := 2008; y < 2200; y += 4 {
			for x := time.Date(y, 12, 30, 0, 0, 0, 0, time.UTC); x.Before(time.Date(y+1, 1, 2, 0, 0, 0, 0, time.UTC)); x = x.Add(time.Hour) {
				check(x)
			}
		}
		for _, s := range tb.start[1:len(tb.off)] {
			for _, d := range []int64{-1, 0, 1} {
				check(time.Unix(s+d, 0))
			}
		}
	}
	t.Logf("%d zones, %d instants", len(names), checked)
}

func TestTableOnlyForIANA(t *testing.T) {
	if tableFor(time.UTC) != nil || tableFor(time.FixedZone("x", 1)) != nil || tableFor(berlinCustom(t)) != nil {
		t.Error("table for a location not from LoadIANA")
	}
	std, _ := time.LoadLocation("Europe/Rome") // same zone, different pointer
	if tableFor(std) != nil {
		t.Error("table for time.LoadLocation result")
	}
	// Both paths give the same answers.
	rome := mustLoad(t, "Europe/Rome")
	for _, w := range []time.Time{wallUTC(2025, 3, 30, 2, 30, 0), wallUTC(2025, 10, 26, 2, 30, 0), wallUTC(2300, 3, 26, 2, 30, 0)} {
		a, b := Instant(w, rome), Instant(w, std)
		if !a.Equal(b) {
			t.Errorf("%v: table %v, Go %v", w, a, b)
		}
	}
}
