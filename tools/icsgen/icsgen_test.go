package icsgen

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // independent reference for the built-in zone rules
	"unicode/utf8"
)

var styles = []string{StyleOutlook, StyleGoogle, StylePlain}

func TestDeterministic(t *testing.T) {
	for _, st := range styles {
		a := Generate(Options{Seed: 42, Style: st})
		b := Generate(Options{Seed: 42, Style: st})
		if !bytes.Equal(a, b) {
			t.Errorf("%s: same seed produced different output", st)
		}
		c := Generate(Options{Seed: 43, Style: st})
		if bytes.Equal(a, c) {
			t.Errorf("%s: different seeds produced identical output", st)
		}
		d := Generate(Options{Seed: 42, Style: st, Now: DefaultNow.AddDate(0, 1, 0)})
		if bytes.Equal(a, d) {
			t.Errorf("%s: different Now produced identical output", st)
		}
	}
	if !bytes.Equal(Generate(Options{}), Generate(Options{Now: DefaultNow, Events: DefaultEvents, Series: DefaultSeries,
		Exdates: DefaultExdates, Overrides: DefaultOverrides, Style: DefaultStyle})) {
		t.Error("zero Options differ from explicit defaults")
	}
}

func TestDefaultSize(t *testing.T) {
	for seed := int64(0); seed < 8; seed++ {
		n := len(Generate(Options{Seed: seed}))
		if n < 250_000 || n > 300_000 {
			t.Errorf("seed %d: default feed is %d bytes, want 250-300 KB", seed, n)
		}
	}
}

// counts are gathered by scanning the unfolded lines of a feed.
type counts struct {
	vevents, rrules, exdates, recurIDs, vtimezones int
}

func countFeed(t *testing.T, data []byte) counts {
	t.Helper()
	var c counts
	var stack []string
	for _, l := range unfold(t, data) {
		name, _, value := splitProp(l)
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			switch value {
			case "VEVENT":
				c.vevents++
			case "VTIMEZONE":
				c.vtimezones++
			}
			continue
		case "END":
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != "VEVENT" {
			continue // e.g. the RRULEs of VTIMEZONE observances
		}
		switch name {
		case "RRULE":
			c.rrules++
		case "EXDATE":
			c.exdates += len(strings.Split(value, ","))
		case "RECURRENCE-ID":
			c.recurIDs++
		}
	}
	return c
}

