package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// The file is read in two passes over the same bytes: go-toml decodes it
// into generic maps (enforcing TOML's own rules and reporting syntax errors
// with their position), and a walk over go-toml's syntax tree records the
// line of every key. Validation then walks the maps against the schema
// below, so that all problems (unknown keys, wrong types, bad values) are
// reported at once, each with its line. (Decoding into structs with
// Decoder.DisallowUnknownFields would stop at the first wrong type.)

// Tables of the schema that hold plain settings (see settings).
var settingTables = []string{"window", "cache", "performance", "alexa", "log", "fetch", "display", "trmnl"}

// Keys of a [[feed]] table.
var feedKeys = []string{"name", "url", "color", "username", "password", "bearer", "headers"}

// readFile reads and validates a config file. where describes how the file
// was named ("command line: --config", "environment: CALENDARBOT_CONFIG" or
// "" for CheckFile); problems with reading it are reported there. The
// result is nil if the file could not be read or parsed.
func readFile(path, where string, ps *problems) *layer {
	data, err := readLimited(path)
	if err != nil {
		if where == "" {
			where = path
		} else {
			where += " " + "'" + path + "'"
		}
		ps.add(where, "cannot read config file: %s", describeIOError(err))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // BOM, as written by some Windows editors

	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			// The message quotes at most a character of the document,
			// never a value (de.String() would show the whole line).
			ps.add(fmt.Sprintf("%s:%d:%d", path, line, col), "%s", syntaxMessage(de))
		} else {
			ps.add(path, "not a valid TOML file")
		}
		return nil
	}

	w := &fileWalker{file: path, lines: indexLines(data), dir: baseDirOf(path), l: newLayer()}
	w.top(tree)
	sort.SliceStable(w.probs, func(i, j int) bool { return w.probs[i].line < w.probs[j].line })
	for _, p := range w.probs {
		ps.list = append(ps.list, p.Problem)
	}
	return w.l
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errors.New("is a directory")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileBytes)
	}
	return data, nil
}

func describeIOError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

func syntaxMessage(de *toml.DecodeError) string {
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if k := strings.Join(de.Key(), "."); k != "" && !strings.Contains(msg, k) {
		msg = fmt.Sprintf("%s (key '%s')", msg, k)
	}
	if strings.Contains(msg, "start of value") || strings.Contains(msg, "expected keyword") {
		msg += " (strings need quotes: key = \"value\")"
	}
	return "TOML syntax: " + msg
}

// pathKey joins the parts of a key path; array elements are "#0", "#1"...
func pathKey(parts []string) string { return strings.Join(parts, "\x00") }

func extend(path []string, parts ...string) []string {
	return append(append(make([]string, 0, len(path)+len(parts)), path...), parts...)
}

// indexLines maps every key path of the document to the line where it is
// defined (for tables, the header; for array elements, the element).
func indexLines(data []byte) map[string]int {
	idx := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // path of an array table -> elements so far
	var prefix []string
	lineOf := func(n *unstable.Node) int {
		if n == nil || n.Raw.Length == 0 && n.Raw.Offset == 0 {
			return 0
		}
		return p.Shape(n.Raw).Start.Line
	}
	keyParts := func(it unstable.Iterator) ([]string, int) {
		var parts []string
		line := 0
		for it.Next() {
			n := it.Node()
			parts = append(parts, string(n.Data))
			if line == 0 {
				line = lineOf(n)
			}
		}
		return parts, line
	}
	set := func(path []string, line int, overwrite bool) {
		if line == 0 {
			return
		}
		if _, ok := idx[pathKey(path)]; ok && !overwrite {
			return
		}
		idx[pathKey(path)] = line
	}
	var keyValue func(prefix []string, kv *unstable.Node)
	var value func(path []string, v *unstable.Node, line int)
	keyValue = func(prefix []string, kv *unstable.Node) {
		parts, line := keyParts(kv.Key())
		for i := 1; i < len(parts); i++ {
			set(extend(prefix, parts[:i]...), line, false)
		}
		path := extend(prefix, parts...)
		set(path, line, true)
		value(path, kv.Value(), line)
	}
	value = func(path []string, v *unstable.Node, line int) {
		switch v.Kind {
		case unstable.InlineTable:
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					keyValue(path, c)
				}
			}
		case unstable.Array:
			it := v.Children()
			i := 0
			for it.Next() {
				c := it.Node()
				if c.Kind == unstable.Comment {
					continue
				}
				el := extend(path, "#"+strconv.Itoa(i))
				l := lineOf(c)
				if l == 0 {
					l = line
				}
				set(el, l, true)
				value(el, c, l)
				i++
			}
		}
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, line := keyParts(e.Key())
			// Earlier parts that name array tables refer to their last element.
			var path []string
			for i, part := range parts {
				path = append(path, part)
				if n, ok := arrays[pathKey(path)]; ok && i < len(parts)-1 {
					path = append(path, "#"+strconv.Itoa(n-1))
				}
			}
			if e.Kind == unstable.ArrayTable {
				set(path, line, false)
				n := arrays[pathKey(path)]
				arrays[pathKey(path)] = n + 1
				path = append(path, "#"+strconv.Itoa(n))
			}
			set(path, line, true)
			prefix = path
		case unstable.KeyValue:
			keyValue(prefix, e)
		}
	}
	return idx
}

