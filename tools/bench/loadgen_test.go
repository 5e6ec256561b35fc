package main

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	stream := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello" +
		"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n" +
		"HTTP/1.1 304 Not Modified\r\nEtag: \"x\"\r\n\r\n" +
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
	br := bufio.NewReader(strings.NewReader(stream))
	for i, want := range []struct {
		status  int
		n       int64
		closing bool
	}{{200, 5, false}, {200, 7, false}, {304, 0, false}, {503, 2, true}} {
		status, n, closing, err := readResponse(br)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if status != want.status || n != want.n || closing != want.closing {
			t.Errorf("response %d: got %d %d %v, want %+v", i, status, n, closing, want)
		}
	}
	for _, bad := range []string{"SSH-2.0-OpenSSH\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"} {
		if _, _, _, err := readResponse(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// The load generator against net/http, with bodies small enough for
// Content-Length and large enough to be chunked.
func TestGenerateLoad(t *testing.T) {
	big := strings.Repeat("x", 5000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Write([]byte(big[:2500]))
			w.(http.Flusher).Flush()
			w.Write([]byte(big[2500:]))
			return
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, c := range []struct {
		path     string
		bodySize int64
		non200   bool
	}{{"/small", 2, false}, {"/chunked", 5000, false}, {"/missing", -1, true}} {
		rep := generateLoad(addr, c.path, 4, 200*time.Millisecond)
		if rep.Errors != 0 || rep.Requests < 10 {
			t.Fatalf("%s: %d requests, %d errors (%s)", c.path, rep.Requests, rep.Errors, rep.FirstError)
		}
		if c.non200 != (rep.Non200 == rep.Requests) {
			t.Errorf("%s: %d of %d not 200", c.path, rep.Non200, rep.Requests)
		}
		if c.bodySize >= 0 && rep.Bytes != c.bodySize*rep.Requests {
			t.Errorf("%s: %d body bytes for %d requests", c.path, rep.Bytes, rep.Requests)
		}
		if rep.P50Ms <= 0 || rep.P99Ms < rep.P50Ms || rep.MaxMs < rep.P99Ms || rep.RPS <= 0 {
			t.Errorf("%s: implausible latencies %+v", c.path, rep)
		}
	}
}

// A server that closes after every response: the worker reconnects.
func TestGenerateLoadReconnects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	rep := generateLoad(strings.TrimPrefix(srv.URL, "http://"), "/", 2, 200*time.Millisecond)
	if rep.Errors != 0 || rep.Requests < 10 {
		t.Fatalf("%d requests, %d errors (%s)", rep.Requests, rep.Errors, rep.FirstError)
	}
}

func TestGenerateLoadNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if rep := generateLoad(addr, "/", 1, 50*time.Millisecond); rep.Errors == 0 || rep.FirstError == "" {
		t.Errorf("want a connection error, got %+v", rep)
	}
}
