// Package ical reads iCalendar (RFC 5545) data into a tree of components and
// properties, and decodes the value types the rest of the engine needs.
//
// Calendar feeds are hostile input: real exports break folding, drop END
// lines, mix line endings and carry garbage. The reader therefore never gives
// up on a whole feed because of one bad line or component: it skips what it
// cannot understand, records a Problem with the line number, and keeps going.
// It also bounds what hostile input can cost (nesting depth, number of
// problems kept), so a crafted file cannot exhaust memory beyond its own size.
package ical

import (
	"errors"
	"fmt"
	"strings"
)

// Limits on what one feed may make the reader keep. They exist so that a
// crafted file costs at most a small multiple of its own size.
const (
	// MaxDepth is the deepest component nesting accepted (VCALENDAR >
	// VEVENT > VALARM is 3; real feeds never exceed 4).
	MaxDepth = 8
	// MaxProblems is how many problems are kept in detail; the rest are only
	// counted.
	MaxProblems = 200
)

// Param is one property parameter. Values holds its comma-separated values
// with surrounding double quotes removed.
type Param struct {
	Name   string
	Values []string
}

// Property is one content line after unfolding. Value is the raw value text:
// TEXT escapes are not decoded (use UnescapeText) because most values are
// dates, rules or URIs that must not be unescaped.
type Property struct {
	Name   string // upper-cased
	Params []Param
	Value  string
	Line   int // 1-based physical line where the content line starts
}

// Param returns the first value of the named parameter, or "".
func (p *Property) Param(name string) string {
	for i := range p.Params {
		if strings.EqualFold(p.Params[i].Name, name) {
			if len(p.Params[i].Values) > 0 {
				return p.Params[i].Values[0]
			}
			return ""
		}
	}
	return ""
}

// Component is a BEGIN/END block with its properties and sub-components.
type Component struct {
	Name     string // upper-cased, e.g. VEVENT
	Props    []Property
	Children []*Component
	Line     int // line of the BEGIN
}

// Prop returns the first property with the given (upper-case) name, or nil.
func (c *Component) Prop(name string) *Property {
	for i := range c.Props {
		if c.Props[i].Name == name {
			return &c.Props[i]
		}
	}
	return nil
}

// Problem is something the reader (or a later stage) skipped.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Problems collects skipped input in detail up to MaxProblems and counts the
// rest, so that a feed of a million broken lines costs a bounded report.
type Problems struct {
	List    []Problem
	Dropped int
	// Truncated is set when the input ended inside a component (no END
	// line for it): the usual sign of a download cut short. The reader
	// still returns what it read; a server may prefer its last good copy.
	Truncated bool
}