type lineProblem struct {
	Problem
	line int
}

type fileWalker struct {
	file  string
	lines map[string]int
	dir   string
	l     *layer
	probs []lineProblem
}

// lineOf returns the line of path, or of its closest ancestor with one.
func (w *fileWalker) lineOf(path []string) int {
	for n := len(path); n > 0; n-- {
		if line, ok := w.lines[pathKey(path[:n])]; ok {
			return line
		}
	}
	return 0
}

func (w *fileWalker) add(path []string, format string, args ...any) {
	line := w.lineOf(path)
	where := w.file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", w.file, line)
	}
	w.probs = append(w.probs, lineProblem{Problem{Where: where, Msg: fmt.Sprintf(format, args...)}, line})
}

// keysByLine returns m's keys in document order.
func (w *fileWalker) keysByLine(m map[string]any, path []string) []string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool {
		return w.lineOf(extend(path, keys[i])) < w.lineOf(extend(path, keys[j]))
	})
	return keys
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a number with a fraction"
	case bool:
		return "a boolean"
	case time.Time, toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return "a date/time"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// topKeys are the keys allowed at the top level.
func topKeys() []string {
	var keys []string
	for _, s := range settings {
		if !strings.Contains(s.key, ".") {
			keys = append(keys, s.key)
		}
	}
	keys = append(keys, settingTables...)
	return append(keys, "feed", "wifi", "network", "clock")
}

