package ical

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are small calendars shaped like what real producers emit,
// including their usual defects.
var fuzzSeeds = []string{
	// Google Calendar: CRLF, folded description, RRULE, EXDATE, VALARM.
	"BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n" +
		"METHOD:PUBLISH\r\nX-WR-CALNAME:Team\r\nX-WR-TIMEZONE:Europe/Berlin\r\nBEGIN:VEVENT\r\n" +
		"DTSTART;TZID=Europe/Berlin:20250106T093000\r\nDTEND;TZID=Europe/Berlin:20250106T094500\r\n" +
		"RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\nEXDATE;TZID=Europe/Berlin:20250108T093000,20250109T093000\r\n" +
		"DTSTAMP:20250101T120000Z\r\nUID:abc123@google.com\r\nDESCRIPTION:Daily standup.\\nJoin: https://meet.g\r\n" +
		" oogle.com/xyz-abcd-efg\\, or dial in.\r\nSUMMARY:Standup\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n" +
		"TRIGGER:-P0DT0H10M0S\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	// Outlook: VTIMEZONE, quoted TZID, ATTENDEE params, X-ALT-DESC.
	"BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\n" +
		"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" +
		"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\n" +
		"ATTENDEE;CN=\"Doe, Jane\";RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:jane@example.com\r\n" +
		"ORGANIZER;CN=\"Boss\":mailto:boss@example.com\r\nDTSTART;TZID=\"W. Europe Standard Time\":20250310T140000\r\n" +
		"DURATION:PT1H30M\r\nSUMMARY;LANGUAGE=en-us:Quarterly review\r\nX-ALT-DESC;FMTTYPE=text/html:<html><body>\r\n" +
		" <p>Agenda</p></body></html>\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	// Apple: LF only, all-day event, lowercase z.
	"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Apple Inc.//macOS 14.0//EN\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20250704\n" +
		"DTEND;VALUE=DATE:20250705\nDTSTAMP:20250101t000000z\nSUMMARY:Holiday\nUID:1@apple\nEND:VEVENT\nEND:VCALENDAR\n",
	// Broken folding: ATTENDEE cut mid-name, BOM, blank lines.
	"\uFEFFBEGIN:VCALENDAR\r\n\r\nBEGIN:VEVENT\r\nATTENDEE;ROLE=REQ-PARTICIPANT;CN=Pau\r\nl Latham;CUTYPE=INDIVIDUAL:mailto:x@y\r\n" +
		"SUMMARY:Broken\r\n\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	// Missing END:VEVENT and END:VCALENDAR, lone CR line endings.
	"BEGIN:VCALENDAR\rBEGIN:VEVENT\rSUMMARY:a\rBEGIN:VEVENT\rSUMMARY:b\rDTSTART:20250101\r",
	// Two concatenated calendars, the first without END.
	"BEGIN:VCALENDAR\nBEGIN:VTODO\nSUMMARY:todo\nDUE:20250201T170000Z\nEND:VTODO\n" +
		"BEGIN:VCALENDAR\nBEGIN:VJOURNAL\nDESCRIPTION:note\nEND:VJOURNAL\nEND:VCALENDAR\n",
	// Period and free/busy values, multi-valued params.
	"BEGIN:VCALENDAR\r\nBEGIN:VFREEBUSY\r\nFREEBUSY;FBTYPE=BUSY:19970308T160000Z/PT8H30M,19970308T230000Z/19970309T000000Z\r\n" +
		"ATTENDEE;MEMBER=\"mailto:a@x\",\"mailto:b@x\";DELEGATED-TO=\"mailto:c@x\":mailto:d@x\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n",
	// Deep nesting beyond MaxDepth with a sibling after it.
	"BEGIN:VCALENDAR\nBEGIN:A\nBEGIN:B\nBEGIN:C\nBEGIN:D\nBEGIN:E\nBEGIN:F\nBEGIN:G\nBEGIN:H\nBEGIN:I\nX:1\nEND:I\n" +
		"END:H\nEND:G\nEND:F\nEND:E\nEND:D\nEND:C\nEND:B\nEND:A\nBEGIN:VEVENT\nSUMMARY:sibling\nEND:VEVENT\nEND:VCALENDAR\n",
	// Garbage: unterminated quote, no colon, property outside, unmatched END.
	"X-OUTSIDE:1\r\nBEGIN:VCALENDAR\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nX-BAD;P=\"open:v\r\n\r\njust text\r\n" +
		"BEGIN:\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n0\r\n",
	// Lowercase everything, tab folding, multibyte split across a fold.
	"begin:vcalendar\nbegin:vevent\nsummary;language=fr:caf\xc3\n\t\xa9 cr\xc3\xa8me\nlocation:Z\xc3\xbcrich\nend:vevent\nend:vcalendar\n",
	// Escapes and values containing delimiters.
	"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nURL:https://example.com/a;b?c=d:e\r\nDESCRIPTION:a\\,b\\;c\\\\d\\ne\\\r\n" +
		"GEO:37.386013;-122.082932\r\nCATEGORIES:WORK,MEETING\r\nTZOFFSETFROM:-0530\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	// Not a calendar at all.
	"<!DOCTYPE html>\n<html><head><title>401</title></head></html>\n",
	"",
}

