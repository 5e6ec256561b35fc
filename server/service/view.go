package service

// The JSON shapes of the API. They keep the Python CalendarBot's field
// names where it had an equivalent (kiosks and voice glue depend on them)
// and add what it lacked: the meeting in progress, end times, the calendar
// name and the data's freshness.

// Attendee is one invitee of a meeting.
type Attendee struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Role     string `json:"role,omitempty"`
	PartStat string `json:"partstat,omitempty"`
}

// Meeting is one occurrence as the API shows it.
type Meeting struct {
	MeetingID         string     `json:"meeting_id"`
	Subject           string     `json:"subject"`
	Description       string     `json:"description"`
	Attendees         []Attendee `json:"attendees"`
	StartISO          string     `json:"start_iso"` // UTC, "2025-11-05T16:00:00Z"
	EndISO            string     `json:"end_iso"`
	StartLocal        string     `json:"start_local"` // RFC 3339 in the display zone
	EndLocal          string     `json:"end_local"`
	DurationSeconds   int64      `json:"duration_seconds"`
	Location          string     `json:"location"`
	RawSource         string     `json:"raw_source"` // always "": kept for compatibility, raw ICS is never echoed
	SecondsUntilStart int64      `json:"seconds_until_start"`
	SecondsRemaining  int64      `json:"seconds_remaining,omitempty"` // meetings in progress
	AllDay            bool       `json:"all_day"`
	Calendar          string     `json:"calendar"`
	Color             string     `json:"color,omitempty"`
	Status            string     `json:"status,omitempty"` // CONFIRMED, TENTATIVE, CANCELLED
	Busy              string     `json:"busy"`             // busy, free, tentative, oof, working-elsewhere
}

// Status summarises how soon the next meeting is, as upstream did.
type Status struct {
	Message    string `json:"message"`
	IsUrgent   bool   `json:"is_urgent"`
	IsCritical bool   `json:"is_critical"`
}

// FeedStatus is one feed's freshness. It names the feed, never its URL.
type FeedStatus struct {
	Name           string `json:"name"`
	OK             bool   `json:"ok"`
	Stale          bool   `json:"stale"`
	Error          string `json:"error,omitempty"`
	LastSuccessISO string `json:"last_success_iso,omitempty"`
	AgeSeconds     int64  `json:"age_seconds"`
	Events         int    `json:"events"`
	Problems       int    `json:"problems"`
}

// DataStatus tells how fresh the calendar behind an answer is.
type DataStatus struct {
	Initialized bool         `json:"initialized"`
	Stale       bool         `json:"stale"`
	UpdatedISO  string       `json:"updated_iso,omitempty"` // last successful refresh
	AgeSeconds  int64        `json:"age_seconds"`
	Feeds       []FeedStatus `json:"feeds"`
}

// WhatsNextResponse is GET /api/whats-next.
type WhatsNextResponse struct {
	Meeting *Meeting  `json:"meeting"` // the next meeting to start (upstream's field)
	Current *Meeting  `json:"current"` // the meeting in progress, if any
	Later   []Meeting `json:"later"`   // a few after Meeting
	// AllDayToday lists today's all-day events in the display zone; they
	// are never Current, and the next one may also be Meeting.
	AllDayToday []Meeting  `json:"all_day_today"`
	Status      Status     `json:"status"`
	NowISO      string     `json:"now_iso"`
	TZ          string     `json:"tz"`
	Data        DataStatus `json:"data"`
}
