package tz

import (
	"strings"
	"testing"
	"time"
)

// lastSunday returns the day of month of the last Sunday of year/month.
func lastSunday(year int, month time.Month) int {
	d := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC) // last day of month
	return d.Day() - int(d.Weekday())
}

// berlinTransitions spells out the EU rules Germany has followed since
// 1996: CEST from the last Sunday of March 01:00 UTC, CET from the last
// Sunday of October 01:00 UTC.
func berlinTransitions(from, to int) []Transition {
	var tr []Transition
	for y := from; y <= to; y++ {
		tr = append(tr,
			Transition{At: time.Date(y, time.March, lastSunday(y, time.March), 1, 0, 0, 0, time.UTC), Offset: 7200, Name: "CEST", DST: true},
			Transition{At: time.Date(y, time.October, lastSunday(y, time.October), 1, 0, 0, 0, time.UTC), Offset: 3600, Name: "CET"},
		)
	}
	return tr
}

func TestFromTransitionsBerlin(t *testing.T) {
	loc, err := FromTransitions("Custom/Berlin", 3600, "CET", berlinTransitions(1996, 2100))
	if err != nil {
		t.Fatal(err)
	}
	if loc.String() != "Custom/Berlin" {
		t.Errorf("name %q", loc)
	}
	ref, _ := LoadIANA("Europe/Berlin")
	check := func(at time.Time) {
		t.Helper()
		n1, o1 := at.In(loc).Zone()
		n2, o2 := at.In(ref).Zone()
		if o1 != o2 || n1 != n2 {
			t.Fatalf("%v: custom %s %d, tz database %s %d", at.UTC(), n1, o1, n2, o2)
		}
	}
	n := 0
	for at := time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() <= 2100; at = at.Add(5*time.Hour + 17*time.Minute) {
		check(at)
		n++
	}
	for _, tr := range berlinTransitions(1996, 2100) {
		for _, d := range []time.Duration{-time.Hour, -time.Second, 0, time.Second, time.Hour} {
			check(tr.At.Add(d))
			n++
		}
	}
	t.Logf("compared %d instants", n)
	// Before the first transition: the initial type.
	if name, off := time.Date(1980, 7, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone(); name != "CET" || off != 3600 {
		t.Errorf("before first transition: %s %d", name, off)
	}
	// After the last one: it holds forever.
	if name, off := time.Date(2500, 7, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone(); name != "CET" || off != 3600 {
		t.Errorf("after last transition: %s %d", name, off)
	}
}

func TestFromTransitionsInitialDSTAndReuse(t *testing.T) {
	// The initial type equals a later transition's type, and the first
	// transition is to DST: Go's first-zone heuristics must not kick in.
	at := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	loc, err := FromTransitions("x", 7200, "B", []Transition{
		{At: at(2001), Offset: 3600, Name: "A", DST: true},
		{At: at(2002), Offset: 7200, Name: "B"},
		{At: at(2003), Offset: 3600, Name: "A", DST: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		y    int
		name string
		off  int
	}{{1900, "B", 7200}, {2000, "B", 7200}, {2001, "A", 3600}, {2002, "B", 7200}, {2003, "A", 3600}, {2100, "A", 3600}} {
		if name, off := at(c.y).Add(time.Hour).In(loc).Zone(); name != c.name || off != c.off {
			t.Errorf("%d: %s %d; want %s %d", c.y, name, off, c.name, c.off)
		}
	}
}

func TestFromTransitionsNormalises(t *testing.T) {
	at := func(m time.Month) time.Time { return time.Date(2025, m, 1, 0, 0, 0, 0, time.UTC) }
	loc, err := FromTransitions("n", 0, "", []Transition{
		{At: at(9), Offset: 0, Name: "Z0"},
		{At: at(3), Offset: 5*3600 + 45*60},                 // unnamed: "+0545"
		{At: at(3).Add(500 * time.Millisecond), Offset: 60}, // same second as above, given later: wins
		{At: at(5), Offset: 60},                             // no change: dropped
		{At: at(6), Offset: -(3*3600 + 1800)},               // "-0330"
		{At: at(7), Offset: 3*3600 + 1800, Name: "a\x00b"},  // NUL removed
		{At: at(8), Offset: 3*3600 + 1800, Name: "ab"},      // no change after sanitising
		{At: at(10), Offset: 3 * 3600},                      // "+03"
		{At: at(11), Offset: 3208},                          // "+005328"
		{At: at(12), Offset: 3208, Name: strings.Repeat("é", 40)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		m    time.Month
		name string
		off  int
	}{
		{1, "+00", 0}, {3, "+0001", 60}, {5, "+0001", 60}, {6, "-0330", -12600}, {7, "ab", 12600}, {8, "ab", 12600},
		{9, "Z0", 0}, {10, "+03", 10800}, {11, "+005328", 3208}, {12, strings.Repeat("é", 16), 3208},
	}
	for _, w := range want {
		if name, off := at(w.m).Add(time.Hour).In(loc).Zone(); name != w.name || off != w.off {
			t.Errorf("month %d: %q %d; want %q %d", w.m, name, off, w.name, w.off)
		}
	}
	// The dropped transitions leave no boundary behind.
	start, _ := at(5).Add(time.Hour).In(loc).ZoneBounds()
	if !start.Equal(at(3)) {
		t.Errorf("period containing May starts %v; want %v", start, at(3))
	}
}

func TestFromTransitionsManyAndEmpty(t *testing.T) {
	// Every week for 60 years: ~3100 transitions.
	var tr []Transition
	for at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2060; at = at.AddDate(0, 0, 7) {
		off := 3600
		if len(tr)%2 == 0 {
			off = 7200
		}
		tr = append(tr, Transition{At: at, Offset: off})
	}
	loc, err := FromTransitions("many", 3600, "", tr)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range tr {
		if _, off := x.At.Add(time.Minute).In(loc).Zone(); off != x.Offset {
			t.Fatalf("transition %d: offset %d; want %d", i, off, x.Offset)
		}
	}
	fixed, err := FromTransitions("fixed", -(9*3600 + 1800), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if name, off := time.Now().In(fixed).Zone(); name != "-0930" || off != -(9*3600+1800) {
		t.Errorf("fixed: %s %d", name, off)
	}
}

func TestFromTransitionsErrors(t *testing.T) {
	if _, err := FromTransitions("x", MaxOffset+1, "", nil); err == nil {
		t.Error("initial offset out of range accepted")
	}
	if _, err := FromTransitions("x", 0, "", []Transition{{At: time.Unix(0, 0), Offset: -MaxOffset - 1}}); err == nil {
		t.Error("transition offset out of range accepted")
	}
	var tr []Transition
	for i := 0; i < 300; i++ {
		tr = append(tr, Transition{At: time.Unix(int64(i)*3600, 0), Offset: i * 60})
	}
	if _, err := FromTransitions("x", 0, "", tr); err == nil {
		t.Error("300 distinct types accepted")
	}
	tr = tr[:0]
	for i := 0; i < 100; i++ {
		tr = append(tr, Transition{At: time.Unix(int64(i)*3600, 0), Offset: i % 2 * 3600, Name: strings.Repeat(string(rune('a'+i%26)), 10) + string(rune('A'+i/26))})
	}
	if _, err := FromTransitions("x", 0, "", tr); err == nil {
		t.Error("abbreviations over 256 bytes accepted")
	}
	if _, err := FromTransitions("x", 0, "", make([]Transition, MaxTransitions+1)); err == nil {
		t.Error("too many transitions accepted")
	}
	if _, err := FromTransitions("x", MaxOffset, "", []Transition{{At: time.Unix(0, 0), Offset: -MaxOffset}}); err != nil {
		t.Errorf("extreme offsets rejected: %v", err)
	}
}

func BenchmarkFromTransitionsBerlin(b *testing.B) {
	tr := berlinTransitions(1996, 2100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromTransitions("Custom/Berlin", 3600, "CET", tr); err != nil {
			b.Fatal(err)
		}
	}
}
