package service

// Transport tests: the HTTP layer built exactly as the server builds it
// (store, refresher, service, endpoints, response cache), served on
// 127.0.0.1 by httptest. Requests that must look like they come from
// another host are handed to the handler directly with a RemoteAddr from
// TEST-NET-1 (192.0.2.0/24): no network is involved for them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/feed"
	"github.com/calendarbot/calendarbot/server/web"
)

// trNow is 10:00 in Berlin: the stand-up is in progress, the two hostile
// titles are next, a weekly series follows.
var trNow = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

const (
	trXSSImg    = `<img src=x onerror=alert(1)>`
	trXSSScript = `"><script>alert(1)</script>`
	trRemote    = "192.0.2.10:1234"
)

func trICS(events ...string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calendarbot//transport test//EN\r\n" +
		strings.Join(events, "") + "END:VCALENDAR\r\n")
}

// trEvent is a VEVENT with UTC times ("20260115T100000Z").
func trEvent(uid, summary, start, end string, extra ...string) string {
	lines := []string{"BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z",
		"DTSTART:" + start, "DTEND:" + end, "SUMMARY:" + summary}
	lines = append(lines, extra...)
	lines = append(lines, "END:VEVENT")
	return strings.Join(lines, "\r\n") + "\r\n"
}

var trFeed = trICS(
	trEvent("standup@t", "Standup", "20260115T083000Z", "20260115T091500Z"),
	trEvent("xss-img@t", trXSSImg, "20260115T100000Z", "20260115T103000Z", "LOCATION:"+trXSSImg),
	trEvent("xss-script@t", trXSSScript, "20260115T110000Z", "20260115T113000Z"),
	trEvent("weekly@t", "Weekly sync", "20260115T130000Z", "20260115T140000Z", "RRULE:FREQ=WEEKLY;COUNT=4"),
)

// trClock is an adjustable clock shared by refresher, service and transport.
type trClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *trClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *trClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type trCacheMode int

const (
	trCacheOn trCacheMode = iota
	trCacheNil
	trCacheOff
)

type trOpts struct {
	cache       trCacheMode
	admin       string
	alexa       string
	noPublish   bool
	ics         []byte
	noPage      bool
	withMetrics bool
	refresh     func(ctx context.Context) error
}

type trStack struct {
	store *Store
	ref   *Refresher
	clock *trClock
	cache *cache.Cache
	h     http.Handler
	srv   *httptest.Server
	loc   *time.Location
}

func trBerlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func trNewStack(t *testing.T, o trOpts) *trStack {
	t.Helper()
	s := &trStack{clock: &trClock{t: trNow}, loc: trBerlin(t)}
	s.store = NewStore()
	s.ref = NewRefresher(s.store, []string{"Work"}, RefresherOptions{Location: s.loc, Clock: s.clock.Now})
	if !o.noPublish {
		data := o.ics
		if data == nil {
			data = trFeed
		}
		s.publish(t, data)
	}
	switch o.cache {
	case trCacheOn:
		s.cache = cache.New(cache.Options{Enabled: true, Coalescing: true, Clock: s.clock.Now})
	case trCacheOff:
		s.cache = cache.New(cache.Options{Enabled: false, Coalescing: true})
	}
	svc := New(Config{Location: s.loc, Clock: s.clock.Now}, s.store)
	opts := HTTPOptions{
		Store: s.store, Cache: s.cache, Clock: s.clock.Now, Location: s.loc,
		AdminToken: o.admin, AlexaToken: o.alexa,
		Static: web.Static(), Refresh: o.refresh,
	}
	if !o.noPage {
		opts.Page = trPageHandler(svc, s.loc)
	}
	if o.withMetrics {
		opts.Metrics = func(w io.Writer) { metrics.WritePrometheus(w, false) }
	}
	s.h = NewHTTPHandler(MakeEndpoints(svc), opts)
	s.srv = httptest.NewServer(s.h)
	t.Cleanup(s.srv.Close)
	if host := s.srv.Listener.Addr().String(); !strings.HasPrefix(host, "127.0.0.1:") {
		t.Fatalf("test server listens on %s, want 127.0.0.1", host)
	}
	return s
}

// publish parses data as feed "Work" and publishes it (a new snapshot
// version each time, even for the same bytes).
func (s *trStack) publish(t *testing.T, data []byte) {
	t.Helper()
	cal, err := calendar.Parse(data, calendar.Options{Floating: s.loc})
	if err != nil {
		t.Fatal(err)
	}
	s.ref.SetCalendar("Work", cal)
}

// trPageHandler renders the kiosk page from the WhatsNext answer, like the
// command's pageHandler (which lives in package main).
func trPageHandler(svc Service, loc *time.Location) http.Handler {
	view := func(m *Meeting) *web.MeetingView {
		if m == nil {
			return nil
		}
		start, _ := time.Parse(time.RFC3339, m.StartLocal)
		end, _ := time.Parse(time.RFC3339, m.EndLocal)
		return &web.MeetingView{ID: m.MeetingID, Subject: m.Subject, Location: m.Location, Calendar: m.Calendar,
			Color: m.Color, Start: start, End: end, AllDay: m.AllDay}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wn, err := svc.WhatsNext(r.Context(), WhatsNextRequest{})
		if err != nil {
			http.Error(w, "calendar unavailable", http.StatusInternalServerError)
			return
		}
		now, _ := time.Parse(time.RFC3339, wn.NowISO)
		d := web.PageData{Current: view(wn.Current), Next: view(wn.Meeting), Now: now, TZ: loc,
			Loaded: wn.Data.Initialized, Stale: wn.Data.Stale}
		for i := range wn.Later {
			d.Later = append(d.Later, *view(&wn.Later[i]))
		}
		for _, f := range wn.Data.Feeds {
			d.Feeds = append(d.Feeds, web.FeedView{Name: f.Name, Stale: f.Stale, Error: f.Error})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := web.Render(w, d); err != nil {
			http.Error(w, "render failed", http.StatusInternalServerError)
		}
	})
}

