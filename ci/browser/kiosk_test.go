// Package browser checks CalendarBot's kiosk page (GET /) in real headless
// Chromium: the server binary is built and started on 127.0.0.1 with a
// frozen clock and the calendar in testdata/, Chromium loads the page, runs
// its script for a few (virtual) seconds and dumps the DOM or takes a
// screenshot. Chromium only talks to 127.0.0.1.
//
//	go test -count=1 -v ./ci/browser/
//
// Without Chromium the tests skip loudly (CI=true: they fail); install it
// with ci/deps.sh --install. Screenshots go to $ARTIFACTS_DIR, else to
// ci/browser/artifacts/. CALENDARBOT_CHROMIUM overrides the browser path.
// -short skips the stale-feed scenario, which waits for a 30 s refresh.
package browser

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The frozen clock: 09:03 UTC is 10:03 in Berlin, three minutes into
// "Sprint planning" (09:30–10:30) and 12 minutes before the hostile meeting
// (10:15–10:45). testdata/work.ics also has "Design review" (14:00–15:00)
// and two all-day events, one with a hostile title.
const (
	frozenNow    = "2026-01-15T09:03:00Z"
	displayTZ    = "Europe/Berlin"
	hostileTitle = `<img src=x onerror=alert(1)> & "quotes"`
	// How Chromium serializes the title as text.
	hostileSerialized = `&lt;img src=x onerror=alert(1)&gt; &amp; "quotes"`
	allDayTitle       = "Team offsite week"
	allDayHostile     = `<b>Day off</b> <img src=x onerror=alert(2)>`
)

func fixturePath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "work.ics"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func clockArgs() []string { return []string{"--tz", displayTZ, "--now", frozenNow} }

func TestKioskPage(t *testing.T) {
	b := browser{path: requireChromium(t)}
	t.Parallel()
	art := artifactsDir(t)
	srv := startServer(t, append([]string{"--feed", "Work=" + fixturePath(t)}, clockArgs()...)...)

	t.Run("default", func(t *testing.T) {
		t.Parallel()
		r := b.dumpDOM(t, srv.URL)
		doc := mustParse(t, r)
		checkScriptRan(t, doc)
		checkMeetings(t, doc, r.DOM)
		checkAllDay(t, doc, allDayTitle, allDayHostile)
		checkStatus(t, doc)
		if got := doc.byID("banners").text(); got != "" {
			t.Errorf("banner shown for a fresh calendar: %q", got)
		}
		if m := doc.all(func(n *node) bool { return n.Tag == "meta" && n.Attr["name"] == "color-scheme" }); len(m) != 1 || m[0].Attr["content"] != "dark" {
			t.Errorf("default variant: want <meta name=color-scheme content=dark>")
		}
	})

	t.Run("eink", func(t *testing.T) {
		t.Parallel()
		r := b.dumpDOM(t, srv.URL+"?variant=eink")
		doc := mustParse(t, r)
		checkScriptRan(t, doc)
		if html := doc.all(func(n *node) bool { return n.Tag == "html" }); len(html) != 1 || !html[0].hasClass("eink") {
			t.Errorf("?variant=eink: <html> lacks class eink")
		}
		if m := doc.all(func(n *node) bool { return n.Tag == "meta" && n.Attr["name"] == "color-scheme" }); len(m) != 1 || m[0].Attr["content"] != "light" {
			t.Errorf("?variant=eink: want <meta name=color-scheme content=light>")
		}
		checkMeetings(t, doc, r.DOM)
		checkAllDay(t, doc, allDayTitle, allDayHostile)
		checkStatus(t, doc)
	})

	shots := []struct {
		name, query string
		w, h        int
	}{
		{"kiosk-480x800.png", "", 480, 800},
		{"kiosk-800x480.png", "", 800, 480},
		{"kiosk-eink-480x800.png", "?variant=eink", 480, 800},
		{"kiosk-eink-800x480.png", "?variant=eink", 800, 480},
	}
	for _, s := range shots {
		t.Run("screenshot/"+s.name, func(t *testing.T) {
			t.Parallel()
			r := b.screenshot(t, srv.URL+s.query, filepath.Join(art, s.name), s.w, s.h)
			checkConsole(t, r)
		})
	}
}

