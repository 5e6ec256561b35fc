package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/calendarbot/calendarbot/server/calendar"
)

// The day-level answers: done-for-day, the morning summary and the voice
// intents built on them.
//
// Rules shared by all of them:
//   - A "meeting" is a timed occurrence that is not cancelled, not skipped
//     (POST /api/skip) and blocks time: busy, tentative or out-of-office.
//     Free (TRANSP:TRANSPARENT) and working-elsewhere entries are not
//     meetings: they never make a day "end" later and are never announced
//     as the next meeting. (The kiosk's what's-next still lists them.)
//   - All-day events are dates in the display zone. They are announced by
//     name and one that is not free makes the day "have meetings", but they
//     never set the time the day ends (upstream said "done at 4:00 pm" west
//     of UTC because its all-day events ended at UTC midnight). A timed
//     event that covers the whole local day is treated as all-day.
//   - Days and mornings are local days of the request zone, computed with
//     time.Date in that zone, so DST days are 23 or 25 hours long and
//     "tomorrow" is the next calendar date, never now + 24 h.
//   - Times are spoken as "5:00 pm" (12-hour, lower-case) in the request
//     zone. speech_text is plain text (JSON escapes it); ssml, when asked
//     for, is <speak> markup with every calendar text XML-escaped.

// DayRequest asks about one local day (done-for-day, morning summary).
type DayRequest struct {
	Now time.Time      // zero: the service clock
	Loc *time.Location // nil: the display zone
	// Date is the day the morning summary describes (its year, month and
	// day are used). Zero: the next morning that has not begun, that is
	// today before 06:00 local time and tomorrow from 06:00 on.
	Date time.Time
	// Detail is "brief", "normal" (the default) or "verbose" for the speech.
	Detail string
	SSML   bool
}

// DoneForDayResponse is GET /api/done-for-day.
type DoneForDayResponse struct {
	NowISO string `json:"now_iso"` // now in the request zone
	TZ     string `json:"tz"`
	// HasMeetingsToday: a timed meeting, or an all-day event that is not
	// free, on today's local date.
	HasMeetingsToday bool `json:"has_meetings_today"`
	// MeetingsToday counts today's timed meetings (all-day events are in
	// AllDayEvents); MeetingsRemaining those not yet over.
	MeetingsToday       int     `json:"meetings_today"`
	MeetingsRemaining   int     `json:"meetings_remaining"`
	LastMeetingSubject  *string `json:"last_meeting_subject"`
	LastMeetingStartISO *string `json:"last_meeting_start_iso"` // UTC
	LastMeetingEndISO   *string `json:"last_meeting_end_iso"`   // UTC
	// DoneAtLocal is when the last meeting ends, RFC 3339 in the request
	// zone; null without timed meetings.
	DoneAtLocal  *string  `json:"done_at_local"`
	IsDone       bool     `json:"is_done"` // no timed meeting left today
	AllDayEvents []string `json:"all_day_events"`
	SpeechText   string   `json:"speech_text"`
	SSML         string   `json:"ssml,omitempty"`
}

// MorningSummaryResponse is GET /api/morning-summary: the meetings
// overlapping 06:00–12:00 local time of one date.
type MorningSummaryResponse struct {
	Date string `json:"date"` // YYYY-MM-DD
	TZ   string `json:"tz"`
	// PreviewFor is how the speech names the morning: "tomorrow morning",
	// "this morning" or "the morning of Monday, November 10".
	PreviewFor string `json:"preview_for"`
	// TotalMeetingsEquivalent is the meeting time inside the morning in
	// hours, that is how many one-hour meetings it amounts to (two
	// half-hour meetings are 1.0), rounded to 0.01.
	TotalMeetingsEquivalent float64 `json:"total_meetings_equivalent"`
	MeetingCount            int     `json:"meeting_count"`
	// Density is "light" (at most 2 meetings), "moderate" (3–4) or "busy".
	Density string `json:"density"`
	// BackToBackCount counts consecutive pairs with at most 15 minutes
	// between the end of the earlier ones and the start of the next
	// (overlaps count too: there is no break either).
	BackToBackCount      int     `json:"back_to_back_count"`
	EarlyStart           bool    `json:"early_start_flag"` // first meeting before 08:00 (upstream's name)
	FirstMeetingStartISO *string `json:"first_meeting_start_iso"`
	// FreeBlocks are the gaps of at least 30 minutes inside the morning.
	FreeBlocks   []Block   `json:"free_blocks"`
	Meetings     []Meeting `json:"meetings"`
	AllDayEvents []string  `json:"all_day_events"`
	SpeechText   string    `json:"speech_text"`
	SSML         string    `json:"ssml,omitempty"`
}