type trResp struct {
	code   int
	header http.Header
	body   []byte
}

func (r trResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%v): %s", err, r.body)
	}
	return m
}

// do sends one request over the loopback server.
func (s *trStack) do(t *testing.T, method, path string, body string, hdr ...string) trResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		t.Fatal(err)
	}
	return trResp{resp.StatusCode, resp.Header, b}
}

// remote hands one request to the handler as if it came from another host.
func (s *trStack) remote(t *testing.T, method, path, body string, hdr ...string) trResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = trRemote
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return trResp{rec.Code, rec.Result().Header, rec.Body.Bytes()}
}

func trNext(t *testing.T, m map[string]any) (id, subject, start string) {
	t.Helper()
	mt, ok := m["meeting"].(map[string]any)
	if !ok {
		return "", "", ""
	}
	return mt["meeting_id"].(string), mt["subject"].(string), mt["start_iso"].(string)
}

func trCounter(t *testing.T, name string) float64 {
	t.Helper()
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return 0
}

func TestTransportSecurityHeadersOnEveryRoute(t *testing.T) {
	s := trNewStack(t, trOpts{withMetrics: true})
	id := "xss-img@t"
	cases := []struct {
		method, path, body string
		code               int
	}{
		{"GET", "/", "", 200},
		{"GET", "/?variant=eink", "", 200},
		{"GET", "/api/whats-next", "", 200},
		{"GET", "/api/events", "", 200},
		{"GET", "/api/health", "", 200},
		{"GET", "/api/done-for-day", "", 200},
		{"GET", "/api/morning-summary", "", 200},
		{"GET", "/api/alexa/next-meeting", "", 200}, // loopback, no alexa token configured
		{"GET", "/metrics", "", 200},
		{"GET", "/static/kiosk.css", "", 200},
		{"POST", "/api/skip", `{"meeting_id":"` + id + `"}`, 200},
		{"DELETE", "/api/skip", "", 200},
		{"GET", "/api/events?from=nonsense", "", 400},
		{"GET", "/no-such-page", "", 404},
		{"PUT", "/api/skip", "", 405},
		{"GET", "/api/whats-next?q=" + strings.Repeat("a", 3<<10), "", 414},
	}
	for _, c := range cases {
		r := s.do(t, c.method, c.path, c.body)
		name := c.method + " " + c.path
		if len(name) > 60 {
			name = name[:60] + "…"
		}
		if r.code != c.code {
			t.Errorf("%s: status %d, want %d: %s", name, r.code, c.code, r.body)
		}
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", name, csp)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") && h.Get("X-Frame-Options") == "" {
			t.Errorf("%s: no framing protection", name)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, got)
		}
		if got := h.Get("Referrer-Policy"); got == "" {
			t.Errorf("%s: no Referrer-Policy", name)
		}
	}
	// A remote caller that is refused still gets the headers.
	r := s.remote(t, "POST", "/api/skip", `{"meeting_id":"`+id+`"}`)
	if r.code != http.StatusForbidden || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		r.header.Get("Content-Security-Policy") == "" {
		t.Errorf("remote skip: %d %v", r.code, r.header)
	}
}

func TestTransportHostileTitles(t *testing.T) {
	s := trNewStack(t, trOpts{})
	// JSON carries them verbatim as JSON strings.
	wn := s.do(t, "GET", "/api/whats-next", "")
	if wn.code != 200 {
		t.Fatalf("whats-next: %d %s", wn.code, wn.body)
	}
	_, subject, _ := trNext(t, wn.json(t))
	if subject != trXSSImg {
		t.Errorf("next subject %q, want %q", subject, trXSSImg)
	}
	if !strings.HasPrefix(wn.header.Get("Content-Type"), "application/json") {
		t.Errorf("whats-next Content-Type %q", wn.header.Get("Content-Type"))
	}
	later := wn.json(t)["later"].([]any)
	if len(later) == 0 || later[0].(map[string]any)["subject"] != trXSSScript {
		t.Errorf("later[0] is not the script title: %v", later)
	}
	ev := s.do(t, "GET", "/api/events?from=2026-01-15&to=2026-01-16", "")
	if ev.code != 200 {
		t.Fatalf("events: %d %s", ev.code, ev.body)
	}
	var evs EventsResponse
	if err := json.Unmarshal(ev.body, &evs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs.Events {
		seen[e.Subject] = true
	}
	if !seen[trXSSImg] || !seen[trXSSScript] {
		t.Errorf("events lack the hostile titles: %v", seen)
	}
	// The page escapes them: neither the tag nor the script survives, in
	// the markup or in the embedded JSON.
	page := s.do(t, "GET", "/", "")
	if page.code != 200 {
		t.Fatalf("page: %d %s", page.code, page.body)
	}
	body := string(page.body)
	for _, raw := range []string{"<img src=x", "<script>alert", "onerror=alert(1)>"} {
		if strings.Contains(body, raw) {
			i := strings.Index(body, raw)
			t.Errorf("page contains %q unescaped: …%s…", raw, body[max(0, i-80):min(len(body), i+80)])
		}
	}
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("page does not show the escaped title")
	}
	// Only the page's own external script.
	if n := strings.Count(body, "<script"); n != 2 { // kiosk.js + the JSON data island
		t.Errorf("%d <script elements in the page, want 2", n)
	}
}

