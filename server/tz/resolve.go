package tz

import (
	"strings"
	"sync"
	"time"
)

// ianaCache caches successful LoadIANA results, keyed by the exact name.
// Together with the offset tables of the same locations (see zoneTables)
// it is the package's only mutable global state: Go's time.LoadLocation
// re-reads and re-parses the zone data on every call (tens of
// microseconds, several allocations), while the set of valid names is
// bounded by the tz database (about 600 names), so caching only successes
// bounds the cache however many bogus TZIDs callers feed in. Cached
// *time.Location values are immutable and safe for concurrent use.
var ianaCache sync.Map // string -> *time.Location

// maxNameLen bounds names passed to the loader; the longest IANA name is
// about 30 bytes.
const maxNameLen = 128

// LoadIANA returns the location of an IANA time-zone name such as
// "Europe/Berlin", using the embedded tz database (see package doc).
// Unlike time.LoadLocation it rejects "" and "Local" (which would mean
// the machine's zone, something a calendar file can never mean), and maps
// the usual spellings of UTC ("UTC", "Etc/UTC", "GMT", "Z", "Zulu", ...;
// case-insensitive) to time.UTC. Names are otherwise case-sensitive, as in
// the tz database. Results are cached.
func LoadIANA(name string) (*time.Location, bool) {
	if v, ok := ianaCache.Load(name); ok { // holds valid names only
		return v.(*time.Location), true
	}
	if isUTCName(name) {
		return time.UTC, true
	}
	if name == "" || name == "Local" || len(name) > maxNameLen || !plausibleIANA(name) {
		return nil, false
	}
	// The cache and the Location keep the name for the life of the
	// process: a copy, so that a name sliced out of a calendar feed does not
	// keep that feed's whole text alive.
	name = strings.Clone(name)
	loc, err := time.LoadLocation(name)
	if err != nil || loc == nil || loc == time.Local {
		return nil, false
	}
	v, loaded := ianaCache.LoadOrStore(name, loc)
	loc = v.(*time.Location)
	if !loaded {
		registerTable(loc)
	}
	return loc, true
}

// plausibleIANA rejects strings that cannot be tz database names before
// they reach the file system: names are ASCII letters, digits, and
// "/_-+", and never start with "/". It also rejects file names that a
// system zoneinfo directory may hold but that are not zones a calendar can
// mean: "localtime" (Debian links it to the machine's zone), "posixrules",
// and the "posix/" and "right/" trees ("right/" zones count leap seconds,
// which Go does not, so their instants would be off by tens of seconds);
// none of them exists in the embedded database anyway.
func plausibleIANA(name string) bool {
	if name[0] == '/' || compareFold(name, "localtime") == 0 || compareFold(name, "posixrules") == 0 ||
		hasPrefixFold(name, "posix/") || hasPrefixFold(name, "right/") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '/' || c == '_' || c == '-' || c == '+':
		default:
			return false
		}
	}
	return true
}

// utcNames are the spellings treated as UTC (compared ignoring ASCII
// case). All are either tz database names of zones that have been UTC+0
// forever or the ISO 8601 designator "Z".
var utcNames = [...]string{
	"UTC", "Z", "Zulu", "UT", "UCT", "GMT", "Universal", "Greenwich",
	"GMT0", "GMT+0", "GMT-0",
	"Etc/UTC", "Etc/UCT", "Etc/Zulu", "Etc/Universal", "Etc/GMT",
	"Etc/Greenwich", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0",
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && compareFold(s[:len(prefix)], prefix) == 0
}

func isUTCName(s string) bool {
	if len(s) == 0 || len(s) > len("Etc/Universal") {
		return false
	}
	for _, n := range utcNames {
		if len(n) == len(s) && compareFold(n, s) == 0 {
			return true
		}
	}
	return false
}

// Source tells which rule of the resolution precedence produced a
// location.
type Source uint8

const (
	// Unresolved: no rule matched; the caller should use floating time.
	Unresolved Source = iota
	// IANA: the TZID is an IANA name (or a spelling of UTC).
	IANA
	// Windows: the TZID is a Windows zone ID mapped by CLDR.
	Windows
	// Custom: the TZID named one of the caller's VTIMEZONE-derived zones.
	Custom
	// Fallback: the TZID was recognised only after normalisation
	// (vendor prefix stripped, case repaired, Windows display name, legacy
	// Windows ID or explicit UTC offset).
	Fallback
)

