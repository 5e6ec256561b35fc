package calendar

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/tools/icsgen"
)

// TestGeneratedFeeds expands the benchmark feeds (a large Outlook export
// with Windows zone names, and a Google export with X-WR-TIMEZONE and UTC
// times) and compares with goldens that are byte-identical to ical.js's
// expansion of the same feeds (python-recurring-ical-events 2.0.1 drops the
// last instance of one UNTIL series in the Google feed, a bug fixed in 3.x).
func TestGeneratedFeeds(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ style, golden string }{
		{icsgen.StyleOutlook, "testdata/icsgen-outlook-2026-01-02.jsonl"},
		{icsgen.StyleGoogle, "testdata/icsgen-google-2026-01-02.jsonl"},
	} {
		t.Run(tc.style, func(t *testing.T) {
			cal, err := Parse(icsgen.Generate(icsgen.Options{Style: tc.style}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if cal.Problems.Len() != 0 {
				t.Errorf("a well-formed generated feed reported problems: %v", cal.Problems.List)
			}
			occ, probs := cal.Expand(from, to, DefaultLimits)
			if len(probs) != 0 {
				t.Errorf("expansion problems: %v", probs)
			}
			got := AppendJSONL(nil, occ)
			if *update {
				if err := os.WriteFile(tc.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("expansion differs from %s:%s", tc.golden, diffLines(want, got))
			}
		})
	}
}

// TestHourlyAcrossDST proves the rrule-go class of bug (HOURLY across a DST
// change repeating or misplacing instances) cannot reach us: every instance
// is a distinct instant one real hour apart, except where the wall clock
// itself jumps.
func TestHourlyAcrossDST(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:h@x\r\n" +
		"DTSTART;TZID=America/New_York:20250309T000000\r\nDURATION:PT15M\r\n" +
		"RRULE:FREQ=HOURLY;COUNT=6\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:f@x\r\n" +
		"DTSTART;TZID=America/New_York:20251102T000000\r\nDURATION:PT15M\r\n" +
		"RRULE:FREQ=HOURLY;COUNT=4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	cal, err := Parse([]byte(ics), Options{})
	if err != nil {
		t.Fatal(err)
	}
	occ, _ := cal.Expand(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), DefaultLimits)
	var got []string
	for _, o := range occ {
		got = append(got, o.UID+" "+o.Start.UTC().Format("01-02T15:04Z")+" "+o.Start.Format("15:04-07:00"))
	}
	want := []string{
		// Spring forward: wall 00, 01, 02 (does not exist: read as 03:00 EDT), 03 (the
		// same instant: listed once), 04, 05.
		"h@x 03-09T05:00Z 00:00-05:00",
		"h@x 03-09T06:00Z 01:00-05:00",
		"h@x 03-09T07:00Z 03:00-04:00",
		"h@x 03-09T08:00Z 04:00-04:00",
		"h@x 03-09T09:00Z 05:00-04:00",
		// Fall back: wall 00, 01 (first occurrence, EDT), 02 EST, 03 EST.
		"f@x 11-02T04:00Z 00:00-04:00",
		"f@x 11-02T05:00Z 01:00-04:00",
		"f@x 11-02T07:00Z 02:00-05:00",
		"f@x 11-02T08:00Z 03:00-05:00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
