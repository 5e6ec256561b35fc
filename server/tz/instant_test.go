package tz

import (
	"slices"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, ok := LoadIANA(name)
	if !ok {
		t.Fatalf("LoadIANA(%q) failed", name)
	}
	return loc
}

// wallUTC builds a wall-clock reading in the UTC frame.
func wallUTC(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

func TestInstantTable(t *testing.T) {
	berlin := berlinCustom(t)
	fixed := time.FixedZone("fixed", -(4*3600 + 30*60))
	cases := []struct {
		zone string // IANA name, or "custom-berlin", "fixed"
		wall time.Time
		want string // RFC 3339 in the zone
	}{
		// America/Los_Angeles: gap 2025-03-09 02:00-03:00, fold 2025-11-02 01:00-02:00.
		{"America/Los_Angeles", wallUTC(2025, 3, 9, 1, 59, 59), "2025-03-09T01:59:59-08:00"},
		{"America/Los_Angeles", wallUTC(2025, 3, 9, 2, 0, 0), "2025-03-09T03:00:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 3, 9, 2, 30, 0), "2025-03-09T03:30:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 3, 9, 2, 59, 59), "2025-03-09T03:59:59-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 3, 9, 3, 0, 0), "2025-03-09T03:00:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 11, 2, 0, 59, 59), "2025-11-02T00:59:59-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 11, 2, 1, 0, 0), "2025-11-02T01:00:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 11, 2, 1, 30, 0), "2025-11-02T01:30:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 11, 2, 1, 59, 59), "2025-11-02T01:59:59-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 11, 2, 2, 0, 0), "2025-11-02T02:00:00-08:00"},
		{"America/Los_Angeles", wallUTC(2025, 7, 4, 12, 0, 0), "2025-07-04T12:00:00-07:00"},
		{"America/Los_Angeles", wallUTC(2025, 12, 25, 9, 0, 0), "2025-12-25T09:00:00-08:00"},
		{"America/Los_Angeles", wallUTC(2028, 12, 31, 23, 0, 0), "2028-12-31T23:00:00-08:00"}, // leap-year 31 Dec
		{"America/Los_Angeles", wallUTC(2040, 3, 11, 2, 30, 0), "2040-03-11T03:30:00-07:00"},
		{"America/Los_Angeles", wallUTC(2040, 11, 4, 1, 30, 0), "2040-11-04T01:30:00-07:00"},
		{"America/Los_Angeles", wallUTC(2000, 4, 2, 2, 30, 0), "2000-04-02T03:30:00-07:00"},
		// Europe/Berlin: gap 2025-03-30 02:00-03:00, fold 2025-10-26 02:00-03:00.
		{"Europe/Berlin", wallUTC(2025, 3, 30, 1, 59, 0), "2025-03-30T01:59:00+01:00"},
		{"Europe/Berlin", wallUTC(2025, 3, 30, 2, 0, 0), "2025-03-30T03:00:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 3, 30, 2, 30, 0), "2025-03-30T03:30:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 3, 30, 3, 0, 0), "2025-03-30T03:00:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 10, 26, 1, 59, 0), "2025-10-26T01:59:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 10, 26, 2, 0, 0), "2025-10-26T02:00:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 10, 26, 2, 30, 0), "2025-10-26T02:30:00+02:00"},
		{"Europe/Berlin", wallUTC(2025, 10, 26, 3, 0, 0), "2025-10-26T03:00:00+01:00"},
		{"custom-berlin", wallUTC(2025, 3, 30, 2, 30, 0), "2025-03-30T03:30:00+02:00"},
		{"custom-berlin", wallUTC(2025, 10, 26, 2, 30, 0), "2025-10-26T02:30:00+02:00"},
		{"custom-berlin", wallUTC(2025, 10, 26, 3, 0, 0), "2025-10-26T03:00:00+01:00"},
		{"custom-berlin", wallUTC(2099, 3, 29, 2, 15, 0), "2099-03-29T03:15:00+02:00"},
		{"custom-berlin", wallUTC(1990, 6, 1, 12, 0, 0), "1990-06-01T12:00:00+01:00"}, // before first transition
		// Australia/Sydney: fold 2025-04-06 02:00-03:00 (AEDT->AEST), gap 2025-10-05 02:00-03:00.
		{"Australia/Sydney", wallUTC(2025, 4, 6, 2, 30, 0), "2025-04-06T02:30:00+11:00"},
		{"Australia/Sydney", wallUTC(2025, 4, 6, 3, 0, 0), "2025-04-06T03:00:00+10:00"},
		{"Australia/Sydney", wallUTC(2025, 10, 5, 2, 30, 0), "2025-10-05T03:30:00+11:00"},
		{"Australia/Sydney", wallUTC(2025, 1, 1, 0, 0, 0), "2025-01-01T00:00:00+11:00"},
		{"Australia/Sydney", wallUTC(2028, 12, 31, 12, 0, 0), "2028-12-31T12:00:00+11:00"},
		// Australia/Lord_Howe: 30-minute DST. Fold 2025-04-06 01:30-02:00, gap 2025-10-05 02:00-02:30.
		{"Australia/Lord_Howe", wallUTC(2025, 4, 6, 1, 29, 0), "2025-04-06T01:29:00+11:00"},
		{"Australia/Lord_Howe", wallUTC(2025, 4, 6, 1, 45, 0), "2025-04-06T01:45:00+11:00"},
		{"Australia/Lord_Howe", wallUTC(2025, 4, 6, 2, 0, 0), "2025-04-06T02:00:00+10:30"},
		{"Australia/Lord_Howe", wallUTC(2025, 10, 5, 2, 0, 0), "2025-10-05T02:30:00+11:00"},
		{"Australia/Lord_Howe", wallUTC(2025, 10, 5, 2, 15, 0), "2025-10-05T02:45:00+11:00"},
		{"Australia/Lord_Howe", wallUTC(2025, 10, 5, 2, 30, 0), "2025-10-05T02:30:00+11:00"},
		// America/Santiago: southern DST, transitions at 24:00 local.
		// Gap 2025-09-07 00:00-01:00; fold 2025-04-05 23:00-24:00.
		{"America/Santiago", wallUTC(2025, 9, 7, 0, 30, 0), "2025-09-07T01:30:00-03:00"},
		{"America/Santiago", wallUTC(2025, 9, 6, 23, 59, 0), "2025-09-06T23:59:00-04:00"},
		{"America/Santiago", wallUTC(2025, 4, 5, 23, 30, 0), "2025-04-05T23:30:00-03:00"},
		{"America/Santiago", wallUTC(2025, 4, 6, 0, 0, 0), "2025-04-06T00:00:00-04:00"},
		// Asia/Kathmandu: +05:45, and the 1986 change from +05:30 (a 15-minute gap).
		{"Asia/Kathmandu", wallUTC(2025, 6, 1, 9, 0, 0), "2025-06-01T09:00:00+05:45"},
		{"Asia/Kathmandu", wallUTC(1986, 1, 1, 0, 5, 0), "1986-01-01T00:20:00+05:45"},
		{"Asia/Kathmandu", wallUTC(1986, 1, 1, 0, 15, 0), "1986-01-01T00:15:00+05:45"},
		{"Asia/Kathmandu", wallUTC(1985, 12, 31, 23, 59, 0), "1985-12-31T23:59:00+05:30"},
		// Pacific/Apia skipped 2011-12-30 entirely (-10:00 -> +14:00).
		{"Pacific/Apia", wallUTC(2011, 12, 29, 23, 59, 59), "2011-12-29T23:59:59-10:00"},
		{"Pacific/Apia", wallUTC(2011, 12, 30, 0, 0, 0), "2011-12-31T00:00:00+14:00"},
		{"Pacific/Apia", wallUTC(2011, 12, 30, 12, 0, 0), "2011-12-31T12:00:00+14:00"},
		{"Pacific/Apia", wallUTC(2011, 12, 30, 23, 59, 59), "2011-12-31T23:59:59+14:00"},
		{"Pacific/Apia", wallUTC(2011, 12, 31, 0, 0, 0), "2011-12-31T00:00:00+14:00"},
		// UTC and fixed zones: identity.
		{"UTC", wallUTC(2025, 3, 9, 2, 30, 0), "2025-03-09T02:30:00+00:00"},
		{"UTC", wallUTC(2028, 12, 31, 23, 59, 59), "2028-12-31T23:59:59+00:00"},
		{"fixed", wallUTC(2025, 3, 9, 2, 30, 0), "2025-03-09T02:30:00-04:30"},
		{"fixed", wallUTC(1, 1, 1, 0, 0, 0), "0001-01-01T00:00:00-04:30"},
	}
	for _, c := range cases {
		var loc *time.Location
		switch c.zone {
		case "custom-berlin":
			loc = berlin
		case "fixed":
			loc = fixed
		default:
			loc = mustLoad(t, c.zone)
		}
		got := Instant(c.wall, loc)
		if s := FormatRFC3339Offset(got); s != c.want {
			t.Errorf("Instant(%s, %s) = %s; want %s", c.wall.Format("2006-01-02T15:04:05"), c.zone, s, c.want)
		}
		if got.Location() != loc {
			t.Errorf("Instant(%s, %s) is in %v", c.wall, c.zone, got.Location())
		}
		if ref := refInstant(c.wall, loc); !ref.Equal(got) {
			t.Errorf("Instant(%s, %s) = %v; reference %v", c.wall, c.zone, got, ref)
		}
	}
}