// TestKioskAllDayMany: with six all-day events the strip shows three chips
// and "+3 more" (kiosk.js re-renders it from the init data); screenshots
// show that it stays within two lines (portrait) or one (landscape).
func TestKioskAllDayMany(t *testing.T) {
	b := browser{path: requireChromium(t)}
	t.Parallel()
	art := artifactsDir(t)
	titles := []string{"Company holiday", "Alex out of office — back Monday, ask Sam for anything urgent",
		"Sam's birthday", "Release freeze", "GopherCon EU", "Pay day"}
	var ics strings.Builder
	ics.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CalendarBot//ci browser test//EN\r\n")
	for i, s := range titles {
		fmt.Fprintf(&ics, "BEGIN:VEVENT\r\nUID:many-%d@ci.calendarbot.test\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART;VALUE=DATE:20260115\r\nDTEND;VALUE=DATE:20260116\r\nSUMMARY:%s\r\nEND:VEVENT\r\n", i, s)
	}
	ics.WriteString("BEGIN:VEVENT\r\nUID:current-1@ci.calendarbot.test\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;TZID=Europe/Berlin:20260115T093000\r\nDTEND;TZID=Europe/Berlin:20260115T103000\r\nSUMMARY:Sprint planning\r\n" +
		"LOCATION:Room Ada\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	path := filepath.Join(t.TempDir(), "many.ics")
	if err := os.WriteFile(path, []byte(ics.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, append([]string{"--feed", "Work=" + path}, clockArgs()...)...)

	t.Run("dom", func(t *testing.T) {
		t.Parallel()
		doc := mustParse(t, b.dumpDOM(t, srv.URL))
		checkScriptRan(t, doc)
		chips := checkAllDay(t, doc)
		if len(chips) != 4 || chips[3] != "+3 more" {
			t.Errorf("all-day items = %q, want three titles and +3 more", chips)
		}
		for _, c := range chips[:min(3, len(chips))] {
			if !slices.Contains(titles, c) {
				t.Errorf("all-day chip %q is none of the events", c)
			}
		}
	})
	for _, s := range []struct {
		name, query string
		w, h        int
	}{
		{"kiosk-allday-480x800.png", "", 480, 800},
		{"kiosk-allday-800x480.png", "", 800, 480},
		{"kiosk-allday-eink-480x800.png", "?variant=eink", 480, 800},
	} {
		t.Run("screenshot/"+s.name, func(t *testing.T) {
			t.Parallel()
			checkConsole(t, b.screenshot(t, srv.URL+s.query, filepath.Join(art, s.name), s.w, s.h))
		})
	}
}

// TestKioskMidnight freezes the server's clock two seconds before midnight:
// the page's own clock ticks past it, and at the first tick of the new day
// the strip drops the event that ended at midnight at once, before the
// poll that the day change triggers (1.5 s later, after the 3 s of virtual
// time this run lasts; the frozen server would bring the event back).
func TestKioskMidnight(t *testing.T) {
	b := browser{path: requireChromium(t)}
	t.Parallel()
	srv := startServer(t, "--feed", "Work="+fixturePath(t), "--tz", displayTZ, "--now", "2026-01-15T22:59:58Z")
	doc := mustParse(t, b.dumpDOM(t, srv.URL))
	checkScriptRan(t, doc)
	expect(t, "status date", doc.byID("date").text(), "Fri 16 Jan")
	expect(t, "status clock", doc.byID("clock").text(), "00:00")
	if strip := doc.byID("allday"); strip.shown() || doc.byID("chips").text() != "" {
		t.Errorf("after midnight the strip still shows yesterday's events: %q (shown %v)", doc.byID("chips").text(), strip.shown())
	}
}

// TestKioskStaleFeed serves the calendar once, then fails: after the next
// refresh (the minimum interval is 30 s) the page must say the calendar
// could not be refreshed and keep showing the saved meetings.
func TestKioskStaleFeed(t *testing.T) {
	b := browser{path: requireChromium(t)}
	if testing.Short() {
		t.Skip("-short: the stale-feed scenario waits for a 30 s refresh")
	}
	t.Parallel()
	art := artifactsDir(t)
	ics, err := os.ReadFile(fixturePath(t))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
			w.Write(ics)
			return
		}
		http.Error(w, "feed down for the test", http.StatusInternalServerError)
	}))
	t.Cleanup(feed.Close)
	srv := startServer(t, append([]string{"--feed", "Work=" + feed.URL + "/work.ics", "--refresh", "30s"}, clockArgs()...)...)

	start := time.Now()
	waitForAPI(t, srv, 90*time.Second, "the feed to turn stale", func(wn whatsNext) bool {
		return len(wn.Data.Feeds) == 1 && wn.Data.Feeds[0].Stale
	})
	t.Logf("feed stale after %v (%d fetches)", time.Since(start).Round(time.Second), hits.Load())

	r := b.dumpDOM(t, srv.URL)
	doc := mustParse(t, r)
	checkScriptRan(t, doc)
	banners := doc.byID("banners").all(func(n *node) bool { return n.hasClass("banner") })
	if len(banners) != 1 {
		t.Fatalf("want 1 banner, got %d: %q", len(banners), doc.byID("banners").text())
	}
	text := banners[0].text()
	t.Logf("stale banner: %q", text)
	m := regexp.MustCompile(`^⚠ Calendar 'Work' could not be refreshed since (.+?) — showing saved data`).FindStringSubmatch(text)
	if m == nil {
		t.Errorf("stale banner = %q, want ⚠ Calendar 'Work' could not be refreshed since HH:MM — showing saved data", text)
	} else if m[1] != "10:03" {
		// The last success is the only fetch, made while the server's clock
		// is frozen at 10:03.
		t.Logf("NOTE: the banner says 'since %s', not the frozen clock's 10:03: the feed manager keeps its own (real) clock", m[1])
	}
	if d := banners[0].byClass("banner-detail").text(); !strings.Contains(d, "500") {
		t.Errorf("banner detail = %q, want the HTTP 500 error", d)
	}
	// The saved data is still shown.
	if got := doc.byID("cur").byClass("m-title").text(); got != "Sprint planning" {
		t.Errorf("stale: Now title = %q, want the saved meeting", got)
	}
	if got := doc.byID("nx").byClass("m-title").text(); got != hostileTitle {
		t.Errorf("stale: Next title = %q, want the saved meeting", got)
	}
	checkConsole(t, b.screenshot(t, srv.URL, filepath.Join(art, "kiosk-stale-480x800.png"), 480, 800))
}

