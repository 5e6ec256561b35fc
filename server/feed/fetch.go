package feed

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Version goes into the default User-Agent. The command sets it at start-up
// (or the build does, with -ldflags "-X .../server/feed.Version=v1.2.3").
var Version = "dev"

// Defaults and fixed limits.
const (
	DefaultMaxBytes     = 20 << 20
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 5

	dialTimeout   = 10 * time.Second
	tlsTimeout    = 10 * time.Second
	headerTimeout = 15 * time.Second

	maxDrain     = 64 << 10 // bytes read from an error response so its connection can be reused
	maxRetryWait = 6 * time.Hour
)

// Source is one configured feed.
type Source struct {
	// Name is the user-visible name. It is the only way a feed is named in
	// errors, logs and metrics: URLs carry secrets.
	Name string
	// URL is https://, http://, webcal:// (fetched as https), webcals://,
	// file:///abs/path, or a plain file path.
	URL string
	// Username and Password are sent as HTTP basic auth; userinfo in URL is
	// used when Username is empty. Bearer, when set, wins over both.
	Username, Password, Bearer string
	// Headers are added to every request (dropped on a redirect to another
	// host, like Authorization).
	Headers map[string]string
}

// Options configure a Fetcher. The zero value is usable but has pooling off;
// production sets Pooling.
type Options struct {
	// Pooling is the kill switch for connection reuse: false gives every
	// request a fresh transport without keep-alive.
	Pooling bool
	// MaxBytes limits a body after decompression (default 20 MiB). A larger
	// body fails with ErrTooLarge; no more than MaxBytes+1 bytes are read.
	MaxBytes int64
	// Timeout limits a whole request, body included (default 30s). Dialing,
	// the TLS handshake and waiting for response headers have their own
	// limits of 10s, 10s and 15s.
	Timeout time.Duration
	// MaxRedirects is the most redirects followed (default 5).
	MaxRedirects int
	// UserAgent defaults to "CalendarBot/<Version> (+https://github.com/calendarbot/calendarbot)".
	UserAgent string
	// Now is the clock for DNS cache expiry and Retry-After dates (default
	// time.Now). Result.Duration is always measured with the real clock.
	Now func() time.Time
	// Resolver replaces net.DefaultResolver (tests).
	Resolver *net.Resolver
	// Dial replaces the dialer that connects to an already resolved
	// address (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Validators are what the previous successful fetch of a feed returned.
type Validators struct {
	ETag, LastModified string
	Hash               [32]byte
}

// Result is the outcome of one Fetch.
type Result struct {
	Name string
	// Body is nil when NotModified or on error. It belongs to the caller.
	Body []byte
	// NotModified: a 304, or a body whose ContentHash equals
	// Validators.Hash.
	NotModified bool
	// Hash is the ContentHash of the body (of the previous body on a 304).
	Hash               [32]byte
	ETag, LastModified string
	// Status is the final HTTP status; 0 for files and when no response
	// arrived.
	Status int
	// Bytes is the body size after decompression (0 on a 304).
	Bytes    int
	Duration time.Duration
	// Reused: the request went over a kept-alive connection.
	Reused bool
	// RetryAfter is a 429/503's Retry-After (seconds or HTTP-date), capped
	// at 6h.
	RetryAfter time.Duration
	// Err is a *FetchError: it names the feed and never contains the URL's
	// path, query, userinfo or any credential.
	Err error
}

// Fetcher downloads feeds. It is safe for concurrent use.
type Fetcher struct {
	opts      Options
	ua        string
	dialer    *dialer
	transport *http.Transport // shared; nil when pooling is off
}

// NewFetcher returns a Fetcher with o's zero fields set to their defaults.
func NewFetcher(o Options) *Fetcher {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ua := o.UserAgent
	if ua == "" {
		ua = "CalendarBot/" + Version + " (+https://github.com/calendarbot/calendarbot)"
	}
	dial := o.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	f := &Fetcher{
		opts:   o,
		ua:     ua,
		dialer: &dialer{cache: newDNSCache(o.Resolver, o.Now), dial: dial},
	}
	if o.Pooling {
		f.transport = f.newTransport(true)
	}
	return f
}

// newTransport builds the transport. No proxy is used: the appliance talks
// to calendar hosts directly.
func (f *Fetcher) newTransport(keepAlive bool) *http.Transport {
	return &http.Transport{
		DialContext:            f.dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    tlsTimeout,
		ResponseHeaderTimeout:  headerTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 256 << 10,
		DisableKeepAlives:      !keepAlive,
		// DisableCompression stays false: the transport asks for gzip and
		// decompresses transparently, so the size limit applies to the
		// decompressed bytes.
	}
}

// Close closes idle pooled connections. The Fetcher remains usable.
func (f *Fetcher) Close() {
	if f.transport != nil {
		f.transport.CloseIdleConnections()
	}
}

// Fetch downloads src once. prev holds the validators of the last good
// fetch: they make the request conditional, and a body with the same
// content hash is reported as NotModified with a nil Body.
func (f *Fetcher) Fetch(ctx context.Context, src Source, prev Validators) Result {
	start := time.Now()
	r := f.fetch(ctx, src, prev)
	r.Name = src.Name
	r.Duration = time.Since(start)
	if r.Err != nil {
		r.Body, r.NotModified = nil, false
	}
	recordFetch(&r)
	return r
}

func (f *Fetcher) fetch(ctx context.Context, src Source, prev Validators) Result {
	kind, u, path := parseSourceURL(src.URL)
	switch kind {
	case kindHTTP:
		return f.fetchHTTP(ctx, src, u, prev)
	case kindFile:
		return f.fetchFile(src, path, prev)
	default:
		op := "parse URL"
		if u != nil && u.Scheme != "" {
			op = "GET " + u.Scheme + "://" + u.Host + "/…"
		}
		return Result{Err: &FetchError{Feed: src.Name, Op: op, Err: ErrUnsupportedURL}}
	}
}

type urlKind int

const (
	kindBad urlKind = iota
	kindHTTP
	kindFile
)

// parseSourceURL classifies a Source.URL. webcal(s):// becomes https://.
func parseSourceURL(raw string) (urlKind, *url.URL, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return kindBad, nil, ""
	}
	if !strings.Contains(raw, "://") {
		return kindFile, nil, raw
	}
	lower := strings.ToLower(raw)
	for _, p := range []string{"webcal://", "webcals://"} {
		if strings.HasPrefix(lower, p) {
			raw = "https://" + raw[len(p):]
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return kindBad, nil, ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
		if u.Host == "" {
			return kindBad, u, ""
		}
		return kindHTTP, u, ""
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return kindBad, u, ""
		}
		if u.Path == "" {
			return kindBad, u, ""
		}
		return kindFile, u, u.Path
	}
	return kindBad, u, ""
}

