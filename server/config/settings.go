package config

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/calendarbot/calendarbot/server/tz"
)

const envPrefix = "CALENDARBOT_"

type kind int

const (
	kindString kind = iota
	kindSecret      // a string never echoed
	kindBool
	kindDuration
	kindSize
	kindTime
	kindInt
)

// setting describes one scalar setting in all three sources. Feeds, the
// config file itself and the appliance sections are handled separately.
type setting struct {
	key   string // TOML key, dotted for keys in a table: "window.past"
	env   string // environment variable
	flag  string // flag name without "--"; kill switches are "no-…" (inverted)
	kind  kind
	def   string // default, for usage text and REFERENCE.md
	usage string
	// check validates a parsed value; it returns "" or a message that
	// starts with the value (the caller prefixes the setting's name).
	// shown is the value as the user wrote it, for messages (never used
	// for secrets).
	check func(v any, shown string) string
	set   func(c *Config, v any)
}

// inverted reports whether the flag is a kill switch (--no-pooling sets
// pooling = false).
func (s *setting) inverted() bool { return strings.HasPrefix(s.flag, "no-") }

var settings = []*setting{
	{key: "listen", env: "CALENDARBOT_LISTEN", flag: "listen", kind: kindString, def: DefaultListen,
		usage: "address to listen on, host:port", check: checkListen,
		set: func(c *Config, v any) { c.Listen = v.(string) }},
	{key: "tz", env: "CALENDARBOT_TZ", flag: "tz", kind: kindString, def: DefaultTZ,
		usage: "display time zone, IANA name such as Europe/Berlin", check: checkTZ,
		set: func(c *Config, v any) { c.TZ = v.(string) }},
	{key: "now", env: "CALENDARBOT_NOW", flag: "now", kind: kindTime,
		usage: "freeze the clock at this RFC 3339 time (testing, demos)",
		set:   func(c *Config, v any) { c.Now = v.(time.Time) }},
	{key: "refresh", env: "CALENDARBOT_REFRESH", flag: "refresh", kind: kindDuration, def: "5m",
		usage: "feed refresh interval, at least 30s",
		check: durationRange(MinRefresh, 7*24*time.Hour),
		set:   func(c *Config, v any) { c.Refresh = v.(time.Duration) }},
	{key: "window.past", env: "CALENDARBOT_WINDOW_PAST", flag: "window-past", kind: kindDuration, def: "24h",
		usage: "how far back from now events are expanded", check: durationRange(0, MaxWindow),
		set: func(c *Config, v any) { c.WindowPast = v.(time.Duration) }},
	{key: "window.future", env: "CALENDARBOT_WINDOW_FUTURE", flag: "window-future", kind: kindDuration, def: "14d",
		usage: "how far ahead of now events are expanded", check: durationRange(time.Hour, MaxWindow),
		set: func(c *Config, v any) { c.WindowFuture = v.(time.Duration) }},
	{key: "cache.max_bytes", env: "CALENDARBOT_CACHE_MAX_BYTES", flag: "cache-max-bytes", kind: kindSize, def: "4MiB",
		usage: "byte budget of the response cache", check: positiveSize,
		set: func(c *Config, v any) { c.CacheBytes = v.(int64) }},
	{key: "performance.pooling", env: "CALENDARBOT_POOLING", flag: "no-pooling", kind: kindBool, def: "true",
		usage: "turn feed connection pooling off (kill switch)",
		set:   func(c *Config, v any) { c.Pooling = v.(bool) }},
	{key: "performance.caching", env: "CALENDARBOT_CACHING", flag: "no-caching", kind: kindBool, def: "true",
		usage: "turn the response cache off (kill switch)",
		set:   func(c *Config, v any) { c.Caching = v.(bool) }},
	{key: "performance.coalescing", env: "CALENDARBOT_COALESCING", flag: "no-coalescing", kind: kindBool, def: "true",
		usage: "turn request coalescing off (kill switch)",
		set:   func(c *Config, v any) { c.Coalescing = v.(bool) }},
	{key: "admin_token", env: "CALENDARBOT_ADMIN_TOKEN", flag: "admin-token", kind: kindSecret,
		usage: "token required for state-changing requests not from loopback (prefer the env var or file: flags are visible in ps)",
		check: checkToken,
		set:   func(c *Config, v any) { c.AdminToken = v.(string) }},
	{key: "alexa.token", env: "CALENDARBOT_ALEXA_TOKEN", flag: "alexa-token", kind: kindSecret,
		usage: "bearer token for /api/alexa/*; empty disables it", check: checkToken,
		set: func(c *Config, v any) { c.AlexaToken = v.(string) }},
	{key: "fetch.max_bytes", env: "CALENDARBOT_FETCH_MAX_BYTES", flag: "fetch-max-bytes", kind: kindSize, def: "20MiB",
		usage: "largest feed accepted", check: positiveSize,
		set: func(c *Config, v any) { c.MaxFeedBytes = v.(int64) }},
	{key: "fetch.timeout", env: "CALENDARBOT_FETCH_TIMEOUT", flag: "fetch-timeout", kind: kindDuration, def: "30s",
		usage: "time limit for fetching one feed", check: durationRange(MinFetchTimeout, MaxFetchTimeout),
		set: func(c *Config, v any) { c.FetchTimeout = v.(time.Duration) }},
	{key: "log.level", env: "CALENDARBOT_LOG_LEVEL", flag: "log-level", kind: kindString, def: DefaultLogLevel,
		usage: "debug, info, warn or error", check: oneOf("debug", "info", "warn", "error"),
		set: func(c *Config, v any) { c.LogLevel = strings.ToLower(v.(string)) }},
	{key: "log.format", env: "CALENDARBOT_LOG_FORMAT", flag: "log-format", kind: kindString, def: DefaultLogFormat,
		usage: "text or json", check: oneOf("text", "json"),
		set: func(c *Config, v any) { c.LogFormat = strings.ToLower(v.(string)) }},
	{key: "display.framebuffer", env: "CALENDARBOT_FRAMEBUFFER", flag: "framebuffer", kind: kindString,
		usage: "draw the screen on this Linux framebuffer device, e.g. /dev/fb0 (the appliance sets it when a display exists)",
		check: checkDevicePath,
		set:   func(c *Config, v any) { c.Display.Framebuffer = v.(string) }},
	{key: "display.rotate", env: "CALENDARBOT_ROTATE", flag: "rotate", kind: kindInt, def: "0",
		usage: "turn the drawn screen clockwise by 0, 90, 180 or 270 degrees (displays mounted sideways)",
		check: checkRotate,
		set:   func(c *Config, v any) { c.Display.Rotate = int(v.(int64)) }},
	{key: "display.mode", env: "CALENDARBOT_DISPLAY_MODE", flag: "display-mode", kind: kindString, def: "color",
		usage: "colours of the drawn screen: color, gray or mono", check: oneOf("color", "gray", "mono"),
		set: func(c *Config, v any) { c.Display.Mode = strings.ToLower(v.(string)) }},
	{key: "trmnl.refresh", env: "CALENDARBOT_TRMNL_REFRESH", flag: "trmnl-refresh", kind: kindDuration, def: "5m",
		usage: "longest a TRMNL device sleeps between wakes (shortened before meetings start or end), 1m to 24h",
		check: durationRange(MinTRMNLRefresh, MaxTRMNLRefresh),
		set:   func(c *Config, v any) { c.TRMNL.Refresh = v.(time.Duration) }},
	{key: "trmnl.base_url", env: "CALENDARBOT_TRMNL_BASE_URL", flag: "trmnl-base-url", kind: kindString,
		usage: "URL TRMNL devices reach this server at, for image links (behind a proxy); default: from the request",
		check: checkBaseURL,
		set:   func(c *Config, v any) { c.TRMNL.BaseURL = strings.TrimRight(strings.TrimSpace(v.(string)), "/") }},
	{key: "trmnl.setup", env: "CALENDARBOT_TRMNL_SETUP", flag: "no-trmnl-setup", kind: kindBool, def: "true",
		usage: "turn off TRMNL enrolment (/api/setup hands a configured MAC its token) once devices are set up",
		set:   func(c *Config, v any) { c.TRMNL.Setup = v.(bool) }},
	{key: "sample", env: "CALENDARBOT_SAMPLE", flag: "sample", kind: kindBool, def: "false",
		usage: "serve the built-in sample calendar (no feeds needed)",
		set:   func(c *Config, v any) { c.Sample = v.(bool) }},
}