// Block is a stretch of time.
type Block struct {
	StartISO        string `json:"start_iso"` // UTC
	EndISO          string `json:"end_iso"`
	DurationMinutes int    `json:"duration_minutes"`
}

// VoiceRequest is GET /api/alexa/{intent}.
type VoiceRequest struct {
	Intent string // next-meeting, time-until-next, done-for-day, launch-summary, morning-summary
	Day    DayRequest
}

// VoiceMeeting is a meeting with the phrases a voice assistant speaks.
type VoiceMeeting struct {
	Meeting
	StartSpoken    string `json:"start_spoken"`    // "10:00 am" in the request zone
	DurationSpoken string `json:"duration_spoken"` // "30 minutes"
}

// VoiceResponse is what a voice assistant speaks, plus the data behind it.
type VoiceResponse struct {
	SpeechText       string        `json:"speech_text"`
	SSML             string        `json:"ssml,omitempty"`
	HasMeetingsToday *bool         `json:"has_meetings_today,omitempty"`
	NextMeeting      *VoiceMeeting `json:"next_meeting,omitempty"`
	CurrentMeeting   *VoiceMeeting `json:"current_meeting,omitempty"`
	// DoneForDay is set by the done-for-day and launch-summary intents.
	DoneForDay *DoneForDayResponse `json:"done_for_day,omitempty"`
	// Summary is set by the morning-summary intent.
	Summary *MorningSummaryResponse `json:"summary,omitempty"`
}

// Thresholds of the morning summary (upstream's).
const (
	morningStartHour = 6
	morningEndHour   = 12
	earlyBeforeHour  = 8
	backToBackGap    = 15 * time.Minute
	minFreeBlock     = 30 * time.Minute
	lightMax         = 2
	moderateMax      = 4
)

// Bounds on what one answer speaks, so that SSML stays under Alexa's 8000
// characters whatever the calendar holds.
const (
	maxTitleRunes = 100
	maxListed     = 8
	maxSSMLBytes  = 8000
)

func (s *basicService) DoneForDay(_ context.Context, req DayRequest) (DoneForDayResponse, error) {
	now, loc := s.now(req.Now), s.loc(req.Loc)
	p := s.plan(s.store.Load(), s.store.Skipped(now), now, loc)
	return doneForDay(p, now, loc, req.Detail, req.SSML), nil
}

func (s *basicService) MorningSummary(_ context.Context, req DayRequest) (MorningSummaryResponse, error) {
	now, loc := s.now(req.Now), s.loc(req.Loc)
	return s.morningSummary(s.store.Load(), s.store.Skipped(now), req, now, loc), nil
}

