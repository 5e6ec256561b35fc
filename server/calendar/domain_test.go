package calendar

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/ical"
	"github.com/calendarbot/calendarbot/server/tz"
)

// domCal wraps VEVENT text (lines separated by "\n") in a VCALENDAR and
// returns it with CRLF line endings, as feeds are served.
func domCal(body string) []byte {
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//CalendarBot//domain test//EN\n" +
		strings.TrimSpace(body) + "\nEND:VCALENDAR\n"
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func domParse(t *testing.T, data []byte, opts Options) *Calendar {
	t.Helper()
	c, err := Parse(data, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func domTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

func domZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, ok := tz.LoadIANA(name)
	if !ok {
		t.Fatalf("zone %q not available", name)
	}
	return loc
}

// domLimits are DefaultLimits without the wall-time budget, so that a loaded
// test machine cannot turn a correct expansion into a deadline problem.
var domLimits = Limits{MaxPerSeries: DefaultLimits.MaxPerSeries}

func domExpand(t *testing.T, c *Calendar, from, to string) []Occurrence {
	t.Helper()
	occ, probs := c.Expand(domTime(t, from), domTime(t, to), domLimits)
	if len(probs) != 0 {
		t.Fatalf("unexpected expansion problems: %v", probs)
	}
	return occ
}

// domIDs lists "ID start" for every occurrence, start in UTC.
func domIDs(occ []Occurrence) []string {
	out := make([]string, len(occ))
	for i := range occ {
		out[i] = occ[i].ID() + " " + occ[i].Start.UTC().Format(time.RFC3339)
	}
	return out
}

func domEqual(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", what, got, want)
	}
}

// lineOf is the 1-based line number of the only line of data equal to line.
func lineOf(t *testing.T, data []byte, line string) int {
	t.Helper()
	n := 0
	for i, l := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		if l == line {
			if n != 0 {
				t.Fatalf("line %q occurs twice", line)
			}
			n = i + 1
		}
	}
	if n == 0 {
		t.Fatalf("line %q not found", line)
	}
	return n
}

const idFeed = `
BEGIN:VEVENT
UID:single@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260310T150000Z
DTEND:20260310T160000Z
SUMMARY:Single
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.com
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260302T090000
DTEND;TZID=Europe/Berlin:20260302T100000
RRULE:FREQ=WEEKLY;COUNT=6
SUMMARY:Weekly
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.com
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000
DTSTART;TZID=Europe/Berlin:20260317T140000
DTEND;TZID=Europe/Berlin:20260317T150000
SUMMARY:Weekly (moved)
END:VEVENT
BEGIN:VEVENT
UID:holiday@example.com
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260303
RRULE:FREQ=WEEKLY;COUNT=2
SUMMARY:Weekly day off
END:VEVENT
`

// wantIDs are the IDs of idFeed in March and April 2026. Berlin is UTC+1
// until 29 March 2026, UTC+2 after; the moved instance keeps the ID of its
// original slot (16 March 09:00 Berlin = 08:00Z).
var wantIDs = []string{
	"weekly@example.com_20260302T080000 2026-03-02T08:00:00Z",
	"holiday@example.com_20260303T000000 2026-03-03T00:00:00Z",
	"weekly@example.com_20260309T080000 2026-03-09T08:00:00Z",
	"holiday@example.com_20260310T000000 2026-03-10T00:00:00Z",
	"single@example.com 2026-03-10T15:00:00Z",
	"weekly@example.com_20260316T080000 2026-03-17T13:00:00Z",
	"weekly@example.com_20260323T080000 2026-03-23T08:00:00Z",
	"weekly@example.com_20260330T070000 2026-03-30T07:00:00Z",
	"weekly@example.com_20260406T070000 2026-04-06T07:00:00Z",
}

