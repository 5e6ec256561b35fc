// Package web renders CalendarBot's kiosk page, the screen shown on a
// 480×800 display by a meeting-room door or on a desk, and serves the
// page's embedded assets.
//
// The page is rendered on the server from the same data GET /api/whats-next
// returns, so it is complete without JavaScript (first paint, e-ink
// screenshots). kiosk.js then ticks the countdowns every second and polls the
// API every 30 seconds.
//
// The package does not import the service package (the service imports this
// one): the caller copies what the page needs into a PageData.
package web

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/server/present"
)

// CSP is the Content-Security-Policy the server must send with the page:
// scripts, styles and images only from the page's own origin (the calendar
// colours are applied through the CSSOM, which style-src does not govern),
// nothing inline, no external origins, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// VariantEInk selects the e-ink variant: black on white, no animation,
// bigger text. Any other Variant value renders the default dark theme.
const VariantEInk = "eink"

// PageData is everything the kiosk page shows. Times are instants; the page
// shows them in TZ.
type PageData struct {
	Current *MeetingView  // the meeting in progress, or nil
	Next    *MeetingView  // the next meeting to start, or nil
	Later   []MeetingView // the meetings after Next; the page shows up to three
	// AllDay lists today's all-day events (the API's all_day_today), shown
	// as chips in a strip above Now, hidden when empty. Up to four chips
	// are shown; with more, the first three and a "+N more" chip.
	AllDay []MeetingView
	Status StatusView

	Now time.Time      // the server's clock (possibly frozen); zero: time.Now()
	TZ  *time.Location // the display zone; nil: UTC

	Loaded     bool      // the calendar has been loaded at least once (DataStatus.Initialized)
	Stale      bool      // the data is older than it should be
	StaleSince time.Time // last successful refresh, for the banner when no feed says more
	UpdatedAt  time.Time // last successful refresh; zero: never
	Feeds      []FeedView

	Variant    string // "" or VariantEInk
	ThemeColor string // #RRGGBB for <meta name="theme-color">; anything else: the theme's background
	AppVersion string
}

// allDayChips is how many items the all-day strip shows at most, the
// "+N more" chip included; with the chips' CSS widths that is at most two
// lines on a portrait screen and one in landscape. kiosk.js uses the same
// number.
const allDayChips = 4

// MeetingView is one meeting as the page shows it.
type MeetingView struct {
	ID        string
	Subject   string
	Location  string
	Calendar  string
	Color     string // #RRGGBB; anything else is ignored
	Start     time.Time
	End       time.Time
	AllDay    bool
	Tentative bool
}

// StatusView is the API's status summary. The page computes the urgency
// itself from Now and Next (≤ 15 min urgent, ≤ 2 min critical, as the API
// does) and also honours Urgent and Critical when set; it words its own
// status, so Message is not shown.
type StatusView struct {
	Message  string
	Urgent   bool
	Critical bool
}

// FeedView is one feed's freshness.
type FeedView struct {
	Name        string
	Stale       bool
	Error       string
	LastSuccess time.Time // zero: never
}

