package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// LoadResult is one measured load run against one server.
type LoadResult struct {
	loadReport
	ServerCPUS float64 `json:"server_cpu_s"`        // utime+stime delta of the server process
	CPUPer1k   float64 `json:"server_cpu_s_per_1k"` // server CPU seconds per 1,000 requests
	ServerUtil float64 `json:"server_cpu_util"`     // server CPU / elapsed (1 = one core busy)
	ClientUtil float64 `json:"client_cpu_util"`     // load generator CPU / elapsed
	RSSMaxKiB  int64   `json:"rss_max_kib"`         // highest VmRSS sampled every 100 ms during the run
	// AnonMaxKiB is the highest RssAnon in the same samples: the server's
	// own memory, without the mapped binary's pages.
	AnonMaxKiB int64 `json:"rss_anon_max_kib"`
	// The server core over the run (pinned runs only): CPU used by other
	// processes (busy time minus the server's) and stolen by the hypervisor,
	// as fractions of the elapsed time. High values mean a noisy sample.
	OtherUtil float64 `json:"server_core_other_util"`
	StealUtil float64 `json:"server_core_steal_util"`
	// Go heap allocation by the server per request and garbage collections
	// per 1,000 requests (from /metrics, or the minimal handler's memstats).
	AllocsPerReq float64    `json:"allocs_per_req"`
	BytesPerReq  float64    `json:"alloc_bytes_per_req"`
	GCsPer1k     float64    `json:"gcs_per_1k"`
	Wrk          *wrkResult `json:"wrk,omitempty"`
}

// ServerRun is one server process from start to stop.
type ServerRun struct {
	Name string   `json:"name"` // default, no-caching, no-coalescing, minimal
	Args []string `json:"args"`
	// Startup, in ms from just before exec (taskset included).
	FirstResponseMs float64 `json:"first_response_ms"`
	FirstDataMs     float64 `json:"first_data_ms"`     // first /api/whats-next with a meeting
	FeedRequestMs   float64 `json:"feed_request_ms"`   // the server asked for the feed (HTTP feed only)
	FeedDeliveredMs float64 `json:"feed_delivered_ms"` // the feed server wrote the last byte
	FeedToDataMs    float64 `json:"feed_to_data_ms"`   // first correct answer - feed delivered
	// Memory, KiB.
	RSSRefreshKiB   int64 `json:"rss_after_refresh_kib"` // -settle after the first correct answer
	HWMRefreshKiB   int64 `json:"hwm_after_refresh_kib"`
	RSSAfterLoadKiB int64 `json:"rss_after_load_kib"`
	HWMAfterLoadKiB int64 `json:"hwm_after_load_kib"`
	Threads         int64 `json:"threads"`
	// VmRSS split after the first refresh: anonymous memory (heap, stacks)
	// and file-backed pages (the mapped binary).
	RssAnonKiB int64  `json:"rss_anon_after_refresh_kib"`
	RssFileKiB int64  `json:"rss_file_after_refresh_kib"`
	Cpus       string `json:"cpus_allowed"`

	BodyBytes int                `json:"body_bytes"`
	Loads     []LoadResult       `json:"loads"`          // one per -connections value, in order
	Soak      []SoakSample       `json:"soak,omitempty"` // -soak: memory during steady polling
	Metrics   map[string]float64 `json:"metrics,omitempty"`
}

// PoolRun is one feed-fetch measurement with pooling on or off.
type PoolRun struct {
	Pooling      bool    `json:"pooling"`
	Feeds        int     `json:"feeds"`
	Cycles       int     `json:"cycles"`
	Fetches      float64 `json:"fetches"`
	FetchMeanMs  float64 `json:"fetch_mean_ms"` // calendarbot_feed_fetch_duration_seconds sum/count
	ConnReused   float64 `json:"conn_reused"`   // calendarbot_http_conn_total{reused="true"}
	ConnFresh    float64 `json:"conn_fresh"`
	TCPConns     int64   `json:"tcp_conns"`      // connections the feed server accepted
	FirstCycleMs float64 `json:"first_cycle_ms"` // start -> every feed delivered once
	FirstDataMs  float64 `json:"first_data_ms"`
	ParseMeanMs  float64 `json:"parse_mean_ms"`
	RSSKiB       int64   `json:"rss_kib"`
	HWMKiB       int64   `json:"hwm_kib"`
}

