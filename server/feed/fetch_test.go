package feed

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func fetch(t *testing.T, f *Fetcher, url string, prev Validators) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.Fetch(ctx, Source{Name: "Test", URL: url}, prev)
}

func TestConditionalGET(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()

	r := fetch(t, f, s.URL+"/cal.ics", Validators{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.NotModified || r.Status != 200 || !strings.Contains(string(r.Body), "SUMMARY:Standup") {
		t.Fatalf("first fetch: %+v", r)
	}
	if r.ETag != testETag || r.LastModified != testLastModified || r.Bytes != len(r.Body) || r.Hash != ContentHash(r.Body) {
		t.Fatalf("validators: etag %q lm %q bytes %d", r.ETag, r.LastModified, r.Bytes)
	}
	if r.Name != "Test" || r.Duration <= 0 {
		t.Fatalf("name %q duration %v", r.Name, r.Duration)
	}

	r2 := fetch(t, f, s.URL+"/cal.ics", Validators{ETag: r.ETag, LastModified: r.LastModified, Hash: r.Hash})
	if r2.Err != nil || !r2.NotModified || r2.Status != 304 || r2.Body != nil || r2.Hash != r.Hash || r2.ETag != testETag {
		t.Fatalf("second fetch: %+v", r2)
	}
	if h := s.Header("/cal.ics"); h.Get("If-None-Match") != testETag || h.Get("If-Modified-Since") != testLastModified {
		t.Fatalf("conditional headers not sent: %v", h)
	}

	// Last-Modified alone is enough.
	r = fetch(t, f, s.URL+"/lm.ics", Validators{})
	r2 = fetch(t, f, s.URL+"/lm.ics", Validators{LastModified: r.LastModified, Hash: r.Hash})
	if r2.Err != nil || !r2.NotModified || r2.Status != 304 {
		t.Fatalf("If-Modified-Since: %+v", r2)
	}
}

func TestContentHashIgnoresDTSTAMP(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	r := fetch(t, f, s.URL+"/dtstamp.ics", Validators{})
	if r.Err != nil || r.Body == nil {
		t.Fatalf("first: %+v", r)
	}
	r2 := fetch(t, f, s.URL+"/dtstamp.ics", Validators{Hash: r.Hash})
	if r2.Err != nil || !r2.NotModified || r2.Body != nil || r2.Status != 200 || r2.Hash != r.Hash || r2.Bytes == 0 {
		t.Fatalf("second fetch should be NotModified by hash: %+v", r2)
	}
	if s.Hits("/dtstamp.ics") != 2 {
		t.Fatalf("hits %d", s.Hits("/dtstamp.ics"))
	}
}

func TestContentHash(t *testing.T) {
	a := ics("20260101T000000Z", "A")
	b := ics("20270101T000000Z", "A")
	if ContentHash([]byte(a)) != ContentHash([]byte(b)) {
		t.Error("DTSTAMP change alters the hash")
	}
	if ContentHash([]byte(a)) == ContentHash([]byte(ics("20260101T000000Z", "B"))) {
		t.Error("SUMMARY change does not alter the hash")
	}
	// Parameters, lower case, folded continuation lines and LF endings.
	x := "BEGIN:VEVENT\nDTSTAMP;VALUE=DATE-TIME:20260101T000000Z\n 1\nSUMMARY:x\nEND:VEVENT\n"
	y := "BEGIN:VEVENT\ndtstamp:20990101T000000Z\nSUMMARY:x\nEND:VEVENT\n"
	if ContentHash([]byte(x)) != ContentHash([]byte(y)) {
		t.Error("parameterised / folded / lower-case DTSTAMP not ignored")
	}
	// A property that merely starts with the letters is kept, and so is a
	// folded line of another property.
	if ContentHash([]byte("DTSTAMPX:1\n")) == ContentHash([]byte("DTSTAMPX:2\n")) {
		t.Error("DTSTAMPX dropped")
	}
	if ContentHash([]byte("SUMMARY:a\n b\n")) == ContentHash([]byte("SUMMARY:a\n c\n")) {
		t.Error("continuation of SUMMARY dropped")
	}
	if ContentHash([]byte("DTSTAMP:1")) != ContentHash(nil) {
		t.Error("final DTSTAMP line without newline kept")
	}
}

func TestTimeout(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true, Timeout: 200 * time.Millisecond})
	defer f.Close()
	for _, path := range []string{"/slow", "/slowbody"} {
		start := time.Now()
		r := fetch(t, f, s.URL+path, Validators{})
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("%s: fetch took %v", path, el)
		}
		if r.Err == nil || !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Fatalf("%s: want a timeout, got %v", path, r.Err)
		}
		if !strings.Contains(r.Err.Error(), "timed out after 200ms") {
			t.Errorf("%s: %v", path, r.Err)
		}
	}
}

