package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/calendar"
)

// newTestService publishes one feed ("Work") read from data, with the
// clock frozen at now and loc as the display zone.
func newTestService(t testing.TB, data []byte, now time.Time, loc *time.Location) (Service, *Store) {
	t.Helper()
	clock := func() time.Time { return now }
	store := NewStore()
	r := NewRefresher(store, []string{"Work"}, RefresherOptions{Location: loc, Clock: clock})
	cal, err := calendar.Parse(data, calendar.Options{Floating: loc})
	if err != nil {
		t.Fatal(err)
	}
	r.SetCalendar("Work", cal)
	return New(Config{Location: loc, Clock: clock}, store), store
}

// ics wraps VEVENTs into a calendar.
func ics(events ...string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calendarbot//test//EN\r\n" +
		strings.Join(events, "") + "END:VCALENDAR\r\n")
}

// ev is a VEVENT. start and end are floating local times
// ("20251105T090000", the display zone) or dates ("20251105", all-day).
func ev(uid, summary, start, end string, extra ...string) string {
	kind := ""
	if len(start) == 8 {
		kind = ";VALUE=DATE"
	}
	lines := []string{"BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20250101T000000Z",
		"DTSTART" + kind + ":" + start, "DTEND" + kind + ":" + end, "SUMMARY:" + summary}
	lines = append(lines, extra...)
	lines = append(lines, "END:VEVENT")
	return strings.Join(lines, "\r\n") + "\r\n"
}

// httptestServer serves svc over HTTP on loopback with the clock at now.
func httptestServer(t *testing.T, svc Service, store *Store, now time.Time) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewHTTPHandler(MakeEndpoints(svc), HTTPOptions{Store: store, Clock: func() time.Time { return now }, Location: la}))
	t.Cleanup(srv.Close)
	return srv
}

var (
	la = mustLoadZone("America/Los_Angeles")
	ny = mustLoadZone("America/New_York")
)

func mustLoadZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// workday is 2025-11-05 in Los Angeles: three meetings, a cancelled one
// and a free one after the last, and a meeting the next day.
var workday = ics(
	ev("standup@x", "Standup", "20251105T090000", "20251105T100000", "LOCATION:Room 1"),
	ev("lunch@x", "Lunch", "20251105T130000", "20251105T140000"),
	ev("review@x", "Project Review", "20251105T160000", "20251105T170000"),
	ev("cancelled@x", "Cancelled Retro", "20251105T180000", "20251105T190000", "STATUS:CANCELLED"),
	ev("gym@x", "Gym", "20251105T190000", "20251105T200000", "TRANSP:TRANSPARENT"),
	ev("planning@x", "Planning", "20251106T090000", "20251106T100000"),
)

func TestDoneForDay(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		now       time.Time
		loc       *time.Location
		detail    string
		remaining int
		done      bool
		doneAt    string
		speech    string
	}{
		{"morning", at(la, 2025, 11, 5, 8, 0), nil, "", 3, false, "2025-11-05T17:00:00-08:00",
			"You'll be done for the day at 5:00 pm, after your last meeting, Project Review. You have 3 meetings left today."},
		{"brief", at(la, 2025, 11, 5, 8, 0), nil, "brief", 3, false, "2025-11-05T17:00:00-08:00",
			"You'll be done for the day at 5:00 pm, after your last meeting, Project Review."},
		{"verbose", at(la, 2025, 11, 5, 9, 30), nil, "verbose", 3, false, "2025-11-05T17:00:00-08:00",
			"You'll be done for the day at 5:00 pm, after your last meeting, Project Review. You have 3 meetings left today. " +
				"Still to come: Standup at 9:00 am, Lunch at 1:00 pm and Project Review at 4:00 pm."},
		{"in the last meeting", at(la, 2025, 11, 5, 16, 30), nil, "", 1, false, "2025-11-05T17:00:00-08:00",
			"You'll be done for the day at 5:00 pm, after your last meeting, Project Review."},
		{"at its end", at(la, 2025, 11, 5, 17, 0), nil, "", 0, true, "2025-11-05T17:00:00-08:00",
			"You're done for the day. Your last meeting, Project Review, ended at 5:00 pm."},
		// The same day asked from New York: same meetings, New York times.
		{"other zone", at(la, 2025, 11, 5, 8, 0), ny, "", 3, false, "2025-11-05T20:00:00-05:00",
			"You'll be done for the day at 8:00 pm, after your last meeting, Project Review. You have 3 meetings left today."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newTestService(t, workday, tc.now, la)
			r, err := svc.DoneForDay(ctx, DayRequest{Loc: tc.loc, Detail: tc.detail})
			if err != nil {
				t.Fatal(err)
			}
			if !r.HasMeetingsToday || r.MeetingsToday != 3 || r.MeetingsRemaining != tc.remaining || r.IsDone != tc.done {
				t.Errorf("has %v today %d remaining %d done %v, want true 3 %d %v", r.HasMeetingsToday, r.MeetingsToday, r.MeetingsRemaining, r.IsDone, tc.remaining, tc.done)
			}
			if deref(r.LastMeetingSubject) != "Project Review" || deref(r.LastMeetingStartISO) != "2025-11-06T00:00:00Z" ||
				deref(r.LastMeetingEndISO) != "2025-11-06T01:00:00Z" || deref(r.DoneAtLocal) != tc.doneAt {
				t.Errorf("last %s %s–%s done at %s", deref(r.LastMeetingSubject), deref(r.LastMeetingStartISO), deref(r.LastMeetingEndISO), deref(r.DoneAtLocal))
			}
			if r.SpeechText != tc.speech {
				t.Errorf("speech\n got %q\nwant %q", r.SpeechText, tc.speech)
			}
			wantLoc := la
			if tc.loc != nil {
				wantLoc = tc.loc
			}
			if r.TZ != wantLoc.String() || r.NowISO != tc.now.In(wantLoc).Format(time.RFC3339) {
				t.Errorf("tz %s now %s", r.TZ, r.NowISO)
			}
			if r.SSML != "" {
				t.Errorf("ssml %q without being asked", r.SSML)
			}
		})
	}
}