func (s *basicService) Voice(_ context.Context, req VoiceRequest) (VoiceResponse, error) {
	now, loc := s.now(req.Day.Now), s.loc(req.Day.Loc)
	st := s.store.Load()
	skipped := s.store.Skipped(now)
	today := s.plan(st, skipped, now, loc)
	has := today.hasMeetings()
	resp := VoiceResponse{HasMeetingsToday: &has}
	var sp speech
	switch req.Intent {
	case "morning-summary":
		ms := s.morningSummary(st, skipped, req.Day, now, loc)
		resp.Summary = &ms
		resp.SpeechText, resp.SSML = ms.SpeechText, ms.SSML
		return resp, nil
	case "done-for-day":
		d := doneForDay(today, now, loc, req.Day.Detail, req.Day.SSML)
		resp.DoneForDay = &d
		resp.SpeechText, resp.SSML = d.SpeechText, d.SSML
		return resp, nil
	case "next-meeting", "time-until-next", "launch-summary":
	default:
		return VoiceResponse{}, errors.Join(ErrNotFound, fmt.Errorf("unknown voice intent %q", clip(req.Intent, 40)))
	}
	cur, next := voiceSelect(st.Snap.Occurrences, now, skipped)
	if cur != nil && !cur.Start.After(today.start) && !cur.End.Before(today.end) {
		// A timed event covering the whole day (a trip) is announced with
		// the all-day events, not as the meeting in progress.
		cur = nil
	}
	if cur != nil {
		resp.CurrentMeeting = s.voiceMeeting(cur, now, loc)
		resp.CurrentMeeting.SecondsRemaining = int64(cur.End.Sub(now) / time.Second)
	}
	if next != nil {
		resp.NextMeeting = s.voiceMeeting(next, now, loc)
	}
	detail := req.Day.Detail
	switch req.Intent {
	case "next-meeting":
		if cur != nil && detail != "brief" {
			sp.add("You're currently in %s until %s.", title(cur), untilWhen(cur.End, now, loc))
		}
		if next == nil {
			sp.add("You have no upcoming meetings.")
			break
		}
		if detail == "brief" {
			sp.add("Your next meeting is %s %s.", title(next), whenPhrase(next.Start, now, loc))
		} else {
			sp.add("Your next meeting is %s %s%s.", title(next), whenPhrase(next.Start, now, loc), untilSuffix(next.Start.Sub(now)))
		}
		if detail == "verbose" {
			sp.add("It lasts %s%s.", spokenDuration(next.End.Sub(next.Start)), wherePhrase(next))
		}
	case "time-until-next":
		if next == nil {
			sp.add("You have no upcoming meetings.")
			break
		}
		if d := next.Start.Sub(now); d < 24*time.Hour {
			sp.add("Your next meeting, %s, starts %s.", title(next), untilPhrase(d))
		} else {
			sp.add("Your next meeting, %s, starts %s.", title(next), whenPhrase(next.Start, now, loc))
		}
		if detail == "verbose" {
			sp.add("It lasts %s%s.", spokenDuration(next.End.Sub(next.Start)), wherePhrase(next))
		}
	case "launch-summary":
		d := doneForDay(today, now, loc, "", false)
		resp.DoneForDay = &d
		sp = launchSpeech(today, cur, next, now, loc, detail)
	}
	resp.SpeechText = sp.text()
	if req.Day.SSML {
		resp.SSML = sp.ssml()
	}
	return resp, nil
}

// launchSpeech is the greeting: the meeting in progress, today's all-day
// events, the next meeting, and when the day ends.
func launchSpeech(today dayPlan, cur, next *calendar.Occurrence, now time.Time, loc *time.Location, detail string) speech {
	var sp speech
	if cur != nil {
		sp.add("You're currently in %s until %s.", title(cur), untilWhen(cur.End, now, loc))
	}
	if len(today.allDay) > 0 {
		sp.add("All day today: %s.", titleList(today.allDay))
	}
	last := today.last()
	nextToday := next != nil && next.Start.Before(today.end)
	switch {
	case nextToday:
		sp.add("Your next meeting is %s %s%s.", title(next), whenPhrase(next.Start, now, loc), untilSuffix(next.Start.Sub(now)))
		if detail == "brief" {
			break
		}
		more := today.startingAfter(next.Start)
		switch {
		case last == nil:
		case more == 0 && last.ID() == next.ID() && last.Start.Equal(next.Start):
			sp.add("It's your last meeting today, so you'll be done for the day %s.", whenPhrase(last.End, now, loc))
		default:
			if more > 0 {
				sp.add("After that you have %s today.", plural(more, "more meeting", "more meetings"))
			}
			sp.add("You'll be done for the day %s.", whenPhrase(last.End, now, loc))
		}
	case len(today.meetings) == 0:
		if len(today.allDay) > 0 {
			sp.add("You have no other meetings today.")
		} else {
			sp.add("No meetings today.")
		}
		if next != nil && detail != "brief" {
			sp.add("Your next meeting is %s %s.", title(next), whenPhrase(next.Start, now, loc))
		}
	case cur != nil && !last.End.After(cur.End):
		sp.add("After that you're done for the day.")
	case cur != nil:
		sp.add("You'll be done for the day %s.", whenPhrase(last.End, now, loc))
	default:
		sp.add("You're done for the day: your last meeting, %s, ended at %s.", title(last), spokenClock(last.End, loc))
	}
	return sp
}

