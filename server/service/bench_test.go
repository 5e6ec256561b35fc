package service

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/tools/icsgen"
)

// The request path of GET /api/whats-next in-process, without the network:
// what the handler chain costs per request with the response cache (the
// default) and without it (--no-caching, and every cache miss).
// Whole-process figures: go run ./tools/bench (docs/PERFORMANCE.md).
func BenchmarkWhatsNext(b *testing.B) {
	now := icsgen.DefaultNow
	svc, store := newTestService(b, icsgen.Generate(icsgen.Options{}), now, time.UTC)
	for _, tc := range []struct {
		name  string
		cache *cache.Cache
	}{
		{"cached", cache.New(cache.Options{MaxBytes: 4 << 20, Enabled: true})},
		{"uncached", nil},
	} {
		h := NewHTTPHandler(MakeEndpoints(svc), HTTPOptions{Store: store, Cache: tc.cache, Clock: func() time.Time { return now }, Location: time.UTC})
		req := httptest.NewRequest(http.MethodGet, "/api/whats-next", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