// Run is one pass over everything.
type Run struct {
	Servers []ServerRun   `json:"servers"`
	Paired  *PairedResult `json:"paired,omitempty"`
	Pool    []PoolRun     `json:"pool,omitempty"`
}

func (r *Run) server(name string) *ServerRun {
	for i := range r.Servers {
		if r.Servers[i].Name == name {
			return &r.Servers[i]
		}
	}
	return nil
}

func (b *bench) oneRun() (*Run, error) {
	run := &Run{}
	def, body, hdr, err := b.serverRun("default", nil)
	if err != nil {
		return nil, fmt.Errorf("default server: %w", err)
	}
	run.Servers = append(run.Servers, *def)
	if !b.skipMinimal {
		m, err := b.minimalRun(body, hdr)
		if err != nil {
			return nil, fmt.Errorf("minimal handler: %w", err)
		}
		run.Servers = append(run.Servers, *m)
		if b.pairSlices > 1 {
			if run.Paired, err = b.pairedRun(); err != nil {
				return nil, fmt.Errorf("paired comparison: %w", err)
			}
		}
	}
	if !b.skipSwitch {
		for _, sw := range []string{"no-caching", "no-coalescing"} {
			s, _, _, err := b.serverRun(sw, []string{"--" + sw})
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", sw, err)
			}
			run.Servers = append(run.Servers, *s)
		}
	}
	if !b.skipPooling && !b.fileFeed {
		for _, on := range []bool{true, false} {
			p, err := b.poolRun(on)
			if err != nil {
				return nil, fmt.Errorf("pooling=%v: %w", on, err)
			}
			run.Pool = append(run.Pool, *p)
		}
	}
	return run, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func (b *bench) serverArgs(addr string, extra ...string) []string {
	args := []string{b.binPath, "serve", "--listen", addr}
	if b.tz != "" {
		args = append(args, "--tz", b.tz)
	}
	if b.now != "" {
		args = append(args, "--now", b.now)
	}
	return append(args, extra...)
}

// serverRun starts calendarbot with one feed and the extra flags, measures
// startup and memory, loads it, and returns the body and headers of its
// what's-next answer (for the minimal handler).
func (b *bench) serverRun(name string, extra []string) (*ServerRun, []byte, http.Header, error) {
	logf("%s: starting calendarbot %v", name, extra)
	srv, err := b.startServer(name, name+".log", extra)
	if err != nil {
		return nil, nil, nil, err
	}
	defer srv.stop()
	p, body, hdr := srv.p, srv.body, srv.hdr
	sr := &ServerRun{Name: name, Args: srv.args[1:]}
	sr.FirstResponseMs, sr.FirstDataMs = ms(srv.firstResp.Sub(srv.start)), ms(srv.firstData.Sub(srv.start))
	if srv.fsrv != nil {
		_, req, done, _ := srv.fsrv.stats()
		sr.FeedRequestMs, sr.FeedDeliveredMs = ms(req), ms(done)
		sr.FeedToDataMs = sr.FirstDataMs - sr.FeedDeliveredMs
	}
	sr.BodyBytes = len(body)
	time.Sleep(b.settle)
	st, err := readStatus(p.pid())
	if err != nil {
		return nil, nil, nil, err
	}
	sr.RSSRefreshKiB, sr.HWMRefreshKiB, sr.Cpus = st.VmRSSKiB, st.VmHWMKiB, st.CpusList
	sr.RssAnonKiB, sr.RssFileKiB = st.RssAnonKiB, st.RssFileKiB
	logf("%s: first response %.1f ms, first meeting %.1f ms (feed delivered at %.1f ms), VmRSS %d KiB, VmHWM %d KiB",
		name, sr.FirstResponseMs, sr.FirstDataMs, sr.FeedDeliveredMs, st.VmRSSKiB, st.VmHWMKiB)
	if err := b.loadAll(p, sr); err != nil {
		return nil, nil, nil, err
	}
	if name == "default" && b.soak > 0 {
		if sr.Soak, err = b.soakRun(p); err != nil {
			return nil, nil, nil, fmt.Errorf("soak: %w", err)
		}
	}
	if sr.Metrics, err = scrapeMetrics(p.addr); err != nil {
		return nil, nil, nil, err
	}
	sr.Metrics = pickMetrics(sr.Metrics)
	return sr, body, hdr, nil
}