func (f *Fetcher) fetchFile(src Source, path string, prev Validators) Result {
	fail := func(err error) Result {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the bare errno; the path is not repeated
		}
		return Result{Err: &FetchError{Feed: src.Name, Op: "read file:///…", Err: err}}
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fail(err)
	}
	if st.IsDir() {
		return fail(errors.New("is a directory"))
	}
	if st.Size() > f.opts.MaxBytes {
		return fail(f.tooLarge())
	}
	body, err := readLimited(fh, f.opts.MaxBytes, st.Size())
	if err != nil {
		return fail(err)
	}
	r := Result{Bytes: len(body), Hash: ContentHash(body), LastModified: st.ModTime().UTC().Format(http.TimeFormat)}
	if r.Hash == prev.Hash {
		r.NotModified = true
	} else {
		r.Body = body
	}
	return r
}

func (f *Fetcher) tooLarge() error {
	return ownErrorf("%w: more than %d bytes (limit applies after decompression)", ErrTooLarge, f.opts.MaxBytes)
}

func (f *Fetcher) fetchHTTP(parent context.Context, src Source, u *url.URL, prev Validators) (r Result) {
	op := "GET " + redactTarget(u)
	secrets := secretsOf(src, u)
	ctx, cancel := context.WithTimeout(parent, f.opts.Timeout)
	defer cancel()
	fail := func(status int, err error) Result {
		timedOut := parent.Err() == nil && ctx.Err() == context.DeadlineExceeded
		r.Status = status
		r.Err = &FetchError{Feed: src.Name, Op: op, StatusCode: status,
			Err: sanitize(err, secrets, timedOut, f.opts.Timeout)}
		return r
	}

	target := *u
	user, pass := src.Username, src.Password
	if target.User != nil {
		if user == "" {
			user = target.User.Username()
			pass, _ = target.User.Password()
		}
		target.User = nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return fail(0, err)
	}
	req.Header.Set("User-Agent", f.ua)
	req.Header.Set("Accept", "text/calendar, text/plain;q=0.8, */*;q=0.5")
	for k, v := range src.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case src.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+src.Bearer)
	case user != "":
		req.SetBasicAuth(user, pass)
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	var reused atomic.Bool
	defer func() { r.Reused = reused.Load() }()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		// Called once per hop (redirects included); the last hop's
		// connection is what Reused reports.
		reused.Store(info.Reused)
		if info.Reused {
			connReused.Inc()
		} else {
			connFresh.Inc()
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))

	tr := f.transport
	if tr == nil {
		tr = f.newTransport(false)
		defer tr.CloseIdleConnections()
	}
	client := &http.Client{Transport: tr, CheckRedirect: f.checkRedirect(src)}
	resp, err := client.Do(req)
	if err != nil {
		return fail(0, err)
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode

	switch {
	case resp.StatusCode == http.StatusNotModified:
		drain(resp.Body)
		r.NotModified = true
		r.Hash = prev.Hash
		r.ETag = firstNonEmpty(resp.Header.Get("ETag"), prev.ETag)
		r.LastModified = firstNonEmpty(resp.Header.Get("Last-Modified"), prev.LastModified)
		return r
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			r.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), f.opts.Now())
		}
		drain(resp.Body)
		return fail(resp.StatusCode, statusError{resp.StatusCode})
	}

	if resp.ContentLength > f.opts.MaxBytes {
		return fail(resp.StatusCode, f.tooLarge())
	}
	body, err := readLimited(resp.Body, f.opts.MaxBytes, resp.ContentLength)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			err = f.tooLarge()
		}
		return fail(resp.StatusCode, err)
	}
	r.Bytes = len(body)
	r.ETag = resp.Header.Get("ETag")
	r.LastModified = resp.Header.Get("Last-Modified")
	r.Hash = ContentHash(body)
	if r.Hash == prev.Hash {
		r.NotModified = true
	} else {
		r.Body = body
	}
	return r
}