func (s Source) String() string {
	switch s {
	case IANA:
		return "iana"
	case Windows:
		return "windows"
	case Custom:
		return "custom"
	case Fallback:
		return "fallback"
	}
	return "unresolved"
}

// Resolver turns TZID parameter values into locations following the
// package's precedence rules (see the package documentation). It caches
// every answer it gives, so a Resolver should be scoped to one calendar or
// one import: create it with the file's VTIMEZONE-derived zones. A
// Resolver is safe for concurrent use. The zero Resolver is usable and has
// no custom zones.
type Resolver struct {
	custom map[string]*time.Location // read-only after NewResolver

	mu    sync.RWMutex
	cache map[string]result
}

type result struct {
	loc *time.Location
	src Source
}

// maxResolverCache bounds the per-Resolver cache so that a hostile file
// with millions of distinct TZIDs cannot grow it without limit; answers
// beyond it are recomputed.
const maxResolverCache = 4096

// NewResolver returns a Resolver whose custom zones are custom, keyed by
// TZID exactly as written in the calendar file (typically built with
// FromTransitions from the file's VTIMEZONE components). The map is copied;
// nil entries are ignored.
func NewResolver(custom map[string]*time.Location) *Resolver {
	r := &Resolver{}
	if len(custom) > 0 {
		r.custom = make(map[string]*time.Location, len(custom))
		for k, v := range custom {
			if v != nil {
				r.custom[k] = v
			}
		}
	}
	return r
}

// Resolve returns the location a TZID denotes, or (nil, false) if it
// denotes none, in which case RFC 5545 leaves the caller nothing better
// than floating time.
func (r *Resolver) Resolve(tzid string) (loc *time.Location, ok bool) {
	loc, src := r.ResolveSource(tzid)
	return loc, src != Unresolved
}

// ResolveSource is Resolve that also reports which precedence rule
// matched, for diagnostics. It returns (nil, Unresolved) for unknown
// TZIDs.
func (r *Resolver) ResolveSource(tzid string) (*time.Location, Source) {
	r.mu.RLock()
	res, ok := r.cache[tzid]
	r.mu.RUnlock()
	if ok {
		return res.loc, res.src
	}
	res.loc, res.src = r.resolve(tzid)
	r.mu.Lock()
	if len(r.cache) < maxResolverCache {
		if r.cache == nil {
			r.cache = make(map[string]result)
		}
		r.cache[tzid] = res
	}
	r.mu.Unlock()
	return res.loc, res.src
}

// resolve applies the precedence rules without caching.
func (r *Resolver) resolve(tzid string) (*time.Location, Source) {
	s := trimTZID(tzid)
	if s == "" {
		// Only a custom zone literally named "" (or blanks) could match.
		if loc := r.custom[tzid]; loc != nil {
			return loc, Custom
		}
		return nil, Unresolved
	}
	// 1. An IANA name: the tz database is the most accurate and most
	// up-to-date description of a zone, better than any VTIMEZONE copy.
	if loc, ok := LoadIANA(s); ok {
		return loc, IANA
	}
	// 2. A Windows zone ID, mapped through CLDR.
	if iana, ok := WindowsToIANA(s); ok {
		if loc, ok := LoadIANA(iana); ok {
			return loc, Windows
		}
	}
	// 3. The calendar's own VTIMEZONE definitions.
	if loc := r.custom[tzid]; loc != nil {
		return loc, Custom
	}
	if loc := r.custom[s]; loc != nil {
		return loc, Custom
	}
	// 4. Last-resort normalisations.
	if loc, ok := fallback(s); ok {
		return loc, Fallback
	}
	return nil, Unresolved
}

// Resolve resolves tzid without custom zones and without a per-call-site
// cache (successful IANA loads are still cached); see Resolver.Resolve.
func Resolve(tzid string) (*time.Location, bool) {
	var r Resolver
	loc, src := r.resolve(tzid)
	return loc, src != Unresolved
}

// legacyWindows are Windows zone IDs that older Windows versions wrote
// and that CLDR no longer lists (Microsoft merged or renamed them). They
// are consulted only in the fallback step.
var legacyWindows = map[string]string{
	"armenian standard time":     "Asia/Yerevan",
	"kamchatka standard time":    "Asia/Kamchatka",
	"mexico standard time":       "America/Mexico_City",
	"mexico standard time 2":     "America/Chihuahua",
	"mid-atlantic standard time": "Etc/GMT+2",
}