func TestTransportAdmin(t *testing.T) {
	const id = "xss-img@t"
	skip := `{"meeting_id":"` + id + `"}`
	t.Run("loopback needs no token", func(t *testing.T) {
		s := trNewStack(t, trOpts{admin: "tok"})
		if r := s.do(t, "POST", "/api/skip", skip); r.code != 200 {
			t.Errorf("POST from 127.0.0.1: %d %s", r.code, r.body)
		}
		if r := s.do(t, "DELETE", "/api/skip", ""); r.code != 200 {
			t.Errorf("DELETE from 127.0.0.1: %d %s", r.code, r.body)
		}
	})
	t.Run("remote with token configured", func(t *testing.T) {
		s := trNewStack(t, trOpts{admin: "tok"})
		for _, c := range []struct {
			name string
			hdr  []string
			code int
		}{
			{"no token", nil, 401},
			{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
			{"prefix of token", []string{"Authorization", "Bearer to"}, 401},
			{"token plus suffix", []string{"Authorization", "Bearer tokk"}, 401},
			{"basic auth", []string{"Authorization", "Basic dG9rOnRvaw=="}, 401},
			{"forwarded for loopback", []string{"X-Forwarded-For", "127.0.0.1", "X-Real-IP", "127.0.0.1"}, 401},
			{"right token", []string{"Authorization", "Bearer tok"}, 200},
		} {
			for _, method := range []string{"POST", "DELETE"} {
				body := ""
				if method == "POST" {
					body = skip
				}
				r := s.remote(t, method, "/api/skip", body, c.hdr...)
				if r.code != c.code {
					t.Errorf("%s %s: %d, want %d: %s", c.name, method, r.code, c.code, r.body)
				}
				if c.code == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: 401 without WWW-Authenticate", c.name, method)
				}
			}
		}
		// The refused calls changed nothing: only the authorised skip
		// (then cleared by the authorised DELETE) ran.
		if s.store.Skipped(trNow) != nil {
			t.Errorf("skips left after the authorised DELETE")
		}
	})
	t.Run("remote without admin token configured", func(t *testing.T) {
		s := trNewStack(t, trOpts{admin: ""})
		for _, hdr := range [][]string{nil, {"Authorization", "Bearer "}, {"Authorization", "Bearer tok"}} {
			if r := s.remote(t, "POST", "/api/skip", skip, hdr...); r.code != 403 {
				t.Errorf("POST %v: %d, want 403: %s", hdr, r.code, r.body)
			}
			if r := s.remote(t, "DELETE", "/api/skip", "", hdr...); r.code != 403 {
				t.Errorf("DELETE %v: %d, want 403: %s", hdr, r.code, r.body)
			}
		}
		if s.store.Skipped(trNow) != nil {
			t.Error("a refused skip was applied")
		}
		// Reading stays open to everyone.
		if r := s.remote(t, "GET", "/api/whats-next", ""); r.code != 200 {
			t.Errorf("remote GET whats-next: %d", r.code)
		}
	})
}

func TestTransportAlexaToken(t *testing.T) {
	const path = "/api/alexa/next-meeting"
	s := trNewStack(t, trOpts{admin: "tok", alexa: "atok"})
	for _, c := range []struct {
		name string
		hdr  []string
		code int
	}{
		{"no token", nil, 401},
		{"wrong token", []string{"Authorization", "Bearer nope"}, 401},
		{"admin token is not the alexa token", []string{"Authorization", "Bearer tok"}, 401},
		{"prefix", []string{"Authorization", "Bearer ato"}, 401},
		{"right token", []string{"Authorization", "Bearer atok"}, 200},
	} {
		r := s.remote(t, "GET", path, "", c.hdr...)
		if r.code != c.code {
			t.Errorf("remote, %s: %d, want %d: %s", c.name, r.code, c.code, r.body)
		}
		if c.code == 401 && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("remote, %s: 401 without WWW-Authenticate", c.name)
		}
		if c.code == 200 {
			if m := r.json(t); m == nil {
				t.Errorf("remote, %s: empty answer", c.name)
			}
		}
	}
	// With the right token over the loopback server too.
	if r := s.do(t, "GET", path, "", "Authorization", "Bearer atok"); r.code != 200 {
		t.Errorf("loopback with token: %d %s", r.code, r.body)
	}
	// An unknown intent is 404, not an unauthenticated 200.
	if r := s.remote(t, "GET", "/api/alexa/open-the-pod-bay-doors", "", "Authorization", "Bearer atok"); r.code != 404 {
		t.Errorf("unknown intent: %d", r.code)
	}
	if r := s.remote(t, "GET", "/api/alexa/open-the-pod-bay-doors", ""); r.code != 401 {
		t.Errorf("unknown intent without token: %d, want 401 before anything else", r.code)
	}
	// No token configured: never open to other hosts, whatever they send.
	open := trNewStack(t, trOpts{alexa: ""})
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer "}, {"Authorization", "Bearer atok"}} {
		if r := open.remote(t, "GET", path, "", hdr...); r.code == 200 {
			t.Errorf("remote alexa without a configured token, %v: 200", hdr)
		}
	}
}