func berlinCustom(t testing.TB) *time.Location {
	loc, err := FromTransitions("custom-berlin", 3600, "CET", berlinTransitions(1996, 2100))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestInstantReadsOnlyTheWallClock(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	ns := 123456789
	want := time.Date(2025, 3, 9, 10, 30, 0, ns, time.UTC) // 03:30 PDT
	for _, frame := range []*time.Location{time.UTC, mustLoad(t, "Asia/Tokyo"), mustLoad(t, "Europe/Berlin"), time.FixedZone("odd", -12345)} {
		wall := time.Date(2025, 3, 9, 2, 30, 0, ns, frame)
		if got := Instant(wall, la); !got.Equal(want) || got.Nanosecond() != ns {
			t.Errorf("wall in %v: %v; want %v", frame, got, want)
		}
	}
	// Wall is the inverse frame; no monotonic reading leaks through.
	now := time.Now()
	w := Wall(now, la)
	if w.Location() != time.UTC || w != w.Round(0) {
		t.Errorf("Wall: %v", w)
	}
	if got := Instant(w, la); !got.Equal(now) && !isRepeated(now, la) {
		t.Errorf("Instant(Wall(now)) = %v; want %v", got, now)
	}
}

func isRepeated(t time.Time, loc *time.Location) bool {
	return !Instant(Wall(t, loc), loc).Equal(t)
}

func TestInstantNilLocationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	Instant(time.Now(), nil)
}

