package ical

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// parseString parses s and fails the test on an unexpected error.
func parseString(t *testing.T, s string) ([]*Component, *Problems) {
	t.Helper()
	var ps Problems
	cals, err := Parse([]byte(s), &ps)
	if err != nil {
		t.Fatalf("Parse: unexpected error %v", err)
	}
	return cals, &ps
}

// shape renders the component tree as NAME{child child}, which is enough to
// compare structure in table tests.
func shape(c *Component) string {
	if len(c.Children) == 0 {
		return c.Name
	}
	parts := make([]string, len(c.Children))
	for i, ch := range c.Children {
		parts[i] = shape(ch)
	}
	return c.Name + "{" + strings.Join(parts, " ") + "}"
}

func shapes(cals []*Component) string {
	parts := make([]string, len(cals))
	for i, c := range cals {
		parts[i] = shape(c)
	}
	return strings.Join(parts, " ")
}

func problemLines(ps *Problems) []int {
	lines := []int{}
	for _, p := range ps.List {
		lines = append(lines, p.Line)
	}
	return lines
}

// mustProp returns the named property of c or fails.
func mustProp(t *testing.T, c *Component, name string) *Property {
	t.Helper()
	p := c.Prop(name)
	if p == nil {
		t.Fatalf("%s has no %s property; props: %+v", c.Name, name, c.Props)
	}
	return p
}

// firstEvent returns the first VEVENT of the first calendar or fails.
func firstEvent(t *testing.T, cals []*Component) *Component {
	t.Helper()
	for _, ch := range cals[0].Children {
		if ch.Name == "VEVENT" {
			return ch
		}
	}
	t.Fatalf("no VEVENT in %s", shapes(cals))
	return nil
}

// crlf joins lines with CRLF and terminates the last one.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestParseLineEndings(t *testing.T) {
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"BEGIN:VEVENT",
		"SUMMARY:Standup",
		"DTSTART:20250101T090000Z",
		"END:VEVENT",
		"END:VCALENDAR",
	}
	mixed := "BEGIN:VCALENDAR\r\nVERSION:2.0\nBEGIN:VEVENT\rSUMMARY:Standup\r\nDTSTART:20250101T090000Z\nEND:VEVENT\rEND:VCALENDAR"
	tests := []struct {
		name string
		in   string
	}{
		{"CRLF", strings.Join(lines, "\r\n") + "\r\n"},
		{"bare LF", strings.Join(lines, "\n") + "\n"},
		{"lone CR", strings.Join(lines, "\r") + "\r"},
		{"mixed", mixed},
		{"no final newline", strings.Join(lines, "\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, tt.in)
			if ps.Len() != 0 {
				t.Errorf("problems: %v", ps.List)
			}
			if got := shapes(cals); got != "VCALENDAR{VEVENT}" {
				t.Fatalf("shape = %s", got)
			}
			if v := mustProp(t, cals[0], "VERSION").Value; v != "2.0" {
				t.Errorf("VERSION = %q", v)
			}
			ev := firstEvent(t, cals)
			s := mustProp(t, ev, "SUMMARY")
			if s.Value != "Standup" || s.Line != 4 {
				t.Errorf("SUMMARY = %q at line %d, want \"Standup\" at line 4", s.Value, s.Line)
			}
			if d := mustProp(t, ev, "DTSTART"); d.Value != "20250101T090000Z" || d.Line != 5 {
				t.Errorf("DTSTART = %q at line %d", d.Value, d.Line)
			}
			if ev.Line != 3 {
				t.Errorf("VEVENT line = %d, want 3", ev.Line)
			}
		})
	}
}

