package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a process the harness started (a server or the minimal handler).
type proc struct {
	name    string
	cmd     *exec.Cmd
	start   time.Time
	addr    string
	logPath string
	done    chan struct{}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// pinned returns argv prefixed with `taskset -c core` when pinning is on.
func (b *bench) pinned(core string, argv ...string) []string {
	if b.taskset == "" || core == "" {
		return argv
	}
	return append([]string{b.taskset, "-c", core}, argv...)
}

// childEnv is the harness's environment without anything that would
// configure CalendarBot or the Go runtime behind the harness's back, plus
// GOMAXPROCS=1.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CALENDARBOT_") || k == "GOMAXPROCS" || k == "GOGC" || k == "GOMEMLIMIT" || k == "GODEBUG" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOMAXPROCS=1")
}

// startProc starts argv pinned to the server core with GOMAXPROCS=1; its
// stdout and stderr go to logPath.
func (b *bench) startProc(name, addr, logPath string, argv ...string) (*proc, error) {
	full := b.pinned(b.serverCore, argv...)
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = childEnv()
	if name != "minimal" {
		cmd.Env = append(cmd.Env, b.serverEnv...)
	}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{name: name, cmd: cmd, addr: addr, logPath: logPath, done: make(chan struct{})}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait(); lf.Close(); close(p.done) }()
	return p, nil
}

// stop sends SIGTERM and waits up to 5 s before killing.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logTail is the end of the process's output, for error messages.
func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// freePort asks the kernel for an unused port on 127.0.0.1.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var probeClient = &http.Client{
	Timeout: 2 * time.Second,
	Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 2,
		DisableCompression:  true,
	},
}

// waitResponse polls url every interval until any HTTP response arrives
// and returns when it did.
func (p *proc) waitResponse(url string, interval, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := probeClient.Get(url)
		if err == nil {
			t := time.Now()
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return t, nil
		}
		if p.exited() {
			return time.Time{}, fmt.Errorf("process exited: %s", p.logTail())
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("no response from %s within %v: %v", url, timeout, err)
		}
		time.Sleep(interval)
	}
}

// whatsNext is the part of the answer that tells whether it is correct.
type whatsNext struct {
	Meeting json.RawMessage `json:"meeting"`
	Current json.RawMessage `json:"current"`
	Data    struct {
		Initialized bool `json:"initialized"`
	} `json:"data"`
}

func (w whatsNext) correct() bool {
	has := func(m json.RawMessage) bool { return len(m) > 0 && string(m) != "null" }
	return w.Data.Initialized && (has(w.Meeting) || has(w.Current))
}

// waitData polls /api/whats-next until the answer holds a meeting from the
// feed; it returns that moment and the response.
func (p *proc) waitData(interval, timeout time.Duration) (time.Time, []byte, http.Header, error) {
	url := "http://" + p.addr + "/api/whats-next"
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		resp, err := probeClient.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			t := time.Now()
			var wn whatsNext
			if rerr == nil && resp.StatusCode == 200 && json.Unmarshal(body, &wn) == nil && wn.correct() {
				return t, body, resp.Header, nil
			}
			last = fmt.Sprintf("%d %.200s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		if p.exited() {
			return time.Time{}, nil, nil, fmt.Errorf("process exited: %s", p.logTail())
		}
		if time.Now().After(deadline) {
			return time.Time{}, nil, nil, fmt.Errorf("no what's-next with a meeting within %v (last: %s); does the feed have events around now? (-now)", timeout, last)
		}
		time.Sleep(interval)
	}
}

// scrapeMetrics reads /metrics into series -> value.
func scrapeMetrics(addr string) (map[string]float64, error) {
	resp, err := probeClient.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics parses the Prometheus text format: `series value` lines.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			continue
		}
		m[l[:i]] = v
	}
	return m, sc.Err()
}

// sumMetric adds every series of the metric name (any labels).
func sumMetric(m map[string]float64, name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}
