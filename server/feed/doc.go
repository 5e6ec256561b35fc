// Package feed downloads calendar feeds and refreshes them together.
//
// # Fetching
//
// A Fetcher downloads one Source at a time: https://, http://, webcal://
// (fetched as https), file:///abs/path or a plain path. All feeds share one
// http.Transport (keep-alive, HTTP/2, at most 16 idle connections, 4 per
// host, dropped after 90s idle) unless Options.Pooling is off, in which case
// every request gets a fresh transport without keep-alive, so the effect of
// pooling can be measured. Each request is conditional on the previous
// ETag/Last-Modified, bounded in time (30s whole, 10s dial, 10s TLS, 15s to
// the response headers), in redirects (5, and never to anything but http or
// https; credentials and custom headers are dropped on a change of host) and
// in size (20 MiB after decompression: gzip is asked for and decoded by the
// transport, and no more than the limit plus one byte is ever read, so
// neither a 100 MB body nor a gzip bomb is buffered).
//
// # Why feeds are named, never located
//
// Calendar URLs are credentials. A Google "secret address" or an Outlook
// published-calendar link carries its token in the path or the query, and
// some feeds put a password in the userinfo. Errors, logs and metrics end up
// in bug reports, screenshots of the kiosk and monitoring systems, so they
// identify a feed only by Source.Name, and describe the request as scheme +
// host + "/…":
//
//	feed "Work": GET https://outlook.office365.com/…: 401 Unauthorized
//
// Errors from net/http are unwrapped from their *url.Error (which holds the
// whole URL) and any remaining text is scrubbed of every credential, header
// value and URL part of the source (see FetchError). The tests drive every
// failure mode with a URL full of secrets and check none comes out.
//
// # Why the DNS cache serves stale answers
//
// The appliance is a Raspberry Pi on Wi-Fi. Its resolver fails far more
// often than calendar hosts move: a dropped association, a router's DNS
// proxy restarting, a captive portal. The dialer therefore resolves through
// a small cache: answers are reused for 5 minutes, and when a fresh lookup
// fails the last good answer is served instead for as long as the resolver
// keeps failing. A wrong address costs a failed dial, the same as no
// address. The dial goes to the IP, but the request still carries the host
// name, so TLS verification and SNI are unaffected. Metric:
// calendarbot_dns_cache_total{result="hit|miss|stale"}.
//
// # Why the content hash ignores DTSTAMP
//
// Outlook and Google rewrite every event's DTSTAMP to the time of the
// request and send no usable ETag, so every download looks new. Parsing and
// expanding a large calendar is the most expensive thing the appliance
// does, so a body whose ContentHash (sha256 without DTSTAMP lines) equals
// the previous one is reported as NotModified, exactly like a 304, and is
// not handed on. DTSTAMP only records when the iCalendar object was
// generated; no event's meaning depends on it.
//
// # Refresh cycles
//
// A Manager refreshes all feeds together in cycles: one cycle fetches every
// feed not in backoff with bounded concurrency (default 4) and then calls
// the sink once with the states of all feeds, so the service builds one new
// snapshot per cycle rather than one per feed. Run starts a cycle at once
// and then every interval ± jitter. With Coalescing, a Refresh while a cycle
// runs (a user pressing "refresh" during the scheduled cycle) joins it and
// returns its states instead of starting another. Metric:
// calendarbot_refresh_cycles_total{joined="true|false"}.
//
// A failing feed backs off exponentially (1, 2, 4, ... minutes, at most 30,
// minus up to 10% jitter, or the server's Retry-After when that is longer,
// at most 6 h); cycles skip it until then. It keeps its last good data: its
// State keeps the Hash and LastSuccess and says Stale, with the redacted
// LastError. A success resets the backoff. A failure caused by the caller's
// context ending is not the feed's fault and changes nothing.
//
// # Who owns the body
//
// Raw feeds are large and the appliance has 512 MB, so a body is held in
// one place only. A State carries Body only when Changed (the cycle fetched
// a body with a new hash); that State goes to the sink and to the Refresh
// callers, and the Manager keeps no reference to the bytes: it keeps only
// the validators and the hash. The service parses a changed body in the
// sink and keeps the parsed calendar, not the bytes; for an unchanged or
// failing feed it keeps the calendar it already has. Joined Refresh callers
// share the same bytes and must not modify them. The sink is called for
// every cycle, even one cut short by its context (it then gets a context
// that is not cancelled), because nobody else holds the changed bodies. A
// service that could not use a body it was given (or lost it) calls
// Invalidate so that the next cycle downloads it again and reports it
// Changed.
//
// # Metrics
//
// In the default VictoriaMetrics set, feeds labelled by name:
//
//	calendarbot_feed_fetch_total{feed,result="ok|not_modified|error"}
//	calendarbot_feed_fetch_duration_seconds{feed}   histogram
//	calendarbot_feed_bytes{feed}                    size of the last full body
//	calendarbot_feed_age_seconds{feed}              since the last success (or since the Manager started)
//	calendarbot_feed_stale{feed}                    0 or 1
//	calendarbot_http_conn_total{reused="true|false"}
//	calendarbot_dns_cache_total{result="hit|miss|stale"}
//	calendarbot_refresh_cycles_total{joined="true|false"}
package feed
