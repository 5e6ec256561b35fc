package tz

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	la := mustLoad(t, "America/Los_Angeles")
	ktm := mustLoad(t, "Asia/Kathmandu")
	ams := mustLoad(t, "Europe/Amsterdam")
	cases := []struct {
		t      time.Time
		off    string
		rfc    string
		remark string
	}{
		{time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC).In(berlin), "+02:00", "2025-03-30T03:30:00+02:00", "CEST"},
		{time.Date(2025, 3, 9, 10, 30, 0, 999999999, time.UTC).In(la), "-07:00", "2025-03-09T03:30:00-07:00", "fraction truncated"},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "+00:00", "2025-01-01T00:00:00+00:00", "UTC is never Z"},
		{time.Date(2025, 6, 1, 3, 15, 0, 0, time.UTC).In(ktm), "+05:45", "2025-06-01T09:00:00+05:45", ""},
		{time.Date(2025, 6, 1, 0, 0, 0, 0, time.FixedZone("", -(9*3600+30*60))), "-09:30", "2025-06-01T00:00:00-09:30", ""},
		{time.Date(1900, 6, 1, 12, 0, 0, 0, time.UTC).In(ams), "+00:19:32", "1900-06-01T12:19:32+00:19:32", "Amsterdam mean time keeps its seconds"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "+00:00", "0001-01-01T00:00:00+00:00", ""},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "+00:00", "9999-12-31T23:59:59+00:00", ""},
		{time.Date(12345, 1, 2, 3, 4, 5, 0, time.UTC), "+00:00", "12345-01-02T03:04:05+00:00", "beyond RFC 3339"},
		{time.Date(-44, 3, 15, 12, 0, 0, 0, time.UTC), "+00:00", "-0044-03-15T12:00:00+00:00", "beyond RFC 3339"},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 100*3600)), "+100:00", "2025-01-01T00:00:00+100:00", "absurd offset"},
	}
	for _, c := range cases {
		if got := FormatOffset(c.t); got != c.off {
			t.Errorf("FormatOffset(%v) = %q; want %q %s", c.t, got, c.off, c.remark)
		}
		if got := FormatRFC3339Offset(c.t); got != c.rfc {
			t.Errorf("FormatRFC3339Offset(%v) = %q; want %q %s", c.t, got, c.rfc, c.remark)
		}
		if got := string(AppendRFC3339Offset([]byte("x="), c.t)); got != "x="+c.rfc {
			t.Errorf("AppendRFC3339Offset = %q", got)
		}
	}
}

// TestFormatMatchesTimeFormat compares with Go's formatter for
// whole-minute offsets over many instants and zones.
func TestFormatMatchesTimeFormat(t *testing.T) {
	const layout = "2006-01-02T15:04:05-07:00"
	n := 0
	for _, name := range []string{"America/Los_Angeles", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "UTC"} {
		loc := mustLoad(t, name)
		for x := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); x.Year() < 2060; x = x.Add(97*time.Hour + 13*time.Minute + 7*time.Second) {
			lx := x.In(loc)
			if got, want := FormatRFC3339Offset(lx), lx.Format(layout); got != want {
				t.Fatalf("%s: %q; time.Format %q", name, got, want)
			}
			n++
		}
	}
	t.Logf("%d instants", n)
}

func TestAppendRFC3339OffsetAllocs(t *testing.T) {
	la := mustLoad(t, "America/Los_Angeles")
	x := time.Date(2025, 7, 4, 12, 0, 0, 0, la)
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendRFC3339Offset(buf[:0], x) }); n != 0 {
		t.Errorf("AppendRFC3339Offset allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = FormatRFC3339Offset(x) }); n > 1 {
		t.Errorf("FormatRFC3339Offset allocates %v times", n)
	}
}

func BenchmarkAppendRFC3339Offset(b *testing.B) {
	la := mustLoad(b, "America/Los_Angeles")
	x := time.Date(2025, 7, 4, 12, 0, 0, 0, la)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRFC3339Offset(buf[:0], x)
	}
}

func BenchmarkTimeAppendFormat(b *testing.B) {
	la := mustLoad(b, "America/Los_Angeles")
	x := time.Date(2025, 7, 4, 12, 0, 0, 0, la)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = x.AppendFormat(buf[:0], "2006-01-02T15:04:05-07:00")
	}
}

// AppendRFC3339 must give exactly what time.RFC3339 gives, including the
// odd cases: "Z" for any zero offset, offsets with seconds (local mean
// time) cut to minutes, years outside 0000-9999.
func TestAppendRFC3339MatchesTime(t *testing.T) {
	var xs []time.Time
	for _, name := range []string{"UTC", "Europe/London", "America/Los_Angeles", "Europe/Berlin", "Asia/Kathmandu",
		"Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Europe/Amsterdam", "Africa/Monrovia"} {
		loc := mustLoad(t, name)
		for x := time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC); x.Year() < 2100; x = x.Add(397*time.Hour + 13*time.Minute + 7*time.Second + 123456789) {
			xs = append(xs, x.In(loc))
		}
	}
	for _, z := range []*time.Location{time.FixedZone("", 30), time.FixedZone("", -30), time.FixedZone("", -(53*60 + 28)),
		time.FixedZone("", 14*3600), time.FixedZone("", -12*3600), time.FixedZone("", 100*3600)} {
		xs = append(xs, time.Date(2025, 6, 1, 12, 0, 0, 0, z))
	}
	for _, y := range []int{-44, 0, 1, 9999, 10000, 12345} {
		xs = append(xs, time.Date(y, 3, 15, 12, 0, 0, 0, time.UTC))
	}
	buf := []byte("x=")
	for _, x := range xs {
		want := x.Format(time.RFC3339)
		if got := string(AppendRFC3339(buf[:2], x)); got != "x="+want {
			t.Fatalf("AppendRFC3339(%v) = %q; time.Format %q", x, got[2:], want)
		}
	}
	t.Logf("%d instants", len(xs))
	x := time.Date(2025, 7, 4, 12, 0, 0, 0, mustLoad(t, "America/Los_Angeles"))
	if n := testing.AllocsPerRun(100, func() { buf = AppendRFC3339(buf[:0], x) }); n != 0 {
		t.Errorf("AppendRFC3339 allocates %v times", n)
	}
}

func BenchmarkAppendRFC3339(b *testing.B) {
	x := time.Date(2025, 7, 4, 12, 0, 0, 0, mustLoad(b, "America/Los_Angeles"))
	buf := make([]byte, 0, 64)
	b.Run("tz", func(b *testing.B) {
		for b.Loop() {
			buf = AppendRFC3339(buf[:0], x)
		}
	})
	b.Run("time", func(b *testing.B) {
		for b.Loop() {
			buf = x.AppendFormat(buf[:0], time.RFC3339)
		}
	})
}