func TestOccurrenceID(t *testing.T) {
	const from, to = "2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"
	data := domCal(idFeed)
	occ := domExpand(t, domParse(t, data, Options{}), from, to)
	domEqual(t, "IDs", domIDs(occ), wantIDs)
	for _, o := range occ {
		if o.UID == "weekly@example.com" && o.Start.Equal(domTime(t, "2026-03-17T13:00:00Z")) && o.Summary != "Weekly (moved)" {
			t.Errorf("moved instance has summary %q, want the override's", o.Summary)
		}
	}

	t.Run("second parse of the same bytes", func(t *testing.T) {
		again := domExpand(t, domParse(t, append([]byte(nil), data...), Options{}), from, to)
		domEqual(t, "IDs", domIDs(again), wantIDs)
	})

	t.Run("unrelated event added", func(t *testing.T) {
		more := domCal(`
BEGIN:VEVENT
UID:new@example.com
DTSTAMP:20260101T000000Z
DTSTART:20260302T060000Z
DTEND:20260302T070000Z
SUMMARY:New
END:VEVENT` + idFeed)
		occ := domExpand(t, domParse(t, more, Options{}), from, to)
		var got []string
		for _, s := range domIDs(occ) {
			if !strings.HasPrefix(s, "new@") {
				got = append(got, s)
			}
		}
		domEqual(t, "IDs", got, wantIDs)
		if len(occ) != len(wantIDs)+1 || occ[0].ID() != "new@example.com" {
			t.Errorf("new event missing or misplaced: first = %q, %d occurrences", occ[0].ID(), len(occ))
		}
	})

	t.Run("DTSTAMP changed", func(t *testing.T) {
		restamped := strings.ReplaceAll(string(data), "DTSTAMP:20260101T000000Z", "DTSTAMP:20260320T101112Z")
		if restamped == string(data) {
			t.Fatal("fixture has no DTSTAMP to change")
		}
		occ := domExpand(t, domParse(t, []byte(restamped), Options{}), from, to)
		domEqual(t, "IDs", domIDs(occ), wantIDs)
	})
}

func TestStatusAndBusy(t *testing.T) {
	cases := []struct {
		name   string
		props  string
		status Status
		raw    string
		busy   Busy
	}{
		{name: "confirmed", props: "STATUS:CONFIRMED", status: StatusConfirmed, raw: "CONFIRMED", busy: BusyBusy},
		{name: "tentative", props: "STATUS:TENTATIVE", status: StatusTentative, raw: "TENTATIVE", busy: BusyTentative},
		{name: "cancelled", props: "STATUS:CANCELLED", status: StatusCancelled, raw: "CANCELLED", busy: BusyBusy},
		{name: "lower-case status", props: "STATUS:cancelled", status: StatusCancelled, raw: "CANCELLED", busy: BusyBusy},
		{name: "absent", props: "", status: StatusNone, raw: "", busy: BusyBusy},
		{name: "transparent", props: "TRANSP:TRANSPARENT", status: StatusNone, busy: BusyFree},
		{name: "opaque", props: "TRANSP:OPAQUE", status: StatusNone, busy: BusyBusy},
		{name: "busystatus free over opaque", props: "TRANSP:OPAQUE\nX-MICROSOFT-CDO-BUSYSTATUS:FREE", busy: BusyFree},
		{name: "busystatus tentative", props: "TRANSP:OPAQUE\nX-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", busy: BusyTentative},
		{name: "busystatus oof", props: "TRANSP:OPAQUE\nX-MICROSOFT-CDO-BUSYSTATUS:OOF", busy: BusyOutOfOffice},
		{name: "busystatus working elsewhere", props: "TRANSP:OPAQUE\nX-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE", busy: BusyWorkingElsewhere},
		{name: "busystatus busy over transparent (Outlook order)", props: "TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY", busy: BusyBusy},
		{name: "busystatus oof over transparent", props: "TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:OOF", busy: BusyOutOfOffice},
		{name: "busystatus free with tentative status", props: "STATUS:TENTATIVE\nX-MICROSOFT-CDO-BUSYSTATUS:FREE", status: StatusTentative, raw: "TENTATIVE", busy: BusyFree},
		{name: "busystatus busy before transparent", props: "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\nTRANSP:TRANSPARENT", busy: BusyBusy},
		{name: "busystatus busy with tentative status", props: "STATUS:TENTATIVE\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY", status: StatusTentative, raw: "TENTATIVE", busy: BusyBusy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := "BEGIN:VEVENT\nUID:s@example.com\nDTSTART:20260310T090000Z\nDTEND:20260310T100000Z\nSUMMARY:S\n"
			if tc.props != "" {
				body += tc.props + "\n"
			}
			body += "END:VEVENT"
			occ := domExpand(t, domParse(t, domCal(body), Options{}), "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")
			if len(occ) != 1 {
				t.Fatalf("%d occurrences, want 1 (cancelled events are listed too)", len(occ))
			}
			o := occ[0]
			if o.Status != tc.status || o.RawStatus != tc.raw {
				t.Errorf("status = %v (%q), want %v (%q)", o.Status, o.RawStatus, tc.status, tc.raw)
			}
			if o.Busy != tc.busy {
				t.Errorf("busy = %v, want %v", o.Busy, tc.busy)
			}
		})
	}
}