func tableKeys(table string) []string {
	var keys []string
	for _, s := range settings {
		if k, ok := strings.CutPrefix(s.key, table+"."); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

func (w *fileWalker) top(tree map[string]any) {
	for _, k := range w.keysByLine(tree, nil) {
		v, path := tree[k], []string{k}
		if s := settingByKey(k); s != nil {
			w.setting(s, v, path)
			continue
		}
		switch k {
		case "feed":
			w.feeds(v)
			continue
		case "wifi":
			if m := w.table(k, v, path); m != nil {
				w.wifi(m, path)
			}
			continue
		case "network":
			if m := w.table(k, v, path); m != nil {
				w.network(m, path)
			}
			continue
		case "clock":
			if m := w.table(k, v, path); m != nil {
				w.clock(m, path)
			}
			continue
		case "trmnl":
			if m := w.table(k, v, path); m != nil {
				w.trmnlTable(m, path)
			}
			continue
		}
		if contains(settingTables, k) {
			if m := w.table(k, v, path); m != nil {
				w.settingTable(k, m, path)
			}
			continue
		}
		w.unknown("", k, path, topKeys())
	}
}

// table asserts that v is a table.
func (w *fileWalker) table(name string, v any, path []string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		w.add(path, "'%s' must be a table, not %s (write [%s] on its own line and the keys below it)", name, tomlType(v), name)
	}
	return m
}

func (w *fileWalker) settingTable(table string, m map[string]any, path []string) {
	for _, k := range w.keysByLine(m, path) {
		if s := settingByKey(table + "." + k); s != nil {
			w.setting(s, m[k], extend(path, k))
			continue
		}
		w.unknown(table, k, extend(path, k), tableKeys(table))
	}
}

// unknown reports an unknown key in table ("" for the top level, "feed"
// for a [[feed]]) with the most helpful suggestion available.
func (w *fileWalker) unknown(table, key string, path []string, known []string) {
	in := ""
	switch table {
	case "":
	case "feed":
		in = " in [[feed]]"
	case "trmnl.device":
		in = " in [[trmnl.device]]"
	default:
		in = " in [" + table + "]"
	}
	msg := fmt.Sprintf("unknown key '%s'%s", safeEcho(key), in)
	if s := suggest(key, known); s != "" {
		w.add(path, "%s (did you mean '%s'?)", msg, s)
		return
	}
	if table != "" && contains(topKeys(), key) {
		w.add(path, "%s: '%s' is a top-level key; keys after a [table] header belong to that table, so move it above the first [table]", msg, key)
		return
	}
	if table == "" {
		for _, t := range settingTables {
			if contains(tableKeys(t), key) {
				w.add(path, "%s (did you mean '%s' in [%s]?)", msg, key, t)
				return
			}
		}
		if contains(feedKeys, key) {
			w.add(path, "%s (did you mean '%s' in a [[feed]] table?)", msg, key)
			return
		}
	}
	w.add(path, "%s (known keys: %s)", msg, strings.Join(known, ", "))
}

// setting checks a plain setting's TOML value and stores it in the layer.
func (w *fileWalker) setting(s *setting, v any, path []string) {
	var val any
	msg := ""
	wrongType := func(want string) string {
		return fmt.Sprintf("must be %s, not %s", want, tomlType(v))
	}
	switch s.kind {
	case kindString, kindSecret:
		if str, ok := v.(string); ok {
			val = str
		} else {
			msg = wrongType(`a string in quotes`)
		}
	case kindBool:
		switch b := v.(type) {
		case bool:
			val = b
		case string:
			msg = "must be true or false, without quotes"
		default:
			msg = wrongType("true or false")
		}
	case kindDuration:
		switch d := v.(type) {
		case string:
			val, msg = parseDuration(d)
		case int64, float64:
			msg = fmt.Sprintf("must be a string with a unit, e.g. %s = \"%s\"", s.key[strings.LastIndexByte(s.key, '.')+1:], s.def)
		default:
			msg = wrongType(`a duration string such as "5m"`)
		}
	case kindSize:
		switch n := v.(type) {
		case string:
			val, msg = parseSize(n)
		case int64:
			val = n
		default:
			msg = wrongType(`a byte count or a string such as "4MiB"`)
		}
	case kindInt:
		if n, ok := v.(int64); ok {
			val = n
		} else {
			msg = wrongType("a whole number without quotes")
		}
	case kindTime:
		switch t := v.(type) {
		case string:
			val, msg = parseTime(t)
		case time.Time:
			val = t
		case toml.LocalDateTime, toml.LocalDate, toml.LocalTime:
			msg = "needs a UTC offset (e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z)"
		default:
			msg = wrongType("an RFC 3339 time")
		}
	}
	if msg == "" {
		val, msg = s.validate(val, fmt.Sprint(v))
	}
	if msg != "" {
		w.add(path, "%s %s", s.key, msg)
		return
	}
	w.l.values[s.key] = val
}

var colorRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func (w *fileWalker) feeds(v any) {
	path := []string{"feed"}
	arr, ok := v.([]any)
	if !ok {
		if _, isTable := v.(map[string]any); isTable {
			w.add(path, "write [[feed]] (double brackets) for each feed, not [feed]")
		} else {
			w.add(path, "'feed' must be [[feed]] tables, not %s", tomlType(v))
		}
		return
	}
	w.l.feedsSet = true
	seen := map[string]int{} // lower-case name -> line
	for i, e := range arr {
		fp := extend(path, "#"+strconv.Itoa(i))
		m, ok := e.(map[string]any)
		if !ok {
			w.add(fp, "feed #%d must be a table with name and url, not %s", i+1, tomlType(e))
			continue
		}
		f, ok := w.feed(i, m, fp)
		if f.Name != "" && checkFeedName(f.Name) == "" {
			lower := strings.ToLower(f.Name)
			if first, dup := seen[lower]; dup {
				w.add(extend(fp, "name"), "feed '%s' is defined twice (first at line %d); feed names must be unique", f.Name, first)
				continue
			}
			seen[lower] = w.lineOf(extend(fp, "name"))
		}
		if ok {
			w.l.feeds = append(w.l.feeds, f)
		}
	}
}

// feed validates one [[feed]] table; ok is false if it has problems.
func (w *fileWalker) feed(i int, m map[string]any, fp []string) (Feed, bool) {
	var f Feed
	ok := true
	bad := func(key, format string, args ...any) {
		w.add(extend(fp, key), format, args...)
		ok = false
	}
	// The feed's name for messages.
	label := fmt.Sprintf("feed #%d", i+1)
	if name, isStr := m["name"].(string); isStr && checkFeedName(name) == "" {
		label = fmt.Sprintf("feed '%s'", name)
	}
	// field returns m[key] if it is a string; wrong types are reported.
	field := func(key string) (string, bool) {
		v, present := m[key]
		if !present {
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			bad(key, "%s: %s must be a string in quotes, not %s", label, key, tomlType(v))
		}
		return s, isStr
	}
	str := func(key string) string { s, _ := field(key); return s }
	for _, k := range w.keysByLine(m, fp) {
		if !contains(feedKeys, k) {
			w.unknown("feed", k, extend(fp, k), feedKeys)
			ok = false
		}
	}

	if _, present := m["name"]; !present {
		bad("", "%s has no name (add name = \"Work\" or similar: it is shown instead of the URL)", label)
	} else if name, isStr := field("name"); isStr {
		if msg := checkFeedName(name); msg != "" {
			bad("name", "%s", msg)
		}
		f.Name = name
	}

	if _, present := m["url"]; !present {
		bad("", "%s has no url (add url = \"https://…\")", label)
	} else if rawURL, isStr := field("url"); isStr {
		u, user, pass, msg := normalizeFeedURL(rawURL, w.dir)
		if msg != "" {
			bad("url", "%s: %s", label, msg)
		}
		f.URL, f.Username, f.Password = u, user, pass
	}

	if c := str("color"); c != "" {
		if colorRE.MatchString(c) {
			f.Color = strings.ToLower(c)
		} else {
			bad("color", "%s: color '%s' is not #RRGGBB (e.g. \"#0b6bcb\")", label, safeEcho(c))
		}
	}

	user, pass := str("username"), str("password")
	if user != "" || pass != "" {
		if f.Username != "" || f.Password != "" {
			bad("username", "%s: credentials both in the url and in username/password; keep one", label)
		}
		f.Username, f.Password = user, pass
	}
	f.Bearer = str("bearer")

	if v, present := m["headers"]; present {
		hp := extend(fp, "headers")
		hm, isTable := v.(map[string]any)
		if !isTable {
			bad("headers", "%s: headers must be a table ([feed.headers] below the [[feed]], with Name = \"value\" lines), not %s", label, tomlType(v))
		} else {
			f.Headers = map[string]string{}
			for _, name := range w.keysByLine(hm, hp) {
				val, isStr := hm[name].(string)
				if !isStr {
					w.add(extend(hp, name), "%s: header '%s' must be a string in quotes, not %s", label, safeEcho(name), tomlType(hm[name]))
					ok = false
					continue
				}
				canon, msg := checkHeader(name, val)
				if msg != "" {
					w.add(extend(hp, name), "%s: %s", label, msg)
					ok = false
					continue
				}
				if _, dup := f.Headers[canon]; dup {
					w.add(extend(hp, name), "%s: header '%s' is given twice (header names ignore case)", label, canon)
					ok = false
					continue
				}
				f.Headers[canon] = val
			}
		}
	}
	if ok {
		if msg := checkAuth(f); msg != "" {
			at := "username"
			if _, present := m["username"]; !present {
				at = "bearer"
				if _, present := m["bearer"]; !present {
					at = "url"
				}
			}
			bad(at, "%s: %s", label, msg)
		}
	}
	return f, ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
