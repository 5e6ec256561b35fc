package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what wrk reported for the same load (-wrk), to check that
// the Go load generator is not the bottleneck.
type wrkResult struct {
	RPS   float64 `json:"rps"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
}

func (b *bench) runWrk(addr string, conns int) (*wrkResult, error) {
	secs := max(1, int(b.duration.Round(time.Second)/time.Second))
	argv := b.pinned(b.loadCore, b.wrkPath, "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(secs)+"s",
		"--latency", "http://"+addr+"/api/whats-next")
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wrk: %v: %s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads "Requests/sec:" and the 50 % and 99 % lines of wrk's
// --latency distribution.
func parseWrk(out string) (*wrkResult, error) {
	w := &wrkResult{}
	found := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Requests/sec:":
			w.RPS, _ = strconv.ParseFloat(f[1], 64)
			found = true
		case "50%":
			w.P50Ms = wrkDuration(f[1])
		case "99%":
			w.P99Ms = wrkDuration(f[1])
		}
	}
	if !found {
		return nil, fmt.Errorf("wrk: no Requests/sec in output: %s", out)
	}
	return w, nil
}

// wrkDuration converts wrk's "123.45us", "1.20ms", "2.00s" to ms.
func wrkDuration(s string) float64 {
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"us", 1e-3}, {"ms", 1}, {"m", 60e3}, {"s", 1e3}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0
			}
			return f * u.ms
		}
	}
	return 0
}
