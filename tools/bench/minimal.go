package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"
)

// runMinimalCmd is `bench minimal`: the upper limit for what a Go net/http
// server can do on this machine. It answers every request with the bytes
// CalendarBot sent for /api/whats-next (same body, same headers), with no
// routing, middleware, cache lookup or encoding.
func runMinimalCmd(args []string) int {
	fs := flag.NewFlagSet("minimal", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "host:port")
	bodyFile := fs.String("body", "", "response body file")
	headerFile := fs.String("headers", "", "response headers, JSON {name: [values]}")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "minimal:", err)
		return 1
	}
	hdr := http.Header{}
	if *headerFile != "" {
		b, err := os.ReadFile(*headerFile)
		if err == nil {
			err = json.Unmarshal(b, &hdr)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "minimal:", err)
			return 1
		}
	}
	for _, k := range []string{"Date", "Content-Length", "Transfer-Encoding", "Connection"} {
		hdr.Del(k)
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	srv := &http.Server{
		Addr:              *listen,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == memstatsPath {
				writeMemstats(w)
				return
			}
			h := w.Header()
			for k, v := range hdr {
				h[k] = v
			}
			_, _ = w.Write(body)
		}),
	}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "minimal:", err)
		return 1
	}
	return 0
}

// memstatsPath lets the harness read the minimal handler's allocation
// counters (the same figures calendarbot's /metrics gives); it is only
// requested outside the measured runs.
const memstatsPath = "/debug/bench-memstats"

type memstats struct {
	Mallocs    uint64 `json:"mallocs"`
	TotalAlloc uint64 `json:"total_alloc"`
	NumGC      uint32 `json:"num_gc"`
}

func writeMemstats(w http.ResponseWriter) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(memstats{Mallocs: m.Mallocs, TotalAlloc: m.TotalAlloc, NumGC: m.NumGC})
}