// startedServer is a calendarbot process with its feed server, after its
// first correct answer.
type startedServer struct {
	p    *proc
	fsrv *feedServer // nil with -file-feed
	args []string    // the command line
	// start is just before exec (taskset included); firstResp is the first
	// HTTP answer, firstData the first what's-next with a meeting.
	start, firstResp, firstData time.Time
	body                        []byte // that answer, and its headers
	hdr                         http.Header
}

func (s *startedServer) stop() {
	if s.p != nil {
		s.p.stop()
	}
	if s.fsrv != nil {
		s.fsrv.close()
	}
}

// startServer starts calendarbot on a free port with the bench's feed
// (served over HTTP unless -file-feed) and extra flags, logging to logFile
// in the bench directory, and waits for its first correct answer.
func (b *bench) startServer(name, logFile string, extra []string) (s *startedServer, err error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	s = &startedServer{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	feedURL := b.feedPath
	if !b.fileFeed {
		if s.fsrv, err = newFeedServer(b.feed); err != nil {
			return nil, err
		}
		feedURL = s.fsrv.url("Work")
	}
	s.args = b.serverArgs(addr, append([]string{"--feed", "Work=" + feedURL}, extra...)...)
	s.start = time.Now()
	if s.fsrv != nil {
		s.fsrv.reset(s.start)
	}
	if s.p, err = b.startProc(name, addr, filepath.Join(b.dir, logFile), s.args...); err != nil {
		return nil, err
	}
	s.p.start = s.start
	if s.firstResp, err = s.p.waitResponse("http://"+addr+"/api/health", time.Millisecond, 20*time.Second); err != nil {
		return nil, err
	}
	if s.firstData, s.body, s.hdr, err = s.p.waitData(2*time.Millisecond, 30*time.Second); err != nil {
		return nil, err
	}
	return s, nil
}

// loadAll warms the server up, runs one measured load per connection count
// and records memory afterwards.
func (b *bench) loadAll(p *proc, sr *ServerRun) error {
	if b.warmup > 0 {
		maxc := 1
		for _, c := range b.conns {
			maxc = max(maxc, c)
		}
		if _, err := b.loadgen(p.addr, maxc, b.warmup); err != nil {
			return err
		}
	}
	for _, c := range b.conns {
		lr, err := b.measureLoad(p, c)
		if err != nil {
			return err
		}
		sr.Loads = append(sr.Loads, *lr)
	}
	st, err := readStatus(p.pid())
	if err != nil {
		return err
	}
	sr.RSSAfterLoadKiB, sr.HWMAfterLoadKiB, sr.Threads = st.VmRSSKiB, st.VmHWMKiB, st.Threads
	return nil
}

// measureLoad runs the load generator once and charges the server's CPU
// time over the run to its requests.
func (b *bench) measureLoad(p *proc, conns int) (*LoadResult, error) {
	cpu0, err := cpuSeconds(p.pid())
	if err != nil {
		return nil, err
	}
	core0, coreErr := b.coreTicks()
	mem0, memErr := readMemstats(p)
	var perfCmd *exec.Cmd
	if b.perfFile != "" && p.name == "default" && conns == b.maxConns() {
		perfCmd = b.startPerf(p.pid())
	}
	var mu sync.Mutex
	var rssMax, anonMax int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if st, err := readStatus(p.pid()); err == nil {
				mu.Lock()
				rssMax = max(rssMax, st.VmRSSKiB)
				anonMax = max(anonMax, st.RssAnonKiB)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	rep, err := b.loadgen(p.addr, conns, b.duration)
	close(stop)
	wg.Wait()
	if perfCmd != nil {
		b.finishPerf(perfCmd)
	}
	if err != nil {
		return nil, err
	}
	cpu1, err := cpuSeconds(p.pid())
	if err != nil {
		return nil, err
	}
	lr := &LoadResult{loadReport: *rep, ServerCPUS: cpu1 - cpu0, RSSMaxKiB: rssMax, AnonMaxKiB: anonMax}
	if core1, err := b.coreTicks(); err == nil && coreErr == nil && rep.ElapsedS > 0 {
		busy := float64(core1.Busy-core0.Busy) / clockTicks
		lr.OtherUtil = max(0, busy-lr.ServerCPUS) / rep.ElapsedS
		lr.StealUtil = float64(core1.Steal-core0.Steal) / clockTicks / rep.ElapsedS
	}
	if rep.Requests > 0 {
		lr.CPUPer1k = lr.ServerCPUS / float64(rep.Requests) * 1000
		if mem1, err := readMemstats(p); err == nil && memErr == nil {
			n := float64(rep.Requests)
			lr.AllocsPerReq = float64(mem1.Mallocs-mem0.Mallocs) / n
			lr.BytesPerReq = float64(mem1.TotalAlloc-mem0.TotalAlloc) / n
			lr.GCsPer1k = float64(mem1.NumGC-mem0.NumGC) / n * 1000
		}
	}
	if rep.ElapsedS > 0 {
		lr.ServerUtil = lr.ServerCPUS / rep.ElapsedS
		lr.ClientUtil = rep.ClientCPUS / rep.ElapsedS
	}
	logf("  c=%d: %.0f req/s, p50 %.3f ms, p99 %.3f ms, max %.2f ms, server CPU %.4f s/1k req (%.0f%% of a core), load generator %.0f%% of a core, other processes %.0f%% + steal %.0f%% of the server core, %.1f allocs and %.0f B per request, errors %d, non-200 %d",
		conns, rep.RPS, rep.P50Ms, rep.P99Ms, rep.MaxMs, lr.CPUPer1k, lr.ServerUtil*100, lr.ClientUtil*100, lr.OtherUtil*100, lr.StealUtil*100,
		lr.AllocsPerReq, lr.BytesPerReq, rep.Errors, rep.Non200)
	if rep.Errors > 0 {
		logf("  first error: %s", rep.FirstError)
	}
	if b.wrk {
		w, err := b.runWrk(p.addr, conns)
		if err != nil {
			return nil, err
		}
		lr.Wrk = w
		logf("  wrk c=%d: %.0f req/s, p50 %.3f ms, p99 %.3f ms", conns, w.RPS, w.P50Ms, w.P99Ms)
	}
	return lr, nil
}

func (b *bench) maxConns() int {
	m := 0
	for _, c := range b.conns {
		m = max(m, c)
	}
	return m
}

// readMemstats reads the allocation counters of a server: calendarbot's
// /metrics, or the minimal handler's memstats path.
func readMemstats(p *proc) (memstats, error) {
	if p.name == "minimal" {
		resp, err := probeClient.Get("http://" + p.addr + memstatsPath)
		if err != nil {
			return memstats{}, err
		}
		defer resp.Body.Close()
		var m memstats
		err = json.NewDecoder(resp.Body).Decode(&m)
		return m, err
	}
	m, err := scrapeMetrics(p.addr)
	if err != nil {
		return memstats{}, err
	}
	return memstats{Mallocs: uint64(m["go_memstats_mallocs_total"]), TotalAlloc: uint64(m["go_memstats_alloc_bytes_total"]),
		NumGC: uint32(m["go_gc_duration_seconds_count"])}, nil
}

// coreTicks reads the server core's counters (an error when not pinned).
func (b *bench) coreTicks() (coreTicks, error) {
	if b.taskset == "" {
		return coreTicks{}, fmt.Errorf("not pinned")
	}
	return readCoreTicks(b.serverCore)
}

// loadgen runs `bench loadgen` pinned to the load core.
func (b *bench) loadgen(addr string, conns int, d time.Duration) (*loadReport, error) {
	argv := b.pinned(b.loadCore, b.self, "loadgen", "-addr", addr, "-path", "/api/whats-next",
		"-c", strconv.Itoa(conns), "-d", d.String())
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = childEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("load generator: %v: %s", err, stderr.String())
	}
	var rep loadReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("load generator output: %v", err)
	}
	if rep.Requests == 0 {
		return nil, fmt.Errorf("load generator: no successful request (%s)", rep.FirstError)
	}
	return &rep, nil
}

