package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The page is written by plain Go code rather than html/template. The page
// has only three kinds of hole: element text, double-quoted attribute values
// and one JSON data block, and every hole goes through esc or writeJSON
// below, so contextual escaping buys nothing here. What html/template would
// cost is measured: text/template calls methods by name through reflection,
// which makes the linker keep every exported method of every type in the
// program. Without it the server binary is 2.5 MB (19 %) smaller and its
// resident set ~2 MiB smaller (docs/PERFORMANCE.md); the page also renders
// without reflection.
//
// The output is byte-for-byte what the former template produced (the golden
// files under testdata/ did not change), so the escaping is the one
// html/template uses for text and quoted attributes.

// htmlEscaper replaces the characters that could end a text node or a quoted
// attribute value, or start a tag or character reference. '+' is escaped as
// html/template does, so that a value can never be read as UTF-7.
var htmlEscaper = strings.NewReplacer(
	"&", "&amp;",
	"'", "&#39;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&#34;",
	"+", "&#43;",
	"\x00", "\uFFFD",
)

// pageWriter builds the page. Every method appends; nothing fails, because
// the buffer grows in memory and the caller writes it out whole.
type pageWriter struct{ b *bytes.Buffer }

// raw writes markup written in this file, never data.
func (w pageWriter) raw(s string) { w.b.WriteString(s) }

// esc writes data as text or as a double-quoted attribute value. Invalid
// UTF-8 becomes U+FFFD, as a browser would show it anyway.
func (w pageWriter) esc(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	htmlEscaper.WriteString(w.b, s)
}

func (w pageWriter) int(n int) { w.b.WriteString(strconv.Itoa(n)) }

// when writes s if cond holds: optional class names and attributes.
func (w pageWriter) when(cond bool, s string) {
	if cond {
		w.b.WriteString(s)
	}
}

// writeJSON writes v for a <script type="application/json"> element.
// encoding/json escapes '<', '>' and '&' (and U+2028/U+2029) as \uXXXX, so
// no value can close the element or open a comment, whatever it contains.
func (w pageWriter) writeJSON(v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kiosk page: init data: %w", err)
	}
	w.b.Write(j)
	return nil
}

// meetingClass writes the extra classes of a meeting element.
func (w pageWriter) meetingClass(m *meetingBlock, allDay bool) {
	if m == nil {
		return
	}
	w.when(m.Tentative, " tentative")
	w.when(allDay && m.AllDay, " allday")
}

// meetingDiv opens the element of the Now or Next meeting, hidden when
// there is none, and returns the block to fill it from (empty for none:
// kiosk.js fills the hidden element when a meeting appears).
func (w pageWriter) meetingDiv(id string, m *meetingBlock, allDay bool) *meetingBlock {
	w.raw(`<div id="`)
	w.raw(id)
	w.raw(`" class="meeting`)
	w.meetingClass(m, allDay)
	w.raw(`"`)
	w.when(m == nil, " hidden")
	w.raw(">\n")
	if m == nil {
		return &meetingBlock{}
	}
	return m
}

// titleMeta writes a meeting's title and its time range and location.
func (w pageWriter) titleMeta(m *meetingBlock) {
	w.raw(`<p class="title m-title" dir="auto">`)
	w.esc(m.Subject)
	w.raw(`</p>
<p class="meta"><span class="m-range">`)
	w.esc(m.Range)
	w.raw(`</span> <span class="m-loc" dir="auto">`)
	w.esc(m.Location)
	w.raw(`</span></p>`)
}

