package tz

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoadIANA(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/Los_Angeles", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Asia/Calcutta", "Etc/GMT+5", "EST5EDT", "CET", "US/Eastern", "Factory"} {
		loc, ok := LoadIANA(name)
		if !ok || loc.String() != name {
			t.Errorf("LoadIANA(%q) = %v, %v", name, loc, ok)
		}
		again, _ := LoadIANA(name)
		if again != loc {
			t.Errorf("LoadIANA(%q) not cached", name)
		}
	}
	for _, name := range []string{"UTC", "utc", "Z", "z", "Zulu", "GMT", "gmt", "Etc/UTC", "etc/utc", "Etc/GMT", "UCT", "Universal", "Greenwich", "GMT0", "GMT+0", "Etc/GMT-0"} {
		if loc, ok := LoadIANA(name); !ok || loc != time.UTC {
			t.Errorf("LoadIANA(%q) = %v, %v; want UTC", name, loc, ok)
		}
	}
	for _, name := range []string{"", "Local", "localtime", "posixrules", "posix/Europe/Berlin", "right/Europe/Berlin",
		"europe/berlin", "Europe/Berlin ", "/Europe/Berlin", "../etc/passwd", "Europe/../Berlin", "Europe\\Berlin",
		"Nowhere/Special", "W. Europe Standard Time", "zone.tab", "tzdata.zi", strings.Repeat("A", 200)} {
		if loc, ok := LoadIANA(name); ok {
			t.Errorf("LoadIANA(%q) = %v, true; want false", name, loc)
		}
	}
}

func mustFixed(name string, off int) *time.Location { return time.FixedZone(name, off) }

func TestResolvePrecedence(t *testing.T) {
	customBerlin := mustFixed("my-berlin", 3600)
	custom1 := mustFixed("Custom 1", 5*3600+1800)
	customWin := mustFixed("my-win", 42)
	r := NewResolver(map[string]*time.Location{
		"Europe/Berlin":           customBerlin, // loses to the tz database
		"W. Europe Standard Time": customWin,    // loses to CLDR
		"Custom 1":                custom1,
		"Nil":                     nil, // ignored
		"/example.com/Custom 2":   custom1,
	})
	type want struct {
		name string // loc.String(), "" for unresolved
		src  Source
	}
	cases := []struct {
		in string
		want
	}{
		{"Europe/Berlin", want{"Europe/Berlin", IANA}},
		{` "Europe/Berlin" `, want{"Europe/Berlin", IANA}},
		{"UTC", want{"UTC", IANA}},
		{"Z", want{"UTC", IANA}},
		{"Etc/GMT-14", want{"Etc/GMT-14", IANA}},
		{"W. Europe Standard Time", want{"Europe/Berlin", Windows}},
		{"india standard time", want{"Asia/Calcutta", Windows}},
		{"UTC-11", want{"Etc/GMT+11", Windows}},
		{"Custom 1", want{"Custom 1", Custom}},
		{" Custom 1 ", want{"Custom 1", Custom}},
		{"/example.com/Custom 2", want{"Custom 1", Custom}},
		{"Nil", want{"", Unresolved}},
		{"/mozilla.org/20070129_1/Europe/Berlin", want{"Europe/Berlin", Fallback}},
		{"/mozilla.org/20050126_1/America/Argentina/Buenos_Aires", want{"America/Argentina/Buenos_Aires", Fallback}},
		{"/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", want{"Europe/Berlin", Fallback}},
		{"/freeassociation.sourceforge.net/Europe/Berlin", want{"Europe/Berlin", Fallback}},
		{"/softwarestudio.org/Olson_20011030_5/America/New_York", want{"America/New_York", Fallback}},
		{"/citadel.org/20190914_1/Asia/Kathmandu", want{"Asia/Kathmandu", Fallback}},
		{"/mozilla.org/20070129_1/UTC", want{"UTC", Fallback}},
		{"/Europe/Berlin", want{"Europe/Berlin", Fallback}},
		{"/Microsoft/W. Europe Standard Time", want{"Europe/Berlin", Fallback}},
		{"/example.com/europe/berlin", want{"Europe/Berlin", Fallback}},
		{"america/new_york", want{"America/New_York", Fallback}},
		{"AMERICA/LOS_ANGELES", want{"America/Los_Angeles", Fallback}},
		{"cet", want{"CET", Fallback}},
		{"est5edt", want{"EST5EDT", Fallback}},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", want{"Europe/Berlin", Fallback}},
		{"(GMT-08:00) Pacific Time (US & Canada)", want{"America/Los_Angeles", Fallback}},
		{"(UTC+05:45) Kathmandu", want{"Asia/Katmandu", Fallback}},
		{"Mexico Standard Time", want{"America/Mexico_City", Fallback}},
		{"UTC+05:30", want{"UTC+05:30", Fallback}},
		{"GMT-03:30", want{"UTC-03:30", Fallback}},
		{"UTC+0545", want{"UTC+05:45", Fallback}},
		{"+01:00", want{"UTC+01:00", Fallback}},
		{"-0800", want{"UTC-08:00", Fallback}},
		{"UTC+1", want{"UTC+01:00", Fallback}},
		{"UTC+00:00", want{"UTC", Fallback}},
		// Unknown: floating time.
		{"", want{"", Unresolved}},
		{"   ", want{"", Unresolved}},
		{"Local", want{"", Unresolved}},
		{"localtime", want{"", Unresolved}},
		{"Eastern Time", want{"", Unresolved}},
		{"/mozilla.org/20070129_1/Nowhere/Special", want{"", Unresolved}},
		{"/", want{"", Unresolved}},
		{"GMT+5", want{"", Unresolved}}, // sign convention ambiguous
		{"UTC+24:00", want{"", Unresolved}},
		{"UTC+01:60", want{"", Unresolved}},
		{"+1", want{"", Unresolved}},
		{"(UTC+01:00) Atlantis", want{"", Unresolved}},
		{"Europe/Berlin\x00", want{"", Unresolved}},
	}
	for _, c := range cases {
		for round := 0; round < 2; round++ { // second round is served from the cache
			loc, src := r.ResolveSource(c.in)
			name := ""
			if loc != nil {
				name = loc.String()
			}
			if name != c.name || src != c.src {
				t.Errorf("ResolveSource(%q) = %q, %v; want %q, %v", c.in, name, src, c.name, c.src)
			}
			loc2, ok := r.Resolve(c.in)
			if loc2 != loc || ok != (c.src != Unresolved) {
				t.Errorf("Resolve(%q) = %v, %v", c.in, loc2, ok)
			}
		}
	}
	// Fixed offsets from the fallback are exact.
	loc, _ := r.Resolve("UTC-03:30")
	if _, off := time.Date(2025, 1, 1, 0, 0, 0, 0, loc).Zone(); off != -(3*3600 + 1800) {
		t.Errorf("UTC-03:30 offset %d", off)
	}
}

