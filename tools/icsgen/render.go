package icsgen

import (
	"fmt"
	"strings"
	"time"
)

func (g *gen) render() []byte {
	w := &writer{}
	w.buf.Grow(g.o.Events * 1024)
	switch g.o.Style {
	case StyleGoogle:
		w.line("BEGIN:VCALENDAR")
		w.line("PRODID:-//Google Inc//Google Calendar 70.9054//EN")
		w.line("VERSION:2.0")
		w.line("CALSCALE:GREGORIAN")
		w.line("METHOD:PUBLISH")
		w.line("X-WR-CALNAME:" + escapeText(g.calOwner.name))
		w.line("X-WR-TIMEZONE:" + allZones[0].iana)
		w.line("X-WR-CALDESC:" + escapeText("Work calendar of "+g.calOwner.name+", synthetic feed"))
		for _, z := range allZones {
			writeGoogleTZ(w, z)
		}
	case StylePlain:
		w.line("BEGIN:VCALENDAR")
		w.line("VERSION:2.0")
		w.line("PRODID:-//CalendarBot//icsgen//EN")
		w.line("CALSCALE:GREGORIAN")
		w.line("X-WR-CALNAME:" + escapeText(g.calOwner.name))
	default:
		w.line("BEGIN:VCALENDAR")
		w.line("METHOD:PUBLISH")
		w.line("PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
		w.line("VERSION:2.0")
		w.line("X-WR-CALNAME:" + escapeText(g.calOwner.name))
		for _, z := range allZones {
			writeOutlookTZ(w, z)
		}
	}
	for _, b := range g.blocks {
		for _, e := range b {
			switch g.o.Style {
			case StyleGoogle:
				g.googleEvent(w, e)
			case StylePlain:
				g.plainEvent(w, e)
			default:
				g.outlookEvent(w, e)
			}
		}
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func (g *gen) tzid(z *zone) string {
	if g.o.Style == StyleGoogle {
		return z.iana
	}
	return z.win
}

// dt renders a DATE or DATE-TIME property for e.
func (g *gen) dt(name string, e *event, t time.Time) string {
	switch {
	case e.allDay:
		return name + ";VALUE=DATE:" + fmtDate(t)
	case e.z.utc || e.utc:
		return name + ":" + fmtUTC(e.z.toUTC(t))
	}
	return name + ";TZID=" + g.tzid(e.z) + ":" + fmtLocal(t)
}

func (g *gen) exdates(w *writer, e *event) {
	for _, line := range e.exLines {
		vals := make([]string, len(line))
		var prefix string
		for i, t := range line {
			switch {
			case e.allDay:
				prefix, vals[i] = "EXDATE;VALUE=DATE:", fmtDate(t)
			case e.z.utc:
				prefix, vals[i] = "EXDATE:", fmtUTC(t)
			default:
				prefix, vals[i] = "EXDATE;TZID="+g.tzid(e.z)+":", fmtLocal(t)
			}
		}
		w.line(prefix + strings.Join(vals, ","))
	}
}

func (g *gen) outlookEvent(w *writer, e *event) {
	w.line("BEGIN:VEVENT")
	for _, a := range e.atts {
		w.line(fmt.Sprintf("ATTENDEE;CN=%s;ROLE=%s;PARTSTAT=%s;RSVP=TRUE:mailto:%s",
			paramValue(a.p.name), a.role, a.partstat, a.p.email))
	}
	w.line("CLASS:" + e.class)
	w.line("CREATED:" + fmtUTC(e.created))
	if e.desc != "" {
		w.line("DESCRIPTION:" + escapeText(e.desc))
	}
	w.line(g.dt("DTEND", e, e.end))
	w.line("DTSTAMP:" + fmtUTC(g.now))
	w.line(g.dt("DTSTART", e, e.start))
	g.exdates(w, e)
	w.line("LAST-MODIFIED:" + fmtUTC(e.modified))
	if e.location != "" {
		w.line("LOCATION:" + escapeText(e.location))
	}
	w.line(fmt.Sprintf("ORGANIZER;CN=%s:mailto:%s", paramValue(e.org.name), e.org.email))
	w.line(fmt.Sprintf("PRIORITY:%d", [...]int{9, 5, 1}[e.importance]))
	if e.isOverride {
		w.line(g.dt("RECURRENCE-ID", e, e.recurID))
	}
	if e.series != nil {
		w.line("RRULE:" + e.series.rrule(StyleOutlook))
	}
	w.line(fmt.Sprintf("SEQUENCE:%d", e.seq))
	if e.cancelled {
		w.line("STATUS:CANCELLED")
	}
	w.line("SUMMARY;LANGUAGE=en-US:" + escapeText(e.summary))
	w.line("TRANSP:" + e.transp)
	w.line("UID:" + e.uid)
	w.line("X-MICROSOFT-CDO-BUSYSTATUS:" + e.busy)
	if e.allDay {
		w.line("X-MICROSOFT-CDO-ALLDAYEVENT:TRUE")
	}
	w.line(fmt.Sprintf("X-MICROSOFT-CDO-IMPORTANCE:%d", e.importance))
	w.line(fmt.Sprintf("X-MICROSOFT-CDO-INSTTYPE:%d", e.instType))
	if e.alarm > 0 && !e.cancelled {
		w.line("BEGIN:VALARM")
		w.line("DESCRIPTION:REMINDER")
		w.line(fmt.Sprintf("TRIGGER;RELATED=START:-PT%dM", e.alarm))
		w.line("ACTION:DISPLAY")
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
}

func (g *gen) googleEvent(w *writer, e *event) {
	w.line("BEGIN:VEVENT")
	w.line(g.dt("DTSTART", e, e.start))
	w.line(g.dt("DTEND", e, e.end))
	if e.series != nil {
		w.line("RRULE:" + e.series.rrule(StyleGoogle))
	}
	g.exdates(w, e)
	w.line("DTSTAMP:" + fmtUTC(g.now))
	w.line(fmt.Sprintf("ORGANIZER;CN=%s:mailto:%s", paramValue(e.org.name), e.org.email))
	w.line("UID:" + e.uid)
	if e.isOverride {
		w.line(g.dt("RECURRENCE-ID", e, e.recurID))
	}
	for _, a := range e.atts {
		w.line(fmt.Sprintf("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=%s;PARTSTAT=%s;RSVP=TRUE;CN=%s;X-NUM-GUESTS=0:mailto:%s",
			a.role, a.partstat, paramValue(a.p.email), a.p.email))
	}
	w.line("CREATED:" + fmtUTC(e.created))
	w.line("DESCRIPTION:" + escapeText(e.desc))
	w.line("LAST-MODIFIED:" + fmtUTC(e.modified))
	w.line("LOCATION:" + escapeText(e.location))
	w.line(fmt.Sprintf("SEQUENCE:%d", e.seq))
	if e.cancelled {
		w.line("STATUS:CANCELLED")
	} else if e.busy == "TENTATIVE" {
		w.line("STATUS:TENTATIVE")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line("SUMMARY:" + escapeText(e.summary))
	w.line("TRANSP:" + e.transp)
	if e.alarm > 0 && !e.cancelled {
		w.line("BEGIN:VALARM")
		w.line("ACTION:DISPLAY")
		w.line("DESCRIPTION:This is an event reminder")
		w.line(fmt.Sprintf("TRIGGER:-P0DT%dH%dM0S", e.alarm/60, e.alarm%60))
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
}

func (g *gen) plainEvent(w *writer, e *event) {
	w.line("BEGIN:VEVENT")
	w.line("UID:" + e.uid)
	w.line("DTSTAMP:" + fmtUTC(g.now))
	w.line(g.dt("DTSTART", e, e.start))
	w.line(g.dt("DTEND", e, e.end))
	if e.series != nil {
		w.line("RRULE:" + e.series.rrule(StylePlain))
	}
	g.exdates(w, e)
	if e.isOverride {
		w.line(g.dt("RECURRENCE-ID", e, e.recurID))
	}
	w.line("SUMMARY:" + escapeText(e.summary))
	if e.location != "" {
		w.line("LOCATION:" + escapeText(e.location))
	}
	if e.desc != "" {
		w.line("DESCRIPTION:" + escapeText(e.desc))
	}
	if e.cancelled {
		w.line("STATUS:CANCELLED")
	}
	w.line("END:VEVENT")
}
