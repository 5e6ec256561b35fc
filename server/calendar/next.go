package calendar

import "time"

// Selection is what a display shows: the meeting in progress, the next one
// to start, and a few after it.
type Selection struct {
	Current *Occurrence
	Next    *Occurrence
	Later   []Occurrence
}

// Select picks from occurrences sorted by start (a Snapshot's). Cancelled
// and skipped occurrences are never shown. An all-day event can be the next
// thing to start (a holiday tomorrow) but is never "in progress": a display
// saying a holiday ends in 14 hours helps nobody. When meetings overlap, the
// one in progress is the one that started last (it is what the room is
// doing now), ties going to the one that ends first.
func Select(occ []Occurrence, now time.Time, skipped func(id string) bool, later int) Selection {
	var sel Selection
	if later > 0 {
		sel.Later = make([]Occurrence, 0, min(later, len(occ)))
	}
	for i := range occ {
		o := &occ[i]
		if o.Status == StatusCancelled || (skipped != nil && skipped(o.ID())) {
			continue
		}
		if o.Start.After(now) {
			if sel.Next == nil {
				sel.Next = o
				continue
			}
			if len(sel.Later) >= later {
				break
			}
			sel.Later = append(sel.Later, *o)
			continue
		}
		if o.AllDay || !o.End.After(now) {
			continue
		}
		if c := sel.Current; c == nil || o.Start.After(c.Start) || (o.Start.Equal(c.Start) && o.End.Before(c.End)) {
			sel.Current = o
		}
	}
	return sel
}

// Day lists the occurrences that touch the local day of t in loc (timed
// events overlapping it, all-day events on that date), without cancelled
// ones, in start order.
func Day(occ []Occurrence, t time.Time, loc *time.Location) []Occurrence {
	local := t.In(loc)
	start := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	end := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	// Counted first, so that the result is one allocation of the right size
	// (Occurrence is large; growing by appends copies it several times).
	n := 0
	for i := range occ {
		if onDay(&occ[i], start, end, loc) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Occurrence, 0, n)
	for i := range occ {
		if onDay(&occ[i], start, end, loc) {
			out = append(out, occ[i])
		}
	}
	return out
}

// onDay reports whether o is on the day [start, end) in loc.
func onDay(o *Occurrence, start, end time.Time, loc *time.Location) bool {
	if o.Status == StatusCancelled {
		return false
	}
	if o.AllDay {
		// All-day events are dates: compare the calendar date, whatever
		// zone the snapshot was expanded in.
		y, m, d := o.Start.Date()
		ey, em, ed := o.End.Date()
		first := time.Date(y, m, d, 0, 0, 0, 0, loc)
		last := time.Date(ey, em, ed, 0, 0, 0, 0, loc)
		if first.Equal(last) {
			last = last.AddDate(0, 0, 1)
		}
		return first.Before(end) && last.After(start)
	}
	return o.Start.Before(end) && (o.End.After(start) || o.Start.Equal(o.End) && !o.Start.Before(start))
}