func TestDetails(t *testing.T) {
	data := domCal(`
BEGIN:VEVENT
UID:d@example.com
DTSTART:20260310T090000Z
DTEND:20260310T100000Z
SUMMARY:Planning\, Q3\; budget \\ review
DESCRIPTION:Line one\nLine two\NLine three
LOCATION:Room 4\, 2nd floor
ORGANIZER;CN=Alice Example:mailto:alice@example.com
ATTENDEE;CN="Doe, Jane";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:jane@example.com
ATTENDEE;ROLE=opt-participant;PARTSTAT=tentative:MAILTO:bob@example.com
URL:https://example.com/m/1
CLASS:private
END:VEVENT
BEGIN:VEVENT
UID:o@example.com
DTSTART:20260311T090000Z
DTEND:20260311T100000Z
SUMMARY:No name organiser
ORGANIZER:mailto:carol@example.com
END:VEVENT`)
	occ := domExpand(t, domParse(t, data, Options{}), "2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z")
	if len(occ) != 2 {
		t.Fatalf("%d occurrences, want 2", len(occ))
	}
	d := occ[0]
	if want := `Planning, Q3; budget \ review`; d.Summary != want || !d.HasSummary {
		t.Errorf("summary = %q (has %v), want %q", d.Summary, d.HasSummary, want)
	}
	if want := "Line one\nLine two\nLine three"; d.Description != want {
		t.Errorf("description = %q, want %q", d.Description, want)
	}
	if want := "Room 4, 2nd floor"; d.Location != want {
		t.Errorf("location = %q, want %q", d.Location, want)
	}
	if d.Organizer != "Alice Example" {
		t.Errorf("organizer = %q, want %q", d.Organizer, "Alice Example")
	}
	wantAtt := []Attendee{
		{Name: "Doe, Jane", Email: "jane@example.com", Role: "REQ-PARTICIPANT", PartStat: "ACCEPTED"},
		{Name: "", Email: "bob@example.com", Role: "OPT-PARTICIPANT", PartStat: "TENTATIVE"},
	}
	if !reflect.DeepEqual(d.Attendees, wantAtt) {
		t.Errorf("attendees = %+v, want %+v", d.Attendees, wantAtt)
	}
	if d.URL != "https://example.com/m/1" || d.Class != "PRIVATE" {
		t.Errorf("url, class = %q, %q", d.URL, d.Class)
	}
	if occ[1].Organizer != "carol@example.com" {
		t.Errorf("organizer without CN = %q, want the address", occ[1].Organizer)
	}
}

