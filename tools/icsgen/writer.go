package icsgen

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine is the RFC 5545 content-line limit in octets, excluding CRLF.
const maxLine = 75

// writer emits content lines with CRLF endings, folding them at maxLine
// octets without ever splitting a UTF-8 sequence.
type writer struct {
	buf bytes.Buffer
}

func (w *writer) line(s string) {
	first := true
	for {
		limit := maxLine
		if !first {
			limit-- // the leading space of a continuation line counts
			w.buf.WriteByte(' ')
		}
		if len(s) <= limit {
			w.buf.WriteString(s)
			w.buf.WriteString("\r\n")
			return
		}
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n")
		s = s[cut:]
		first = false
	}
}

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11).
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

func escapeText(s string) string { return textEscaper.Replace(s) }

// paramValue quotes a parameter value when it contains characters that are
// not allowed in an unquoted paramtext.
func paramValue(s string) string {
	if strings.ContainsAny(s, ";:,") {
		return `"` + s + `"`
	}
	return s
}

func fmtLocal(t time.Time) string { return t.Format("20060102T150405") }
func fmtUTC(t time.Time) string   { return t.UTC().Format("20060102T150405Z") }
func fmtDate(t time.Time) string  { return t.Format("20060102") }

// rng is a splitmix64 generator. It is tiny, fast and, unlike the helpers of
// math/rand, its output is fixed forever, which keeps feeds byte-identical
// across Go releases.
type rng struct{ s uint64 }

func newRNG(seed int64) *rng { return &rng{s: uint64(seed)*0x2545F4914F6CDD1D + 0x1234567} }

func (r *rng) u64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a value in [0, n); n must be > 0.
func (r *rng) intn(n int) int { return int(r.u64() % uint64(n)) }

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports true with probability percent/100.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// weighted returns an index chosen with the given relative weights.
func (r *rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.intn(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func shuffle[T any](r *rng, xs []T) {
	for i := len(xs) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		xs[i], xs[j] = xs[j], xs[i]
	}
}

const hexDigits = "0123456789ABCDEF"

func (r *rng) hex(n int, upper bool) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.intn(16)]
	}
	if !upper {
		return strings.ToLower(string(b))
	}
	return string(b)
}

func (r *rng) alnum(n int) string {
	const set = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.intn(len(set))]
	}
	return string(b)
}

func (r *rng) uuid() string {
	return r.hex(8, false) + "-" + r.hex(4, false) + "-" + r.hex(4, false) + "-" + r.hex(4, false) + "-" + r.hex(12, false)
}
