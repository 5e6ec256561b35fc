package feed

import (
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics live in the default VictoriaMetrics set, so whatever serves
// metrics.WritePrometheus exposes them. Feeds are labelled by Source.Name
// only: URLs carry secrets.
var (
	connReused = metrics.GetOrCreateCounter(`calendarbot_http_conn_total{reused="true"}`)
	connFresh  = metrics.GetOrCreateCounter(`calendarbot_http_conn_total{reused="false"}`)

	dnsHit   = metrics.GetOrCreateCounter(`calendarbot_dns_cache_total{result="hit"}`)
	dnsMiss  = metrics.GetOrCreateCounter(`calendarbot_dns_cache_total{result="miss"}`)
	dnsStale = metrics.GetOrCreateCounter(`calendarbot_dns_cache_total{result="stale"}`)

	cyclesJoined = metrics.GetOrCreateCounter(`calendarbot_refresh_cycles_total{joined="true"}`)
	cyclesOwn    = metrics.GetOrCreateCounter(`calendarbot_refresh_cycles_total{joined="false"}`)
)

// labelValue escapes a feed name for use inside a Prometheus label.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func feedMetric(name, feed string, extra ...string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(`{feed="`)
	b.WriteString(labelValue(feed))
	b.WriteByte('"')
	for i := 0; i+1 < len(extra); i += 2 {
		b.WriteString(`,` + extra[i] + `="` + labelValue(extra[i+1]) + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

func recordFetch(r *Result) {
	result := "ok"
	switch {
	case r.Err != nil:
		result = "error"
	case r.NotModified:
		result = "not_modified"
	}
	metrics.GetOrCreateCounter(feedMetric("calendarbot_feed_fetch_total", r.Name, "result", result)).Inc()
	metrics.GetOrCreateHistogram(feedMetric("calendarbot_feed_fetch_duration_seconds", r.Name)).Update(r.Duration.Seconds())
	if r.Err == nil && r.Bytes > 0 {
		metrics.GetOrCreateGauge(feedMetric("calendarbot_feed_bytes", r.Name), nil).Set(float64(r.Bytes))
	}
}

func setStale(feed string, stale bool) {
	v := 0.0
	if stale {
		v = 1
	}
	metrics.GetOrCreateGauge(feedMetric("calendarbot_feed_stale", feed), nil).Set(v)
}

// The age gauge is a callback registered once per feed name for the life of
// the process; it asks whichever Manager most recently claimed that name.
var (
	ageMu      sync.Mutex
	ageSources = map[string]func() float64{}
)

func registerAge(feed string, f func() float64) {
	ageMu.Lock()
	ageSources[feed] = f
	ageMu.Unlock()
	metrics.GetOrCreateGauge(feedMetric("calendarbot_feed_age_seconds", feed), func() float64 {
		ageMu.Lock()
		f := ageSources[feed]
		ageMu.Unlock()
		if f == nil {
			return 0
		}
		return f()
	})
}