func TestTransportSkip(t *testing.T) {
	s := trNewStack(t, trOpts{admin: "tok"})
	next := func() (string, string) {
		t.Helper()
		r := s.do(t, "GET", "/api/whats-next", "")
		if r.code != 200 {
			t.Fatalf("whats-next: %d %s", r.code, r.body)
		}
		id, subj, _ := trNext(t, r.json(t))
		return id, subj
	}
	if id, _ := next(); id != "xss-img@t" {
		t.Fatalf("next is %q before skipping", id)
	}
	r := s.do(t, "POST", "/api/skip", `{"meeting_id":"xss-img@t"}`)
	if r.code != 200 {
		t.Fatalf("skip: %d %s", r.code, r.body)
	}
	m := r.json(t)
	if m["skipped"] != "xss-img@t" || m["skipped_until"] != "2026-01-16T09:00:00Z" {
		t.Errorf("skip answer %v", m)
	}
	if id, _ := next(); id != "xss-script@t" {
		t.Errorf("after skip, next is %q, want xss-script@t", id)
	}
	// Skip an instance of the series too.
	if r := s.do(t, "POST", "/api/skip", `{"meeting_id":"weekly@t_20260115T130000"}`); r.code != 200 {
		t.Fatalf("skip instance: %d %s", r.code, r.body)
	}
	// A new snapshot of the same feed keeps both skipped: IDs are stable.
	v := s.store.Load().Snap.Version
	s.publish(t, trFeed)
	if s.store.Load().Snap.Version == v {
		t.Fatal("republish did not make a new version")
	}
	wn := s.do(t, "GET", "/api/whats-next", "").json(t)
	if id, _, _ := trNext(t, wn); id != "xss-script@t" {
		t.Errorf("after republish, next is %q, want xss-script@t", id)
	}
	for _, l := range wn["later"].([]any) {
		if id := l.(map[string]any)["meeting_id"]; id == "weekly@t_20260115T130000" || id == "xss-img@t" {
			t.Errorf("skipped %v is back after republish", id)
		}
	}
	// DELETE clears.
	r = s.do(t, "DELETE", "/api/skip", "")
	if r.code != 200 {
		t.Fatalf("clear: %d %s", r.code, r.body)
	}
	if c := r.json(t); c["cleared"] != true || c["count"] != float64(2) {
		t.Errorf("clear answer %v, want cleared 2", c)
	}
	if id, _ := next(); id != "xss-img@t" {
		t.Errorf("after clear, next is %q", id)
	}
	// Errors.
	for _, c := range []struct {
		name, body string
		code       int
	}{
		{"unknown id", `{"meeting_id":"nobody@t"}`, 404},
		{"empty id", `{"meeting_id":""}`, 400},
		{"malformed JSON", `{"meeting_id":`, 400},
		{"not JSON", `meeting_id=xss-img@t`, 400},
		{"empty body", ``, 400},
		{"10 KB body", `{"meeting_id":"` + strings.Repeat("x", 10<<10) + `"}`, 413},
	} {
		r := s.do(t, "POST", "/api/skip", c.body, "Content-Type", "application/json")
		if r.code != c.code {
			t.Errorf("%s: %d, want %d: %.200s", c.name, r.code, c.code, r.body)
			continue
		}
		if msg, _ := r.json(t)["error"].(string); msg == "" {
			t.Errorf("%s: no error message: %s", c.name, r.body)
		}
	}
	if s.store.Skipped(trNow) != nil {
		t.Error("a failed skip request left a skip behind")
	}
	if r := s.do(t, "GET", "/api/whats-next?pad="+strings.Repeat("q", 3<<10), ""); r.code != 414 {
		t.Errorf("3 KB query: %d, want 414", r.code)
	}
	if r := s.do(t, "POST", "/api/skip?pad="+strings.Repeat("q", 3<<10), `{"meeting_id":"xss-img@t"}`); r.code != 414 {
		t.Errorf("3 KB query on skip: %d, want 414", r.code)
	}
}

func TestTransportMethodNotAllowed(t *testing.T) {
	s := trNewStack(t, trOpts{})
	for _, c := range []struct{ method, path string }{
		{"PUT", "/api/skip"},
		{"PATCH", "/api/skip"},
		{"GET", "/api/skip"},
		{"POST", "/api/whats-next"},
		{"DELETE", "/api/events"},
		{"POST", "/api/health"},
	} {
		r := s.do(t, c.method, c.path, "")
		if r.code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", c.method, c.path, r.code)
		}
		if r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.path)
		}
	}
}