func TestDoneForDayNoMeetings(t *testing.T) {
	svc, _ := newTestService(t, workday, at(la, 2025, 11, 4, 9, 0), la)
	r, _ := svc.DoneForDay(context.Background(), DayRequest{})
	if r.HasMeetingsToday || r.MeetingsToday != 0 || !r.IsDone || r.LastMeetingEndISO != nil || r.DoneAtLocal != nil {
		t.Errorf("%+v", r)
	}
	if r.SpeechText != "You have no meetings today." {
		t.Errorf("speech %q", r.SpeechText)
	}
	b, _ := json.Marshal(r)
	for _, frag := range []string{`"last_meeting_end_iso":null`, `"done_at_local":null`, `"all_day_events":[]`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("JSON %s lacks %s", b, frag)
		}
	}
}

// All-day events make the day "have meetings" but never set the hour the
// day ends (upstream said "done at 4:00 pm" for a holiday).
func TestDoneForDayAllDay(t *testing.T) {
	ctx := context.Background()
	now := at(la, 2025, 11, 5, 9, 0)
	t.Run("only all-day", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("h@x", "Company Holiday", "20251105", "20251106")), now, la)
		r, _ := svc.DoneForDay(ctx, DayRequest{})
		if !r.HasMeetingsToday || r.MeetingsToday != 0 || !r.IsDone || r.DoneAtLocal != nil || !reflect.DeepEqual(r.AllDayEvents, []string{"Company Holiday"}) {
			t.Errorf("%+v", r)
		}
		if want := "Apart from Company Holiday, all day, you have no meetings today, so you're done for the day."; r.SpeechText != want {
			t.Errorf("speech %q, want %q", r.SpeechText, want)
		}
	})
	t.Run("free all-day", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("b@x", "Birthday", "20251105", "20251106", "TRANSP:TRANSPARENT")), now, la)
		r, _ := svc.DoneForDay(ctx, DayRequest{})
		if r.HasMeetingsToday || !strings.Contains(r.SpeechText, "Birthday") {
			t.Errorf("has %v speech %q: a free all-day event is named but is no meeting", r.HasMeetingsToday, r.SpeechText)
		}
	})
	t.Run("multi-day and timed", func(t *testing.T) {
		svc, _ := newTestService(t, ics(
			ev("conf@x", "Conference", "20251104", "20251107"),
			// Timed, but covering the whole local day: treated as all-day.
			ev("trip@x", "Trip", "20251104T120000", "20251106T120000"),
			ev("m@x", "Sync", "20251105T110000", "20251105T113000"),
		), now, la)
		r, _ := svc.DoneForDay(ctx, DayRequest{})
		if deref(r.DoneAtLocal) != "2025-11-05T11:30:00-08:00" || r.MeetingsToday != 1 || !reflect.DeepEqual(r.AllDayEvents, []string{"Conference", "Trip"}) {
			t.Errorf("done at %s, %d meetings, all-day %v", deref(r.DoneAtLocal), r.MeetingsToday, r.AllDayEvents)
		}
		if want := "You'll be done for the day at 11:30 am, after your last meeting, Sync. Also today, all day: Conference and Trip."; r.SpeechText != want {
			t.Errorf("speech %q, want %q", r.SpeechText, want)
		}
	})
}

func TestDoneForDaySkipped(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t, workday, at(la, 2025, 11, 5, 8, 0), la)
	if _, err := svc.Skip(ctx, SkipRequest{MeetingID: "review@x"}); err != nil {
		t.Fatal(err)
	}
	r, _ := svc.DoneForDay(ctx, DayRequest{})
	if deref(r.LastMeetingSubject) != "Lunch" || r.MeetingsToday != 2 || !strings.Contains(r.SpeechText, "at 2:00 pm") {
		t.Errorf("last %s, %d meetings, speech %q; want Lunch, 2, 2:00 pm", deref(r.LastMeetingSubject), r.MeetingsToday, r.SpeechText)
	}
	if _, err := svc.ClearSkips(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := svc.DoneForDay(ctx, DayRequest{}); deref(r.LastMeetingSubject) != "Project Review" {
		t.Errorf("after clearing skips: last %s", deref(r.LastMeetingSubject))
	}
}

