package main

// End-to-end tests of runServe: the real server (config, feed manager,
// refresher, cache, go-kit service, HTTP) on 127.0.0.1:0, fed by a test feed
// server on 127.0.0.1 whose behaviour changes from one refresh cycle to the
// next.
//
// Timing. A failing feed backs off for at least 54s and a refresh skips it
// until then, so each failure mode gets its own server instance, all in
// this process: cycle 1 (at start) serves good data, cycle 2 (triggered by
// POST /api/refresh from loopback) fails in that instance's way. The
// instance that recovers fails with a parse error (a 200 with an HTML
// page), which does not back off, so it recovers at the next refresh.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/calendar"
	"github.com/calendarbot/calendarbot/server/service"
)

const (
	svSecret = "SECRET"
	svNow    = "2026-01-15T09:00:00Z" // 10:00 in Berlin

	svPlanning      = "Quarterly planning"
	svPlanningStart = "2026-01-15T11:00:00Z"
	svReview        = "Design review"
	svReviewStart   = "2026-01-15T10:00:00Z"
)

// svICS is the feed: a stand-up that is over, the planning meeting next;
// withReview adds a design review before it. stamp is the DTSTAMP, which
// Outlook and Google rewrite on every download.
func svICS(stamp string, withReview bool) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calendarbot//serve test//EN\r\n")
	ev := func(uid, summary, start, end string) {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nLOCATION:Room 4\r\nEND:VEVENT\r\n",
			uid, stamp, start, end, summary)
	}
	ev("standup@serve", "Standup", "20260115T083000Z", "20260115T084500Z")
	if withReview {
		ev("review@serve", svReview, "20260115T100000Z", "20260115T103000Z")
	}
	ev("planning@serve", svPlanning, "20260115T110000Z", "20260115T120000Z")
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// svClearEnv unsets every CALENDARBOT_* variable (empty counts as unset) so
// the developer's environment cannot change the server under test.
func svClearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "CALENDARBOT_") {
			t.Setenv(k, "")
		}
	}
}

// svBuffer is a goroutine-safe writer for the server's stdout and stderr.
type svBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *svBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *svBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// svServer is one runServe running in a goroutine.
type svServer struct {
	name           string
	base           string
	stdout, stderr *svBuffer
	cancel         context.CancelFunc
	done           chan int
	client         *http.Client
}

func svStart(t *testing.T, name string, args ...string) *svServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &svServer{name: name, stdout: &svBuffer{}, stderr: &svBuffer{}, cancel: cancel, done: make(chan int, 1),
		client: &http.Client{Timeout: 10 * time.Second}}
	addr := make(chan string, 1)
	go func() {
		s.done <- runServe(ctx, args, s.stdout, s.stderr, func(a string) { addr <- a })
	}()
	select {
	case a := <-addr:
		if !strings.HasPrefix(a, "127.0.0.1:") {
			cancel()
			t.Fatalf("%s: server bound to %s, want 127.0.0.1", name, a)
		}
		s.base = "http://" + a
	case code := <-s.done:
		cancel()
		t.Fatalf("%s: runServe exited %d before listening: %s", name, code, s.stderr.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("%s: not listening after 10s", name)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
		s.client.CloseIdleConnections()
	})
	return s
}

// stop cancels the server's context and returns its exit code and how long
// it took to return.
func (s *svServer) stop(t *testing.T) (int, time.Duration) {
	t.Helper()
	s.client.CloseIdleConnections()
	start := time.Now()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code, time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: runServe did not return within 10s of cancel", s.name)
		return -1, 0
	}
}

func (s *svServer) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := s.client.Get(s.base + path)
	if err != nil {
		t.Fatalf("%s: GET %s: %v", s.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatalf("%s: GET %s: %v", s.name, path, err)
	}
	return resp.StatusCode, b
}