func TestTransportCache(t *testing.T) {
	s := trNewStack(t, trOpts{})
	hits := `calendarbot_cache_requests_total{result="hit"}`
	before := trCounter(t, hits)
	a := s.do(t, "GET", "/api/whats-next", "")
	b := s.do(t, "GET", "/api/whats-next", "")
	if a.code != 200 || b.code != 200 {
		t.Fatalf("codes %d %d", a.code, b.code)
	}
	if got := trCounter(t, hits); got <= before {
		t.Errorf("second identical request in the same second was not a cache hit (hits %v -> %v)", before, got)
	}
	if s.cache.Len() == 0 {
		t.Error("cache is empty")
	}
	if !bytes.Equal(a.body, b.body) {
		t.Errorf("hit differs from miss:\n%s\n%s", a.body, b.body)
	}
	etag := a.header.Get("ETag")
	if etag == "" || etag != b.header.Get("ETag") {
		t.Errorf("ETags %q and %q", etag, b.header.Get("ETag"))
	}
	// Conditional request.
	c := s.do(t, "GET", "/api/whats-next", "", "If-None-Match", etag)
	if c.code != http.StatusNotModified || len(c.body) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes", c.code, len(c.body))
	}
	if c := s.do(t, "GET", "/api/whats-next", "", "If-None-Match", `"0000000000000000"`); c.code != 200 {
		t.Errorf("non-matching If-None-Match: %d", c.code)
	}
	// Parameter order does not matter, parameters do.
	p1 := s.do(t, "GET", "/api/events?from=2026-01-15&to=2026-01-16", "")
	p2 := s.do(t, "GET", "/api/events?to=2026-01-16&from=2026-01-15", "")
	p3 := s.do(t, "GET", "/api/events?from=2026-01-15&to=2026-01-17", "")
	if !bytes.Equal(p1.body, p2.body) || bytes.Equal(p1.body, p3.body) {
		t.Errorf("events cache keyed wrongly:\n%s\n%s\n%s", p1.body, p2.body, p3.body)
	}
	z1 := s.do(t, "GET", "/api/whats-next?tz=America/New_York", "").json(t)
	if z1["tz"] != "America/New_York" {
		t.Errorf("tz answer served from another key: %v", z1["tz"])
	}
	// A new snapshot (same second, frozen clock) is answered fresh.
	s.publish(t, trICS(trEvent("new@t", "Brand new", "20260115T093000Z", "20260115T094500Z")))
	d := s.do(t, "GET", "/api/whats-next", "")
	if _, subj, _ := trNext(t, d.json(t)); subj != "Brand new" {
		t.Errorf("after a new snapshot the answer is stale: next %q", subj)
	}
	if d.header.Get("ETag") == etag {
		t.Error("new snapshot, same ETag")
	}
	if c := s.do(t, "GET", "/api/whats-next", "", "If-None-Match", etag); c.code != 200 {
		t.Errorf("old ETag after a new snapshot: %d, want 200", c.code)
	}
	// The page too.
	if pg := s.do(t, "GET", "/", ""); !strings.Contains(string(pg.body), "Brand new") {
		t.Error("page is stale after a new snapshot")
	}
	// A skip changes the answer at once, even within the second.
	s.publish(t, trFeed)
	before2 := s.do(t, "GET", "/api/whats-next", "")
	s.do(t, "POST", "/api/skip", `{"meeting_id":"xss-img@t"}`)
	after := s.do(t, "GET", "/api/whats-next", "")
	if _, subj, _ := trNext(t, after.json(t)); subj != trXSSScript || bytes.Equal(before2.body, after.body) {
		t.Errorf("cached answer survived a skip: next %q", subj)
	}
	// The clock moving on changes the answer (seconds_until_start).
	s.clock.Add(time.Second)
	moved := s.do(t, "GET", "/api/whats-next", "")
	if bytes.Equal(after.body, moved.body) {
		t.Error("answer did not change with the clock")
	}
}

func TestTransportCacheConcurrent(t *testing.T) {
	s := trNewStack(t, trOpts{})
	const n = 50
	bodies := make([][]byte, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	client := s.srv.Client()
	for i := range n {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.srv.URL+"/api/whats-next?tz=Europe/Berlin&x=1", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			bodies[i], _ = io.ReadAll(resp.Body)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("response %d: %d, differs from the first:\n%s\n%s", i, codes[i], bodies[i], bodies[0])
		}
	}
	if len(bodies[0]) == 0 {
		t.Fatal("empty bodies")
	}
}

func TestTransportWithoutCache(t *testing.T) {
	for _, mode := range []trCacheMode{trCacheNil, trCacheOff} {
		t.Run(fmt.Sprint(map[trCacheMode]string{trCacheNil: "nil", trCacheOff: "disabled"}[mode]), func(t *testing.T) {
			s := trNewStack(t, trOpts{cache: mode})
			a := s.do(t, "GET", "/api/whats-next", "")
			b := s.do(t, "GET", "/api/whats-next", "")
			if a.code != 200 || !bytes.Equal(a.body, b.body) {
				t.Fatalf("%d, bodies differ", a.code)
			}
			if _, subj, start := trNext(t, a.json(t)); subj != trXSSImg || start != "2026-01-15T10:00:00Z" {
				t.Errorf("next %q at %s", subj, start)
			}
			s.publish(t, trICS(trEvent("new@t", "Brand new", "20260115T093000Z", "20260115T094500Z")))
			if _, subj, _ := trNext(t, s.do(t, "GET", "/api/whats-next", "").json(t)); subj != "Brand new" {
				t.Errorf("after a new snapshot: %q", subj)
			}
			if pg := s.do(t, "GET", "/", ""); pg.code != 200 || !strings.Contains(string(pg.body), "Brand new") {
				t.Errorf("page: %d", pg.code)
			}
			if mode == trCacheOff && s.cache.Len() != 0 {
				t.Errorf("disabled cache holds %d entries", s.cache.Len())
			}
			if r := s.do(t, "GET", "/api/events?from=x", ""); r.code != 400 {
				t.Errorf("bad events: %d", r.code)
			}
		})
	}
}