// The local day is midnight to midnight in the zone: 25 hours when the
// clocks go back, 23 when they go forward.
func TestDoneForDayDST(t *testing.T) {
	for _, tc := range []struct {
		name   string
		now    time.Time
		cal    []byte
		doneAt string
		count  int
	}{
		{"fall back (25 h)", at(la, 2025, 11, 2, 8, 0), ics(
			ev("late@x", "Late Call", "20251102T230000", "20251102T233000"),
			ev("next@x", "Next Day", "20251103T003000", "20251103T010000"),
		), "2025-11-02T23:30:00-08:00", 1},
		{"spring forward (23 h)", at(la, 2026, 3, 8, 8, 0), ics(
			ev("late@x", "Late Call", "20260308T230000", "20260308T233000"),
			ev("next@x", "Next Day", "20260309T001500", "20260309T004500"),
		), "2026-03-08T23:30:00-07:00", 1},
		{"across midnight", at(la, 2025, 11, 5, 8, 0), ics(
			ev("late@x", "Late Call", "20251105T233000", "20251106T003000"),
		), "2025-11-06T00:30:00-08:00", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newTestService(t, tc.cal, tc.now, la)
			r, _ := svc.DoneForDay(context.Background(), DayRequest{})
			if deref(r.DoneAtLocal) != tc.doneAt || r.MeetingsToday != tc.count {
				t.Errorf("done at %s with %d meetings, want %s with %d (%s)", deref(r.DoneAtLocal), r.MeetingsToday, tc.doneAt, tc.count, r.SpeechText)
			}
			if !strings.Contains(r.SpeechText, "Late Call") {
				t.Errorf("speech %q", r.SpeechText)
			}
		})
	}
	svc, _ := newTestService(t, ics(ev("late@x", "Late Call", "20251105T233000", "20251106T003000")), at(la, 2025, 11, 5, 8, 0), la)
	if r, _ := svc.DoneForDay(context.Background(), DayRequest{}); !strings.Contains(r.SpeechText, "tomorrow at 12:30 am") {
		t.Errorf("a meeting ending after midnight: %q", r.SpeechText)
	}
}

// morning is 2025-11-06 (tomorrow, seen from 20:00 on the 5th).
var morning = ics(
	ev("early@x", "Too Early", "20251106T050000", "20251106T053000"),
	ev("a@x", "A", "20251106T080000", "20251106T083000"),
	ev("b@x", "B", "20251106T084000", "20251106T090000"), // 10 min after A: back-to-back
	ev("focus@x", "Focus", "20251106T090000", "20251106T092000", // free: ignored
		"TRANSP:TRANSPARENT"),
	ev("c@x", "C", "20251106T092000", "20251106T100000"), // 20 min after B: not
	ev("d@x", "D", "20251106T100000", "20251106T103000"), // right after C
	ev("e@x", "E", "20251106T101500", "20251106T104500"), // overlaps D: no break either
	ev("x@x", "Dropped", "20251106T110000", "20251106T113000", "STATUS:CANCELLED"),
	ev("lunch@x", "Lunch", "20251106T120000", "20251106T130000"), // starts at noon: afternoon
)

