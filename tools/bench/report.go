package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Report is the harness's output: the environment, the parameters, every
// run's raw figures and (in JSON) medians and ranges over the runs.
type Report struct {
	Env     Env             `json:"env"`
	Params  Params          `json:"params"`
	Runs    []Run           `json:"runs"`
	Summary map[string]Stat `json:"summary,omitempty"`
}

type Env struct {
	Date       string `json:"date"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	Pinned     bool   `json:"pinned"`
	ServerCore string `json:"server_core,omitempty"`
	LoadCore   string `json:"load_core,omitempty"`
	Commit     string `json:"commit,omitempty"`
	FeedBytes  int    `json:"feed_bytes"`
	FeedSource string `json:"feed_source"`
}

type Params struct {
	Duration    string   `json:"duration"`
	Warmup      string   `json:"warmup"`
	Connections []int    `json:"connections"`
	Runs        int      `json:"runs"`
	FeedOver    string   `json:"feed_over"` // http or file
	Now         string   `json:"now,omitempty"`
	TZ          string   `json:"tz,omitempty"`
	PoolFeeds   int      `json:"pool_feeds"`
	PoolCycles  int      `json:"pool_cycles"`
	ServerEnv   []string `json:"server_env,omitempty"`
}

// Stat is a median and range over runs; NaN (missing) marshals as null.
type Stat struct {
	Median jf  `json:"median"`
	Min    jf  `json:"min"`
	Max    jf  `json:"max"`
	N      int `json:"n"`
}

type jf float64

func (f jf) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func (b *bench) env() Env {
	e := Env{
		Date: time.Now().UTC().Format(time.RFC3339), Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, CPU: cpuModel(), Cores: b.cores,
		Pinned: b.taskset != "", FeedBytes: len(b.feed), FeedSource: "icsgen default (Outlook style)",
	}
	if e.Pinned {
		e.ServerCore, e.LoadCore = b.serverCore, b.loadCore
	}
	if b.feedFile != "" {
		e.FeedSource = b.feedFile
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
	}
	return e
}

func (b *bench) params() Params {
	p := Params{Duration: b.duration.String(), Warmup: b.warmup.String(), Connections: b.conns, Runs: b.runs,
		FeedOver: "http", Now: b.now, TZ: b.tz, PoolFeeds: b.poolFeeds, PoolCycles: b.poolCycles, ServerEnv: b.serverEnv}
	if b.fileFeed {
		p.FeedOver = "file"
	}
	return p
}

// Getters over runs; NaN when the figure was not measured.

func (r *Report) values(get func(*Run) float64) []float64 {
	out := make([]float64, len(r.Runs))
	for i := range r.Runs {
		out[i] = get(&r.Runs[i])
	}
	return out
}

func srv(name string, get func(*ServerRun) float64) func(*Run) float64 {
	return func(r *Run) float64 {
		if s := r.server(name); s != nil {
			return get(s)
		}
		return math.NaN()
	}
}

func load(name string, i int, get func(*LoadResult) float64) func(*Run) float64 {
	return srv(name, func(s *ServerRun) float64 {
		if i < 0 || i >= len(s.Loads) {
			return math.NaN()
		}
		return get(&s.Loads[i])
	})
}

func pool(on bool, get func(*PoolRun) float64) func(*Run) float64 {
	return func(r *Run) float64 {
		for i := range r.Pool {
			if r.Pool[i].Pooling == on {
				return get(&r.Pool[i])
			}
		}
		return math.NaN()
	}
}

// ratio of the cached server's throughput to the minimal handler's, in %.
func cachedPct(i int) func(*Run) float64 {
	return func(r *Run) float64 {
		a := load("default", i, func(l *LoadResult) float64 { return l.RPS })(r)
		m := load("minimal", i, func(l *LoadResult) float64 { return l.RPS })(r)
		return 100 * a / m
	}
}

// pairedPct reads a median of the paired comparison (NaN without one).
func pairedPct(get func(*PairedResult) float64) func(*Run) float64 {
	return func(r *Run) float64 {
		if r.Paired == nil {
			return math.NaN()
		}
		return get(r.Paired)
	}
}

func kib2mib(k int64) float64 { return float64(k) / 1024 }

var serverNames = []string{"default", "minimal", "no-caching", "no-coalescing"}

// metricDefs lists every summarised figure by key.
func (r *Report) metricDefs() []struct {
	key string
	get func(*Run) float64
} {
	type def = struct {
		key string
		get func(*Run) float64
	}
	var defs []def
	for _, n := range serverNames {
		defs = append(defs,
			def{n + ".first_response_ms", srv(n, func(s *ServerRun) float64 { return s.FirstResponseMs })},
			def{n + ".first_data_ms", srv(n, func(s *ServerRun) float64 { return s.FirstDataMs })},
			def{n + ".feed_to_data_ms", srv(n, func(s *ServerRun) float64 { return s.FeedToDataMs })},
			def{n + ".rss_after_refresh_mib", srv(n, func(s *ServerRun) float64 { return kib2mib(s.RSSRefreshKiB) })},
			def{n + ".hwm_after_refresh_mib", srv(n, func(s *ServerRun) float64 { return kib2mib(s.HWMRefreshKiB) })},
			def{n + ".rss_after_load_mib", srv(n, func(s *ServerRun) float64 { return kib2mib(s.RSSAfterLoadKiB) })},
			def{n + ".hwm_after_load_mib", srv(n, func(s *ServerRun) float64 { return kib2mib(s.HWMAfterLoadKiB) })},
		)
		for i, c := range r.Params.Connections {
			p := fmt.Sprintf("%s.c%d.", n, c)
			defs = append(defs,
				def{p + "rps", load(n, i, func(l *LoadResult) float64 { return l.RPS })},
				def{p + "p50_ms", load(n, i, func(l *LoadResult) float64 { return l.P50Ms })},
				def{p + "p99_ms", load(n, i, func(l *LoadResult) float64 { return l.P99Ms })},
				def{p + "max_ms", load(n, i, func(l *LoadResult) float64 { return l.MaxMs })},
				def{p + "server_cpu_s_per_1k", load(n, i, func(l *LoadResult) float64 { return l.CPUPer1k })},
				def{p + "rss_max_mib", load(n, i, func(l *LoadResult) float64 { return kib2mib(l.RSSMaxKiB) })},
				def{p + "client_cpu_util", load(n, i, func(l *LoadResult) float64 { return l.ClientUtil })},
				def{p + "server_core_other_util", load(n, i, func(l *LoadResult) float64 { return l.OtherUtil })},
				def{p + "allocs_per_req", load(n, i, func(l *LoadResult) float64 { return l.AllocsPerReq })},
				def{p + "alloc_bytes_per_req", load(n, i, func(l *LoadResult) float64 { return l.BytesPerReq })},
			)
		}
	}
	for i, c := range r.Params.Connections {
		defs = append(defs, def{fmt.Sprintf("cached_pct_of_minimal.c%d", c), cachedPct(i)})
	}
	defs = append(defs,
		def{"paired.cached_pct_of_minimal_rps", pairedPct((*PairedResult).MedianRPS)},
		def{"paired.cached_pct_of_minimal_cpu", pairedPct((*PairedResult).MedianCPU)})
	for _, on := range []bool{true, false} {
		p := "pooling."
		if !on {
			p = "no-pooling."
		}
		defs = append(defs,
			def{p + "fetch_mean_ms", pool(on, func(x *PoolRun) float64 { return x.FetchMeanMs })},
			def{p + "conn_reused", pool(on, func(x *PoolRun) float64 { return x.ConnReused })},
			def{p + "conn_fresh", pool(on, func(x *PoolRun) float64 { return x.ConnFresh })},
			def{p + "tcp_conns", pool(on, func(x *PoolRun) float64 { return float64(x.TCPConns) })},
			def{p + "first_cycle_ms", pool(on, func(x *PoolRun) float64 { return x.FirstCycleMs })},
			def{p + "hwm_mib", pool(on, func(x *PoolRun) float64 { return kib2mib(x.HWMKiB) })},
		)
	}
	return defs
}

func (r *Report) stat(get func(*Run) float64) Stat {
	v := r.values(get)
	lo, hi := spread(v)
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			n++
		}
	}
	return Stat{Median: jf(median(v)), Min: jf(lo), Max: jf(hi), N: n}
}

func (r *Report) summary() map[string]Stat {
	out := map[string]Stat{}
	for _, d := range r.metricDefs() {
		if s := r.stat(d.get); s.N > 0 {
			out[d.key] = s
		}
	}
	return out
}

// Formatting.

func fmtMs(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case x < 1:
		return fmt.Sprintf("%.3f", x)
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

func fmtInt(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	s := fmt.Sprintf("%.0f", x)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtF(prec int) func(float64) string {
	return func(x float64) string {
		if math.IsNaN(x) {
			return "—"
		}
		return fmt.Sprintf("%.*f", prec, x)
	}
}

// show is "median" for one run, "median (min–max)" for more.
func (r *Report) show(get func(*Run) float64, f func(float64) string) string {
	s := r.stat(get)
	if s.N == 0 {
		return "—"
	}
	if s.N == 1 || s.Min == s.Max {
		return f(float64(s.Median))
	}
	return fmt.Sprintf("%s (%s–%s)", f(float64(s.Median)), f(float64(s.Min)), f(float64(s.Max)))
}

func verdict(ok bool) string {
	if ok {
		return "✅ met"
	}
	return "❌ missed"
}

func (r *Report) connIndex(want int, largest bool) (int, int) {
	best := -1
	for i, c := range r.Params.Connections {
		if c == want {
			return i, c
		}
		if best < 0 || (largest && c > r.Params.Connections[best]) || (!largest && c < r.Params.Connections[best]) {
			best = i
		}
	}
	if best < 0 {
		return -1, 0
	}
	return best, r.Params.Connections[best]
}

func (r *Report) markdown() string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	e := r.Env
	pin := "not pinned"
	if e.Pinned {
		pin = fmt.Sprintf("servers on core %s (GOMAXPROCS=1), load generator and harness on core %s", e.ServerCore, e.LoadCore)
	}
	runs := "1 run"
	if len(r.Runs) > 1 {
		runs = fmt.Sprintf("median (min–max) of %d runs", len(r.Runs))
	}
	p("### CalendarBot whole-process benchmark\n\n")
	p("%s, %s, %s, %d cores; %s. Feed: %s, %d bytes, over %s. Load: %s per run, keep-alive, after %s warm-up. Figures: %s. Commit %s, %s.\n\n",
		e.Go, e.Platform, e.CPU, e.Cores, pin, e.FeedSource, e.FeedBytes, r.Params.FeedOver, r.Params.Duration, r.Params.Warmup, runs, e.Commit, e.Date)
	if len(r.Params.ServerEnv) > 0 {
		p("calendarbot's environment adds %s.\n\n", strings.Join(r.Params.ServerEnv, " "))
	}

	i1, c1 := r.connIndex(1, false)
	i16, c16 := r.connIndex(16, true)
	med := func(get func(*Run) float64) float64 { return float64(r.stat(get).Median) }

	p("| metric | budget (one core) | Python CalendarBot | CalendarBot | |\n|---|---|---|---|---|\n")
	p("| startup → first HTTP response | — | 0.6–1.1 s | %s ms | |\n", r.show(srv("default", func(s *ServerRun) float64 { return s.FirstResponseMs }), fmtMs))
	p("| startup → first what's-next with data | — | 1.1–1.9 s | %s ms | |\n", r.show(srv("default", func(s *ServerRun) float64 { return s.FirstDataMs }), fmtMs))
	if r.Params.FeedOver == "http" {
		g := srv("default", func(s *ServerRun) float64 { return s.FeedToDataMs })
		p("| feed delivered → first correct answer | ≤ 100 ms | — | %s ms | %s |\n", r.show(g, fmtMs), verdict(med(g) <= 100))
	}
	rss := srv("default", func(s *ServerRun) float64 { return kib2mib(s.RSSRefreshKiB) })
	hwm := srv("default", func(s *ServerRun) float64 { return kib2mib(s.HWMRefreshKiB) })
	p("| RSS after first refresh: VmRSS / VmHWM | ≤ 15 MiB | 60 / 62 MiB | %s / %s MiB | %s |\n",
		r.show(rss, fmtF(1)), r.show(hwm, fmtF(1)), verdict(med(hwm) <= 15))
	if i16 >= 0 {
		under := load("default", i16, func(l *LoadResult) float64 { return kib2mib(l.RSSMaxKiB) })
		hwmL := srv("default", func(s *ServerRun) float64 { return kib2mib(s.HWMAfterLoadKiB) })
		anon := load("default", i16, func(l *LoadResult) float64 { return kib2mib(l.AnonMaxKiB) })
		p("| RSS under load (c=%d): max VmRSS / VmHWM after | ≤ 15 MiB | 60 MiB, no growth | %s / %s MiB (anonymous ≤ %s) | %s |\n",
			c16, r.show(under, fmtF(1)), r.show(hwmL, fmtF(1)), r.show(anon, fmtF(1)), verdict(med(hwmL) <= 15))
	}
	if i1 >= 0 {
		p("| what's-next c=%d: req/s | — | 2,100–3,000 | %s | |\n", c1, r.show(load("default", i1, func(l *LoadResult) float64 { return l.RPS }), fmtInt))
		p("| what's-next c=%d: p50 / p99 / max | — | 0.3–0.5 / 3–5 ms (sequential) | %s / %s / %s ms | |\n", c1,
			r.show(load("default", i1, func(l *LoadResult) float64 { return l.P50Ms }), fmtMs),
			r.show(load("default", i1, func(l *LoadResult) float64 { return l.P99Ms }), fmtMs),
			r.show(load("default", i1, func(l *LoadResult) float64 { return l.MaxMs }), fmtMs))
	}
	if i16 >= 0 {
		rps := load("default", i16, func(l *LoadResult) float64 { return l.RPS })
		p99 := load("default", i16, func(l *LoadResult) float64 { return l.P99Ms })
		cpu := load("default", i16, func(l *LoadResult) float64 { return l.CPUPer1k })
		p("| what's-next c=%d: req/s | ≥ 30,000 | 2,600–3,800 | %s | %s |\n", c16, r.show(rps, fmtInt), verdict(med(rps) >= 30000))
		p("| what's-next c=%d: p50 / p99 / max | p99 ≤ 2 ms | p99 16–27 ms | %s / %s / %s ms | %s |\n", c16,
			r.show(load("default", i16, func(l *LoadResult) float64 { return l.P50Ms }), fmtMs),
			r.show(p99, fmtMs),
			r.show(load("default", i16, func(l *LoadResult) float64 { return l.MaxMs }), fmtMs), verdict(med(p99) <= 2))
		p("| server CPU per 1,000 requests (c=%d) | ≤ 0.03 s | 0.23–0.41 s | %s s | %s |\n", c16, r.show(cpu, fmtF(4)), verdict(med(cpu) <= 0.03))
		if r.Runs[0].server("minimal") != nil {
			if pr := r.Runs[0].Paired; pr != nil {
				rps, cpu := pairedPct((*PairedResult).MedianRPS), pairedPct((*PairedResult).MedianCPU)
				p("| cached c=%d as %% of the minimal handler: paired, both running, alternating %g s slices (median of %d pairs per run) | ≥ 80 %% | — | %s %% by req/s, %s %% by CPU per request | %s |\n",
					pr.Conns, pr.SliceS, len(pr.PctRPS), r.show(rps, fmtF(0)), r.show(cpu, fmtF(0)), verdict(med(rps) >= 80))
			}
			pct := cachedPct(i16)
			eff := func(x *Run) float64 {
				return 100 * load("minimal", i16, func(l *LoadResult) float64 { return l.CPUPer1k })(x) /
					load("default", i16, func(l *LoadResult) float64 { return l.CPUPer1k })(x)
			}
			p("| the same from the separate runs above (10–30 s apart: the machine's drift shows) | — | — | %s %% by req/s, %s %% by CPU per request | |\n",
				r.show(pct, fmtF(0)), r.show(eff, fmtF(0)))
		}
	}

	p("\n#### `/api/whats-next` by server (%s)\n\n", runs)
	p("| server | c | req/s | p50 ms | p99 ms | max ms | server CPU s / 1k req | server CPU use | load generator CPU use | others + steal on the server core | allocs / bytes per request | GCs per 1k req | errors / non-200 |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range serverNames {
		if r.Runs[0].server(n) == nil {
			continue
		}
		for i, c := range r.Params.Connections {
			l := func(get func(*LoadResult) float64) func(*Run) float64 { return load(n, i, get) }
			p("| %s | %d | %s | %s | %s | %s | %s | %s %% | %s %% | %s %% | %s / %s | %s | %s / %s |\n", label(n), c,
				r.show(l(func(x *LoadResult) float64 { return x.RPS }), fmtInt),
				r.show(l(func(x *LoadResult) float64 { return x.P50Ms }), fmtMs),
				r.show(l(func(x *LoadResult) float64 { return x.P99Ms }), fmtMs),
				r.show(l(func(x *LoadResult) float64 { return x.MaxMs }), fmtMs),
				r.show(l(func(x *LoadResult) float64 { return x.CPUPer1k }), fmtF(4)),
				r.show(l(func(x *LoadResult) float64 { return 100 * x.ServerUtil }), fmtF(0)),
				r.show(l(func(x *LoadResult) float64 { return 100 * x.ClientUtil }), fmtF(0)),
				r.show(l(func(x *LoadResult) float64 { return 100 * (x.OtherUtil + x.StealUtil) }), fmtF(0)),
				fmtF(1)(med(l(func(x *LoadResult) float64 { return x.AllocsPerReq }))),
				fmtInt(med(l(func(x *LoadResult) float64 { return x.BytesPerReq }))),
				fmtF(2)(med(l(func(x *LoadResult) float64 { return x.GCsPer1k }))),
				fmtInt(med(l(func(x *LoadResult) float64 { return float64(x.Errors) }))),
				fmtInt(med(l(func(x *LoadResult) float64 { return float64(x.Non200) }))))
		}
	}

	p("\n#### Undisturbed samples only (others + steal on the server core ≤ %.0f %%)\n\n", 100*quietLimit)
	p("| server | c | samples | req/s | p50 ms | p99 ms | server CPU s / 1k req |\n|---|---|---|---|---|---|---|\n")
	for _, n := range serverNames {
		if r.Runs[0].server(n) == nil {
			continue
		}
		for i, c := range r.Params.Connections {
			q := func(get func(*LoadResult) float64) func(*Run) float64 {
				return load(n, i, func(l *LoadResult) float64 {
					if l.OtherUtil+l.StealUtil > quietLimit {
						return math.NaN()
					}
					return get(l)
				})
			}
			cnt := r.stat(q(func(l *LoadResult) float64 { return l.RPS })).N
			p("| %s | %d | %d of %d | %s | %s | %s | %s |\n", label(n), c, cnt, len(r.Runs),
				r.show(q(func(x *LoadResult) float64 { return x.RPS }), fmtInt),
				r.show(q(func(x *LoadResult) float64 { return x.P50Ms }), fmtMs),
				r.show(q(func(x *LoadResult) float64 { return x.P99Ms }), fmtMs),
				r.show(q(func(x *LoadResult) float64 { return x.CPUPer1k }), fmtF(4)))
		}
	}

	p("\n#### Memory and cache by server, MiB\n\n")
	p("| server | VmRSS / VmHWM after first refresh | of which anonymous / file-backed | max VmRSS / anonymous under load | VmRSS / VmHWM after load | cache hits / misses / coalesced (last run) |\n|---|---|---|---|---|---|\n")
	last := &r.Runs[len(r.Runs)-1]
	for _, n := range serverNames {
		if r.Runs[0].server(n) == nil {
			continue
		}
		underBy := func(f func(*LoadResult) int64) func(x *Run) float64 {
			return func(x *Run) float64 {
				s := x.server(n)
				if s == nil {
					return math.NaN()
				}
				var m int64
				for i := range s.Loads {
					m = max(m, f(&s.Loads[i]))
				}
				return kib2mib(m)
			}
		}
		under := underBy(func(l *LoadResult) int64 { return l.RSSMaxKiB })
		anon := underBy(func(l *LoadResult) int64 { return l.AnonMaxKiB })
		cache := "—"
		if s := last.server(n); s != nil && n != "minimal" {
			cache = fmt.Sprintf("%s / %s / %s", fmtInt(s.Metrics[`calendarbot_cache_requests_total{result="hit"}`]),
				fmtInt(s.Metrics[`calendarbot_cache_requests_total{result="miss"}`]), fmtInt(s.Metrics[`calendarbot_coalesced_total`]))
		}
		p("| %s | %s / %s | %s / %s | %s / %s | %s / %s | %s |\n", label(n),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.RSSRefreshKiB) }), fmtF(1)),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.HWMRefreshKiB) }), fmtF(1)),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.RssAnonKiB) }), fmtF(1)),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.RssFileKiB) }), fmtF(1)),
			r.show(under, fmtF(1)),
			r.show(anon, fmtF(1)),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.RSSAfterLoadKiB) }), fmtF(1)),
			r.show(srv(n, func(s *ServerRun) float64 { return kib2mib(s.HWMAfterLoadKiB) }), fmtF(1)),
			cache)
	}

	if d := last.server("default"); d != nil && len(d.Soak) > 0 {
		p("\n#### Soak: steady polling of the default server (last run): %s\n\n", fmtSoak(d.Soak))
		p("| after s | VmRSS MiB | anonymous MiB | response cache KB | Go heap in use KB | req/s | errors / non-200 |\n|---|---|---|---|---|---|---|\n")
		for _, x := range d.Soak {
			p("| %.0f | %.1f | %.1f | %.0f | %.0f | %s | %d / %d |\n", x.ElapsedS, kib2mib(x.VmRSSKiB), kib2mib(x.RssAnonKiB),
				x.CacheBytes/1024, x.HeapInuse/1024, fmtInt(x.RPS), x.Errors, x.Non200)
		}
	}

	if len(r.Runs[0].Pool) > 0 {
		pr := r.Runs[0].Pool[0]
		p("\n#### Feed fetching, `--no-pooling` (%d feeds on one host, %d refresh cycle(s), at most 4 fetches at a time)\n\n", pr.Feeds, pr.Cycles)
		p("| feed fetcher | fetches | mean fetch time ms | connections reused / fresh (/metrics) | TCP connections at the feed server | start → all feeds delivered, ms | VmHWM MiB |\n|---|---|---|---|---|---|---|\n")
		for _, on := range []bool{true, false} {
			name := "pooling (default)"
			if !on {
				name = "`--no-pooling`"
			}
			g := func(get func(*PoolRun) float64) func(*Run) float64 { return pool(on, get) }
			p("| %s | %s | %s | %s / %s | %s | %s | %s |\n", name,
				r.show(g(func(x *PoolRun) float64 { return x.Fetches }), fmtInt),
				r.show(g(func(x *PoolRun) float64 { return x.FetchMeanMs }), fmtMs),
				r.show(g(func(x *PoolRun) float64 { return x.ConnReused }), fmtInt),
				r.show(g(func(x *PoolRun) float64 { return x.ConnFresh }), fmtInt),
				r.show(g(func(x *PoolRun) float64 { return float64(x.TCPConns) }), fmtInt),
				r.show(g(func(x *PoolRun) float64 { return x.FirstCycleMs }), fmtMs),
				r.show(g(func(x *PoolRun) float64 { return kib2mib(x.HWMKiB) }), fmtF(1)))
		}
	}

	if wrkUsed(r) {
		p("\n#### Load generator check: the same loads with wrk (-t1, same core)\n\n")
		p("| server | c | bench loadgen req/s | wrk req/s | loadgen p50 / p99 ms | wrk p50 / p99 ms |\n|---|---|---|---|---|---|\n")
		for _, n := range serverNames {
			if r.Runs[0].server(n) == nil {
				continue
			}
			for i, c := range r.Params.Connections {
				wg := func(get func(*wrkResult) float64) func(*Run) float64 {
					return load(n, i, func(l *LoadResult) float64 {
						if l.Wrk == nil {
							return math.NaN()
						}
						return get(l.Wrk)
					})
				}
				p("| %s | %d | %s | %s | %s / %s | %s / %s |\n", label(n), c,
					r.show(load(n, i, func(l *LoadResult) float64 { return l.RPS }), fmtInt),
					r.show(wg(func(x *wrkResult) float64 { return x.RPS }), fmtInt),
					r.show(load(n, i, func(l *LoadResult) float64 { return l.P50Ms }), fmtMs),
					r.show(load(n, i, func(l *LoadResult) float64 { return l.P99Ms }), fmtMs),
					r.show(wg(func(x *wrkResult) float64 { return x.P50Ms }), fmtMs),
					r.show(wg(func(x *wrkResult) float64 { return x.P99Ms }), fmtMs))
			}
		}
	}
	return w.String()
}

// quietLimit is the share of the server core that other processes and the
// hypervisor may take for a sample to count as undisturbed.
const quietLimit = 0.05

func wrkUsed(r *Report) bool {
	for _, s := range r.Runs[0].Servers {
		for _, l := range s.Loads {
			if l.Wrk != nil {
				return true
			}
		}
	}
	return false
}

func label(name string) string {
	switch name {
	case "default":
		return "calendarbot (cached, default)"
	case "minimal":
		return "minimal handler (same bytes)"
	}
	return "calendarbot `--" + name + "`"
}