func TestCounts(t *testing.T) {
	cases := []Options{
		{},
		{Seed: 7, Style: StyleGoogle},
		{Seed: 9, Style: StylePlain},
		{Seed: 3, Events: 1000, Series: 120, Exdates: 400, Overrides: 150},
		{Seed: 5, Events: 12, Series: 3, Exdates: 5, Overrides: 2},
		{Seed: 5, Events: 50, Series: -1, Exdates: -1, Overrides: -1},
		{Seed: 5, Events: 50, Series: 10, Exdates: -1, Overrides: -1, Style: StyleGoogle},
	}
	for _, o := range cases {
		n := o.normalized()
		c := countFeed(t, Generate(o))
		want := counts{vevents: n.Events, rrules: n.Series, exdates: n.Exdates, recurIDs: n.Overrides}
		switch n.Style {
		case StylePlain:
			want.vtimezones = 0
		default:
			want.vtimezones = 6
		}
		if c != want {
			t.Errorf("%+v: got %+v, want %+v", o, c, want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, st := range styles {
		data := Generate(Options{Seed: 11, Style: st})
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			t.Errorf("%s: output does not end with CRLF", st)
		}
		lines := strings.Split(string(data), "\r\n")
		lines = lines[:len(lines)-1]
		for i, l := range lines {
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("%s: line %d contains a bare CR or LF: %q", st, i+1, l)
			}
			if len(l) > 75 {
				t.Fatalf("%s: line %d is %d octets: %q", st, i+1, len(l), l)
			}
			if !utf8.ValidString(l) {
				t.Fatalf("%s: line %d is not valid UTF-8 on its own: %q", st, i+1, l)
			}
			if l == "" || l == " " {
				t.Fatalf("%s: line %d is empty", st, i+1)
			}
		}
		var stack []string
		for _, l := range unfold(t, data) {
			name, _, value := splitProp(l)
			switch name {
			case "BEGIN":
				stack = append(stack, value)
			case "END":
				if len(stack) == 0 || stack[len(stack)-1] != value {
					t.Fatalf("%s: END:%s does not match open components %v", st, value, stack)
				}
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) != 0 {
			t.Fatalf("%s: unclosed components %v", st, stack)
		}
	}
}

func TestOutlookFlavour(t *testing.T) {
	s := string(Generate(Options{}))
	for _, want := range []string{
		"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
		"X-WR-CALNAME:",
		"TZID:W. Europe Standard Time", "TZID:Pacific Standard Time", "TZID:Eastern Standard Time",
		"TZID:GMT Standard Time", "TZID:India Standard Time", "TZID:AUS Eastern Standard Time",
		"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
		"DTSTART;TZID=", "DTSTART;VALUE=DATE:", "RECURRENCE-ID;TZID=", "EXDATE;TZID=", "STATUS:CANCELLED",
		"SUMMARY;LANGUAGE=en-US:", "X-MICROSOFT-CDO-BUSYSTATUS:", "X-MICROSOFT-CDO-IMPORTANCE:",
		"ATTENDEE;CN=", ";ROLE=REQ-PARTICIPANT;PARTSTAT=", "ORGANIZER;CN=", "BEGIN:VALARM",
		`\n`, `\,`, `\;`, "Microsoft Teams meeting",
		"FREQ=WEEKLY", "INTERVAL=2", "FREQ=MONTHLY", "BYMONTHDAY=", "FREQ=DAILY", "BYDAY=MO,TU,WE,TH,FR",
		"UNTIL=", "COUNT=",
	} {
		if !strings.Contains(unfoldString(s), want) {
			t.Errorf("outlook feed lacks %q", want)
		}
	}
	if !strings.ContainsAny(s, "éüÜ") || !strings.Contains(s, "日本") {
		t.Error("outlook feed lacks non-ASCII text")
	}
	// Some EXDATE lines carry several values.
	if !hasMultiExdate(unfoldString(s)) {
		t.Error("no comma-separated EXDATE list")
	}
	// Long descriptions are present and sized like real invites.
	long := 0
	for _, l := range strings.Split(unfoldString(s), "\r\n") {
		if strings.HasPrefix(l, "DESCRIPTION:") && len(l) >= 500+len("DESCRIPTION:") {
			long++
			if len(l) > 1100 {
				t.Errorf("description of %d bytes is too long", len(l))
			}
		}
	}
	if long < 30 {
		t.Errorf("only %d long descriptions", long)
	}
}

func TestGoogleFlavour(t *testing.T) {
	s := unfoldString(string(Generate(Options{Style: StyleGoogle})))
	for _, want := range []string{
		"PRODID:-//Google Inc//Google Calendar 70.9054//EN", "X-WR-TIMEZONE:Europe/Berlin",
		"TZID:Europe/Berlin", "X-LIC-LOCATION:", "DTSTART;TZID=America/", "RECURRENCE-ID;TZID=",
		"EXDATE;TZID=", "WKST=MO", "meet.google.com",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("google feed lacks %q", want)
		}
	}
	if !strings.Contains(s, "\r\nDTSTART:2") || !strings.Contains(s, "Z\r\n") {
		t.Error("google feed lacks UTC DTSTARTs")
	}
}

func hasMultiExdate(s string) bool {
	for _, l := range strings.Split(s, "\r\n") {
		if strings.HasPrefix(l, "EXDATE") && strings.Contains(l, ",") {
			return true
		}
	}
	return false
}

// TestZoneRules checks the built-in DST rules against the IANA database.
func TestZoneRules(t *testing.T) {
	for _, z := range allZones {
		loc, err := time.LoadLocation(z.iana)
		if err != nil {
			t.Fatal(err)
		}
		for d := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.Add(24 * time.Hour) {
			_, off := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc).Zone()
			if got := z.offset(d); got*60 != off {
				t.Fatalf("%s on %s: offset %d min, IANA says %d s", z.win, d.Format("2006-01-02"), got, off)
			}
		}
	}
}