func TestMorningSummaryRules(t *testing.T) {
	svc, _ := newTestService(t, morning, at(la, 2025, 11, 5, 20, 0), la)
	r, err := svc.MorningSummary(context.Background(), DayRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Date != "2025-11-06" || r.PreviewFor != "tomorrow morning" || r.TZ != "America/Los_Angeles" {
		t.Errorf("date %s preview %q tz %s", r.Date, r.PreviewFor, r.TZ)
	}
	if r.MeetingCount != 5 || r.Density != "busy" || r.BackToBackCount != 3 || r.EarlyStart || r.TotalMeetingsEquivalent != 2.5 {
		t.Errorf("count %d density %s b2b %d early %v equivalent %v, want 5 busy 3 false 2.5",
			r.MeetingCount, r.Density, r.BackToBackCount, r.EarlyStart, r.TotalMeetingsEquivalent)
	}
	if deref(r.FirstMeetingStartISO) != "2025-11-06T16:00:00Z" {
		t.Errorf("first %s", deref(r.FirstMeetingStartISO))
	}
	want := []Block{
		{StartISO: "2025-11-06T14:00:00Z", EndISO: "2025-11-06T16:00:00Z", DurationMinutes: 120},
		{StartISO: "2025-11-06T18:45:00Z", EndISO: "2025-11-06T20:00:00Z", DurationMinutes: 75},
	}
	if !reflect.DeepEqual(r.FreeBlocks, want) {
		t.Errorf("free blocks %+v, want %+v", r.FreeBlocks, want)
	}
	var subjects []string
	for _, m := range r.Meetings {
		subjects = append(subjects, m.Subject)
	}
	if !reflect.DeepEqual(subjects, []string{"A", "B", "C", "D", "E"}) {
		t.Errorf("meetings %v", subjects)
	}
	for _, frag := range []string{"Tomorrow morning looks busy, with 5 meetings: A at 8:00 am, B at 8:40 am", "back-to-back"} {
		if !strings.Contains(r.SpeechText, frag) {
			t.Errorf("speech %q lacks %q", r.SpeechText, frag)
		}
	}
}

func TestMorningSummaryDensity(t *testing.T) {
	for n, want := range map[int]string{0: "light", 1: "light", 2: "light", 3: "moderate", 4: "moderate", 5: "busy"} {
		var evs []string
		for i := range n {
			start := at(la, 2025, 11, 6, 6, 0).Add(time.Duration(i) * 70 * time.Minute)
			evs = append(evs, ev(fmt.Sprintf("m%d@x", i), fmt.Sprintf("M%d", i),
				start.Format("20060102T150405"), start.Add(30*time.Minute).Format("20060102T150405")))
		}
		svc, _ := newTestService(t, ics(evs...), at(la, 2025, 11, 5, 20, 0), la)
		r, _ := svc.MorningSummary(context.Background(), DayRequest{})
		if r.MeetingCount != n || r.Density != want || r.BackToBackCount != 0 {
			t.Errorf("%d meetings: count %d density %s b2b %d, want %s 0", n, r.MeetingCount, r.Density, r.BackToBackCount, want)
		}
		if n > 0 && !strings.Contains(r.SpeechText, "looks "+want) {
			t.Errorf("%d meetings: speech %q", n, r.SpeechText)
		}
	}
}

func TestMorningSummaryEarlyAndFree(t *testing.T) {
	ctx := context.Background()
	now := at(la, 2025, 11, 5, 20, 0)
	t.Run("starts before the window", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("e@x", "Dawn Call", "20251106T053000", "20251106T061500")), now, la)
		r, _ := svc.MorningSummary(ctx, DayRequest{})
		if r.MeetingCount != 1 || !r.EarlyStart || r.TotalMeetingsEquivalent != 0.25 ||
			len(r.FreeBlocks) != 1 || r.FreeBlocks[0].StartISO != "2025-11-06T14:15:00Z" || r.FreeBlocks[0].DurationMinutes != 345 {
			t.Errorf("%+v", r)
		}
		if !strings.Contains(r.SpeechText, "It starts early, at 5:30 am with Dawn Call.") {
			t.Errorf("speech %q", r.SpeechText)
		}
	})
	t.Run("eight o'clock is not early", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("e@x", "Standup", "20251106T080000", "20251106T081500")), now, la)
		if r, _ := svc.MorningSummary(ctx, DayRequest{}); r.EarlyStart || strings.Contains(r.SpeechText, "early") {
			t.Errorf("early %v speech %q", r.EarlyStart, r.SpeechText)
		}
	})
	t.Run("free morning", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("l@x", "Lunch", "20251106T120000", "20251106T130000"),
			ev("o@x", "Team Offsite", "20251106", "20251107")), now, la)
		r, _ := svc.MorningSummary(ctx, DayRequest{})
		if want := "You have a free morning tomorrow, with no meetings before noon. All day: Team Offsite."; r.SpeechText != want {
			t.Errorf("speech %q, want %q", r.SpeechText, want)
		}
		if r.MeetingCount != 0 || r.Density != "light" || r.FirstMeetingStartISO != nil ||
			!reflect.DeepEqual(r.FreeBlocks, []Block{{"2025-11-06T14:00:00Z", "2025-11-06T20:00:00Z", 360}}) {
			t.Errorf("%+v", r)
		}
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), `"meetings":[]`) || !strings.Contains(string(b), `"first_meeting_start_iso":null`) {
			t.Errorf("JSON %s", b)
		}
	})
	t.Run("skipped", func(t *testing.T) {
		svc, _ := newTestService(t, ics(ev("e@x", "Standup", "20251106T090000", "20251106T091500")), now, la)
		if _, err := svc.Skip(ctx, SkipRequest{MeetingID: "e@x"}); err != nil {
			t.Fatal(err)
		}
		if r, _ := svc.MorningSummary(ctx, DayRequest{}); r.MeetingCount != 0 || !strings.Contains(r.SpeechText, "free morning") {
			t.Errorf("a skipped meeting still counted: %+v", r)
		}
	})
}