// dayPlan is one local day of the calendar, as the voice answers see it.
type dayPlan struct {
	start, end time.Time
	meetings   []calendar.Occurrence // timed meetings touching the day, by start
	allDay     []calendar.Occurrence // all-day events (and timed ones covering the day), not skipped
	busyAllDay bool                  // one of allDay is not free
}

func (p *dayPlan) hasMeetings() bool { return len(p.meetings) > 0 || p.busyAllDay }

// last is the meeting that ends last (the later start on ties), or nil.
func (p *dayPlan) last() *calendar.Occurrence {
	var last *calendar.Occurrence
	for i := range p.meetings {
		o := &p.meetings[i]
		if last == nil || o.End.After(last.End) || (o.End.Equal(last.End) && o.Start.After(last.Start)) {
			last = o
		}
	}
	return last
}

func (p *dayPlan) startingAfter(t time.Time) int {
	n := 0
	for i := range p.meetings {
		if p.meetings[i].Start.After(t) {
			n++
		}
	}
	return n
}

// localDay returns local midnight of t's date in loc and of the next date.
func localDay(t time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// plan collects the local day of t in loc.
func (s *basicService) plan(st *State, skipped func(string) bool, t time.Time, loc *time.Location) dayPlan {
	p := dayPlan{}
	p.start, p.end = localDay(t, loc)
	for _, o := range calendar.Day(st.Snap.Occurrences, t, loc) {
		if skipped != nil && skipped(o.ID()) {
			continue
		}
		if o.AllDay || (!o.Start.After(p.start) && !o.End.Before(p.end)) {
			p.allDay = append(p.allDay, o)
			p.busyAllDay = p.busyAllDay || o.Busy != calendar.BusyFree
			continue
		}
		if isMeeting(&o) {
			p.meetings = append(p.meetings, o)
		}
	}
	return p
}

// isMeeting: timed, not cancelled, and blocking time.
func isMeeting(o *calendar.Occurrence) bool {
	if o.AllDay || o.Status == calendar.StatusCancelled {
		return false
	}
	return o.Busy != calendar.BusyFree && o.Busy != calendar.BusyWorkingElsewhere
}

// voiceSelect is calendar.Select restricted to meetings: the one in
// progress (the latest started, ties to the earliest ending) and the next
// one to start.
func voiceSelect(occ []calendar.Occurrence, now time.Time, skipped func(string) bool) (cur, next *calendar.Occurrence) {
	for i := range occ {
		o := &occ[i]
		if !isMeeting(o) || (skipped != nil && skipped(o.ID())) {
			continue
		}
		if o.Start.After(now) {
			return cur, o
		}
		if !o.End.After(now) {
			continue
		}
		if cur == nil || o.Start.After(cur.Start) || (o.Start.Equal(cur.Start) && o.End.Before(cur.End)) {
			cur = o
		}
	}
	return cur, nil
}

func (s *basicService) voiceMeeting(o *calendar.Occurrence, now time.Time, loc *time.Location) *VoiceMeeting {
	return &VoiceMeeting{
		Meeting:        s.meeting(o, now, loc),
		StartSpoken:    spokenClock(o.Start, loc),
		DurationSpoken: spokenDuration(o.End.Sub(o.Start)),
	}
}

func doneForDay(p dayPlan, now time.Time, loc *time.Location, detail string, ssml bool) DoneForDayResponse {
	r := DoneForDayResponse{
		NowISO:           now.In(loc).Format(time.RFC3339),
		TZ:               loc.String(),
		HasMeetingsToday: p.hasMeetings(),
		MeetingsToday:    len(p.meetings),
		AllDayEvents:     make([]string, 0, len(p.allDay)),
		IsDone:           true,
	}
	for i := range p.allDay {
		r.AllDayEvents = append(r.AllDayEvents, p.allDay[i].Summary)
	}
	var remaining []calendar.Occurrence
	for _, o := range p.meetings {
		if o.End.After(now) {
			remaining = append(remaining, o)
		}
	}
	r.MeetingsRemaining = len(remaining)
	var sp speech
	last := p.last()
	switch {
	case last == nil && len(p.allDay) == 0:
		sp.add("You have no meetings today.")
	case last == nil:
		sp.add("Apart from %s, all day, you have no meetings today, so you're done for the day.", titleList(p.allDay))
	default:
		subj, start, end := last.Summary, last.Start.UTC().Format(time.RFC3339), last.End.UTC().Format(time.RFC3339)
		local := last.End.In(loc).Format(time.RFC3339)
		r.LastMeetingSubject, r.LastMeetingStartISO, r.LastMeetingEndISO, r.DoneAtLocal = &subj, &start, &end, &local
		r.IsDone = !now.Before(last.End)
		if r.IsDone {
			sp.add("You're done for the day. Your last meeting, %s, ended at %s.", title(last), spokenClock(last.End, loc))
			break
		}
		sp.add("You'll be done for the day %s, after your last meeting, %s.", whenPhrase(last.End, now, loc), title(last))
		if detail == "brief" {
			break
		}
		if len(remaining) > 1 {
			sp.add("You have %s left today.", plural(len(remaining), "meeting", "meetings"))
		}
		if detail == "verbose" && len(remaining) > 1 {
			items := make([]string, 0, len(remaining))
			for i := range remaining {
				items = append(items, title(&remaining[i])+" at "+spokenClock(remaining[i].Start, loc))
			}
			sp.add("Still to come: %s.", listAnd(items))
		}
		if len(p.allDay) > 0 {
			sp.add("Also today, all day: %s.", titleList(p.allDay))
		}
	}
	r.SpeechText = sp.text()
	if ssml {
		r.SSML = sp.ssml()
	}
	return r
}

// morningDate is the date the summary describes, at local midnight.
func morningDate(req DayRequest, now time.Time, loc *time.Location) time.Time {
	if !req.Date.IsZero() {
		y, m, d := req.Date.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	local := now.In(loc)
	y, m, d := local.Date()
	if local.Hour() < morningStartHour {
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

func (s *basicService) morningSummary(st *State, skipped func(string) bool, req DayRequest, now time.Time, loc *time.Location) MorningSummaryResponse {
	date := morningDate(req, now, loc)
	y, m, d := date.Date()
	ws := time.Date(y, m, d, morningStartHour, 0, 0, 0, loc)
	we := time.Date(y, m, d, morningEndHour, 0, 0, 0, loc)
	p := s.plan(st, skipped, ws, loc)
	r := MorningSummaryResponse{
		Date:         date.Format("2006-01-02"),
		TZ:           loc.String(),
		PreviewFor:   morningName(date, now, loc),
		FreeBlocks:   []Block{},
		Meetings:     []Meeting{},
		AllDayEvents: make([]string, 0, len(p.allDay)),
	}
	for i := range p.allDay {
		r.AllDayEvents = append(r.AllDayEvents, p.allDay[i].Summary)
	}
	var ms []calendar.Occurrence
	for _, o := range p.meetings {
		if o.Start.Before(we) && (o.End.After(ws) || (o.Start.Equal(o.End) && !o.Start.Before(ws))) {
			ms = append(ms, o)
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Start.Before(ms[j].Start) })
	r.MeetingCount = len(ms)
	switch {
	case len(ms) <= lightMax:
		r.Density = "light"
	case len(ms) <= moderateMax:
		r.Density = "moderate"
	default:
		r.Density = "busy"
	}
	var busy time.Duration
	cursor := ws
	inB2B := make([]bool, len(ms))
	var maxEnd time.Time
	for i := range ms {
		o := &ms[i]
		r.Meetings = append(r.Meetings, s.meeting(o, now, loc))
		start, end := maxTime(o.Start, ws), minTime(o.End, we)
		if end.After(start) {
			busy += end.Sub(start)
		}
		if i > 0 && o.Start.Sub(maxEnd) <= backToBackGap {
			r.BackToBackCount++
			inB2B[i-1], inB2B[i] = true, true
		}
		if i == 0 || o.End.After(maxEnd) {
			maxEnd = o.End
		}
		if start.Sub(cursor) >= minFreeBlock {
			r.FreeBlocks = append(r.FreeBlocks, block(cursor, start))
		}
		if end.After(cursor) {
			cursor = end
		}
	}
	if we.Sub(cursor) >= minFreeBlock {
		r.FreeBlocks = append(r.FreeBlocks, block(cursor, we))
	}
	r.TotalMeetingsEquivalent = math.Round(busy.Hours()*100) / 100
	if len(ms) > 0 {
		first := ms[0].Start.UTC().Format(time.RFC3339)
		r.FirstMeetingStartISO = &first
		r.EarlyStart = ms[0].Start.Before(time.Date(y, m, d, earlyBeforeHour, 0, 0, 0, loc))
	}

	var sp speech
	detail := req.Detail
	if len(ms) == 0 {
		sp.add("You have a free morning %s, with no meetings before noon.", freeWhen(r.PreviewFor))
	} else {
		head := fmt.Sprintf("%s looks %s, with %s", capitalize(r.PreviewFor), r.Density, plural(len(ms), "meeting", "meetings"))
		switch {
		case detail == "brief":
			sp.add("%s, the first at %s.", head, spokenClock(ms[0].Start, loc))
		case len(ms) == 1:
			sp.add("%s: %s at %s.", head, title(&ms[0]), spokenClock(ms[0].Start, loc))
		default:
			items := make([]string, 0, len(ms))
			for i := range ms {
				if i == maxListed && len(ms) > maxListed+1 {
					items = append(items, plural(len(ms)-i, "more", "more"))
					break
				}
				item := title(&ms[i]) + " at " + spokenClock(ms[i].Start, loc)
				if detail == "verbose" {
					item += " for " + spokenDuration(ms[i].End.Sub(ms[i].Start))
				}
				items = append(items, item)
			}
			sp.add("%s: %s.", head, listAnd(items))
		}
		if r.EarlyStart {
			sp.add("It starts early, at %s with %s.", spokenClock(ms[0].Start, loc), title(&ms[0]))
		}
		if r.BackToBackCount > 0 {
			n := 0
			for _, b := range inB2B {
				if b {
					n++
				}
			}
			if n == len(ms) && n == 2 {
				sp.add("Both are back-to-back.")
			} else if n == len(ms) {
				sp.add("All %d are back-to-back.", n)
			} else {
				sp.add("%d of them are back-to-back.", n)
			}
		}
		if detail == "verbose" {
			var longest *Block
			for i := range r.FreeBlocks {
				if longest == nil || r.FreeBlocks[i].DurationMinutes > longest.DurationMinutes {
					longest = &r.FreeBlocks[i]
				}
			}
			if longest != nil {
				from, _ := time.Parse(time.RFC3339, longest.StartISO)
				to, _ := time.Parse(time.RFC3339, longest.EndISO)
				sp.add("Your longest free stretch is %s, from %s to %s.", spokenDuration(to.Sub(from)), spokenClock(from, loc), spokenClock(to, loc))
			} else {
				sp.add("There is no free stretch of half an hour or more.")
			}
		}
	}
	if len(p.allDay) > 0 {
		sp.add("All day: %s.", titleList(p.allDay))
	}
	r.SpeechText = sp.text()
	if req.SSML {
		r.SSML = sp.ssml()
	}
	return r
}

func block(a, b time.Time) Block {
	return Block{StartISO: a.UTC().Format(time.RFC3339), EndISO: b.UTC().Format(time.RFC3339), DurationMinutes: int(b.Sub(a) / time.Minute)}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dayDiff is the number of calendar dates from a's local date to b's.
func dayDiff(a, b time.Time, loc *time.Location) int {
	ay, am, ad := a.In(loc).Date()
	by, bm, bd := b.In(loc).Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// morningName names the morning of date as seen at now.
func morningName(date, now time.Time, loc *time.Location) string {
	switch dayDiff(now, date, loc) {
	case 0:
		return "this morning"
	case 1:
		return "tomorrow morning"
	}
	return "the morning of " + date.Format("Monday, January 2")
}

// freeWhen turns a morning name into the end of "You have a free morning …".
func freeWhen(name string) string {
	switch name {
	case "this morning":
		return "today"
	case "tomorrow morning":
		return "tomorrow"
	}
	return "on " + strings.TrimPrefix(name, "the morning of ")
}

// speech is a list of sentences.
type speech struct{ sentences []string }

func (sp *speech) add(format string, args ...any) {
	sp.sentences = append(sp.sentences, fmt.Sprintf(format, args...))
}

func (sp *speech) text() string { return strings.Join(sp.sentences, " ") }

// ssml is the speech as <speak> markup, one <s> per sentence, with every
// text escaped. Trailing sentences are dropped if it would exceed the
// voice assistant's limit.
func (sp *speech) ssml() string {
	parts := make([]string, 0, len(sp.sentences))
	size := len("<speak></speak>")
	for _, s := range sp.sentences {
		var b strings.Builder
		b.WriteString("<s>")
		escapeSSML(&b, s)
		b.WriteString("</s>")
		if size+b.Len() > maxSSMLBytes {
			break
		}
		size += b.Len()
		parts = append(parts, b.String())
	}
	return "<speak>" + strings.Join(parts, "") + "</speak>"
}

// escapeSSML writes s as XML character data: & < > escaped (quotes need
// no escaping outside attributes) and characters XML forbids (control
// characters, U+FFFE, U+FFFF, invalid UTF-8) dropped.
func escapeSSML(b *strings.Builder, s string) {
	for i, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == utf8.RuneError:
			if strings.HasPrefix(s[i:], "\uFFFD") { // a real U+FFFD, not a bad byte
				b.WriteRune(r)
			}
		case r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r < 0xFFFE && (r < 0xD800 || r >= 0xE000)) || r >= 0x10000:
			b.WriteRune(r)
		}
	}
}

// title is an occurrence's summary fit for speech: whitespace collapsed,
// clipped, never empty.
func title(o *calendar.Occurrence) string {
	t := strings.Join(strings.Fields(o.Summary), " ")
	if t == "" {
		return "an untitled meeting"
	}
	if utf8.RuneCountInString(t) > maxTitleRunes {
		r := []rune(t)
		t = string(r[:maxTitleRunes]) + "…"
	}
	return t
}

func titleList(occ []calendar.Occurrence) string {
	items := make([]string, 0, len(occ))
	for i := range occ {
		if i == maxListed && len(occ) > maxListed+1 {
			items = append(items, plural(len(occ)-i, "other", "others"))
			break
		}
		items = append(items, title(&occ[i]))
	}
	return listAnd(items)
}

// listAnd joins "a", "a and b", "a, b and c".
func listAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// spokenClock is "5:00 pm" in loc.
func spokenClock(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("3:04 pm")
}

// spokenDuration is "1 hour and 30 minutes", rounded to the minute.
func spokenDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "less than a minute"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, plural(days, "day", "days"))
	}
	if hours > 0 {
		parts = append(parts, plural(hours, "hour", "hours"))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, plural(mins, "minute", "minutes"))
	}
	return listAnd(parts)
}