func TestInstantExtremes(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	for _, w := range []time.Time{time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(100000, 6, 1, 0, 0, 0, 0, time.UTC), time.Unix(1<<62, 0).UTC(), time.Unix(-1<<62, 0).UTC()} {
		got := Instant(w, la)
		if !Wall(got, la).Equal(w) {
			t.Errorf("Instant(%v) = %v, wall %v", w, got, Wall(got, la))
		}
	}
}

// checkRoundTrip verifies, for every instant from..to in steps, that
// Instant(Wall(t)) is t, or the earlier occurrence of the same wall time
// if t is in the second pass of a repeated interval.
func checkRoundTrip(t *testing.T, loc *time.Location, from, to time.Time, step time.Duration) (n, repeated int) {
	t.Helper()
	for x := from; x.Before(to); x = x.Add(step) {
		w := Wall(x, loc)
		got := Instant(w, loc)
		n++
		if got.Equal(x) {
			continue
		}
		_, offGot := got.Zone()
		_, offX := x.In(loc).Zone()
		if !Wall(got, loc).Equal(w) || !got.Before(x) || offGot <= offX {
			t.Fatalf("%v: Instant(Wall(%v)) = %v", loc, x.In(loc), got)
		}
		repeated++
	}
	return n, repeated
}

func TestInstantRoundTrip(t *testing.T) {
	zones := []string{"America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kathmandu",
		"America/Santiago", "Pacific/Apia", "Pacific/Chatham", "Europe/London", "America/St_Johns", "Africa/Casablanca",
		"Asia/Tehran", "America/Havana", "Antarctica/Troll", "Europe/Dublin", "UTC"}
	from := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)
	step := time.Hour
	if testing.Short() || raceEnabled {
		from = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, name := range zones {
		loc := mustLoad(t, name)
		n, rep := checkRoundTrip(t, loc, from, to, step)
		// Also at odd minutes, to hit half-hour transitions mid-hour.
		n2, rep2 := checkRoundTrip(t, loc, from.Add(7*time.Minute+13*time.Second), from.AddDate(3, 0, 0), 15*time.Minute)
		t.Logf("%-20s %6d instants, %4d in repeated intervals", name, n+n2, rep+rep2)
	}
	n, rep := checkRoundTrip(t, berlinCustom(t), from, to, step)
	t.Logf("%-20s %6d instants, %4d in repeated intervals", "custom-berlin", n, rep)
}