// Which morning: the next one that has not begun, the next calendar date
// (never now + 24 h), or the date asked for.
func TestMorningSummaryWhichDay(t *testing.T) {
	cal := ics(
		ev("m@x", "Early Sync", "20260308T070000", "20260308T073000"),
		ev("n@x", "Weekly", "20251110T090000", "20251110T100000"),
	)
	for _, tc := range []struct {
		name               string
		now                time.Time
		date               time.Time
		wantDate, preview  string
		windowStart, first string
	}{
		{"before six: this morning", at(la, 2025, 11, 6, 5, 0), time.Time{}, "2025-11-06", "this morning", "2025-11-06T14:00:00Z", ""},
		{"from six: tomorrow", at(la, 2025, 11, 6, 6, 0), time.Time{}, "2025-11-07", "tomorrow morning", "2025-11-07T14:00:00Z", ""},
		// 23:30 the evening before the clocks go forward: now + 24 h would
		// be 00:30 on the 9th and skip the 8th.
		{"spring forward", at(la, 2026, 3, 7, 23, 30), time.Time{}, "2026-03-08", "tomorrow morning", "2026-03-08T13:00:00Z", "2026-03-08T14:00:00Z"},
		{"fall back", at(la, 2025, 11, 1, 20, 0), time.Time{}, "2025-11-02", "tomorrow morning", "2025-11-02T14:00:00Z", ""},
		{"a date", at(la, 2025, 11, 5, 20, 0), time.Date(2025, 11, 10, 0, 0, 0, 0, la), "2025-11-10", "the morning of Monday, November 10", "2025-11-10T14:00:00Z", "2025-11-10T17:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newTestService(t, cal, tc.now, la)
			r, _ := svc.MorningSummary(context.Background(), DayRequest{Date: tc.date})
			if r.Date != tc.wantDate || r.PreviewFor != tc.preview {
				t.Errorf("date %s preview %q, want %s %q", r.Date, r.PreviewFor, tc.wantDate, tc.preview)
			}
			if tc.first == "" {
				if len(r.FreeBlocks) != 1 || r.FreeBlocks[0].StartISO != tc.windowStart || r.FreeBlocks[0].DurationMinutes != 360 {
					t.Errorf("free blocks %+v, want the whole morning from %s", r.FreeBlocks, tc.windowStart)
				}
				return
			}
			if deref(r.FirstMeetingStartISO) != tc.first || len(r.FreeBlocks) == 0 || r.FreeBlocks[0].StartISO != tc.windowStart {
				t.Errorf("first %s blocks %+v, want %s from %s", deref(r.FirstMeetingStartISO), r.FreeBlocks, tc.first, tc.windowStart)
			}
		})
	}
	t.Run("spring forward speech", func(t *testing.T) {
		svc, _ := newTestService(t, cal, at(la, 2026, 3, 7, 23, 30), la)
		r, _ := svc.MorningSummary(context.Background(), DayRequest{})
		if !r.EarlyStart || !strings.Contains(r.SpeechText, "It starts early, at 7:00 am") {
			t.Errorf("early %v speech %q", r.EarlyStart, r.SpeechText)
		}
		// 06:00–07:00 and 07:30–12:00 PDT.
		want := []Block{{"2026-03-08T13:00:00Z", "2026-03-08T14:00:00Z", 60}, {"2026-03-08T14:30:00Z", "2026-03-08T19:00:00Z", 270}}
		if !reflect.DeepEqual(r.FreeBlocks, want) {
			t.Errorf("free blocks %+v, want %+v", r.FreeBlocks, want)
		}
	})
	t.Run("a date speech", func(t *testing.T) {
		svc, _ := newTestService(t, cal, at(la, 2025, 11, 5, 20, 0), la)
		r, _ := svc.MorningSummary(context.Background(), DayRequest{Date: time.Date(2025, 11, 10, 0, 0, 0, 0, la)})
		if want := "The morning of Monday, November 10 looks light, with 1 meeting: Weekly at 9:00 am."; r.SpeechText != want {
			t.Errorf("speech %q, want %q", r.SpeechText, want)
		}
	})
}

func TestMorningSummaryDetail(t *testing.T) {
	svc, _ := newTestService(t, morning, at(la, 2025, 11, 5, 20, 0), la)
	speech := map[string]string{}
	for _, d := range []string{"brief", "normal", "verbose"} {
		r, _ := svc.MorningSummary(context.Background(), DayRequest{Detail: d})
		speech[d] = r.SpeechText
	}
	if !(len(speech["brief"]) < len(speech["normal"]) && len(speech["normal"]) < len(speech["verbose"])) {
		t.Errorf("brief %q\nnormal %q\nverbose %q: want increasing length", speech["brief"], speech["normal"], speech["verbose"])
	}
	if !strings.HasPrefix(speech["brief"], "Tomorrow morning looks busy, with 5 meetings, the first at 8:00 am.") {
		t.Errorf("brief %q", speech["brief"])
	}
	if !strings.Contains(speech["verbose"], "A at 8:00 am for 30 minutes") || !strings.Contains(speech["verbose"], "Your longest free stretch is 2 hours, from 6:00 am to 8:00 am.") {
		t.Errorf("verbose %q", speech["verbose"])
	}
}