func TestCallerCancel(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := f.Fetch(ctx, Source{Name: "C", URL: s.URL + "/slow"}, Validators{})
	if r.Err == nil || strings.Contains(r.Err.Error(), "timed out after") {
		t.Fatalf("caller's deadline should not be reported as the fetch timeout: %v", r.Err)
	}
}

func TestHTTPErrors(t *testing.T) {
	s := newFeedServer(t)
	clock := newClock()
	f := NewFetcher(Options{Pooling: true, Now: clock.Now})
	defer f.Close()

	r := fetch(t, f, s.URL+"/500", Validators{})
	var fe *FetchError
	if !errors.As(r.Err, &fe) || fe.StatusCode != 500 || r.Status != 500 || r.Body != nil {
		t.Fatalf("500: %+v", r)
	}
	want := `feed "Test": GET ` + s.URL + `/…: 500 Internal Server Error`
	if r.Err.Error() != want {
		t.Fatalf("got %q\nwant %q", r.Err, want)
	}

	r = fetch(t, f, s.URL+"/429?after=120", Validators{})
	if r.Err == nil || r.Status != 429 || r.RetryAfter != 120*time.Second {
		t.Fatalf("429 seconds: %+v", r)
	}
	date := clock.Now().Add(2 * time.Hour).Format(http.TimeFormat)
	r = fetch(t, f, s.URL+"/503?after="+strings.ReplaceAll(date, " ", "%20"), Validators{})
	if r.Err == nil || r.Status != 503 || r.RetryAfter != 2*time.Hour {
		t.Fatalf("503 HTTP-date: status %d retry %v err %v", r.Status, r.RetryAfter, r.Err)
	}
	r = fetch(t, f, s.URL+"/429?after=999999", Validators{})
	if r.RetryAfter != 6*time.Hour {
		t.Fatalf("Retry-After not capped: %v", r.RetryAfter)
	}

	r = fetch(t, f, s.URL+"/truncate", Validators{})
	if r.Err == nil || r.Body != nil {
		t.Fatalf("truncated body accepted: %+v", r)
	}

	r = fetch(t, f, s.URL+"/garbage", Validators{})
	if r.Err != nil || !strings.Contains(string(r.Body), "not a calendar") {
		t.Fatalf("garbage: %+v", r)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"90":                            90 * time.Second,
		"junk":                          0,
		"Mon, 02 Mar 2026 09:10:00 GMT": 10 * time.Minute,
		"Mon, 02 Mar 2026 08:00:00 GMT": 0,
		"Tue, 03 Mar 2026 09:00:00 GMT": 6 * time.Hour,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("%q: got %v want %v", v, got, want)
		}
	}
}

// heapDelta runs fn and returns how many bytes were allocated meanwhile.
func heapDelta(fn func()) (total, live uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	live = 0
	if after.HeapAlloc > before.HeapAlloc {
		live = after.HeapAlloc - before.HeapAlloc
	}
	return after.TotalAlloc - before.TotalAlloc, live
}

func TestSizeLimitStreamsHugeBody(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true}) // default limit: 20 MiB
	defer f.Close()
	for _, path := range []string{"/huge", "/huge?cl=1", "/bomb"} {
		var r Result
		total, live := heapDelta(func() { r = fetch(t, f, s.URL+path, Validators{}) })
		if !errors.Is(r.Err, ErrTooLarge) {
			t.Fatalf("%s: want ErrTooLarge, got %v", path, r.Err)
		}
		if !strings.Contains(r.Err.Error(), "more than 20971520 bytes") {
			t.Errorf("%s: unclear error %q", path, r.Err)
		}
		t.Logf("%s: allocated %d MiB in total, %d MiB live after", path, total>>20, live>>20)
		// 100 MB (or 1 GiB) was on offer; only the 20 MiB limit may be read.
		if total > 40<<20 || live > 30<<20 {
			t.Errorf("%s: allocated %d bytes (%d live): body was buffered beyond the limit", path, total, live)
		}
	}
}

