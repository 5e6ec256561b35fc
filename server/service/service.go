// Package service is CalendarBot's go-kit service: the Service interface
// (what the server can answer), its implementation over the published
// calendar state, logging and instrumenting middlewares, endpoints and the
// HTTP transport.
package service

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/tz"
)

// Service is everything the HTTP API answers. Implementations read an
// immutable published state and never wait for a feed.
type Service interface {
	WhatsNext(ctx context.Context, req WhatsNextRequest) (WhatsNextResponse, error)
	Events(ctx context.Context, req EventsRequest) (EventsResponse, error)
	Health(ctx context.Context) (HealthResponse, error)
	Skip(ctx context.Context, req SkipRequest) (SkipResponse, error)
	ClearSkips(ctx context.Context) (ClearSkipsResponse, error)
	DoneForDay(ctx context.Context, req DayRequest) (DoneForDayResponse, error)
	MorningSummary(ctx context.Context, req DayRequest) (MorningSummaryResponse, error)
	Voice(ctx context.Context, req VoiceRequest) (VoiceResponse, error)
}

// Errors the transport maps to HTTP statuses.
var (
	ErrBadRequest = errors.New("bad request")
	ErrNotFound   = errors.New("not found")
	ErrTooMany    = errors.New("too many skips")
)

// Config is what the service needs from the configuration.
type Config struct {
	Location   *time.Location // display zone
	Clock      func() time.Time
	StaleAfter time.Duration // data older than this makes /api/health degraded (default 15 min)
	Colors     map[string]string
	Later      int // how many meetings after the next one (default 3)
	Started    time.Time
	// ClockState, when set, reports how the system clock was set (the
	// appliance has no RTC and writes this for the server to show).
	ClockState func() *ClockState
	// Devices, when set, lists the e-ink devices' last contacts for
	// /api/health (server/trmnl's Statuses: names, never MACs or tokens).
	Devices func() any
}

// ClockState is the appliance's clock, as /api/health shows it.
type ClockState struct {
	State     string `json:"state"` // unsynced, build-time-floor or ntp
	Plausible bool   `json:"plausible"`
	Summary   string `json:"summary,omitempty"`
	Updated   string `json:"updated,omitempty"`
}

type basicService struct {
	cfg   Config
	store *Store
}

// New returns the service over store.
func New(cfg Config, store *Store) Service {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 15 * time.Minute
	}
	if cfg.Later <= 0 {
		cfg.Later = 3
	}
	if cfg.Started.IsZero() {
		cfg.Started = time.Now()
	}
	return &basicService{cfg: cfg, store: store}
}

// WhatsNextRequest carries the request's clock reading and zone.
type WhatsNextRequest struct {
	Now time.Time      // zero: the service clock
	Loc *time.Location // nil: the display zone
}

func (s *basicService) now(t time.Time) time.Time {
	if t.IsZero() {
		return s.cfg.Clock()
	}
	return t
}

func (s *basicService) loc(l *time.Location) *time.Location {
	if l == nil {
		return s.cfg.Location
	}
	return l
}

func (s *basicService) WhatsNext(_ context.Context, req WhatsNextRequest) (WhatsNextResponse, error) {
	now, loc := s.now(req.Now), s.loc(req.Loc)
	st := s.store.Load()
	skipped := s.store.Skipped(now)
	sel := calendar.Select(st.Snap.Occurrences, now, skipped, s.cfg.Later)
	resp := WhatsNextResponse{
		Later:  make([]Meeting, 0, len(sel.Later)),
		Status: statusFor(sel.Current, sel.Next, now),
		NowISO: formatRFC3339(now.In(loc)),
		TZ:     loc.String(),
		Data:   s.dataStatus(st, now),
	}
	if sel.Next != nil {
		m := s.meeting(sel.Next, now, loc)
		resp.Meeting = &m
	}
	if sel.Current != nil {
		m := s.meeting(sel.Current, now, loc)
		m.SecondsRemaining = int64(sel.Current.End.Sub(now) / time.Second)
		resp.Current = &m
	}
	for i := range sel.Later {
		resp.Later = append(resp.Later, s.meeting(&sel.Later[i], now, loc))
	}
	resp.AllDayToday = s.allDayToday(st.Snap.Occurrences, now, loc, skipped)
	return resp, nil
}

// allDayToday lists today's all-day events (holidays, out-of-office,
// birthdays): Select never makes one "in progress", yet a screen should
// still say the day is a holiday. Skipped ones are left out.
func (s *basicService) allDayToday(occ []calendar.Occurrence, now time.Time, loc *time.Location, skipped func(string) bool) []Meeting {
	out := []Meeting{} // [] in JSON, not null
	for _, o := range calendar.Day(occ, now, loc) {
		if !o.AllDay || (skipped != nil && skipped(o.ID())) {
			continue
		}
		out = append(out, s.meeting(&o, now, loc))
	}
	return out
}