func TestParseFolding(t *testing.T) {
	tests := []struct {
		name  string
		lines []string // the property's physical lines
		want  string   // unfolded value
	}{
		{"space", []string{"DESCRIPTION:This is a lo", " ng description"}, "This is a long description"},
		{"tab", []string{"DESCRIPTION:This is a lo", "\tng description"}, "This is a long description"},
		{"only one whitespace removed", []string{"DESCRIPTION:word", "  next"}, "word next"},
		{"tab then space kept", []string{"DESCRIPTION:a", "\t b"}, "a b"},
		{"many folds", []string{"DESCRIPTION:a", " b", "\tc", " d"}, "abcd"},
		{"fold inside name", []string{"DESCRI", " PTION:x"}, "x"},
		{"fold inside params", []string{"DESCRIPTION;LANG", " UAGE=en:x"}, "x"},
		// "é" is C3 A9 and "€" is E2 82 AC: folds at 75 octets split them.
		{"split 2-byte rune", []string{"DESCRIPTION:caf\xc3", " \xa9 au lait"}, "café au lait"},
		{"split 3-byte rune", []string{"DESCRIPTION:10 \xe2\x82", " \xac"}, "10 €"},
		{"split 3-byte rune twice", []string{"DESCRIPTION:\xe2", " \x82", " \xac!"}, "€!"},
	}
	for _, tt := range tests {
		for _, eol := range []string{"\r\n", "\n"} {
			t.Run(fmt.Sprintf("%s/%q", tt.name, eol), func(t *testing.T) {
				in := "BEGIN:VCALENDAR" + eol + "BEGIN:VEVENT" + eol +
					strings.Join(tt.lines, eol) + eol +
					"SUMMARY:after" + eol + "END:VEVENT" + eol + "END:VCALENDAR" + eol
				cals, ps := parseString(t, in)
				if ps.Len() != 0 {
					t.Errorf("problems: %v", ps.List)
				}
				ev := firstEvent(t, cals)
				d := mustProp(t, ev, "DESCRIPTION")
				if d.Value != tt.want {
					t.Errorf("value = %q, want %q", d.Value, tt.want)
				}
				if d.Line != 3 {
					t.Errorf("line = %d, want 3 (first physical line)", d.Line)
				}
				s := mustProp(t, ev, "SUMMARY")
				if want := 3 + len(tt.lines); s.Line != want {
					t.Errorf("next property line = %d, want %d", s.Line, want)
				}
			})
		}
	}
}

func TestParseBrokenFolding(t *testing.T) {
	// An exporter wrapped the ATTENDEE line at a fixed width mid-name
	// without folding it: the continuation "l Latham;..." cannot start a
	// property and follows a full-width line, so it belongs to the line
	// before.
	in := crlf(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Pau",
		"l Latham;CUTYPE=INDIVIDUAL:mailto:x@y",
		"DESCRIPTION:first half of a sentence that was cut",
		"  and continued, then broken again at the exporter's fixed width of",
		"without folding",
		"SUMMARY:Review",
		"END:VEVENT",
		"END:VCALENDAR",
	)
	cals, ps := parseString(t, in)
	if ps.Len() != 0 {
		t.Errorf("problems: %v", ps.List)
	}
	ev := firstEvent(t, cals)
	a := mustProp(t, ev, "ATTENDEE")
	if a.Value != "mailto:x@y" {
		t.Errorf("ATTENDEE value = %q", a.Value)
	}
	if cn := a.Param("CN"); cn != "Paul Latham" {
		t.Errorf("CN = %q, want %q", cn, "Paul Latham")
	}
	if cu := a.Param("CUTYPE"); cu != "INDIVIDUAL" {
		t.Errorf("CUTYPE = %q", cu)
	}
	if a.Line != 3 {
		t.Errorf("ATTENDEE line = %d, want 3", a.Line)
	}
	d := mustProp(t, ev, "DESCRIPTION")
	if want := "first half of a sentence that was cut and continued, then broken again at the exporter's fixed width ofwithout folding"; d.Value != want {
		t.Errorf("DESCRIPTION = %q, want %q", d.Value, want)
	}
	if s := mustProp(t, ev, "SUMMARY"); s.Value != "Review" || s.Line != 8 {
		t.Errorf("SUMMARY = %q at %d", s.Value, s.Line)
	}
	if len(ev.Props) != 3 {
		t.Errorf("got %d props, want 3: %+v", len(ev.Props), ev.Props)
	}
}