func TestVoiceIntents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, intent, detail string
		now                  time.Time
		speech               string
		next                 string
	}{
		{"time until next", "time-until-next", "", at(la, 2025, 11, 5, 8, 35),
			"Your next meeting, Standup, starts in 25 minutes.", "Standup"},
		{"time until next, hours", "time-until-next", "", at(la, 2025, 11, 5, 10, 30),
			"Your next meeting, Lunch, starts in 2 hours and 30 minutes.", "Lunch"},
		{"time until next, days", "time-until-next", "", at(la, 2025, 11, 3, 8, 0),
			"Your next meeting, Standup, starts on Wednesday at 9:00 am.", "Standup"},
		{"next meeting", "next-meeting", "", at(la, 2025, 11, 5, 8, 35),
			"Your next meeting is Standup at 9:00 am, in 25 minutes.", "Standup"},
		{"next meeting, verbose", "next-meeting", "verbose", at(la, 2025, 11, 5, 8, 35),
			"Your next meeting is Standup at 9:00 am, in 25 minutes. It lasts 1 hour, in Room 1.", "Standup"},
		{"next meeting during one", "next-meeting", "", at(la, 2025, 11, 5, 9, 15),
			"You're currently in Standup until 10:00 am. Your next meeting is Lunch at 1:00 pm, in 3 hours and 45 minutes.", "Lunch"},
		// The cancelled retro and the free gym session are no meetings.
		{"next meeting after the last", "next-meeting", "", at(la, 2025, 11, 5, 17, 30),
			"Your next meeting is Planning tomorrow at 9:00 am, in 15 hours and 30 minutes.", "Planning"},
		{"nothing left", "next-meeting", "", at(la, 2025, 11, 6, 11, 0),
			"You have no upcoming meetings.", ""},
		{"launch", "launch-summary", "", at(la, 2025, 11, 5, 8, 0),
			"Your next meeting is Standup at 9:00 am, in 1 hour. After that you have 2 more meetings today. You'll be done for the day at 5:00 pm.", "Standup"},
		{"launch, brief", "launch-summary", "brief", at(la, 2025, 11, 5, 8, 0),
			"Your next meeting is Standup at 9:00 am, in 1 hour.", "Standup"},
		{"launch in a meeting", "launch-summary", "", at(la, 2025, 11, 5, 9, 15),
			"You're currently in Standup until 10:00 am. Your next meeting is Lunch at 1:00 pm, in 3 hours and 45 minutes. After that you have 1 more meeting today. You'll be done for the day at 5:00 pm.", "Lunch"},
		{"launch in the last meeting", "launch-summary", "", at(la, 2025, 11, 5, 16, 30),
			"You're currently in Project Review until 5:00 pm. After that you're done for the day.", "Planning"},
		{"launch at the end of the day", "launch-summary", "", at(la, 2025, 11, 5, 18, 0),
			"You're done for the day: your last meeting, Project Review, ended at 5:00 pm.", "Planning"},
		{"launch without meetings", "launch-summary", "", at(la, 2025, 11, 4, 8, 0),
			"No meetings today. Your next meeting is Standup tomorrow at 9:00 am.", "Standup"},
		{"done for day", "done-for-day", "brief", at(la, 2025, 11, 5, 8, 0),
			"You'll be done for the day at 5:00 pm, after your last meeting, Project Review.", ""},
		{"morning summary", "morning-summary", "", at(la, 2025, 11, 5, 20, 0),
			"Tomorrow morning looks light, with 1 meeting: Planning at 9:00 am.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newTestService(t, workday, tc.now, la)
			r, err := svc.Voice(ctx, VoiceRequest{Intent: tc.intent, Day: DayRequest{Detail: tc.detail}})
			if err != nil {
				t.Fatal(err)
			}
			if r.SpeechText != tc.speech {
				t.Errorf("speech\n got %q\nwant %q", r.SpeechText, tc.speech)
			}
			switch {
			case tc.next == "" && r.NextMeeting != nil:
				t.Errorf("next meeting %q, want none", r.NextMeeting.Subject)
			case tc.next != "" && (r.NextMeeting == nil || r.NextMeeting.Subject != tc.next):
				t.Errorf("next meeting %+v, want %s", r.NextMeeting, tc.next)
			}
			if r.HasMeetingsToday == nil {
				t.Error("has_meetings_today missing")
			}
			if (tc.intent == "morning-summary") != (r.Summary != nil) || (tc.intent == "done-for-day" || tc.intent == "launch-summary") != (r.DoneForDay != nil) {
				t.Errorf("summary %v done_for_day %v for %s", r.Summary != nil, r.DoneForDay != nil, tc.intent)
			}
		})
	}
}

func TestVoiceNextMeetingFields(t *testing.T) {
	now := at(la, 2025, 11, 5, 9, 15)
	svc, _ := newTestService(t, workday, now, la)
	r, _ := svc.Voice(context.Background(), VoiceRequest{Intent: "launch-summary"})
	n, c := r.NextMeeting, r.CurrentMeeting
	if n == nil || c == nil {
		t.Fatalf("next %v current %v", n, c)
	}
	if n.MeetingID != "lunch@x" || n.StartISO != "2025-11-05T21:00:00Z" || n.SecondsUntilStart != 13500 || n.StartSpoken != "1:00 pm" || n.DurationSpoken != "1 hour" {
		t.Errorf("next %+v", n)
	}
	if c.Subject != "Standup" || c.SecondsRemaining != 2700 {
		t.Errorf("current %+v", c)
	}
	b, _ := json.Marshal(r)
	for _, key := range []string{`"next_meeting":{"meeting_id":"lunch@x"`, `"duration_spoken":"1 hour"`, `"seconds_until_start":13500`, `"has_meetings_today":true`, `"done_for_day":{`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
	if strings.Contains(string(b), `"ssml"`) || strings.Contains(string(b), `"summary"`) {
		t.Errorf("JSON has fields it was not asked for: %s", b)
	}
}

func TestVoiceRespectsSkips(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t, workday, at(la, 2025, 11, 5, 8, 35), la)
	if _, err := svc.Skip(ctx, SkipRequest{MeetingID: "standup@x"}); err != nil {
		t.Fatal(err)
	}
	r, _ := svc.Voice(ctx, VoiceRequest{Intent: "time-until-next"})
	if r.NextMeeting == nil || r.NextMeeting.Subject != "Lunch" || !strings.HasPrefix(r.SpeechText, "Your next meeting, Lunch,") {
		t.Errorf("skipped meeting announced: %q", r.SpeechText)
	}
	r, _ = svc.Voice(ctx, VoiceRequest{Intent: "launch-summary"})
	if strings.Contains(r.SpeechText, "Standup") || !strings.Contains(r.SpeechText, "1 more meeting") {
		t.Errorf("launch %q", r.SpeechText)
	}
}