// statusFor keeps upstream's messages and thresholds, and says so when a
// meeting is in progress (upstream never showed one).
func statusFor(current, next *calendar.Occurrence, now time.Time) Status {
	if next != nil {
		switch d := next.Start.Sub(now); {
		case d <= 2*time.Minute:
			return Status{Message: "Starting very soon", IsUrgent: true, IsCritical: true}
		case d <= 15*time.Minute:
			return Status{Message: "Starting soon", IsUrgent: true}
		case current != nil:
			return Status{Message: "Meeting in progress"}
		case d <= time.Hour:
			return Status{Message: "Starting within the hour"}
		default:
			return Status{Message: "Plenty of time"}
		}
	}
	if current != nil {
		return Status{Message: "Meeting in progress"}
	}
	return Status{Message: "No meetings scheduled"}
}

func (s *basicService) meeting(o *calendar.Occurrence, now time.Time, loc *time.Location) Meeting {
	start, end := o.Start, o.End
	if o.AllDay {
		// An all-day event is a local date in the display zone.
		y, mo, d := o.Start.Date()
		start = time.Date(y, mo, d, 0, 0, 0, 0, loc)
		ey, emo, ed := o.End.Date()
		end = time.Date(ey, emo, ed, 0, 0, 0, 0, loc)
	}
	startISO, endISO, startLocal, endLocal := isoTimes(start, end, loc)
	m := Meeting{
		MeetingID:         o.ID(),
		Subject:           o.Summary,
		Description:       o.Description,
		Attendees:         make([]Attendee, 0, len(o.Attendees)),
		StartISO:          startISO,
		EndISO:            endISO,
		StartLocal:        startLocal,
		EndLocal:          endLocal,
		DurationSeconds:   int64(end.Sub(start) / time.Second),
		Location:          o.Location,
		SecondsUntilStart: int64(start.Sub(now) / time.Second),
		AllDay:            o.AllDay,
		Calendar:          o.Calendar,
		Color:             s.cfg.Colors[o.Calendar],
		Status:            o.Status.String(),
		Busy:              o.Busy.String(),
	}
	for _, a := range o.Attendees {
		m.Attendees = append(m.Attendees, Attendee{Name: a.Name, Email: a.Email, Role: a.Role, PartStat: a.PartStat})
	}
	return m
}

func (s *basicService) dataStatus(st *State, now time.Time) DataStatus {
	ds := DataStatus{Initialized: st.Initialized, Feeds: make([]FeedStatus, 0, len(st.Feeds))}
	if !st.Updated.IsZero() {
		ds.UpdatedISO = formatUTC(st.Updated)
		ds.AgeSeconds = int64(now.Sub(st.Updated) / time.Second)
	}
	for _, f := range st.Feeds {
		fs := FeedStatus{Name: f.Name, OK: f.Error == "", Stale: f.Stale, Error: f.Error, Events: f.Events, Problems: f.Problems}
		if !f.LastSuccess.IsZero() {
			fs.LastSuccessISO = formatUTC(f.LastSuccess)
			fs.AgeSeconds = int64(now.Sub(f.LastSuccess) / time.Second)
		}
		ds.Stale = ds.Stale || f.Stale
		ds.Feeds = append(ds.Feeds, fs)
	}
	return ds
}

// EventsRequest is GET /api/events?from=&to=.
type EventsRequest struct {
	From, To time.Time
	Loc      *time.Location
}

// EventsResponse lists the occurrences in a window, cancelled ones included
// (with their status) so clients can show them struck through.
type EventsResponse struct {
	From   string     `json:"from"`
	To     string     `json:"to"`
	Events []Meeting  `json:"events"`
	Data   DataStatus `json:"data"`
}

// Events answers from the published snapshot, so a window reaching beyond
// the expanded one (now - past .. now + future) lists only what it holds;
// the transport bounds the span (maxEventsSpan).
func (s *basicService) Events(_ context.Context, req EventsRequest) (EventsResponse, error) {
	now, loc := s.cfg.Clock(), s.loc(req.Loc)
	if !req.From.Before(req.To) {
		return EventsResponse{}, errors.Join(ErrBadRequest, errors.New("from must be before to"))
	}
	st := s.store.Load()
	occ := st.Snap.Between(req.From, req.To)
	resp := EventsResponse{
		From:   req.From.UTC().Format(time.RFC3339),
		To:     req.To.UTC().Format(time.RFC3339),
		Events: make([]Meeting, 0, len(occ)),
		Data:   s.dataStatus(st, now),
	}
	for i := range occ {
		resp.Events = append(resp.Events, s.meeting(&occ[i], now, loc))
	}
	return resp, nil
}

// HealthResponse keeps upstream's shape: 200 "ok", or 503 "degraded"
// before the first refresh or when the data is older than StaleAfter.
type HealthResponse struct {
	Status       string       `json:"status"`
	ServerTime   string       `json:"server_time_iso"`
	ServerStatus ServerStatus `json:"server_status"`
	DataStatus   HealthData   `json:"data_status"`
	Feeds        []FeedStatus `json:"feeds"`
	Clock        *ClockState  `json:"clock,omitempty"` // appliance only
	Devices      any          `json:"trmnl_devices,omitempty"`
	Healthy      bool         `json:"-"`
}

