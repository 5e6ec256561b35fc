package tz

import "time"

// FormatOffset returns t's UTC offset in its Location as "+02:00",
// "-07:00", "+05:45" or "+00:00" (never "Z"). Offsets with a seconds part,
// which only historical local mean time and unusual VTIMEZONEs have, are
// written "+00:53:28" so that no information is lost.
func FormatOffset(t time.Time) string {
	off := offsetAt(t.Unix(), t.Location())
	var buf [16]byte
	return string(appendOffset(buf[:0], off))
}

// FormatRFC3339Offset returns t in its Location as
// "2025-03-30T03:30:00+02:00": seconds always, no fractional seconds
// (truncated), and a numeric offset even for UTC. See AppendRFC3339Offset.
func FormatRFC3339Offset(t time.Time) string {
	var buf [32]byte
	return string(AppendRFC3339Offset(buf[:0], t))
}

// AppendRFC3339Offset appends the FormatRFC3339Offset form of t to dst.
// It does not allocate when dst has room. Years outside 0000-9999 (not
// representable in RFC 3339) are written with as many digits as needed and
// a leading "-" if negative; offsets with a seconds part as in
// FormatOffset.
func AppendRFC3339Offset(dst []byte, t time.Time) []byte {
	off := offsetAt(t.Unix(), t.Location())
	return appendOffset(appendWall(dst, t.Unix()+int64(off)), off)
}

// AppendRFC3339 appends t exactly as t.AppendFormat(dst, time.RFC3339)
// does: "Z" for a zero offset, otherwise ±hh:mm with any seconds part of
// the offset dropped (as the time package does), no fractional seconds.
// It skips the time package's layout interpretation and its zone lookup,
// about 2.5 times faster; the API formats four of these per meeting.
func AppendRFC3339(dst []byte, t time.Time) []byte {
	off := offsetAt(t.Unix(), t.Location())
	dst = appendWall(dst, t.Unix()+int64(off))
	if off == 0 {
		return append(dst, 'Z')
	}
	zone := off / 60 // minutes, truncated toward zero as time does
	if zone < 0 {
		dst = append(dst, '-')
		zone = -zone
	} else {
		dst = append(dst, '+')
	}
	if h := zone / 60; h < 100 {
		dst = append2(dst, h)
	} else {
		dst = appendInt(dst, h)
	}
	dst = append(dst, ':')
	return append2(dst, zone%60)
}

// appendWall appends the wall clock wall (seconds since 1970-01-01T00:00:00
// on the wall) as YYYY-MM-DDThh:mm:ss.
func appendWall(dst []byte, wall int64) []byte {
	u := time.Unix(wall, 0).UTC()
	year, month, day := u.Date()
	hour, min, sec := u.Clock()
	if year < 0 {
		dst = append(dst, '-')
		year = -year
	}
	if year < 10000 {
		dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10))
	} else {
		dst = appendInt(dst, year)
	}
	dst = append(dst, '-')
	dst = append2(dst, int(month))
	dst = append(dst, '-')
	dst = append2(dst, day)
	dst = append(dst, 'T')
	dst = append2(dst, hour)
	dst = append(dst, ':')
	dst = append2(dst, min)
	dst = append(dst, ':')
	return append2(dst, sec)
}

// appendOffset appends off seconds east of UTC as ±hh:mm, or ±hh:mm:ss
// when it has a seconds part.
func appendOffset(dst []byte, off int) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	if h := off / 3600; h < 100 {
		dst = append2(dst, h)
	} else {
		dst = appendInt(dst, h)
	}
	dst = append(dst, ':')
	dst = append2(dst, off/60%60)
	if s := off % 60; s != 0 {
		dst = append(dst, ':')
		dst = append2(dst, s)
	}
	return dst
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func appendInt(dst []byte, v int) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}