// Errors are not cached: a 400 followed by a good request with another
// query, and the same bad request again, are each answered correctly.
func TestTransportCacheDoesNotStoreErrors(t *testing.T) {
	s := trNewStack(t, trOpts{})
	for range 2 {
		if r := s.do(t, "GET", "/api/events?from=2026-01-16&to=2026-01-15", ""); r.code != 400 {
			t.Errorf("bad window: %d", r.code)
		}
	}
	if s.cache.Len() != 0 {
		t.Errorf("an error answer was cached (%d entries)", s.cache.Len())
	}
}

func TestTransportEventsParameters(t *testing.T) {
	s := trNewStack(t, trOpts{})
	ok := []struct{ query, from, to string }{
		{"", "2026-01-14T23:00:00Z", "2026-01-21T23:00:00Z"}, // today in Berlin, 7 days
		{"from=2026-01-15&to=2026-01-16", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00Z"},
		{"from=2026-01-15", "2026-01-14T23:00:00Z", "2026-01-21T23:00:00Z"},
		{"from=2026-01-15T00:00:00Z&to=2026-01-16T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z"},
		{"from=" + url.QueryEscape("2026-01-15T10:00:00+01:00") + "&to=2026-01-15T12:00:00Z", "2026-01-15T09:00:00Z", "2026-01-15T12:00:00Z"},
		{"from=2026-01-15&to=2026-03-18", "2026-01-14T23:00:00Z", "2026-03-17T23:00:00Z"}, // exactly 62 days
		{"from=2026-01-15&to=2026-01-16&tz=America/New_York", "2026-01-15T05:00:00Z", "2026-01-16T05:00:00Z"},
	}
	for _, c := range ok {
		r := s.do(t, "GET", "/api/events?"+c.query, "")
		if r.code != 200 {
			t.Errorf("%q: %d %s", c.query, r.code, r.body)
			continue
		}
		var e EventsResponse
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		if e.From != c.from || e.To != c.to {
			t.Errorf("%q: window [%s, %s), want [%s, %s)", c.query, e.From, e.To, c.from, c.to)
		}
	}
	// The day's events, in order, the one in progress included.
	var day EventsResponse
	_ = json.Unmarshal(s.do(t, "GET", "/api/events?from=2026-01-15&to=2026-01-16", "").body, &day)
	var subjects []string
	for _, e := range day.Events {
		subjects = append(subjects, e.Subject)
	}
	if want := []string{"Standup", trXSSImg, trXSSScript, "Weekly sync"}; fmt.Sprint(subjects) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", subjects, want)
	}
	bad := []struct{ query, want string }{
		{"from=tomorrow", "RFC 3339"},
		{"to=2026-13-01", "RFC 3339"},
		{"from=2026-01-15T25:00:00Z", "RFC 3339"},
		{"from=2026-01-16&to=2026-01-15", "before"},
		{"from=2026-01-15&to=2026-01-15", "before"},
		{"from=2026-01-15&to=2026-03-19", "62 days"},
		{"from=2026-01-01&to=2027-01-01", "62 days"},
		{"tz=Mars/Olympus_Mons", "time zone"},
		{"tz=" + url.QueryEscape("../../etc/passwd"), "time zone"},
		{"from=2026-01-15&tz=Nowhere", "time zone"},
	}
	for _, c := range bad {
		r := s.do(t, "GET", "/api/events?"+c.query, "")
		if r.code != 400 {
			t.Errorf("%q: %d, want 400: %s", c.query, r.code, r.body)
			continue
		}
		if msg, _ := r.json(t)["error"].(string); !strings.Contains(msg, c.want) {
			t.Errorf("%q: error %q does not mention %q", c.query, msg, c.want)
		}
	}
	// The other routes with a tz parameter.
	for _, p := range []string{"/api/whats-next", "/api/done-for-day", "/api/morning-summary"} {
		if r := s.do(t, "GET", p+"?tz=Not/AZone", ""); r.code != 400 {
			t.Errorf("%s bad tz: %d", p, r.code)
		}
		if r := s.do(t, "GET", p+"?tz=Asia/Tokyo", ""); r.code != 200 {
			t.Errorf("%s good tz: %d %s", p, r.code, r.body)
		}
	}
	wn := s.do(t, "GET", "/api/whats-next?tz=Asia/Tokyo", "").json(t)
	if wn["tz"] != "Asia/Tokyo" || wn["now_iso"] != "2026-01-15T18:00:00+09:00" {
		t.Errorf("tz=Asia/Tokyo: tz %v now %v", wn["tz"], wn["now_iso"])
	}
}