func TestParseStrayLineAfterShortLine(t *testing.T) {
	// A stray line after a short line is not a wrapped value: exporters
	// wrap at a fixed width. It is reported and the value stays intact.
	in := crlf(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"SUMMARY:After garbage",
		"X-JUNK-NO-VALUE",
		"=====",
		"DTSTART:20250512T090000Z",
		"END:VEVENT",
		"END:VCALENDAR",
	)
	cals, ps := parseString(t, in)
	ev := firstEvent(t, cals)
	if s := mustProp(t, ev, "SUMMARY"); s.Value != "After garbage" {
		t.Errorf("SUMMARY = %q, want it untouched", s.Value)
	}
	if ps.Len() != 2 || ps.List[0].Line != 4 || ps.List[1].Line != 5 {
		t.Errorf("want the two stray lines reported at lines 4 and 5, got %v", ps.List)
	}
	mustProp(t, ev, "DTSTART")
}

func TestParseStrayTextAfterBeginEnd(t *testing.T) {
	// Stray text after a BEGIN/END line must not be glued onto the component
	// name (which would hide the component and everything after it); it is
	// skipped on its own.
	in := crlf(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"stray text",
		"SUMMARY:a",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"SUMMARY:b",
		"END:VEVENT",
		"END:VCALENDAR",
		"0", // chunked-encoding residue after the calendar
	)
	cals, ps := parseString(t, in)
	if got := shapes(cals); got != "VCALENDAR{VEVENT VEVENT}" {
		t.Fatalf("shape = %s; problems %v", got, ps.List)
	}
	if got := problemLines(ps); !reflect.DeepEqual(got, []int{3, 10}) {
		t.Errorf("problem lines = %v, want [3 10]: %v", got, ps.List)
	}
	for i, want := range []string{"a", "b"} {
		if v := mustProp(t, cals[0].Children[i], "SUMMARY").Value; v != want {
			t.Errorf("event %d SUMMARY = %q, want %q", i, v, want)
		}
	}
}

func TestParseBlankLinesAndBOM(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"blank lines", "\r\n\r\nBEGIN:VCALENDAR\r\n\r\nBEGIN:VEVENT\r\n\r\n\r\nSUMMARY:x\r\n\nEND:VEVENT\r\n\rEND:VCALENDAR\r\n\r\n"},
		{"BOM", "\uFEFFBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"},
		{"BOM and LF", "\uFEFFBEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, tt.in)
			if ps.Len() != 0 {
				t.Errorf("problems: %v", ps.List)
			}
			if got := shapes(cals); got != "VCALENDAR{VEVENT}" {
				t.Fatalf("shape = %s", got)
			}
			ev := firstEvent(t, cals)
			if v := mustProp(t, ev, "SUMMARY").Value; v != "x" {
				t.Errorf("SUMMARY = %q", v)
			}
			if len(ev.Props) != 1 {
				t.Errorf("props = %+v", ev.Props)
			}
		})
	}
}

func TestParseBlankLineLineNumbers(t *testing.T) {
	in := "BEGIN:VCALENDAR\n\n\nBEGIN:VEVENT\r\n\r\nSUMMARY:x\rEND:VEVENT\nEND:VCALENDAR\n"
	cals, _ := parseString(t, in)
	ev := firstEvent(t, cals)
	if ev.Line != 4 {
		t.Errorf("VEVENT line = %d, want 4", ev.Line)
	}
	if s := mustProp(t, ev, "SUMMARY"); s.Line != 6 {
		t.Errorf("SUMMARY line = %d, want 6", s.Line)
	}
}