func settingByKey(key string) *setting {
	for _, s := range settings {
		if s.key == key {
			return s
		}
	}
	return nil
}

// parseString parses the string form of a setting (environment variable or
// flag). It returns the value or a message without the setting's name.
func (s *setting) parseString(raw string) (any, string) {
	var v any
	switch s.kind {
	case kindString, kindSecret:
		v = strings.TrimSpace(raw)
	case kindBool:
		b, ok := parseBool(raw)
		if !ok {
			return nil, fmt.Sprintf("'%s' is not a boolean (use true or false)", safeEcho(raw))
		}
		v = b
	case kindDuration:
		d, msg := parseDuration(raw)
		if msg != "" {
			return nil, msg
		}
		v = d
	case kindSize:
		n, msg := parseSize(raw)
		if msg != "" {
			return nil, msg
		}
		v = n
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, fmt.Sprintf("'%s' is not a whole number", safeEcho(raw))
		}
		v = n
	case kindTime:
		t, msg := parseTime(raw)
		if msg != "" {
			return nil, msg
		}
		v = t
	}
	return s.validate(v, raw)
}

func (s *setting) validate(v any, shown string) (any, string) {
	if s.check != nil {
		if msg := s.check(v, safeEcho(strings.TrimSpace(shown))); msg != "" {
			return nil, msg
		}
	}
	return v, ""
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, true
	case "0", "f", "false", "no", "n", "off":
		return false, true
	}
	return false, false
}