func TestTransportHealth(t *testing.T) {
	s := trNewStack(t, trOpts{noPublish: true})
	r := s.do(t, "GET", "/api/health", "")
	if r.code != 503 {
		t.Errorf("before the first publish: %d, want 503", r.code)
	}
	if m := r.json(t); m["status"] != "degraded" {
		t.Errorf("before the first publish: status %v", m["status"])
	}
	// The other routes answer (empty, not initialised) rather than fail.
	wn := s.do(t, "GET", "/api/whats-next", "")
	if wn.code != 200 {
		t.Errorf("whats-next before the first publish: %d", wn.code)
	} else if d := wn.json(t)["data"].(map[string]any); d["initialized"] != false {
		t.Errorf("data before the first publish: %v", d)
	}
	if pg := s.do(t, "GET", "/", ""); pg.code != 200 || !strings.Contains(string(pg.body), "not loaded yet") {
		t.Errorf("page before the first publish: %d", pg.code)
	}

	s.publish(t, trFeed)
	r = s.do(t, "GET", "/api/health", "")
	if r.code != 200 {
		t.Fatalf("after publish: %d %s", r.code, r.body)
	}
	m := r.json(t)
	if m["status"] != "ok" {
		t.Errorf("status %v", m["status"])
	}
	ds := m["data_status"].(map[string]any)
	if ds["initial_refresh_complete"] != true || ds["event_count"].(float64) < 4 || ds["stale"] != false {
		t.Errorf("data_status %v", ds)
	}
	s.clock.Add(15 * time.Minute)
	if r := s.do(t, "GET", "/api/health", ""); r.code != 200 {
		t.Errorf("data exactly 15 min old: %d", r.code)
	}
	s.clock.Add(time.Minute)
	r = s.do(t, "GET", "/api/health", "")
	if r.code != 503 {
		t.Errorf("data 16 min old: %d, want 503", r.code)
	}
	m = r.json(t)
	if m["status"] != "degraded" {
		t.Errorf("16 min: status %v", m["status"])
	}
	if age := m["data_status"].(map[string]any)["last_refresh_success_age_s"]; age != float64(16*60) {
		t.Errorf("16 min: age %v", age)
	}
	// A fresh publish makes it healthy again.
	s.publish(t, trFeed)
	if r := s.do(t, "GET", "/api/health", ""); r.code != 200 {
		t.Errorf("after a new publish: %d", r.code)
	}
}

// A feed that failed or sent something unusable keeps its last good
// calendar, marked stale, through the refresher's sink (what the feed
// manager calls each cycle).
func TestTransportRefresherKeepsLastGood(t *testing.T) {
	s := trNewStack(t, trOpts{noPublish: true})
	ctx := context.Background()
	cycle := func(st feed.State) map[string]any {
		t.Helper()
		s.ref.Sink(ctx, []feed.State{st})
		return s.do(t, "GET", "/api/whats-next", "").json(t)
	}
	ok := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	m := cycle(feed.State{Name: "Work", LastAttempt: ok, LastSuccess: ok, Changed: true, Body: trFeed})
	if _, subj, _ := trNext(t, m); subj != trXSSImg {
		t.Fatalf("first cycle: next %q", subj)
	}
	// A download error.
	m = cycle(feed.State{Name: "Work", LastAttempt: ok, LastSuccess: ok, Consecutive: 1, Stale: true,
		LastError: `feed "Work": GET http://127.0.0.1/…: 500 Internal Server Error`})
	if _, subj, _ := trNext(t, m); subj != trXSSImg {
		t.Errorf("after a failure: next %q", subj)
	}
	if d := m["data"].(map[string]any); d["stale"] != true {
		t.Errorf("after a failure: data %v", d)
	}
	// Garbage with a 200.
	m = cycle(feed.State{Name: "Work", LastAttempt: ok, LastSuccess: ok, Changed: true,
		Body: []byte("<!DOCTYPE html><html><body>Sign in</body></html>")})
	if _, subj, _ := trNext(t, m); subj != trXSSImg {
		t.Errorf("after garbage: next %q", subj)
	}
	d := m["data"].(map[string]any)
	f := d["feeds"].([]any)[0].(map[string]any)
	if d["stale"] != true || !strings.Contains(fmt.Sprint(f["error"]), "not an iCalendar feed") {
		t.Errorf("after garbage: data %v", d)
	}
	// Recovery.
	m = cycle(feed.State{Name: "Work", LastAttempt: ok, LastSuccess: ok, Changed: true,
		Body: trICS(trEvent("new@t", "Brand new", "20260115T093000Z", "20260115T094500Z"))})
	if _, subj, _ := trNext(t, m); subj != "Brand new" {
		t.Errorf("after recovery: next %q", subj)
	}
	if d := m["data"].(map[string]any); d["stale"] != false {
		t.Errorf("after recovery: data %v", d)
	}
}

// A body cut off mid-download but delivered with a clean 200 (a proxy or
// CDN truncating, a server crashing mid-stream with chunked encoding ended)
// has no END:VCALENDAR. It is not the calendar: the last good data must stay
// and the feed must say stale.
func TestTransportRefresherTruncatedFeedKeepsLastGood(t *testing.T) {
	s := trNewStack(t, trOpts{noPublish: true})
	ok := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s.ref.Sink(context.Background(), []feed.State{{Name: "Work", LastAttempt: ok, LastSuccess: ok, Changed: true, Body: trFeed}})
	full := string(trFeed)
	cut := full[:strings.Index(full, "SUMMARY:"+trXSSImg)+len("SUMM")]
	s.ref.Sink(context.Background(), []feed.State{{Name: "Work", LastAttempt: ok, LastSuccess: ok, Changed: true, Body: []byte(cut)}})
	m := s.do(t, "GET", "/api/whats-next", "").json(t)
	if id, subj, _ := trNext(t, m); id != "xss-img@t" || subj != trXSSImg {
		t.Errorf("after a truncated body: next %q %q, want the last good %q", id, subj, trXSSImg)
	}
	if d := m["data"].(map[string]any); d["stale"] != true {
		t.Errorf("after a truncated body: not stale: %v", d)
	}
}

