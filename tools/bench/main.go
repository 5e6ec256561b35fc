// Command bench measures the calendarbot server as a whole process: startup,
// memory, /api/whats-next throughput, latency and CPU, against a minimal Go
// handler and with each kill switch, on one pinned core.
//
//	go run ./tools/bench                  # Markdown report on stdout
//	go run ./tools/bench -runs 3 -json    # JSON, medians over 3 runs
//
// See tools/bench/README.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/calendarbot/calendarbot/tools/icsgen"
)

// pinnedEnv marks the harness process after it re-executed itself under
// taskset on the load core.
const pinnedEnv = "CALENDARBOT_BENCH_PINNED"

type bench struct {
	// flags
	duration, warmup, settle time.Duration
	conns                    []int
	runs                     int
	feedFile                 string
	fileFeed                 bool
	skipMinimal, skipSwitch  bool
	skipPooling              bool
	pairSlices               int
	pairSlice                time.Duration
	soak                     time.Duration
	soakConns                int
	poolFeeds, poolCycles    int
	wrk                      bool
	jsonOut                  bool
	outFile                  string
	jsonFile                 string
	tz, now                  string
	binPath                  string
	keep                     bool
	serverCore, loadCore     string
	noPin                    bool
	perfFile                 string
	serverEnv                []string

	// state
	taskset  string
	wrkPath  string
	perfPath string
	self     string
	dir      string
	feed     []byte
	feedPath string
	cores    int
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "loadgen":
			os.Exit(runLoadgenCmd(os.Args[2:]))
		case "minimal":
			os.Exit(runMinimalCmd(os.Args[2:]))
		case "report":
			os.Exit(runReportCmd(os.Args[2:]))
		}
	}
	os.Exit(runBench(os.Args[1:]))
}

