package service

import (
	"io"
	"net/http"
	"strconv"
	"testing"
)

// HEAD, conditional GET and the headers of GET /display.png.
func TestDisplayHTTPSemantics(t *testing.T) {
	s := dpNew(t, true, 0, 0)
	get, body := s.get(t, "/display.png?mode=mono")
	etag := get.Header.Get("ETag")
	if get.StatusCode != 200 || len(etag) != 18 || etag[0] != '"' || etag[17] != '"' {
		t.Fatalf("GET: %d, ETag %q", get.StatusCode, etag)
	}
	if cl := get.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q for %d bytes", cl, len(body))
	}

	req, _ := http.NewRequest("HEAD", s.srv.URL+"/display.png?mode=mono", nil)
	head, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(head.Body)
	head.Body.Close()
	if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("ETag") != etag ||
		head.ContentLength != int64(len(body)) || head.Header.Get("Content-Type") != "image/png" {
		t.Errorf("HEAD: %d, %d body bytes, ETag %q, length %d, type %q", head.StatusCode, len(hb), head.Header.Get("ETag"), head.ContentLength, head.Header.Get("Content-Type"))
	}

	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		r, b := s.get(t, "/display.png?mode=mono", "If-None-Match", inm)
		if r.StatusCode != http.StatusNotModified || len(b) != 0 || r.Header.Get("ETag") != etag || r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q, Cache-Control %q", inm, r.StatusCode, len(b), r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
		}
		if r.Header.Get("Content-Length") != "" && r.Header.Get("Content-Length") != "0" {
			t.Errorf("If-None-Match %s: Content-Length %q on a 304", inm, r.Header.Get("Content-Length"))
		}
	}
	for _, inm := range []string{`"0000000000000000"`, etag[1:17]} {
		if r, _ := s.get(t, "/display.png?mode=mono", "If-None-Match", inm); r.StatusCode != 200 {
			t.Errorf("If-None-Match %s: %d, want 200", inm, r.StatusCode)
		}
	}
	// Errors are never cached by clients or proxies.
	if r, _ := s.get(t, "/display.png?w=1"); r.StatusCode != 400 || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("bad request: %d, Cache-Control %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	// Other methods are refused.
	req, _ = http.NewRequest("POST", s.srv.URL+"/display.png", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %v %v", r, err)
	} else {
		r.Body.Close()
	}
}

// Concurrent requests for the same and different sizes share the cache
// and the render slots without races (run with -race).
func TestDisplayConcurrentRequests(t *testing.T) {
	s := dpNew(t, true, 2, 0)
	done := make(chan int)
	for i := range 12 {
		go func() {
			req, _ := http.NewRequest("GET", s.srv.URL+"/display.png?mode=mono&w="+strconv.Itoa(200+100*(i%3)), nil)
			if i%4 == 0 {
				req.Method = "HEAD"
			}
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			done <- r.StatusCode
		}()
	}
	for range 12 {
		if code := <-done; code != 200 {
			t.Errorf("status %d", code)
		}
	}
	if n := s.renders.Load(); n > 3 {
		t.Errorf("%d renders for 3 distinct sizes", n)
	}
}