// Add records a problem.
func (ps *Problems) Add(line int, format string, args ...any) {
	if len(ps.List) >= MaxProblems {
		ps.Dropped++
		return
	}
	ps.List = append(ps.List, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Len is the total number of problems, kept or dropped.
func (ps *Problems) Len() int { return len(ps.List) + ps.Dropped }

// ErrNoCalendar is returned when the input holds no VCALENDAR at all.
var ErrNoCalendar = errors.New("no BEGIN:VCALENDAR found: not an iCalendar file")

// Parse reads every VCALENDAR in data (several may be concatenated). It
// returns an error only when nothing usable is found; anything skipped on the
// way is reported in probs.
func Parse(data []byte, probs *Problems) ([]*Component, error) {
	s := string(data) // one copy; every value below is a substring of it where possible
	s = strings.TrimPrefix(s, "\uFEFF")
	var (
		cals    []*Component
		stack   []*Component
		skipTo  = -1 // depth of a component being skipped (too deep), -1 when none
		skipped int  // nesting inside the skipped component
		lr      = lineReader{s: s}
		// The properties of the component open at each depth collect in a
		// reused buffer and are copied into an exactly sized slice when it
		// closes: growing every component's slice by appends allocated
		// twice what the tree keeps (a third of a parse's allocation).
		pending = make([][]Property, MaxDepth+2)
	)
	closed := func(c *Component, depth int) {
		if buf := pending[depth]; len(buf) > 0 {
			c.Props = append(c.Props, buf...)
			pending[depth] = buf[:0]
		}
	}
	for {
		line, lineNo, ok := lr.next()
		if !ok {
			break
		}
		name, rest, err := splitName(line)
		if err != nil {
			probs.Add(lineNo, "%v", err)
			continue
		}
		switch name {
		case "BEGIN", "END":
			comp := componentName(rest)
			if comp == "" {
				probs.Add(lineNo, "%s without a component name", name)
				continue
			}
			if skipTo >= 0 {
				if name == "BEGIN" {
					skipped++
				} else if skipped--; skipped < 0 {
					skipTo, skipped = -1, 0
				}
				continue
			}
			if name == "BEGIN" {
				stack = begin(stack, comp, lineNo, probs, closed)
				if len(stack) > MaxDepth {
					probs.Add(lineNo, "%s nested %d deep: skipped", comp, len(stack))
					stack = stack[:len(stack)-1]
					parent := stack[len(stack)-1]
					parent.Children = parent.Children[:len(parent.Children)-1]
					skipTo, skipped = len(stack), 0
					continue
				}
				if len(stack) == 1 {
					if stack[0].Name != "VCALENDAR" {
						probs.Add(lineNo, "BEGIN:%s outside VCALENDAR: treated as one", comp)
					}
					cals = append(cals, stack[0])
				}
				continue
			}
			stack = end(stack, comp, lineNo, probs, closed)
		default:
			if skipTo >= 0 {
				continue
			}
			if len(stack) == 0 {
				probs.Add(lineNo, "property %s outside any component: skipped", name)
				continue
			}
			prop, err := parseProperty(name, rest, lineNo)
			if err != nil {
				probs.Add(lineNo, "%v", err)
				continue
			}
			d := len(stack) - 1
			pending[d] = append(pending[d], prop)
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		probs.Add(stack[i].Line, "%s (line %d) has no END: closed at end of file", stack[i].Name, stack[i].Line)
		probs.Truncated = true
		closed(stack[i], i)
	}
	if len(cals) == 0 {
		return nil, ErrNoCalendar
	}
	return cals, nil
}

// begin opens a component. A BEGIN of the same kind as the open component
// (a VEVENT inside a VEVENT) almost always means the previous one lost its
// END line, so the previous one is closed instead of nesting.
func begin(stack []*Component, name string, line int, probs *Problems, closed func(*Component, int)) []*Component {
	// Components that only ever live directly inside a VCALENDAR (and
	// VCALENDAR itself, at the top) close whatever is still open above that
	// level: the open ones lost their END lines (a VEVENT after a VTODO
	// that ended with a typo, a second VCALENDAR after a truncated first).
	keep := -1
	switch name {
	case "VCALENDAR":
		keep = 0
	case "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VAVAILABILITY":
		if len(stack) > 0 && stack[0].Name == "VCALENDAR" {
			keep = 1
		}
	default:
		if n := len(stack); n > 0 && stack[n-1].Name == name {
			keep = n - 1
		}
	}
	if keep >= 0 {
		for j := len(stack) - 1; j >= keep; j-- {
			probs.Add(stack[j].Line, "%s has no END before BEGIN:%s (line %d): closed there", stack[j].Name, name, line)
			closed(stack[j], j)
		}
		if keep < len(stack) {
			stack = stack[:keep]
		}
	}
	c := &Component{Name: name, Line: line}
	if n := len(stack); n > 0 {
		parent := stack[n-1]
		parent.Children = append(parent.Children, c)
	}
	return append(stack, c)
}

// end closes the named component. An END that matches an outer component
// closes everything inside it (their END lines were lost); an END that
// matches nothing open is ignored.
func end(stack []*Component, name string, line int, probs *Problems, closed func(*Component, int)) []*Component {
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].Name != name {
			continue
		}
		for j := len(stack) - 1; j > i; j-- {
			probs.Add(stack[j].Line, "%s has no END before END:%s (line %d): closed there", stack[j].Name, name, line)
			closed(stack[j], j)
		}
		closed(stack[i], i)
		return stack[:i]
	}
	probs.Add(line, "END:%s without a matching BEGIN: ignored", name)
	return stack
}

func componentName(v string) string {
	return upperASCII(strings.TrimSpace(v))
}

// splitName splits a content line into its upper-cased name and the text
// after the name (starting with ';' or ':').
func splitName(line string) (name, rest string, err error) {
	i := 0
	for i < len(line) && isNameChar(line[i]) {
		i++
	}
	if i == 0 || i == len(line) || (line[i] != ':' && line[i] != ';') {
		return "", "", fmt.Errorf("not a content line %q: skipped", clip(line, 40))
	}
	name = upperASCII(line[:i])
	if name == "BEGIN" || name == "END" {
		if line[i] != ':' {
			// BEGIN;X=Y:VEVENT is not valid but harmless: drop the params.
			j := strings.IndexByte(line[i:], ':')
			if j < 0 {
				return "", "", fmt.Errorf("%s without ':': skipped", name)
			}
			i += j
		}
		return name, line[i+1:], nil
	}
	return name, line[i:], nil
}

func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// parseProperty reads the parameters and value after a property name; rest
// starts at the ';' or ':' that follows the name.
func parseProperty(name, rest string, line int) (Property, error) {
	p := Property{Name: name, Line: line}
	for len(rest) > 0 && rest[0] == ';' {
		rest = rest[1:]
		eq := strings.IndexAny(rest, "=:;")
		if eq < 0 || rest[eq] != '=' {
			// A valueless parameter (";FOO:" or ";FOO;"): keep it with no values.
			if eq < 0 {
				return p, fmt.Errorf("%s: no ':' before the value: skipped", name)
			}
			p.Params = append(p.Params, Param{Name: upperASCII(rest[:eq])})
			rest = rest[eq:]
			continue
		}
		param := Param{Name: upperASCII(rest[:eq])}
		rest = rest[eq+1:]
		for {
			var v string
			if len(rest) > 0 && rest[0] == '"' {
				q := strings.IndexByte(rest[1:], '"')
				if q < 0 {
					return p, fmt.Errorf("%s: unterminated quoted parameter %s: skipped", name, param.Name)
				}
				v, rest = rest[1:1+q], rest[q+2:]
			} else {
				k := strings.IndexAny(rest, ",;:")
				if k < 0 {
					return p, fmt.Errorf("%s: no ':' before the value: skipped", name)
				}
				v, rest = rest[:k], rest[k:]
			}
			param.Values = append(param.Values, v)
			if len(rest) == 0 || rest[0] != ',' {
				break
			}
			rest = rest[1:]
		}
		p.Params = append(p.Params, param)
	}
	if len(rest) == 0 || rest[0] != ':' {
		return p, fmt.Errorf("%s: malformed parameters: skipped", name)
	}
	p.Value = rest[1:]
	return p, nil
}

// upperASCII upper-cases ASCII letters, returning s itself (no allocation)
// when it is already upper case, which is the common case.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'a' && c <= 'z' {
					b[j] = c - ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// lineReader yields logical (unfolded) content lines.
type lineReader struct {
	s    string
	pos  int
	line int // physical line number of the last physical line read
	last int // length in bytes of the last physical line read
	buf  []byte
}

// minWrapWidth is the shortest physical line after which an unfolded
// continuation is accepted. Exporters that forget to fold still wrap at a
// fixed width (72-76 octets), so a stray line after a short line is garbage,
// not the rest of a value.
const minWrapWidth = 60

// physical returns the next physical line without its terminator (CRLF, LF
// or a lone CR) and advances.
func (r *lineReader) physical() (string, bool) {
	if r.pos >= len(r.s) {
		return "", false
	}
	rest := r.s[r.pos:]
	i := strings.IndexAny(rest, "\r\n")
	r.line++
	if i < 0 {
		r.pos = len(r.s)
		r.last = len(rest)
		return rest, true
	}
	r.last = i
	adv := i + 1
	if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
		adv++
	}
	r.pos += adv
	return rest[:i], true
}