func TestResolveWithoutResolver(t *testing.T) {
	var zero Resolver
	for _, in := range []string{"Europe/Berlin", "Pacific Standard Time", "/mozilla.org/20070129_1/Europe/Berlin"} {
		a, ok1 := Resolve(in)
		b, ok2 := zero.Resolve(in)
		c, ok3 := NewResolver(nil).Resolve(in)
		if !ok1 || !ok2 || !ok3 || a != b || b != c {
			t.Errorf("%q: %v %v %v", in, a, b, c)
		}
	}
	if _, ok := Resolve("Custom 1"); ok {
		t.Error("Resolve(Custom 1) succeeded without custom zones")
	}
}

func TestResolverCopiesCustom(t *testing.T) {
	m := map[string]*time.Location{"A": time.FixedZone("A", 60)}
	r := NewResolver(m)
	m["B"] = time.FixedZone("B", 120)
	delete(m, "A")
	if _, ok := r.Resolve("A"); !ok {
		t.Error("A lost")
	}
	if _, ok := r.Resolve("B"); ok {
		t.Error("B appeared")
	}
}

func TestResolverCacheBound(t *testing.T) {
	r := NewResolver(nil)
	for i := 0; i < maxResolverCache+100; i++ {
		r.Resolve(fmt.Sprintf("bogus %d", i))
	}
	if n := len(r.cache); n > maxResolverCache {
		t.Errorf("cache holds %d entries", n)
	}
	if loc, ok := r.Resolve("Europe/Paris"); !ok || loc.String() != "Europe/Paris" {
		t.Errorf("resolve after full cache: %v %v", loc, ok)
	}
}

func TestResolverConcurrent(t *testing.T) {
	r := NewResolver(map[string]*time.Location{"Custom": time.FixedZone("Custom", 3600)})
	inputs := []string{"Europe/Berlin", "Pacific Standard Time", "Custom", "nope", "/mozilla.org/20070129_1/Asia/Tokyo", "America/Santiago"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				in := inputs[(g+i)%len(inputs)]
				loc, ok := r.Resolve(in)
				if ok != (in != "nope") || ok && loc == nil {
					t.Errorf("Resolve(%q) = %v, %v", in, loc, ok)
					return
				}
				LoadIANA("Asia/Tokyo")
			}
		}(g)
	}
	wg.Wait()
}

func TestSourceString(t *testing.T) {
	for s, want := range map[Source]string{Unresolved: "unresolved", IANA: "iana", Windows: "windows", Custom: "custom", Fallback: "fallback", 99: "unresolved"} {
		if s.String() != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
}

func TestParseFixedOffset(t *testing.T) {
	ok := map[string]int{"UTC+01:00": 3600, "utc-0130": -5400, "GMT+05:45": 20700, "+23:59": 86340, "-00:30": -1800, "UTC-11": -39600, "UTC+9": 32400}
	for in, want := range ok {
		if got, good := parseFixedOffset(in); !good || got != want {
			t.Errorf("parseFixedOffset(%q) = %d, %v; want %d", in, got, good, want)
		}
	}
	for _, in := range []string{"", "+", "UTC", "UTC+", "GMT+5", "GMT-10", "+1", "+001", "+01:0", "+01-00", "UTC+123", "+24:00", "UTC*01:00", "EST+01:00"} {
		if got, good := parseFixedOffset(in); good {
			t.Errorf("parseFixedOffset(%q) = %d, true", in, got)
		}
	}
}

func BenchmarkResolveCached(b *testing.B) {
	r := NewResolver(nil)
	b.ReportAllocs()
	for b.Loop() {
		r.Resolve("W. Europe Standard Time")
	}
}

func BenchmarkLoadIANACached(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		LoadIANA("Europe/Berlin")
	}
}
