package calendar

import (
	"io"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/calendarbot/calendarbot/server/tz"
)

// AppendJSONL renders occurrences in the reference expanders' output
// contract (shared/oracle/README.md), byte for byte: one compact JSON object
// per line with sorted keys, UTF-8 unescaped, lines ordered by start instant,
// UID, recurrence ID and finally the line itself. Keeping the exact contract
// lets every expansion be diffed against python-recurring-ical-events and
// ical.js without a normalising step.
func AppendJSONL(dst []byte, occ []Occurrence) []byte {
	type row struct {
		key, uid, rid string
		line          []byte
	}
	rows := make([]row, len(occ))
	var buf []byte
	for i := range occ {
		o := &occ[i]
		buf = appendRow(buf[:0], o)
		rows[i] = row{
			key:  o.Start.UTC().Format("2006-01-02T15:04:05"),
			uid:  o.UID,
			rid:  ridKey(o),
			line: append([]byte(nil), buf...),
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		switch {
		case a.key != b.key:
			return a.key < b.key
		case a.uid != b.uid:
			return a.uid < b.uid
		case a.rid != b.rid:
			return a.rid < b.rid
		}
		return string(a.line) < string(b.line)
	})
	for _, r := range rows {
		dst = append(dst, r.line...)
		dst = append(dst, '\n')
	}
	return dst
}

// WriteJSONL writes AppendJSONL's output to w.
func WriteJSONL(w io.Writer, occ []Occurrence) error {
	_, err := w.Write(AppendJSONL(nil, occ))
	return err
}

func appendRow(b []byte, o *Occurrence) []byte {
	b = append(b, `{"all_day":`...)
	b = strconv.AppendBool(b, o.AllDay)
	b = append(b, `,"end":`...)
	b = appendTime(b, o.End, o.AllDay)
	b = append(b, `,"recurrence_id":`...)
	if o.InSeries {
		b = append(b, '"')
		b = append(b, ridKey(o)...)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"start":`...)
	b = appendTime(b, o.Start, o.AllDay)
	b = append(b, `,"status":`...)
	b = appendNullable(b, o.RawStatus, o.RawStatus != "")
	b = append(b, `,"summary":`...)
	b = appendNullable(b, o.Summary, o.HasSummary)
	b = append(b, `,"uid":`...)
	b = appendNullable(b, o.UID, o.HasUID)
	return append(b, '}')
}

func appendNullable(b []byte, s string, ok bool) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return AppendJSONString(b, s)
}

func appendTime(b []byte, t time.Time, date bool) []byte {
	b = append(b, '"')
	if date {
		b = t.AppendFormat(b, "2006-01-02")
	} else {
		b = tz.AppendRFC3339Offset(b, t)
	}
	return append(b, '"')
}

// AppendJSONString appends s as a JSON string the way Python's json.dumps
// with ensure_ascii=False does: only '"', '\\' and control characters are
// escaped; everything else, '<' and U+2028 included, is written as is.
// Invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
