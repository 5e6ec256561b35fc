package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The tests run in a fixed zone so they need no zone database.
var (
	cet  = time.FixedZone("CET", 3600)
	now0 = time.Date(2025, 11, 12, 10, 0, 0, 0, cet) // a Wednesday
)

func at(h, m int) time.Time { return time.Date(2025, 11, 12, h, m, 0, 0, cet) }

func base() PageData {
	return PageData{
		Now:        now0,
		TZ:         cet,
		Loaded:     true,
		UpdatedAt:  now0.Add(-2 * time.Minute),
		Feeds:      []FeedView{{Name: "Work", LastSuccess: now0.Add(-2 * time.Minute)}},
		AppVersion: "1.2.3",
	}
}

type state struct {
	name string
	data PageData
	want []string // substrings of the rendered page
	not  []string // must not appear
}

func states() []state {
	inProgress := base()
	inProgress.Current = &MeetingView{ID: "standup@1", Subject: "Team standup", Location: "Room 4.01",
		Calendar: "Work", Color: "#1E90FF", Start: at(9, 30), End: at(10, 30)}
	inProgress.Next = &MeetingView{ID: "review@1", Subject: "Design review", Location: "Aquarium",
		Calendar: "Work", Color: "#22aa55", Start: at(11, 0), End: at(11, 45)}
	inProgress.Later = []MeetingView{
		{ID: "lunch", Subject: "Lunch with Sam", Calendar: "Personal", Start: at(12, 30), End: at(13, 30), Tentative: true},
		{ID: "1on1", Subject: "1:1 Alex", Calendar: "Work", Start: at(15, 0), End: at(15, 30)},
		{ID: "retro", Subject: "Retro", Calendar: "Work", Start: at(16, 0), End: at(17, 0)},
		{ID: "fourth", Subject: "Not shown: fourth", Calendar: "Work", Start: at(17, 0), End: at(17, 30)},
	}
	inProgress.AllDay = []MeetingView{{ID: "bday", Subject: "Sam's birthday", Calendar: "Personal", Color: "#e5484d",
		Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true}}

	critical := base()
	critical.Next = &MeetingView{ID: "call", Subject: "Customer call", Location: "Zoom", Calendar: "Work",
		Start: at(10, 2), End: at(10, 30)}
	critical.Status = StatusView{Message: "Starting very soon", Urgent: true, Critical: true}

	urgent := base()
	urgent.Next = &MeetingView{ID: "sync", Subject: "Sync", Calendar: "Work", Start: at(10, 12).Add(34 * time.Second), End: at(10, 30)}

	tomorrow := base()
	tomorrow.Next = &MeetingView{ID: "early", Subject: "Early planning", Calendar: "Work",
		Start: time.Date(2025, 11, 13, 9, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 10, 0, 0, 0, cet)}
	tomorrow.Later = []MeetingView{{ID: "fri", Subject: "Friday demo", Calendar: "Work",
		Start: time.Date(2025, 11, 14, 14, 0, 0, 0, cet), End: time.Date(2025, 11, 14, 15, 0, 0, 0, cet)}}

	allDay := base()
	allDay.Current = &MeetingView{ID: "holiday", Subject: "Company holiday", Calendar: "Company", Color: "#ff8800",
		Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true}

	stale := base()
	stale.Stale = true
	stale.StaleSince = at(9, 2)
	stale.UpdatedAt = at(9, 2)
	stale.Feeds = []FeedView{
		{Name: "Work", Stale: true, Error: "fetch: 503 Service Unavailable", LastSuccess: at(9, 2)},
		{Name: "Personal", LastSuccess: now0.Add(-time.Minute)},
	}
	stale.Next = &MeetingView{ID: "x", Subject: "Budget", Calendar: "Work", Start: at(13, 0), End: at(14, 0)}

	notLoaded := base()
	notLoaded.Loaded = false
	notLoaded.UpdatedAt = time.Time{}
	notLoaded.Feeds = nil

	hostile := base()
	hostile.Current = &MeetingView{ID: `id"><script>alert(1)</script>`, Subject: `<img src=x onerror=alert(1)>`,
		Location: `Tom & Jerry's "room"`, Calendar: `Work 🎉`, Color: `red;background:url(javascript:alert(1))`,
		Start: at(9, 0), End: at(11, 0)}
	hostile.Next = &MeetingView{ID: "n", Subject: `"><script>alert(1)</script>`, Location: `</textarea><svg onload=alert(1)>`,
		Calendar: `'"><b>cal</b>`, Color: `#12345G`, Start: at(11, 0), End: at(12, 0)}
	hostile.Later = []MeetingView{
		{ID: "rtl", Subject: "פגישת צוות — اجتماع الفريق", Calendar: "Work", Color: "#abcdef", Start: at(13, 0), End: at(14, 0)},
		{ID: "amp", Subject: `R&D "sync" 🚀 & more`, Calendar: "Work", Color: "javascript:alert(1)", Start: at(14, 0), End: at(15, 0)},
	}
	hostile.AllDay = []MeetingView{
		{ID: "ad1", Subject: `<img src=x onerror=alert(1)>`, Calendar: `<b>cal</b>`, Color: `red;background:url(javascript:alert(1))`,
			Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true},
		{ID: "ad2", Subject: "חג שמח", Calendar: "Holidays", Color: "#ABCDEF",
			Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true},
	}
	hostile.Stale = true
	hostile.Feeds = []FeedView{{Name: `<img src=x onerror=alert(2)>`, Stale: true, Error: `<script>alert(3)</script>`}}
	hostile.ThemeColor = `"><script>alert(4)</script>`
	hostile.AppVersion = `"><img src=x>`

	eink := inProgress
	eink.Variant = "eink"

	manyAllDay := base()
	manyAllDay.Next = critical.Next
	for i, s := range []string{"Company holiday", "Alex out of office — back Monday, ask Sam for anything urgent",
		"Sam's birthday", "Release freeze", "Conference: GopherCon EU", "Pay day"} {
		manyAllDay.AllDay = append(manyAllDay.AllDay, MeetingView{ID: fmt.Sprint("ad", i), Subject: s, Calendar: "Work",
			Color: "#ff8800", Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true})
	}

	return []state{
		{name: "in_progress", data: inProgress,
			want: []string{`<section id="allday" class="allday-strip" aria-labelledby="allday-h">`, "Sam&#39;s birthday",
				"Team standup", "09:30–10:30", "Room 4.01", "30:00", `value="500"`, "Design review",
				"in 1 h 00 min", "11:00–11:45", "Aquarium", "Lunch with Sam", "Retro", "10:00", "Wed 12 Nov",
				"updated 2 min ago", `<html lang="en" class="no-js"`, `"color":"#1E90FF"`},
			not: []string{"Not shown: fourth", `class="banner"`, "urgent", "critical"}},
		{name: "next_critical", data: critical,
			want: []string{"in 02:00", `class="zone next critical"`, "● Starting", "Free", "for 2 min · until 10:02",
				"Next: Customer call, in 2 min."}},
		{name: "next_urgent", data: urgent,
			want: []string{"in 12:34", `class="zone next urgent"`, "▲ Soon", "for 12 min · until 10:12"}},
		{name: "nothing_left_today", data: tomorrow,
			want: []string{"Free", "for the rest of the day", "tomorrow 09:00", "Thu 13 Nov 09:00–10:00", "Fri 14 Nov 14:00–15:00"}},
		{name: "all_day_only", data: allDay,
			want: []string{"Company holiday", "All day", "all day", `class="meeting allday"`, "No more meetings",
				`<section id="allday" class="allday-strip" aria-labelledby="allday-h" hidden>`}},
		{name: "stale_feed", data: stale,
			want: []string{"Calendar &#39;Work&#39; could not be refreshed since 09:02 — showing saved data",
				"fetch: 503 Service Unavailable", "updated 58 min ago"},
			not: []string{"Personal&#39; could not"}},
		{name: "not_loaded", data: notLoaded,
			want: []string{"Calendar not loaded yet", "not updated yet", "No more meetings", "nothing else scheduled"}},
		{name: "hostile", data: hostile,
			want: []string{"&lt;img src=x onerror=alert(1)&gt;", "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
				"Tom &amp; Jerry&#39;s &#34;room&#34;", "Work 🎉", "פגישת צוות — اجتماع الفريق",
				"R&amp;D &#34;sync&#34; 🚀 &amp; more", `<meta name="theme-color" content="#000000">`,
				"Calendar &#39;&lt;img src=x onerror=alert(2)&gt;&#39; could not be loaded",
				`"color":"#abcdef"`, `<span class="m-title" dir="auto">&lt;img src=x onerror=alert(1)&gt;</span>`,
				`"color":"#ABCDEF"`},
			not: []string{"<img", "<svg", "<b>", "alert(4)", "javascript:", "#12345G", "red;background"}},
		{name: "all_day_many", data: manyAllDay,
			want: []string{"Company holiday", "Alex out of office", "Sam&#39;s birthday", `<li class="chip more">+3 more</li>`,
				`"subject":"Pay day"`},
			not: []string{`dir="auto">Release freeze`, `dir="auto">Pay day`}},
		{name: "eink", data: eink,
			want: []string{`class="no-js eink"`, `<meta name="color-scheme" content="light">`, "in 1 h 00 min"}},
	}
}