func TestVoiceAllDayAndFreeAreNotNext(t *testing.T) {
	cal := ics(
		ev("h@x", "Company Holiday", "20251105", "20251106"),
		ev("t@x", "Tomorrow Holiday", "20251106", "20251107"),
		ev("f@x", "Focus", "20251105T083000", "20251105T090000", "TRANSP:TRANSPARENT"),
		ev("w@x", "Working from home", "20251105T090000", "20251105T170000", "X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE"),
		ev("m@x", "Review", "20251105T140000", "20251105T150000"),
	)
	svc, _ := newTestService(t, cal, at(la, 2025, 11, 5, 8, 0), la)
	r, _ := svc.Voice(context.Background(), VoiceRequest{Intent: "launch-summary"})
	want := "All day today: Company Holiday. Your next meeting is Review at 2:00 pm, in 6 hours. It's your last meeting today, so you'll be done for the day at 3:00 pm."
	if r.SpeechText != want || r.NextMeeting == nil || r.NextMeeting.Subject != "Review" || !*r.HasMeetingsToday {
		t.Errorf("speech %q next %+v", r.SpeechText, r.NextMeeting)
	}
	svc, _ = newTestService(t, ics(ev("h@x", "Company Holiday", "20251105", "20251106")), at(la, 2025, 11, 5, 8, 0), la)
	r, _ = svc.Voice(context.Background(), VoiceRequest{Intent: "launch-summary"})
	if want := "All day today: Company Holiday. You have no other meetings today."; r.SpeechText != want || !*r.HasMeetingsToday || r.NextMeeting != nil {
		t.Errorf("speech %q has %v next %v", r.SpeechText, *r.HasMeetingsToday, r.NextMeeting)
	}
}

// Long timed events: a trip covering today is an all-day matter, a
// meeting running past midnight ends "tomorrow".
func TestVoiceLongEvents(t *testing.T) {
	cal := ics(
		ev("trip@x", "Trip", "20251104T120000", "20251107T120000"),
		ev("late@x", "Night Shift", "20251105T220000", "20251106T020000"),
	)
	svc, _ := newTestService(t, cal, at(la, 2025, 11, 5, 9, 0), la)
	r, _ := svc.Voice(context.Background(), VoiceRequest{Intent: "launch-summary"})
	if want := "All day today: Trip. Your next meeting is Night Shift at 10:00 pm, in 13 hours. It's your last meeting today, so you'll be done for the day tomorrow at 2:00 am."; r.SpeechText != want || r.CurrentMeeting != nil {
		t.Errorf("speech %q current %v", r.SpeechText, r.CurrentMeeting)
	}
	svc, _ = newTestService(t, cal, at(la, 2025, 11, 5, 23, 0), la)
	r, _ = svc.Voice(context.Background(), VoiceRequest{Intent: "next-meeting"})
	if want := "You're currently in Night Shift until tomorrow at 2:00 am. You have no upcoming meetings."; r.SpeechText != want {
		t.Errorf("speech %q", r.SpeechText)
	}
}