func (f *Fetcher) checkRedirect(src Source) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > f.opts.MaxRedirects {
			return ownErrorf("%w: stopped after %d", ErrTooManyRedirects, f.opts.MaxRedirects)
		}
		if s := req.URL.Scheme; s != "http" && s != "https" {
			if len(s) > 16 {
				s = s[:16]
			}
			return ownErrorf("%w (scheme %q)", ErrRedirectScheme, s)
		}
		if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			// net/http drops Authorization on a cross-domain hop only when
			// the new host is not a subdomain; custom headers (API keys)
			// it keeps. Drop both on any change of host.
			req.Header.Del("Authorization")
			for k := range src.Headers {
				req.Header.Del(k)
			}
		}
		return nil
	}
}

// parseRetryAfter reads delta-seconds or an HTTP-date; 0 when absent or
// unparsable. Capped at 6h.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryWait/time.Second) {
			return maxRetryWait
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, maxRetryWait))
}

func drain(r io.Reader) { _, _ = io.CopyN(io.Discard, r, maxDrain) }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// readLimited reads r to EOF, failing with ErrTooLarge as soon as more than
// limit bytes arrive; it never reads more than limit+1 bytes. hint is the
// expected size (Content-Length or file size, -1 if unknown): with a correct
// hint the body is read into a single exact allocation. Otherwise it is read
// into chunks of growing size and joined once at the end, so a body that
// turns out too large costs at most about limit bytes of garbage.
func readLimited(r io.Reader, limit, hint int64) ([]byte, error) {
	const firstChunk, maxChunk = 32 << 10, 1 << 20
	size := int64(firstChunk)
	if hint >= 0 && hint <= limit {
		size = hint + 1 // +1: reaching EOF must not need a second chunk
	}
	var chunks [][]byte
	var total int64
	for {
		size = min(size, limit+1-total)
		buf := make([]byte, size)
		// Not io.ReadFull: it would turn a transport's ErrUnexpectedEOF
		// (truncated body) into an ordinary short read.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[n:])
			n += m
		}
		total += int64(n)
		if n > 0 {
			chunks = append(chunks, buf[:n])
		}
		if total > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(2*size, maxChunk)
	}
	switch len(chunks) {
	case 0:
		return []byte{}, nil
	case 1:
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
