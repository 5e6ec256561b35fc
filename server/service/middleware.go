package service

import (
	"context"
	"log/slog"
	"time"
)

// Middleware decorates a Service.
type Middleware func(Service) Service

// LoggingMiddleware logs every call at debug level and every failure at
// warn level, with its duration. Calendar text is never logged: only
// meeting IDs and counts.
func LoggingMiddleware(log *slog.Logger) Middleware {
	return func(next Service) Service { return &logging{next: next, log: log} }
}

type logging struct {
	next Service
	log  *slog.Logger
}

func (l *logging) done(ctx context.Context, method string, start time.Time, err error, attrs ...slog.Attr) {
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	if !l.log.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("method", method), slog.Duration("took", time.Since(start)))
	l.log.LogAttrs(ctx, level, "service call", attrs...)
}

func (l *logging) WhatsNext(ctx context.Context, req WhatsNextRequest) (r WhatsNextResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "whats_next", t, err) }(time.Now())
	return l.next.WhatsNext(ctx, req)
}

func (l *logging) Events(ctx context.Context, req EventsRequest) (r EventsResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "events", t, err, slog.Int("events", len(r.Events))) }(time.Now())
	return l.next.Events(ctx, req)
}

func (l *logging) Health(ctx context.Context) (r HealthResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "health", t, err, slog.String("status", r.Status)) }(time.Now())
	return l.next.Health(ctx)
}

func (l *logging) Skip(ctx context.Context, req SkipRequest) (r SkipResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "skip", t, err, slog.String("meeting_id", req.MeetingID)) }(time.Now())
	return l.next.Skip(ctx, req)
}

func (l *logging) ClearSkips(ctx context.Context) (r ClearSkipsResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "clear_skips", t, err, slog.Int("count", r.Count)) }(time.Now())
	return l.next.ClearSkips(ctx)
}

func (l *logging) DoneForDay(ctx context.Context, req DayRequest) (r DoneForDayResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "done_for_day", t, err) }(time.Now())
	return l.next.DoneForDay(ctx, req)
}

func (l *logging) MorningSummary(ctx context.Context, req DayRequest) (r MorningSummaryResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "morning_summary", t, err) }(time.Now())
	return l.next.MorningSummary(ctx, req)
}

func (l *logging) Voice(ctx context.Context, req VoiceRequest) (r VoiceResponse, err error) {
	defer func(t time.Time) { l.done(ctx, "voice", t, err, slog.String("intent", req.Intent)) }(time.Now())
	return l.next.Voice(ctx, req)
}