// TestRecurrenceConsistency checks, with an rule evaluator written
// independently of the generator, that every EXDATE and RECURRENCE-ID names
// an instance the master's RRULE really produces, that they never name the
// same instance twice, and that UNTIL/COUNT are honoured.
func TestRecurrenceConsistency(t *testing.T) {
	for _, o := range []Options{{}, {Seed: 2, Style: StyleGoogle}, {Seed: 3, Style: StylePlain},
		{Seed: 4, Events: 900, Series: 120, Exdates: 300, Overrides: 120}} {
		cal := parseCal(t, Generate(o))
		masters := map[string]*vevent{}
		for _, e := range cal {
			if e.rrule != "" {
				if masters[e.uid] != nil {
					t.Fatalf("duplicate master UID %s", e.uid)
				}
				masters[e.uid] = e
			}
		}
		taken := map[string]bool{}
		check := func(m *vevent, v dtValue, what string) {
			key := m.uid + "|" + v.raw
			if taken[key] {
				t.Errorf("%s %s of %s used twice", what, v.raw, m.uid)
			}
			taken[key] = true
			if v.raw == m.start.raw {
				t.Errorf("%s %s of %s hits DTSTART", what, v.raw, m.uid)
			}
			if v.tzid != m.start.tzid || v.date != m.start.date || v.utc != m.start.utc {
				t.Errorf("%s %s of %s: value type differs from DTSTART", what, v.raw, m.uid)
			}
			if !isInstance(t, m, v.t) {
				t.Errorf("%s %s is not an instance of %s (%s, DTSTART %s)", what, v.raw, m.uid, m.rrule, m.start.raw)
			}
		}
		for _, m := range masters {
			for _, x := range m.exdates {
				check(m, x, "EXDATE")
			}
		}
		for _, e := range cal {
			if e.recurID == nil {
				continue
			}
			m := masters[e.uid]
			if m == nil {
				t.Fatalf("override %s has no master", e.uid)
			}
			check(m, *e.recurID, "RECURRENCE-ID")
		}
	}
}

// --- a small independent parser and rule evaluator for the tests ---

func unfold(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if strings.HasPrefix(l, " ") {
			if len(out) == 0 {
				t.Fatal("continuation line at start")
			}
			out[len(out)-1] += l[1:]
			continue
		}
		out = append(out, l)
	}
	return out
}

