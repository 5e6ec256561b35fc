package calendar

import (
	"sort"
	"time"
)

// Feed is one source's parsed calendar under the name the user gave it.
// The name, never the URL, identifies the feed everywhere users can see it,
// because feed URLs carry secrets.
type Feed struct {
	Name string
	Cal  *Calendar
}

// Snapshot is an immutable, merged view of every feed over a window: what
// the API and the screen read. A new snapshot is built and swapped in on
// every refresh, so readers never see a half-updated calendar and never wait.
type Snapshot struct {
	Version  uint64
	Built    time.Time
	From, To time.Time
	// Occurrences are sorted by start, UID and recurrence ID, with each
	// (UID, recurrence ID) present once across all feeds.
	Occurrences []Occurrence
	Problems    []Problem
}

// NewSnapshot expands every feed over [from, to) and merges them. The same
// event published in two feeds (a shared meeting in a personal and a team
// calendar) appears once: the copy with the highest SEQUENCE wins, then the
// earlier feed in configuration order.
func NewSnapshot(version uint64, built, from, to time.Time, feeds []Feed, lim Limits) *Snapshot {
	s := &Snapshot{Version: version, Built: built, From: from, To: to}
	type seen struct {
		idx  int
		feed int
	}
	index := make(map[string]seen)
	for fi, f := range feeds {
		if f.Cal == nil {
			continue
		}
		occ, probs := f.Cal.Expand(from, to, lim)
		s.Problems = append(s.Problems, probs...)
		for _, o := range occ {
			o.Calendar = f.Name
			if !o.HasUID {
				s.Occurrences = append(s.Occurrences, o)
				continue
			}
			key := o.UID + "\x00" + ridKey(&o)
			if prev, ok := index[key]; ok {
				if prev.feed != fi && o.Sequence > s.Occurrences[prev.idx].Sequence {
					s.Occurrences[prev.idx] = o
				}
				continue
			}
			index[key] = seen{idx: len(s.Occurrences), feed: fi}
			s.Occurrences = append(s.Occurrences, o)
		}
	}
	SortOccurrences(s.Occurrences)
	return s
}

// Between returns the occurrences overlapping [from, to), sharing the
// snapshot's backing array (callers must not modify them).
func (s *Snapshot) Between(from, to time.Time) []Occurrence {
	// Occurrences are sorted by start; the first candidate is found by
	// binary search on start < to, then filtered on end > from. Long events
	// that started long before from are found by the linear scan from 0 only
	// when needed, so the scan is bounded by the events starting before to.
	end := sort.Search(len(s.Occurrences), func(i int) bool { return !s.Occurrences[i].Start.Before(to) })
	var out []Occurrence
	for i := 0; i < end; i++ {
		o := &s.Occurrences[i]
		if o.End.After(from) || (o.Start.Equal(o.End) && !o.Start.Before(from)) {
			out = append(out, *o)
		}
	}
	return out
}