func render(t *testing.T, d PageData) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderStates(t *testing.T) {
	for _, st := range states() {
		t.Run(st.name, func(t *testing.T) {
			out := render(t, st.data)
			for _, w := range st.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range st.not {
				if strings.Contains(out, n) {
					t.Errorf("unexpected %q", n)
				}
			}
			checkPage(t, out)
			golden(t, st.name, out)
		})
	}
}

// checkPage holds for every rendered page: nothing inline that the CSP
// would block, nothing from another origin.
func checkPage(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "style=") || strings.Contains(out, "<style") {
		t.Error("inline style")
	}
	if regexp.MustCompile(`(?i)<[^>]*\son[a-z]+=`).MatchString(out) {
		t.Error("inline event handler")
	}
	if strings.Contains(out, "http://") || strings.Contains(out, "https://") || strings.Contains(out, "//cdn") {
		t.Error("external URL in the page")
	}
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(out, -1)
	if len(scripts) != 2 {
		t.Fatalf("scripts: %q", scripts)
	}
	if scripts[0] != `<script src="`+AssetPath("kiosk.js")+`" defer>` || scripts[1] != `<script type="application/json" id="init">` {
		t.Errorf("scripts: %q", scripts)
	}
	for _, id := range []string{"banners", "allday", "chips", "cur", "free", "nx", "none", "later", "left", "prog", "cd", "next",
		"badge", "ffor", "sr", "clock", "date", "updated", "conn", "toast", "skip", "init"} {
		if strings.Count(out, ` id="`+id+`"`) != 1 {
			t.Errorf("element #%s: want exactly one (kiosk.js needs it)", id)
		}
	}
	if !strings.Contains(out, `aria-live="polite"`) || strings.Count(out, "aria-live") != 1 {
		t.Error("want exactly one aria-live region")
	}
}