const durationHint = "use a number with a unit: 90s, 5m, 1h30m, 14d"

// parseDuration accepts Go durations ("1h30m") with an optional leading
// day count ("14d", "1d12h"). Negative durations are rejected.
func parseDuration(raw string) (time.Duration, string) {
	s := strings.TrimSpace(raw)
	bad := func() (time.Duration, string) {
		return 0, fmt.Sprintf("'%s' is not a duration (%s)", safeEcho(raw), durationHint)
	}
	if s == "" {
		return 0, "is empty (" + durationHint + ")"
	}
	if s[0] == '-' {
		return 0, fmt.Sprintf("'%s' is negative", safeEcho(raw))
	}
	var total time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		days, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || i == 0 || !isDecimal(s[:i]) {
			return bad()
		}
		if days > 100000 {
			return 0, fmt.Sprintf("'%s' is too long", safeEcho(raw))
		}
		total = time.Duration(math.Round(days * float64(24*time.Hour)))
		s = s[i+1:]
		if s == "" {
			return total, ""
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		if err != nil && strings.Contains(err.Error(), "out of range") {
			return 0, fmt.Sprintf("'%s' is too long", safeEcho(raw))
		}
		return bad()
	}
	if total > math.MaxInt64-d {
		return 0, fmt.Sprintf("'%s' is too long", safeEcho(raw))
	}
	return total + d, ""
}

func isDecimal(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return s != "" && s != "."
}

var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

const sizeHint = `use bytes or a number with KiB, MiB, GiB, KB, MB or GB, e.g. "4MiB"`

// parseSize accepts a byte count with an optional unit: "4MiB", "512 KiB",
// "1.5MB", "1048576". Units ignore case.
func parseSize(raw string) (int64, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return 0, "is empty (" + sizeHint + ")"
	}
	if s[0] == '-' {
		return 0, fmt.Sprintf("'%s' is negative", safeEcho(raw))
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '_') {
		i++
	}
	num := strings.ReplaceAll(s[:i], "_", "")
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok || !isDecimal(num) {
		return 0, fmt.Sprintf("'%s' is not a size (%s)", safeEcho(raw), sizeHint)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Sprintf("'%s' is not a size (%s)", safeEcho(raw), sizeHint)
	}
	n := math.Round(f * unit)
	if n >= 1<<53 {
		return 0, fmt.Sprintf("'%s' is too large", safeEcho(raw))
	}
	return int64(n), ""
}

func parseTime(raw string) (time.Time, string) {
	s := strings.TrimSpace(raw)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("'%s' is not an RFC 3339 time (e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z)", safeEcho(raw))
	}
	return t, ""
}

func checkListen(v any, _ string) string {
	s := v.(string)
	host, port, err := net.SplitHostPort(s)
	if err != nil || strings.ContainsAny(host, " /") {
		return fmt.Sprintf("'%s' is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or :8080)", safeEcho(s))
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("'%s' has no valid port number (0 to 65535)", safeEcho(s))
	}
	return ""
}

func checkTZ(v any, _ string) string {
	s := v.(string)
	if _, ok := tz.LoadIANA(s); !ok {
		return fmt.Sprintf("'%s' is not a known time zone (IANA name such as Europe/Berlin)", safeEcho(s))
	}
	return ""
}