// refresh runs one refresh cycle through POST /api/refresh (loopback needs
// no admin token) and waits for its answer.
func (s *svServer) refresh(t *testing.T) {
	t.Helper()
	resp, err := s.client.Post(s.base+"/api/refresh", "application/json", nil)
	if err != nil {
		t.Fatalf("%s: POST /api/refresh: %v", s.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != 200 {
		t.Fatalf("%s: POST /api/refresh: %d %s", s.name, resp.StatusCode, b)
	}
	if bytes.Contains(b, []byte(svSecret)) {
		t.Errorf("%s: POST /api/refresh leaks the secret: %s", s.name, b)
	}
}

// view is what one look at a server shows; every body is checked for the
// feed's secret.
type svView struct {
	wn      service.WhatsNextResponse
	health  service.HealthResponse
	hcode   int
	page    string
	metrics string
}

func (s *svServer) look(t *testing.T) svView {
	t.Helper()
	var v svView
	for _, p := range []string{"/api/whats-next", "/api/health", "/", "/metrics", "/api/events", "/api/done-for-day", "/api/morning-summary"} {
		code, body := s.get(t, p)
		if bytes.Contains(body, []byte(svSecret)) {
			i := bytes.Index(body, []byte(svSecret))
			t.Errorf("%s: GET %s leaks the feed's secret: …%s…", s.name, p, body[max(0, i-120):min(len(body), i+40)])
		}
		switch p {
		case "/api/whats-next":
			if code != 200 {
				t.Fatalf("%s: whats-next %d: %s", s.name, code, body)
			}
			if err := json.Unmarshal(body, &v.wn); err != nil {
				t.Fatalf("%s: whats-next: %v", s.name, err)
			}
		case "/api/health":
			v.hcode = code
			if err := json.Unmarshal(body, &v.health); err != nil {
				t.Fatalf("%s: health: %v: %s", s.name, err, body)
			}
		case "/":
			if code != 200 {
				t.Fatalf("%s: page %d", s.name, code)
			}
			v.page = string(body)
		case "/metrics":
			v.metrics = string(body)
		default:
			if code != 200 {
				t.Errorf("%s: GET %s: %d %s", s.name, p, code, body)
			}
		}
	}
	return v
}

// next checks the meeting shown as next, in the API and on the page.
func (v svView) next(t *testing.T, name, subject, start string) {
	t.Helper()
	if v.wn.Meeting == nil {
		t.Errorf("%s: no next meeting, want %q", name, subject)
		return
	}
	if v.wn.Meeting.Subject != subject || v.wn.Meeting.StartISO != start {
		t.Errorf("%s: next %q at %s, want %q at %s", name, v.wn.Meeting.Subject, v.wn.Meeting.StartISO, subject, start)
	}
	if !strings.Contains(v.page, subject) {
		t.Errorf("%s: page does not show %q", name, subject)
	}
}

const svBanner = "could not be refreshed"

func (v svView) fresh(t *testing.T, name string) {
	t.Helper()
	if v.wn.Data.Stale || !v.wn.Data.Initialized {
		t.Errorf("%s: data %+v, want fresh", name, v.wn.Data)
	}
	for _, f := range v.wn.Data.Feeds {
		if f.Stale || f.Error != "" || !f.OK {
			t.Errorf("%s: feed %+v, want ok", name, f)
		}
	}
	if v.hcode != 200 || v.health.Status != "ok" {
		t.Errorf("%s: health %d %q", name, v.hcode, v.health.Status)
	}
	if strings.Contains(v.page, svBanner) {
		t.Errorf("%s: page shows the stale banner with fresh data", name)
	}
}

// stale checks that the feed is reported stale with an error naming the
// feed and containing want, and that the page says so.
func (v svView) stale(t *testing.T, name, want string) {
	t.Helper()
	if !v.wn.Data.Stale {
		t.Errorf("%s: data.stale false, want true: %+v", name, v.wn.Data)
	}
	if len(v.wn.Data.Feeds) != 1 {
		t.Fatalf("%s: feeds %+v", name, v.wn.Data.Feeds)
	}
	f := v.wn.Data.Feeds[0]
	t.Logf("%s: feed error: %s", name, f.Error)
	if !f.Stale || f.OK || f.Name != "Work" {
		t.Errorf("%s: feed %+v, want Work stale and not ok", name, f)
	}
	if !strings.Contains(strings.ToLower(f.Error), strings.ToLower(want)) {
		t.Errorf("%s: feed error %q does not contain %q", name, f.Error, want)
	}
	for _, leak := range []string{"token", "/feed/"} {
		if strings.Contains(f.Error, leak) {
			t.Errorf("%s: feed error %q shows the URL's path or query (%q)", name, f.Error, leak)
		}
	}
	if !v.health.DataStatus.Stale || len(v.health.Feeds) != 1 || !v.health.Feeds[0].Stale {
		t.Errorf("%s: health does not say stale: %+v", name, v.health)
	}
	if !strings.Contains(v.page, svBanner) || !strings.Contains(v.page, "showing saved data") {
		t.Errorf("%s: page lacks the stale banner", name)
	}
}

func svVersion(v svView) uint64 { return v.health.DataStatus.SnapshotVersion }

// svMetric reads an unlabelled sample from Prometheus text.
func svMetric(t *testing.T, text, name string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// svFeed is one feed on the test feed server; respond answers request n
// (1-based).
type svFeed struct {
	n       atomic.Int32
	respond func(n int, w http.ResponseWriter, r *http.Request)
	inm     atomic.Value // If-None-Match of the last request
}

func svServeICS(w http.ResponseWriter, body []byte, etag string) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func svWaitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestServeResilience(t *testing.T) {
	if testing.Short() {
		t.Skip("starts eight servers")
	}
	svClearEnv(t)
	login, err := os.ReadFile(filepath.Join("testdata", "serve", "login.html"))
	if err != nil {
		t.Fatal(err)
	}
	good := svICS("20260115T080000Z", false)

	// The 100 MB feed: how much it managed to send, and the heap while it
	// was sending.
	var hugeActive atomic.Bool
	var hugeSent atomic.Int64
	var heapPeak atomic.Uint64
	samplerDone := make(chan struct{})
	samplerStop := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-samplerStop:
				return
			case <-tick.C:
				if !hugeActive.Load() {
					continue
				}
				runtime.ReadMemStats(&ms)
				for {
					p := heapPeak.Load()
					if ms.HeapInuse <= p || heapPeak.CompareAndSwap(p, ms.HeapInuse) {
						break
					}
				}
			}
		}
	}()
	defer func() { close(samplerStop); <-samplerDone }()

	type mode struct {
		name    string
		fail    func(w http.ResponseWriter, r *http.Request) // cycle 2
		wantErr string
	}
	failures := []mode{
		{"http500", func(w http.ResponseWriter, r *http.Request) {
			// Error pages often echo the request, secret included.
			http.Error(w, "internal error while serving "+r.URL.String(), http.StatusInternalServerError)
		}, "500"},
		{"http429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "slow down "+r.URL.RawQuery, http.StatusTooManyRequests)
		}, "429"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			// Headers and the start of the body, then nothing: the whole
			// request, body included, must be bounded by --fetch-timeout.
			w.Header().Set("Content-Type", "text/calendar")
			_, _ = w.Write(good[:64])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(8 * time.Second):
			}
		}, "timed out"},
		{"truncated", func(w http.ResponseWriter, r *http.Request) {
			// Content-Length promises the whole calendar; the connection
			// dies halfway.
			w.Header().Set("Content-Type", "text/calendar")
			w.Header().Set("Content-Length", strconv.Itoa(len(good)))
			_, _ = w.Write(good[:len(good)/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "EOF"},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			// 100 MB, chunked (no Content-Length to refuse it by), that
			// starts like a calendar.
			hugeActive.Store(true)
			defer hugeActive.Store(false)
			w.Header().Set("Content-Type", "text/calendar")
			_, _ = w.Write(good[:len(good)-len("END:VCALENDAR\r\n")])
			chunk := bytes.Repeat([]byte("X-FILLER:"+strings.Repeat("x", 1014)+"\r\n"), 64) // 64 KiB
			for sent := 0; sent < 100<<20; sent += len(chunk) {
				n, err := w.Write(chunk)
				hugeSent.Add(int64(n))
				if err != nil {
					return
				}
			}
		}, "too large"},
	}

	feeds := map[string]*svFeed{}
	var feedsMu sync.Mutex
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feedsMu.Lock()
		f := feeds[strings.TrimPrefix(r.URL.Path, "/feed/")]
		feedsMu.Unlock()
		if f == nil || r.URL.Query().Get("token") != svSecret {
			http.Error(w, "no such feed", http.StatusNotFound)
			return
		}
		n := int(f.n.Add(1))
		f.inm.Store(r.Header.Get("If-None-Match"))
		f.respond(n, w, r)
	}))
	defer feedSrv.Close()
	if !strings.HasPrefix(feedSrv.URL, "http://127.0.0.1:") {
		t.Fatalf("feed server on %s", feedSrv.URL)
	}
	addFeed := func(name string, respond func(n int, w http.ResponseWriter, r *http.Request)) *svFeed {
		f := &svFeed{respond: respond}
		feedsMu.Lock()
		feeds[name] = f
		feedsMu.Unlock()
		return f
	}
	start := func(name string) *svServer {
		return svStart(t, name, "--listen", "127.0.0.1:0",
			"--feed", "Work="+feedSrv.URL+"/feed/"+name+"?token="+svSecret,
			"--tz", "Europe/Berlin", "--now", svNow, "--refresh", "30s", "--fetch-timeout", "1s",
			"--log-level", "debug") // the most log lines that could leak the secret
	}

	// One server per failure mode (a failing feed backs off for at least
	// 54s, and a refresh skips it until then), plus the two unchanged cases
	// (304, and a 200 whose content only differs in DTSTAMP) and the feed
	// that sends an HTML page and then recovers. Cycle 1 runs at start;
	// later cycles are triggered with POST /api/refresh, long before the
	// 30s timer would.
	t0 := time.Now()
	type inst struct {
		srv  *svServer
		feed *svFeed
		mode mode
	}
	var failing []inst
	for _, m := range failures {
		f := addFeed(m.name, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				svServeICS(w, good, "")
				return
			}
			m.fail(w, r)
		})
		failing = append(failing, inst{start(m.name), f, m})
	}
	notModified := addFeed("etag", func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		svServeICS(w, good, `"v1"`)
	})
	etagSrv := start("etag")
	sameFeed := addFeed("same", func(n int, w http.ResponseWriter, r *http.Request) {
		// Outlook: no validators, a new DTSTAMP on every download.
		svServeICS(w, svICS(fmt.Sprintf("20260115T0800%02dZ", n), false), "")
	})
	sameSrv := start("same")
	garbageFeed := addFeed("garbage", func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			svServeICS(w, good, "")
		case 2:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(login)
		default:
			svServeICS(w, svICS("20260115T080000Z", true), "")
		}
	})
	garbageSrv := start("garbage")
	all := []*svServer{etagSrv, sameSrv, garbageSrv}
	for _, i := range failing {
		all = append(all, i.srv)
	}

	// Scenario 1: every server has the good feed.
	for _, s := range all {
		svWaitFor(t, s.name+" first publish", 10*time.Second, func() bool {
			return svVersion(s.look(t)) >= 1
		})
		v := s.look(t)
		v.next(t, s.name, svPlanning, svPlanningStart)
		v.fresh(t, s.name)
	}

	// Scenario 4: 304 and unchanged content are not parsed again, and the
	// data stays fresh.
	parsesBefore := svMetric(t, etagSrv.look(t).metrics, "calendarbot_parse_duration_seconds_count")
	for _, s := range []*svServer{etagSrv, sameSrv} {
		s.refresh(t)
	}
	if inm, _ := notModified.inm.Load().(string); inm != `"v1"` || notModified.n.Load() != 2 || sameFeed.n.Load() != 2 {
		t.Errorf("etag: cycle 2 sent If-None-Match %q (%d, %d requests), want \"v1\"", inm, notModified.n.Load(), sameFeed.n.Load())
	}
	for _, s := range []*svServer{etagSrv, sameSrv} {
		v := s.look(t)
		if svVersion(v) < 2 {
			t.Errorf("%s: refresh published nothing", s.name)
		}
		v.next(t, s.name, svPlanning, svPlanningStart)
		v.fresh(t, s.name)
		if after := svMetric(t, v.metrics, "calendarbot_parse_duration_seconds_count"); after != parsesBefore {
			t.Errorf("%s: parse count %v -> %v: an unchanged feed was parsed again", s.name, parsesBefore, after)
		}
	}

	// Scenario 2: each failure keeps the last good data, stale, with the
	// feed's redacted error.
	for _, in := range failing {
		s := in.srv
		s.refresh(t)
		if n := in.feed.n.Load(); n != 2 {
			t.Errorf("%s: %d requests after refresh, want 2", s.name, n)
		}
		v := s.look(t)
		v.next(t, s.name, svPlanning, svPlanningStart)
		v.stale(t, s.name, in.mode.wantErr)
		if v.hcode != 200 {
			t.Errorf("%s: health %d: the data is still recent enough to serve", s.name, v.hcode)
		}
	}
	if p := heapPeak.Load(); p == 0 {
		t.Error("heap never sampled during the 100 MB download")
	} else {
		t.Logf("huge: peak HeapInuse %.1f MiB while %d MiB were sent", float64(p)/(1<<20), hugeSent.Load()>>20)
		if p > 64<<20 {
			t.Errorf("huge: HeapInuse reached %.1f MiB during the 100 MB download, want < 64 MiB", float64(p)/(1<<20))
		}
	}
	if sent := hugeSent.Load(); sent > 48<<20 {
		t.Errorf("huge: the server read %d MiB of a 100 MB feed, want it to stop after the 20 MiB limit", sent>>20)
	}

	// The HTML login page: a 200 that is not a calendar.
	garbageSrv.refresh(t)
	v := garbageSrv.look(t)
	v.next(t, "garbage", svPlanning, svPlanningStart)
	v.stale(t, "garbage", "not an iCalendar feed")

	// Scenario 3: it recovers with new content at the next refresh (no
	// backoff: the download itself succeeded).
	garbageSrv.refresh(t)
	if n := garbageFeed.n.Load(); n != 3 {
		t.Errorf("garbage: %d requests, want 3", n)
	}
	v = garbageSrv.look(t)
	v.next(t, "recovered", svReview, svReviewStart)
	v.fresh(t, "recovered")
	if len(v.wn.Later) == 0 || v.wn.Later[0].Subject != svPlanning {
		t.Errorf("recovered: later %+v, want the planning meeting", v.wn.Later)
	}

	// A person's refresh (POST /api/refresh) fetches failing feeds again
	// despite the backoff, except one whose server asked for a pause with
	// Retry-After; all stay stale with their last good data.
	for _, in := range failing {
		in.srv.refresh(t)
		want := int32(3)
		if in.mode.name == "http429" {
			want = 2
		}
		if n := in.feed.n.Load(); n != want {
			t.Errorf("%s: %d requests after a forced refresh, want %d", in.srv.name, n, want)
		}
		v := in.srv.look(t)
		v.next(t, in.srv.name+" (later)", svPlanning, svPlanningStart)
		v.stale(t, in.srv.name+" (later)", in.mode.wantErr)
	}
	// Scenario 5: graceful shutdown, and nothing secret in any log.
	for _, s := range all {
		code, took := s.stop(t)
		if code != exitOK || took > 5*time.Second {
			t.Errorf("%s: runServe returned %d after %s, want 0 within 5s", s.name, code, took)
		}
		if log := s.stderr.String(); strings.Contains(log, svSecret) {
			t.Errorf("%s: the log contains the feed's secret:\n%s", s.name, log)
		}
		if out := s.stdout.String(); !strings.Contains(out, "CalendarBot is serving on "+s.base+"/") {
			t.Errorf("%s: stdout %q", s.name, out)
		}
	}
	if !strings.Contains(garbageSrv.stderr.String(), "keeping last good data") {
		t.Errorf("garbage: no warning logged:\n%s", garbageSrv.stderr.String())
	}
	t.Logf("took %s", time.Since(t0).Round(time.Second))
}

