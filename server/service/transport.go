package service

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/calendarbot/calendarbot/server/cache"
	"github.com/calendarbot/calendarbot/server/tz"
)

// HTTPOptions configure the HTTP transport.
type HTTPOptions struct {
	Store      *Store
	Cache      *cache.Cache // nil: no response caching
	Clock      func() time.Time
	Location   *time.Location
	AdminToken string // state-changing requests from other hosts need it
	AlexaToken string // /api/alexa/* from other hosts need it
	Logger     *slog.Logger
	Page       http.Handler // GET / (the kiosk page); nil: not served
	Static     http.Handler // GET /static/...; nil: not served
	Metrics    func(w io.Writer)
	// Refresh runs a feed refresh cycle now (joining one already running);
	// nil: POST /api/refresh is not served.
	Refresh func(ctx context.Context) error
	// Display serves GET /display.png; nil: not served.
	Display *Display
	// TRMNL serves the TRMNL device API (server/trmnl); nil: not served.
	TRMNL TRMNL
}

// TRMNL is the TRMNL "bring your own server" device API (server/trmnl).
type TRMNL interface {
	Setup() http.Handler      // GET /api/setup
	Display() http.Handler    // GET /api/display
	Log() http.Handler        // POST /api/log
	SetupImage() http.Handler // the image /api/setup points at
}

// TRMNLSetupImagePath is where the TRMNL setup image is served.
const TRMNLSetupImagePath = "/api/trmnl/setup.bmp"

// Limits on what a request may make the server read.
const (
	maxBodyBytes = 4 << 10 // a skip request is ~100 bytes
	// maxDeviceLogBytes bounds POST /api/log: a TRMNL sends its stored
	// log entries (~600 bytes each) in one request after a failed wake.
	maxDeviceLogBytes = 64 << 10
	maxQueryBytes     = 2 << 10
	// MaxHeaderBytes is for http.Server.MaxHeaderBytes.
	MaxHeaderBytes = 16 << 10
)

// NewHTTPHandler routes the API, the page and /metrics onto the endpoints.
func NewHTTPHandler(ep Endpoints, o HTTPOptions) http.Handler {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	t := &transport{o: o}
	opts := []kithttp.ServerOption{
		kithttp.ServerErrorEncoder(encodeError),
		kithttp.ServerErrorHandler(errorLogger{o.Logger}),
	}
	server := func(e func(ctx context.Context, req any) (any, error), dec kithttp.DecodeRequestFunc, enc kithttp.EncodeResponseFunc) http.Handler {
		return kithttp.NewServer(e, dec, enc, opts...)
	}
	mux := http.NewServeMux()
	exact := map[string]http.Handler{}
	route := func(pattern, name string, h http.Handler) {
		h = t.instrument(name, h)
		mux.Handle(pattern, h)
		if path, ok := exactGET(pattern); ok {
			exact[path] = h
		}
	}
	route("GET /api/whats-next", "whats-next", t.cached("whats-next", server(ep.WhatsNext, t.decodeWhatsNext, encodeJSON)))
	route("GET /api/events", "events", t.cached("events", server(ep.Events, t.decodeEvents, encodeJSON)))
	route("GET /api/health", "health", server(ep.Health, decodeNone, encodeHealth))
	route("POST /api/skip", "skip", t.admin(server(ep.Skip, decodeSkip, encodeJSON)))
	route("DELETE /api/skip", "skip-clear", t.admin(server(ep.ClearSkips, decodeNone, encodeJSON)))
	route("GET /api/done-for-day", "done-for-day", t.cached("done-for-day", server(ep.DoneForDay, t.decodeDay, encodeJSON)))
	route("GET /api/morning-summary", "morning-summary", t.cached("morning-summary", server(ep.MorningSummary, t.decodeDay, encodeJSON)))
	route("GET /api/alexa/{intent}", "alexa", t.alexa(t.cached("alexa", server(ep.Voice, t.decodeVoice, encodeJSON))))
	if o.Refresh != nil {
		route("POST /api/refresh", "refresh", t.admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := o.Refresh(r.Context()); err != nil {
				writeError(w, http.StatusServiceUnavailable, err.Error())
				return
			}
			st := o.Store.Load()
			w.Header()["Content-Type"] = hdrJSON
			_ = json.NewEncoder(w).Encode(map[string]any{"refreshed": true, "snapshot_version": st.Snap.Version})
		})))
	}
	if o.Metrics != nil {
		route("GET /metrics", "metrics", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			o.Metrics(w)
		}))
	}
	if o.Page != nil {
		route("GET /{$}", "page", t.cached("page", o.Page))
	}
	if o.Static != nil {
		route("GET /static/", "static", o.Static)
	}
	if o.Display != nil {
		// Not t.cached: the Display caches by its normalised parameters.
		route("GET /display.png", "display", o.Display)
	}
	if o.TRMNL != nil {
		setup := o.TRMNL.Setup()
		route("GET /api/setup", "trmnl-setup", setup)
		// The firmware asks for "/api/setup/" with the slash.
		route("GET /api/setup/{$}", "trmnl-setup", setup)
		route("GET /api/display", "trmnl-display", o.TRMNL.Display())
		route("POST /api/log", "trmnl-log", o.TRMNL.Log())
		route("GET "+TRMNLSetupImagePath, "trmnl-setup-image", o.TRMNL.SetupImage())
	}
	return securityHeaders(limitRequest(dispatch(exact, mux)))
}