// physicalLines counts lines the way the reader does: CRLF, LF and a lone CR
// each end one; trailing text without a terminator is one more.
func physicalLines(data []byte) int {
	s := strings.TrimPrefix(string(data), "\uFEFF")
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			n++
		case '\n':
			n++
		}
	}
	if s != "" && s[len(s)-1] != '\r' && s[len(s)-1] != '\n' {
		n++
	}
	return n
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ps Problems
		cals, err := Parse(data, &ps)
		lines := physicalLines(data)

		if err != nil {
			if !errors.Is(err, ErrNoCalendar) || cals != nil {
				t.Fatalf("err = %v with %d calendars", err, len(cals))
			}
		} else if len(cals) == 0 {
			t.Fatal("no calendars and no error")
		}
		if len(ps.List) > MaxProblems || ps.Dropped < 0 || (ps.Dropped > 0 && len(ps.List) != MaxProblems) {
			t.Fatalf("problems kept %d, dropped %d", len(ps.List), ps.Dropped)
		}
		for _, p := range ps.List {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("problem %q: line outside 1..%d", p, lines)
			}
		}

		// Every logical line yields at most one component or property, so
		// the tree is never bigger than the input.
		nodes := 0
		var walk func(c *Component, depth int)
		walk = func(c *Component, depth int) {
			nodes += 1 + len(c.Props)
			if depth > MaxDepth {
				t.Fatalf("%s at depth %d > MaxDepth", c.Name, depth)
			}
			if c.Name == "" || strings.ContainsAny(c.Name, "\r\nabcdefghijklmnopqrstuvwxyz") {
				t.Fatalf("bad component name %q", c.Name)
			}
			if c.Line < 1 || c.Line > lines {
				t.Fatalf("%s at line %d, outside 1..%d", c.Name, c.Line, lines)
			}
			for _, p := range c.Props {
				if !validName(p.Name) {
					t.Fatalf("bad property name %q", p.Name)
				}
				if p.Line < c.Line || p.Line > lines {
					t.Fatalf("%s at line %d, outside %d..%d", p.Name, p.Line, c.Line, lines)
				}
				if strings.ContainsAny(p.Value, "\r\n") {
					t.Fatalf("%s value %q holds a line break", p.Name, p.Value)
				}
				for _, pa := range p.Params {
					if strings.ContainsAny(pa.Name, "\r\nabcdefghijklmnopqrstuvwxyz") {
						t.Fatalf("bad parameter name %q", pa.Name)
					}
				}
			}
			for _, ch := range c.Children {
				if ch.Line < c.Line {
					t.Fatalf("%s (line %d) inside %s (line %d)", ch.Name, ch.Line, c.Name, c.Line)
				}
				walk(ch, depth+1)
			}
		}
		for _, c := range cals {
			walk(c, 1)
		}
		if nodes > lines {
			t.Fatalf("%d components and properties from %d lines", nodes, lines)
		}

		// Parsing is deterministic and does not depend on reused buffers.
		var ps2 Problems
		cals2, err2 := Parse(data, &ps2)
		if !reflect.DeepEqual(cals, cals2) || err != err2 || !reflect.DeepEqual(ps, ps2) {
			t.Fatal("second parse differs")
		}
	})
}

var valueSeeds = []string{
	"20250101", "20250101T093000", "20250101T093000Z", "20250101t0930z", "20161231T235960Z", "20250230",
	"P1D", "-PT15M", "+P1DT2H3M4S", "P1W", "PT2562047H47M16S", "P999999999W", "P15250W15250W",
	"19970101T180000Z/19970102T070000Z", "19970101T180000Z/PT5H30M",
	"+0100", "-0530", "+013000", "-0000",
	`a\,b\;c\\d\ne\`, `\é`, "plain",
	"a,b,,c", "",
}

func FuzzValues(f *testing.F) {
	for _, s := range valueSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDateTime(s); err == nil {
			checkRoundTrip(t, "ParseDateTime", d)
		}

		d, err := ParseDuration(s)
		if err != nil && d != 0 {
			t.Fatalf("ParseDuration(%q) = %v with error %v", s, d, err)
		}
		if err == nil {
			neg := strings.HasPrefix(strings.TrimSpace(s), "-")
			if neg && d > 0 || !neg && d < 0 {
				t.Fatalf("ParseDuration(%q) = %v: sign flipped (overflow)", s, d)
			}
		}

		if p, err := ParsePeriod(s); err == nil {
			checkRoundTrip(t, "ParsePeriod start", p.Start)
			if p.HasEnd {
				checkRoundTrip(t, "ParsePeriod end", p.End)
			}
		}

		if off, err := ParseUTCOffset(s); err == nil && (off <= -86400 || off >= 86400) {
			t.Fatalf("ParseUTCOffset(%q) = %d: a day or more", s, off)
		}

		u := UnescapeText(s)
		if len(u) > len(s) {
			t.Fatalf("UnescapeText(%q) = %q grew", s, u)
		}
		if !strings.Contains(s, `\`) && u != s {
			t.Fatalf("UnescapeText(%q) = %q changed a string without escapes", s, u)
		}
		if utf8.ValidString(s) && !utf8.ValidString(u) {
			t.Fatalf("UnescapeText(%q) = %q broke UTF-8", s, u)
		}

		for _, item := range SplitList(s) {
			if item == "" || strings.TrimSpace(item) != item || strings.Contains(item, ",") {
				t.Fatalf("SplitList(%q) yields %q", s, item)
			}
		}
	})
}

// checkRoundTrip asserts that d re-Formats to a string that parses back to
// the same value.
func checkRoundTrip(t *testing.T, what string, d DateTime) {
	t.Helper()
	f := d.Format()
	back, err := ParseDateTime(f)
	if err != nil {
		t.Fatalf("%s: Format() = %q does not parse: %v", what, f, err)
	}
	if !back.Wall.Equal(d.Wall) || back.Date != d.Date || back.UTC != d.UTC {
		t.Fatalf("%s: %+v formats as %q, which parses as %+v", what, d, f, back)
	}
}