func TestServeSample(t *testing.T) {
	svClearEnv(t)
	// As in TestDemoBerlinOnDSTDay: 10:50 in Berlin, the design review in
	// progress, the 1:1 next.
	s := svStart(t, "sample", "--sample", "--listen", "127.0.0.1:0", "--now", "2026-03-29T08:50:00Z", "--tz", "Europe/Berlin")
	v := s.look(t)
	if v.wn.Current == nil || v.wn.Current.Subject != "Design review: kiosk layout" || v.wn.Current.SecondsRemaining <= 0 {
		t.Errorf("current %+v", v.wn.Current)
	}
	if v.wn.Meeting == nil || v.wn.Meeting.Subject != "1:1 with Alex" || v.wn.Meeting.SecondsUntilStart != 40*60 {
		t.Errorf("next %+v", v.wn.Meeting)
	}
	if v.wn.NowISO != "2026-03-29T10:50:00+02:00" || v.wn.TZ != "Europe/Berlin" {
		t.Errorf("now %s tz %s", v.wn.NowISO, v.wn.TZ)
	}
	if v.hcode != 200 || v.wn.Data.Stale {
		t.Errorf("health %d, data %+v", v.hcode, v.wn.Data)
	}
	for _, want := range []string{"Design review: kiosk layout", "1:1 with Alex"} {
		if !strings.Contains(v.page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if code, _ := s.stop(t); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

func TestServeExitCodes(t *testing.T) {
	svClearEnv(t)
	run1 := func(args ...string) xResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out, errb bytes.Buffer
		code := run(ctx, args, strings.NewReader(""), &out, &errb)
		return xResult{code, out.String(), errb.String()}
	}
	example := filepath.Join("..", "..", "config", "testdata", "example.toml")
	if r := run1("check-config", example); r.code != exitOK || !strings.Contains(r.stdout, "OK") {
		t.Errorf("check-config example.toml: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join("testdata", "serve", "bad.toml")
	wantLines := []string{bad + ":3: tz", bad + ":4: refresh", bad + ":8: feed 'Work'"}
	// serve refuses a bad file as a usage error, naming every problem.
	r := run1("serve", "--config", bad, "--listen", "127.0.0.1:0")
	if r.code != exitUsage {
		t.Errorf("serve --config bad.toml: exit %d, want %d", r.code, exitUsage)
	}
	// check-config reports the same problems; it exits 1 (the check
	// failed), not 2 (the command was misused).
	c := run1("check-config", bad)
	if c.code != exitFailure {
		t.Errorf("check-config bad.toml: exit %d, want %d", c.code, exitFailure)
	}
	for _, res := range []xResult{r, c} {
		for _, l := range wantLines {
			if !strings.Contains(res.stderr, l) {
				t.Errorf("stderr lacks %q:\n%s", l, res.stderr)
			}
		}
		if strings.Contains(res.stderr+res.stdout, svSecret) {
			t.Errorf("output leaks the secret:\n%s", res.stderr)
		}
	}
	if r := run1("check-config"); r.code != exitUsage {
		t.Errorf("check-config without a file: exit %d", r.code)
	}
	if r := run1("check-config", filepath.Join("testdata", "serve", "missing.toml")); r.code != exitFailure {
		t.Errorf("check-config missing file: exit %d", r.code)
	}
	// No feeds: usage error.
	if r := run1("serve", "--listen", "127.0.0.1:0"); r.code != exitUsage || !strings.Contains(r.stderr, "no feeds") {
		t.Errorf("serve without feeds: exit %d %q", r.code, r.stderr)
	}
	// Address in use: failure, promptly.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if r := run1("serve", "--sample", "--listen", ln.Addr().String()); r.code != exitFailure {
		t.Errorf("serve on a busy port: exit %d %q", r.code, r.stderr)
	}
}

// The real pageHandler escapes hostile calendar text (no network: the
// handler is called directly).
func TestServePageEscapesHostileTitles(t *testing.T) {
	const img, script = `<img src=x onerror=alert(1)>`, `"><script>alert(1)</script>`
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:a@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260115T083000Z\r\nDTEND:20260115T093000Z\r\nSUMMARY:" + script + "\r\nLOCATION:" + img + "\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:b@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260115T100000Z\r\nDTEND:20260115T103000Z\r\nSUMMARY:" + img + "\r\nLOCATION:" + script + "\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:c@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260115T110000Z\r\nDTEND:20260115T113000Z\r\nSUMMARY:</script><script>alert(2)</script>\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	store := service.NewStore()
	ref := service.NewRefresher(store, []string{"Work"}, service.RefresherOptions{Location: loc, Clock: clock,
		Colors: map[string]string{"Work": `red;background:url(javascript:alert(1))`}})
	cal, err := calendar.Parse([]byte(data), calendar.Options{Floating: loc})
	if err != nil {
		t.Fatal(err)
	}
	ref.SetCalendar("Work", cal)
	svc := service.New(service.Config{Location: loc, Clock: clock}, store)
	for _, variant := range []string{"", "?variant=eink"} {
		rec := httptest.NewRecorder()
		pageHandler(svc, loc).ServeHTTP(rec, httptest.NewRequest("GET", "/"+variant, nil))
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("page%s: %d", variant, rec.Code)
		}
		for _, raw := range []string{"<img", "<script>alert", "</script><script>", "onerror=alert(1)>", "javascript:"} {
			if i := strings.Index(body, raw); i >= 0 {
				t.Errorf("page%s contains %q: …%s…", variant, raw, body[max(0, i-80):min(len(body), i+80)])
			}
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("page%s does not show the next title escaped", variant)
		}
		if !strings.Contains(body, "&lt;/script&gt;") && !strings.Contains(body, "&#34;&gt;&lt;script&gt;") {
			t.Errorf("page%s does not show the current title escaped", variant)
		}
	}
}

func TestApplianceClockState(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/clock.json"
	read := applianceClock(path)
	if st := read(); st != nil {
		t.Fatalf("no file: got %+v, want nil (not an appliance)", st)
	}
	if err := os.WriteFile(path, []byte(`{"state":"ntp","plausible":true,"summary":"ntp:0.pool.ntp.org offset +12ms","updated":"2026-01-15T08:00:00Z","offset_ms":12}`), 0o644); err != nil {
		t.Fatal(err)
	}
	st := read()
	if st == nil || st.State != "ntp" || !st.Plausible || st.Summary != "ntp:0.pool.ntp.org offset +12ms" {
		t.Fatalf("got %+v", st)
	}
	if clockSynced.Get() != 1 {
		t.Errorf("calendarbot_clock_synced = %v, want 1", clockSynced.Get())
	}
	if err := os.WriteFile(path, []byte(`{"state":"build-time-floor","plausible":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := read(); st.State != "build-time-floor" || clockSynced.Get() != 0 {
		t.Errorf("floor: %+v synced=%v", st, clockSynced.Get())
	}
}