func runBench(args []string) int {
	b := &bench{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.DurationVar(&b.duration, "duration", 10*time.Second, "length of each measured load run")
	fs.DurationVar(&b.warmup, "warmup", time.Second, "load before the measured runs of each server (not counted)")
	fs.DurationVar(&b.settle, "settle", 500*time.Millisecond, "wait after the first correct answer before reading RSS")
	connList := fs.String("connections", "1,16", "comma-separated connection counts")
	fs.IntVar(&b.runs, "runs", 1, "repeat everything this many times; tables show medians and ranges")
	fs.StringVar(&b.feedFile, "feed", "", "iCalendar file to serve (default: generate the Outlook-style feed with icsgen)")
	fs.BoolVar(&b.fileFeed, "file-feed", false, "give the server the feed as a file path instead of over HTTP")
	fs.BoolVar(&b.skipMinimal, "skip-minimal", false, "do not measure the minimal handler")
	fs.IntVar(&b.pairSlices, "pair-slices", 16, "alternating load slices for the paired cached-vs-minimal comparison (0: skip it)")
	fs.DurationVar(&b.pairSlice, "pair-slice", time.Second, "length of each paired slice")
	fs.DurationVar(&b.soak, "soak", 0, "after its loads, poll the default server steadily this long and sample its memory every 10 s (e.g. 5m; 0: no soak)")
	fs.IntVar(&b.soakConns, "soak-connections", 2, "connections during the soak")
	fs.BoolVar(&b.skipSwitch, "skip-switches", false, "do not measure --no-caching and --no-coalescing")
	fs.BoolVar(&b.skipPooling, "skip-pooling", false, "do not measure --no-pooling (feed fetching)")
	fs.IntVar(&b.poolFeeds, "pool-feeds", 8, "feeds configured for the pooling measurement")
	fs.IntVar(&b.poolCycles, "pool-cycles", 2, "refresh cycles to wait for in the pooling measurement (2 = one more after --refresh 30s)")
	fs.BoolVar(&b.wrk, "wrk", false, "also load every target with wrk (Debian package wrk) to check the Go load generator")
	fs.BoolVar(&b.jsonOut, "json", false, "print JSON instead of Markdown")
	fs.StringVar(&b.outFile, "o", "", "write the report to this file instead of stdout")
	fs.StringVar(&b.jsonFile, "json-file", "", "also write the JSON report to this file")
	fs.StringVar(&b.tz, "tz", "", "server --tz (default: the server's default, UTC)")
	fs.StringVar(&b.now, "now", "", "freeze the server clock at this RFC 3339 time (and generate the feed around it); default: real clock, feed generated around the current hour")
	fs.StringVar(&b.binPath, "bin", "", "use this calendarbot binary instead of building one")
	fs.BoolVar(&b.keep, "keep", false, "keep the temporary directory (binary, feed, server logs)")
	fs.StringVar(&b.serverCore, "server-core", "0", "core for the servers")
	fs.StringVar(&b.loadCore, "load-core", "1", "core for the load generator and the harness")
	fs.BoolVar(&b.noPin, "no-pin", false, "do not pin anything to cores")
	envList := fs.String("server-env", "", "comma-separated KEY=VALUE added to calendarbot's environment, e.g. GOGC=50 (experiments; reported)")
	fs.StringVar(&b.perfFile, "perf", "", "record the default server under `perf record -g` during its largest-c load into this file and print the top symbols (needs perf; builds with symbols)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, s := range strings.Split(*connList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: -connections: bad count %q\n", s)
			return 2
		}
		b.conns = append(b.conns, n)
	}
	for _, kv := range strings.Split(*envList, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if !strings.Contains(kv, "=") {
			fmt.Fprintf(os.Stderr, "bench: -server-env: %q is not KEY=VALUE\n", kv)
			return 2
		}
		b.serverEnv = append(b.serverEnv, kv)
	}
	if b.runs < 1 || b.poolFeeds < 1 || b.poolCycles < 1 {
		fmt.Fprintln(os.Stderr, "bench: -runs, -pool-feeds and -pool-cycles must be at least 1")
		return 2
	}
	if err := b.setup(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if !b.keep {
		defer os.RemoveAll(b.dir)
	} else {
		logf("keeping %s", b.dir)
	}
	rep := &Report{Env: b.env(), Params: b.params()}
	for i := 0; i < b.runs; i++ {
		logf("run %d of %d", i+1, b.runs)
		run, err := b.oneRun()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		rep.Runs = append(rep.Runs, *run)
	}
	rep.Summary = rep.summary()
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	js = append(js, '\n')
	if b.jsonFile != "" {
		if err := os.WriteFile(b.jsonFile, js, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	var out []byte
	if b.jsonOut {
		out = js
	} else {
		out = []byte(rep.markdown())
	}
	if b.outFile != "" {
		if err := os.WriteFile(b.outFile, out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		return 0
	}
	_, _ = os.Stdout.Write(out)
	return 0
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// setup pins the harness, builds the server and prepares the feed.
func (b *bench) setup() error {
	b.cores = runtime.NumCPU()
	if !b.noPin {
		if err := b.pinSelf(); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	b.self = exe
	if b.wrk {
		if b.wrkPath, err = exec.LookPath("wrk"); err != nil {
			return fmt.Errorf("-wrk needs wrk, which is not installed: apt-get install -y wrk (Debian/Ubuntu), or run without -wrk")
		}
	}
	if b.perfFile != "" {
		if b.perfPath, err = exec.LookPath("perf"); err != nil {
			return fmt.Errorf("-perf needs perf (Debian package linux-perf)")
		}
		if b.perfFile, err = filepath.Abs(b.perfFile); err != nil {
			return err
		}
	}
	if b.dir, err = os.MkdirTemp("", "calendarbot-bench-"); err != nil {
		return err
	}
	if b.binPath == "" {
		b.binPath = filepath.Join(b.dir, "calendarbot")
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		// As `make build` does: static, no symbol table or DWARF (kept
		// for -perf, which needs the symbols).
		ldflags := "-s -w"
		if b.perfFile != "" {
			ldflags = ""
		}
		logf("building calendarbot: CGO_ENABLED=0 go build -trimpath -ldflags '%s' -o %s ./server/cmd/calendarbot", ldflags, b.binPath)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", b.binPath, "./server/cmd/calendarbot")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %v", err)
		}
	}
	if b.feedFile != "" {
		if b.feed, err = os.ReadFile(b.feedFile); err != nil {
			return err
		}
	} else {
		now := time.Now().UTC().Truncate(time.Hour)
		if b.now != "" {
			if now, err = time.Parse(time.RFC3339, b.now); err != nil {
				return fmt.Errorf("-now: %v", err)
			}
		}
		b.feed = icsgen.Generate(icsgen.Options{Now: now})
		logf("generated the Outlook-style feed with icsgen around %s: %d bytes", now.Format(time.RFC3339), len(b.feed))
	}
	b.feedPath = filepath.Join(b.dir, "feed.ics")
	return os.WriteFile(b.feedPath, b.feed, 0o644)
}

// pinSelf re-executes the harness under `taskset -c LOADCORE`, so that the
// harness (feed server, probes, sampling) and the load generator stay off
// the server's core.
func (b *bench) pinSelf() error {
	ts, err := exec.LookPath("taskset")
	if err != nil {
		logf("taskset not found (Debian package util-linux): NOT pinning to cores; results are less stable")
		return nil
	}
	if b.cores < 2 && os.Getenv(pinnedEnv) == "" {
		logf("only %d core available: NOT pinning; server and load generator share the core", b.cores)
		return nil
	}
	b.taskset = ts
	if os.Getenv(pinnedEnv) != "" {
		b.cores, _ = strconv.Atoi(os.Getenv(pinnedEnv))
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), pinnedEnv+"="+strconv.Itoa(b.cores))
	argv := append([]string{ts, "-c", b.loadCore, exe}, os.Args[1:]...)
	return syscall.Exec(ts, argv, env)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the calendarbot module: run from the repository (or pass -bin)")
	}
	return filepath.Dir(mod), nil
}

// runReportCmd is `bench report FILE.json`: the Markdown report again from
// a JSON report (-json or -json-file).
func runReportCmd(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: bench report FILE.json")
		return 2
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if len(rep.Runs) == 0 {
		fmt.Fprintln(os.Stderr, "bench: no runs in", args[0])
		return 1
	}
	fmt.Print(rep.markdown())
	return 0
}