// TestKioskNotLoaded starts the server on a feed that has not answered yet:
// the page must say so instead of showing an empty day.
func TestKioskNotLoaded(t *testing.T) {
	b := browser{path: requireChromium(t)}
	t.Parallel()
	art := artifactsDir(t)
	release := make(chan struct{})
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the test ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(feed.Close)
	t.Cleanup(func() { close(release) }) // runs before feed.Close
	srv := startServer(t, append([]string{"--feed", "Work=" + feed.URL + "/work.ics", "--fetch-timeout", "5m"}, clockArgs()...)...)

	r := b.dumpDOM(t, srv.URL)
	doc := mustParse(t, r)
	checkScriptRan(t, doc)
	want := "⚠ Calendar not loaded yet — waiting for the first refresh"
	if got := doc.byID("banners").text(); got != want {
		t.Errorf("banner = %q, want %q", got, want)
	}
	if got := doc.byID("updated").text(); got != "not updated yet" {
		t.Errorf("status: updated = %q, want %q", got, "not updated yet")
	}
	checkConsole(t, b.screenshot(t, srv.URL, filepath.Join(art, "kiosk-not-loaded-480x800.png"), 480, 800))
}

// ---- checks ----------------------------------------------------------------

func mustParse(t *testing.T, r pageResult) *node {
	t.Helper()
	checkConsole(t, r)
	doc, err := parseDOM(r.DOM)
	if err != nil {
		t.Fatalf("parse dumped DOM: %v\n%s", err, tail(r.DOM, 3000))
	}
	if doc.byID("now") == nil || doc.byID("next") == nil || doc.byID("status") == nil {
		t.Fatalf("not the kiosk page:\n%s", tail(r.DOM, 3000))
	}
	return doc
}