func TestOverrideDetails(t *testing.T) {
	// Daily at 10:00 New York, 6 instances from Mon 2 March 2026. The 3 March
	// instance is retitled and moved; from 5 March on (THISANDFUTURE) the
	// series is renamed and one hour later.
	data := domCal(`
BEGIN:VEVENT
UID:s@example.com
DTSTART;TZID=America/New_York:20260302T100000
DTEND;TZID=America/New_York:20260302T103000
RRULE:FREQ=DAILY;COUNT=6
SUMMARY:Sync
LOCATION:Room A
ATTENDEE;CN=Jane:mailto:jane@example.com
END:VEVENT
BEGIN:VEVENT
UID:s@example.com
RECURRENCE-ID;TZID=America/New_York:20260303T100000
DTSTART;TZID=America/New_York:20260303T150000
DTEND;TZID=America/New_York:20260303T153000
SUMMARY:Sync (afternoon)
LOCATION:Room B
END:VEVENT
BEGIN:VEVENT
UID:s@example.com
RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=America/New_York:20260305T100000
DTSTART;TZID=America/New_York:20260305T110000
DTEND;TZID=America/New_York:20260305T113000
SUMMARY:Sync v2
LOCATION:Room C
END:VEVENT`)
	occ := domExpand(t, domParse(t, data, Options{}), "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
	var got []string
	for _, o := range occ {
		got = append(got, fmt.Sprintf("%s %s %s|%s|%s", o.ID(), o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339), o.Summary, o.Location))
	}
	// New York switches to EDT on 8 March 2026.
	want := []string{
		"s@example.com_20260302T150000 2026-03-02T10:00:00-05:00 2026-03-02T10:30:00-05:00|Sync|Room A",
		"s@example.com_20260303T150000 2026-03-03T15:00:00-05:00 2026-03-03T15:30:00-05:00|Sync (afternoon)|Room B",
		"s@example.com_20260304T150000 2026-03-04T10:00:00-05:00 2026-03-04T10:30:00-05:00|Sync|Room A",
		"s@example.com_20260305T150000 2026-03-05T11:00:00-05:00 2026-03-05T11:30:00-05:00|Sync v2|Room C",
		"s@example.com_20260306T150000 2026-03-06T11:00:00-05:00 2026-03-06T11:30:00-05:00|Sync v2|Room C",
		"s@example.com_20260307T150000 2026-03-07T11:00:00-05:00 2026-03-07T11:30:00-05:00|Sync v2|Room C",
	}
	domEqual(t, "occurrences", got, want)
	if len(occ) == len(want) {
		if len(occ[0].Attendees) != 1 || occ[2].Summary != "Sync" {
			t.Errorf("master details lost: %+v", occ[0].Details)
		}
		if len(occ[1].Attendees) != 0 {
			t.Errorf("override inherited the master's attendees: %+v", occ[1].Attendees)
		}
	}
}

func TestAllDayLocalDates(t *testing.T) {
	la := domZone(t, "America/Los_Angeles")
	data := domCal(`
BEGIN:VEVENT
UID:one@example.com
DTSTART;VALUE=DATE:20251110
DTEND;VALUE=DATE:20251111
SUMMARY:One day
END:VEVENT
BEGIN:VEVENT
UID:span@example.com
DTSTART;VALUE=DATE:20251031
DTEND;VALUE=DATE:20251103
SUMMARY:Across the DST change
END:VEVENT
BEGIN:VEVENT
UID:noend@example.com
DTSTART;VALUE=DATE:20251215
SUMMARY:No DTEND
END:VEVENT`)
	type span struct{ id, start, end string }
	check := func(t *testing.T, opts Options, want []span) {
		t.Helper()
		occ := domExpand(t, domParse(t, data, opts), "2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z")
		var got []span
		for _, o := range occ {
			if !o.AllDay {
				t.Errorf("%s: AllDay false", o.ID())
			}
			got = append(got, span{o.ID(), o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339)})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	}
	t.Run("Los Angeles", func(t *testing.T) {
		check(t, Options{Floating: la}, []span{
			{"span@example.com", "2025-10-31T00:00:00-07:00", "2025-11-03T00:00:00-08:00"},
			{"one@example.com", "2025-11-10T00:00:00-08:00", "2025-11-11T00:00:00-08:00"},
			{"noend@example.com", "2025-12-15T00:00:00-08:00", "2025-12-16T00:00:00-08:00"},
		})
	})
	t.Run("default UTC", func(t *testing.T) {
		check(t, Options{}, []span{
			{"span@example.com", "2025-10-31T00:00:00Z", "2025-11-03T00:00:00Z"},
			{"one@example.com", "2025-11-10T00:00:00Z", "2025-11-11T00:00:00Z"},
			{"noend@example.com", "2025-12-15T00:00:00Z", "2025-12-16T00:00:00Z"},
		})
	})
	t.Run("window in local time", func(t *testing.T) {
		// 10 November in Los Angeles is [08:00Z, next day 08:00Z): a window
		// at 05:00Z-07:00Z on 11 November still sees it, one at 08:00Z not.
		c := domParse(t, data, Options{Floating: la})
		occ, _ := c.Expand(domTime(t, "2025-11-11T05:00:00Z"), domTime(t, "2025-11-11T07:00:00Z"), domLimits)
		if len(occ) != 1 || occ[0].UID != "one@example.com" {
			t.Errorf("window before local midnight: %v, want one@example.com", domIDs(occ))
		}
		occ, _ = c.Expand(domTime(t, "2025-11-11T08:00:00Z"), domTime(t, "2025-11-11T09:00:00Z"), domLimits)
		if len(occ) != 0 {
			t.Errorf("window from local midnight: %v, want none", domIDs(occ))
		}
	})
}

