package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// feedServer is the tiny static file server the calendar is fetched from:
// GET /feed/NAME.ics answers the feed's bytes with no validators (like
// Outlook, which sends neither a usable ETag nor Last-Modified), so every
// fetch downloads the whole body. It runs inside the harness, on the load
// core, and records when each feed was requested and delivered and how many
// TCP connections the server opened to it.
type feedServer struct {
	srv  *http.Server
	addr string
	body []byte
	t0   time.Time // times are measured from here (the server's start)

	conns atomic.Int64

	mu        sync.Mutex
	served    int
	firstReq  time.Duration // first request received
	firstDone time.Duration // first body written to the kernel
	lastDone  time.Duration
	notify    chan struct{}
}

func newFeedServer(body []byte) (*feedServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &feedServer{addr: ln.Addr().String(), body: body, notify: make(chan struct{}, 1), t0: time.Now()}
	f.srv = &http.Server{
		Handler:           http.HandlerFunc(f.serve),
		ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				f.conns.Add(1)
			}
		},
	}
	go f.srv.Serve(ln)
	return f, nil
}

func (f *feedServer) url(name string) string { return "http://" + f.addr + "/feed/" + name + ".ics" }

// reset makes t0 the reference for the recorded times.
func (f *feedServer) reset(t0 time.Time) {
	f.mu.Lock()
	f.t0, f.served, f.firstReq, f.firstDone, f.lastDone = t0, 0, 0, 0, 0
	f.mu.Unlock()
	f.conns.Store(0)
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	recv := time.Now()
	if !strings.HasPrefix(r.URL.Path, "/feed/") || !strings.HasSuffix(r.URL.Path, ".ics") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
	_, _ = w.Write(f.body)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	done := time.Now()
	f.mu.Lock()
	if f.served == 0 {
		f.firstReq, f.firstDone = recv.Sub(f.t0), done.Sub(f.t0)
	}
	f.served++
	f.lastDone = done.Sub(f.t0)
	f.mu.Unlock()
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// waitServed waits until n feed bodies have been delivered.
func (f *feedServer) waitServed(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		s := f.served
		f.mu.Unlock()
		if s >= n {
			return true
		}
		select {
		case <-f.notify:
		case <-deadline:
			return false
		}
	}
}

func (f *feedServer) stats() (served int, firstReq, firstDone, lastDone time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served, f.firstReq, f.firstDone, f.lastDone
}

func (f *feedServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = f.srv.Shutdown(ctx)
}
