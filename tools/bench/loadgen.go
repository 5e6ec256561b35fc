package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// loadReport is what one load-generator run measured. The load generator
// runs as its own process (`bench loadgen`, pinned to the load core) and
// prints it as JSON.
type loadReport struct {
	Conns      int     `json:"conns"`
	ElapsedS   float64 `json:"elapsed_s"`
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`     // broken connections, malformed responses
	Non200     int64   `json:"non_200"`    // complete responses with another status
	Bytes      int64   `json:"body_bytes"` // response bodies received
	RPS        float64 `json:"rps"`        // requests / elapsed
	MeanMs     float64 `json:"mean_ms"`
	P50Ms      float64 `json:"p50_ms"`
	P90Ms      float64 `json:"p90_ms"`
	P99Ms      float64 `json:"p99_ms"`
	P999Ms     float64 `json:"p999_ms"`
	MaxMs      float64 `json:"max_ms"`
	ClientCPUS float64 `json:"client_cpu_s"` // load generator user+system CPU
	FirstError string  `json:"first_error,omitempty"`
}

func runLoadgenCmd(args []string) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "host:port")
	path := fs.String("path", "/api/whats-next", "request path")
	conns := fs.Int("c", 16, "connections")
	d := fs.Duration("d", 10*time.Second, "duration")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rep := generateLoad(*addr, *path, *conns, *d)
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	return 0
}

// worker is one keep-alive connection issuing requests back to back.
type worker struct {
	h                      hist
	n, errs, non200, bytes int64
	firstErr               error
}

// generateLoad keeps conns HTTP/1.1 keep-alive connections busy for d, each
// sending the next request as soon as the previous response is complete
// (closed loop, like wrk). Requests are one pre-built byte slice written to
// a raw net.Conn; responses are parsed just enough to find their end.
func generateLoad(addr, path string, conns int, d time.Duration) loadReport {
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: calendarbot-bench\r\nAccept: */*\r\n\r\n")
	ws := make([]worker, conns)
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return loadReport{Conns: conns, Errors: 1, FirstError: err.Error()}
		}
		cs[i] = c
	}
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func(w *worker, c net.Conn) {
			defer wg.Done()
			w.run(c, addr, req, deadline)
		}(&ws[i], cs[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)

	rep := loadReport{Conns: conns, ElapsedS: elapsed.Seconds()}
	var all hist
	for i := range ws {
		w := &ws[i]
		all.merge(&w.h)
		rep.Requests += w.n
		rep.Errors += w.errs
		rep.Non200 += w.non200
		rep.Bytes += w.bytes
		if w.firstErr != nil && rep.FirstError == "" {
			rep.FirstError = w.firstErr.Error()
		}
	}
	ms := func(ns uint64) float64 { return float64(ns) / 1e6 }
	rep.RPS = float64(rep.Requests) / elapsed.Seconds()
	rep.MeanMs = all.mean() / 1e6
	rep.P50Ms, rep.P90Ms = ms(all.quantile(0.50)), ms(all.quantile(0.90))
	rep.P99Ms, rep.P999Ms = ms(all.quantile(0.99)), ms(all.quantile(0.999))
	rep.MaxMs = ms(all.max)
	rep.ClientCPUS = tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	return rep
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func (w *worker) run(c net.Conn, addr string, req []byte, deadline time.Time) {
	br := bufio.NewReaderSize(c, 64<<10)
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	fail := func(err error) {
		w.errs++
		if w.firstErr == nil {
			w.firstErr = err
		}
		if c != nil {
			c.Close()
			c = nil
		}
	}
	for {
		t0 := time.Now()
		if !t0.Before(deadline) {
			return
		}
		if c == nil {
			var err error
			if c, err = net.Dial("tcp", addr); err != nil {
				fail(err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br.Reset(c)
			t0 = time.Now()
		}
		if _, err := c.Write(req); err != nil {
			fail(err)
			continue
		}
		status, n, closing, err := readResponse(br)
		if err != nil {
			fail(err)
			continue
		}
		w.h.record(uint64(time.Since(t0)))
		w.n++
		w.bytes += n
		if status != 200 {
			w.non200++
		}
		if closing {
			c.Close()
			c = nil
		}
	}
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.1 response from br and discards its body.
// It returns the status code, the body length and whether the server
// closes the connection afterwards. Bodies are delimited by Content-Length
// or chunked encoding; anything else is read to EOF.
func readResponse(br *bufio.Reader) (status int, n int64, closing bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, fmt.Errorf("%w: status %q", errMalformed, line)
	}
	if line[7] == '0' { // HTTP/1.0 closes unless told otherwise; never seen here
		closing = true
	}
	length, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, 0, false, err
		}
		if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return 0, 0, false, fmt.Errorf("%w: header %q", errMalformed, line)
		}
		name, val := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(val), 10, 64); err != nil || length < 0 {
				return 0, 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, val)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(val, []byte("close"))
		}
	}
	switch {
	case status == 204 || status == 304 || (status >= 100 && status < 200):
		return status, 0, closing, nil
	case chunked:
		for {
			line, err = br.ReadSlice('\n')
			if err != nil {
				return 0, 0, false, err
			}
			hex := bytes.TrimSpace(line)
			if i := bytes.IndexByte(hex, ';'); i >= 0 {
				hex = hex[:i]
			}
			size, perr := strconv.ParseInt(string(hex), 16, 64)
			if perr != nil || size < 0 {
				return 0, 0, false, fmt.Errorf("%w: chunk size %q", errMalformed, line)
			}
			if size == 0 {
				for { // trailers, then the empty line
					line, err = br.ReadSlice('\n')
					if err != nil {
						return 0, 0, false, err
					}
					if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
						return status, n, closing, nil
					}
				}
			}
			if _, err = br.Discard(int(size)); err != nil {
				return 0, 0, false, err
			}
			n += size
			if line, err = br.ReadSlice('\n'); err != nil {
				return 0, 0, false, err
			} else if len(bytes.TrimSpace(line)) != 0 {
				return 0, 0, false, fmt.Errorf("%w: no CRLF after chunk", errMalformed)
			}
		}
	case length >= 0:
		d, err := br.Discard(int(length))
		return status, int64(d), closing, err
	default:
		m, err := io.Copy(io.Discard, br)
		return status, m, true, err
	}
}
