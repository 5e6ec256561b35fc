package service

import (
	"context"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// InstrumentingMiddleware counts calls and failures and records their
// latency per method (calendarbot_service_*). The HTTP layer measures
// requests, including the ones the response cache answers without calling
// the service; together they show the cache's effect.
func InstrumentingMiddleware(set *metrics.Set) Middleware {
	if set == nil {
		set = defaultSet
	}
	m := func(method string) methodMetrics {
		return methodMetrics{
			calls:    set.GetOrCreateCounter(`calendarbot_service_calls_total{method="` + method + `"}`),
			errors:   set.GetOrCreateCounter(`calendarbot_service_errors_total{method="` + method + `"}`),
			duration: set.GetOrCreateHistogram(`calendarbot_service_call_duration_seconds{method="` + method + `"}`),
		}
	}
	return func(next Service) Service {
		return &instrumenting{next: next,
			whatsNext: m("whats_next"), events: m("events"), health: m("health"), skip: m("skip"),
			clear: m("clear_skips"), done: m("done_for_day"), morning: m("morning_summary"), voice: m("voice")}
	}
}

// defaultSet is where the service's metrics live unless a test passes its
// own set; /metrics writes it together with the process metrics.
var defaultSet = metrics.GetDefaultSet()

type methodMetrics struct {
	calls, errors *metrics.Counter
	duration      *metrics.Histogram
}

func (m methodMetrics) observe(start time.Time, err error) {
	m.calls.Inc()
	if err != nil {
		m.errors.Inc()
	}
	m.duration.UpdateDuration(start)
}

type instrumenting struct {
	next                                                         Service
	whatsNext, events, health, skip, clear, done, morning, voice methodMetrics
}

func (i *instrumenting) WhatsNext(ctx context.Context, req WhatsNextRequest) (r WhatsNextResponse, err error) {
	defer func(t time.Time) { i.whatsNext.observe(t, err) }(time.Now())
	return i.next.WhatsNext(ctx, req)
}

func (i *instrumenting) Events(ctx context.Context, req EventsRequest) (r EventsResponse, err error) {
	defer func(t time.Time) { i.events.observe(t, err) }(time.Now())
	return i.next.Events(ctx, req)
}

func (i *instrumenting) Health(ctx context.Context) (r HealthResponse, err error) {
	defer func(t time.Time) { i.health.observe(t, err) }(time.Now())
	return i.next.Health(ctx)
}

func (i *instrumenting) Skip(ctx context.Context, req SkipRequest) (r SkipResponse, err error) {
	defer func(t time.Time) { i.skip.observe(t, err) }(time.Now())
	return i.next.Skip(ctx, req)
}

func (i *instrumenting) ClearSkips(ctx context.Context) (r ClearSkipsResponse, err error) {
	defer func(t time.Time) { i.clear.observe(t, err) }(time.Now())
	return i.next.ClearSkips(ctx)
}

func (i *instrumenting) DoneForDay(ctx context.Context, req DayRequest) (r DoneForDayResponse, err error) {
	defer func(t time.Time) { i.done.observe(t, err) }(time.Now())
	return i.next.DoneForDay(ctx, req)
}

func (i *instrumenting) MorningSummary(ctx context.Context, req DayRequest) (r MorningSummaryResponse, err error) {
	defer func(t time.Time) { i.morning.observe(t, err) }(time.Now())
	return i.next.MorningSummary(ctx, req)
}

func (i *instrumenting) Voice(ctx context.Context, req VoiceRequest) (r VoiceResponse, err error) {
	defer func(t time.Time) { i.voice.observe(t, err) }(time.Now())
	return i.next.Voice(ctx, req)
}
