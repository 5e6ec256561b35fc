package tz

//go:generate go run ./internal/genwindows -in /usr/share/unicode/cldr/common/supplemental/windowsZones.xml -out windows_table.go

import "strings"

// windowsZone is one row of the generated CLDR table.
type windowsZone struct {
	windows string // Windows time-zone ID, e.g. "W. Europe Standard Time"
	iana    string // IANA zone for CLDR territory "001", e.g. "Europe/Berlin"
	display string // Windows display name, e.g. "(UTC+01:00) Amsterdam, Berlin, ..."
}

// WindowsToIANA maps a Windows time-zone ID, as written by Outlook and
// Exchange in TZID parameters (for example "W. Europe Standard Time"), to
// the IANA zone that CLDR's windowsZones.xml gives for territory "001".
//
// The lookup ignores ASCII case and surrounding white space and quotes.
// The returned names are CLDR's, which are sometimes older IANA spellings
// that tzdata keeps as links (for example "Asia/Calcutta" rather than
// "Asia/Kolkata"); all of them load with LoadIANA.
func WindowsToIANA(name string) (string, bool) {
	name = trimTZID(name)
	i, ok := findWindows(name)
	if !ok {
		return "", false
	}
	return windowsZones[i].iana, true
}

// findWindows binary-searches the table, ignoring ASCII case.
func findWindows(name string) (int, bool) {
	lo, hi := 0, len(windowsZones)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareFold(windowsZones[m].windows, name) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(windowsZones) && compareFold(windowsZones[lo].windows, name) == 0 {
		return lo, true
	}
	return 0, false
}

// compareFold compares a and b as if both were ASCII-lower-cased.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// trimTZID removes surrounding white space and one or more layers of
// matching double or single quotes.
func trimTZID(s string) string {
	for {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
			s = s[1 : len(s)-1]
			continue
		}
		return s
	}
}

// windowsFromDisplay maps a Windows display name such as
// "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna" (some
// calendar exporters put these in TZID) to the Windows ID. The leading
// "(UTC...)" or older "(GMT...)" part is ignored, because Windows has
// changed its spelling over the years while the place list identifies the
// zone; the place list is compared ignoring ASCII case and runs of white
// space. It is a linear scan: only the resolver's last-resort fallback
// uses it, and the resolver caches the result.
func windowsFromDisplay(s string) (int, bool) {
	key := displayKey(s)
	if key == "" {
		return 0, false
	}
	for i := range windowsZones {
		if equalFoldSpace(displayKey(windowsZones[i].display), key) {
			return i, true
		}
	}
	return 0, false
}

// displayKey returns the place-list part of a display name, or "" if s
// does not start with a "(UTC...)" or "(GMT...)" group.
func displayKey(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 5 || s[0] != '(' {
		return ""
	}
	if p := strings.ToUpper(s[1:4]); p != "UTC" && p != "GMT" {
		return ""
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(s[end+1:])
}

// equalFoldSpace reports whether a and b are equal ignoring ASCII case and
// treating every run of white space as a single space.
func equalFoldSpace(a, b string) bool {
	i, j := 0, 0
	for {
		i = skipSpaceRun(a, i)
		j = skipSpaceRun(b, j)
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		ca, cb := a[i], b[j]
		if isSpace(ca) != isSpace(cb) {
			return false
		}
		if isSpace(ca) {
			i++
			j++
			continue
		}
		if lowerASCII(ca) != lowerASCII(cb) {
			return false
		}
		i++
		j++
	}
}

// skipSpaceRun advances past all but the last byte of a run of spaces at
// s[i:], so a run compares as one space.
func skipSpaceRun(s string, i int) int {
	for i+1 < len(s) && isSpace(s[i]) && isSpace(s[i+1]) {
		i++
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