// exactGET reports the path of a pattern that matches exactly one path with
// GET: "GET /api/health" gives "/api/health" and "GET /{$}" gives "/".
// Patterns with wildcards or a trailing slash (a prefix) are left to the mux.
func exactGET(pattern string) (string, bool) {
	path, ok := strings.CutPrefix(pattern, "GET /")
	if !ok {
		return "", false
	}
	if path == "{$}" {
		return "/", true
	}
	if path == "" || strings.ContainsAny(path, "{}") || strings.HasSuffix(path, "/") {
		return "", false
	}
	return "/" + path, true
}

// dispatch sends GET requests for the exact paths in exact straight to their
// handlers and everything else (HEAD, other methods, wildcards, unclean
// paths, 404/405 answers) to the mux. The handlers are the ones the mux
// holds for the same paths, so the answer is the same; the map lookup costs
// a few percent less CPU per request than ServeMux's pattern matching, on
// the endpoints that kiosk pages and displays poll (docs/PERFORMANCE.md).
func dispatch(exact map[string]http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if h, ok := exact[r.URL.Path]; ok {
				h.ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

type transport struct{ o HTTPOptions }

// securityHeaders are sent with every response. The page's CSP forbids
// inline script and every other origin, so even a calendar text that slipped
// past escaping could not run.
//
// The values are shared, pre-built slices assigned under canonical keys:
// Header.Set would allocate a slice per header per request, a third of the
// server's allocations at 30k requests/s. net/http only reads them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNosniff
		h["Referrer-Policy"] = hdrNoReferrer
		h["X-Frame-Options"] = hdrDeny
		h["Content-Security-Policy"] = hdrCSP
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h["Cache-Control"] = hdrNoCache
		}
		next.ServeHTTP(w, r)
	})
}

var (
	hdrNosniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrDeny       = []string{"DENY"}
	hdrNoCache    = []string{"no-cache"}
	hdrJSON       = []string{"application/json; charset=utf-8"}
	hdrCSP        = []string{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}
)

