package ical

import (
	"fmt"
	"strings"
	"testing"
)

const benchEvents = 300

// foldCRLF appends line folded the way Outlook does it: at most 75 octets
// per physical line (continuations start with a space, which counts), cut at
// octet boundaries even inside a multibyte rune, each line ended by CRLF.
func foldCRLF(b *strings.Builder, line string) {
	limit := 75
	for len(line) > limit {
		b.WriteString(line[:limit])
		b.WriteString("\r\n ")
		line = line[limit:]
		limit = 74
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// outlookFeed builds a synthetic Outlook-like feed of n events (~900 bytes
// each, so 300 events make ~270 KB): a VTIMEZONE, then VEVENTs with quoted
// ATTENDEE parameters, long escaped descriptions folded at 75 octets (also
// inside multibyte runes), quoted TZIDs and a VALARM.
func outlookFeed(n int) []byte {
	var b strings.Builder
	for _, l := range []string{
		"BEGIN:VCALENDAR",
		"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
		"VERSION:2.0",
		"METHOD:PUBLISH",
		"X-CALSTART:20250101T000000Z",
		"X-WR-CALNAME:Engineering",
		"BEGIN:VTIMEZONE",
		"TZID:W. Europe Standard Time",
		"BEGIN:STANDARD",
		"DTSTART:16011028T030000",
		"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"END:STANDARD",
		"BEGIN:DAYLIGHT",
		"DTSTART:16010325T020000",
		"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"END:DAYLIGHT",
		"END:VTIMEZONE",
	} {
		foldCRLF(&b, l)
	}
	people := []string{"Jane Doe", "Björn Ødegård", "Zoë Müller", "Paul Latham", "Ana Lúcia Gonçalves"}
	for i := 0; i < n; i++ {
		day := 1 + i%28
		month := 1 + (i/28)%12
		foldCRLF(&b, "BEGIN:VEVENT")
		for k := 0; k < 2; k++ {
			p := people[(i+k)%len(people)]
			foldCRLF(&b, fmt.Sprintf(`ATTENDEE;CN="%s";RSVP=TRUE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:%s@example.com`,
				p, strings.ToLower(strings.ReplaceAll(p, " ", "."))))
		}
		foldCRLF(&b, fmt.Sprintf("DESCRIPTION:Meeting %d about the quarterly roadmap. Agenda:\\n1. Review of last "+
			"sprint’s outcomes\\, blockers\\; follow-ups\\n"+
			"Join: https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%08d%%40thread.v2/0", i, i))
		foldCRLF(&b, fmt.Sprintf(`DTEND;TZID="W. Europe Standard Time":2025%02d%02dT110000`, month, day))
		foldCRLF(&b, "DTSTAMP:20250101T080000Z")
		foldCRLF(&b, fmt.Sprintf(`DTSTART;TZID="W. Europe Standard Time":2025%02d%02dT100000`, month, day))
		foldCRLF(&b, "LOCATION:Room 4.01; Building B")
		foldCRLF(&b, `ORGANIZER;CN="Jane Doe":mailto:jane.doe@example.com`)
		foldCRLF(&b, fmt.Sprintf("SUMMARY;LANGUAGE=en-us:Roadmap sync #%d", i))
		foldCRLF(&b, fmt.Sprintf("UID:040000008200E00074C5B7101A82E00800000000%016X0000000000000000100000", i))
		foldCRLF(&b, "BEGIN:VALARM")
		foldCRLF(&b, "TRIGGER:-PT15M")
		foldCRLF(&b, "ACTION:DISPLAY")
		foldCRLF(&b, "DESCRIPTION:Reminder")
		foldCRLF(&b, "END:VALARM")
		foldCRLF(&b, "END:VEVENT")
	}
	foldCRLF(&b, "END:VCALENDAR")
	return []byte(b.String())
}

func TestOutlookFeedParses(t *testing.T) {
	data := outlookFeed(benchEvents)
	var ps Problems
	cals, err := Parse(data, &ps)
	if err != nil || ps.Len() != 0 {
		t.Fatalf("err %v, problems %v", err, ps.List)
	}
	if len(cals) != 1 || len(cals[0].Children) != benchEvents+1 {
		t.Fatalf("shape: %d calendars, %d children", len(cals), len(cals[0].Children))
	}
	ev := cals[0].Children[1+7]
	if got := ev.Prop("SUMMARY").Value; got != "Roadmap sync #7" {
		t.Errorf("SUMMARY = %q", got)
	}
	if d := UnescapeText(ev.Prop("DESCRIPTION").Value); !strings.Contains(d, "sprint’s outcomes, blockers") {
		t.Errorf("DESCRIPTION unfolded wrongly: %q", d)
	}
	if a := ev.Props[0]; a.Name != "ATTENDEE" || a.Param("CN") != "Zoë Müller" || a.Value != "mailto:zoë.müller@example.com" {
		t.Errorf("ATTENDEE = %+v", a)
	}
	if len(data) < 240<<10 || len(data) > 300<<10 {
		t.Errorf("feed is %d bytes, want ~270 KB", len(data))
	}
}

func BenchmarkParse(b *testing.B) {
	data := outlookFeed(benchEvents)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var ps Problems
		if _, err := Parse(data, &ps); err != nil || ps.Len() != 0 {
			b.Fatal(err, ps.List)
		}
	}
}