// peekContinuation reports whether the next physical line continues the
// current logical line: a folded line (leading space or tab), or a line that
// cannot start a property, which real exports produce when they break a long
// value without folding it.
//
// Such a broken continuation is accepted only after a physical line of at
// least minWrapWidth bytes, and never after a BEGIN or END line (broken is
// false): those are too short to be wrapped by an exporter, so a stray line
// after them is kept apart and reported instead of being glued on.
func (r *lineReader) peekContinuation(broken bool) bool {
	if r.pos >= len(r.s) {
		return false
	}
	c := r.s[r.pos]
	if c == ' ' || c == '\t' {
		return true
	}
	if c == '\r' || c == '\n' || !broken || r.last < minWrapWidth {
		return false
	}
	rest := r.s[r.pos:]
	for i := 0; i < len(rest); i++ {
		switch b := rest[i]; {
		case isNameChar(b):
			continue
		case (b == ':' || b == ';') && i > 0:
			return false
		default:
			return true
		}
	}
	return true
}

// next returns the next non-empty logical line and the physical line number
// where it starts.
func (r *lineReader) next() (string, int, bool) {
	for {
		first, ok := r.physical()
		if !ok {
			return "", 0, false
		}
		start := r.line
		if strings.TrimSpace(first) == "" {
			continue // a blank line continues nothing
		}
		broken := !isBeginEnd(first)
		if !r.peekContinuation(broken) {
			return first, start, true
		}
		r.buf = append(r.buf[:0], first...)
		for r.peekContinuation(broken) {
			cont, _ := r.physical()
			if len(cont) > 0 && (cont[0] == ' ' || cont[0] == '\t') {
				cont = cont[1:]
			}
			r.buf = append(r.buf, cont...)
		}
		return string(r.buf), start, true
	}
}

// isBeginEnd reports whether line is a BEGIN or END content line.
func isBeginEnd(line string) bool {
	i := 0
	for i < len(line) && isNameChar(line[i]) {
		i++
	}
	return i < len(line) && (line[i] == ':' || line[i] == ';') &&
		(strings.EqualFold(line[:i], "BEGIN") || strings.EqualFold(line[:i], "END"))
}
