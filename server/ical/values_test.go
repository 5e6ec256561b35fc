package ical

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestParseDateTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in     string
		want   DateTime
		format string // Format() of the result
	}{
		{"20250101", DateTime{Wall: utc(2025, 1, 1, 0, 0, 0), Date: true}, "20250101"},
		{"20240229", DateTime{Wall: utc(2024, 2, 29, 0, 0, 0), Date: true}, "20240229"},
		{"20000229", DateTime{Wall: utc(2000, 2, 29, 0, 0, 0), Date: true}, "20000229"},
		{"20251231", DateTime{Wall: utc(2025, 12, 31, 0, 0, 0), Date: true}, "20251231"},
		{"20250430", DateTime{Wall: utc(2025, 4, 30, 0, 0, 0), Date: true}, "20250430"},
		{"20250101T093000", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0)}, "20250101T093000"},
		{"20250101T093000Z", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0), UTC: true}, "20250101T093000Z"},
		{"20250101t093000z", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0), UTC: true}, "20250101T093000Z"},
		{"20250101t093000", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0)}, "20250101T093000"},
		{"20250101T0930", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0)}, "20250101T093000"},
		{"20250101T0930Z", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0), UTC: true}, "20250101T093000Z"},
		{"20161231T235960Z", DateTime{Wall: utc(2016, 12, 31, 23, 59, 59), UTC: true}, "20161231T235959Z"},
		{"20250101T235959", DateTime{Wall: utc(2025, 1, 1, 23, 59, 59)}, "20250101T235959"},
		{"20250101T000000", DateTime{Wall: utc(2025, 1, 1, 0, 0, 0)}, "20250101T000000"},
		{"  20250101T093000Z\t", DateTime{Wall: utc(2025, 1, 1, 9, 30, 0), UTC: true}, "20250101T093000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDateTime(tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !got.Wall.Equal(tt.want.Wall) || got.Wall.Location() != time.UTC || got.Date != tt.want.Date || got.UTC != tt.want.UTC {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if f := got.Format(); f != tt.format {
				t.Errorf("Format = %q, want %q", f, tt.format)
			}
		})
	}
}

func TestParseDateTimeInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"2025",
		"2025010",
		"20250230", // no Feb 30
		"20250229", // 2025 is not a leap year
		"19000229", // 1900 is not a leap year
		"20250431", // April has 30 days
		"20250631",
		"20250931",
		"20251131",
		"20250001",
		"20251301",
		"20250100",
		"20250132",
		"2025O101",   // letter O
		"2025-01-01", // ISO 8601 extended form
		"+0250101",
		"20250101X093000",
		"20250101T",
		"20250101TZ",
		"20250101T09",
		"20250101T09300",
		"20250101T0930000",
		"20250101T093000+0100",
		"20250101T093000ZZ",
		"20250101T240000",
		"20250101T096000",
		"20250101T093061",
		"20250101T09a000",
		"20250101T0930x0",
		"20250101 093000",
		"２０２５0101", // full-width digits
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseDateTime(in); err == nil {
				t.Errorf("no error; got %+v", got)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"P1D", day},
		{"P1W", 7 * day},
		{"P2W", 14 * day},
		{"PT1H30M", time.Hour + 30*time.Minute},
		{"-PT15M", -15 * time.Minute},
		{"+P1DT2H3M4S", day + 2*time.Hour + 3*time.Minute + 4*time.Second},
		{"P0D", 0},
		{"PT0S", 0},
		{"-P0D", 0},
		{"PT90M", 90 * time.Minute},
		{"P15DT5H0M20S", 15*day + 5*time.Hour + 20*time.Second},
		{"p1dt1h", day + time.Hour},
		{" PT5M ", 5 * time.Minute},
		{"PT999999999S", 999999999 * time.Second},
		{"PT2562047H", 2562047 * time.Hour}, // largest whole hours that fit
		{"-PT2562047H", -2562047 * time.Hour},
		{"PT2562047H47M16S", 2562047*time.Hour + 47*time.Minute + 16*time.Second}, // just under the maximum
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDurationInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"P",
		"PT",
		"-P",
		"+",
		"1H",
		"T1H",
		"P1H",  // hours need T
		"PT1D", // days must come before T
		"PT1W",
		"P1M", // months are not durations in iCalendar
		"P1Y",
		"PT1X",
		"P-1D",
		"PT1.5H",
		"P D",
		"P1",
		"PT1H30",
		"--PT1H",
		"P1234567890D", // more than 9 digits
		// Overflow: each fits the 9-digit limit but not in an int64 of ns.
		"P999999999W",
		"P999999999D",
		"PT999999999H",
		"PT999999999M",
		"P99999999W",
		"PT2562048H",
		"-PT2562048H",
		"PT2562047H48M", // the sum overflows
		"P106751DT23H47M17S",
		"P15250W15250W", // repeated units summing past the maximum
	} {
		t.Run(in, func(t *testing.T) {
			var got time.Duration
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				got, err = ParseDuration(in)
			}()
			if err == nil {
				t.Errorf("no error; got %v", got)
			}
			if got != 0 {
				t.Errorf("non-zero result %v with error", got)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	start := time.Date(1997, 1, 1, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		hasEnd  bool
		end     time.Time
		dur     time.Duration
		startZ  bool
		endDate bool
	}{
		{in: "19970101T180000Z/19970102T070000Z", hasEnd: true, end: time.Date(1997, 1, 2, 7, 0, 0, 0, time.UTC), startZ: true},
		{in: "19970101T180000Z/PT5H30M", dur: 5*time.Hour + 30*time.Minute, startZ: true},
		{in: "19970101T180000/P1D", dur: 24 * time.Hour},
		{in: "19970101T180000Z/-PT1H", dur: -time.Hour, startZ: true},
		{in: "19970101T180000Z/pt1h", dur: time.Hour, startZ: true},
		{in: " 19970101T180000Z / 19970102 ", hasEnd: true, end: time.Date(1997, 1, 2, 0, 0, 0, 0, time.UTC), startZ: true, endDate: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !p.Start.Wall.Equal(start) || p.Start.UTC != tt.startZ {
				t.Errorf("start = %+v", p.Start)
			}
			if p.HasEnd != tt.hasEnd {
				t.Fatalf("HasEnd = %v", p.HasEnd)
			}
			if tt.hasEnd {
				if !p.End.Wall.Equal(tt.end) || p.End.Date != tt.endDate {
					t.Errorf("end = %+v, want %v", p.End, tt.end)
				}
				if p.Duration != 0 {
					t.Errorf("duration set with an end: %v", p.Duration)
				}
			} else if p.Duration != tt.dur {
				t.Errorf("duration = %v, want %v", p.Duration, tt.dur)
			}
		})
	}
}

func TestParsePeriodInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"/",
		"19970101T180000Z",
		"19970101T180000Z/",
		"/PT1H",
		"/19970102T070000Z",
		"garbage/PT1H",
		"19970101T180000Z/junk",
		"19970101T180000Z/P",
		"19970101T180000Z/P1X",
		"19970101T180000Z/PT1H/PT2H",
		"19970230T180000Z/PT1H",
		"19970101T180000Z/19970230T070000Z",
	} {
		t.Run(in, func(t *testing.T) {
			if p, err := ParsePeriod(in); err == nil {
				t.Errorf("no error; got %+v", p)
			}
		})
	}
}

func TestParseUTCOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"+0100", 3600},
		{"-0530", -(5*3600 + 30*60)},
		{"+0530", 5*3600 + 30*60},
		{"+013000", 3600 + 30*60},
		{"-000130", -90},
		{"+0000", 0},
		{"-0000", 0}, // not allowed by RFC 5545, but harmless: read as UTC
		{"+1400", 14 * 3600},
		{"+2359", 23*3600 + 59*60},
		{" -0800 ", -8 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseUTCOffset(tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseUTCOffsetInvalid(t *testing.T) {
	for _, in := range []string{
		"", "+", "0100", "+100", "+01:00", "+01000", "+0100000", "+2400", "+0160", "+010060",
		"UTC", "Z", "GMT+1", "*0100", "+01O0", "++100", "+-100", "−0100", // U+2212 minus
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseUTCOffset(in); err == nil {
				t.Errorf("no error; got %d", got)
			}
		})
	}
}

func TestUnescapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{`line1\nline2`, "line1\nline2"},
		{`line1\Nline2`, "line1\nline2"},
		{`a\, b`, "a, b"},
		{`a\; b`, "a; b"},
		{`C:\\path`, `C:\path`},
		{`\\n`, `\n`}, // an escaped backslash followed by n, not a newline
		{`\\\n`, "\\\n"},
		{`trailing\`, `trailing\`},
		{`\`, `\`},
		{`unknown\:x`, "unknown:x"},
		{`unknown\x`, "unknownx"},
		{`\"quoted\"`, `"quoted"`},
		{`café\, naïve\ncrème`, "café, naïve\ncrème"},
		{`\é`, "é"},
		{`\n\n`, "\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := UnescapeText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnescapeTextFastPath(t *testing.T) {
	in := strings.Repeat("no escapes here, ", 8)
	out := UnescapeText(in)
	if out != in || unsafe.StringData(out) != unsafe.StringData(in) {
		t.Error("a string without backslashes was copied")
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = UnescapeText(in) }); allocs != 0 {
		t.Errorf("%v allocations for a string without backslashes", allocs)
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{",,,", nil},
		{"20250101", []string{"20250101"}},
		{" 20250101 ", []string{"20250101"}},
		{"20250101T090000Z,20250108T090000Z", []string{"20250101T090000Z", "20250108T090000Z"}},
		{"a, b ,c", []string{"a", "b", "c"}},
		{"a,,b,", []string{"a", "b"}},
		{",a", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := SplitList(tt.in)
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