// checkConsole fails on anything the page logged to the console: script
// errors and Content-Security-Policy violations show up there.
func checkConsole(t *testing.T, r pageResult) {
	t.Helper()
	if len(r.Console) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(r.Console, "\n"))
	}
}

// checkScriptRan: kiosk.js replaced the no-js class on <html>.
func checkScriptRan(t *testing.T, doc *node) {
	t.Helper()
	html := doc.all(func(n *node) bool { return n.Tag == "html" })
	if len(html) != 1 || !html[0].hasClass("js") || html[0].hasClass("no-js") {
		t.Errorf("kiosk.js did not run: <html class=%q>", html[0].Attr["class"])
	}
}

func checkMeetings(t *testing.T, doc *node, raw string) {
	t.Helper()
	// Now: the meeting in progress and its time left, ticking.
	cur := doc.byID("cur")
	if !cur.shown() {
		t.Fatalf("Now zone shows no meeting (Free: %q)", doc.byID("free").text())
	}
	expect(t, "Now title", cur.byClass("m-title").text(), "Sprint planning")
	expect(t, "Now time range", cur.byClass("m-range").text(), "09:30–10:30")
	expect(t, "Now location", cur.byClass("m-loc").text(), "Room Ada")
	// 27:00 left at 10:03:00; the page ticked for a few seconds.
	left := doc.byID("left").text()
	if s, ok := mmss(left); !ok || s > 27*60 || s < 27*60-30 {
		t.Errorf("time left = %q, want about 27:00 (26:30–27:00)", left)
	}
	expect(t, "Now unit", cur.byClass("unit").text(), "left")
	if doc.byID("free").shown() {
		t.Errorf("Free is shown next to a meeting in progress")
	}

	// Next: the hostile title as literal text.
	nx := doc.byID("nx")
	if !nx.shown() {
		t.Fatalf("Next zone shows no meeting (%q)", doc.byID("none").text())
	}
	expect(t, "Next title", nx.byClass("m-title").text(), hostileTitle)
	if !strings.Contains(raw, hostileSerialized) {
		t.Errorf("the dumped DOM lacks the title as escaped text %s", hostileSerialized)
	}
	if imgs := doc.all(func(n *node) bool { return n.Tag == "img" }); len(imgs) > 0 {
		t.Errorf("the page has %d <img> elements (the hostile title became markup?)", len(imgs))
	}
	if on := doc.all(func(n *node) bool { _, ok := n.Attr["onerror"]; return ok }); len(on) > 0 {
		t.Errorf("an element has an onerror attribute: <%s>", on[0].Tag)
	}
	expect(t, "Next time range", nx.byClass("m-range").text(), "10:15–10:45")
	expect(t, "Next location", nx.byClass("m-loc").text(), "Room Grace")
	expect(t, "Next calendar", nx.byClass("m-cal").text(), "Work")
	// in 12:00 at 10:03:00; allow the ticking.
	cd := doc.byID("cd").text()
	if s, ok := mmss(strings.TrimPrefix(cd, "in ")); !strings.HasPrefix(cd, "in ") || !ok || s > 12*60 || s < 12*60-30 {
		t.Errorf("countdown = %q, want about in 12:00 (in 11:30–in 12:00)", cd)
	}
	// 12 minutes away: urgent (≤ 15 min), not critical (≤ 2 min).
	next := doc.byID("next")
	if !next.hasClass("urgent") || next.hasClass("critical") {
		t.Errorf("Next zone class = %q, want urgent", next.Attr["class"])
	}
	badge := doc.byID("badge")
	if !badge.shown() || badge.text() != "▲ Soon" {
		t.Errorf("badge = %q (shown %v), want ▲ Soon", badge.text(), badge.shown())
	}
	if doc.byID("none").shown() {
		t.Errorf("'No more meetings' is shown")
	}

	// Later: Design review. The all-day event is never "in progress" or
	// "later" (it started at midnight), and must not take Now or Next.
	later := doc.byID("later").all(func(n *node) bool { return n.Tag == "li" })
	if len(later) != 1 {
		t.Errorf("later list has %d items, want 1: %q", len(later), doc.byID("later").text())
	} else {
		expect(t, "Later range", later[0].byClass("m-range").text(), "14:00–15:00")
		expect(t, "Later title", later[0].byClass("m-title").text(), "Design review")
	}
	for _, id := range []string{"now", "next"} {
		if strings.Contains(doc.byID(id).text(), allDayTitle) {
			t.Errorf("the all-day event is shown in %s", id)
		}
	}

	// The screen-reader summary (server-rendered, to the minute).
	expect(t, "screen-reader summary", doc.byID("sr").text(),
		"Now: Sprint planning, 27 min left. Next: "+hostileTitle+", in 12 min.")
}