const snapFeedA = `
BEGIN:VEVENT
UID:shared@example.com
SEQUENCE:1
DTSTART:20260310T100000Z
DTEND:20260310T110000Z
SUMMARY:Old title
END:VEVENT
BEGIN:VEVENT
UID:tie@example.com
SEQUENCE:0
DTSTART:20260310T080000Z
DTEND:20260310T083000Z
SUMMARY:Tie A
END:VEVENT
BEGIN:VEVENT
DTSTART:20260310T120000Z
DTEND:20260310T130000Z
SUMMARY:Lunch
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.com
SEQUENCE:0
DTSTART:20260302T090000Z
DTEND:20260302T093000Z
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Weekly A
END:VEVENT
`

const snapFeedB = `
BEGIN:VEVENT
UID:weekly@example.com
SEQUENCE:0
DTSTART:20260302T090000Z
DTEND:20260302T093000Z
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Weekly B
END:VEVENT
BEGIN:VEVENT
UID:weekly@example.com
SEQUENCE:3
RECURRENCE-ID:20260309T090000Z
DTSTART:20260309T160000Z
DTEND:20260309T163000Z
SUMMARY:Weekly B moved
END:VEVENT
BEGIN:VEVENT
UID:shared@example.com
SEQUENCE:2
DTSTART:20260310T100000Z
DTEND:20260310T110000Z
SUMMARY:New title
END:VEVENT
BEGIN:VEVENT
UID:tie@example.com
SEQUENCE:0
DTSTART:20260310T080000Z
DTEND:20260310T083000Z
SUMMARY:Tie B
END:VEVENT
BEGIN:VEVENT
DTSTART:20260310T120000Z
DTEND:20260310T130000Z
SUMMARY:Lunch
END:VEVENT
`

func TestSnapshotMerge(t *testing.T) {
	a := domParse(t, domCal(snapFeedA), Options{})
	b := domParse(t, domCal(snapFeedB), Options{})
	from, to := domTime(t, "2026-03-01T00:00:00Z"), domTime(t, "2026-04-01T00:00:00Z")
	built := domTime(t, "2026-03-01T12:00:00Z")
	feeds := []Feed{{Name: "Unreachable", Cal: nil}, {Name: "Personal", Cal: a}, {Name: "Team", Cal: b}}
	s := NewSnapshot(7, built, from, to, feeds, domLimits)
	if s.Version != 7 || !s.Built.Equal(built) || !s.From.Equal(from) || !s.To.Equal(to) {
		t.Errorf("header = %d %v %v %v", s.Version, s.Built, s.From, s.To)
	}
	var got []string
	for _, o := range s.Occurrences {
		got = append(got, fmt.Sprintf("%s %s %s|%s", o.Start.UTC().Format(time.RFC3339), o.ID(), o.Summary, o.Calendar))
	}
	want := []string{
		"2026-03-02T09:00:00Z weekly@example.com_20260302T090000 Weekly A|Personal",
		"2026-03-09T16:00:00Z weekly@example.com_20260309T090000 Weekly B moved|Team",
		"2026-03-10T08:00:00Z tie@example.com Tie A|Personal",
		"2026-03-10T10:00:00Z shared@example.com New title|Team",
		"2026-03-10T12:00:00Z  Lunch|Personal",
		"2026-03-10T12:00:00Z  Lunch|Team",
		"2026-03-16T09:00:00Z weekly@example.com_20260316T090000 Weekly A|Personal",
	}
	domEqual(t, "snapshot", got, want)
	if len(s.Problems) != 0 {
		t.Errorf("problems: %v", s.Problems)
	}

	t.Run("feed order decides ties", func(t *testing.T) {
		s := NewSnapshot(8, built, from, to, []Feed{{Name: "Team", Cal: b}, {Name: "Personal", Cal: a}}, domLimits)
		for _, o := range s.Occurrences {
			if o.UID == "tie@example.com" && (o.Summary != "Tie B" || o.Calendar != "Team") {
				t.Errorf("tie resolved to %q from %q, want Tie B from the first feed, Team", o.Summary, o.Calendar)
			}
			if o.UID == "shared@example.com" && o.Summary != "New title" {
				t.Errorf("shared = %q, want the higher SEQUENCE whatever the order", o.Summary)
			}
		}
		if len(s.Occurrences) != len(want) {
			t.Errorf("%d occurrences, want %d", len(s.Occurrences), len(want))
		}
	})
}

