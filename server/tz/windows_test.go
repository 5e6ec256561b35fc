package tz

import (
	"strings"
	"testing"
	"time"
)

func TestWindowsToIANA(t *testing.T) {
	cases := []struct{ in, want string }{
		{"W. Europe Standard Time", "Europe/Berlin"},
		{"Pacific Standard Time", "America/Los_Angeles"},
		{"Eastern Standard Time", "America/New_York"},
		{"GMT Standard Time", "Europe/London"}, // not UTC: observes BST
		{"Greenwich Standard Time", "Atlantic/Reykjavik"},
		{"China Standard Time", "Asia/Shanghai"},
		{"UTC", "Etc/UTC"},
		{"UTC-11", "Etc/GMT+11"}, // tz database Etc/ signs are inverted
		{"UTC+12", "Etc/GMT-12"},
		{"India Standard Time", "Asia/Calcutta"},  // CLDR keeps the old spelling
		{"Nepal Standard Time", "Asia/Katmandu"},  // ditto
		{"Myanmar Standard Time", "Asia/Rangoon"}, // ditto
		{"FLE Standard Time", "Europe/Kiev"},      // ditto
		{"Greenland Standard Time", "America/Godthab"},
		{"US Eastern Standard Time", "America/Indianapolis"},
		{"Argentina Standard Time", "America/Buenos_Aires"},
		{"Tokyo Standard Time", "Asia/Tokyo"},
		{"AUS Eastern Standard Time", "Australia/Sydney"},
		{"Lord Howe Standard Time", "Australia/Lord_Howe"},
		{"Samoa Standard Time", "Pacific/Apia"},
		{"Pacific Standard Time (Mexico)", "America/Tijuana"},
		{"Romance Standard Time", "Europe/Paris"},
		// Case, white space and quotes are ignored.
		{"w. europe standard time", "Europe/Berlin"},
		{"  PACIFIC STANDARD TIME\t", "America/Los_Angeles"},
		{`"Eastern Standard Time"`, "America/New_York"},
		{` 'Tokyo Standard Time' `, "Asia/Tokyo"},
		{"utc", "Etc/UTC"},
	}
	for _, c := range cases {
		got, ok := WindowsToIANA(c.in)
		if !ok || got != c.want {
			t.Errorf("WindowsToIANA(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "Europe/Berlin", "W. Europe", "Pacific Standard", "Pacific Standard Time x", "Zzz", "\x00"} {
		if got, ok := WindowsToIANA(in); ok {
			t.Errorf("WindowsToIANA(%q) = %q, true; want false", in, got)
		}
	}
}

// TestWindowsTable checks every generated row: it is found by binary
// search (so the order is right), its IANA name loads from the tz
// database, and its display name resolves back to it.
func TestWindowsTable(t *testing.T) {
	if n := len(windowsZones); n < 130 {
		t.Fatalf("table has %d rows; CLDR has about 140", n)
	}
	for i, z := range windowsZones {
		if i > 0 && compareFold(windowsZones[i-1].windows, z.windows) >= 0 {
			t.Errorf("rows %d and %d out of order: %q, %q", i-1, i, windowsZones[i-1].windows, z.windows)
		}
		for _, name := range []string{z.windows, strings.ToLower(z.windows), strings.ToUpper(z.windows)} {
			if got, ok := WindowsToIANA(name); !ok || got != z.iana {
				t.Errorf("WindowsToIANA(%q) = %q, %v; want %q", name, got, ok, z.iana)
			}
		}
		std, err := time.LoadLocation(z.iana)
		if err != nil {
			t.Errorf("%q -> %q: time.LoadLocation: %v", z.windows, z.iana, err)
			continue
		}
		loc, ok := LoadIANA(z.iana)
		if !ok {
			t.Errorf("%q -> %q: LoadIANA failed", z.windows, z.iana)
			continue
		}
		// Spot-check that it is the same zone, not just a loadable name.
		for _, when := range []time.Time{time.Date(2001, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2030, 7, 15, 0, 0, 0, 0, time.UTC)} {
			_, a := when.In(std).Zone()
			_, b := when.In(loc).Zone()
			if a != b {
				t.Errorf("%q: LoadIANA and time.LoadLocation disagree at %v: %d vs %d", z.iana, when, b, a)
			}
		}
		if !strings.HasPrefix(z.display, "(UTC") {
			t.Errorf("%q: display name %q does not start with (UTC", z.windows, z.display)
			continue
		}
		if i, ok := windowsFromDisplay(z.display); !ok || windowsZones[i].windows != z.windows {
			t.Errorf("windowsFromDisplay(%q) = %d, %v", z.display, i, ok)
		}
		// Older Windows versions wrote "(GMT+01:00)"; case and runs of
		// blanks vary between exporters.
		old := "(GMT" + strings.TrimPrefix(z.display, "(UTC")
		old = strings.Replace(strings.ToUpper(old), ", ", ",   ", 1)
		if i, ok := windowsFromDisplay(old); !ok || windowsZones[i].windows != z.windows {
			t.Errorf("windowsFromDisplay(%q) = %d, %v", old, i, ok)
		}
	}
}

func TestWindowsDisplayUnknown(t *testing.T) {
	for _, s := range []string{"", "(UTC+01:00)", "(UTC+01:00) Nowhere", "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "(XYZ) Kabul", "(UTC+04:30 Kabul"} {
		if i, ok := windowsFromDisplay(s); ok {
			t.Errorf("windowsFromDisplay(%q) = %d, true", s, i)
		}
	}
}

func TestTrimTZID(t *testing.T) {
	cases := map[string]string{
		"":                    "",
		"  ":                  "",
		`"`:                   `"`,
		`""`:                  "",
		` " Europe/Berlin " `: "Europe/Berlin",
		`'x'`:                 "x",
		`"a'`:                 `"a'`,
		"\tEurope/Paris\r\n":  "Europe/Paris",
	}
	for in, want := range cases {
		if got := trimTZID(in); got != want {
			t.Errorf("trimTZID(%q) = %q; want %q", in, got, want)
		}
	}
}

func BenchmarkWindowsToIANA(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		WindowsToIANA("w. europe standard time")
	}
}