// refInstant is a slow, independent reference for Instant: it samples the
// zone's offsets around the wall time with time.Time.Zone only (no
// ZoneBounds), takes the earliest consistent instant, and otherwise the
// offset in effect at the last instant whose wall time precedes wall.
func refInstant(wall time.Time, loc *time.Location) time.Time {
	_, woff := wall.Zone()
	local := wall.Unix() + int64(woff)
	offAt := func(x int64) int64 { _, o := time.Unix(x, 0).In(loc).Zone(); return int64(o) }
	const step = 900
	lo, hi := local-window, local+window
	var seenBuf [8]int64
	seen := seenBuf[:0]
	best, found := int64(0), false
	for x := lo; x <= hi+step; x += step {
		o := offAt(x)
		if slices.Contains(seen, o) {
			continue
		}
		seen = append(seen, o)
		if c := local - o; offAt(c) == o && (!found || c < best) {
			best, found = c, true
		}
	}
	if !found {
		// Last sample whose wall time is before local, then bisect to
		// the last such instant.
		var a int64
		for x := hi; x >= lo-step; x -= step {
			if x+offAt(x) < local {
				a = x
				break
			}
		}
		b := a + step
		for b-a > 1 {
			m := a + (b-a)/2
			if m+offAt(m) < local {
				a = m
			} else {
				b = m
			}
		}
		best = local - offAt(a)
	}
	return time.Unix(best, int64(wall.Nanosecond())).In(loc)
}