func TestSnapshotBetween(t *testing.T) {
	c := domParse(t, domCal(`
BEGIN:VEVENT
UID:long@example.com
DTSTART:20260309T000000Z
DTEND:20260312T000000Z
SUMMARY:Conference, started before the window
END:VEVENT
BEGIN:VEVENT
UID:ended@example.com
DTSTART:20260310T080000Z
DTEND:20260310T090000Z
SUMMARY:Ends exactly at from
END:VEVENT
BEGIN:VEVENT
UID:inside@example.com
DTSTART:20260310T093000Z
DTEND:20260310T094500Z
SUMMARY:Inside
END:VEVENT
BEGIN:VEVENT
UID:overlap-end@example.com
DTSTART:20260310T095000Z
DTEND:20260310T103000Z
SUMMARY:Runs past to
END:VEVENT
BEGIN:VEVENT
UID:zero@example.com
DTSTART:20260310T090000Z
SUMMARY:Zero length at from
END:VEVENT
BEGIN:VEVENT
UID:zero-at-to@example.com
DTSTART:20260310T100000Z
SUMMARY:Zero length at to
END:VEVENT
BEGIN:VEVENT
UID:starts-at-to@example.com
DTSTART:20260310T100000Z
DTEND:20260310T110000Z
SUMMARY:Starts exactly at to
END:VEVENT
BEGIN:VEVENT
UID:later@example.com
DTSTART:20260311T100000Z
DTEND:20260311T110000Z
SUMMARY:Later
END:VEVENT`), Options{})
	s := NewSnapshot(1, time.Time{}, domTime(t, "2026-03-01T00:00:00Z"), domTime(t, "2026-04-01T00:00:00Z"),
		[]Feed{{Name: "F", Cal: c}}, domLimits)
	if len(s.Occurrences) != 8 {
		t.Fatalf("snapshot has %d occurrences, want 8", len(s.Occurrences))
	}
	var got []string
	for _, o := range s.Between(domTime(t, "2026-03-10T09:00:00Z"), domTime(t, "2026-03-10T10:00:00Z")) {
		got = append(got, o.UID)
	}
	domEqual(t, "Between", got, []string{"long@example.com", "zero@example.com", "inside@example.com", "overlap-end@example.com"})
	if n := len(s.Between(domTime(t, "2026-03-20T00:00:00Z"), domTime(t, "2026-03-21T00:00:00Z"))); n != 0 {
		t.Errorf("empty range: %d occurrences", n)
	}
}