func TestParseLowercase(t *testing.T) {
	in := crlf(
		"begin:vcalendar",
		"Begin:VEvent",
		"summary;language=en-GB:Mixed Case Value",
		"x-wr-calname:My Cal",
		"end:vevent",
		"END:vcalendar",
	)
	cals, ps := parseString(t, in)
	if ps.Len() != 0 {
		t.Errorf("problems: %v", ps.List)
	}
	if got := shapes(cals); got != "VCALENDAR{VEVENT}" {
		t.Fatalf("shape = %s", got)
	}
	ev := firstEvent(t, cals)
	s := mustProp(t, ev, "SUMMARY")
	if s.Value != "Mixed Case Value" {
		t.Errorf("value case changed: %q", s.Value)
	}
	if len(s.Params) != 1 || s.Params[0].Name != "LANGUAGE" || s.Params[0].Values[0] != "en-GB" {
		t.Errorf("params = %+v", s.Params)
	}
	if s.Param("language") != "en-GB" {
		t.Errorf("Param lookup is not case-insensitive")
	}
	mustProp(t, ev, "X-WR-CALNAME")
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		want  []Param
		value string
	}{
		{
			name:  "quoted with colon semicolon comma",
			line:  `ATTENDEE;CN="Doe, John; Jr: PhD";ROLE=CHAIR:mailto:john@example.com`,
			want:  []Param{{"CN", []string{"Doe, John; Jr: PhD"}}, {"ROLE", []string{"CHAIR"}}},
			value: "mailto:john@example.com",
		},
		{
			name:  "multi-valued MEMBER",
			line:  `ATTENDEE;MEMBER="mailto:a@x.org","mailto:b@x.org":mailto:c@x.org`,
			want:  []Param{{"MEMBER", []string{"mailto:a@x.org", "mailto:b@x.org"}}},
			value: "mailto:c@x.org",
		},
		{
			name:  "multi-valued DELEGATED-TO",
			line:  `ATTENDEE;DELEGATED-TO="mailto:a@x.org","mailto:b@x.org";PARTSTAT=DELEGATED:mailto:c@x.org`,
			want:  []Param{{"DELEGATED-TO", []string{"mailto:a@x.org", "mailto:b@x.org"}}, {"PARTSTAT", []string{"DELEGATED"}}},
			value: "mailto:c@x.org",
		},
		{
			name:  "multi-valued unquoted and mixed",
			line:  `X-PROP;X-LIST=a,"b,c",d;X-N=1:v`,
			want:  []Param{{"X-LIST", []string{"a", "b,c", "d"}}, {"X-N", []string{"1"}}},
			value: "v",
		},
		{
			name:  "empty value",
			line:  `X-PROP;X-EMPTY=;X-B=b:v`,
			want:  []Param{{"X-EMPTY", []string{""}}, {"X-B", []string{"b"}}},
			value: "v",
		},
		{
			name:  "empty value last",
			line:  `X-PROP;X-EMPTY=:v`,
			want:  []Param{{"X-EMPTY", []string{""}}},
			value: "v",
		},
		{
			name:  "empty quoted value",
			line:  `X-PROP;X-EMPTY="":v`,
			want:  []Param{{"X-EMPTY", []string{""}}},
			value: "v",
		},
		{
			name:  "valueless param",
			line:  `X-PROP;X-FLAG;X-B=b:v`,
			want:  []Param{{"X-FLAG", nil}, {"X-B", []string{"b"}}},
			value: "v",
		},
		{
			name:  "lowercase param name upper-cased, value kept",
			line:  `DTSTART;tzid=Europe/London:20250101T090000`,
			want:  []Param{{"TZID", []string{"Europe/London"}}},
			value: "20250101T090000",
		},
		{
			name:  "empty property value",
			line:  `DESCRIPTION;ALTREP="cid:x":`,
			want:  []Param{{"ALTREP", []string{"cid:x"}}},
			value: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", tt.line, "END:VEVENT", "END:VCALENDAR"))
			if ps.Len() != 0 {
				t.Errorf("problems: %v", ps.List)
			}
			ev := firstEvent(t, cals)
			if len(ev.Props) != 1 {
				t.Fatalf("props = %+v", ev.Props)
			}
			p := ev.Props[0]
			if !reflect.DeepEqual(p.Params, tt.want) {
				t.Errorf("params = %#v\n want %#v", p.Params, tt.want)
			}
			if p.Value != tt.value {
				t.Errorf("value = %q, want %q", p.Value, tt.value)
			}
		})
	}
}

func TestPropertyParamLookup(t *testing.T) {
	p := Property{Params: []Param{{"X-FLAG", nil}, {"CN", []string{"A", "B"}}}}
	tests := map[string]string{"CN": "A", "cn": "A", "X-FLAG": "", "MISSING": ""}
	for name, want := range tests {
		if got := p.Param(name); got != want {
			t.Errorf("Param(%q) = %q, want %q", name, got, want)
		}
	}
	c := Component{Props: []Property{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}}
	if got := c.Prop("A"); got == nil || got.Value != "1" {
		t.Errorf("Prop returns %+v, want the first", got)
	}
	if c.Prop("B") != nil {
		t.Error("Prop of a missing name is not nil")
	}
}