// checkDevicePath accepts "" (off) or an absolute path.
func checkDevicePath(v any, _ string) string {
	p := v.(string)
	if p != "" && !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("'%s' must be an absolute device path such as /dev/fb0", safeEcho(p))
	}
	return ""
}

func checkRotate(v any, _ string) string {
	switch n := v.(int64); n {
	case 0, 90, 180, 270:
		return ""
	default:
		return fmt.Sprintf("%d is not 0, 90, 180 or 270", n)
	}
}

func durationRange(lo, hi time.Duration) func(any, string) string {
	return func(v any, shown string) string {
		d := v.(time.Duration)
		switch {
		case d < lo && lo == 0:
			return fmt.Sprintf("'%s' is negative", shown)
		case d < lo:
			return fmt.Sprintf("'%s' is too short (minimum %s)", shown, fmtDuration(lo))
		case d > hi:
			return fmt.Sprintf("'%s' is too long (maximum %s)", shown, fmtDuration(hi))
		}
		return ""
	}
}

// fmtDuration prints whole days as "14d", otherwise like time.Duration.
func fmtDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	// "5m0s" -> "5m", "1h0m0s" -> "1h"
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func positiveSize(v any, shown string) string {
	n := v.(int64)
	switch {
	case n < 0:
		return fmt.Sprintf("'%s' is negative", shown)
	case n == 0:
		return fmt.Sprintf("'%s' must be positive (the kill switches in [performance] turn features off)", shown)
	}
	return ""
}

func oneOf(allowed ...string) func(any, string) string {
	return func(v any, _ string) string {
		s := strings.ToLower(v.(string))
		for _, a := range allowed {
			if s == a {
				return ""
			}
		}
		return fmt.Sprintf("'%s' is not one of %s", safeEcho(v.(string)), strings.Join(allowed, ", "))
	}
}

// checkToken rejects tokens that cannot be sent in an HTTP header. The
// message never contains the token.
func checkToken(v any, _ string) string {
	if s := v.(string); strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "contains white space or control characters"
	}
	return ""
}

// readEnv reads the CALENDARBOT_* variables. Empty variables count as
// unset. Unknown variables close to a known name are reported as likely
// typos; others are ignored (they may belong to other tools).
func readEnv(env map[string]string, ps *problems) *layer {
	l := newLayer()
	known := []string{"CONFIG", "FEEDS"} // without the prefix
	for _, s := range settings {
		known = append(known, strings.TrimPrefix(s.env, envPrefix))
	}
	for _, name := range sortedKeys(env) {
		raw := env[name]
		if raw == "" {
			continue
		}
		switch name {
		case "CALENDARBOT_CONFIG":
			continue
		case "CALENDARBOT_FEEDS":
			l.feeds = parseFeedList(name, splitFeedList(raw), workingDir(), ps)
			l.feedsSet = true
			continue
		}
		s := settingByEnv(name)
		if s == nil {
			if sug := suggest(strings.TrimPrefix(name, envPrefix), known); sug != "" {
				ps.add("environment", "unknown variable %s (did you mean %s%s?)", name, envPrefix, sug)
			}
			continue
		}
		v, msg := s.parseString(raw)
		if msg != "" {
			ps.add("environment", "%s %s", name, msg)
			continue
		}
		l.values[s.key] = v
	}
	return l
}

func settingByEnv(name string) *setting {
	for _, s := range settings {
		if s.env == name {
			return s
		}
	}
	return nil
}

// splitFeedList splits CALENDARBOT_FEEDS at commas and newlines; commas in
// URLs must be written %2C.
func splitFeedList(raw string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// layer parses the flags set on the command line.
func (fv *FlagValues) layer(ps *problems) *layer {
	l := newLayer()
	for _, s := range settings {
		if !fv.fs.Changed(s.flag) {
			continue
		}
		if s.kind == kindBool {
			b := *fv.bools[s.key]
			if s.inverted() {
				b = !b
			}
			l.values[s.key] = b
			continue
		}
		v, msg := s.parseString(*fv.strs[s.key])
		if msg != "" {
			ps.add("command line", "--%s %s", s.flag, msg)
			continue
		}
		l.values[s.key] = v
	}
	if fv.fs.Changed("feed") {
		l.feeds = parseFeedList("--feed", fv.feedArg, workingDir(), ps)
		l.feedsSet = true
	}
	return l
}