func TestProblemsKeepGoodEvents(t *testing.T) {
	data := domCal(`
BEGIN:VEVENT
UID:bad-start@example.com
DTSTART:2026031T090000
SUMMARY:Bad start
END:VEVENT
BEGIN:VEVENT
UID:bad-rule@example.com
DESCRIPTION:a long description folded onto
  a second physical line
DTSTART:20260310T090000Z
RRULE:FREQ=FORTNIGHTLY;COUNT=3
SUMMARY:Bad rule
END:VEVENT
BEGIN:VEVENT
UID:mars-1@example.com
DTSTART;TZID=Mars/Olympus_Mons:20260311T090000
DTEND;TZID=Mars/Olympus_Mons:20260311T100000
SUMMARY:Mars one
END:VEVENT
BEGIN:VEVENT
UID:mars-2@example.com
DTSTART;TZID=Mars/Olympus_Mons:20260312T090000
SUMMARY:Mars two
END:VEVENT
BEGIN:VEVENT
UID:good@example.com
DTSTART:20260313T090000Z
RRULE:FREQ=DAILY;COUNT=2
SUMMARY:Good
END:VEVENT`)
	c := domParse(t, data, Options{})
	occ := domExpand(t, c, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
	domEqual(t, "occurrences", domIDs(occ), []string{
		"bad-rule@example.com 2026-03-10T09:00:00Z",
		"mars-1@example.com 2026-03-11T09:00:00Z",
		"mars-2@example.com 2026-03-12T09:00:00Z",
		"good@example.com_20260313T090000 2026-03-13T09:00:00Z",
		"good@example.com_20260314T090000 2026-03-14T09:00:00Z",
	})
	type want struct {
		line int
		has  []string
	}
	wants := []want{
		{lineOf(t, data, "UID:bad-start@example.com") - 1, []string{"VEVENT skipped", fmt.Sprintf("DTSTART (line %d)", lineOf(t, data, "DTSTART:2026031T090000"))}},
		{lineOf(t, data, "RRULE:FREQ=FORTNIGHTLY;COUNT=3"), []string{"RRULE ignored"}},
		{lineOf(t, data, "DTSTART;TZID=Mars/Olympus_Mons:20260311T090000"), []string{"unknown time zone", "Mars/Olympus_Mons"}},
	}
	if len(c.Problems.List) != len(wants) || c.Problems.Dropped != 0 {
		t.Fatalf("problems = %v, want %d", c.Problems.List, len(wants))
	}
	for i, w := range wants {
		p := c.Problems.List[i]
		if p.Line != w.line {
			t.Errorf("problem %d %q at line %d, want line %d", i, p.Msg, p.Line, w.line)
		}
		for _, s := range w.has {
			if !strings.Contains(p.Msg, s) {
				t.Errorf("problem %d %q does not mention %q", i, p.Msg, s)
			}
		}
	}
}

func TestParseNotACalendar(t *testing.T) {
	for _, in := range []string{"", "<!DOCTYPE html><html><body>Sign in</body></html>"} {
		c, err := Parse([]byte(in), Options{})
		if !errors.Is(err, ical.ErrNoCalendar) || c != nil {
			t.Errorf("Parse(%.20q) = %v, %v; want nil, ErrNoCalendar", in, c, err)
		}
	}
}

func TestXWRTimezone(t *testing.T) {
	data := domCal(`
X-WR-CALNAME:Team
X-WR-TIMEZONE:America/New_York
BEGIN:VEVENT
UID:g@google.com
DTSTART:20260105T140000Z
DTEND:20260105T150000Z
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T140000Z
EXDATE:20260112T140000Z
SUMMARY:Weekly
END:VEVENT`)
	instances := func(opts Options) []string {
		c := domParse(t, data, opts)
		if c.Name != "Team" {
			t.Errorf("calendar name = %q, want Team", c.Name)
		}
		occ := domExpand(t, c, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
		var out []string
		for _, o := range occ {
			out = append(out, o.Start.Format(time.RFC3339)+" "+o.ID())
		}
		// The January instances, including the EXDATE.
		jan := domExpand(t, c, "2026-01-01T00:00:00Z", "2026-01-20T00:00:00Z")
		domEqual(t, "January (12 January excluded)", domIDs(jan), []string{
			"g@google.com_20260105T140000 2026-01-05T14:00:00Z",
			"g@google.com_20260119T140000 2026-01-19T14:00:00Z",
		})
		return out
	}
	t.Run("follows New York", func(t *testing.T) {
		// 09:00 in New York: 14:00Z before 8 March, 13:00Z after. UNTIL 30
		// March 14:00Z admits the 09:00 EDT instance (13:00Z).
		domEqual(t, "March", instances(Options{}), []string{
			"2026-03-02T09:00:00-05:00 g@google.com_20260302T140000",
			"2026-03-09T09:00:00-04:00 g@google.com_20260309T130000",
			"2026-03-16T09:00:00-04:00 g@google.com_20260316T130000",
			"2026-03-23T09:00:00-04:00 g@google.com_20260323T130000",
			"2026-03-30T09:00:00-04:00 g@google.com_20260330T130000",
		})
	})
	t.Run("ignored", func(t *testing.T) {
		domEqual(t, "March", instances(Options{IgnoreXWRTimezone: true}), []string{
			"2026-03-02T14:00:00Z g@google.com_20260302T140000",
			"2026-03-09T14:00:00Z g@google.com_20260309T140000",
			"2026-03-16T14:00:00Z g@google.com_20260316T140000",
			"2026-03-23T14:00:00Z g@google.com_20260323T140000",
			"2026-03-30T14:00:00Z g@google.com_20260330T140000",
		})
	})
}