// ServerStatus is the process part of /api/health.
type ServerStatus struct {
	UptimeS int64 `json:"uptime_s"`
	PID     int   `json:"pid"`
}

// HealthData is the data part of /api/health.
type HealthData struct {
	EventCount             int    `json:"event_count"`
	LastRefreshSuccessAgeS *int64 `json:"last_refresh_success_age_s"`
	InitialRefreshComplete bool   `json:"initial_refresh_complete"`
	Stale                  bool   `json:"stale"`
	SnapshotVersion        uint64 `json:"snapshot_version"`
}

func (s *basicService) Health(_ context.Context) (HealthResponse, error) {
	now := s.cfg.Clock()
	st := s.store.Load()
	ds := s.dataStatus(st, now)
	h := HealthResponse{
		ServerTime:   now.UTC().Format(time.RFC3339),
		ServerStatus: ServerStatus{UptimeS: int64(time.Since(s.cfg.Started) / time.Second), PID: os.Getpid()},
		DataStatus: HealthData{
			EventCount:             len(st.Snap.Occurrences),
			InitialRefreshComplete: st.Initialized,
			Stale:                  ds.Stale,
			SnapshotVersion:        st.Snap.Version,
		},
		Feeds: ds.Feeds,
	}
	if !st.Updated.IsZero() {
		age := ds.AgeSeconds
		h.DataStatus.LastRefreshSuccessAgeS = &age
	}
	if s.cfg.ClockState != nil {
		h.Clock = s.cfg.ClockState()
	}
	if s.cfg.Devices != nil {
		h.Devices = s.cfg.Devices()
	}
	h.Healthy = st.Initialized && !st.Updated.IsZero() && now.Sub(st.Updated) <= s.cfg.StaleAfter
	h.Status = "ok"
	if !h.Healthy {
		h.Status = "degraded"
	}
	return h, nil
}

// SkipRequest is POST /api/skip.
type SkipRequest struct {
	MeetingID string `json:"meeting_id"`
}

// SkipResponse keeps upstream's shape.
type SkipResponse struct {
	Skipped      string `json:"skipped"`
	SkippedUntil string `json:"skipped_until"`
}

// skipFor is how long a skip hides a meeting (upstream: 24 h).
const skipFor = 24 * time.Hour

func (s *basicService) Skip(_ context.Context, req SkipRequest) (SkipResponse, error) {
	if req.MeetingID == "" || len(req.MeetingID) > 1024 {
		return SkipResponse{}, errors.Join(ErrBadRequest, errors.New("meeting_id is required (at most 1024 bytes)"))
	}
	now := s.cfg.Clock()
	found := false
	occ := s.store.Load().Snap.Occurrences
	for i := range occ {
		if occ[i].ID() == req.MeetingID {
			found = true
			break
		}
	}
	if !found {
		return SkipResponse{}, errors.Join(ErrNotFound, errors.New("no meeting with that meeting_id in the current calendar"))
	}
	until := now.Add(skipFor)
	if !s.store.Skip(req.MeetingID, until, now) {
		return SkipResponse{}, ErrTooMany
	}
	return SkipResponse{Skipped: req.MeetingID, SkippedUntil: until.UTC().Format(time.RFC3339)}, nil
}

// ClearSkipsResponse keeps upstream's shape.
type ClearSkipsResponse struct {
	Cleared bool `json:"cleared"`
	Count   int  `json:"count"`
}

func (s *basicService) ClearSkips(_ context.Context) (ClearSkipsResponse, error) {
	return ClearSkipsResponse{Cleared: true, Count: s.store.ClearSkips(s.cfg.Clock())}, nil
}

// isoTimes formats a meeting's start and end in UTC and in loc, as
// time.RFC3339 does, in one allocation: the four strings share one buffer.
// The API formats them for every meeting in every answer.
func isoTimes(start, end time.Time, loc *time.Location) (startUTC, endUTC, startLocal, endLocal string) {
	var buf [4 * 26]byte
	b := tz.AppendRFC3339(buf[:0], start.UTC())
	i := len(b)
	b = tz.AppendRFC3339(b, end.UTC())
	j := len(b)
	b = tz.AppendRFC3339(b, start.In(loc))
	k := len(b)
	s := string(tz.AppendRFC3339(b, end.In(loc)))
	return s[:i], s[i:j], s[j:k], s[k:]
}

// formatRFC3339 is t.Format(time.RFC3339), faster (tz.AppendRFC3339).
func formatRFC3339(t time.Time) string {
	var buf [32]byte
	return string(tz.AppendRFC3339(buf[:0], t))
}

// formatUTC is t.UTC().Format(time.RFC3339), faster.
func formatUTC(t time.Time) string { return formatRFC3339(t.UTC()) }