// Render writes the kiosk page for d. Nothing is written if rendering fails.
func Render(w io.Writer, d PageData) error {
	var buf bytes.Buffer
	p := build(d)
	if err := writePage(&buf, &p); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var colorRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// safeColor returns c if it is exactly #RRGGBB, else "".
func safeColor(c string) string {
	if colorRE.MatchString(c) {
		return c
	}
	return ""
}

// The view writePage writes. Every string is computed here, with the
// same rules as kiosk.js, so the first paint equals the first tick.
type page struct {
	EInk        bool
	ThemeColor  string
	Version     string
	CSS, JS     string
	Icon        string
	NowLocal    string // RFC 3339 in the display zone
	TZName      string
	Clock, Date string
	Updated     string
	Banners     []banner
	Cur         *meetingBlock
	FreeText    string
	Next        *meetingBlock
	Countdown   string
	Level       string // "", "urgent", "critical"
	Badge       string
	SRText      string
	Later       []meetingBlock
	AllDay      []meetingBlock // the all-day chips shown
	AllDayMore  int            // how many do not fit: the "+N more" chip
	Init        initData       // the same data for kiosk.js, in the API's shape
}

// initData mirrors the fields of GET /api/whats-next that kiosk.js reads,
// so the script starts from the rendered state and then takes the API's
// answers unchanged.
type initData struct {
	NowISO  string       `json:"now_iso"`
	TZ      string       `json:"tz"`
	Current *apiMeeting  `json:"current"`
	Meeting *apiMeeting  `json:"meeting"`
	Later   []apiMeeting `json:"later"`
	AllDay  []apiMeeting `json:"all_day_today"` // all of them: kiosk.js words "+N more" itself
	Data    apiData      `json:"data"`
}

type apiMeeting struct {
	MeetingID  string `json:"meeting_id"`
	Subject    string `json:"subject"`
	Location   string `json:"location"`
	Calendar   string `json:"calendar"`
	Color      string `json:"color,omitempty"`
	StartLocal string `json:"start_local"`
	EndLocal   string `json:"end_local"`
	AllDay     bool   `json:"all_day"`
	Status     string `json:"status,omitempty"`
}

type apiData struct {
	Initialized   bool      `json:"initialized"`
	Stale         bool      `json:"stale"`
	UpdatedISO    string    `json:"updated_iso,omitempty"`
	StaleSinceISO string    `json:"stale_since_iso,omitempty"` // not in the API: PageData.StaleSince
	Feeds         []apiFeed `json:"feeds"`
}

type apiFeed struct {
	Name           string `json:"name"`
	Stale          bool   `json:"stale"`
	Error          string `json:"error,omitempty"`
	LastSuccessISO string `json:"last_success_iso,omitempty"`
}

func (b *meetingBlock) api() *apiMeeting {
	if b == nil {
		return nil
	}
	m := &apiMeeting{MeetingID: b.ID, Subject: b.Subject, Location: b.Location, Calendar: b.Calendar,
		Color: b.Color, StartLocal: b.Start, EndLocal: b.End, AllDay: b.AllDay}
	if b.Tentative {
		m.Status = "TENTATIVE"
	}
	return m
}

func utcISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func initFor(p *page, d PageData, c clock) initData {
	in := initData{NowISO: p.NowLocal, TZ: p.TZName, Current: p.Cur.api(), Meeting: p.Next.api(),
		Later: make([]apiMeeting, 0, len(p.Later)), AllDay: make([]apiMeeting, 0, len(d.AllDay)),
		Data: apiData{Initialized: d.Loaded, Stale: d.Stale, UpdatedISO: utcISO(d.UpdatedAt),
			StaleSinceISO: utcISO(d.StaleSince), Feeds: make([]apiFeed, 0, len(d.Feeds))}}
	for i := range p.Later {
		in.Later = append(in.Later, *p.Later[i].api())
	}
	for _, m := range d.AllDay {
		b := c.block(m)
		in.AllDay = append(in.AllDay, *b.api())
	}
	for _, f := range d.Feeds {
		in.Data.Feeds = append(in.Data.Feeds, apiFeed{Name: f.Name, Stale: f.Stale, Error: f.Error, LastSuccessISO: utcISO(f.LastSuccess)})
	}
	return in
}

type banner = present.Banner

type meetingBlock struct {
	ID, Subject, Location, Calendar, Color string
	Start, End                             string // RFC 3339 in the display zone
	AllDay, Tentative                      bool
	Range                                  string
	Left                                   string // time remaining, meetings in progress
	Progress                               int    // per mille, meetings in progress
}

func build(d PageData) page {
	pc := present.NewClock(d.Now, d.TZ)
	now, loc := pc.Now, pc.Loc
	c := clock{now: now, loc: loc, today: pc.Today, tomorrow: pc.Tomorrow}

	p := page{
		EInk:     strings.EqualFold(strings.TrimSpace(d.Variant), VariantEInk),
		Version:  d.AppVersion,
		CSS:      AssetPath("kiosk.css"),
		JS:       AssetPath("kiosk.js"),
		Icon:     AssetPath("favicon.svg"),
		NowLocal: now.Format(time.RFC3339),
		TZName:   loc.String(),
		Clock:    now.Format("15:04"),
		Date:     dateLabel(c.today),
		Updated:  updatedText(d.UpdatedAt, now),
	}
	p.ThemeColor = safeColor(d.ThemeColor)
	if p.ThemeColor == "" {
		p.ThemeColor = "#000000"
		if p.EInk {
			p.ThemeColor = "#ffffff"
		}
	}
	p.Banners = banners(d, c)

	if d.Current != nil {
		b := c.block(*d.Current)
		if b.AllDay {
			b.Left = "all day"
		} else {
			b.Left = durClock(secsUntil(d.Current.End, now))
			b.Progress = present.Progress(d.Current.Start, d.Current.End, now)
		}
		p.Cur = &b
	}
	var next *MeetingView
	if d.Next != nil {
		next = d.Next
		b := c.block(*d.Next)
		p.Next = &b
		s := secsUntil(d.Next.Start, now)
		p.Countdown = c.countdown(b, s)
		p.Level = present.Level(s, b.AllDay, d.Status.Urgent, d.Status.Critical)
	}
	p.Badge = present.Badge(p.Level)
	p.FreeText = c.freeText(p.Next, next)
	p.SRText = srText(p.Cur, p.Next, d, now, c.today)
	for i, m := range d.Later {
		if i == 3 {
			break
		}
		p.Later = append(p.Later, c.block(m))
	}
	shown := len(d.AllDay)
	if shown > allDayChips {
		shown = allDayChips - 1
		p.AllDayMore = len(d.AllDay) - shown
	}
	for _, m := range d.AllDay[:shown] {
		p.AllDay = append(p.AllDay, c.block(m))
	}
	p.Init = initFor(&p, d, c)
	return p
}

type clock struct {
	now             time.Time
	loc             *time.Location
	today, tomorrow string // YYYY-MM-DD in loc
}

func (c clock) block(m MeetingView) meetingBlock {
	b := meetingBlock{
		ID: m.ID, Subject: m.Subject, Location: m.Location, Calendar: m.Calendar,
		Color:  safeColor(m.Color),
		Start:  m.Start.In(c.loc).Format(time.RFC3339),
		End:    m.End.In(c.loc).Format(time.RFC3339),
		AllDay: m.AllDay, Tentative: m.Tentative,
	}
	b.Range = c.rangeText(b)
	return b
}

// The wording lives in server/present, shared with the drawn screen
// (server/render); these wrappers keep the page's code short.

func (c clock) present() present.Clock {
	return present.Clock{Now: c.now, Loc: c.loc, Today: c.today, Tomorrow: c.tomorrow}
}

func (c clock) rangeText(b meetingBlock) string { return c.present().Range(b.Start, b.End, b.AllDay) }

// countdown is the NEXT zone's big text for a meeting s seconds away.
func (c clock) countdown(b meetingBlock, s int64) string {
	return c.present().Countdown(b.Start, b.AllDay, s)
}

func (c clock) freeText(b *meetingBlock, m *MeetingView) string {
	if b == nil {
		return c.present().FreeText(false, "", 0)
	}
	return c.present().FreeText(true, b.Start, secsUntil(m.Start, c.now))
}

var (
	ymd         = present.YMD
	dateLabel   = present.DateLabel
	secsUntil   = present.SecsUntil
	durClock    = present.DurClock
	durWords    = present.DurWords
	updatedText = present.Updated
)

func banners(d PageData, c clock) []banner {
	st := present.Status{Loaded: d.Loaded, Stale: d.Stale, StaleSince: d.StaleSince, UpdatedAt: d.UpdatedAt,
		Feeds: make([]present.Feed, 0, len(d.Feeds))}
	for _, f := range d.Feeds {
		st.Feeds = append(st.Feeds, present.Feed{Name: f.Name, Stale: f.Stale, Error: f.Error, LastSuccess: f.LastSuccess})
	}
	return c.present().Banners(st)
}

// srText is the screen-reader summary, to the minute.
func srText(cur, next *meetingBlock, d PageData, now time.Time, today string) string {
	var parts []string
	if cur != nil {
		t := "Now: " + cur.Subject
		if !cur.AllDay {
			t += ", " + durWords(secsUntil(d.Current.End, now)) + " left"
		}
		parts = append(parts, t+".")
	}
	if next != nil {
		s := secsUntil(d.Next.Start, now)
		t := "Next: " + next.Subject + ", "
		if !next.AllDay && (s < 3600 || ymd(next.Start) == today) {
			t += "in " + durWords(s)
		} else {
			t += next.Range
		}
		parts = append(parts, t+".")
	} else {
		parts = append(parts, "No more meetings.")
	}
	return strings.Join(parts, " ")
}