func golden(t *testing.T, name, out string) {
	t.Helper()
	path := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != out {
		t.Errorf("%s differs from the rendered page (run go test -update and review the diff)", path)
	}
}

func TestHostileInitJSON(t *testing.T) {
	st := states()
	var d PageData
	for _, s := range st {
		if s.name == "hostile" {
			d = s.data
		}
	}
	out := render(t, d)
	i := strings.Index(out, `<script type="application/json" id="init">`)
	j := strings.LastIndex(out, "</script>")
	if i < 0 || j < i {
		t.Fatal("no init data")
	}
	js := out[i:j]
	if strings.Contains(js[1:], "<") {
		t.Errorf("raw < inside the init data: %s", js)
	}
	if !strings.Contains(js, `\u003cimg src=x onerror=alert(1)\u003e`) {
		t.Errorf("subject not JSON-escaped: %s", js)
	}
	if strings.Contains(js, `"color"`) && strings.Contains(js, "12345G") {
		t.Error("bad colour reached the init data")
	}
}

func TestColor(t *testing.T) {
	for c, want := range map[string]string{
		"#1e90ff": "#1e90ff", "#ABCDEF": "#ABCDEF", "": "", "#fff": "", "1e90ff": "", "#1e90ff ": "",
		"#1e90fg": "", "red": "", "#1e90ff;x:y": "", "\n#1e90ff": "", "#1e90ff\n": "", "var(--x)": "",
	} {
		if got := safeColor(c); got != want {
			t.Errorf("safeColor(%q) = %q, want %q", c, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	for s, want := range map[int64]string{0: "00:00", 1: "00:01", 754: "12:34", 3599: "59:59", 3600: "1 h 00 min",
		3900: "1 h 05 min", 36000 + 59: "10 h 00 min"} {
		if got := durClock(s); got != want {
			t.Errorf("durClock(%d) = %q, want %q", s, got, want)
		}
	}
	for s, want := range map[int64]string{0: "under 1 min", 59: "under 1 min", 60: "1 min", 3599: "59 min", 3900: "1 h 05 min"} {
		if got := durWords(s); got != want {
			t.Errorf("durWords(%d) = %q, want %q", s, got, want)
		}
	}
	if got := dateLabel("2025-11-12"); got != "Wed 12 Nov" {
		t.Errorf("dateLabel = %q", got)
	}
	c := clock{now: now0, loc: cet, today: "2025-11-12", tomorrow: "2025-11-13"}
	m := func(start, end string, allDay bool) meetingBlock {
		return meetingBlock{Start: start, End: end, AllDay: allDay}
	}
	for _, tc := range []struct {
		b      meetingBlock
		s      int64
		cd, rg string
	}{
		{m("2025-11-12T10:12:34+01:00", "2025-11-12T11:00:00+01:00", false), 754, "in 12:34", "10:12–11:00"},
		{m("2025-11-12T15:05:00+01:00", "2025-11-12T16:00:00+01:00", false), 18300, "in 5 h 05 min", "15:05–16:00"},
		{m("2025-11-13T09:00:00+01:00", "2025-11-13T09:30:00+01:00", false), 82800, "tomorrow 09:00", "Thu 13 Nov 09:00–09:30"},
		{m("2025-11-13T00:30:00+01:00", "2025-11-13T01:00:00+01:00", false), 3000, "in 50:00", "Thu 13 Nov 00:30–01:00"},
		{m("2025-11-17T09:00:00+01:00", "2025-11-18T10:00:00+01:00", false), 500000, "Mon 17 Nov 09:00", "Mon 17 Nov 09:00 – Tue 18 Nov 10:00"},
		{m("2025-11-13T00:00:00+01:00", "2025-11-14T00:00:00+01:00", true), 50400, "tomorrow", "Thu 13 Nov · all day"},
		{m("2025-11-20T00:00:00+01:00", "2025-11-21T00:00:00+01:00", true), 654000, "Thu 20 Nov", "Thu 20 Nov · all day"},
	} {
		if got := c.countdown(tc.b, tc.s); got != tc.cd {
			t.Errorf("countdown(%s) = %q, want %q", tc.b.Start, got, tc.cd)
		}
		if got := c.rangeText(tc.b); got != tc.rg {
			t.Errorf("range(%s) = %q, want %q", tc.b.Start, got, tc.rg)
		}
	}
	for d, want := range map[time.Duration]string{0: "updated just now", -5 * time.Second: "updated just now",
		59 * time.Second: "updated just now", 2 * time.Minute: "updated 2 min ago", 3 * time.Hour: "updated 3 h ago"} {
		if got := updatedText(now0.Add(-d), now0); got != want {
			t.Errorf("updatedText(-%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRenderDefaults(t *testing.T) {
	// No zone, no data: UTC, and the page still renders.
	out := render(t, PageData{Now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)})
	for _, w := range []string{`data-now="2025-01-02T03:04:05Z"`, `data-tz="UTC"`, "03:04", "Thu 2 Jan", "Calendar not loaded yet"} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q", w)
		}
	}
	// Unknown variants fall back to the default theme.
	if out := render(t, PageData{Now: now0, Variant: "<x>"}); strings.Contains(out, "eink") || strings.Contains(out, "&lt;x") {
		t.Error("unknown variant leaked into the page")
	}
	if out := render(t, PageData{Now: now0, Variant: "EINK"}); !strings.Contains(out, `class="no-js eink"`) {
		t.Error("variant is case-insensitive")
	}
}

func TestCSP(t *testing.T) {
	const want = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	if CSP != want {
		t.Errorf("CSP = %q", CSP)
	}
}

func TestScriptBudget(t *testing.T) {
	js, err := staticFS.ReadFile("static/kiosk.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(js) >= 9*1024 {
		t.Errorf("kiosk.js is %d bytes, budget 9 KiB", len(js))
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style", "setAttribute('on", "http:", "https:"} {
		if bytes.Contains(js, []byte(bad)) {
			t.Errorf("kiosk.js contains %q", bad)
		}
	}
	// Colours reach the CSSOM only after the #RRGGBB check.
	if !bytes.Contains(js, []byte("COLOR = /^#[0-9a-f]{6}$/i")) || bytes.Count(js, []byte("setProperty(")) != 1 {
		t.Error("kiosk.js: colour check missing or a second setProperty")
	}
	css, _ := staticFS.ReadFile("static/kiosk.css")
	if bytes.Contains(css, []byte("@import")) || bytes.Contains(css, []byte("url(")) || bytes.Contains(css, []byte("http")) {
		t.Error("kiosk.css loads something")
	}
}

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestStatic(t *testing.T) {
	h := Static()
	for name, ct := range map[string]string{
		"kiosk.css":   "text/css; charset=utf-8",
		"kiosk.js":    "text/javascript; charset=utf-8",
		"favicon.svg": "image/svg+xml",
	} {
		hashed := AssetPath(name)
		if !regexp.MustCompile(`^/static/[a-z]+\.[0-9a-f]{10}\.[a-z]+$`).MatchString(hashed) {
			t.Errorf("AssetPath(%q) = %q", name, hashed)
		}
		for _, p := range []string{"/static/" + name, hashed} {
			w := get(t, h, "GET", p)
			if w.Code != 200 || w.Header().Get("Content-Type") != ct || w.Body.Len() == 0 {
				t.Fatalf("GET %s: %d %q", p, w.Code, w.Header().Get("Content-Type"))
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no nosniff", p)
			}
			etag := w.Header().Get("ETag")
			if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
				t.Errorf("GET %s: ETag %q", p, etag)
			}
			cc := w.Header().Get("Cache-Control")
			if p == hashed && cc != "public, max-age=31536000, immutable" || p != hashed && cc != "no-cache" {
				t.Errorf("GET %s: Cache-Control %q", p, cc)
			}
			if w := get(t, h, "GET", p, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Errorf("GET %s If-None-Match: %d", p, w.Code)
			}
			if w := get(t, h, "GET", p, "If-None-Match", `"other"`); w.Code != 200 {
				t.Errorf("GET %s other ETag: %d", p, w.Code)
			}
			if w := get(t, h, "HEAD", p); w.Code != 200 || w.Body.Len() != 0 {
				t.Errorf("HEAD %s: %d, %d bytes", p, w.Code, w.Body.Len())
			}
		}
		if w := get(t, h, "POST", "/static/"+name); w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d", w.Code)
		}
	}
	for _, p := range []string{"/static/", "/static/nope.js", "/static/kiosk.0000000000.js", "/static/../web.go",
		"/static/static/kiosk.js", "/kiosk.html", "/static/KIOSK.CSS"} {
		if w := get(t, h, "GET", p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
	// Mounted behind StripPrefix, as a mux would.
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", Static()))
	if w := get(t, mux, "GET", AssetPath("kiosk.js")); w.Code != 200 {
		t.Errorf("behind StripPrefix: %d", w.Code)
	}
}

// The page references exactly the assets Static serves.
func TestPageAssets(t *testing.T) {
	out := render(t, base())
	h := Static()
	for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(out, -1) {
		if w := get(t, h, "GET", m[1]); w.Code != 200 {
			t.Errorf("page links %s: %d", m[1], w.Code)
		}
	}
}

func TestLongMeetingProgress(t *testing.T) {
	d := base()
	d.Current = &MeetingView{ID: "sabbatical", Subject: "Sabbatical", Start: now0.AddDate(-1, 0, 0), End: now0.AddDate(1, 0, 0)}
	if out := render(t, d); !strings.Contains(out, `<progress id="prog" max="1000" value="500">`) {
		t.Error("progress of a two-year event")
	}
}

// allDayStrip is the strip's markup in a rendered page.
func allDayStrip(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, `<section id="allday"`)
	if i < 0 {
		t.Fatal("no all-day strip")
	}
	j := strings.Index(out[i:], "</section>")
	if j < 0 {
		t.Fatal("all-day strip not closed")
	}
	return out[i : i+j]
}

func pageInit(t *testing.T, out string) initData {
	t.Helper()
	const open = `<script type="application/json" id="init">`
	i := strings.Index(out, open)
	j := strings.LastIndex(out, "</script>")
	if i < 0 || j < i {
		t.Fatal("no init data")
	}
	var in initData
	if err := json.Unmarshal([]byte(out[i+len(open):j]), &in); err != nil {
		t.Fatalf("init data: %v", err)
	}
	return in
}

// The all-day strip sits above Now, is hidden when there is nothing all
// day, shows at most four items (three chips and "+N more" when there are
// more), renders calendar text as text, and the init data carries every
// event so kiosk.js paints the same strip.
func TestAllDayStrip(t *testing.T) {
	allDay := func(id, subject, color string) MeetingView {
		return MeetingView{ID: id, Subject: subject, Calendar: "Work", Color: color,
			Start: time.Date(2025, 11, 12, 0, 0, 0, 0, cet), End: time.Date(2025, 11, 13, 0, 0, 0, 0, cet), AllDay: true}
	}
	chips := func(strip string) int { return strings.Count(strip, `<li class="chip`) }

	t.Run("hidden", func(t *testing.T) {
		out := render(t, base())
		strip := allDayStrip(t, out)
		if !strings.HasPrefix(strip, `<section id="allday" class="allday-strip" aria-labelledby="allday-h" hidden>`) || chips(strip) != 0 {
			t.Errorf("empty strip not hidden: %s", strip)
		}
		if !strings.Contains(out, `"all_day_today":[]`) {
			t.Error(`init data: want "all_day_today":[] (kiosk.js reads a list)`)
		}
	})

	t.Run("present", func(t *testing.T) {
		d := base()
		d.AllDay = []MeetingView{allDay("h", "Public holiday", "#1e90ff"), allDay("o", "Out of office", "nope")}
		d.AllDay[1].Tentative = true
		out := render(t, d)
		if a, n := strings.Index(out, `id="allday"`), strings.Index(out, `id="now"`); a < 0 || a > n {
			t.Error("the strip must come before the Now zone")
		}
		strip := allDayStrip(t, out)
		for _, w := range []string{
			`<section id="allday" class="allday-strip" aria-labelledby="allday-h">`,
			`<h2 id="allday-h" class="label">All day</h2>`,
			`<li class="chip allday"><span class="dot" aria-hidden="true"></span> <span class="m-title" dir="auto">Public holiday</span></li>`,
			`<li class="chip tentative allday"><span class="dot" aria-hidden="true"></span> <span class="m-title" dir="auto">Out of office</span></li>`,
		} {
			if !strings.Contains(strip, w) {
				t.Errorf("strip lacks %s:\n%s", w, strip)
			}
		}
		if chips(strip) != 2 || strings.Contains(strip, "more") {
			t.Errorf("want two chips and no +N more:\n%s", strip)
		}
		in := pageInit(t, out)
		if len(in.AllDay) != 2 || in.AllDay[0].Subject != "Public holiday" || in.AllDay[0].Color != "#1e90ff" ||
			!in.AllDay[0].AllDay || in.AllDay[1].Color != "" || in.AllDay[1].Status != "TENTATIVE" ||
			in.AllDay[0].StartLocal != "2025-11-12T00:00:00+01:00" || in.AllDay[0].EndLocal != "2025-11-13T00:00:00+01:00" {
			t.Errorf("init all_day_today = %+v", in.AllDay)
		}
	})

	for n, want := range map[int]struct {
		chips int
		more  string
	}{1: {1, ""}, 3: {3, ""}, 4: {4, ""}, 5: {4, "+2 more"}, 9: {4, "+6 more"}} {
		t.Run(fmt.Sprint("count", n), func(t *testing.T) {
			d := base()
			for i := range n {
				d.AllDay = append(d.AllDay, allDay(fmt.Sprint(i), fmt.Sprint("Event ", i), ""))
			}
			out := render(t, d)
			strip := allDayStrip(t, out)
			if got := chips(strip); got != want.chips {
				t.Errorf("%d events: %d items, want %d", n, got, want.chips)
			}
			if want.more != "" && !strings.Contains(strip, `<li class="chip more">`+want.more+`</li>`) ||
				want.more == "" && strings.Contains(strip, "more") {
				t.Errorf("%d events: want %q:\n%s", n, want.more, strip)
			}
			if in := pageInit(t, out); len(in.AllDay) != n {
				t.Errorf("init data has %d all-day events, want all %d", len(in.AllDay), n)
			}
		})
	}

	t.Run("escaped", func(t *testing.T) {
		d := base()
		d.AllDay = []MeetingView{allDay(`"><script>alert(1)</script>`, `<img src=x onerror=alert(1)>`, `red;background:url(javascript:alert(1))`)}
		out := render(t, d)
		strip := allDayStrip(t, out)
		if !strings.Contains(strip, `<span class="m-title" dir="auto">&lt;img src=x onerror=alert(1)&gt;</span>`) {
			t.Errorf("title not escaped as text:\n%s", strip)
		}
		for _, bad := range []string{"<img", "<script>alert", "javascript:", "red;background"} {
			if strings.Contains(out, bad) {
				t.Errorf("page contains %q", bad)
			}
		}
		if !strings.Contains(out, `"subject":"\u003cimg src=x onerror=alert(1)\u003e"`) {
			t.Error("init data: subject not JSON-escaped")
		}
		checkPage(t, out)
	})
}

// Calendar text may carry NUL bytes and invalid UTF-8 (a feed in a legacy
// charset, a truncated download): the page stays valid UTF-8 and shows
// U+FFFD, and markup characters stay text.
func TestHostileBytes(t *testing.T) {
	d := base()
	d.Next = &MeetingView{ID: "x", Subject: "a\x00b\xffc <i>+1</i>", Location: "\xc3", Calendar: "W\x00rk",
		Start: at(11, 0), End: at(12, 0)}
	out := render(t, d)
	if !utf8.ValidString(out) {
		t.Error("page is not valid UTF-8")
	}
	if strings.Contains(out, "\x00") {
		t.Error("NUL byte in the page")
	}
	for _, w := range []string{"a\uFFFDb\uFFFDc &lt;i&gt;&#43;1&lt;/i&gt;", `<span class="m-loc" dir="auto">` + "\uFFFD</span>",
		`<span class="m-cal" dir="auto">W` + "\uFFFDrk</span>"} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q", w)
		}
	}
	checkPage(t, out)
}