// checkAllDay: the all-day strip is shown with its label and one chip per
// want (any order; empty want: no check), each a colour dot and the title
// as text (dir=auto); it returns the items' texts in page order.
func checkAllDay(t *testing.T, doc *node, want ...string) []string {
	t.Helper()
	strip := doc.byID("allday")
	if !strip.shown() {
		t.Fatalf("the all-day strip is hidden (%q)", strip.text())
	}
	expect(t, "all-day label", strip.byClass("label").text(), "All day")
	var got []string
	for _, c := range doc.byID("chips").all(func(n *node) bool { return n.Tag == "li" }) {
		if !c.shown() || !c.hasClass("chip") {
			t.Errorf("all-day item %q: hidden or not a chip (class %q)", c.text(), c.Attr["class"])
		}
		if c.hasClass("more") {
			got = append(got, c.visibleText())
			continue
		}
		if c.byClass("dot") == nil {
			t.Errorf("all-day chip %q has no colour dot", c.text())
		}
		title := c.byClass("m-title")
		if title.Attr["dir"] != "auto" {
			t.Errorf("all-day chip %q: title without dir=auto", c.text())
		}
		got = append(got, title.visibleText())
	}
	if len(want) > 0 {
		g, w := slices.Clone(got), slices.Clone(want)
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			t.Errorf("all-day chips = %q, want %q", got, want)
		}
		expect(t, "all-day strip text", strip.visibleText(), "All day "+strings.Join(got, " "))
	}
	if bold := doc.all(func(n *node) bool { return n.Tag == "b" }); len(bold) > 0 {
		t.Errorf("the page has %d <b> elements (a hostile title became markup?)", len(bold))
	}
	return got
}

func checkStatus(t *testing.T, doc *node) {
	t.Helper()
	expect(t, "status clock", doc.byID("clock").text(), "10:03")
	expect(t, "status date", doc.byID("date").text(), "Thu 15 Jan")
	expect(t, "status updated", doc.byID("updated").text(), "updated just now")
	if doc.byID("conn").shown() {
		t.Errorf("status says connection lost")
	}
	expect(t, "status line", doc.byID("status").visibleText(), "10:03 Thu 15 Jan updated just now")
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// mmss parses "MM:SS" into seconds.
func mmss(s string) (int, bool) {
	m := regexp.MustCompile(`^(\d\d):(\d\d)$`).FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	mm, _ := strconv.Atoi(m[1])
	ss, _ := strconv.Atoi(m[2])
	return mm*60 + ss, ss < 60
}

// ---- the API, to wait for server-side state --------------------------------

type whatsNext struct {
	Data struct {
		Initialized bool `json:"initialized"`
		Stale       bool `json:"stale"`
		Feeds       []struct {
			Name  string `json:"name"`
			Stale bool   `json:"stale"`
			Error string `json:"error"`
		} `json:"feeds"`
	} `json:"data"`
}

// waitForAPI polls GET /api/whats-next until ok or the timeout.
func waitForAPI(t *testing.T, srv *server, timeout time.Duration, what string, ok func(whatsNext) bool) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(timeout)
	var last whatsNext
	for time.Now().Before(deadline) {
		resp, err := client.Get(srv.URL + "api/whats-next")
		if err == nil {
			var wn whatsNext
			err = json.NewDecoder(resp.Body).Decode(&wn)
			resp.Body.Close()
			if err == nil {
				last = wn
				if ok(wn) {
					return
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s; last data: %+v", timeout, what, last.Data)
}