func TestParseValuesWithDelimiters(t *testing.T) {
	tests := []struct{ line, name, value string }{
		{"URL:https://example.com/a;b?c=d:e", "URL", "https://example.com/a;b?c=d:e"},
		{"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20251231T235959Z", "RRULE", "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20251231T235959Z"},
		{"DESCRIPTION:Agenda: item 1\\; item 2\\, more", "DESCRIPTION", "Agenda: item 1\\; item 2\\, more"},
		{"LOCATION:", "LOCATION", ""},
		{"X-TRAILING-SPACE:keep ", "X-TRAILING-SPACE", "keep "},
		{"ORGANIZER;CN=Boss:mailto:boss@example.com", "ORGANIZER", "mailto:boss@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", tt.line, "END:VEVENT", "END:VCALENDAR"))
			if ps.Len() != 0 {
				t.Errorf("problems: %v", ps.List)
			}
			if v := mustProp(t, firstEvent(t, cals), tt.name).Value; v != tt.value {
				t.Errorf("value = %q, want %q", v, tt.value)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		shape     string
		lines     []int    // problem lines, in order
		summaries []string // SUMMARY of each VEVENT in the first calendar, in order
	}{
		{
			name:      "garbage before the calendar",
			in:        crlf("this is not a content line", "BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{1},
			summaries: []string{"a"},
		},
		{
			name:      "no-colon line after a blank line",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "", "garbage without colon", "LOCATION:here", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{5},
			summaries: []string{"a"},
		},
		{
			name:      "unterminated quote in a folded line reports its first line",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", `ATTENDEE;CN="Open`, " quote:mailto:x@y", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{4},
			summaries: []string{"a"},
		},
		{
			name:      "params without value",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "X-A;FOO=bar", "SUMMARY:a", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{3},
			summaries: []string{"a"},
		},
		{
			name:      "BEGIN without component name",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT", "END:  ", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{2, 6},
			summaries: []string{"a"},
		},
		{
			name:      "property outside any component",
			in:        crlf("X-BEFORE:1", "BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT", "END:VCALENDAR", "X-AFTER:2"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{1, 7},
			summaries: []string{"a"},
		},
		{
			name:      "missing END:VEVENT before the next BEGIN:VEVENT",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "BEGIN:VEVENT", "SUMMARY:b", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT VEVENT}",
			lines:     []int{2},
			summaries: []string{"a", "b"},
		},
		{
			name:      "END of the outer component closes inner ones",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "BEGIN:VALARM", "TRIGGER:-PT15M", "END:VEVENT", "BEGIN:VEVENT", "SUMMARY:b", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT{VALARM} VEVENT}",
			lines:     []int{4, 7},
			summaries: []string{"a", "b"},
		},
		{
			name:      "unmatched END ignored",
			in:        crlf("BEGIN:VCALENDAR", "END:VTODO", "BEGIN:VEVENT", "SUMMARY:a", "END:VALARM", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{2, 5},
			summaries: []string{"a"},
		},
		{
			name:      "missing END:VCALENDAR at EOF",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{1},
			summaries: []string{"a"},
		},
		{
			name:      "missing END:VEVENT and END:VCALENDAR at EOF",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{2, 1},
			summaries: []string{"a"},
		},
		{
			name:      "BEGIN with params tolerated",
			in:        crlf("BEGIN:VCALENDAR", "BEGIN;X=Y:VEVENT", "SUMMARY:a", "END:VEVENT", "END:VCALENDAR"),
			shape:     "VCALENDAR{VEVENT}",
			lines:     []int{},
			summaries: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, tt.in)
			if got := shapes(cals); got != tt.shape {
				t.Errorf("shape = %s, want %s", got, tt.shape)
			}
			if got := problemLines(ps); !reflect.DeepEqual(got, tt.lines) {
				t.Errorf("problem lines = %v, want %v; problems: %v", got, tt.lines, ps.List)
			}
			var sums []string
			for _, ch := range cals[0].Children {
				if ch.Name == "VEVENT" {
					sums = append(sums, mustProp(t, ch, "SUMMARY").Value)
				}
			}
			if !reflect.DeepEqual(sums, tt.summaries) {
				t.Errorf("summaries = %q, want %q", sums, tt.summaries)
			}
			for _, p := range ps.List {
				if p.Msg == "" || !strings.HasPrefix(p.String(), fmt.Sprintf("line %d: ", p.Line)) {
					t.Errorf("bad problem rendering %q", p.String())
				}
			}
		})
	}
}

func TestParseMalformedLineKeepsRest(t *testing.T) {
	in := crlf(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"SUMMARY:a",
		`X-BAD;P="unterminated:value`,
		"LOCATION:Room 1",
		"END:VEVENT",
		"END:VCALENDAR",
	)
	cals, ps := parseString(t, in)
	if got := problemLines(ps); !reflect.DeepEqual(got, []int{4}) {
		t.Fatalf("problem lines = %v: %v", got, ps.List)
	}
	if !strings.Contains(ps.List[0].Msg, "X-BAD") {
		t.Errorf("problem does not name the property: %q", ps.List[0].Msg)
	}
	ev := firstEvent(t, cals)
	if ev.Prop("X-BAD") != nil {
		t.Error("malformed property was kept")
	}
	if l := mustProp(t, ev, "LOCATION"); l.Value != "Room 1" || l.Line != 5 {
		t.Errorf("LOCATION = %q at %d", l.Value, l.Line)
	}
}

func TestParseConcatenatedCalendars(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		shape string
		lines []int
	}{
		{
			name:  "well formed",
			in:    crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT", "END:VCALENDAR", "BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:b", "END:VEVENT", "BEGIN:VTODO", "END:VTODO", "END:VCALENDAR"),
			shape: "VCALENDAR{VEVENT} VCALENDAR{VEVENT VTODO}",
			lines: []int{},
		},
		{
			name:  "first lacks END:VCALENDAR",
			in:    crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:a", "END:VEVENT", "BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:b", "END:VEVENT", "END:VCALENDAR"),
			shape: "VCALENDAR{VEVENT} VCALENDAR{VEVENT}",
			lines: []int{1},
		},
		{
			name:  "three in a row, LF",
			in:    "BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\nBEGIN:VCALENDAR\nEND:VCALENDAR\n",
			shape: "VCALENDAR VCALENDAR{VEVENT} VCALENDAR",
			lines: []int{},
		},
		{
			name:  "bare component outside VCALENDAR is kept as a root",
			in:    crlf("BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:loose", "END:VEVENT"),
			shape: "VCALENDAR VEVENT",
			lines: []int{3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, ps := parseString(t, tt.in)
			if got := shapes(cals); got != tt.shape {
				t.Errorf("shape = %s, want %s", got, tt.shape)
			}
			if got := problemLines(ps); !reflect.DeepEqual(got, tt.lines) {
				t.Errorf("problem lines = %v, want %v: %v", got, tt.lines, ps.List)
			}
		})
	}
}

// treeDepth is the depth of the deepest component (a lone root is 1).
func treeDepth(c *Component) int {
	d := 0
	for _, ch := range c.Children {
		d = max(d, treeDepth(ch))
	}
	return d + 1
}

func TestParseMaxDepth(t *testing.T) {
	for _, extra := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			// VCALENDAR, then X1..Xn so that n+1 = MaxDepth+extra, each with
			// a property, then a sibling VEVENT at depth 2.
			n := MaxDepth - 1 + extra
			var b strings.Builder
			b.WriteString("BEGIN:VCALENDAR\r\n")
			for i := 1; i <= n; i++ {
				fmt.Fprintf(&b, "BEGIN:X%d\r\nX-LEVEL:%d\r\n", i, i+1)
			}
			for i := n; i >= 1; i-- {
				fmt.Fprintf(&b, "X-AFTER:%d\r\nEND:X%d\r\n", i, i)
			}
			b.WriteString("BEGIN:VEVENT\r\nSUMMARY:sibling\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
			deepLine := 1 + 2*(MaxDepth-1) + 1 // line of BEGIN:X<MaxDepth>

			cals, ps := parseString(t, b.String())
			if d := treeDepth(cals[0]); d != MaxDepth {
				t.Errorf("tree depth = %d, want %d", d, MaxDepth)
			}
			if got := problemLines(ps); !reflect.DeepEqual(got, []int{deepLine}) {
				t.Errorf("problem lines = %v, want [%d]: %v", got, deepLine, ps.List)
			}
			// Every kept level has its own properties, nothing from below.
			c := cals[0]
			for level := 2; level <= MaxDepth; level++ {
				if want := map[bool]int{true: 2, false: 1}[level == 2]; len(c.Children) != want {
					t.Fatalf("level %d: %d children, want %d", level-1, len(c.Children), want)
				}
				c = c.Children[0]
				want := []string{fmt.Sprint(level), fmt.Sprint(level - 1)}
				var got []string
				for _, p := range c.Props {
					got = append(got, p.Value)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s props = %v, want %v", c.Name, got, want)
				}
			}
			if len(c.Children) != 0 {
				t.Errorf("deepest kept component has children: %s", shape(c))
			}
			top := cals[0].Children
			if len(top) != 2 || top[1].Name != "VEVENT" || mustProp(t, top[1], "SUMMARY").Value != "sibling" {
				t.Errorf("sibling lost: %s", shapes(cals))
			}
		})
	}
}