func TestVoiceUnknownIntent(t *testing.T) {
	svc, _ := newTestService(t, workday, at(la, 2025, 11, 5, 8, 0), la)
	if _, err := svc.Voice(context.Background(), VoiceRequest{Intent: "order-pizza"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("err %v", err)
	}
}

// Calendar texts reach speech_text as they are (JSON escapes them) and
// SSML escaped.
func TestSSMLEscaping(t *testing.T) {
	ctx := context.Background()
	cal := ics(
		ev("rd@x", "R&D <sync>", "20251105T100000", "20251105T110000", "LOCATION:Lab \"A\" & 'B'"),
		ev("qa@x", "Q&A day", "20251105", "20251106"),
		ev("rd2@x", "R&D <sync>", "20251106T090000", "20251106T100000"),
	)
	svc, store := newTestService(t, cal, at(la, 2025, 11, 5, 9, 0), la)
	var speeches, ssmls []string
	d, _ := svc.DoneForDay(ctx, DayRequest{SSML: true, Detail: "verbose"})
	speeches, ssmls = append(speeches, d.SpeechText), append(ssmls, d.SSML)
	m, _ := svc.MorningSummary(ctx, DayRequest{SSML: true, Detail: "verbose"})
	speeches, ssmls = append(speeches, m.SpeechText), append(ssmls, m.SSML)
	for _, intent := range []string{"next-meeting", "time-until-next", "launch-summary", "done-for-day", "morning-summary"} {
		v, err := svc.Voice(ctx, VoiceRequest{Intent: intent, Day: DayRequest{SSML: true, Detail: "verbose"}})
		if err != nil {
			t.Fatal(err)
		}
		speeches, ssmls = append(speeches, v.SpeechText), append(ssmls, v.SSML)
	}
	for i := range speeches {
		if !strings.Contains(speeches[i], "R&D <sync>") {
			t.Errorf("speech %q lacks the raw title", speeches[i])
		}
		if !strings.Contains(ssmls[i], "R&amp;D &lt;sync&gt;") || strings.Contains(ssmls[i], "R&D") || strings.Contains(ssmls[i], "<sync>") {
			t.Errorf("ssml %q: title not escaped", ssmls[i])
		}
		if err := validSSML(ssmls[i], 8000, []string{"speak", "s"}); err != nil {
			t.Errorf("ssml %q: %v", ssmls[i], err)
		}
	}
	if v, _ := svc.Voice(ctx, VoiceRequest{Intent: "next-meeting", Day: DayRequest{Detail: "verbose"}}); !strings.Contains(v.SpeechText, "in Lab \"A\" & 'B'") {
		t.Errorf("location %q", v.SpeechText)
	}

	// Over HTTP: ?ssml=true asks for it, JSON carries it intact.
	now := at(la, 2025, 11, 5, 9, 0)
	srv := httptestServer(t, svc, store, now)
	got := getJSON(t, srv, "/api/alexa/launch-summary?ssml=true")
	if s, _ := got["ssml"].(string); validSSML(s, 8000, []string{"speak"}) != nil || !strings.Contains(s, "R&amp;D &lt;sync&gt;") {
		t.Errorf("HTTP ssml %q", s)
	}
	if s, _ := got["speech_text"].(string); !strings.Contains(s, "R&D <sync>") {
		t.Errorf("HTTP speech_text %q", s)
	}
	if _, ok := getJSON(t, srv, "/api/alexa/launch-summary")["ssml"]; ok {
		t.Error("ssml present without ?ssml=true")
	}
}

func TestEscapeSSML(t *testing.T) {
	var b strings.Builder
	escapeSSML(&b, "R&D <sync> \"q\" 'a' \x01bell\x7f \xff\ufffd \U0001F600")
	if want := "R&amp;D &lt;sync&gt; \"q\" 'a' bell\x7f \ufffd \U0001F600"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	sp := speech{}
	sp.add("%s", "Ctrl\x00\x1b & co")
	if err := validSSML(sp.ssml(), 8000, []string{"speak"}); err != nil {
		t.Errorf("%q: %v", sp.ssml(), err)
	}
}

// Whatever the calendar holds, SSML stays under Alexa's 8000 characters.
func TestSSMLBounded(t *testing.T) {
	var evs []string
	long := strings.Repeat("&<", 60)
	for i := range 40 {
		start := at(la, 2025, 11, 6, 6, 0).Add(time.Duration(i) * 9 * time.Minute)
		evs = append(evs, ev(fmt.Sprintf("m%d@x", i), fmt.Sprintf("%d %s", i, long),
			start.Format("20060102T150405"), start.Add(9*time.Minute).Format("20060102T150405")))
		evs = append(evs, ev(fmt.Sprintf("d%d@x", i), long, "20251106", "20251107"))
	}
	svc, _ := newTestService(t, ics(evs...), at(la, 2025, 11, 5, 20, 0), la)
	for _, detail := range []string{"brief", "normal", "verbose"} {
		r, _ := svc.MorningSummary(context.Background(), DayRequest{SSML: true, Detail: detail})
		if err := validSSML(r.SSML, 8000, []string{"speak"}); err != nil || len(r.SSML) > 8000 {
			t.Errorf("%s: %d bytes, %v", detail, len(r.SSML), err)
		}
		if r.MeetingCount != 40 || r.Density != "busy" || r.BackToBackCount != 39 {
			t.Errorf("%s: count %d density %s b2b %d", detail, r.MeetingCount, r.Density, r.BackToBackCount)
		}
		if detail != "brief" && !strings.Contains(r.SpeechText, "and 32 more") {
			t.Errorf("%s: the list is not bounded: %.200q…", detail, r.SpeechText)
		}
	}
}

func TestSpokenPhrases(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{spokenClock(at(la, 2025, 11, 5, 0, 5), la), "12:05 am"},
		{spokenClock(at(la, 2025, 11, 5, 12, 0), la), "12:00 pm"},
		{spokenClock(at(la, 2025, 11, 5, 17, 0), ny), "8:00 pm"},
		{spokenDuration(90 * time.Minute), "1 hour and 30 minutes"},
		{spokenDuration(25*time.Minute + 30*time.Second), "26 minutes"},
		{spokenDuration(24*time.Hour + 10*time.Minute), "1 day"},
		{spokenDuration(50 * time.Hour), "2 days and 2 hours"},
		{spokenDuration(20 * time.Second), "less than a minute"},
		{untilPhrase(20 * time.Second), "now"},
		{untilPhrase(time.Hour), "in 1 hour"},
		{whenPhrase(at(la, 2025, 11, 10, 9, 0), at(la, 2025, 11, 5, 9, 0), la), "on Monday at 9:00 am"},
		{whenPhrase(at(la, 2025, 11, 20, 9, 0), at(la, 2025, 11, 5, 9, 0), la), "on Thursday, November 20 at 9:00 am"},
		// The day after a 25-hour day is still "tomorrow".
		{whenPhrase(at(la, 2025, 11, 3, 0, 30), at(la, 2025, 11, 2, 0, 30), la), "tomorrow at 12:30 am"},
		{listAnd([]string{"a", "b", "c"}), "a, b and c"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	long := &calendar.Occurrence{Details: &calendar.Details{Summary: strings.Repeat("x", 300)}}
	if got := title(long); len([]rune(got)) != maxTitleRunes+1 {
		t.Errorf("title not clipped: %d runes", len([]rune(got)))
	}
	if got := title(&calendar.Occurrence{Details: &calendar.Details{Summary: " a\n\tb "}}); got != "a b" {
		t.Errorf("title %q", got)
	}
}
