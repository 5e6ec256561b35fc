// Package calendar is the domain of CalendarBot: events read from feeds,
// their occurrences in a time window, and immutable snapshots that merge
// several feeds.
//
// Everything about time is decided here, on top of package ical (syntax),
// tz (zones) and recur (rule arithmetic): which zone a value is in, how
// overrides replace instances, how long an instance lasts, which instances a
// window shows. Recurrence runs on wall-clock readings in the event's zone and
// only the final instances are turned into instants, so a weekly 09:00
// meeting stays at 09:00 across DST changes.
package calendar

import (
	"time"

	"github.com/calendarbot/calendarbot/server/ical"
	"github.com/calendarbot/calendarbot/server/recur"
)

// Status is an event's STATUS.
type Status uint8

// Statuses; StatusNone means the feed said nothing.
const (
	StatusNone Status = iota
	StatusConfirmed
	StatusTentative
	StatusCancelled
	StatusOther
)

// String gives the iCalendar spelling, or "" for StatusNone.
func (s Status) String() string {
	switch s {
	case StatusConfirmed:
		return "CONFIRMED"
	case StatusTentative:
		return "TENTATIVE"
	case StatusCancelled:
		return "CANCELLED"
	case StatusOther:
		return "OTHER"
	}
	return ""
}

// Busy is how an event blocks time, from TRANSP and Outlook's
// X-MICROSOFT-CDO-BUSYSTATUS (which is more precise and wins when present).
type Busy uint8

// Free/busy kinds, as Outlook distinguishes them.
const (
	BusyBusy Busy = iota
	BusyFree
	BusyTentative
	BusyOutOfOffice
	BusyWorkingElsewhere
)

// String names the kind for the API.
func (b Busy) String() string {
	switch b {
	case BusyFree:
		return "free"
	case BusyTentative:
		return "tentative"
	case BusyOutOfOffice:
		return "oof"
	case BusyWorkingElsewhere:
		return "working-elsewhere"
	}
	return "busy"
}

// Attendee is one ATTENDEE of an event.
type Attendee struct {
	Name     string // CN
	Email    string // mailto address without the scheme
	Role     string // ROLE, e.g. REQ-PARTICIPANT
	PartStat string // PARTSTAT, e.g. ACCEPTED
}

// Details are the descriptive parts of a VEVENT, shared by every occurrence
// of a series that does not override them. A string field added here must
// also be visited by compactText, or it keeps the whole feed text alive.
type Details struct {
	Summary     string
	HasSummary  bool
	Description string
	Location    string
	Organizer   string
	Attendees   []Attendee
	URL         string
	Status      Status
	RawStatus   string // STATUS as written, upper-cased, for StatusOther
	Busy        Busy
	Class       string
	Sequence    int
}

// stamp is a decoded DTSTART/DTEND/RECURRENCE-ID/RDATE/EXDATE value with its zone.
type stamp struct {
	wall  time.Time      // wall-clock reading in loc (UTC frame); for dates, midnight
	loc   *time.Location // zone the reading is in; the floating zone for floating values
	date  bool
	float bool // floating (no TZID, no Z): follows the display zone
}

// instant is the real instant of the stamp.
func (s stamp) instant() time.Time { return instantIn(s.wall, s.loc) }

// rdate is one RDATE: a start and, for PERIOD values, its own end.
type rdate struct {
	start  stamp
	end    stamp
	hasEnd bool
	dur    time.Duration
	hasDur bool
}

// vevent is one decoded VEVENT (a master or an override).
type vevent struct {
	uid      string
	seq      int
	start    stamp
	end      stamp // valid when hasEnd
	hasEnd   bool
	dur      time.Duration // from DURATION; valid when hasDur
	hasDur   bool
	rules    []*recur.Rule
	rdates   []rdate
	exdates  []stamp
	rid      stamp
	hasRID   bool
	future   bool // RANGE=THISANDFUTURE
	details  *Details
	line     int
	calendar int // index of the VCALENDAR in the file, for X-WR-* scoping
}

// Problem is something the engine skipped while reading or expanding a feed.
type Problem = ical.Problem
