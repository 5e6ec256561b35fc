package calendar

import "strings"

// compactText moves every string a parsed calendar keeps into one new
// allocation, with equal strings stored once.
//
// The reader returns values as substrings of one copy of the feed (fast, and
// nothing is copied twice), so a kept summary would otherwise keep the whole
// feed text alive: for an Outlook export, 270 KB for ~100 KB of summaries,
// descriptions, locations and attendees, the rest being X-ALT-DESC HTML,
// timestamps and vendor properties nobody reads. Per feed, and for as long
// as the snapshot is served. Unescaped values are separate strings already;
// they move too, which frees their share of the reader's buffers.
//
// Equal strings (the organizer on every event, ROLE and PARTSTAT values,
// an override repeating its master's description) are stored once.
func compactText(c *Calendar, events []*vevent) {
	visit := func(f func(*string)) {
		f(&c.Name)
		for _, ev := range events {
			f(&ev.uid)
			d := ev.details
			f(&d.Summary)
			f(&d.Description)
			f(&d.Location)
			f(&d.Organizer)
			f(&d.URL)
			f(&d.RawStatus)
			f(&d.Class)
			for i := range d.Attendees {
				a := &d.Attendees[i]
				f(&a.Name)
				f(&a.Email)
				f(&a.Role)
				f(&a.PartStat)
			}
		}
	}
	seen := make(map[string]int) // string → offset in the new text
	n := 0
	visit(func(s *string) {
		if _, ok := seen[*s]; !ok && *s != "" {
			seen[*s] = n
			n += len(*s)
		}
	})
	// Exactly n bytes: a Builder left to grow by doubling would keep up
	// to twice that.
	var b strings.Builder
	b.Grow(n)
	visit(func(s *string) {
		if *s != "" && seen[*s] == b.Len() {
			b.WriteString(*s)
		}
	})
	text := b.String()
	visit(func(s *string) {
		if *s != "" {
			off := seen[*s]
			*s = text[off : off+len(*s)]
		}
	})
}