// fallback tries the normalisations of precedence step 4.
func fallback(s string) (*time.Location, bool) {
	// Globally unique TZIDs (RFC 5545 3.2.19) written by Mozilla, libical,
	// Evolution and others embed the IANA name after a vendor path:
	// "/mozilla.org/20070129_1/Europe/Berlin",
	// "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin",
	// "/softwarestudio.org/Olson_20011030_5/America/New_York".
	// Try each suffix after a "/", longest first, so that multi-part
	// names like America/Argentina/Buenos_Aires win over their last part.
	if strings.HasPrefix(s, "/") {
		for i := 0; i < len(s); i++ {
			if s[i] != '/' || i+1 >= len(s) {
				continue
			}
			suffix := s[i+1:]
			if loc, ok := LoadIANA(suffix); ok {
				return loc, true
			}
			if loc, ok := caseRepairedIANA(suffix); ok {
				return loc, true
			}
			if iana, ok := WindowsToIANA(suffix); ok {
				if loc, ok := LoadIANA(iana); ok {
					return loc, true
				}
			}
		}
		return nil, false
	}
	if loc, ok := caseRepairedIANA(s); ok {
		return loc, true
	}
	if i, ok := windowsFromDisplay(s); ok {
		return LoadIANA(windowsZones[i].iana)
	}
	if len(s) <= 40 {
		if iana, ok := legacyWindows[strings.ToLower(s)]; ok {
			return LoadIANA(iana)
		}
	}
	if off, ok := parseFixedOffset(s); ok {
		return fixedZone(off), true
	}
	return nil, false
}

// caseRepairedIANA retries a lower- or upper-cased IANA name with the
// capitalisation the tz database uses for most names: an upper-case
// letter at the start of every "/", "_" or "-" separated word
// ("america/new_york" -> "America/New_York"), or all upper case for
// single-word names ("cet", "est5edt").
func caseRepairedIANA(s string) (*time.Location, bool) {
	if len(s) > maxNameLen || !plausibleIANA(s) {
		return nil, false
	}
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
		up = c == '/' || c == '_' || c == '-'
	}
	if t := string(b); t != s {
		if loc, ok := LoadIANA(t); ok {
			return loc, true
		}
	}
	if !strings.Contains(s, "/") {
		if t := strings.ToUpper(s); t != s {
			return LoadIANA(t)
		}
	}
	return nil, false
}

// parseFixedOffset parses explicit UTC offsets used as TZIDs by some
// producers: "UTC+01:00", "GMT-03:30", "UTC+0530", "+05:45", "UTC+1",
// "UTC-11". Offsets are ISO 8601 style (east positive), which is also the
// convention of Windows' "UTC-11"-style IDs. "GMT+5" without minutes is
// rejected as ambiguous: in POSIX and tz database usage ("Etc/GMT+5") the
// sign is inverted.
func parseFixedOffset(s string) (int, bool) {
	rest := s
	prefix := ""
	if len(rest) >= 3 {
		switch p := strings.ToUpper(rest[:3]); p {
		case "UTC", "GMT":
			prefix, rest = p, rest[3:]
		}
	}
	if len(rest) < 2 || (rest[0] != '+' && rest[0] != '-') {
		return 0, false
	}
	sign := 1
	if rest[0] == '-' {
		sign = -1
	}
	rest = rest[1:]
	var h, m int
	switch {
	case len(rest) == 5 && rest[2] == ':' && allDigits(rest[:2]) && allDigits(rest[3:]):
		h, m = atoi2(rest[:2]), atoi2(rest[3:])
	case len(rest) == 4 && allDigits(rest):
		h, m = atoi2(rest[:2]), atoi2(rest[2:])
	case (len(rest) == 1 || len(rest) == 2) && allDigits(rest) && prefix == "UTC":
		for i := 0; i < len(rest); i++ {
			h = h*10 + int(rest[i]-'0')
		}
	default:
		return 0, false
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// fixedZone returns a fixed zone named like "UTC+05:30"; offset 0 is UTC.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	return time.FixedZone("UTC"+string(appendOffset(nil, off)), off)
}
