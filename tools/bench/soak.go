package main

import (
	"fmt"
	"time"
)

// SoakSample is the server's memory after some minutes of steady polling.
type SoakSample struct {
	ElapsedS   float64 `json:"elapsed_s"`
	VmRSSKiB   int64   `json:"vmrss_kib"`
	RssAnonKiB int64   `json:"rss_anon_kib"`
	CacheBytes float64 `json:"cache_bytes"` // calendarbot_cache_bytes
	HeapInuse  float64 `json:"heap_inuse"`  // go_memstats_heap_inuse_bytes
	Requests   int64   `json:"requests"`    // in this slice
	Non200     int64   `json:"non_200"`     // in this slice
	Errors     int64   `json:"errors"`      // in this slice
	RPS        float64 `json:"rps"`         // in this slice
	FirstError string  `json:"first_error,omitempty"`
}

// soakSlice is how long each soak load runs between two memory samples.
const soakSlice = 10 * time.Second

// soakRun polls the default server steadily for b.soak (-soak) at
// b.soakConns connections and samples its memory every soakSlice. The
// short measured loads cannot show memory that grows slowly (an entry per
// second that is never freed); a soak of some minutes does.
func (b *bench) soakRun(p *proc) ([]SoakSample, error) {
	logf("soak: %v of steady polling at c=%d, memory every %v", b.soak, b.soakConns, soakSlice)
	var out []SoakSample
	start := time.Now()
	for time.Since(start) < b.soak {
		d := min(soakSlice, b.soak-time.Since(start))
		if d < time.Second {
			break
		}
		rep, err := b.loadgen(p.addr, b.soakConns, d)
		if err != nil {
			return out, err
		}
		st, err := readStatus(p.pid())
		if err != nil {
			return out, err
		}
		m, err := scrapeMetrics(p.addr)
		if err != nil {
			return out, err
		}
		s := SoakSample{ElapsedS: time.Since(start).Seconds(), VmRSSKiB: st.VmRSSKiB, RssAnonKiB: st.RssAnonKiB,
			CacheBytes: m["calendarbot_cache_bytes"], HeapInuse: m["go_memstats_heap_inuse_bytes"],
			Requests: rep.Requests, Non200: rep.Non200, Errors: rep.Errors, RPS: rep.RPS, FirstError: rep.FirstError}
		out = append(out, s)
		logf("  soak %4.0f s: VmRSS %d KiB (anonymous %d), cache %.0f B, heap in use %.0f B, %.0f req/s, errors %d, non-200 %d",
			s.ElapsedS, s.VmRSSKiB, s.RssAnonKiB, s.CacheBytes, s.HeapInuse, s.RPS, s.Errors, s.Non200)
	}
	return out, nil
}

// soakGrowth is the change from the first to the last sample, in KiB of
// VmRSS and bytes of cache, and whether any slice failed requests.
func soakGrowth(s []SoakSample) (rssKiB int64, cacheBytes float64, failed bool) {
	for _, x := range s {
		failed = failed || x.Errors > 0 || x.Non200 > 0
	}
	if len(s) < 2 {
		return 0, 0, failed
	}
	return s[len(s)-1].VmRSSKiB - s[0].VmRSSKiB, s[len(s)-1].CacheBytes - s[0].CacheBytes, failed
}

func fmtSoak(s []SoakSample) string {
	rss, cache, failed := soakGrowth(s)
	f := ""
	if failed {
		f = "; some requests failed"
	}
	return fmt.Sprintf("%+.1f MiB VmRSS, %+.0f KB cache over %.0f s%s", float64(rss)/1024, cache/1024, s[len(s)-1].ElapsedS, f)
}