func TestGzip(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	r := fetch(t, f, s.URL+"/gzip.ics", Validators{})
	if r.Err != nil || !strings.Contains(string(r.Body), "SUMMARY:Zipped") || r.Bytes != len(r.Body) {
		t.Fatalf("gzip: %+v", r)
	}
	if ae := s.Header("/gzip.ics").Get("Accept-Encoding"); !strings.Contains(ae, "gzip") {
		t.Fatalf("gzip not asked for: %q", ae)
	}
	r = fetch(t, f, s.URL+"/badgzip", Validators{})
	if r.Err == nil {
		t.Fatal("bad gzip accepted")
	}
}

func TestRedirects(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true, MaxRedirects: 3})
	defer f.Close()

	r := fetch(t, f, s.URL+"/hop", Validators{})
	if r.Err != nil || !strings.Contains(string(r.Body), "Standup") {
		t.Fatalf("one hop: %+v", r)
	}

	r = fetch(t, f, s.URL+"/loop", Validators{})
	if !errors.Is(r.Err, ErrTooManyRedirects) {
		t.Fatalf("loop: %v", r.Err)
	}
	if n := s.Hits("/loop"); n != 4 {
		t.Fatalf("loop: server saw %d requests, want 1+3", n)
	}

	r = fetch(t, f, s.URL+"/tofile", Validators{})
	if !errors.Is(r.Err, ErrRedirectScheme) || r.Body != nil {
		t.Fatalf("redirect to file: %+v", r)
	}
	if !strings.Contains(r.Err.Error(), `"file"`) {
		t.Errorf("unclear: %v", r.Err)
	}
}

func TestAuthAndHeaders(t *testing.T) {
	s := newFeedServer(t)
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	ctx := context.Background()
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }

	f.Fetch(ctx, Source{Name: "b", URL: s.URL + "/auth", Username: "alice", Password: "pw"}, Validators{})
	h := s.Header("/auth")
	if h.Get("Authorization") != basic("alice", "pw") {
		t.Errorf("basic: %q", h.Get("Authorization"))
	}
	if !strings.HasPrefix(h.Get("User-Agent"), "CalendarBot/"+Version+" (+https://github.com/calendarbot/calendarbot)") {
		t.Errorf("user agent %q", h.Get("User-Agent"))
	}

	u := strings.Replace(s.URL, "http://", "http://bob:s%40cret@", 1)
	f.Fetch(ctx, Source{Name: "u", URL: u + "/auth"}, Validators{})
	if got := s.Header("/auth").Get("Authorization"); got != basic("bob", "s@cret") {
		t.Errorf("userinfo: %q", got)
	}

	f.Fetch(ctx, Source{Name: "t", URL: s.URL + "/auth", Bearer: "tok", Headers: map[string]string{"X-Api-Key": "k1"}}, Validators{})
	h = s.Header("/auth")
	if h.Get("Authorization") != "Bearer tok" || h.Get("X-Api-Key") != "k1" {
		t.Errorf("bearer/header: %v", h)
	}

	g := NewFetcher(Options{UserAgent: "Custom/1"})
	g.Fetch(ctx, Source{Name: "ua", URL: s.URL + "/auth"}, Validators{})
	if ua := s.Header("/auth").Get("User-Agent"); ua != "Custom/1" {
		t.Errorf("custom UA %q", ua)
	}
}

func TestRedirectToOtherHostDropsCredentials(t *testing.T) {
	s := newFeedServer(t)
	other := newFeedServer(t)
	// Same IP, different host:port: a different host for the redirect check.
	s.mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/auth", http.StatusFound)
	})
	f := NewFetcher(Options{Pooling: true})
	defer f.Close()
	r := f.Fetch(context.Background(), Source{Name: "x", URL: s.URL + "/away", Bearer: "tok", Headers: map[string]string{"X-Api-Key": "k1"}}, Validators{})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if h := other.Header("/auth"); h.Get("Authorization") != "" || h.Get("X-Api-Key") != "" {
		t.Fatalf("credentials followed a redirect to another host: %v", h)
	}
}