// untilPhrase is "in 25 minutes" (or "now" for a start within 30 s).
func untilPhrase(d time.Duration) string {
	if d.Round(time.Minute) < time.Minute {
		return "now"
	}
	return "in " + spokenDuration(d)
}

// untilSuffix is ", in 25 minutes" for starts within a day, else "".
func untilSuffix(d time.Duration) string {
	if d >= 24*time.Hour || d < 0 {
		return ""
	}
	return ", " + untilPhrase(d)
}

// whenPhrase is "at 10:00 am", "tomorrow at 10:00 am", "on Monday at
// 10:00 am" (within a week) or "on Monday, November 10 at 10:00 am".
func whenPhrase(t, now time.Time, loc *time.Location) string {
	at := "at " + spokenClock(t, loc)
	switch n := dayDiff(now, t, loc); {
	case n == 0:
		return at
	case n == 1:
		return "tomorrow " + at
	case n == -1:
		return "yesterday " + at
	case n > 1 && n < 7:
		return "on " + t.In(loc).Format("Monday") + " " + at
	}
	return "on " + t.In(loc).Format("Monday, January 2") + " " + at
}

// untilWhen is whenPhrase for "until …": "10:00 am", "tomorrow at
// 10:00 am", "Monday at 10:00 am".
func untilWhen(t, now time.Time, loc *time.Location) string {
	return strings.TrimPrefix(strings.TrimPrefix(whenPhrase(t, now, loc), "at "), "on ")
}

func wherePhrase(o *calendar.Occurrence) string {
	l := strings.Join(strings.Fields(o.Location), " ")
	if l == "" {
		return ""
	}
	if utf8.RuneCountInString(l) > maxTitleRunes {
		l = string([]rune(l)[:maxTitleRunes]) + "…"
	}
	return ", in " + l
}
