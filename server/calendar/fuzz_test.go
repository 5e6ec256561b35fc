package calendar

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzExpand runs the whole engine (read, resolve zones, expand, render the
// JSON lines) on arbitrary input. Whatever the input, it must not panic,
// must finish within its limits, and every occurrence it lists must be a
// well-formed line inside the window.
func FuzzExpand(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/cases/*.ics")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil && len(b) < 8<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20250101T000000Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART;TZID=Nowhere:20250101T020000\nRRULE:FREQ=MONTHLY;BYDAY=-5FR;BYSETPOS=-1,1\nRECURRENCE-ID;RANGE=THISANDFUTURE:20250101T020000\nEND:VEVENT\nEND:VCALENDAR\n"))
	from := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	lim := Limits{MaxPerSeries: 5000, Budget: 500 * time.Millisecond}
	ny, _ := time.LoadLocation("America/New_York")
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(data, Options{Floating: ny})
		if err != nil {
			return
		}
		start := time.Now()
		occ, _ := cal.Expand(from, to, lim)
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("expansion took %v despite a 500ms budget", el)
		}
		for i := range occ {
			o := &occ[i]
			if o.End.Before(o.Start) {
				t.Fatalf("occurrence ends before it starts: %+v", o)
			}
			inside := o.Start.Before(to) && o.End.After(from) || o.Start.Equal(o.End) && !o.Start.Before(from) && o.Start.Before(to)
			if !inside {
				t.Fatalf("occurrence outside the window: %v – %v", o.Start, o.End)
			}
			if i > 0 && occ[i-1].Start.After(o.Start) {
				t.Fatalf("occurrences not sorted at %d", i)
			}
		}
		out := AppendJSONL(nil, occ)
		for len(out) > 0 {
			j := 0
			for j < len(out) && out[j] != '\n' {
				j++
			}
			if !json.Valid(out[:j]) {
				t.Fatalf("invalid JSON line: %q", out[:j])
			}
			out = out[j+1:]
		}
	})
}