// TestInstantAllZones compares Instant with the reference around every
// transition of every zone in the tz database, 1970-2040 (fewer years
// under -race or -short), plus 31 December of leap years, where Go's
// rule-string period bounds are unreliable.
func TestInstantAllZones(t *testing.T) {
	names := allZoneNames(t)
	fromYear, toYear := 1970, 2040
	if testing.Short() || raceEnabled {
		fromYear, toYear = 2020, 2030
	}
	from := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(toYear, 1, 1, 0, 0, 0, 0, time.UTC)
	deltas := []int64{-3601, -3600, -1801, -1800, -901, -900, -1, 0, 1, 900, 1800, 3600, 86400}
	var checked, transitions int
	for _, name := range names {
		loc, ok := LoadIANA(name)
		if !ok {
			t.Errorf("zone %q from zoneinfo.zip does not load", name)
			continue
		}
		var walls []int64
		for x := from; x.Before(to); {
			_, end := x.In(loc).ZoneBounds()
			if end.IsZero() {
				break
			}
			if !end.After(x) { // Go's 31 December quirk
				end = x.Add(24 * time.Hour)
			}
			_, before := end.Add(-time.Second).In(loc).Zone()
			_, after := end.In(loc).Zone()
			if before != after {
				transitions++
				for _, o := range []int{before, after} {
					for _, d := range deltas {
						walls = append(walls, end.Unix()+int64(o)+d)
					}
				}
			}
			x = end
		}
		for y := fromYear; y < toYear; y += 4 - fromYear%4 {
			for h := int64(-26); h <= 26; h += 3 {
				walls = append(walls, wallUTC(y, 12, 31, 12, 0, 0).Unix()+h*3600)
			}
		}
		for _, l := range walls {
			w := time.Unix(l, 0).UTC()
			got, ref := Instant(w, loc), refInstant(w, loc)
			checked++
			if !got.Equal(ref) {
				t.Errorf("%s: Instant(%s) = %s; reference %s", name, w.Format("2006-01-02T15:04:05"), FormatRFC3339Offset(got), FormatRFC3339Offset(ref))
			}
		}
	}
	t.Logf("%d zones, %d transitions, %d wall times compared", len(names), transitions, checked)
}

func TestWall(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	x := time.Date(2025, 11, 2, 9, 30, 0, 5, time.UTC) // 01:30 PST, second pass
	if got, want := Wall(x, la), time.Date(2025, 11, 2, 1, 30, 0, 5, time.UTC); got != want {
		t.Errorf("Wall = %v; want %v", got, want)
	}
	if got := Wall(x, time.UTC); got != x {
		t.Errorf("Wall UTC = %v", got)
	}
}

var sink time.Time

func BenchmarkInstant(b *testing.B) {
	for _, bc := range []struct {
		name string
		zone string
		wall time.Time
	}{
		{"LA/2025-07/typical", "America/Los_Angeles", wallUTC(2025, 7, 15, 10, 0, 0)},
		{"Berlin/2026-01/typical", "Europe/Berlin", wallUTC(2026, 1, 20, 9, 0, 0)},
		{"Berlin/2005-01/explicit-tx", "Europe/Berlin", wallUTC(2005, 1, 20, 9, 0, 0)},
		{"Sydney/2027-06", "Australia/Sydney", wallUTC(2027, 6, 1, 9, 0, 0)},
		{"LA/2025-03-09/gap", "America/Los_Angeles", wallUTC(2025, 3, 9, 2, 30, 0)},
		{"LA/2025-11-02/fold", "America/Los_Angeles", wallUTC(2025, 11, 2, 1, 30, 0)},
		{"UTC", "UTC", wallUTC(2025, 7, 15, 10, 0, 0)},
	} {
		loc := mustLoad(b, bc.zone)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = Instant(bc.wall, loc)
			}
		})
	}
	custom := berlinCustom(b)
	b.Run("custom-berlin/2026-01", func(b *testing.B) {
		b.ReportAllocs()
		w := wallUTC(2026, 1, 20, 9, 0, 0)
		for b.Loop() {
			sink = Instant(w, custom)
		}
	})
	// A weekly meeting over ten years: the recurrence engine's pattern.
	la := mustLoad(b, "America/Los_Angeles")
	b.Run("LA/weekly-series", func(b *testing.B) {
		b.ReportAllocs()
		start := wallUTC(2025, 1, 6, 9, 30, 0)
		i := 0
		for b.Loop() {
			sink = Instant(start.AddDate(0, 0, 7*(i%520)), la)
			i++
		}
	})
	// time.Date for comparison (its gap/fold choice is unspecified).
	b.Run("time.Date/LA/2025-07", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = time.Date(2025, 7, 15, 10, 0, 0, 0, la)
		}
	})
}

func BenchmarkWall(b *testing.B) {
	la := mustLoad(b, "America/Los_Angeles")
	x := time.Date(2025, 7, 15, 17, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		sink = Wall(x, la)
	}
}