// limitRequest rejects oversized query strings and bounds request bodies.
func limitRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > maxQueryBytes {
			writeError(w, http.StatusRequestURITooLong, "query string too long")
			return
		}
		// A request without a body has http.NoBody: nothing to bound, and
		// no reader to allocate on the polled GET endpoints.
		if r.Body != nil && r.Body != http.NoBody {
			limit := int64(maxBodyBytes)
			if r.URL.Path == "/api/log" {
				limit = maxDeviceLogBytes
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// instrument counts requests by endpoint and status and records latency,
// cache hits included (calendarbot_http_*).
func (t *transport) instrument(name string, next http.Handler) http.Handler {
	hist := metrics.GetOrCreateHistogram(`calendarbot_http_request_duration_seconds{endpoint="` + name + `"}`)
	codes := map[int]*metrics.Counter{}
	for _, c := range []int{200, 204, 304, 400, 401, 403, 404, 405, 413, 414, 500, 503} {
		codes[c] = metrics.GetOrCreateCounter(fmt.Sprintf(`calendarbot_http_requests_total{endpoint=%q,code="%d"}`, name, c))
	}
	other := metrics.GetOrCreateCounter(`calendarbot_http_requests_total{endpoint="` + name + `",code="other"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriters.Get().(*statusWriter)
		*sw = statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		if c, ok := codes[sw.code]; ok {
			c.Inc()
		} else {
			other.Inc()
		}
		*sw = statusWriter{}
		statusWriters.Put(sw)
		hist.UpdateDuration(start)
	})
}

// statusWriters recycles the per-request status recorder: one allocation
// less per request on the hot path.
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader {
		s.code, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// cached answers GET requests from the response cache. The key holds the
// route, the canonical query, the published state's version, the skip set's
// version and the current second (answers carry seconds-until-start), so a
// stale answer is impossible and a frozen clock caches for ever. Only 200
// answers are stored; concurrent identical misses are computed once.
func (t *transport) cached(name string, next http.Handler) http.Handler {
	if t.o.Cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var kb cache.KeyBuilder
		kb.Str(name).Str(canonicalQuery(r.URL.RawQuery)).Str(r.PathValue("intent"))
		kb.Uint(t.o.Store.Load().Snap.Version).Uint(t.o.Store.SkipsVersion()).Int(t.o.Clock().Unix())
		e, err := t.o.Cache.GetOrCompute(kb.String(), func() (*cache.Entry, error) {
			rec := &recorder{header: http.Header{}, code: http.StatusOK}
			next.ServeHTTP(rec, r)
			if rec.code != http.StatusOK {
				return nil, &uncacheable{rec}
			}
			e := cache.NewEntry(bytes.Clone(rec.body.Bytes()), rec.header.Get("Content-Type"))
			e.TTL = secondTTL
			return e, nil
		})
		var u *uncacheable
		switch {
		case errors.As(err, &u):
			u.replay(w)
		case err != nil:
			writeError(w, http.StatusInternalServerError, "internal error")
		default:
			e.ServeHTTP(w, r)
		}
	})
}

// secondTTL is how long an answer keyed by the second stays in the cache:
// once its second has passed nobody asks for it again, and two seconds
// cover an entry stored at the very end of its second.
const secondTTL = 2 * time.Second

// canonicalQuery sorts parameters so that ?a=1&b=2 and ?b=2&a=1 share an entry.
func canonicalQuery(raw string) string {
	if raw == "" || !strings.Contains(raw, "&") {
		return raw
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, x := range v[k] {
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(x))
			b.WriteByte('&')
		}
	}
	return b.String()
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

type uncacheable struct{ rec *recorder }

func (u *uncacheable) Error() string { return "uncacheable response " + strconv.Itoa(u.rec.code) }

func (u *uncacheable) replay(w http.ResponseWriter) {
	for k, v := range u.rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(u.rec.code)
	_, _ = w.Write(u.rec.body.Bytes())
}

// admin lets state-changing requests through from loopback (the kiosk on
// the device itself) and, from elsewhere, only with the admin token.
func (t *transport) admin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isLoopback(r) || tokenOK(r, t.o.AdminToken) {
			next.ServeHTTP(w, r)
			return
		}
		if t.o.AdminToken == "" {
			writeError(w, http.StatusForbidden, "changes are only accepted from the device itself (set admin_token to allow others)")
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="calendarbot"`)
		writeError(w, http.StatusUnauthorized, "admin token required (Authorization: Bearer …)")
	})
}

