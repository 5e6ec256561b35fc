package feed

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Every server in these tests is an httptest.Server (bound to 127.0.0.1);
// every request goes to 127.0.0.1, directly or through the fake resolver.

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ics(stamp, summary string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:1@test\r\nDTSTAMP:" + stamp + "\r\n" +
		"DTSTART:20260302T090000Z\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// feedServer is the test feed server.
type feedServer struct {
	*httptest.Server
	mux *http.ServeMux

	mu      sync.Mutex
	hits    map[string]int
	headers map[string]http.Header
}

const (
	testETag         = `"v1"`
	testLastModified = "Mon, 02 Mar 2026 08:00:00 GMT"
)

func newFeedServer(t *testing.T) *feedServer {
	t.Helper()
	s := &feedServer{mux: http.NewServeMux(), hits: map[string]int{}, headers: map[string]http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Secret-bearing test URLs end their path in /SECRETPATH.
		r.URL.Path = strings.TrimSuffix(r.URL.Path, "/SECRETPATH")
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.headers[r.URL.Path] = r.Header.Clone()
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)

	// ICS with ETag and Last-Modified, answering 304 to either validator.
	s.mux.HandleFunc("/cal.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", testETag)
		w.Header().Set("Last-Modified", testLastModified)
		if r.Header.Get("If-None-Match") == testETag || r.Header.Get("If-Modified-Since") == testLastModified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		io.WriteString(w, ics("20260302T080000Z", "Standup"))
	})
	// Only Last-Modified.
	s.mux.HandleFunc("/lm.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Last-Modified", testLastModified)
		if r.Header.Get("If-Modified-Since") == testLastModified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, ics("20260302T080000Z", "Standup"))
	})
	// A new DTSTAMP on every request, no validators (like Outlook).
	var stamp atomic.Int64
	s.mux.HandleFunc("/dtstamp.ics", func(w http.ResponseWriter, r *http.Request) {
		n := stamp.Add(1)
		io.WriteString(w, ics(fmt.Sprintf("20260302T0800%02dZ", n%60), "Standup"))
	})
	// Slow: answers only when the client gives up (or after 5s).
	s.mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	// Headers arrive, then the body stalls.
	s.mux.HandleFunc("/slowbody", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "BEGIN:VCALENDAR\r\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	s.mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	s.mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", r.URL.Query().Get("after"))
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	s.mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", r.URL.Query().Get("after"))
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	// Content-Length promises 1000 bytes, 20 arrive, then the connection
	// closes.
	s.mux.HandleFunc("/truncate", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 1000\r\n\r\nBEGIN:VCALENDAR\r\nVER")
		buf.Flush()
	})
	s.mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("\x00\x01\xffthis is not a calendar\n"))
	})
	// 100 MB, streamed from one small buffer. ?cl=1 announces the size.
	s.mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		const total = 100 << 20
		if r.URL.Query().Get("cl") == "1" {
			w.Header().Set("Content-Length", strconv.Itoa(total))
		}
		streamZeros(w, total)
	})
	// A gzip bomb: 1 GiB of zeros, compressed on the fly (about 1 MB on
	// the wire), sent whether or not gzip was asked for.
	s.mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		streamZeros(zw, 1<<30)
		zw.Close()
	})
	s.mux.HandleFunc("/gzip.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, ics("20260302T080000Z", "Zipped"))
		zw.Close()
	})
	s.mux.HandleFunc("/badgzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		io.WriteString(w, "this is not gzip at all, token=SECRET")
	})
	// Redirects forever, the Location carrying a token.
	s.mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, fmt.Sprintf("/loop?token=SECRET&n=%d", n+1), http.StatusFound)
	})
	s.mux.HandleFunc("/tofile", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd?token=SECRET", http.StatusFound)
	})
	s.mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/cal.ics", http.StatusMovedPermanently)
	})
	s.mux.HandleFunc("/badlocation", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 302 Found\r\nLocation: http://h%zz/x?token=SECRET\r\nContent-Length: 0\r\n\r\n")
		buf.Flush()
	})
	s.mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, ics("20260302T080000Z", "Private"))
	})
	return s
}

func streamZeros(w io.Writer, total int) {
	var chunk [32 << 10]byte
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := w.Write(chunk[:]); err != nil {
			return
		}
	}
}

func (s *feedServer) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *feedServer) Header(path string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[path]
}

// fakeDNS is a *net.Resolver whose "DNS server" is a goroutine on the far
// end of a net.Pipe: every name resolves to 127.0.0.1 (A) with no AAAA,
// until fail is set, after which every query fails. No packet leaves the
// process.
type fakeDNS struct {
	fail    atomic.Bool
	queries atomic.Int32
}

func (d *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			if d.fail.Load() {
				return nil, errors.New("fake resolver: network is unreachable")
			}
			client, server := net.Pipe()
			go d.serve(server)
			return client, nil
		},
	}
}

// serve answers one query in DNS-over-TCP framing, which the Go resolver
// uses for any connection that is not a net.PacketConn.
func (d *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var lb [2]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return
	}
	q := make([]byte, int(lb[0])<<8|int(lb[1]))
	if _, err := io.ReadFull(r, q); err != nil || len(q) < 13 {
		return
	}
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	if i+5 > len(q) {
		return
	}
	qtype := int(q[i+1])<<8 | int(q[i+2])
	qEnd := i + 5
	d.queries.Add(1)
	resp := []byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}
	resp = append(resp, q[12:qEnd]...)
	if qtype == 1 { // A
		resp[7] = 1
		resp = append(resp, 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
	}
	out := append([]byte{byte(len(resp) >> 8), byte(len(resp))}, resp...)
	c.Write(out)
}

func counter(name string) uint64 { return metrics.GetOrCreateCounter(name).Get() }

func mustNoSecret(t *testing.T, what, msg string) {
	t.Helper()
	if strings.Contains(msg, "SECRET") {
		t.Errorf("%s: error leaks a secret: %s", what, msg)
	}
}