func TestFileSources(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cal.ics")
	if err := os.WriteFile(p, []byte(ics("20260101T000000Z", "Local")), 0o600); err != nil {
		t.Fatal(err)
	}
	f := NewFetcher(Options{MaxBytes: 4096})
	for _, url := range []string{p, "file://" + p} {
		r := fetch(t, f, url, Validators{})
		if r.Err != nil || !strings.Contains(string(r.Body), "SUMMARY:Local") || r.Bytes != len(r.Body) {
			t.Fatalf("%s: %+v", url, r)
		}
		os.WriteFile(p, []byte(ics("20270101T000000Z", "Local")), 0o600) // only DTSTAMP changes
		r2 := fetch(t, f, url, Validators{Hash: r.Hash})
		if r2.Err != nil || !r2.NotModified || r2.Body != nil {
			t.Fatalf("%s: second read: %+v", url, r2)
		}
	}

	big := filepath.Join(dir, "big.ics")
	os.WriteFile(big, make([]byte, 5000), 0o600)
	if r := fetch(t, f, big, Validators{}); !errors.Is(r.Err, ErrTooLarge) {
		t.Fatalf("big file: %v", r.Err)
	}

	r := fetch(t, f, filepath.Join(dir, "SECRET", "missing.ics"), Validators{})
	if !errors.Is(r.Err, os.ErrNotExist) {
		t.Fatalf("missing: %v", r.Err)
	}
	mustNoSecret(t, "missing file", r.Err.Error())
	if want := `feed "Test": read file:///…: no such file or directory`; r.Err.Error() != want {
		t.Errorf("got %q want %q", r.Err, want)
	}
}

func TestParseSourceURL(t *testing.T) {
	for in, want := range map[string]struct {
		kind urlKind
		out  string
	}{
		"https://example.com/a.ics":   {kindHTTP, "https://example.com/a.ics"},
		"HTTP://example.com/a.ics":    {kindHTTP, "http://example.com/a.ics"},
		"webcal://example.com/a.ics":  {kindHTTP, "https://example.com/a.ics"},
		"webcals://example.com/a.ics": {kindHTTP, "https://example.com/a.ics"},
		"WebCal://example.com/a.ics":  {kindHTTP, "https://example.com/a.ics"},
		"file:///srv/a.ics":           {kindFile, "/srv/a.ics"},
		"/srv/a.ics":                  {kindFile, "/srv/a.ics"},
		"testdata/a.ics":              {kindFile, "testdata/a.ics"},
		"ftp://example.com/a.ics":     {kindBad, ""},
		"file://host/a.ics":           {kindBad, ""},
		"https:///nohost":             {kindBad, ""},
		"":                            {kindBad, ""},
	} {
		kind, u, path := parseSourceURL(in)
		got := path
		if kind == kindHTTP {
			got = u.String()
		}
		if kind != want.kind || (want.out != "" && got != want.out) {
			t.Errorf("%q: got %v %q, want %v %q", in, kind, got, want.kind, want.out)
		}
	}
	f := NewFetcher(Options{})
	r := fetch(t, f, "ftp://user:SECRET@example.com/x?token=SECRET", Validators{})
	if !errors.Is(r.Err, ErrUnsupportedURL) {
		t.Fatal(r.Err)
	}
	mustNoSecret(t, "ftp", r.Err.Error())
}

func TestConnectionReuse(t *testing.T) {
	s := newFeedServer(t)
	before := counter(`calendarbot_http_conn_total{reused="true"}`)

	f := NewFetcher(Options{Pooling: true})
	r1 := fetch(t, f, s.URL+"/cal.ics", Validators{})
	r2 := fetch(t, f, s.URL+"/cal.ics", Validators{ETag: r1.ETag}) // a 304, drained
	r3 := fetch(t, f, s.URL+"/500", Validators{})                  // error bodies are drained too
	r4 := fetch(t, f, s.URL+"/cal.ics", Validators{})
	if r1.Reused || !r2.Reused || !r3.Reused || !r4.Reused {
		t.Fatalf("pooling on: reused %v %v %v %v", r1.Reused, r2.Reused, r3.Reused, r4.Reused)
	}
	if got := counter(`calendarbot_http_conn_total{reused="true"}`) - before; got != 3 {
		t.Errorf("reused counter moved by %d", got)
	}
	f.Close()
	if r := fetch(t, f, s.URL+"/cal.ics", Validators{}); r.Reused {
		t.Error("reused after Close")
	}

	g := NewFetcher(Options{Pooling: false})
	for i := range 3 {
		if r := fetch(t, g, s.URL+"/cal.ics", Validators{}); r.Err != nil || r.Reused {
			t.Fatalf("pooling off, fetch %d: reused=%v err=%v", i, r.Reused, r.Err)
		}
	}
}

