package tz

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Offset tables.
//
// Go's embedded tz database is "slim": past a zone's last explicit
// transition (1996 for Europe/Berlin, 2007 for America/Los_Angeles) every
// lookup re-parses and re-evaluates the zone's POSIX TZ rule string, which
// costs a few hundred nanoseconds, and time.Time.ZoneBounds splits periods
// at year ends. Instant runs once per occurrence of every recurring event,
// so for locations returned by LoadIANA it instead uses a table of the
// zone's UTC offset changes, computed once per zone on first use from the
// same Go lookups (so it agrees with them exactly) for all instants before
// tableLimit. Later instants, and locations not from LoadIANA (including
// FromTransitions zones, whose explicit transitions Go looks up by binary
// search anyway), use Go's lookups directly.
//
// zoneTables is keyed by *time.Location and only ever holds locations
// cached in ianaCache, so it is bounded by the number of zones in the
// database and a table is built at most once per zone (about 0.5 ms,
// tens of kilobytes).
//
// It is a copy-on-write map behind an atomic pointer rather than a
// sync.Map because Instant reads it on every call: a plain map lookup by
// pointer is several times cheaper, and writes are rare and bounded.
var (
	zoneTables   atomic.Pointer[map[*time.Location]*tableEntry]
	zoneTablesMu sync.Mutex // serialises writers
)

// tableLimit is the end of the tabulated range: 2200-01-01T00:00:00Z.
var tableLimit = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// tableStart is where building starts; no zone has transitions before
// it, so the first period reaches back to the beginning of time.
const tableStart = -1 << 59

type tableEntry struct {
	once sync.Once
	t    *zoneTable
}

// zoneTable lists a zone's periods of constant UTC offset: period i is
// [start[i], start[i+1]) with offset off[i]; start[0] is math.MinInt64,
// and start[len(off)] is the end of the tabulated range (math.MaxInt64 if
// the last offset holds forever).
type zoneTable struct {
	start []int64
	off   []int32
}

func registerTable(loc *time.Location) {
	if loc == time.UTC {
		return
	}
	zoneTablesMu.Lock()
	defer zoneTablesMu.Unlock()
	var old map[*time.Location]*tableEntry
	if p := zoneTables.Load(); p != nil {
		old = *p
	}
	if _, ok := old[loc]; ok {
		return
	}
	m := make(map[*time.Location]*tableEntry, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[loc] = &tableEntry{}
	zoneTables.Store(&m)
}

// tableFor returns loc's offset table, building it on first use, or nil if
// loc has none.
func tableFor(loc *time.Location) *zoneTable {
	p := zoneTables.Load()
	if p == nil {
		return nil
	}
	e := (*p)[loc]
	if e == nil {
		return nil
	}
	e.once.Do(func() { e.t = buildTable(loc) })
	return e.t
}

func buildTable(loc *time.Location) *zoneTable {
	t := &zoneTable{start: []int64{math.MinInt64}}
	x := int64(tableStart)
	for {
		_, o, _, end := period(x, loc)
		if len(t.off) == 0 || int32(o) != t.off[len(t.off)-1] {
			if len(t.off) > 0 {
				t.start = append(t.start, x)
			}
			t.off = append(t.off, int32(o))
		}
		if end == math.MaxInt64 || end >= tableLimit {
			t.start = append(t.start, end)
			break
		}
		x = end
	}
	t.start = t.start[:len(t.start):len(t.start)]
	t.off = t.off[:len(t.off):len(t.off)]
	return t
}

// find returns the index of the period containing instant x, which must
// be below the table's end.
func (t *zoneTable) find(x int64) int {
	// Largest i with start[i] <= x; start[0] is MinInt64.
	lo, hi := 0, len(t.off)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if t.start[m] <= x {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// covers reports whether the table describes instant x.
func (t *zoneTable) covers(x int64) bool { return x < t.start[len(t.off)] }

// instant is Instant on the table, for local+window below the table's end.
func (t *zoneTable) instant(local int64) int64 {
	i := t.find(local)
	if t.start[i] <= local-window && local+window < t.start[i+1] {
		return local - int64(t.off[i])
	}
	// Same walk as instantSlow, over exact periods.
	lo, hi := local-window, local+window
	gapOff, haveGap := int64(0), false
	for j := t.find(lo); j < len(t.off) && t.start[j] <= hi; j++ {
		off := int64(t.off[j])
		cand := local - off
		if t.start[j] <= cand && cand < t.start[j+1] {
			return cand
		}
		if cand >= t.start[j+1] {
			gapOff, haveGap = off, true
		}
	}
	if !haveGap {
		gapOff = int64(t.off[i])
	}
	return local - gapOff
}

// offsetAt returns the UTC offset of loc at instant x, from loc's table if
// it has one.
func offsetAt(x int64, loc *time.Location) int {
	if t := tableFor(loc); t != nil && t.covers(x) {
		return int(t.off[t.find(x)])
	}
	_, off := time.Unix(x, 0).In(loc).Zone()
	return off
}