// writePage writes the kiosk page for p: the markup kiosk.js expects (the
// element ids are its contract; web_test.go checks them).
func writePage(b *bytes.Buffer, p *page) error {
	w := pageWriter{b}
	w.raw(`<!doctype html>
<html lang="en" class="no-js`)
	w.when(p.EInk, " eink")
	w.raw(`"`)
	if p.Version != "" {
		w.raw(` data-version="`)
		w.esc(p.Version)
		w.raw(`"`)
	}
	w.raw(`>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="`)
	if p.EInk {
		w.raw("light")
	} else {
		w.raw("dark")
	}
	w.raw(`">
<meta name="theme-color" content="`)
	w.esc(p.ThemeColor)
	w.raw(`">
<title>CalendarBot</title>
<link rel="icon" type="image/svg+xml" href="`)
	w.esc(p.Icon)
	w.raw(`">
<link rel="stylesheet" href="`)
	w.esc(p.CSS)
	w.raw(`">
<script src="`)
	w.esc(p.JS)
	w.raw(`" defer></script>
<noscript><meta http-equiv="refresh" content="60"></noscript>
</head>
<body data-now="`)
	w.esc(p.NowLocal)
	w.raw(`" data-tz="`)
	w.esc(p.TZName)
	w.raw(`">
<main class="kiosk">
<div id="banners" class="banners">`)
	for _, bn := range p.Banners {
		w.raw(`<p class="banner" role="alert"><span class="banner-icon" aria-hidden="true">⚠</span> <span>`)
		w.esc(bn.Text)
		w.raw(`</span>`)
		if bn.Detail != "" {
			w.raw(` <span class="banner-detail" dir="auto">`)
			w.esc(bn.Detail)
			w.raw(`</span>`)
		}
		w.raw(`</p>`)
	}
	w.raw(`</div>
<section id="allday" class="allday-strip" aria-labelledby="allday-h"`)
	w.when(len(p.AllDay) == 0, " hidden")
	w.raw(`>
<h2 id="allday-h" class="label">All day</h2>
<ul id="chips" class="chips">`)
	for i := range p.AllDay {
		m := &p.AllDay[i]
		w.raw(`<li class="chip`)
		w.meetingClass(m, true)
		w.raw(`"><span class="dot" aria-hidden="true"></span> <span class="m-title" dir="auto">`)
		w.esc(m.Subject)
		w.raw(`</span></li>`)
	}
	if p.AllDayMore != 0 {
		w.raw(`<li class="chip more">+`)
		w.int(p.AllDayMore)
		w.raw(` more</li>`)
	}
	w.raw(`</ul>
</section>
<section id="now" class="zone now" aria-labelledby="now-h">
<h2 id="now-h" class="label">Now</h2>
`)
	cur := w.meetingDiv("cur", p.Cur, true)
	w.titleMeta(cur)
	w.raw(`
<p class="left"><span id="left" class="big">`)
	w.esc(cur.Left)
	w.raw(`</span> <span class="unit">left</span></p>
<progress id="prog" max="1000" value="`)
	w.int(cur.Progress)
	w.raw(`"></progress>
</div>
<div id="free"`)
	w.when(p.Cur != nil, " hidden")
	w.raw(`>
<p class="free big">Free</p>
<p id="ffor" class="meta">`)
	w.esc(p.FreeText)
	w.raw(`</p>
</div>
</section>
<section id="next" class="zone next`)
	if p.Level != "" {
		w.raw(" ")
		w.esc(p.Level)
	}
	w.raw(`" aria-labelledby="next-h">
<h2 id="next-h" class="label">Next <span id="badge" class="badge"`)
	w.when(p.Badge == "", " hidden")
	w.raw(`>`)
	w.esc(p.Badge)
	w.raw(`</span></h2>
`)
	next := w.meetingDiv("nx", p.Next, false)
	w.raw(`<p class="countdown"><span id="cd" aria-hidden="true">`)
	w.esc(p.Countdown)
	w.raw(`</span></p>
`)
	w.titleMeta(next)
	w.raw(`
<p class="cal"><span class="dot" aria-hidden="true"></span> <span class="m-cal" dir="auto">`)
	w.esc(next.Calendar)
	w.raw(`</span> <span class="tag">tentative</span></p>
<button type="button" id="skip" class="skip">Skip</button>
</div>
<p id="none" class="none"`)
	w.when(p.Next != nil, " hidden")
	w.raw(`>No more meetings</p>
<p id="sr" class="sr-only" aria-live="polite">`)
	w.esc(p.SRText)
	w.raw(`</p>
<ol id="later" class="later" aria-label="Later">`)
	for i := range p.Later {
		m := &p.Later[i]
		w.raw(`<li class="meeting`)
		w.when(m.Tentative, " tentative")
		w.raw(`"><span class="dot" aria-hidden="true"></span> <span class="m-range">`)
		w.esc(m.Range)
		w.raw(`</span> <span class="m-title" dir="auto">`)
		w.esc(m.Subject)
		w.raw(`</span></li>`)
	}
	w.raw(`</ol>
</section>
<footer id="status" class="status">
<span id="clock" class="clock">`)
	w.esc(p.Clock)
	w.raw(`</span> <span id="date">`)
	w.esc(p.Date)
	w.raw(`</span> <span id="updated">`)
	w.esc(p.Updated)
	w.raw(`</span> <span id="conn" class="conn" hidden>⚠ connection lost</span> <span id="toast" class="toast" role="status"></span>
</footer>
</main>
<script type="application/json" id="init">`)
	if err := w.writeJSON(p.Init); err != nil {
		return err
	}
	w.raw(`</script>
</body>
</html>
`)
	return nil
}