func TestDNSCacheServesStale(t *testing.T) {
	s := newFeedServer(t)
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	dns := &fakeDNS{}
	clock := newClock()
	var dialed []string
	f := NewFetcher(Options{
		Pooling:  false, // every fetch dials, so every fetch resolves
		Now:      clock.Now,
		Resolver: dns.resolver(),
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dialed = append(dialed, addr)
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				return nil, errors.New("test refuses to dial " + addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	url := "http://feed.test:" + port + "/cal.ics"
	hit0 := counter(`calendarbot_dns_cache_total{result="hit"}`)
	miss0 := counter(`calendarbot_dns_cache_total{result="miss"}`)
	stale0 := counter(`calendarbot_dns_cache_total{result="stale"}`)

	if r := fetch(t, f, url, Validators{}); r.Err != nil {
		t.Fatalf("first fetch: %v", r.Err)
	}
	q := dns.queries.Load()
	if q == 0 {
		t.Fatal("resolver not asked")
	}
	if r := fetch(t, f, url, Validators{}); r.Err != nil {
		t.Fatalf("cached fetch: %v", r.Err)
	}
	if dns.queries.Load() != q {
		t.Fatal("fresh entry not served from cache")
	}

	dns.fail.Store(true)
	clock.Advance(6 * time.Minute) // past the TTL: the resolver is asked and fails
	if r := fetch(t, f, url, Validators{}); r.Err != nil {
		t.Fatalf("stale fetch: %v", r.Err)
	}
	if got := counter(`calendarbot_dns_cache_total{result="hit"}`) - hit0; got != 1 {
		t.Errorf("hits %d", got)
	}
	if got := counter(`calendarbot_dns_cache_total{result="miss"}`) - miss0; got != 1 {
		t.Errorf("misses %d", got)
	}
	if got := counter(`calendarbot_dns_cache_total{result="stale"}`) - stale0; got != 1 {
		t.Errorf("stale %d", got)
	}
	for _, a := range dialed {
		if a != "127.0.0.1:"+port {
			t.Errorf("dialed %s", a)
		}
	}

	// A host never resolved has nothing stale to fall back on.
	r := fetch(t, f, "http://other.test:"+port+"/cal.ics", Validators{})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "other.test") {
		t.Fatalf("unresolvable host: %v", r.Err)
	}
}

// TestNoSecretsInErrors drives every failure mode with a URL whose query,
// path and userinfo, and a Source whose credentials, hold "SECRET".
func TestNoSecretsInErrors(t *testing.T) {
	s := newFeedServer(t)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	dns := &fakeDNS{}
	dns.fail.Store(true)

	host := strings.TrimPrefix(s.URL, "http://")
	secretURL := func(hostport, path string) string {
		return "http://user:SECRET2@" + hostport + path + "/SECRETPATH?token=SECRET"
	}
	cases := []struct {
		name, url string
		opts      Options
		want      string
	}{
		{"dns failure", secretURL("nosuch.test:80", ""), Options{}, "nosuch.test"},
		{"refused", secretURL(deadAddr, ""), Options{}, "refused"},
		{"timeout", secretURL(host, "/slow"), Options{Timeout: 150 * time.Millisecond}, "timed out"},
		{"404", secretURL(host, "/nothing"), Options{}, "404 Not Found"},
		{"500", secretURL(host, "/500"), Options{}, "500 Internal Server Error"},
		{"too large", secretURL(host, "/huge"), Options{MaxBytes: 1024}, "too large"},
		{"bad gzip", secretURL(host, "/badgzip"), Options{}, "gzip"},
		{"redirect loop", secretURL(host, "/loop"), Options{}, "redirects"},
		{"redirect to file", secretURL(host, "/tofile"), Options{}, "refused"},
		{"bad Location", secretURL(host, "/badlocation"), Options{}, "Location"},
		{"truncated", secretURL(host, "/truncate"), Options{}, "EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Resolver = dns.resolver()
			f := NewFetcher(o)
			defer f.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			src := Source{Name: "Leaky", URL: c.url, Password: "SECRET3", Bearer: "SECRET4",
				Headers: map[string]string{"X-Api-Key": "SECRET5"}}
			r := f.Fetch(ctx, src, Validators{})
			if r.Err == nil {
				t.Fatal("no error")
			}
			msg := r.Err.Error()
			t.Log(msg)
			mustNoSecret(t, c.name, msg)
			if !strings.HasPrefix(msg, `feed "Leaky": GET http://`) || !strings.Contains(msg, "/…: ") {
				t.Errorf("error does not name the feed and redacted target: %s", msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("error does not say %q: %s", c.want, msg)
			}
			for e := errors.Unwrap(r.Err); e != nil; e = errors.Unwrap(e) {
				mustNoSecret(t, c.name+" (wrapped)", e.Error())
			}
		})
	}
}