func TestParseNoCalendar(t *testing.T) {
	tests := map[string]string{
		"empty":          "",
		"blank":          "\r\n\r\n  \n\t\n",
		"BOM only":       "\uFEFF",
		"html":           "<!DOCTYPE html>\n<html><body>Not found</body></html>\n",
		"json":           `{"error":"unauthorized"}`,
		"only props":     "VERSION:2.0\r\nPRODID:-//x//y//EN\r\n",
		"only END":       "END:VCALENDAR\r\n",
		"vcard-ish junk": "garbage\r\n:::\r\n;;;\r\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			var ps Problems
			cals, err := Parse([]byte(in), &ps)
			if !errors.Is(err, ErrNoCalendar) {
				t.Errorf("err = %v, want ErrNoCalendar", err)
			}
			if cals != nil {
				t.Errorf("cals = %s, want nil", shapes(cals))
			}
		})
	}
}

func TestParseProblemsCapped(t *testing.T) {
	const bad = MaxProblems + 57
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
	for i := 0; i < bad; i++ {
		b.WriteString("X-BAD;P=\"open:value\r\n")
	}
	b.WriteString("SUMMARY:survivor\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	cals, ps := parseString(t, b.String())
	if len(ps.List) != MaxProblems {
		t.Errorf("kept %d problems, want %d", len(ps.List), MaxProblems)
	}
	if ps.Dropped != bad-MaxProblems {
		t.Errorf("dropped = %d, want %d", ps.Dropped, bad-MaxProblems)
	}
	if ps.Len() != bad {
		t.Errorf("Len = %d, want %d", ps.Len(), bad)
	}
	for i, p := range ps.List {
		if p.Line != i+3 {
			t.Fatalf("problem %d at line %d, want %d", i, p.Line, i+3)
		}
	}
	if v := mustProp(t, firstEvent(t, cals), "SUMMARY").Value; v != "survivor" {
		t.Errorf("SUMMARY = %q", v)
	}

	// A later stage adding to a full Problems only counts.
	ps.Add(1, "later %s", "stage")
	if len(ps.List) != MaxProblems || ps.Dropped != bad-MaxProblems+1 {
		t.Errorf("after Add: kept %d dropped %d", len(ps.List), ps.Dropped)
	}
}

func TestParseValuesShareInput(t *testing.T) {
	// Unfolded lines must not alias the reader's reuse buffer: values of
	// earlier folded properties stay intact after later ones are read.
	in := crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:aaaa", " aaaa", "DESCRIPTION:bbbb", " bbbb", "LOCATION:cc", " cc", "END:VEVENT", "END:VCALENDAR")
	cals, _ := parseString(t, in)
	ev := firstEvent(t, cals)
	for name, want := range map[string]string{"SUMMARY": "aaaaaaaa", "DESCRIPTION": "bbbbbbbb", "LOCATION": "cccc"} {
		if v := mustProp(t, ev, name).Value; v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
}