func unfoldString(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

// splitProp splits a content line into name, parameters and value.
func splitProp(l string) (name string, params map[string]string, value string) {
	params = map[string]string{}
	i := strings.IndexAny(l, ";:")
	if i < 0 {
		return l, params, ""
	}
	name = l[:i]
	for l[i] == ';' {
		j := i + 1
		eq := strings.IndexByte(l[j:], '=') + j
		k := eq + 1
		var v string
		if l[k] == '"' {
			end := strings.IndexByte(l[k+1:], '"') + k + 1
			v = l[k+1 : end]
			k = end + 1
		} else {
			end := strings.IndexAny(l[k:], ";:") + k
			v = l[k:end]
			k = end
		}
		params[l[j:eq]] = v
		i = k
	}
	return name, params, l[i+1:]
}

type dtValue struct {
	raw  string
	tzid string
	date bool
	utc  bool
	t    time.Time // wall time in its own frame (local for TZID, UTC for Z)
}

func parseDT(t *testing.T, params map[string]string, v string) dtValue {
	t.Helper()
	d := dtValue{raw: v, tzid: params["TZID"]}
	var err error
	switch {
	case params["VALUE"] == "DATE":
		d.date = true
		d.t, err = time.Parse("20060102", v)
	case strings.HasSuffix(v, "Z"):
		d.utc = true
		d.t, err = time.Parse("20060102T150405Z", v)
	default:
		d.t, err = time.Parse("20060102T150405", v)
	}
	if err != nil {
		t.Fatalf("bad date-time %q: %v", v, err)
	}
	return d
}

type vevent struct {
	uid     string
	start   dtValue
	rrule   string
	exdates []dtValue
	recurID *dtValue
}

func parseCal(t *testing.T, data []byte) []*vevent {
	var out []*vevent
	var cur *vevent
	depth := 0
	for _, l := range unfold(t, data) {
		name, params, value := splitProp(l)
		switch {
		case name == "BEGIN" && value == "VEVENT":
			cur = &vevent{}
			depth = 0
		case cur != nil && name == "BEGIN":
			depth++
		case cur != nil && name == "END" && value == "VEVENT":
			out = append(out, cur)
			cur = nil
		case cur != nil && name == "END":
			depth--
		case cur == nil || depth > 0:
		case name == "UID":
			cur.uid = value
		case name == "DTSTART":
			cur.start = parseDT(t, params, value)
		case name == "RRULE":
			cur.rrule = value
		case name == "EXDATE":
			for _, v := range strings.Split(value, ",") {
				cur.exdates = append(cur.exdates, parseDT(t, params, v))
			}
		case name == "RECURRENCE-ID":
			d := parseDT(t, params, value)
			cur.recurID = &d
		}
	}
	return out
}

var testZones = map[string]string{
	"W. Europe Standard Time":   "Europe/Berlin",
	"Pacific Standard Time":     "America/Los_Angeles",
	"Eastern Standard Time":     "America/New_York",
	"GMT Standard Time":         "Europe/London",
	"India Standard Time":       "Asia/Kolkata",
	"AUS Eastern Standard Time": "Australia/Sydney",
}

func toUTC(t *testing.T, d dtValue, wall time.Time) time.Time {
	if d.utc || d.date {
		return wall
	}
	name := d.tzid
	if n, ok := testZones[name]; ok {
		name = n
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc).UTC()
}

var wdCodes = map[string]time.Weekday{"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}

// isInstance reports whether wall (in the frame of m.start) is produced by
// m's RRULE. Only the rule parts the generator uses are supported.
func isInstance(t *testing.T, m *vevent, wall time.Time) bool {
	rule := map[string]string{}
	for _, p := range strings.Split(m.rrule, ";") {
		k, v, _ := strings.Cut(p, "=")
		rule[k] = v
	}
	interval := 1
	if v := rule["INTERVAL"]; v != "" {
		interval, _ = strconv.Atoi(v)
	}
	count := -1
	if v := rule["COUNT"]; v != "" {
		count, _ = strconv.Atoi(v)
	}
	var until time.Time
	hasUntil := rule["UNTIL"] != ""
	if hasUntil {
		f := "20060102T150405Z"
		if len(rule["UNTIL"]) == 8 {
			f = "20060102"
		}
		var err error
		if until, err = time.Parse(f, rule["UNTIL"]); err != nil {
			t.Fatal(err)
		}
	}
	type byday struct {
		n  int
		wd time.Weekday
	}
	var days []byday
	if v := rule["BYDAY"]; v != "" {
		for _, s := range strings.Split(v, ",") {
			n := 0
			if len(s) > 2 {
				n, _ = strconv.Atoi(s[:len(s)-2])
			}
			days = append(days, byday{n, wdCodes[s[len(s)-2:]]})
		}
	}
	monthDay, _ := strconv.Atoi(rule["BYMONTHDAY"])
	month, _ := strconv.Atoi(rule["BYMONTH"])

	start := m.start.t
	tod := start.Sub(time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC))
	day0 := start.Add(-tod)
	wk0 := day0.AddDate(0, 0, -((int(day0.Weekday()) + 6) % 7))
	dayMatches := func(d time.Time, nthOK func(byday) bool) bool {
		if len(days) == 0 {
			return true
		}
		for _, b := range days {
			if b.wd == d.Weekday() && nthOK(b) {
				return true
			}
		}
		return false
	}
	n := 0
	for d := day0; !d.After(wall); d = d.AddDate(0, 0, 1) {
		var ok bool
		switch rule["FREQ"] {
		case "DAILY":
			ok = int(d.Sub(day0).Hours()/24)%interval == 0 && dayMatches(d, func(byday) bool { return true })
		case "WEEKLY":
			if len(days) == 0 {
				days = []byday{{0, day0.Weekday()}}
			}
			ok = int(d.Sub(wk0).Hours()/24/7)%interval == 0 && dayMatches(d, func(byday) bool { return true })
		case "MONTHLY":
			months := (d.Year()-day0.Year())*12 + int(d.Month()) - int(day0.Month())
			ok = months%interval == 0
			if monthDay != 0 {
				ok = ok && d.Day() == monthDay
			}
			ok = ok && dayMatches(d, func(b byday) bool {
				switch {
				case b.n > 0:
					return (d.Day()-1)/7+1 == b.n
				case b.n < 0:
					return d.AddDate(0, 0, -7*b.n).Month() != d.Month() && d.AddDate(0, 0, -7*(b.n+1)).Month() == d.Month()
				}
				return true
			})
		case "YEARLY":
			ok = (d.Year()-day0.Year())%interval == 0 && int(d.Month()) == month && d.Day() == monthDay
		default:
			t.Fatalf("unsupported rule %s", m.rrule)
		}
		if !ok {
			continue
		}
		inst := d.Add(tod)
		if hasUntil && toUTC(t, m.start, inst).After(until) {
			return false
		}
		n++
		if count >= 0 && n > count {
			return false
		}
		if inst.Equal(wall) {
			return true
		}
	}
	return false
}

func BenchmarkGenerate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Generate(Options{Seed: int64(i)})
	}
}

func ExampleGenerate() {
	feed := Generate(Options{Seed: 1, Events: 3, Series: 1, Exdates: 1, Overrides: 1, Style: StylePlain})
	fmt.Println(strings.Count(string(feed), "BEGIN:VEVENT"))
	// Output: 3
}
