package tz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Transition is one change of a zone's rules: from instant At on, the zone
// is Offset seconds east of UTC, abbreviated Name, and DST tells whether
// that offset is daylight saving time.
type Transition struct {
	At     time.Time // instant the new offset starts; sub-second parts are ignored
	Offset int       // seconds east of UTC
	Name   string    // abbreviation such as "CEST"; "" gets a numeric one like "+02"
	DST    bool
}

// Limits of FromTransitions.
const (
	// MaxOffset is the largest UTC offset magnitude FromTransitions
	// accepts (25:59:59). RFC 5545 offsets stay below 24 hours; the tz
	// database's largest is under 16. Instant relies on this bound.
	MaxOffset = 26*3600 - 1
	// MaxTransitions bounds the number of transitions per zone.
	MaxTransitions = 100_000
	// maxAbbrevLen bounds one abbreviation; longer names are truncated.
	maxAbbrevLen = 32
)

// FromTransitions builds a *time.Location named name from explicit
// transitions, such as a VTIMEZONE's STANDARD and DAYLIGHT rules expanded
// by the caller. Before the first transition the zone is initialOffset
// seconds east of UTC and abbreviated initialName; after the last one the
// last transition's offset applies forever, so the caller should expand
// recurring rules as far as it needs (a few thousand transitions are
// fine).
//
// The transitions may be given in any order. Sorting is by instant; of
// several transitions at the same instant the last one given wins;
// transitions that change neither offset, name nor DST flag are dropped.
//
// The zone is encoded as TZif version 2 data (RFC 8536) and loaded with
// time.LoadLocationFromTZData, so the result behaves exactly like a zone
// from the tz database, and Instant and Wall work on it.
func FromTransitions(name string, initialOffset int, initialName string, trans []Transition) (*time.Location, error) {
	if err := checkOffset(initialOffset); err != nil {
		return nil, err
	}
	if len(trans) > MaxTransitions {
		return nil, fmt.Errorf("tz: %d transitions, more than %d", len(trans), MaxTransitions)
	}
	type tr struct {
		at  int64
		typ ltype
	}
	list := make([]tr, 0, len(trans))
	for i := range trans {
		t := &trans[i]
		if err := checkOffset(t.Offset); err != nil {
			return nil, err
		}
		list = append(list, tr{at: t.At.Unix(), typ: ltype{off: t.Offset, dst: t.DST, name: abbrev(t.Name, t.Offset)}})
	}
	slices.SortStableFunc(list, func(a, b tr) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	// Keep the last of equal instants, then drop no-op transitions.
	initial := ltype{off: initialOffset, name: abbrev(initialName, initialOffset)}
	out := list[:0]
	for i := 0; i < len(list); i++ {
		if i+1 < len(list) && list[i+1].at == list[i].at {
			continue
		}
		prev := initial
		if len(out) > 0 {
			prev = out[len(out)-1].typ
		}
		if list[i].typ == prev {
			continue
		}
		out = append(out, list[i])
	}
	list = out

	// Local time types: index 0 is the initial type and is referenced by
	// no transition, which is what makes Go (and tzcode) use it for
	// instants before the first transition (RFC 8536 section 3.2 and
	// time.Location's lookupFirstZone).
	types := []ltype{initial}
	typeIdx := make([]byte, len(list))
	for i, t := range list {
		j := slices.Index(types[1:], t.typ)
		if j < 0 {
			if len(types) == 256 {
				return nil, errors.New("tz: more than 255 distinct local time types")
			}
			types = append(types, t.typ)
			j = len(types) - 2
		}
		typeIdx[i] = byte(j + 1)
	}
	// Abbreviation strings, NUL-terminated and shared; indices are bytes.
	var chars []byte
	nameIdx := make([]byte, len(types))
	for i, t := range types {
		j := indexAbbrev(chars, t.name)
		if j < 0 {
			j = len(chars)
			chars = append(chars, t.name...)
			chars = append(chars, 0)
		}
		if j > 255 {
			return nil, errors.New("tz: zone abbreviations too long in total")
		}
		nameIdx[i] = byte(j)
	}

	// Header and minimal version 1 data block (one type, one NUL), which
	// version 2 readers skip, then the version 2 header and 64-bit data,
	// then an empty footer (no TZ string: the last type holds forever).
	size := 2*44 + 6 + 1 + len(list)*9 + len(types)*6 + len(chars) + 2
	b := make([]byte, 0, size)
	b = appendHeader(b, 0, 1, 1)
	b = append(b, 0, 0, 0, 0, 0, 0, 0)
	b = appendHeader(b, len(list), len(types), len(chars))
	for _, t := range list {
		b = binary.BigEndian.AppendUint64(b, uint64(t.at))
	}
	b = append(b, typeIdx...)
	for i, t := range types {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(t.off)))
		dst := byte(0)
		if t.dst {
			dst = 1
		}
		b = append(b, dst, nameIdx[i])
	}
	b = append(b, chars...)
	b = append(b, '\n', '\n')
	// The Location keeps its name: a copy, so that a name sliced out of a
	// calendar feed does not keep the whole feed's text alive.
	return time.LoadLocationFromTZData(strings.Clone(name), b)
}

// ltype is a TZif local time type.
type ltype struct {
	off  int
	dst  bool
	name string
}

func checkOffset(off int) error {
	if off < -MaxOffset || off > MaxOffset {
		return fmt.Errorf("tz: UTC offset %d s out of range ±%d s", off, MaxOffset)
	}
	return nil
}

// appendHeader appends a TZif version 2 header with no leap seconds and no
// standard/wall or UT/local indicators.
func appendHeader(b []byte, timecnt, typecnt, charcnt int) []byte {
	b = append(b, "TZif2"...)
	b = append(b, make([]byte, 15)...)
	for _, n := range [6]int{0, 0, 0, timecnt, typecnt, charcnt} {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return b
}

// abbrev sanitises an abbreviation: NUL bytes would end it early, so they
// are removed; it is truncated to maxAbbrevLen bytes (at a UTF-8
// boundary); "" becomes a numeric abbreviation in the style of the tz
// database: "+02", "-0330", "+0545", "+005328".
func abbrev(name string, off int) string {
	name = strings.ReplaceAll(name, "\x00", "")
	if len(name) > maxAbbrevLen {
		name = strings.ToValidUTF8(name[:maxAbbrevLen], "")
	}
	if name != "" {
		return name
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m, sec := off/3600, off/60%60, off%60
	b := []byte{sign, byte('0' + h/10), byte('0' + h%10)}
	if m != 0 || sec != 0 {
		b = append(b, byte('0'+m/10), byte('0'+m%10))
	}
	if sec != 0 {
		b = append(b, byte('0'+sec/10), byte('0'+sec%10))
	}
	return string(b)
}

func indexAbbrev(chars []byte, name string) int {
	for i := 0; i < len(chars); {
		j := i
		for chars[j] != 0 {
			j++
		}
		if string(chars[i:j]) == name {
			return i
		}
		i = j + 1
	}
	return -1
}