// startMinimal starts the minimal handler on a free port, serving body
// with hdr (written to files named after tag), and returns it with its
// command line.
func (b *bench) startMinimal(tag string, body []byte, hdr http.Header) (*proc, []string, error) {
	bodyFile := filepath.Join(b.dir, tag+".json")
	hdrFile := filepath.Join(b.dir, tag+".headers.json")
	hj, err := json.Marshal(hdr)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(hdrFile, hj, 0o644); err != nil {
		return nil, nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	argv := []string{b.self, "minimal", "-listen", addr, "-body", bodyFile, "-headers", hdrFile}
	p, err := b.startProc("minimal", addr, filepath.Join(b.dir, tag+"-minimal.log"), argv...)
	return p, argv, err
}

// minimalRun serves the captured answer from the minimal handler.
func (b *bench) minimalRun(body []byte, hdr http.Header) (*ServerRun, error) {
	logf("minimal: starting the minimal handler")
	p, argv, err := b.startMinimal("whats-next", body, hdr)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	sr := &ServerRun{Name: "minimal", Args: argv[1:], BodyBytes: len(body)}
	t1, err := p.waitResponse("http://"+p.addr+"/api/whats-next", time.Millisecond, 20*time.Second)
	if err != nil {
		return nil, err
	}
	sr.FirstResponseMs = ms(t1.Sub(p.start))
	sr.FirstDataMs = sr.FirstResponseMs
	time.Sleep(b.settle)
	st, err := readStatus(p.pid())
	if err != nil {
		return nil, err
	}
	sr.RSSRefreshKiB, sr.HWMRefreshKiB, sr.Cpus = st.VmRSSKiB, st.VmHWMKiB, st.CpusList
	sr.RssAnonKiB, sr.RssFileKiB = st.RssAnonKiB, st.RssFileKiB
	if err := b.loadAll(p, sr); err != nil {
		return nil, err
	}
	return sr, nil
}

// poolRun measures feed fetching: poolFeeds feeds on one host, fetched in
// cycles of at most 4 at a time, with connection pooling on or off.
func (b *bench) poolRun(pooling bool) (*PoolRun, error) {
	name := "pooling"
	if !pooling {
		name = "no-pooling"
	}
	logf("%s: %d feeds, %d refresh cycle(s)", name, b.poolFeeds, b.poolCycles)
	fsrv, err := newFeedServer(b.feed)
	if err != nil {
		return nil, err
	}
	defer fsrv.close()
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	var extra []string
	for i := 1; i <= b.poolFeeds; i++ {
		n := "F" + strconv.Itoa(i)
		extra = append(extra, "--feed", n+"="+fsrv.url(n))
	}
	if b.poolCycles > 1 {
		extra = append(extra, "--refresh", "30s")
	}
	if !pooling {
		extra = append(extra, "--no-pooling")
	}
	argv := b.serverArgs(addr, extra...)
	start := time.Now()
	fsrv.reset(start)
	p, err := b.startProc(name, addr, filepath.Join(b.dir, name+".log"), argv...)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	p.start = start
	pr := &PoolRun{Pooling: pooling, Feeds: b.poolFeeds, Cycles: b.poolCycles}
	if !fsrv.waitServed(b.poolFeeds, 30*time.Second) {
		return nil, fmt.Errorf("the feeds were not all fetched within 30 s: %s", p.logTail())
	}
	_, _, _, last := fsrv.stats()
	pr.FirstCycleMs = ms(last)
	t, _, _, err := p.waitData(2*time.Millisecond, 30*time.Second)
	if err != nil {
		return nil, err
	}
	pr.FirstDataMs = ms(t.Sub(start))
	if b.poolCycles > 1 {
		wait := time.Duration(b.poolCycles-1)*33*time.Second + 10*time.Second
		logf("%s: waiting up to %v for %d more cycle(s) (--refresh 30s ± 10%%)", name, wait, b.poolCycles-1)
		if !fsrv.waitServed(b.poolFeeds*b.poolCycles, wait) {
			return nil, fmt.Errorf("refresh cycles did not happen: %s", p.logTail())
		}
	}
	time.Sleep(300 * time.Millisecond)
	m, err := scrapeMetrics(addr)
	if err != nil {
		return nil, err
	}
	pr.Fetches = sumMetric(m, "calendarbot_feed_fetch_total")
	if n := sumMetric(m, "calendarbot_feed_fetch_duration_seconds_count"); n > 0 {
		pr.FetchMeanMs = sumMetric(m, "calendarbot_feed_fetch_duration_seconds_sum") / n * 1000
	}
	if n := sumMetric(m, "calendarbot_parse_duration_seconds_count"); n > 0 {
		pr.ParseMeanMs = sumMetric(m, "calendarbot_parse_duration_seconds_sum") / n * 1000
	}
	pr.ConnReused = m[`calendarbot_http_conn_total{reused="true"}`]
	pr.ConnFresh = m[`calendarbot_http_conn_total{reused="false"}`]
	pr.TCPConns = fsrv.conns.Load()
	st, err := readStatus(p.pid())
	if err != nil {
		return nil, err
	}
	pr.RSSKiB, pr.HWMKiB = st.VmRSSKiB, st.VmHWMKiB
	logf("%s: %.0f fetches, mean %.2f ms, connections reused %.0f / fresh %.0f, TCP connections at the feed server %d, first cycle %.1f ms, VmHWM %d KiB",
		name, pr.Fetches, pr.FetchMeanMs, pr.ConnReused, pr.ConnFresh, pr.TCPConns, pr.FirstCycleMs, pr.HWMKiB)
	return pr, nil
}

// pickMetrics keeps the series the report uses.
func pickMetrics(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, k := range []string{
		`calendarbot_cache_requests_total{result="hit"}`,
		`calendarbot_cache_requests_total{result="miss"}`,
		`calendarbot_cache_requests_total{result="bypass"}`,
		`calendarbot_coalesced_total`,
		`calendarbot_cache_entries`,
		`calendarbot_cache_bytes`,
		`calendarbot_parse_duration_seconds_sum`,
		`calendarbot_parse_duration_seconds_count`,
		`calendarbot_expand_duration_seconds_sum`,
		`calendarbot_expand_duration_seconds_count`,
		`calendarbot_service_calls_total{method="whats_next"}`,
		`go_memstats_heap_inuse_bytes`,
		`go_memstats_heap_sys_bytes`,
		`go_memstats_stack_inuse_bytes`,
		`go_memstats_sys_bytes`,
		`go_memstats_next_gc_bytes`,
		`go_gc_duration_seconds_count`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}
