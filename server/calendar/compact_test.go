package calendar

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A parsed calendar must not keep the feed's text alive: Outlook exports are
// mostly HTML descriptions (X-ALT-DESC), timestamps and vendor properties
// the server never reads, and the snapshot lives until the next change.
func TestParsedCalendarDoesNotKeepFeedText(t *testing.T) {
	const events = 400
	alt := strings.Repeat("<p>Join the meeting: https://example.invalid/join/0123456789</p>", 64) // ~4 KB
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nX-WR-CALNAME:Work\r\n")
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:Compact Test Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n" +
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CTZ\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\n" +
		"TZOFFSETTO:+0200\r\nTZNAME:CTZS\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
	for i := range events {
		tzid := "Compact Test Zone"
		if i%2 == 1 {
			tzid = "America/Argentina/Ushuaia"
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:event-%d@example.invalid\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART;TZID=%s:20260115T%02d0000\r\nDTEND;TZID=%s:20260115T%02d3000\r\nSUMMARY:Meeting %d\r\n"+
			"LOCATION:Room %d\r\nORGANIZER;CN=Sam:mailto:sam@example.invalid\r\n"+
			"ATTENDEE;CN=Alex;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:alex@example.invalid\r\n"+
			"X-ALT-DESC;FMTTYPE=text/html:%s\r\nEND:VEVENT\r\n", i, tzid, i%24, tzid, i%24, i, i%10, alt)
	}
	b.WriteString("END:VCALENDAR\r\n")
	data := []byte(b.String())
	b.Reset()

	before := liveHeap()
	c, err := Parse(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after := liveHeap()
	kept := int64(after) - int64(before)
	occ, _ := c.Expand(time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 17, 0, 0, 0, 0, time.UTC), Limits{})
	if len(occ) != events || occ[0].Summary == "" || len(occ[0].Attendees) != 1 {
		t.Fatalf("expansion: %d occurrences", len(occ))
	}
	// The events' own data is ~150 KB; the feed text is 10 times that.
	t.Logf("%d events keep %d KB of heap; the feed is %d KB", events, kept>>10, len(data)>>10)
	if kept > int64(len(data))/4 {
		t.Errorf("the parsed calendar keeps %d KB of heap for a %d KB feed: the feed's text is still referenced", kept>>10, len(data)>>10)
	}
	runtime.KeepAlive(c)
	runtime.KeepAlive(data)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Occurrence IDs are stable API identifiers: the fast formatting must give
// exactly UID + "_" + the original start in UTC as YYYYMMDDTHHMMSS.
func TestOccurrenceIDFormat(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, rid := range []time.Time{
		time.Date(2026, 1, 15, 8, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 2, 30, 0, 0, berlin),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 6, 7, 8, 9, 10, 0, time.UTC),
	} {
		for _, uid := range []string{"", "040000008200E00074C5B7101A82E008@x", strings.Repeat("u", 200)} {
			o := Occurrence{UID: uid, InSeries: true, RecurrenceID: rid}
			if got, want := o.ID(), uid+"_"+rid.UTC().Format("20060102T150405"); got != want {
				t.Errorf("ID() = %q, want %q", got, want)
			}
		}
	}
	if got := (&Occurrence{UID: "single", RecurrenceID: time.Now()}).ID(); got != "single" {
		t.Errorf("a single event's ID is its UID, got %q", got)
	}
}
