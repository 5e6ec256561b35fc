package service

import (
	"context"

	"github.com/go-kit/kit/endpoint"
)

// Endpoints are the service's methods as go-kit endpoints: the layer where
// transport-independent middlewares (logging, instrumenting) could wrap
// every method alike, and the unit the HTTP transport binds routes to.
type Endpoints struct {
	WhatsNext      endpoint.Endpoint
	Events         endpoint.Endpoint
	Health         endpoint.Endpoint
	Skip           endpoint.Endpoint
	ClearSkips     endpoint.Endpoint
	DoneForDay     endpoint.Endpoint
	MorningSummary endpoint.Endpoint
	Voice          endpoint.Endpoint
}

// MakeEndpoints binds each method of s to an endpoint.
func MakeEndpoints(s Service) Endpoints {
	return Endpoints{
		WhatsNext: func(ctx context.Context, req any) (any, error) {
			return s.WhatsNext(ctx, req.(WhatsNextRequest))
		},
		Events: func(ctx context.Context, req any) (any, error) {
			return s.Events(ctx, req.(EventsRequest))
		},
		Health: func(ctx context.Context, _ any) (any, error) {
			return s.Health(ctx)
		},
		Skip: func(ctx context.Context, req any) (any, error) {
			return s.Skip(ctx, req.(SkipRequest))
		},
		ClearSkips: func(ctx context.Context, _ any) (any, error) {
			return s.ClearSkips(ctx)
		},
		DoneForDay: func(ctx context.Context, req any) (any, error) {
			return s.DoneForDay(ctx, req.(DayRequest))
		},
		MorningSummary: func(ctx context.Context, req any) (any, error) {
			return s.MorningSummary(ctx, req.(DayRequest))
		},
		Voice: func(ctx context.Context, req any) (any, error) {
			return s.Voice(ctx, req.(VoiceRequest))
		},
	}
}