func TestTransportRefreshRoute(t *testing.T) {
	var calls, fail atomic.Int32
	refresh := func(context.Context) error {
		calls.Add(1)
		if fail.Load() != 0 {
			return errors.New("refresh failed")
		}
		return nil
	}
	s := trNewStack(t, trOpts{admin: "tok", refresh: refresh})
	r := s.do(t, "POST", "/api/refresh", "")
	if r.code != 200 {
		t.Fatalf("loopback refresh: %d %s", r.code, r.body)
	}
	if m := r.json(t); m["refreshed"] != true || m["snapshot_version"] != float64(s.store.Load().Snap.Version) {
		t.Errorf("refresh answer %v", m)
	}
	if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("refresh without security headers: %v", r.header)
	}
	for _, c := range []struct {
		hdr  []string
		code int
	}{
		{nil, 401},
		{[]string{"Authorization", "Bearer nope"}, 401},
		{[]string{"Authorization", "Bearer tok"}, 200},
	} {
		if r := s.remote(t, "POST", "/api/refresh", "", c.hdr...); r.code != c.code {
			t.Errorf("remote refresh %v: %d, want %d", c.hdr, r.code, c.code)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d refreshes ran, want 2 (the refused one must not run)", n)
	}
	if r := s.do(t, "GET", "/api/refresh", ""); r.code != 405 {
		t.Errorf("GET /api/refresh: %d, want 405", r.code)
	}
	fail.Store(1)
	if r := s.do(t, "POST", "/api/refresh", ""); r.code != 503 {
		t.Errorf("failing refresh: %d, want 503", r.code)
	}
	open := trNewStack(t, trOpts{refresh: refresh})
	if r := open.remote(t, "POST", "/api/refresh", "", "Authorization", "Bearer tok"); r.code != 403 {
		t.Errorf("remote refresh without admin token configured: %d, want 403", r.code)
	}
	// Without a refresher (no feeds) the route does not exist.
	none := trNewStack(t, trOpts{})
	if r := none.do(t, "POST", "/api/refresh", ""); r.code != 404 && r.code != 405 {
		t.Errorf("refresh without a refresher: %d", r.code)
	}
}

// The exact-path fast path must answer every request as the mux alone
// would: same handler, same status, redirects and 404/405 included.
func TestDispatchMatchesMux(t *testing.T) {
	patterns := []string{"GET /api/health", "GET /{$}", "GET /static/", "GET /api/alexa/{intent}", "POST /api/skip",
		"DELETE /api/skip", "GET /api/setup", "GET /api/setup/{$}", "GET /display.png"}
	mux := http.NewServeMux()
	exact := map[string]http.Handler{}
	for _, p := range patterns {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s|%s", p, r.PathValue("intent"))
		})
		mux.Handle(p, h)
		if path, ok := exactGET(p); ok {
			exact[path] = h
		}
	}
	if len(exact) != 4 {
		t.Fatalf("exact paths: %v", exact)
	}
	d := dispatch(exact, mux)
	for _, c := range []struct{ method, target string }{
		{"GET", "/api/health"}, {"HEAD", "/api/health"}, {"POST", "/api/health"}, {"GET", "/api/health/"},
		{"GET", "//api/health"}, {"GET", "/api/./health"}, {"GET", "/api/%68ealth"}, {"GET", "/"}, {"GET", "/x"},
		{"GET", "/static/a.css"}, {"GET", "/api/alexa/next"}, {"GET", "/api/setup"}, {"GET", "/api/setup/"},
		{"POST", "/api/skip"}, {"GET", "/api/skip"}, {"GET", "/display.png"}, {"GET", "/display.png?w=1"},
	} {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		mux.ServeHTTP(want, httptest.NewRequest(c.method, c.target, nil))
		d.ServeHTTP(got, httptest.NewRequest(c.method, c.target, nil))
		if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
			t.Errorf("%s %s: dispatch %d %q, mux %d %q", c.method, c.target, got.Code, got.Body, want.Code, want.Body)
		}
	}
}

// Cached answers are keyed by the second (and the PNG by the minute), so
// an entry is dead once its second has passed. A server polled for days
// must not fill its cache budget with them: that memory would count
// against the RSS budget for nothing.
func TestCacheDropsPastSeconds(t *testing.T) {
	s := trNewStack(t, trOpts{cache: trCacheOn})
	one := 0
	for i := range 300 {
		for _, p := range []string{"/api/whats-next", "/api/whats-next?tz=UTC", "/"} {
			if r := s.do(t, "GET", p, ""); r.code != 200 {
				t.Fatalf("GET %s: %d", p, r.code)
			}
		}
		if i == 0 {
			one = int(s.cache.Bytes())
		}
		s.clock.Add(time.Second)
	}
	// The entries of the last two seconds may still be there.
	if got := s.cache.Bytes(); got > int64(3*one) {
		t.Errorf("after 300 seconds of polling the cache holds %d KB (%d entries); one second's answers are %d KB",
			got>>10, s.cache.Len(), one>>10)
	}
	// Within one second (or under a frozen clock) an entry is served again.
	s.do(t, "GET", "/api/whats-next", "")
	before := s.cache.Bytes()
	for range 3 {
		if r := s.do(t, "GET", "/api/whats-next", ""); r.code != 200 || r.header.Get("Etag") == "" {
			t.Fatalf("GET: %d", r.code)
		}
	}
	if s.cache.Bytes() != before {
		t.Errorf("repeated requests in one second changed the cache: %d -> %d bytes", before, s.cache.Bytes())
	}
}