// alexa requires the voice token from anywhere but loopback. Without a
// configured token the voice API is loopback-only: upstream skipped the
// check entirely in that case.
func (t *transport) alexa(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tokenOK(r, t.o.AlexaToken) || (isLoopback(r) && t.o.AlexaToken == "") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="calendarbot-alexa"`)
		writeError(w, http.StatusUnauthorized, "bearer token required")
	})
}

// tokenOK compares the bearer token in constant time.
func tokenOK(r *http.Request, want string) bool {
	if want == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(want)) == 1
}

func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decoders

func decodeNone(context.Context, *http.Request) (any, error) { return nil, nil }

// param reads a query parameter by our name or upstream's, so existing
// voice-assistant glue keeps working unchanged.
func param(r *http.Request, ours, upstream string) string {
	if r.URL.RawQuery == "" {
		return "" // the common case; Query would allocate an empty map
	}
	q := r.URL.Query()
	if v := q.Get(ours); v != "" {
		return v
	}
	return q.Get(upstream)
}

func (t *transport) zone(r *http.Request) (*time.Location, error) {
	name := param(r, "tz", "timezone")
	if name == "" {
		return nil, nil
	}
	loc, ok := tz.LoadIANA(name)
	if !ok {
		return nil, badRequest("tz %q is not a known time zone (IANA name such as Europe/Berlin)", clip(name, 60))
	}
	return loc, nil
}

func (t *transport) decodeWhatsNext(_ context.Context, r *http.Request) (any, error) {
	loc, err := t.zone(r)
	if err != nil {
		return nil, err
	}
	return WhatsNextRequest{Now: t.o.Clock(), Loc: loc}, nil
}

// maxEventsSpan bounds one /api/events request.
const maxEventsSpan = 62 * 24 * time.Hour

func (t *transport) decodeEvents(_ context.Context, r *http.Request) (any, error) {
	loc, err := t.zone(r)
	if err != nil {
		return nil, err
	}
	l := loc
	if l == nil {
		l = t.o.Location
	}
	now := t.o.Clock().In(l)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, l)
	from, to := day, day.AddDate(0, 0, 7)
	q := r.URL.Query()
	if s := q.Get("from"); s != "" {
		if from, err = parseTimeParam(s, l); err != nil {
			return nil, badRequest("from: %v", err)
		}
	}
	if s := q.Get("to"); s != "" {
		if to, err = parseTimeParam(s, l); err != nil {
			return nil, badRequest("to: %v", err)
		}
	} else if q.Get("from") != "" {
		to = from.AddDate(0, 0, 7)
	}
	if !from.Before(to) {
		return nil, badRequest("from must be before to")
	}
	if to.Sub(from) > maxEventsSpan {
		return nil, badRequest("window too large (at most %d days)", int(maxEventsSpan.Hours()/24))
	}
	return EventsRequest{From: from, To: to, Loc: loc}, nil
}

// parseTimeParam accepts RFC 3339 or a date (local midnight in loc).
func parseTimeParam(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2025-11-05T09:00:00Z) nor a date (2025-11-05)", clip(s, 40))
}

func (t *transport) decodeDay(_ context.Context, r *http.Request) (any, error) {
	loc, err := t.zone(r)
	if err != nil {
		return nil, err
	}
	req := DayRequest{Now: t.o.Clock(), Loc: loc, Detail: param(r, "detail", "detail_level")}
	if s := r.URL.Query().Get("date"); s != "" {
		l := loc
		if l == nil {
			l = t.o.Location
		}
		d, err := time.ParseInLocation("2006-01-02", s, l)
		if err != nil {
			return nil, badRequest("date %q: want YYYY-MM-DD", clip(s, 20))
		}
		req.Date = d
	}
	switch req.Detail {
	case "", "brief", "normal", "verbose":
	default:
		return nil, badRequest("detail must be brief, normal or verbose")
	}
	req.SSML, _ = strconv.ParseBool(param(r, "ssml", "prefer_ssml"))
	return req, nil
}

func (t *transport) decodeVoice(ctx context.Context, r *http.Request) (any, error) {
	intent := r.PathValue("intent")
	switch intent {
	case "next-meeting", "time-until-next", "done-for-day", "launch-summary", "morning-summary":
	default:
		return nil, errors.Join(ErrNotFound, fmt.Errorf("unknown voice intent %q", clip(intent, 40)))
	}
	day, err := t.decodeDay(ctx, r)
	if err != nil {
		return nil, err
	}
	return VoiceRequest{Intent: intent, Day: day.(DayRequest)}, nil
}

func decodeSkip(_ context.Context, r *http.Request) (any, error) {
	var req SkipRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errors.Join(errTooLarge, err)
		}
		return nil, badRequest("body must be JSON {\"meeting_id\": \"…\"}")
	}
	return req, nil
}

// encoders

func encodeJSON(_ context.Context, w http.ResponseWriter, resp any) error {
	w.Header()["Content-Type"] = hdrJSON
	return json.NewEncoder(w).Encode(resp)
}

func encodeHealth(ctx context.Context, w http.ResponseWriter, resp any) error {
	if h, ok := resp.(HealthResponse); ok && !h.Healthy {
		w.Header()["Content-Type"] = hdrJSON
		w.WriteHeader(http.StatusServiceUnavailable)
		return json.NewEncoder(w).Encode(resp)
	}
	return encodeJSON(ctx, w, resp)
}

var errTooLarge = errors.New("request body too large")

type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }
func (e *requestError) Unwrap() error { return ErrBadRequest }

func badRequest(format string, args ...any) error {
	return &requestError{fmt.Sprintf(format, args...)}
}

func encodeError(_ context.Context, err error, w http.ResponseWriter) {
	code := http.StatusInternalServerError
	msg := "internal error"
	switch {
	case errors.Is(err, errTooLarge):
		code, msg = http.StatusRequestEntityTooLarge, "request body too large"
	case errors.Is(err, ErrBadRequest):
		code, msg = http.StatusBadRequest, publicMessage(err)
	case errors.Is(err, ErrNotFound):
		code, msg = http.StatusNotFound, publicMessage(err)
	case errors.Is(err, ErrTooMany):
		code, msg = http.StatusTooManyRequests, "too many skipped meetings; clear them first"
	}
	writeError(w, code, msg)
}

// publicMessage is the part of an error meant for the client.
func publicMessage(err error) string {
	var re *requestError
	if errors.As(err, &re) {
		return re.msg
	}
	msg := err.Error()
	for _, sentinel := range []error{ErrBadRequest, ErrNotFound} {
		msg = strings.TrimPrefix(msg, sentinel.Error()+"\n")
	}
	return msg
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header()["Content-Type"] = hdrJSON
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

type errorLogger struct{ log *slog.Logger }

func (l errorLogger) Handle(ctx context.Context, err error) {
	if errors.Is(err, ErrBadRequest) || errors.Is(err, ErrNotFound) {
		return
	}
	l.log.WarnContext(ctx, "request failed", "err", err)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
